package numerics

// Tests written to kill mutants that survived the third sampled mutation
// run of numerics (seed 3) in cdot.go and logistic.go. Each checks a
// documented behaviour that the mutant breaks.

import (
	"math"
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

// dot2Bound returns the error bound of Ogita, Rump and Oishi's Dot2 for n
// products, eps |exact| + gamma_n^2 sum |x y| with gamma_n = n eps/(1 - n
// eps), taking eps = 2^-52 (twice the unit roundoff of the theorem, so the
// bound is loose by a factor 2 in the first term and 4 in the second).
func dot2Bound(n int, exact, abs float64) float64 {
	g := float64(n) * epsilon / (1 - float64(n)*epsilon)
	return epsilon*math.Abs(exact) + g*g*abs
}

// exactDot returns <x, y> rounded once from exact rational arithmetic,
// and sum |x_i y_i|.
func exactDot(x, y []float64) (float64, float64) {
	exact := new(big.Rat)
	abs := 0.0
	for i := range x {
		p := new(big.Rat).Mul(new(big.Rat).SetFloat64(x[i]), new(big.Rat).SetFloat64(y[i]))
		exact.Add(exact, p)
		abs += math.Abs(x[i] * y[i])
	}
	want, _ := exact.Float64()
	return want, abs
}

// TestCdotAccurateUnderCancellation checks the accumulator cdot (the
// one-pass form of dot2 used by the risk) against exact rational
// arithmetic where compensation matters: a planted sum 1e16 + 1 - 1e16
// (plain summation returns 0, the exact value is 1), and random sums whose
// terms, up to 1e8 in size, are followed by their negatives so that the
// partial sums are large and the exact value is one small product. The
// error must be within Dot2's bound (dot2Bound); the accumulator must also
// give bit for bit dot2's result on the same terms, as documented.
func TestCdotAccurateUnderCancellation(t *testing.T) {
	check := func(t interface {
		Fatalf(string, ...any)
	}, x, y []float64) {
		var a cdot
		for i := range x {
			a.add(x[i], y[i])
		}
		got := a.sum()
		want, abs := exactDot(x, y)
		if math.Abs(got-want) > dot2Bound(len(x), want, abs) {
			t.Fatalf("cdot = %.17g, exact %.17g (bound %.3g)", got, want, dot2Bound(len(x), want, abs))
		}
		if d := dot2(x, y); math.Float64bits(d) != math.Float64bits(got) {
			t.Fatalf("cdot = %.17g, dot2 = %.17g on the same terms", got, d)
		}
	}
	check(t, []float64{1e16, 1, -1e16}, []float64{1, 1, 1})
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 50).Draw(rt, "n")
		x := make([]float64, 0, 2*n+1)
		y := make([]float64, 0, 2*n+1)
		for i := 0; i < n; i++ {
			x = append(x, rapid.Float64Range(-1e4, 1e4).Draw(rt, "x"))
			y = append(y, rapid.Float64Range(-1e4, 1e4).Draw(rt, "y"))
		}
		x = append(x, rapid.Float64Range(-1, 1).Draw(rt, "small"))
		y = append(y, 1)
		for i := 0; i < n; i++ {
			x = append(x, -x[i])
			y = append(y, y[i])
		}
		check(rt, x, y)
	})
}

// stepMagnitudeF returns G = E|terms of mF's step integrand|: the
// expectation over z ~ N(0, 1) of the sum of the absolute values of the
// terms of -2 (1 - pbar)(be + s z) + a2 (1 - pbar)^2 above z0 and
// 2 pbar (be + s z) + a2 pbar^2 below (be = beta - pbar a2), integrated
// from that definition by IntegrateVec (relative tolerance 1e-12; the
// Gaussian beyond |z| = 12 carries less than 1e-32 of the mass).
func stepMagnitudeF(t *testing.T, z0 float64, c cparams) float64 {
	t.Helper()
	be := c.beta - c.pbar*c.a2
	qb := 1 - c.pbar
	breaks := []float64{-12, z0, 12}
	if z0 < 0 {
		breaks = []float64{-12, z0, 0, 12} // the kink of |z|
	} else if z0 > 0 {
		breaks = []float64{-12, 0, z0, 12}
	}
	res, err := IntegrateVec(func(z float64, out []float64) {
		w := 2 * c.pbar
		sq := c.a2 * c.pbar * c.pbar
		if z > z0 {
			w, sq = 2*qb, c.a2*qb*qb
		}
		out[0] = math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) * (w*(math.Abs(be)+math.Abs(c.s*z)) + sq)
	}, 1, breaks, QuadTol{Rel: 1e-12})
	if err != nil || !res.Converged {
		t.Fatalf("z0 %g %+v: reference quadrature: %v %+v", z0, c, err, res)
	}
	return res.Value[0]
}

