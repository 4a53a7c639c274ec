package claims

import (
	"testing"

	"pgregory.net/rapid"
)

// TestC0Property: C0 holds (never FAILS) on random regimes of the full
// ranges of THEORY 4; rapid shrinks any counterexample.
func TestC0Property(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		CheckProperty(t, Env{Quick: true}, C0{}, (C0{}).Ranges().Generator())
	})
}

// TestC0ChecksPresent pins which checks run on which variant, so that a
// check cannot silently disappear.
func TestC0ChecksPresent(t *testing.T) {
	cat := loadCatalogT(t)
	cases := []struct {
		regime string
		want   []string
	}{
		{"theory-2.4-dot", []string{"C0.error-budget", "C0.lambda-zero", "C0.monte-carlo", "C0.gradient-fd", "C0.swap", "C0.rotation"}},
		{"theory-2.4-distance", []string{"C0.error-budget", "C0.lambda-zero", "C0.monte-carlo", "C0.gradient-fd", "C0.swap", "C0.rotation", "C0.translation"}},
		{"theory-2.4-hardmax", []string{"C0.error-budget", "C0.hardmax-closed-form", "C0.monte-carlo", "C0.gradient-fd", "C0.swap", "C0.rotation", "C0.translation"}},
	}
	for _, c := range cases {
		res := (C0{}).Check(Env{Quick: true}, cat[c.regime])
		if len(res) != len(c.want) {
			t.Errorf("%s: %d checks, want %d", c.regime, len(res), len(c.want))
			continue
		}
		for i, w := range c.want {
			if res[i].Check != w || res[i].Verdict != Holds {
				t.Errorf("%s: check %d is %s %s, want %s HOLDS", c.regime, i, res[i].Check, res[i].Verdict, w)
			}
		}
	}
}
