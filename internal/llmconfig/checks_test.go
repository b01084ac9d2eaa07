package llmconfig

import (
	"reflect"
	"testing"
)

// Two providers that differ in any one field must not share a cached result.
func TestChecksKeySeesEveryField(t *testing.T) {
	mt, ct, temp := int64(1), int64(2), 0.5
	full := Provider{Name: "n", Type: "t", APIKey: "k", BaseURL: "u", Model: "m", MaxTokens: &mt, ContextWindow: &ct, Temperature: &temp, APIVersion: "v"}
	pv := reflect.ValueOf(full)
	for i := range pv.NumField() {
		if pv.Field(i).IsZero() {
			t.Fatalf("set Provider.%s in this test", pv.Type().Field(i).Name)
		}
		other := full
		reflect.ValueOf(&other).Elem().Field(i).Set(reflect.Zero(pv.Type().Field(i).Type))
		if keyOf(full) == keyOf(other) {
			t.Errorf("the checks cache does not see Provider.%s", pv.Type().Field(i).Name)
		}
	}
}

// Validation with kept results answers exactly as without, also when the same
// Checks serves several configurations and formats one after the other.
func TestValidateForWithChecks(t *testing.T) {
	mt, neg := int64(100), int64(-1)
	configs := []*LLM{
		{Providers: []Provider{{Name: "a", Type: TypeOpenAI, APIKey: "env:K", Model: "m"}}, Aliases: map[string]string{"default": "a"}},
		{Providers: []Provider{{Name: "a", Type: TypeOpenAI, APIKey: "sk-literal-0123456789abcdef", Model: "m", MaxTokens: &neg}}, Aliases: map[string]string{"Bad Name": "a", "x": "missing"}},
		{Providers: []Provider{{Name: "a", Type: TypeOpenAI, APIKey: "vault:secret/x", Model: "m", MaxTokens: &mt}, {Name: "a", Type: "nope"}}, Aliases: map[string]string{"default": ""}},
		{Providers: []Provider{{Name: "a", Type: TypeOpenAI, APIKey: "env:K", Model: "m"}}, Aliases: map[string]string{"default": "a"}},
	}
	checks := NewChecks()
	for round := range 2 {
		for i, c := range configs {
			for _, format := range []string{FormatSeed, FormatV1} {
				want, got := c.ValidateFor(format), c.ValidateForWith(format, checks)
				if (want == nil) != (got == nil) || (want != nil && want.Error() != got.Error()) {
					t.Errorf("round %d, config %d, %s: with checks %v, without %v", round, i, format, got, want)
				}
				if i == 1 && want == nil {
					t.Errorf("config %d is invalid, but ValidateFor(%s) passed it", i, format)
				}
			}
		}
	}
}