// TestHardMomentsErrorBoundsValid checks the error bounds of the hardmax
// moments (the closed-form step moments) on a grid that includes the
// edges pbar = 0 and 1, s = 0 and a2 = 0: every bound is finite and
// non-negative (a negative bound would let any comparison against it pass
// too easily), and the bound of mF, a rounding allowance, stays within the
// factors of its derivation of eps times G (stepMagnitudeF). Derivation:
// the bound is 4 eps m0 times the constant coefficients of both sides, plus
// (4 + z0^2) eps phi(z0) times the coefficients of z on both sides, plus 8
// eps times the sum of |coefficient| |moment| over the terms. Each
// coefficient times its moment is at most the matching part of G
// (E[|z| 1{z > z0}] >= phi(z0) and E[|z| 1{z < z0}] >= phi(z0)), except
// that the lower side's constant terms use P(z > z0) <= 2.3 P(z < z0) for
// z0 >= -0.5. With |z0| <= 2 the bound is at most (4 2.3 + 8 + 8) eps G =
// 25.2 eps G; the test allows 26 eps G (G's quadrature error is below
// 1e-12 relative).
func TestHardMomentsErrorBoundsValid(t *testing.T) {
	worst := 0.0
	for _, z0 := range []float64{-0.5, 0, 1, 2} {
		for _, pbar := range []float64{0, 0.5, 0.999, 1} {
			for _, beta := range []float64{0, 1, -2} {
				for _, s := range []float64{0, 1e-3, 1, -2} {
					for _, a2 := range []float64{0, 1} {
						c := cparams{beta: beta, s: s, a2: a2, pbar: pbar}
						m := hardMoments(z0, c)
						for i, e := range m.err {
							if !(e >= 0) || math.IsInf(e, 0) {
								t.Fatalf("z0 %g %+v: error bound of moment %d is %g", z0, c, i, e)
							}
						}
						g := stepMagnitudeF(t, z0, c)
						if m.err[mF] > 26*epsilon*g {
							t.Errorf("z0 %g %+v: mF's bound %g above 26 eps G = %g", z0, c, m.err[mF], 26*epsilon*g)
						}
						if g > 0 {
							worst = math.Max(worst, m.err[mF]/(epsilon*g))
						}
					}
				}
			}
		}
	}
	t.Logf("largest mF bound in units of eps G: %.3g", worst)
}

// TestIntegrateVecScaleFromComponentZero checks QuadTol.ScaleFrom with
// index 0, a valid component index: ScaleFrom = [-1, 0] adds the current
// integral of component 0 to component 1's scale. Planted on [0, 1]:
// component 0 is the constant 1e9 (a magnitude integrated along) and
// component 1 is sqrt(|z - 0.3|), whose kink inside the panel keeps its
// error estimate far above Rel times its own scale (1e-10 times about 0.5)
// through 6 subintervals, while Rel times 1e9 = 0.1 is met within a
// couple of bisections (measured: error 0.05 on 2 subintervals). With
// ScaleFrom the run must converge under the cap; without it, the same run
// must not (which shows that the scale, not the integrand, decides).
func TestIntegrateVecScaleFromComponentZero(t *testing.T) {
	f := func(z float64, out []float64) {
		out[0] = 1e9
		out[1] = math.Sqrt(math.Abs(z - 0.3))
	}
	// 1e-10: well above the 50 eps rounding floor (1.1e-14) so that the
	// kink, not rounding, decides convergence without ScaleFrom.
	tol := QuadTol{Rel: 1e-10, MaxIntervals: 6}
	plain, err := IntegrateVec(f, 2, []float64{0, 1}, tol)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Converged {
		t.Fatalf("without ScaleFrom the kink converged within %d subintervals (err %g): the planted case does not separate the two", plain.Intervals, plain.Err[1])
	}
	tol.ScaleFrom = []int{-1, 0}
	res, err := IntegrateVec(f, 2, []float64{0, 1}, tol)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Converged {
		t.Fatalf("ScaleFrom [-1 0]: not converged on %d subintervals (err %g, scale from component 0 %g)", res.Intervals, res.Err[1], res.Value[0])
	}
	if lim := tol.Rel * (res.Abs[1] + res.Value[0]); !(res.Err[1] <= lim) {
		t.Fatalf("ScaleFrom [-1 0]: error %g above its tolerance %g", res.Err[1], lim)
	}
}
