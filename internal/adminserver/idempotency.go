package adminserver

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
)

// Idempotency keys (IETF httpapi "The Idempotency-Key HTTP Header Field" draft):
// a client sends one key per write attempt and the same key on every retry of
// it. The server remembers, for each key, which object the write produced; a
// retry whose first answer was lost gets that answer again instead of a 412
// ("already exists") for its own create. A key is honored only while the object
// is still exactly what the remembered write made it.
const (
	// IdempotencyTTL is how long a key is remembered, and idempotencyMax how
	// many keys at most (the oldest are forgotten first).
	IdempotencyTTL = 24 * time.Hour
	idempotencyMax = 10000
	maxKeyLen      = 255
)

// idemRecord is what a key produced.
type idemRecord struct {
	Key string `json:"key"`
	// Fingerprint identifies the request (route and content): a key reused for
	// another request is refused.
	Fingerprint string `json:"fingerprint"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Revision    string `json:"revision"`
	Created     bool   `json:"created"`
	// Awaiting: the write was accepted as an alias awaiting its provider.
	Awaiting bool      `json:"awaiting,omitempty"`
	At       time.Time `json:"at"`
}

type idemStore struct {
	mu       sync.Mutex
	recs     map[string]idemRecord
	inflight map[string]chan struct{}
}

func newIdemStore(recs []idemRecord, now time.Time) *idemStore {
	st := &idemStore{recs: map[string]idemRecord{}, inflight: map[string]chan struct{}{}}
	for _, r := range recs {
		if now.Sub(r.At) < IdempotencyTTL {
			st.recs[r.Key] = r
		}
	}
	return st
}

// parseIdempotencyKey reads the header: a structured-field string ("...") as the
// draft specifies, or the bare key. "" means no key.
func parseIdempotencyKey(r *http.Request) (string, *problem) {
	vs := r.Header.Values(adminapi.HeaderIdempotencyKey)
	if len(vs) == 0 {
		return "", nil
	}
	v := strings.TrimSpace(strings.Join(vs, ","))
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if v == "" || len(v) > maxKeyLen || strings.ContainsFunc(v, func(c rune) bool { return c < 0x21 || c > 0x7e || c == '"' || c == '\\' }) {
		return "", badRequest(`Idempotency-Key must be a quoted string of 1-255 visible ASCII characters, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"`)
	}
	return v, nil
}

// acquire waits until no other request with the same key is being processed,
// then returns what the key produced earlier (if it is remembered) and a release
// function that must be called when this request is done.
func (st *idemStore) acquire(ctx context.Context, key string) (*idemRecord, func(), error) {
	for {
		st.mu.Lock()
		ch, busy := st.inflight[key]
		if !busy {
			done := make(chan struct{})
			st.inflight[key] = done
			var out *idemRecord
			if r, ok := st.recs[key]; ok && time.Since(r.At) < IdempotencyTTL {
				out = &r
			}
			st.mu.Unlock()
			return out, func() {
				st.mu.Lock()
				delete(st.inflight, key)
				st.mu.Unlock()
				close(done)
			}, nil
		}
		st.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}

// put remembers what requests produced.
func (st *idemStore) put(recs []idemRecord) {
	if len(recs) == 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, r := range recs {
		st.recs[r.Key] = r
	}
	if over := len(st.recs) - idempotencyMax; over > 0 {
		all := st.sortedLocked()
		for _, r := range all[:over] {
			delete(st.recs, r.Key)
		}
	}
}

// wentLive updates what key produced when the alias it recorded as awaiting
// its provider went live: the live alias's revision (normalized against the
// provider: an override equal to the provider's value is dropped, so it may
// differ from the awaiting one) and whether the alias was created. A retry of
// that write is then answered with the live alias instead of failing its own
// If-None-Match. A key since reused for another write is left alone.
func (st *idemStore) wentLive(key, name, awaitingRevision, revision string, created bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.recs[key]
	if !ok || r.Kind != "alias" || r.Name != name || !r.Awaiting || r.Revision != awaitingRevision {
		return
	}
	r.Revision, r.Created, r.Awaiting = revision, created, false
	st.recs[key] = r
}

// records returns the remembered keys that have not expired, oldest first.
func (st *idemStore) records(now time.Time) []idemRecord {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := st.sortedLocked()
	return slices.DeleteFunc(out, func(r idemRecord) bool { return now.Sub(r.At) >= IdempotencyTTL })
}

func (st *idemStore) sortedLocked() []idemRecord {
	out := make([]idemRecord, 0, len(st.recs))
	for _, r := range st.recs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b idemRecord) int { return a.At.Compare(b.At) })
	return out
}

func idempotencyReused() *problem {
	return &problem{Status: 422, Type: adminapi.ProblemIdempotencyReused, Title: "Idempotency Key Reused",
		Detail: "this Idempotency-Key was already used for a different request; send a new key for every new request (and the same key only on retries of the same one)"}
}
