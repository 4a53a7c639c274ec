package theory_test

// Outside checks of the pointwise layers: the token-level formulas of
// theory are compared with quantities computed without them (the reduced
// risk of package numerics, and the in-context layer's softmax written
// out), at an accuracy where a 1% change of lambda is thousands of
// tolerances away.

import (
	"math"
	"testing"

	"attnclust/numerics"
	"attnclust/theory"
)

// averageLoss integrates Prototype.Loss and LossGrad over the mixture
// (d = 2): under component k, x = mu*_k + sigma (z e1 + y e2) with e1
// along w = mu_1 - mu_2 and e2 orthogonal to it; the attention depends on
// z only and the loss and its gradient are polynomials of degree <= 2 in
// y, so y is integrated exactly by the 3-point Gauss-Hermite rule (nodes
// 0, +-sqrt 3; weights 2/3, 1/6, 1/6), and z by the trapezoid rule with
// step h on |z| <= 12 (the Gaussian weight is below 1e-31 beyond; the
// integrand is analytic in the strip |Im z| < pi/kappa, kappa = lambda
// sigma ||w||, so the trapezoid error is of order exp(-2 pi^2/(kappa h)),
// below 1e-30 for h <= 0.2/kappa).
func averageLoss(mix theory.Mixture, l theory.Prototype, heads [][]float64, h float64) (float64, [][]float64) {
	w := []float64{heads[0][0] - heads[1][0], heads[0][1] - heads[1][1]}
	a := math.Hypot(w[0], w[1])
	e1 := []float64{w[0] / a, w[1] / a}
	e2 := []float64{-e1[1], e1[0]}
	ys := []float64{0, math.Sqrt(3), -math.Sqrt(3)}
	ws := []float64{2.0 / 3, 1.0 / 6, 1.0 / 6}
	risk := 0.0
	grad := [][]float64{make([]float64, 2), make([]float64, 2)}
	g := [][]float64{make([]float64, 2), make([]float64, 2)}
	x := make([]float64, 2)
	n := int(12 / h)
	for k, c := range mix.Centroids {
		for j := -n; j <= n; j++ {
			z := float64(j) * h
			phi := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) * h * mix.Weights[k]
			for q, y := range ys {
				for i := range x {
					x[i] = c[i] + mix.Sigma*(z*e1[i]+y*e2[i])
				}
				wt := phi * ws[q]
				risk += wt * l.LossGrad(x, heads, g)
				for hd := range g {
					for i := range g[hd] {
						grad[hd][i] += wt * g[hd][i]
					}
				}
			}
		}
	}
	return risk, grad
}

