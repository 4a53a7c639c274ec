package numerics

import (
	"fmt"
	"math"
	"testing"

	"attnclust/theory"
)

// TestSoftmaxPlanarAgreesWithK2 compares the nested rule with the
// certified two-head reduction: the difference is within the sum of the
// estimate and the bound, for lambda from 0.1 to 1e3.
func TestSoftmaxPlanarAgreesWithK2(t *testing.T) {
	for _, v := range []theory.Variant{theory.Dot, theory.Distance} {
		for _, lam := range []float64{0.1, 1, 10, 100, 1000} {
			t.Run(fmt.Sprintf("%v/lambda=%g", v, lam), func(t *testing.T) {
				mix, heads := kSetup(t, 2, 2, 4, 0.9, 3)
				l := theory.Prototype{Variant: v, Lambda: lam}
				got := planarEval(t, mix, l, 2, heads)
				r2, err := NewRisk(mix, l)
				if err != nil {
					t.Fatal(err)
				}
				want, err := r2.Eval(heads)
				if err != nil {
					t.Fatal(err)
				}
				if diff := math.Abs(got.Risk - want.Risk); diff > got.RiskErr+want.RiskErr {
					t.Errorf("risk %.17g +- %.2g vs certified %.17g +- %.2g", got.Risk, got.RiskErr, want.Risk, want.RiskErr)
				}
				worst := 0.0
				for h := range heads {
					for i := range heads[h] {
						diff := math.Abs(got.Grad[h][i] - want.Grad[h][i])
						worst = math.Max(worst, diff)
						if diff > got.GradErr+want.GradErr {
							t.Errorf("grad[%d][%d] %.17g vs certified %.17g (estimate %.2g, bound %.2g)", h, i, got.Grad[h][i], want.Grad[h][i], got.GradErr, want.GradErr)
						}
					}
				}
				t.Logf("risk |diff| %.2g (estimate %.2g), gradient worst |diff| %.2g (estimate %.2g)", math.Abs(got.Risk-want.Risk), got.RiskErr, worst, got.GradErr)
			})
		}
	}
}

// TestSoftmaxPlanarAgreesWithRQMC compares with RiskK for three heads and
// three or four components: within 4 standard errors plus the estimate.
func TestSoftmaxPlanarAgreesWithRQMC(t *testing.T) {
	type tc struct {
		v   theory.Variant
		lam float64
		K   int
	}
	for _, c := range []tc{{theory.Distance, 0.3, 3}, {theory.Dot, 20, 3}, {theory.Distance, 5, 4}} {
		v, lam, K := c.v, c.lam, c.K
		t.Run(fmt.Sprintf("%v/lambda=%g/K=%d", v, lam, K), func(t *testing.T) {
			mix, heads := kSetup(t, K, 3, 4, 1, 13)
			l := theory.Prototype{Variant: v, Lambda: lam}
			got := planarEval(t, mix, l, 3, heads)
			ev := riskKOrFail(t, mix, l, OptionsK{Seed: 5, Randomizations: 16}, heads)
			agreesWithRQMC(t, got, ev)
			t.Logf("risk %.15g (estimate %.2g, quasi-Monte Carlo SE %.2g), gradient estimate %.2g", got.Risk, got.RiskErr, ev.Risk.SE, got.GradErr)
		})
	}
}

