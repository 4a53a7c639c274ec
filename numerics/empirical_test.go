package numerics

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"attnclust/theory"
)

func testMix(t testing.TB, pi1 float64) theory.Mixture {
	m, err := theory.NewMixture([]float64{pi1, 1 - pi1}, [][]float64{{2.1, 0, 0.3}, {0, 2.1, -0.3}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTokenLossGradMatchesTheory: the allocation-free training gradient
// equals the reference theory.Prototype.LossGrad (same formula, same
// operation order up to the softmax: 1e-12 relative covers the
// reassociation).
func TestTokenLossGradMatchesTheory(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 6).Draw(t, "d")
		k := rapid.IntRange(1, 3).Draw(t, "k")
		vec := func(name string) []float64 {
			return rapid.SliceOfN(rapid.Float64Range(-4, 4), d, d).Draw(t, name)
		}
		x := vec("x")
		heads := make([][]float64, k)
		for h := range heads {
			heads[h] = vec("head")
		}
		l := theory.Prototype{Variant: theory.Variant(rapid.IntRange(0, 2).Draw(t, "variant")), Lambda: rapid.Float64Range(0, 5).Draw(t, "lambda")}
		want := gradBufs(k, d)
		wl := l.LossGrad(x, heads, want)
		got := gradBufs(k, d)
		gl := TokenLossGrad(l, x, heads, got, make([]float64, WorkLen(k, d)))
		opt := cmpopts.EquateApprox(1e-12, 1e-12)
		if !cmp.Equal(wl, gl, opt) || !cmp.Equal(want, got, opt) {
			t.Fatalf("loss %v vs %v; grad diff %s", wl, gl, cmp.Diff(want, got, opt))
		}
	})
}

// TestDrawSampleNested: samples are deterministic and nested in n.
func TestDrawSampleNested(t *testing.T) {
	m := testMix(t, 0.3)
	a, _ := DrawSample(m, 3000, 7)
	b, _ := DrawSample(m, 1500, 7)
	if !cmp.Equal(a.X[:1500], b.X) || !cmp.Equal(a.Z[:1500], b.Z) {
		t.Fatal("sample of size 1500 is not the prefix of the sample of size 3000")
	}
	c, _ := DrawSample(m, 1500, 8)
	if cmp.Equal(b.X, c.X) {
		t.Fatal("different seeds gave the same sample")
	}
	if _, err := DrawSample(m, 0, 1); err == nil {
		t.Fatal("n = 0 accepted")
	}
}

// TestEmpiricalGradVsPopulation: on a large sample the empirical risk
// and gradient agree with the certified population values within 5
// standard errors (the per-token standard deviation is estimated from
// the sample itself; 5 SE over 7 numbers keeps the false-alarm rate
// below 1e-5).
func TestEmpiricalGradVsPopulation(t *testing.T) {
	m := testMix(t, 0.35)
	s, _ := DrawSample(m, 200000, 3)
	heads := [][]float64{{1.8, 0.2, 0.1}, {0.1, 2.4, 0}}
	for _, l := range []theory.Prototype{{Variant: theory.Dot, Lambda: 0.7}, {Variant: theory.Distance, Lambda: 2}, {Variant: theory.Hardmax}} {
		obj, err := NewRisk(m, l)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := obj.Eval(heads)
		if err != nil {
			t.Fatal(err)
		}
		mc, err := RiskMC(m, l, heads, 200000, 3)
		if err != nil {
			t.Fatal(err)
		}
		grad := gradBufs(2, 3)
		risk, err := EmpiricalGrad(l, s, nil, heads, grad, nil)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(risk-ev.Risk) > 5*mc.RiskSE {
			t.Errorf("%v: empirical risk %.6f, population %.6f +- %.2g", l.Variant, risk, ev.Risk, mc.RiskSE)
		}
		for h := range grad {
			for i := range grad[h] {
				if math.Abs(grad[h][i]-ev.Grad[h][i]) > 5*mc.GradSE[h][i] {
					t.Errorf("%v grad[%d][%d]: empirical %.6f, population %.6f +- %.2g", l.Variant, h, i, grad[h][i], ev.Grad[h][i], mc.GradSE[h][i])
				}
			}
		}
	}
}

