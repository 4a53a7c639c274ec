package claims

import (
	"math"
	"strings"
	"testing"
)

// TestLoadCatalogRejects covers every rule of the regime-file validator:
// each bad catalog gives an error naming the regime and the field.
func TestLoadCatalogRejects(t *testing.T) {
	ok := `"d":2,"sigma":1,"pi1":0.5,"geometry":"orthogonal","separation":4,"variant":"distance","lambda_sigma2":1,"seed":1`
	cases := []struct{ name, json, want string }{
		{"malformed", `{"regimes":[`, "catalog"},
		{"unknown field", `{"regimes":[{"name":"a",` + ok + `,"lamda":1}]}`, "lamda"},
		{"trailing", `{"regimes":[]} {}`, "trailing"},
		{"unnamed", `{"regimes":[{` + ok + `}]}`, `"name"`},
		{"duplicate", `{"regimes":[{"name":"a",` + ok + `},{"name":"a",` + ok + `}]}`, "duplicate"},
		{"d", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"d":2`, `"d":0`, 1) + `}]}`, "d must"},
		{"sigma", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"sigma":1`, `"sigma":-1`, 1) + `}]}`, "sigma"},
		{"pi1", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"pi1":0.5`, `"pi1":1`, 1) + `}]}`, "pi1"},
		{"separation", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"separation":4`, `"separation":0`, 1) + `}]}`, "separation"},
		{"geometry", `{"regimes":[{"name":"a",` + strings.Replace(ok, `orthogonal`, `square`, 1) + `}]}`, "geometry"},
		{"angle", `{"regimes":[{"name":"a",` + strings.Replace(ok, `orthogonal`, `angle`, 1) + `,"angle":4}]}`, "angle"},
		{"norm ratio", `{"regimes":[{"name":"a",` + strings.Replace(ok, `orthogonal`, `unequal`, 1) + `}]}`, "norm_ratio"},
		{"d for geometry", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"d":2`, `"d":1`, 1) + `}]}`, "d >= 2"},
		{"variant", `{"regimes":[{"name":"a",` + strings.Replace(ok, `distance`, `cosine`, 1) + `}]}`, "variant"},
		{"lambda", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"lambda_sigma2":1`, `"lambda_sigma2":-1`, 1) + `}]}`, "lambda_sigma2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadCatalog(strings.NewReader(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
	if rs, err := LoadCatalog(strings.NewReader(`{"regimes":[{"name":"a",` + ok + `}]}`)); err != nil || len(rs) != 1 {
		t.Errorf("valid catalog: %v %v", rs, err)
	}
}

// TestLoadExpectedRejects covers the expected-table validator.
func TestLoadExpectedRejects(t *testing.T) {
	cases := []struct{ name, json, want string }{
		{"unknown verdict", `{"verdicts":[{"regime":"a","check":"C1.x","verdict":"MAYBE"}]}`, "unknown verdict"},
		{"missing check", `{"verdicts":[{"regime":"a","verdict":"HOLDS"}]}`, "required"},
		{"duplicate", `{"verdicts":[{"regime":"a","check":"C1.x","verdict":"HOLDS"},{"regime":"a","check":"C1.x","verdict":"HOLDS"}]}`, "duplicate"},
		{"FAILS without reason", `{"verdicts":[{"regime":"a","check":"C1.x","verdict":"FAILS"}]}`, "reason"},
		{"unknown field", `{"verdicts":[],"extra":1}`, "extra"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadExpected(strings.NewReader(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

// TestDecideNeverHoldsWithoutBound: HOLDS only when margin > bound, and
// never with a NaN, negative or infinite bound.
func TestDecideNeverHoldsWithoutBound(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		m, e float64
		want Verdict
	}{
		{1, 0.5, Holds}, {0.5, 0.5, Inconclusive}, {-1, 0.5, Fails}, {-0.5, 0.5, Inconclusive},
		{1, -1, Inconclusive}, {1, inf, Inconclusive}, {nan, 0, Inconclusive}, {1, nan, Inconclusive},
	}
	for _, c := range cases {
		if got := Decide(c.m, c.e); got != c.want {
			t.Errorf("Decide(%v, %v) = %v, want %v", c.m, c.e, got, c.want)
		}
	}
	r := result("C", "C.x", Regime{}, 1, inf, "u")
	if r.Verdict != Inconclusive || r.Note == "" {
		t.Errorf("infinite bound: %+v", r)
	}
}
