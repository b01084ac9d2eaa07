package adminserver

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// Connection limits. A hostile client that can reach the port but holds no
// token must not be able to starve the token holders: every connection counts
// against MaxConnections, and when the cap is reached a new connection evicts the
// oldest connection that is not serving an authenticated request (a client still
// sending its headers, a body being refused, an idle keep-alive). A connection
// that serves an authenticated request is never evicted; new connections wait
// only when every slot serves one.
const (
	DefaultMaxConnections    = 256
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 16 << 10
)

// Limits bounds what one client may hold of the HTTP server.
type Limits struct {
	MaxConnections    int
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	// WriteTimeout must exceed the longest a handler may take (a write waits for
	// the reload command): NewHTTPServer adds the reload timeout when it is zero.
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	MaxHeaderBytes int
}

func (l Limits) withDefaults(reloadTimeout time.Duration) Limits {
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultReadTimeout
	}
	if l.WriteTimeout <= 0 {
		// A write may wait for one commit (reload command included) behind another.
		l.WriteTimeout = 2*reloadTimeout + 30*time.Second
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}

// NewHTTPServer returns the http.Server for this admin server with every limit
// set, and the listener to serve it on: inner wrapped by the connection cap (and
// by TLS when tlsConfig is not nil).
func (s *Server) NewHTTPServer(inner net.Listener, tlsConfig *tls.Config, l Limits) (*http.Server, net.Listener) {
	l = l.withDefaults(s.cfg.ReloadTimeout)
	cl := newConnLimiter(inner, l.MaxConnections)
	var ln net.Listener = cl
	if tlsConfig != nil {
		ln = tls.NewListener(cl, tlsConfig)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if lc := limitedConnOf(c); lc != nil {
				return context.WithValue(ctx, connKey{}, lc)
			}
			return ctx
		},
		ConnState: func(c net.Conn, st http.ConnState) {
			if lc := limitedConnOf(c); lc != nil {
				cl.stateChanged(lc, st)
			}
		},
	}
	return srv, ln
}

type connKey struct{}

// markAuthenticated protects the connection of r from eviction until its
// request is done.
func markAuthenticated(r *http.Request) {
	if lc, ok := r.Context().Value(connKey{}).(*limitedConn); ok {
		lc.l.setAuthenticated(lc)
	}
}

func limitedConnOf(c net.Conn) *limitedConn {
	for {
		switch v := c.(type) {
		case *limitedConn:
			return v
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil
		}
	}
}

// connLimiter caps the number of open connections, evicting the oldest
// unauthenticated one to make room (see Limits).
type connLimiter struct {
	net.Listener
	max int

	mu     sync.Mutex
	cond   *sync.Cond
	conns  map[*limitedConn]struct{}
	closed bool
}

type limitedConn struct {
	net.Conn
	l *connLimiter

	// guarded by l.mu
	authenticated bool
	since         time.Time
	counted       bool
}

func newConnLimiter(inner net.Listener, maxConns int) *connLimiter {
	l := &connLimiter{Listener: inner, max: maxConns, conns: map[*limitedConn]struct{}{}}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// Accept accepts the next connection and makes room for it: when the cap is
// reached the oldest unauthenticated connection is closed; when every slot serves
// an authenticated request, Accept waits for one to finish.
func (l *connLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	lc := &limitedConn{Conn: c, l: l, since: time.Now()}
	var victims []*limitedConn
	l.mu.Lock()
	for len(l.conns) >= l.max && !l.closed {
		if v := l.oldestEvictableLocked(); v != nil {
			l.releaseLocked(v)
			victims = append(victims, v)
			continue
		}
		l.cond.Wait()
	}
	closed := l.closed
	if !closed {
		lc.counted = true
		l.conns[lc] = struct{}{}
	}
	l.mu.Unlock()
	for _, v := range victims {
		_ = v.Conn.Close()
	}
	if closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	return lc, nil
}

// Close stops accepting and wakes an Accept waiting for a slot.
func (l *connLimiter) Close() error {
	l.mu.Lock()
	l.closed = true
	l.cond.Broadcast()
	l.mu.Unlock()
	return l.Listener.Close()
}

func (l *connLimiter) oldestEvictableLocked() *limitedConn {
	var oldest *limitedConn
	for c := range l.conns {
		if !c.authenticated && (oldest == nil || c.since.Before(oldest.since)) {
			oldest = c
		}
	}
	return oldest
}

func (l *connLimiter) releaseLocked(c *limitedConn) {
	if c.counted {
		c.counted = false
		delete(l.conns, c)
		l.cond.Broadcast()
	}
}

func (l *connLimiter) setAuthenticated(c *limitedConn) {
	l.mu.Lock()
	c.authenticated = true
	l.mu.Unlock()
}

func (l *connLimiter) stateChanged(c *limitedConn, st http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch st {
	case http.StateIdle:
		// Between requests a connection is evictable again: an idle keep-alive
		// must not hold a slot a new client needs.
		c.authenticated = false
		c.since = time.Now()
		l.cond.Broadcast()
	case http.StateHijacked, http.StateClosed:
		l.releaseLocked(c)
	}
}

// Close releases the connection's slot.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	c.l.releaseLocked(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}
