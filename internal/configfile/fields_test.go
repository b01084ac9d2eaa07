package configfile

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// The seed format stores every field of llmconfig.Provider: a field added there but
// not here would be accepted by the API and silently dropped from the file.
func TestSeedFormatStoresEveryProviderField(t *testing.T) {
	mt, ct, temp := int64(1), int64(2), 0.5
	full := llmconfig.Provider{Name: "n", Type: "t", APIKey: "k", BaseURL: "u", Model: "m",
		MaxTokens: &mt, ContextWindow: &ct, Temperature: &temp, APIVersion: "v"}
	pv := reflect.ValueOf(full)
	for i := range pv.NumField() {
		f := pv.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if pv.Field(i).IsZero() {
			t.Fatalf("set llmconfig.Provider.%s in this test", f.Name)
		}
		if !slices.Contains(providerFields, name) {
			t.Errorf("llmconfig.Provider.%s (%q) is not in the seed format's providerFields", f.Name, name)
		}
		if _, present := providerField(full, name); !present {
			t.Errorf("providerField does not render llmconfig.Provider.%s (%q)", f.Name, name)
		}
		if _, present := fieldText(full, name, 0); !present {
			t.Errorf("fieldText does not render llmconfig.Provider.%s (%q)", f.Name, name)
		}
		if fieldEqual(full, llmconfig.Provider{}, name) {
			t.Errorf("fieldEqual does not compare llmconfig.Provider.%s (%q)", f.Name, name)
		}
		other := full
		reflect.ValueOf(&other).Elem().Field(i).Set(reflect.Zero(f.Type))
		if sameProvider(full, other) {
			t.Errorf("sameProvider does not compare llmconfig.Provider.%s (%q)", f.Name, name)
		}
	}
}
