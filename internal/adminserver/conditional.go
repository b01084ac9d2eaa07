package adminserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// conditions are the If-Match / If-None-Match preconditions of a write.
type conditions struct {
	hasIfMatch     bool
	ifMatchAny     bool
	ifMatch        []string
	hasIfNoneMatch bool
	ifNoneMatchAny bool
	ifNoneMatch    []string
}

// parseConditions reads If-Match and If-None-Match. Entity tags may be strong
// ("rev") or weak (W/"rev"); both compare by their opaque value.
func parseConditions(r *http.Request) (conditions, *problem) {
	var c conditions
	var err error
	if vs := r.Header.Values("If-Match"); len(vs) > 0 {
		c.hasIfMatch = true
		if c.ifMatch, c.ifMatchAny, err = parseETags(strings.Join(vs, ",")); err != nil {
			return c, badRequest("If-Match " + err.Error())
		}
	}
	if vs := r.Header.Values("If-None-Match"); len(vs) > 0 {
		c.hasIfNoneMatch = true
		if c.ifNoneMatch, c.ifNoneMatchAny, err = parseETags(strings.Join(vs, ",")); err != nil {
			return c, badRequest("If-None-Match " + err.Error())
		}
	}
	return c, nil
}

// parseETags parses `*` or a comma-separated list of entity tags.
func parseETags(v string) (tags []string, anyTag bool, err error) {
	bad := fmt.Errorf(`must be * or a list of entity tags such as "REVISION"`)
	rest := strings.TrimSpace(v)
	if rest == "*" {
		return nil, true, nil
	}
	for {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			break
		}
		rest = strings.TrimPrefix(rest, "W/")
		if !strings.HasPrefix(rest, `"`) {
			return nil, false, bad
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, false, bad
		}
		tags = append(tags, rest[1:1+end])
		rest = rest[2+end:]
		if rest != "" && !strings.HasPrefix(strings.TrimLeft(rest, " \t"), ",") {
			return nil, false, bad
		}
	}
	if len(tags) == 0 {
		return nil, false, bad
	}
	return tags, false, nil
}

// check evaluates the preconditions against the object as it stands in the
// working copy. kind and name only shape the message.
func (c conditions) check(kind, name string, exists bool, current string) *problem {
	if c.hasIfMatch {
		if !exists {
			return preconditionFailed(fmt.Sprintf("%s %q does not exist, but If-Match requires it", kind, name), "")
		}
		if !c.ifMatchAny && !slices.Contains(c.ifMatch, current) {
			return preconditionFailed(fmt.Sprintf("%s %q is at revision %q, not the one named in If-Match: it was changed since it was read", kind, name, current), current)
		}
	}
	if c.hasIfNoneMatch && exists && (c.ifNoneMatchAny || slices.Contains(c.ifNoneMatch, current)) {
		return preconditionFailed(fmt.Sprintf("%s %q already exists (If-None-Match)", kind, name), current)
	}
	return nil
}

func etag(rev string) string { return `"` + rev + `"` }

// createOnly reports If-None-Match: *.
func (c conditions) createOnly() bool { return c.hasIfNoneMatch && c.ifNoneMatchAny }

// String is a canonical form of the preconditions (part of an idempotency
// fingerprint).
func (c conditions) String() string {
	var b strings.Builder
	if c.hasIfMatch {
		fmt.Fprintf(&b, "if-match:%v%q;", c.ifMatchAny, c.ifMatch)
	}
	if c.hasIfNoneMatch {
		fmt.Fprintf(&b, "if-none-match:%v%q;", c.ifNoneMatchAny, c.ifNoneMatch)
	}
	return b.String()
}
