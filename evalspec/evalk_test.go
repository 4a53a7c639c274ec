package evalspec

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"attnclust/numerics"
	"attnclust/theory"
)

// simplex3 are the vertices of an equilateral triangle of circumradius 3
// in d = 2 (pairwise distance 3 sqrt 3).
var simplex3 = [][]float64{{3, 0}, {-1.5, 2.598076211353316}, {-1.5, -2.598076211353316}}

func kSpec(variant string, weights []float64, cents, heads [][]float64) Spec {
	s := Spec{Layer: LayerPrototype, Variant: variant, D: len(cents[0]), Sigma: 1, Weights: weights, Centroids: cents, Heads: heads}
	if variant != "hardmax" {
		lam := 1.0
		s.Lambda = &lam
	}
	return s
}

// TestEvaluateKFieldSets: each evaluation path of K >= 3 writes its field
// set (the contract of PrototypeKResult), in order.
func TestEvaluateKFieldSets(t *testing.T) {
	third := 1.0 / 3
	eq3 := []float64{third, third, third}
	simplex4 := [][]float64{{3, 0, 0}, {0, 3, 0}, {0, 0, 3}, {-2, -2, -2}}
	cases := []struct {
		name string
		spec Spec
		kind string
		keys []string
	}{
		{"hardmax K=3", kSpec("hardmax", eq3, simplex3, simplex3), KindCertified,
			[]string{"layer", "variant", "kind", "risk", "risk_err", "grad", "grad_err", "misclassification", "misclassification_err", "bayes_error", "bayes_error_err"}},
		{"distance K=3 unequal weights", kSpec("distance", []float64{0.2, 0.3, 0.5}, simplex3, simplex3), KindEstimated,
			[]string{"layer", "variant", "kind", "risk", "risk_err", "grad", "grad_err", "misclassification", "misclassification_err", "bayes_error", "bayes_error_se", "level"}},
		{"dot K=3", kSpec("dot", eq3, simplex3, simplex3), KindEstimated,
			[]string{"layer", "variant", "kind", "risk", "risk_err", "grad", "grad_err", "misclassification", "misclassification_se", "bayes_error", "bayes_error_err", "level", "t_quantile"}},
		{"hardmax K=4", kSpec("hardmax", []float64{0.25, 0.25, 0.25, 0.25}, simplex4, simplex4), KindStatistical,
			[]string{"layer", "variant", "kind", "risk", "risk_se", "grad", "grad_se", "misclassification", "misclassification_se", "bayes_error", "bayes_error_se", "level", "t_quantile"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Evaluate(tc.spec, Backend{})
			if err != nil {
				t.Fatal(err)
			}
			if res.PrototypeK == nil || res.Prototype != nil || res.Identity != nil {
				t.Fatalf("result %+v, want only PrototypeK", res)
			}
			if res.PrototypeK.Kind != tc.kind {
				t.Errorf("kind %q, want %q", res.PrototypeK.Kind, tc.kind)
			}
			b, err := res.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.keys, orderedKeys(t, b)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if g := res.PrototypeK.Grad; len(g) != tc.spec.K() {
				t.Errorf("%d gradient rows, want %d", len(g), tc.spec.K())
			}
		})
	}
}

// orderedKeys returns the top-level keys of a JSON object in order.
func orderedKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestEvaluateKHardmaxAtCentroids: with equal weights and heads at the
// centroids, the hardmax rule is the nearest-centroid rule, which is the
// Bayes rule, so the two misclassification figures are the same number
// (same evaluation); and the K = 3 risk agrees with the randomized rule.
func TestEvaluateKHardmaxAtCentroids(t *testing.T) {
	third := 1.0 / 3
	res, err := Evaluate(kSpec("hardmax", []float64{third, third, third}, simplex3, simplex3), Backend{})
	if err != nil {
		t.Fatal(err)
	}
	p := res.PrototypeK
	if p.Misclassification != p.BayesError {
		t.Errorf("misclassification %v != Bayes error %v at the centroids", p.Misclassification, p.BayesError)
	}
	mix, err := theory.NewMixture([]float64{third, third, third}, simplex3, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := numerics.NewRiskK(mix, theory.Prototype{Variant: theory.Hardmax}, numerics.OptionsK{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := r.Eval(simplex3)
	if err != nil {
		t.Fatal(err)
	}
	// 5 standard errors: a miss that large has probability below 1e-4
	// under the t distribution with 31 degrees of freedom; the certified
	// error is negligible next to it.
	if d := math.Abs(ev.Risk.Value - p.Risk); d > 5*ev.Risk.SE+*p.RiskErr {
		t.Errorf("planar risk %v vs randomized %v +- %v", p.Risk, ev.Risk.Value, ev.Risk.SE)
	}
}

// TestBayesMC: the plain Monte Carlo Bayes error agrees with the certified
// nearest-centroid error for equal weights (K = 3), reproduces the
// two-component closed form with unequal weights (K = 3 with a third
// component of tiny weight far away would not be exact, so a K = 2 mixture
// is embedded directly: bayesMC does not need K >= 3), and a planted
// rule error (the log-weights dropped) is detected.
func TestBayesMC(t *testing.T) {
	third := 1.0 / 3
	mix3, err := theory.NewMixture([]float64{third, third, third}, simplex3, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := numerics.NewHardmaxPlanar(mix3, 3)
	if err != nil {
		t.Fatal(err)
	}
	exact, err := p.Misclassification(simplex3)
	if err != nil {
		t.Fatal(err)
	}
	mix2, err := theory.NewMixture([]float64{0.2, 0.8}, [][]float64{{1, 0, 0}, {-0.5, 0.5, 0}}, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	exact2, err := theory.BayesError(mix2)
	if err != nil {
		t.Fatal(err)
	}
	// Nearest-centroid error of mix2 (the rule without log-weights), in
	// closed form: the misclassification of heads at the centroids.
	nearest2, err := theory.Misclassification(mix2, theory.Prototype{Variant: theory.Hardmax}, mix2.Centroids)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		mix   theory.Mixture
		exact float64
	}{{"equal weights K=3", mix3, exact.Value}, {"unequal weights K=2", mix2, exact2}} {
		v, se, ok := bayesMC(tc.mix, bayesSamples, bayesSeed)
		if !ok {
			t.Fatalf("%s: not finite", tc.name)
		}
		// 4.5 standard errors: a Monte Carlo miss that large has
		// probability below 1e-5; the reference is exact to 1e-13.
		if math.Abs(v-tc.exact) > 4.5*se {
			t.Errorf("%s: Monte Carlo %v +- %v, exact %v", tc.name, v, se, tc.exact)
		}
	}
	// The planted rule (nearest centroid) differs from the Bayes error by
	// far more than the resolution, so the comparison above can fail.
	_, se, _ := bayesMC(mix2, bayesSamples, bayesSeed)
	if math.Abs(nearest2-exact2) < 10*se {
		t.Fatalf("planted difference %v not resolved (se %v)", nearest2-exact2, se)
	}
}

// TestEvaluateKRejectsBadCounts: mismatched counts and K outside [2, 8]
// are rejected naming the field.
func TestEvaluateKRejectsBadCounts(t *testing.T) {
	third := 1.0 / 3
	nine := make([]float64, 9)
	nineRows := make([][]float64, 9)
	for i := range nine {
		nine[i], nineRows[i] = 1.0/9, []float64{float64(i), 0}
	}
	cases := []struct {
		name, field string
		spec        Spec
	}{
		{"K=1", "weights", kSpec("hardmax", []float64{1}, simplex3[:1], simplex3[:1])},
		{"K=9", "weights", kSpec("hardmax", nine, nineRows, nineRows)},
		{"3 weights, 2 centroids", "centroids", kSpec("hardmax", []float64{third, third, third}, simplex3[:2], simplex3)},
		{"3 weights, 4 heads", "heads", kSpec("dot", []float64{third, third, third}, simplex3, append(slices.Clone(simplex3), []float64{0, 0}))},
		{"3 weights, 2 heads", "heads", kSpec("distance", []float64{third, third, third}, simplex3, simplex3[:2])},
		{"K=3, d above MaxDimK", "d", func() Spec {
			s := kSpec("hardmax", []float64{third, third, third}, simplex3, simplex3)
			s.D = MaxDimK + 1
			return s
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Evaluate(tc.spec, Backend{})
			fe, ok := err.(*FieldError)
			if !ok || fe.Field != tc.field {
				t.Errorf("error %v, want a field error on %q", err, tc.field)
			}
		})
	}
}

// TestEvaluateKOverflow: centroid distances over sigma beyond the float64
// range give a numerical failure, not a number.
func TestEvaluateKOverflow(t *testing.T) {
	s := kSpec("hardmax", []float64{0.2, 0.3, 0.5}, [][]float64{{1e150, 0}, {-1e150, 0}, {0, 1e150}}, simplex3)
	s.Sigma = 1e-150
	_, err := Evaluate(s, Backend{})
	if _, ok := err.(*NumericalError); !ok {
		t.Errorf("error %v (%T), want a numerical failure", err, err)
	}
}
