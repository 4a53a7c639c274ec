package claims

import (
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"attnclust/numerics"
	"attnclust/theory"
)

// c6Base is a regime inside C6's hypotheses on which every claim-role
// check HOLDS with the true training code.
var c6Base = Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 5, Variant: "distance", LambdaSigma2: 1, Seed: 1}

// TestC6InHypotheses: on regimes drawn by the conditional generator, no
// claim-role check FAILS (a deterministic sample of 4 regimes under
// -quick settings: C6 is too costly for rapid's 100 draws; the statistical
// checks are at level 0.99 with tolerances several times the measured
// deviations, so a false FAILS is rare).
func TestC6InHypotheses(t *testing.T) {
	g := C6{}.InHypothesesGenerator()
	n := 4
	if testing.Short() {
		n = 2
	}
	for i := range n {
		r := g.Example(100 + i)
		if !(C6{}).InHypotheses(r) {
			t.Fatalf("generator drew a regime outside the hypotheses: %s", r)
		}
		for _, res := range (C6{}).Check(Env{Quick: true}, r) {
			if res.Role == RoleClaim && res.Verdict == Fails {
				t.Errorf("%s FAILS on %s: margin %.3g err %.2g %v", res.Check, r, res.Margin, res.Err, res.Values)
			}
			if res.Role == RoleClaim && res.Kind != KindStatistical && res.Verdict != Inconclusive {
				t.Errorf("%s: kind %q, want statistical", res.Check, res.Kind)
			}
		}
	}
}

// scaledHead2 is planted bug (a): the second head's gradient is scaled by
// 0.5 in training (SGD and GD).
func scaledHead2(l theory.Prototype, x []float64, heads, grad [][]float64, work []float64) float64 {
	loss := numerics.TokenLossGrad(l, x, heads, grad, work)
	theory.Scale(0.5, grad[1])
	return loss
}

// lambdaForwardDoubled is planted bug (b): the attention probabilities use
// 2 lambda (forward pass) while the backward formula uses lambda.
func lambdaForwardDoubled(l theory.Prototype, x []float64, heads, grad [][]float64, _ []float64) float64 {
	l2 := l
	l2.Lambda *= 2
	p := l2.Probs(x, heads)
	t := make([]float64, len(x))
	for h, mu := range heads {
		theory.AddScaled(t, p[h], mu)
	}
	r := make([]float64, len(x))
	for i := range x {
		r[i] = x[i] - t[i]
	}
	for h, mu := range heads {
		c := 0.0
		for i := range r {
			c += (mu[i] - t[i]) * r[i]
		}
		for i := range grad[h] {
			gi := x[i]
			if l.Variant == theory.Distance {
				gi -= mu[i]
			}
			grad[h][i] = -2*p[h]*r[i] - 2*p[h]*l.Lambda*c*gi
		}
	}
	return theory.Inner(r, r)
}

// TestC6PlantedBugs: on each bug's regime the true code FAILS no
// claim-role check and HOLDS the check the bug targets (or, for the lambda
// bug, is not refuted there), and the bug makes that check FAIL. The
// lambda bug biases the empirical minimizer by a fixed offset b, which the
// M-estimator check sees once n ||b||^2 exceeds the tolerance times
// tr(H^-1 S H^-1): at Delta = 5 and equal weights the offset is ~0.01 sigma
// (too small at n = 4000), at Delta = 4 and pi_1 = 0.3 it is ~0.1 sigma.
func TestC6PlantedBugs(t *testing.T) {
	env := Env{Quick: true}
	unequal := Regime{D: 2, Sigma: 1, Pi1: 0.3, Geometry: Orthogonal, Separation: 4, Variant: "distance", LambdaSigma2: 1, Seed: 1}
	verdicts := func(c C6, r Regime) map[string]Result {
		out := map[string]Result{}
		for _, res := range c.Check(env, r) {
			if res.Role == RoleClaim {
				out[res.Check] = res
			}
		}
		return out
	}
	cases := []struct {
		name   string
		grad   numerics.TokenGrad
		regime Regime
		fails  []string
	}{
		{"second head's gradient scaled by 0.5", scaledHead2, c6Base, []string{C6SGDNoise}},
		{"lambda doubled in the forward pass only", lambdaForwardDoubled, unequal, []string{C6MEstimator, C6Rate}},
	}
	for _, c := range cases {
		truth := verdicts(C6{}, c.regime)
		for check, res := range truth {
			if res.Verdict == Fails {
				t.Fatalf("true code: %s FAILS on %s (margin %.3g, err %.2g) %s", check, c.regime, res.Margin, res.Err, res.Note)
			}
		}
		got := verdicts(C6{Grad: c.grad}, c.regime)
		for check, res := range got {
			t.Logf("%s: %s %s margin %.3g err %.2g (true code: %s)", c.name, check, res.Verdict, res.Margin, res.Err, truth[check].Verdict)
		}
		for _, check := range c.fails {
			if got[check].Verdict != Fails {
				t.Errorf("%s: %s is %s, want FAILS", c.name, check, got[check].Verdict)
			}
		}
	}
	if v := verdicts(C6{}, c6Base)[C6SGDNoise].Verdict; v != Holds {
		t.Errorf("true code: %s is %s on %s, want HOLDS", C6SGDNoise, v, c6Base)
	}
}

// TestC6DataFunctions: the figure data functions run and are consistent
// with the checks' quantities.
func TestC6DataFunctions(t *testing.T) {
	env := Env{Quick: true}
	curves, err := SampleTrainingCurves(env, c6Base, 2000, 300, 50, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(curves) != len(numerics.InitSchemes()) {
		t.Fatalf("%d curves", len(curves))
	}
	for _, c := range curves {
		last := c.Points[len(c.Points)-1]
		t.Logf("%s: %d points, final min cos %.4f, distance to theta^ %.3g sigma", c.Scheme, len(c.Points), last.MinCos, last.DistToMin)
		if c.Points[0].Step != 0 || last.Step != 300 {
			t.Errorf("%s: steps %d..%d", c.Scheme, c.Points[0].Step, last.Step)
		}
	}
	rows, err := SampleComplexity(env, c6Base, []int{250, 1000}, 8)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		t.Logf("n=%d: mean d^2 %.4g +- %.2g, predicted %.4g; baselines %+v", r.N, r.MeanSqDist, r.MeanSqDistSE, r.Predicted, r.Baselines)
		if !(r.MeanSqDist > 0) || !(r.Predicted > 0) {
			t.Errorf("n=%d: empty row %+v", r.N, r)
		}
	}
}

// TestC6WorkerIndependent: C6's results do not depend on the number of
// goroutines its runs are spread over.
func TestC6WorkerIndependent(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	one := (C6{}).Check(Env{Quick: true}, c6Base)
	runtime.GOMAXPROCS(3)
	three := (C6{}).Check(Env{Quick: true}, c6Base)
	runtime.GOMAXPROCS(prev)
	if diff := cmp.Diff(one, three, cmpopts.IgnoreUnexported(Result{})); diff != "" {
		t.Errorf("results differ between 1 and 3 workers:\n%s", diff)
	}
}