// TestGDReachesEmpiricalMinimizer: plain GD and Hessian-preconditioned GD
// from the centroids reach the same point with gradient below 1e-10, and
// that point is within a few n^-1/2 of the population minimizer found by
// Newton on the certified risk.
func TestGDReachesEmpiricalMinimizer(t *testing.T) {
	m := testMix(t, 0.5)
	l := theory.Prototype{Variant: theory.Distance, Lambda: 1}
	s, _ := DrawSample(m, 4000, 1)
	plain, err := GradientDescent(l, s, m.Centroids, GDOptions{Step: 0.5})
	if err != nil || !plain.Converged {
		t.Fatalf("plain GD: %v %+v", err, plain)
	}
	H, err := EmpiricalHessian(l, s, plain.Heads, nil)
	if err != nil {
		t.Fatal(err)
	}
	var inv mat.Dense
	if err := inv.Inverse(H); err != nil {
		t.Fatal(err)
	}
	pre, err := GradientDescent(l, s, m.Centroids, GDOptions{Step: 1, Precond: &inv})
	if err != nil || !pre.Converged {
		t.Fatalf("preconditioned GD: %v %+v", err, pre)
	}
	if pre.Iter >= plain.Iter {
		t.Errorf("preconditioning did not help: %d vs %d iterations", pre.Iter, plain.Iter)
	}
	for h := range plain.Heads {
		// both stop at gradient 1e-10 with curvature ~1: 1e-9 apart at most
		if dd := theory.Dist(plain.Heads[h], pre.Heads[h]); dd > 1e-9 {
			t.Errorf("head %d: plain and preconditioned GD differ by %.3g", h, dd)
		}
	}
	obj, _ := NewRisk(m, l)
	crit, err := FindCritical(obj, m.Centroids, CriticalOptions{})
	if err != nil || !crit.Minimizer() {
		t.Fatalf("population minimizer: %v %+v", err, crit)
	}
	dist := 0.0
	for h := range crit.Heads {
		dist += theory.Dist(crit.Heads[h], pre.Heads[h]) * theory.Dist(crit.Heads[h], pre.Heads[h])
	}
	// E dist^2 = tr(H^-1 S H^-1)/n with tr ~ 2 d sigma^2 / curvature^2 ~ 10
	// here: 10 times its square root bounds it with overwhelming odds.
	if math.Sqrt(dist) > 10*math.Sqrt(10/4000.0) {
		t.Errorf("empirical minimizer %.3g from the population one", math.Sqrt(dist))
	}
}

