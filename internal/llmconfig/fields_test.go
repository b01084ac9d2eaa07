package llmconfig

import (
	"slices"
	"testing"
)

func TestProviderField(t *testing.T) {
	mt := int64(5)
	p := Provider{Name: "n", Type: TypeOllama, MaxTokens: &mt}
	if want := []string{FieldName, FieldType, FieldAPIKey, FieldBaseURL, FieldModel, FieldMaxTokens, FieldContextWindow, FieldTemperature, FieldAPIVersion}; !slices.Equal(ProviderFieldNames[:len(want)], want) {
		t.Fatalf("ProviderFieldNames = %v", ProviderFieldNames)
	}
	for _, tc := range []struct {
		field string
		value any
		set   bool
	}{
		{FieldName, "n", true}, {FieldAPIKey, "", false}, {FieldMaxTokens, &mt, true},
		{FieldContextWindow, (*int64)(nil), false}, {FieldTemperature, (*float64)(nil), false}, {"nope", nil, false},
	} {
		v, set := p.Field(tc.field)
		if set != tc.set || v != tc.value {
			t.Errorf("Field(%q) = %v, %v; want %v, %v", tc.field, v, set, tc.value, tc.set)
		}
	}
}
