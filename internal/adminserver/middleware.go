package adminserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
)

type role int

const (
	roleNone role = iota
	roleReadOnly
	roleAdmin
)

// countRequests counts every request received, before anything else looks at it.
func (s *Server) countRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requestsTotal.Add(1)
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// accessLog writes one line per request: method, path, status, duration. It never
// logs headers, the query string or bodies.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", status,
				"duration_ms", durationMS(time.Since(start)), "bytes", rec.bytes)
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverPanics turns a panic in a handler (a bug) into a logged 500 problem.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel value compared as the net/http docs do
				panic(v)
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec, ok := w.(*statusRecorder); ok && rec.status != 0 {
				return // too late for a problem document
			}
			writeProblemDoc(w, errInternal)
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticate enforces the bearer tokens: none or wrong → 401; the read-only
// token may only read (GET/HEAD) and run executions, anything else → 403.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		switch s.roleOf(r) {
		case roleAdmin:
			markAuthenticated(r)
		case roleReadOnly:
			markAuthenticated(r)
			if !readOnlyAllowed(r) {
				closeUnread(w, r)
				writeProblemDoc(w, &problem{Status: 403, Type: adminapi.ProblemForbidden, Title: "Forbidden",
					Detail: "the read-only token may read the configuration and run executions, not change the configuration"})
				return
			}
		default:
			closeUnread(w, r)
			writeProblemDoc(w, &problem{Status: 401, Type: adminapi.ProblemUnauthorized, Title: "Unauthorized",
				Detail: "a valid bearer token is required (Authorization: Bearer TOKEN)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// closeUnread makes the server close the connection after a refusal that does
// not read the request body, instead of first reading and discarding up to
// 256 KiB of it: a client without a token gets its 401 at once and keeps no
// connection open by trickling a body.
func closeUnread(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength == 0 {
		return
	}
	w.Header().Set("Connection", "close")
	// net/http still reads what is left of the body when the handler returns;
	// an expired read deadline ends that at once.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// requireJSON refuses a request body that is not declared as JSON (415): a
// browser form or a text/plain request cannot be made to look like an API call.
func requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Method != http.MethodGet && r.Method != http.MethodHead {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				closeUnread(w, r)
				writeProblemDoc(w, &problem{Status: 415, Type: adminapi.ProblemUnsupportedMedia, Title: "Unsupported Media Type",
					Detail: "a request body must be sent with Content-Type: application/json"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func readOnlyAllowed(r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	p := r.URL.Path
	return (r.Method == http.MethodPost && p == "/v1/executions") ||
		(r.Method == http.MethodDelete && strings.HasPrefix(p, "/v1/executions/"))
}

// roleOf compares the bearer token with both tokens in constant time (over their
// SHA-256 digests, so that not even the length is compared early).
func (s *Server) roleOf(r *http.Request) role {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return roleNone
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return roleNone
	}
	sum := sha256.Sum256([]byte(token))
	isAdmin := subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1
	isRO := subtle.ConstantTimeCompare(sum[:], s.roTokenSum[:]) == 1 && s.hasRO
	switch {
	case isAdmin:
		return roleAdmin
	case isRO:
		return roleReadOnly
	}
	return roleNone
}