// TestSGDDeterministic: same seed, same trajectory; different seed,
// different end point; SGD lands near the empirical minimizer.
func TestSGDDeterministic(t *testing.T) {
	m := testMix(t, 0.5)
	l := theory.Prototype{Variant: theory.Dot, Lambda: 1}
	s, _ := DrawSample(m, 2000, 2)
	opt := SGDOptions{Steps: 300, Seed: 4, Batch: 64, Step: 0.2}
	a, err := SGD(l, s, m.Centroids, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SGD(l, s, m.Centroids, opt)
	if !cmp.Equal(a, b) {
		t.Fatal("SGD is not deterministic for a seed")
	}
	opt.Seed = 5
	c, _ := SGD(l, s, m.Centroids, opt)
	if cmp.Equal(a.Heads, c.Heads) {
		t.Fatal("different seeds gave the same SGD run")
	}
	gd, err := GradientDescent(l, s, m.Centroids, GDOptions{Step: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// the stationary spread is about sqrt(eta tr S / (2 B)) ~ 0.1 here
	for h := range gd.Heads {
		if dd := theory.Dist(gd.Heads[h], a.Heads[h]); dd > 0.5 {
			t.Errorf("head %d: SGD ends %.3g from the empirical minimizer", h, dd)
		}
	}
}

// TestSGDStationaryMSEDiagonal: for diagonal H and S the formula is the
// sum of scalar AR(1) variances eta^2 s_i / (B (1 - (1 - eta h_i)^2)).
func TestSGDStationaryMSEDiagonal(t *testing.T) {
	H := mat.NewSymDense(2, []float64{1, 0, 0, 3})
	S := mat.NewSymDense(2, []float64{2, 0, 0, 5})
	got, err := SGDStationaryMSE(H, S, 0.1, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.01 / 4 * (2/(1-0.81) + 5/(1-0.49))
	if math.Abs(got-want) > 1e-14*want {
		t.Errorf("got %.17g, want %.17g", got, want)
	}
	if _, err := SGDStationaryMSE(H, S, 1, 4); err == nil {
		t.Error("unstable step accepted")
	}
}

// TestSandwichVsSampleCovariance: the Monte Carlo sandwich constant agrees
// with tr(H^-1 S H^-1) computed from the per-token gradient covariance of
// an independent large sample, within 5 combined standard errors.
func TestSandwichVsSampleCovariance(t *testing.T) {
	m := testMix(t, 0.5)
	l := theory.Prototype{Variant: theory.Distance, Lambda: 1}
	obj, _ := NewRisk(m, l)
	crit, err := FindCritical(obj, m.Centroids, CriticalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	H, _, err := Hessian(obj, crit.Heads)
	if err != nil {
		t.Fatal(err)
	}
	est, err := Sandwich(m, l, crit.Heads, H, 40000, 9)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := DrawSample(m, 40000, 10)
	S, err := EmpiricalGradCov(l, s, crit.Heads, nil)
	if err != nil {
		t.Fatal(err)
	}
	var inv, t1, t2 mat.Dense
	if err := inv.Inverse(H); err != nil {
		t.Fatal(err)
	}
	t1.Mul(&inv, S)
	t2.Mul(&t1, &inv)
	tr := mat.Trace(&t2)
	if math.Abs(tr-est.Value) > 5*math.Sqrt2*est.Err {
		t.Errorf("sandwich %.5f +- %.2g, from the sample covariance %.5f", est.Value, est.Err, tr)
	}
	t.Logf("tr(H^-1 S H^-1) = %.5f +- %.2g (sample covariance: %.5f)", est.Value, est.Err, tr)
}

// TestGDBacktrack: a step far beyond the stability limit (5, with
// Hessian eigenvalues ~1) makes plain GD fail, while Backtrack halves it
// until the iteration converges to the same minimizer as a stable step.
func TestGDBacktrack(t *testing.T) {
	m := testMix(t, 0.5)
	l := theory.Prototype{Variant: theory.Distance, Lambda: 1}
	s, _ := DrawSample(m, 1000, 4)
	ref, err := GradientDescent(l, s, m.Centroids, GDOptions{Step: 0.5})
	if err != nil || !ref.Converged {
		t.Fatalf("reference GD: %v %+v", err, ref)
	}
	bad, err := GradientDescent(l, s, m.Centroids, GDOptions{Step: 5, MaxIter: 200})
	if err == nil && bad.Converged {
		t.Fatal("step 5 converged without backtracking: the test does not exercise Backtrack")
	}
	bt, err := GradientDescent(l, s, m.Centroids, GDOptions{Step: 5, MaxIter: 2000, Backtrack: true})
	if err != nil || !bt.Converged {
		t.Fatalf("backtracking GD: %v %+v", err, bt)
	}
	for h := range ref.Heads {
		if dd := theory.Dist(ref.Heads[h], bt.Heads[h]); dd > 1e-9 {
			t.Errorf("head %d: backtracking GD ends %.3g from the reference", h, dd)
		}
	}
}