// TestSoftmaxPlanarBruteForce2D compares with the 2-D trapezoid reference
// of TestRiskKBruteForce2D (d = 2, K = 3, lambda = 1, reference converged
// to the step-halving difference, below 1e-10): within that difference
// plus the estimate. This is the high-precision check of the nested rule
// with a genuinely two-dimensional integral.
func TestSoftmaxPlanarBruteForce2D(t *testing.T) {
	cents := [][]float64{{2, 0}, {-1, 1.8}, {-1.2, -1.5}}
	mix, err := theory.NewMixture([]float64{0.3, 0.3, 0.4}, cents, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	heads := [][]float64{{1.7, 0.3}, {-0.8, 1.5}, {-1.5, -1.1}}
	for _, v := range []theory.Variant{theory.Distance, theory.Dot} {
		t.Run(v.String(), func(t *testing.T) {
			l := theory.Prototype{Variant: v, Lambda: 1}
			r1, g1 := bruteForce2D(mix, l, heads, 0.1)
			r2, g2 := bruteForce2D(mix, l, heads, 0.2)
			refErr := math.Abs(r1 - r2)
			for h := range g1 {
				for i := range g1[h] {
					refErr = math.Max(refErr, math.Abs(g1[h][i]-g2[h][i]))
				}
			}
			if refErr > 1e-10 {
				t.Fatalf("trapezoid reference not converged: step halving moves it by %.2g", refErr)
			}
			got := planarEval(t, mix, l, 3, heads)
			if diff := math.Abs(got.Risk - r1); diff > got.RiskErr+refErr {
				t.Errorf("risk %.16g +- %.2g vs trapezoid %.16g", got.Risk, got.RiskErr, r1)
			}
			worst := 0.0
			for h := range g1 {
				for i := range g1[h] {
					diff := math.Abs(got.Grad[h][i] - g1[h][i])
					worst = math.Max(worst, diff)
					if diff > got.GradErr+refErr {
						t.Errorf("grad[%d][%d] %.16g vs trapezoid %.16g", h, i, got.Grad[h][i], g1[h][i])
					}
				}
			}
			t.Logf("risk |diff| %.2g (estimate %.2g, reference %.1g), gradient worst |diff| %.2g (estimate %.2g)", math.Abs(got.Risk-r1), got.RiskErr, refErr, worst, got.GradErr)
		})
	}
}

// TestSoftmaxPlanarLargeLambda checks the large-lambda structure with
// three heads: f(lambda) = lambda (R_lambda - R_hard), with R_hard from
// HardmaxPlanar, behaves like C + D/lambda + O(1/lambda^2) (docs/MODEL.md
// §5.3 for two heads), so the successive differences at lambda = 1e3,
// 1e4, 1e5 shrink by a factor 10. Tolerance 5%: the second-order term
// changes the ratio by a relative O(|E/D| / 1e3), and lambda times the
// error estimates (below 1e-6) is under 2% of the differences measured
// (5e-4 and 5e-5).
func TestSoftmaxPlanarLargeLambda(t *testing.T) {
	mix, heads := kSetup(t, 3, 3, 4, 1, 13)
	hp, err := NewHardmaxPlanar(mix, 3)
	if err != nil {
		t.Fatal(err)
	}
	hard, err := hp.Eval(heads)
	if err != nil {
		t.Fatal(err)
	}
	var f []float64
	for _, lam := range []float64{1e3, 1e4, 1e5} {
		p, err := NewSoftmaxPlanar(mix, theory.Prototype{Variant: theory.Distance, Lambda: lam}, 3)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := p.Eval(heads)
		if err != nil {
			t.Fatal(err)
		}
		f = append(f, lam*(ev.Risk-hard.Risk))
	}
	ratio := (f[0] - f[1]) / (f[1] - f[2])
	if math.Abs(ratio-10) > 0.5 {
		t.Errorf("lambda (R - R_hard) = %.9g, %.9g, %.9g: successive differences shrink by %.4g, want 10", f[0], f[1], f[2], ratio)
	}
	t.Logf("lambda (R - R_hard) = %.9g, %.9g, %.9g (ratio of differences %.4g)", f[0], f[1], f[2], ratio)
}

// planarEval evaluates the nested planar rule of the layer l with k heads
// on mix at heads, failing the test on an error.
func planarEval(t *testing.T, mix theory.Mixture, l theory.Prototype, k int, heads [][]float64) theory.Eval {
	t.Helper()
	p, err := NewSoftmaxPlanar(mix, l, k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Eval(heads)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
