package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// useProvider puts the provider into the configuration's graph: Terraform does not
// validate the block of a provider that nothing uses.
const useProvider = "data \"aegis_node\" \"this\" {}\n"

// TestAccProvider_validateProviderBlock: `terraform validate` (no server, no
// credentials, nothing configured) refuses a bad provider block, naming the
// attribute, and accepts a good one.
func TestAccProvider_validateProviderBlock(t *testing.T) {
	r := newCLIRun(t, nil, "")
	main := filepath.Join(r.dir, "main.tf")
	for _, tc := range []struct {
		name, block string
		want        []string // patterns; spaces match any whitespace
	}{
		{"negative max_retries", `max_retries = -1`, []string{`max_retries value must be between 0 and 20, got: -1`, `max_retries = -1`}},
		{"unparsable request_timeout", `request_timeout = "soon"`, []string{`Invalid Time Duration String Value`, `request_timeout = "soon"`}},
		{"zero request_timeout", `request_timeout = "0s"`, []string{`request_timeout must be a positive Go duration`, `got "0s"`}},
		{"endpoint without a scheme", `endpoint = "aegis.example.com:8787"`, []string{`Invalid AEGIS Endpoint`, `absolute http:// or https:// URL`, `endpoint = "aegis.example.com:8787"`}},
		{"endpoint with another scheme", `endpoint = "ftp://aegis.example.com"`, []string{`Invalid AEGIS Endpoint`, `endpoint = "ftp://aegis.example.com"`}},
	} {
		writeFile(t, main, testAccTerraformBlock+"provider \"aegis\" {\n  "+tc.block+"\n}\n"+useProvider)
		out := r.run(1, nil, "validate", "-no-color")
		for _, w := range tc.want {
			if !regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(w), " ", `\s+`)).MatchString(out) {
				t.Errorf("%s: validate output lacks %q:\n%s", tc.name, w, out)
			}
		}
	}
	writeFile(t, main, testAccTerraformBlock+`provider "aegis" {
  endpoint        = "https://aegis.example.com:8787"
  request_timeout = "2m"
  max_retries     = 0
}
`+useProvider)
	if out := r.run(0, nil, "validate", "-no-color"); !strings.Contains(out, "Success") {
		t.Errorf("validate of a good provider block:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "terraform.tfstate")); err == nil {
		t.Error("validate wrote state")
	}
}
