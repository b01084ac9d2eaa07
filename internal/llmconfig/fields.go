package llmconfig

import (
	"reflect"
	"strings"
)

// ProviderFieldNames lists the fields of Provider by the name they have in the
// admin API and the node config (their JSON name), in declaration order. File
// formats and the Terraform provider follow this list rather than repeating it.
var ProviderFieldNames []string

var providerFieldIndex = map[string]int{}

func init() {
	t := reflect.TypeFor[Provider]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		ProviderFieldNames = append(ProviderFieldNames, name)
		providerFieldIndex[name] = i
	}
}

// Field returns the named field of p — a string, *int64 or *float64, as declared —
// and whether p sets it (a non-empty string, a non-nil pointer). It returns nil and
// false for a name Provider does not have.
func (p Provider) Field(name string) (value any, set bool) {
	i, ok := providerFieldIndex[name]
	if !ok {
		return nil, false
	}
	f := reflect.ValueOf(p).Field(i)
	return f.Interface(), !f.IsZero()
}