// TestPrototypeLossAveragesToReducedRisk checks that the pointwise loss
// and gradient of the Prototype layer, averaged over the mixture by the
// quadrature of averageLoss, equal the population risk and gradient of
// numerics.Risk, which does not use them (it integrates its own
// one-dimensional reduction). Tolerance: the reduced risk's certified
// bound plus the float64 quadrature's rounding, at most N eps max(R,
// ||grad||-scale) for N ~ 2000 weighted summands of a few-ulp-accurate
// loss: 1e-12 (1 + R). A 1% change of lambda in the pointwise layer moves
// the average by |R(1.01 lambda) - R(lambda)|, which the test requires to
// be at least 1000 tolerances (measured: 1e-5 to 6e-3, against
// differences of 3e-16 to 1.2e-14), so it cannot pass
// with the wrong lambda.
func TestPrototypeLossAveragesToReducedRisk(t *testing.T) {
	orth := [][]float64{{3, 0}, {0, 3}}
	cases := []struct {
		name    string
		weights []float64
		cents   [][]float64
		sigma   float64
		layer   theory.Prototype
		heads   [][]float64
	}{
		{"dot/lambda1", []float64{0.5, 0.5}, orth, 1, theory.Prototype{Variant: theory.Dot, Lambda: 1}, [][]float64{{2.5, 0.5}, {0.3, 2.2}}},
		{"distance/lambda1", []float64{0.5, 0.5}, orth, 1, theory.Prototype{Variant: theory.Distance, Lambda: 1}, [][]float64{{2.5, 0.5}, {0.3, 2.2}}},
		{"distance/lambda0.3/unequal", []float64{0.3, 0.7}, [][]float64{{1, 1}, {-1, 0.5}}, 0.8, theory.Prototype{Variant: theory.Distance, Lambda: 0.3}, [][]float64{{1.5, 0.5}, {-1, 1}}},
		{"dot/lambda4", []float64{0.6, 0.4}, [][]float64{{1, 0}, {-0.5, 1}}, 0.5, theory.Prototype{Variant: theory.Dot, Lambda: 4}, [][]float64{{0.9, 0.2}, {-0.4, 0.8}}},
	}
	for _, c := range cases {
		mix, err := theory.NewMixture(c.weights, c.cents, c.sigma)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := numerics.NewRisk(mix, c.layer)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := obj.Eval(c.heads)
		if err != nil {
			t.Fatal(err)
		}
		w := theory.Dist(c.heads[0], c.heads[1])
		h := 0.125
		for h*c.layer.Lambda*c.sigma*w > 0.2 {
			h /= 2
		}
		risk, grad := averageLoss(mix, c.layer, c.heads, h)
		tol := 1e-12 * (1 + ev.Risk)
		// power: a 1% change of lambda must move the risk by >= 1000 tol
		l2 := c.layer
		l2.Lambda *= 1.01
		obj2, err := numerics.NewRisk(mix, l2)
		if err != nil {
			t.Fatal(err)
		}
		ev2, err := obj2.Eval(c.heads)
		if err != nil {
			t.Fatal(err)
		}
		if s := math.Abs(ev2.Risk - ev.Risk); s < 1000*tol {
			t.Fatalf("%s: a 1%% change of lambda moves the risk by only %.3g: the case cannot detect it", c.name, s)
		}
		gd := 0.0
		for hd := range grad {
			gd = math.Hypot(gd, theory.Dist(grad[hd], ev.Grad[hd]))
		}
		t.Logf("%-28s |avg loss - R| = %.2e, ||avg grad - grad R|| = %.2e, tolerance %.2e, 1%% lambda shift %.2e",
			c.name, math.Abs(risk-ev.Risk), gd, tol, math.Abs(ev2.Risk-ev.Risk))
		if math.Abs(risk-ev.Risk) > tol+ev.RiskErr {
			t.Errorf("%s: averaged pointwise loss %.15g, reduced risk %.15g (difference %.3g > %.3g)", c.name, risk, ev.Risk, math.Abs(risk-ev.Risk), tol+ev.RiskErr)
		}
		if gd > tol+ev.GradErr {
			t.Errorf("%s: averaged pointwise gradient differs from the reduced gradient by %.3g > %.3g", c.name, gd, tol+ev.GradErr)
		}
	}
}

// TestIdentityOutputFormula checks the in-context layer against its
// definition written out: out_i = sum_j e^{lambda <x_i, x_j>} x_j /
// sum_j e^{lambda <x_i, x_j>} (scores shifted by their maximum, which
// leaves the ratio unchanged), for short sequences where the direct
// formula is accurate to a few ulps: relative tolerance 1e-13 of the
// largest token norm. A 1% change of lambda moves some output of each
// sequence by at least 1000 tolerances (checked).
func TestIdentityOutputFormula(t *testing.T) {
	seqs := [][][]float64{
		{{1, 0}, {0, 1}, {0.5, 0.5}},
		{{2, -1, 0.5}, {1.5, 0.3, -0.2}, {-1, 1, 1}, {0.2, 0.1, 0.3}},
		{{0.3}, {-0.7}, {1.1}, {2.0}, {-1.5}},
	}
	for _, lambda := range []float64{0.5, 1, 3} {
		for s, xs := range seqs {
			scale := 0.0
			for _, x := range xs {
				scale = math.Max(scale, theory.Norm(x))
			}
			tol := 1e-13 * scale
			shift := 0.0
			for i := range xs {
				got := theory.Identity{Lambda: lambda}.Output(xs, i)
				want := identityDirect(xs, i, lambda)
				shift = math.Max(shift, theory.Dist(want, identityDirect(xs, i, 1.01*lambda)))
				if e := theory.Dist(got, want); e > tol {
					t.Errorf("lambda %v, seq %d, token %d: Output %v, definition %v (distance %.3g > %.3g)", lambda, s, i, got, want, e, tol)
				}
			}
			if shift < 1000*tol {
				t.Fatalf("lambda %v, seq %d: a 1%% lambda change moves the outputs by only %.3g", lambda, s, shift)
			}
		}
	}
}

func identityDirect(xs [][]float64, i int, lambda float64) []float64 {
	s := make([]float64, len(xs))
	m := math.Inf(-1)
	for j, x := range xs {
		dot := 0.0
		for c := range x {
			dot += xs[i][c] * x[c]
		}
		s[j] = lambda * dot
		m = math.Max(m, s[j])
	}
	out := make([]float64, len(xs[i]))
	z := 0.0
	for j, x := range xs {
		e := math.Exp(s[j] - m)
		z += e
		for c := range out {
			out[c] += e * x[c]
		}
	}
	for c := range out {
		out[c] /= z
	}
	return out
}
