package numerics

import (
	"math"
	"strconv"
	"testing"

	"attnclust/theory"
)

// TestExtremeRegimes sweeps extreme but valid inputs (issue: reliability):
// every evaluation returns finite numbers with an error bound within
// 1e-12 max(1, R) (or an explicit error), and each is checked against an
// exact relation: scale invariance R(c x, lambda/c^2) = c^2 R(x, lambda),
// the d-dependence R_d = R_2 + (d - 2) sigma^2, the hardmax limit, or the
// equal-heads closed form.
func TestExtremeRegimes(t *testing.T) {
	base := mixOrFail(t, []float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	baseHeads := [][]float64{{3.1, -0.2}, {0.3, 2.8}}
	dist := theory.Prototype{Variant: theory.Distance, Lambda: 1}
	ref := evalOrFail(t, base, dist, baseHeads)

	scaled := func(c float64) (theory.Mixture, [][]float64, theory.Prototype) {
		m := mixOrFail(t, []float64{0.5, 0.5}, [][]float64{{3 * c, 0}, {0, 3 * c}}, c)
		h := theory.Clone(baseHeads)
		for _, v := range h {
			theory.Scale(c, v)
		}
		return m, h, theory.Prototype{Variant: theory.Distance, Lambda: 1 / (c * c)}
	}
	check := func(name string, ev theory.Eval, want, tol float64) {
		t.Helper()
		if math.IsNaN(ev.Risk) || math.IsInf(ev.Risk, 0) || math.IsNaN(ev.GradErr) || math.IsInf(ev.GradErr, 0) {
			t.Errorf("%s: non-finite result %+v", name, ev)
			return
		}
		for _, g := range ev.Grad {
			for _, x := range g {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Errorf("%s: non-finite gradient", name)
					return
				}
			}
		}
		if ev.RiskErr > 1e-12*math.Max(1, math.Abs(ev.Risk)) {
			t.Errorf("%s: risk error bound %.3g above 1e-12 max(1, R = %.6g)", name, ev.RiskErr, ev.Risk)
		}
		if math.Abs(ev.Risk-want) > tol {
			t.Errorf("%s: R = %.17g, want %.17g (tolerance %.3g)", name, ev.Risk, want, tol)
		}
	}
	for _, c := range []float64{1e-8, 1e3} {
		m, h, l := scaled(c)
		ev := evalOrFail(t, m, l, h)
		// both sides carry ~1e-15 relative error; scaling is exact in
		// binary only for powers of 2, so allow 1e-13 relative.
		check("scale sigma="+formatG(c), ev, c*c*ref.Risk, 1e-13*c*c*ref.Risk)
	}

	// lambda up to 1e8 must agree with hardmax to O(1/lambda).
	hard := evalOrFail(t, base, theory.Prototype{Variant: theory.Hardmax}, baseHeads)
	ev := evalOrFail(t, base, theory.Prototype{Variant: theory.Distance, Lambda: 1e8}, baseHeads)
	check("lambda=1e8", ev, hard.Risk, 1e-7) // |C|/lambda with |C| < 10

	// separation 1000 sigma: R = d sigma^2 + exp(-huge) at the centroids.
	far := mixOrFail(t, []float64{0.5, 0.5}, [][]float64{{500, 0}, {-500, 0}}, 1)
	ev = evalOrFail(t, far, dist, far.Centroids)
	check("separation 1e3", ev, 2, 1e-12)

	// d = 1e5: R_d = R_2 + (d - 2) sigma^2 for data and heads in a plane.
	const big = 100000
	c1, c2 := make([]float64, big), make([]float64, big)
	h1, h2 := make([]float64, big), make([]float64, big)
	c1[0], c2[1] = 3, 3
	copy(h1, baseHeads[0])
	copy(h2, baseHeads[1])
	ev = evalOrFail(t, mixOrFail(t, []float64{0.5, 0.5}, [][]float64{c1, c2}, 1), dist, [][]float64{h1, h2})
	check("d=1e5", ev, ref.Risk+big-2, 1e-12*big)

	// equal heads and heads at the origin: p = 1/2 exactly.
	for _, h := range [][]float64{{1, 1}, {0, 0}} {
		for _, v := range []theory.Variant{theory.Dot, theory.Distance} {
			hs := [][]float64{h, h}
			ev = evalOrFail(t, base, theory.Prototype{Variant: v, Lambda: 5}, hs)
			check("equal heads "+v.String(), ev, theory.RiskLambdaZero(base, hs), 1e-13)
		}
	}

	// Heads far from the data (scores ~1e13, probabilities saturated at
	// the data): the soft risk is NOT the hardmax risk, because the
	// transition layer of width 1/(lambda a) carries a loss jump growing
	// like a^2; TestLambdaInfinityRate's expansion gives
	// R_soft = R_hard + C/lambda + O(1/(lambda a sigma)^2 relative), with
	// C = -(a/sigma) sum_k pi_k phi((m_k - c)/(sigma a)). Here C/lambda is
	// -11893 on R ~ 1e12, pinned to 1e-12 relative (the second-order term
	// D/lambda^2 is ~4e-9).
	hs := [][]float64{{1e6, 0}, {0, -1e6}}
	hardFar := evalOrFail(t, base, theory.Prototype{Variant: theory.Hardmax}, hs)
	w := []float64{hs[0][0] - hs[1][0], hs[0][1] - hs[1][1]}
	a := theory.Norm(w)
	cc := 0.0
	for k, mk := range base.Centroids {
		cc -= base.Weights[k] * theory.NormalPDF(theory.Inner(mk, w)/a) * a
	}
	for _, v := range []theory.Variant{theory.Dot, theory.Distance} {
		ev = evalOrFail(t, base, theory.Prototype{Variant: v, Lambda: 5}, hs)
		check("saturated "+v.String(), ev, hardFar.Risk+cc/5, 1e-12*hardFar.Risk)
	}

	// extreme weights: continuous in pi (R is affine in the weights).
	for _, w := range []float64{1e-6, 1 - 1e-6} {
		m := mixOrFail(t, []float64{w, 1 - w}, base.Centroids, 1)
		ev = evalOrFail(t, m, dist, baseHeads)
		// R(pi) = pi R_1 + (1 - pi) R_2 with R_k the component risks
		m1 := evalOrFail(t, mixOrFail(t, []float64{1 - 1e-15, 1e-15}, base.Centroids, 1), dist, baseHeads)
		m2 := evalOrFail(t, mixOrFail(t, []float64{1e-15, 1 - 1e-15}, base.Centroids, 1), dist, baseHeads)
		check("weight "+formatG(w), ev, w*m1.Risk+(1-w)*m2.Risk, 1e-13)
	}
}

func formatG(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }
