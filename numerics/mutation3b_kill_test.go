package numerics

// Tests written to kill mutants that survived the third sampled mutation
// run (seed 3) in the K-head, training and empirical files. Each checks a
// documented behaviour that the mutant breaks, against a value derived
// without the code under test (a closed form, a planted input, or an
// independent estimator).

import (
	"fmt"
	"math"
	"testing"

	"attnclust/theory"
)

// TestEmpiricalHessianPlantedQuadratic plants a token loss whose Hessian
// is known in closed form: sum_h a_h |mu_h - x|^2 + b <mu_0, mu_1>, with
// gradient 2 a_h (mu_h - x) + b mu_(1-h). Its Hessian in stacked
// coordinates has the blocks 2 a_0 I, 2 a_1 I on the diagonal and b I off
// it, whatever the sample and the heads. Central differences are exact
// for a quadratic up to rounding: the gradient's rounding (about 1e-16 of
// its size, here below 10) over the step 2h = 2e-5 times the heads' scale
// gives at most ~1e-10, so 1e-8 is a safe tolerance that still sees any
// error of a factor in the symmetrization or the difference quotient.
func TestEmpiricalHessianPlantedQuadratic(t *testing.T) {
	a := [2]float64{0.75, 1.5}
	const b = 0.25
	tg := func(_ theory.Prototype, x []float64, heads, grad [][]float64, _ []float64) float64 {
		loss := b * theory.Inner(heads[0], heads[1])
		for h := range 2 {
			for i := range x {
				r := heads[h][i] - x[i]
				loss += a[h] * r * r
				grad[h][i] = 2*a[h]*r + b*heads[1-h][i]
			}
		}
		return loss
	}
	m := testMix(t, 0.5)
	s, err := DrawSample(m, 64, 3)
	if err != nil {
		t.Fatal(err)
	}
	l := theory.Prototype{Variant: theory.Distance, Lambda: 1}
	heads := [][]float64{{1.3, -0.4, 2.2}, {-0.7, 1.9, 0.1}}
	H, err := EmpiricalHessian(l, s, heads, tg)
	if err != nil {
		t.Fatal(err)
	}
	d := 3
	n, _ := H.Dims()
	if n != 2*d {
		t.Fatalf("Hessian is %dx%d, want %d", n, n, 2*d)
	}
	for r := range n {
		for c := range n {
			want := 0.0
			switch {
			case r == c:
				want = 2 * a[r/d]
			case r%d == c%d:
				want = b
			}
			if got := H.At(r, c); math.Abs(got-want) > 1e-8 {
				t.Errorf("H[%d][%d] = %.12g, want %g", r, c, got, want)
			}
		}
	}
}

// TestEmpiricalHessianMatchesRiskCurvature checks EmpiricalHessian with the
// real loss against the curvature of the empirical risk itself: for a
// direction v, v' H v must equal the second difference (R(x + h v) - 2 R(x)
// + R(x - h v)) / h^2 of the risk values (not of the gradients the Hessian
// is built from). With h = 1e-3 and |v| = 1 the truncation is h^2/12
// times the fourth derivative (of order 1 here: ~1e-7) and the rounding
// 4e-16 R / h^2 ~ 1e-9; the Hessian's own error is ~1e-9. Tolerance 1e-5
// relative to max(1, |v' H v|) covers both with a wide margin.
func TestEmpiricalHessianMatchesRiskCurvature(t *testing.T) {
	m := testMix(t, 0.4)
	s, err := DrawSample(m, 400, 7)
	if err != nil {
		t.Fatal(err)
	}
	heads := [][]float64{{1.6, 0.2, 0.1}, {0.3, 1.8, -0.2}}
	dirs := [][]float64{
		{1, 0, 0, 0, 0, 0},
		{0, 0, 0, 0.6, 0.8, 0},
		{0.5, -0.5, 0.5, -0.5, 0, 0},
	}
	for _, v := range []theory.Variant{theory.Distance, theory.Dot} {
		l := theory.Prototype{Variant: v, Lambda: 1.5}
		H, err := EmpiricalHessian(l, s, heads, nil)
		if err != nil {
			t.Fatal(err)
		}
		risk := func(shift float64, dir []float64) float64 {
			hs := theory.Clone(heads)
			for c, x := range dir {
				hs[c/3][c%3] += shift * x
			}
			r, err := EmpiricalGrad(l, s, nil, hs, gradBufs(2, 3), nil)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		for _, dir := range dirs {
			vHv := 0.0
			for r := range dir {
				for c := range dir {
					vHv += dir[r] * H.At(r, c) * dir[c]
				}
			}
			const h = 1e-3
			fd := (risk(h, dir) - 2*risk(0, dir) + risk(-h, dir)) / (h * h)
			t.Logf("%v, direction %v: v'Hv = %.10g, second difference %.10g", v, dir, vHv, fd)
			if math.Abs(vHv-fd) > 1e-5*math.Max(1, math.Abs(vHv)) {
				t.Errorf("%v, direction %v: v'Hv = %.10g, second difference of the risk %.10g", v, dir, vHv, fd)
			}
		}
	}
}

// TestGradientDescentConvergedAtTolerance checks the documented stopping
// rule at its edge: GradTol stops the descent when the gradient's norm is
// at most GradTol, and Converged reports exactly that. A planted token
// gradient that does not depend on the heads, (3/8, 1/2, 0) for every
// token, has the exact norm 5/8 (all numbers dyadic, 64 tokens: the mean
// and the norm are computed without rounding). With GradTol = 5/8 the
// descent must stop at once and report convergence; with GradTol just
// below it must run to MaxIter and report no convergence.
func TestGradientDescentConvergedAtTolerance(t *testing.T) {
	tg := func(_ theory.Prototype, _ []float64, heads, grad [][]float64, _ []float64) float64 {
		for h := range grad {
			clear(grad[h])
		}
		grad[0][0], grad[0][1] = 0.375, 0.5
		return theory.Inner(heads[0], heads[0])
	}
	m := testMix(t, 0.5)
	s, err := DrawSample(m, 64, 5)
	if err != nil {
		t.Fatal(err)
	}
	l := theory.Prototype{Variant: theory.Distance, Lambda: 1}
	for _, c := range []struct {
		tol       float64
		converged bool
		iter      int
	}{
		{0.625, true, 0},
		{math.Nextafter(0.625, 0), false, 3},
		{1, true, 0},
	} {
		tr, err := GradientDescent(l, s, m.Centroids, GDOptions{Step: 0.125, MaxIter: 3, GradTol: c.tol, Grad: tg})
		if err != nil {
			t.Fatal(err)
		}
		if tr.GradNorm != 0.625 {
			t.Fatalf("gradient norm %.17g, want exactly 0.625", tr.GradNorm)
		}
		if tr.Converged != c.converged || tr.Iter != c.iter {
			t.Errorf("GradTol %.17g: converged %v after %d iterations, want %v after %d", c.tol, tr.Converged, tr.Iter, c.converged, c.iter)
		}
	}
}

// TestSpanBasisDropsAtRankTol checks spanBasis's documented rule: a vector
// whose residual norm (after projecting out the basis so far) is at most
// rankTol is dropped, one above it is kept. The planted vectors have exact
// residuals: (1, r) against the basis {e1} leaves (0, r) with no rounding
// (1 - 1*1 = 0), and the norm of a vector with one non-zero entry is that
// entry's magnitude.
func TestSpanBasisDropsAtRankTol(t *testing.T) {
	for _, c := range []struct {
		r    float64
		want int
	}{
		{rankTol, 1},
		{math.Nextafter(rankTol, 0), 1},
		{math.Nextafter(rankTol, 1), 2},
		{0.5, 2},
	} {
		basis := spanBasis([][]float64{{1, 0}, {1, c.r}})
		if len(basis) != c.want {
			t.Errorf("residual %.17g: basis of %d vectors, want %d", c.r, len(basis), c.want)
		}
		for _, q := range basis {
			if nq := theory.Norm(q); math.Abs(nq-1) > 1e-15 {
				t.Errorf("residual %.17g: basis vector of norm %.17g", c.r, nq)
			}
		}
	}
}

// TestSoftmaxPlanarCollinearFourHeads evaluates SoftmaxPlanar on four heads
// whose differences span one dimension (heads on a line): the reduced
// integrand then has 2 + 2H + 2H = 18 components, exactly two chunks of
// the vector quadrature, the case where the chunk loop must stop at the
// end of the components. The result must agree with the randomized
// quasi-Monte Carlo estimator RiskK within 4 standard errors plus the
// error estimate (as TestSoftmaxPlanarAgreesWithRQMC).
func TestSoftmaxPlanarCollinearFourHeads(t *testing.T) {
	mix, _ := kSetup(t, 3, 4, 3, 1, 17)
	base, dir := []float64{0.4, -0.3, 0.2}, []float64{0.6, 0.8, 0}
	heads := make([][]float64, 4)
	for h, s := range []float64{-2.5, -0.7, 1.1, 2.9} {
		heads[h] = append([]float64(nil), base...)
		theory.AddScaled(heads[h], s, dir)
	}
	for _, v := range []theory.Variant{theory.Distance, theory.Dot} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			l := theory.Prototype{Variant: v, Lambda: 1}
			got := planarEval(t, mix, l, 4, heads)
			ev := riskKOrFail(t, mix, l, OptionsK{Seed: 5, Randomizations: 16}, heads)
			agreesWithRQMC(t, got, ev)
		})
	}
}

// TestQuantMCLargeLambda checks QuantMC where the attention scores
// lambda <x_1, x_j> reach about 10^3, beyond the exponential's range
// (exp overflows above 709.78): the documented softmax needs no finite
// exponential of a raw score, so QuantMC must stay finite and equal the
// reference built on theory.Identity's output (quantSlow: the same draws
// through an independent, max-subtracted softmax). Tolerance 1e-10
// relative: the scores of the two routes are rounded differently by up
// to ~1e-16 x 10^3 = 1e-13 absolute, which moves each weight by 1e-13
// relative, and the squared errors' mean by far less than 1e-10.
func TestQuantMCLargeLambda(t *testing.T) {
	mix := mustMixture(t, []float64{0.4, 0.6}, [][]float64{{2, 0, 1}, {0, 2, -1}}, 0.5)
	const lambda, n = 200.0, 2*quantChunk + 5
	for _, L := range []int{2, 7} {
		errs := quantSlow(mix, lambda, L, n, 11)
		mean := 0.0
		for _, e := range errs {
			mean += e
		}
		mean /= float64(len(errs))
		got, err := QuantMC(mix, lambda, L, n, 11)
		if err != nil {
			t.Fatal(err)
		}
		if !(math.Abs(got.Value-mean) <= 1e-10*mean) || !(got.Err >= 0) || math.IsInf(got.Err, 0) {
			t.Errorf("L=%d: QuantMC %v +- %v, reference on the same draws %v", L, got.Value, got.Err, mean)
		}
	}
}
