package llmconfig

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// CheckText refuses what no configuration string may hold: invalid UTF-8, control
// characters (newlines, tabs, NUL), line and paragraph separators (U+2028/U+2029),
// invisible format characters (zero-width spaces and joiners, the byte-order
// mark, soft hyphen), direction overrides and isolates (U+202A-U+202E,
// U+2066-U+2069), variation selectors, private-use code points and spaces other
// than U+0020. The orchestrator, its logs and the people reading plans would all
// see something other than what is stored.
func CheckText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("must be valid UTF-8")
	}
	i := 0
	for _, r := range s {
		i++
		if hiddenRune(r) {
			return fmt.Errorf("must not contain control characters (newlines, tabs, NUL), invisible or direction-changing characters: found U+%04X at character %d", r, i)
		}
	}
	return nil
}

func hiddenRune(r rune) bool {
	switch {
	case r >= ' ' && r < 0x7f: // printable ASCII: never hidden
		return false
	case unicode.IsControl(r), unicode.IsSpace(r): // Cc; tabs, newlines, NBSP, U+2028/9, ...
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// APIVersionPattern is what an api_version may hold: an Azure OpenAI API version
// such as "2024-02-01" or "2024-02-15-preview".
const APIVersionPattern = `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`

var apiVersionRE = regexp.MustCompile(APIVersionPattern)

// CheckAPIVersion validates an api_version. It becomes a query parameter of every
// request the orchestrator sends, so '&', '#', '=' and line breaks are refused.
func CheckAPIVersion(s string) error {
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("must not start or end with whitespace")
	}
	if !apiVersionRE.MatchString(s) {
		return fmt.Errorf(`must be 1-64 letters, digits, '.', '_' or '-' (pattern %s), e.g. "2024-02-01"`, APIVersionPattern)
	}
	return nil
}

var hostLabelRE = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$`)

// CheckHost validates the host of a base_url: an IP address, or a DNS name of
// letters, digits, '-' and '_' in labels of at most 63 characters. Hosts must be
// written in ASCII: an internationalized name is refused with its IDNA A-label
// ("xn--...") form to use instead, so that a look-alike (a Cyrillic 'а' for a
// Latin 'a') shows as what it is in every plan and log. An A-label whose Unicode
// form mixes scripts (Latin with Cyrillic or Greek, say) is refused too; a name
// written wholly in one other script is allowed, since it cannot pass for an
// ASCII one without the xn-- prefix showing. The base_url host allow-list of the
// admin server (docs/security.md) decides which hosts may receive keys at all.
func CheckHost(host string) error {
	if host == "" {
		return fmt.Errorf("must have a host")
	}
	if strings.HasPrefix(host, "[") || strings.Contains(host, ":") {
		if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err != nil {
			return fmt.Errorf("has an invalid IPv6 address as its host")
		}
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	for _, r := range host {
		if r >= utf8.RuneSelf {
			if a, err := idna.Lookup.ToASCII(host); err == nil && a != host {
				return fmt.Errorf("must have an ASCII host: write the internationalized name in its IDNA form %q, so that look-alike characters stay visible", a)
			}
			return fmt.Errorf("must have an ASCII host name (letters, digits, '-', '.')")
		}
	}
	name := strings.TrimSuffix(host, ".")
	if len(name) > 253 {
		return fmt.Errorf("has a host name longer than 253 characters")
	}
	for _, label := range strings.Split(name, ".") {
		if !hostLabelRE.MatchString(label) {
			return fmt.Errorf("has an invalid host name: labels of 1-63 letters, digits, '-' or '_', separated by '.', e.g. \"api.example.com\"")
		}
		if len(label) > 4 && strings.EqualFold(label[:4], "xn--") {
			u, err := idna.Lookup.ToUnicode(label)
			if err != nil {
				return fmt.Errorf("has an invalid IDNA label %q in its host", label)
			}
			if scripts := labelScripts(u); !singleScript(scripts) {
				return fmt.Errorf("has a host label %q that mixes scripts (%s), as look-alike host names do", label, strings.Join(scripts, ", "))
			}
		}
	}
	return nil
}

// labelScripts lists the scripts of the letters of s, Common and Inherited
// (digits, '-', combining marks) left out.
func labelScripts(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s {
		for name, table := range unicode.Scripts {
			if name == "Common" || name == "Inherited" || !unicode.Is(table, r) {
				continue
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
			break
		}
	}
	return out
}

// singleScript reports whether the scripts of a label are one script, or one of
// the combinations a single language writes (UTS #39 "highly restrictive").
func singleScript(scripts []string) bool {
	if len(scripts) <= 1 {
		return true
	}
	for _, allowed := range [][]string{
		{"Latin", "Han", "Hiragana", "Katakana"},
		{"Latin", "Han", "Bopomofo"},
		{"Latin", "Han", "Hangul"},
	} {
		ok := true
		for _, s := range scripts {
			if !contains(allowed, s) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkURLHost applies CheckHost to a parsed URL, refusing what url.Parse lets
// through in a host: quotes and other characters no host name has.
func checkURLHost(u *url.URL) error {
	if strings.ContainsAny(u.Host, "\"'<>\\`{}|^ %") {
		return fmt.Errorf("must not contain quotes, spaces or escapes in its host")
	}
	return CheckHost(u.Hostname())
}
