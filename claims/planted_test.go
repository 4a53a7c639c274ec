package claims

import (
	"fmt"
	"os"
	"testing"

	"attnclust/numerics"
	"attnclust/theory"
)

// plantedModel is a deliberately broken reading of the layer, plugged in
// through the theory.Model interface, to show that the claims can fail.
type plantedModel struct {
	name   string
	mutate func(theory.Mixture, theory.Prototype) (theory.Mixture, theory.Prototype)
	flip   bool // negate the gradient
}

func (p plantedModel) Name() string { return p.name }

func (p plantedModel) Objective(mix theory.Mixture, l theory.Prototype) (theory.Objective, error) {
	if p.mutate != nil {
		mix, l = p.mutate(mix, l)
	}
	obj, err := numerics.NewRisk(mix, l)
	if err != nil || !p.flip {
		return obj, err
	}
	return flipped{obj}, nil
}

// flipped negates the gradient of an objective (a sign bug).
type flipped struct{ theory.Objective }

func (f flipped) Eval(h [][]float64) (theory.Eval, error) {
	ev, err := f.Objective.Eval(h)
	for _, g := range ev.Grad {
		theory.Scale(-1, g)
	}
	return ev, err
}

// plantedBugs are the three bugs of the claims issue.
func plantedBugs() []plantedModel {
	return []plantedModel{
		{name: "gradient sign flip", flip: true},
		{name: "lambda off by a factor 2", mutate: func(m theory.Mixture, l theory.Prototype) (theory.Mixture, theory.Prototype) {
			l.Lambda *= 2
			return m, l
		}},
		{name: "centroid of component 1 moved by 1.5 sigma", mutate: func(m theory.Mixture, l theory.Prototype) (theory.Mixture, theory.Prototype) {
			c := theory.Clone(m.Centroids)
			c[0][0] += 1.5 * m.Sigma
			m2, err := theory.NewMixture(m.Weights, c, m.Sigma)
			if err != nil {
				panic(err) // test-only: the inputs are valid by construction
			}
			return m2, l
		}},
	}
}

func loadCatalogT(t *testing.T) map[string]Regime {
	t.Helper()
	f, err := os.Open("../fixtures/regimes.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := LoadCatalog(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Regime{}
	for _, r := range rs {
		out[r.Name] = r
	}
	return out
}

// TestPlantedBugsCaught checks that each planted bug makes specific checks
// FAIL on a regime where the true model HOLDS everywhere (C0 and C1): the
// suite can fail.
func TestPlantedBugsCaught(t *testing.T) {
	r := loadCatalogT(t)["theory-2.4-distance"]
	verdicts := func(env Env) map[string]Result {
		out := map[string]Result{}
		for _, c := range []Claim{C0{}, C1{}} {
			for _, res := range c.Check(env, r) {
				out[res.Check] = res
			}
		}
		return out
	}
	for check, res := range verdicts(Env{}) {
		if res.Verdict != Holds {
			t.Fatalf("true model: %s is %s on %s (%s)", check, res.Verdict, r.Name, res.Note)
		}
	}
	want := map[string][]string{
		"gradient sign flip":                         {"C0.gradient-fd", "C0.monte-carlo", "C1.minimizer"},
		"lambda off by a factor 2":                   {"C0.monte-carlo"},
		"centroid of component 1 moved by 1.5 sigma": {"C0.monte-carlo", "C1.radius"},
	}
	for _, bug := range plantedBugs() {
		got := verdicts(Env{Model: bug})
		var fails []string
		for check, res := range got {
			if res.Verdict == Fails {
				fails = append(fails, fmt.Sprintf("%s(%.3g)", check, res.Margin))
			}
		}
		t.Logf("%s: FAILS %v", bug.name, fails)
		for _, check := range want[bug.name] {
			if got[check].Verdict != Fails {
				t.Errorf("%s: %s is %s (margin %.3g, err %.2g), want FAILS", bug.name, check, got[check].Verdict, got[check].Margin, got[check].Err)
			}
		}
	}
}
