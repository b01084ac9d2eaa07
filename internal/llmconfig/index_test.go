package llmconfig

import (
	"reflect"
	"testing"
)

// Index answers every look-up as the scanning methods of LLM do, also for a
// missing name, an alias on a missing provider, duplicate provider names and
// per-alias settings.
func TestIndexAnswersAsLLM(t *testing.T) {
	mt := int64(7)
	c := &LLM{
		Providers:    []Provider{{Name: "a", Model: "m1"}, {Name: "b", Model: "m2"}, {Name: "a", Model: "dup"}},
		Aliases:      map[string]string{"z": "a", "y": "a", "x": "b", "w": "gone"},
		AliasOptions: map[string]AliasOptions{"y": {MaxTokens: &mt}},
	}
	x := c.Index()
	for _, name := range []string{"a", "b", "gone", ""} {
		if got, want := x.Provider(name), c.Provider(name); got != want {
			t.Errorf("Provider(%q) = %v, want %v", name, got, want)
		}
		if got, want := x.AliasesOf(name), c.AliasesOf(name); !reflect.DeepEqual(got, want) {
			t.Errorf("AliasesOf(%q) = %v, want %v", name, got, want)
		}
	}
	for _, alias := range []string{"z", "y", "x", "w", "none"} {
		gp, gok := x.Effective(alias)
		wp, wok := c.Effective(alias)
		if gok != wok || !reflect.DeepEqual(gp, wp) {
			t.Errorf("Effective(%q) = %+v %v, want %+v %v", alias, gp, gok, wp, wok)
		}
	}
	if got := x.AliasesOf("a"); len(got) != 2 || got[0] != "y" {
		t.Errorf("AliasesOf(a) = %v, want [y z]", got)
	}
}
