package numerics

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"attnclust/theory"
)

// rotation returns an orthogonal n x n matrix (a product of plane
// rotations), so that objectives built in rotated coordinates have
// non-diagonal Hessians.
func rotation(n int) [][]float64 {
	q := make([][]float64, n)
	for i := range q {
		q[i] = make([]float64, n)
		q[i][i] = 1
	}
	for p := 0; p+1 < n; p++ {
		c, s := math.Cos(0.4+0.3*float64(p)), math.Sin(0.4+0.3*float64(p))
		for r := range n {
			a, b := q[r][p], q[r][p+1]
			q[r][p], q[r][p+1] = c*a-s*b, s*a+c*b
		}
	}
	return q
}

// doubleWell returns f(theta) = sum_i (y_i^2 - 1)^2 with y = Q theta, Q
// orthogonal: critical points at y in {-1, 0, 1}^n, minimizers at y in
// {-1, 1}^n (Hessian eigenvalues all 8), saddles where some but not all y_i
// are 0 (eigenvalue -4 per zero), risk 0 at the minimizers. toTheta maps y
// to theta = Q^T y.
func doubleWell(d, k int) (obj *synth, toY, toTheta func([]float64) []float64) {
	n := d * k
	q := rotation(n)
	toY = func(th []float64) []float64 {
		y := make([]float64, n)
		for i := range n {
			for j := range n {
				y[i] += q[i][j] * th[j]
			}
		}
		return y
	}
	toTheta = func(y []float64) []float64 {
		th := make([]float64, n)
		for i := range n {
			for j := range n {
				th[j] += q[i][j] * y[i]
			}
		}
		return th
	}
	obj = &synth{d: d, k: k, f: func(th []float64) (float64, []float64) {
		y := toY(th)
		v := 0.0
		gy := make([]float64, n)
		for i, yi := range y {
			v += (yi*yi - 1) * (yi*yi - 1)
			gy[i] = 4 * yi * (yi*yi - 1)
		}
		return v, toTheta(gy) // Q^T grad_y
	}}
	return obj, toY, toTheta
}

// nearestInt rounds each y_i to the nearest of -1, 0, 1 and returns the
// largest deviation.
func maxDevFrom(y, want []float64) float64 {
	m := 0.0
	for i := range y {
		m = math.Max(m, math.Abs(y[i]-want[i]))
	}
	return m
}

func TestFindCriticalDoubleWellMinimum(t *testing.T) {
	obj, toY, toTheta := doubleWell(2, 2)
	start := toTheta([]float64{0.6, -1.5, 0.3, 1.2})
	c, err := FindCritical(obj, unflattenHeads(start, 2, 2), CriticalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, -1, 1, 1}
	y := toY(flattenHeads(c.Heads))
	// Converged to gradient <= 1e-9 at Hessian 8 I: distance <= 1e-9/8.
	if !c.Converged || !c.Minimizer() || maxDevFrom(y, want) > 1e-9 {
		t.Fatalf("result %+v (y = %v)", c, y)
	}
	for _, e := range c.Eigenvalues {
		// Differenced Hessian eigenvalues are within EigErr of 8.
		if math.Abs(e-8) > c.EigErr || c.EigErr > 1e-4 {
			t.Errorf("eigenvalue %v, want 8 within EigErr %v", e, c.EigErr)
		}
	}
	if c.Risk > 1e-17 || !strings.Contains(c.Reason, "minimizer") {
		t.Errorf("risk %v, reason %q", c.Risk, c.Reason)
	}
}

func TestFindCriticalSaddleStart(t *testing.T) {
	obj, toY, toTheta := doubleWell(2, 2)
	saddle := []float64{0, 1, -1, 0}
	start := unflattenHeads(toTheta(saddle), 2, 2)

	// TargetAny stops at the saddle and certifies it as a saddle.
	c, err := FindCritical(obj, start, CriticalOptions{Target: TargetAny})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Converged || !c.Saddle() || c.Minimizer() || c.Iter != 0 {
		t.Fatalf("TargetAny from a saddle: %+v", c)
	}
	// w''(0) = -4 for the two zero coordinates, 8 for the others.
	if math.Abs(c.MinEig+4) > c.EigErr || !strings.Contains(c.Reason, "saddle") {
		t.Errorf("MinEig %v +- %v, reason %q", c.MinEig, c.EigErr, c.Reason)
	}

	// TargetMinimum escapes along negative curvature to a minimizer.
	c, err = FindCritical(obj, start, CriticalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	y := toY(flattenHeads(c.Heads))
	for i := range y {
		// Minimizers have every |y_i| = 1; gradient <= 1e-9 at curvature 8.
		if math.Abs(math.Abs(y[i])-1) > 1e-9 {
			t.Fatalf("TargetMinimum from a saddle ended at y = %v: %+v", y, c)
		}
	}
	// The nonzero coordinates of the saddle are already minimal and
	// the escape decreases the risk, so they stay in their wells.
	if y[1] < 0 || y[2] > 0 || !c.Minimizer() {
		t.Errorf("ended at y = %v, certificate %+v", y, c)
	}
}

func TestFindCriticalTargetAnyNearest(t *testing.T) {
	obj, toY, toTheta := doubleWell(1, 2)
	// Newton on the gradient goes to the nearest critical point: y = (0, 1).
	c, err := FindCritical(obj, unflattenHeads(toTheta([]float64{0.2, 0.8}), 2, 1), CriticalOptions{Target: TargetAny})
	if err != nil {
		t.Fatal(err)
	}
	y := toY(flattenHeads(c.Heads))
	if !c.Converged || maxDevFrom(y, []float64{0, 1}) > 1e-9 || !c.Saddle() {
		t.Errorf("y = %v, result %+v", y, c)
	}
}

func TestFindCriticalNoisy(t *testing.T) {
	obj, toY, toTheta := doubleWell(3, 2)
	obj.riskErr, obj.gradErr = 1e-12, 1e-9
	start := toTheta([]float64{0.5, 0.7, -0.4, 2, -0.9, 1.1})
	c, err := FindCritical(obj, unflattenHeads(start, 2, 3), CriticalOptions{GradTol: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 1, -1, 1, -1, 1}
	y := toY(flattenHeads(c.Heads))
	// Gradient within 1e-8 + 1e-9 at curvature 8: distance < 2e-9; allow
	// 1e-8.
	if !c.Converged || !c.Minimizer() || maxDevFrom(y, want) > 1e-8 {
		t.Fatalf("y = %v, result %+v", y, c)
	}
}

func TestFindCriticalNotConverged(t *testing.T) {
	obj, _, toTheta := doubleWell(2, 2)
	start := unflattenHeads(toTheta([]float64{3, -2, 0.5, 0.1}), 2, 2)
	c, err := FindCritical(obj, start, CriticalOptions{MaxIter: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c.Converged || !strings.Contains(c.Reason, "iteration budget") || c.Iter != 1 || c.Heads == nil {
		t.Errorf("result %+v", c)
	}
	// Near a saddle the Hessian is indefinite, so only a certified risk
	// decrease is accepted; risk errors of 10 exceed every decrease the
	// double well allows (f <= 4 near the saddle), so the line search
	// must give up with a reason, not an error.
	obj.riskErr = 10
	start = unflattenHeads(toTheta([]float64{0.05, 1, -1, 0.02}), 2, 2)
	c, err = FindCritical(obj, start, CriticalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Converged || !strings.Contains(c.Reason, "line search") || c.Iter != 0 {
		t.Errorf("result %+v", c)
	}
	// Risk errors of 1e-3 at a positive-definite start: Newton steps are
	// accepted on the gradient norm, so the search still converges.
	obj.riskErr = 1e-3
	start = unflattenHeads(toTheta([]float64{0.7, -1.3, 1.2, 0.8}), 2, 2)
	c, err = FindCritical(obj, start, CriticalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Minimizer() {
		t.Errorf("noisy risk, positive-definite start: %+v", c)
	}
}

// TestFindCriticalCertifyOnly checks that MaxIter < 0 certifies the start
// without moving it.
func TestFindCriticalCertifyOnly(t *testing.T) {
	obj, _, toTheta := doubleWell(1, 2)
	start := unflattenHeads(toTheta([]float64{1, 0.3}), 2, 1)
	c, err := FindCritical(obj, start, CriticalOptions{MaxIter: -1})
	if err != nil {
		t.Fatal(err)
	}
	// y = (1, 0.3): Hessian eigenvalues 12 y^2 - 4 = 8 and -2.92.
	if c.Iter != 0 || c.Converged || !cmp.Equal(c.Heads, start) || math.Abs(c.MinEig+2.92) > 1e-6 {
		t.Errorf("certify-only result %+v", c)
	}
}

func TestFindCriticalErrors(t *testing.T) {
	obj, _, _ := doubleWell(2, 2)
	good := [][]float64{{0.1, 0.2}, {0.3, 0.4}}
	cases := []struct {
		name  string
		obj   theory.Objective
		start [][]float64
		opts  CriticalOptions
		want  string
	}{
		{"nil", nil, good, CriticalOptions{}, "nil"},
		{"shape", obj, [][]float64{{1, 2, 3}, {1, 2, 3}}, CriticalOptions{}, "heads[0]"},
		{"tol", obj, good, CriticalOptions{GradTol: -1}, "GradTol"},
		{"step", obj, good, CriticalOptions{MaxStep: math.NaN()}, "MaxStep"},
		{"target", obj, good, CriticalOptions{Target: 7}, "Target"},
	}
	for _, c := range cases {
		_, err := FindCritical(c.obj, c.start, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// TestFindCriticalTheoryExample is the integration test on docs/MODEL.md §10's
// example: d = 2, sigma = 1, mu* = (3,0),(0,3), lambda = 1, dot variant.
// From the centroids, the search must reach the symmetric minimizer
// (3.0444581, -0.0444581), (-0.0444581, 3.0444581) with R = 1.765203958662
// and Hessian eigenvalues about 0.717, 1, 1.018, 1.184, certified.
func TestFindCriticalTheoryExample(t *testing.T) {
	mix := mustMixture(t, []float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	for _, v := range []theory.Variant{theory.Dot, theory.Distance} {
		obj, err := NewRisk(mix, theory.Prototype{Variant: v, Lambda: 1})
		if err != nil {
			t.Fatal(err)
		}
		c, err := FindCritical(obj, theory.Clone(mix.Centroids), CriticalOptions{GradTol: 1e-10})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v: heads %v, R = %.13f +- %.1g, |grad| = %.2g +- %.1g, eig %v +- %.1g, %d iterations; %s",
			v, c.Heads, c.Risk, c.RiskErr, c.GradNorm, c.GradErr, c.Eigenvalues, c.EigErr, c.Iter, c.Reason)
		if !c.Converged || !c.Minimizer() {
			t.Fatalf("%v: not a certified minimizer: %+v", v, c)
		}
		want := [][]float64{{3.0444581, -0.0444581}, {-0.0444581, 3.0444581}}
		for h := range want {
			for i := range want[h] {
				// docs/MODEL.md §10 quotes 7 decimals.
				if math.Abs(c.Heads[h][i]-want[h][i]) > 6e-8 {
					t.Errorf("%v: head %d = %v, want %v", v, h, c.Heads[h], want[h])
				}
			}
		}
		// docs/MODEL.md §10 quotes 12 decimals; R is flat at the minimizer, so the
		// risk there is accurate to RiskErr plus a 1e-13 rounding margin.
		if math.Abs(c.Risk-1.765203958662) > 5e-13+c.RiskErr {
			t.Errorf("%v: R = %.15f, want 1.765203958662", v, c.Risk)
		}
		if v == theory.Dot {
			for i, e := range []float64{0.717, 1, 1.018, 1.184} {
				// docs/MODEL.md §10 quotes 3 decimals.
				if math.Abs(c.Eigenvalues[i]-e) > 6e-4+c.EigErr {
					t.Errorf("eigenvalue %d = %v, want %v", i, c.Eigenvalues[i], e)
				}
			}
		}
	}
}

// lambda5Min is the symmetric minimizer coordinate for lambda = 5 on
// docs/MODEL.md §10's data: heads (a, -b), (-b, a) with a = 3 + b. docs/MODEL.md §10
// quotes b = 0.0146983 and R = 1.913048606458, which is NOT reproduced:
// FindCritical on NewRisk gives b = 0.0147252837, R = 1.913033863211, and
// TestLambda5MinimizerTrapezoid confirms it independently of NewRisk (the
// gradient at the reference's point is 2.7e-5 per coordinate, and the risk there
// is 1.9130338647, not 1.913048606458). the reference's lambda = 5 numbers came
// from 1500-node Gauss-Hermite, which docs/MODEL.md §4.2 itself warns degrades as
// lambda grows. The distance to the centroids, sqrt(2) b = 0.0208, agrees
// with docs/MODEL.md §10 to the digits it quotes.
const (
	lambda5B    = 0.0147252836517
	lambda5Risk = 1.913033863211
)

// TestFindCriticalTheoryMoreRegimes checks the other pinned minimizers of
// docs/MODEL.md §5.2-2.4 on the same data: lambda = 5 (both variants; corrected
// values, see lambda5B) and the hardmax closed form of section 2.3.
func TestFindCriticalTheoryMoreRegimes(t *testing.T) {
	mix := mustMixture(t, []float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	hard, hardR, err := theory.HardmaxCritical(mix)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		layer theory.Prototype
		want  [][]float64
		risk  float64
		tol   float64 // on the heads: the precision of the quoted value
	}{
		// lambda5B is quoted to 13 decimals.
		{theory.Prototype{Variant: theory.Dot, Lambda: 5}, [][]float64{{3 + lambda5B, -lambda5B}, {-lambda5B, 3 + lambda5B}}, lambda5Risk, 1e-12},
		{theory.Prototype{Variant: theory.Distance, Lambda: 5}, [][]float64{{3 + lambda5B, -lambda5B}, {-lambda5B, 3 + lambda5B}}, lambda5Risk, 1e-12},
		// Closed form: only the finder's gradient tolerance limits it.
		{theory.Prototype{Variant: theory.Hardmax}, hard, hardR, 1e-9},
	}
	for _, c := range cases {
		obj, err := NewRisk(mix, c.layer)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FindCritical(obj, theory.Clone(mix.Centroids), CriticalOptions{})
		if err != nil {
			t.Fatalf("%v: %v", c.layer.Variant, err)
		}
		if !got.Minimizer() {
			t.Fatalf("%v lambda=%v: not a certified minimizer: %+v", c.layer.Variant, c.layer.Lambda, got)
		}
		for h := range c.want {
			if theory.Dist(got.Heads[h], c.want[h]) > c.tol {
				t.Errorf("%v lambda=%v: head %d = %v, want %v", c.layer.Variant, c.layer.Lambda, h, got.Heads[h], c.want[h])
			}
		}
		// Quoted to 12 decimals (docs/MODEL.md §10) or exact (closed form).
		if math.Abs(got.Risk-c.risk) > 5e-13+got.RiskErr {
			t.Errorf("%v lambda=%v: R = %.15f, want %.15f", c.layer.Variant, c.layer.Lambda, got.Risk, c.risk)
		}
	}
}

// trapezoid2D returns the risk and gradient of layer at heads for a
// two-dimensional mixture by the tensor trapezoidal rule with spacing
// h*sigma over +-9 sigma around each centroid, straight from the pointwise
// theory.Prototype.LossGrad. For an integrand analytic in a strip of
// half-width w around the real plane the rule's error decays like
// exp(-2 pi w / h); the logistic's poles sit at distance pi/(lambda ||mu_1 -
// mu_2||) from the real plane, and the Gaussian tail beyond 9 sigma is
// below 3e-18.
func trapezoid2D(mix theory.Mixture, layer theory.Prototype, heads [][]float64, h float64) (float64, [][]float64) {
	risk := 0.0
	grad := [][]float64{{0, 0}, {0, 0}}
	g := [][]float64{{0, 0}, {0, 0}}
	s := mix.Sigma
	n := int(math.Ceil(9 / h))
	x := make([]float64, 2)
	for k, c := range mix.Centroids {
		for i := -n; i <= n; i++ {
			for j := -n; j <= n; j++ {
				u, v := float64(i)*h, float64(j)*h
				w := math.Exp(-(u*u+v*v)/2) / (2 * math.Pi) * h * h * mix.Weights[k]
				x[0], x[1] = c[0]+s*u, c[1]+s*v
				risk += w * layer.LossGrad(x, heads, g)
				for a := range 2 {
					for b := range 2 {
						grad[a][b] += w * g[a][b]
					}
				}
			}
		}
	}
	return risk, grad
}

// TestLambda5MinimizerTrapezoid checks the corrected lambda = 5 minimizer
// (see lambda5B) independently of NewRisk, by brute-force 2-D quadrature
// of the pointwise loss.
func TestLambda5MinimizerTrapezoid(t *testing.T) {
	mix := mustMixture(t, []float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	layer := theory.Prototype{Variant: theory.Dot, Lambda: 5}
	// Poles at distance pi/(5 * 4.29) = 0.146: spacing 0.025 gives a rule
	// error ~ exp(-2 pi 0.146 / 0.025) ~ 1e-16; the 1.3M-term sum rounds
	// to ~1e-12.
	const h = 0.025
	ours := [][]float64{{3 + lambda5B, -lambda5B}, {-lambda5B, 3 + lambda5B}}
	r, g := trapezoid2D(mix, layer, ours, h)
	if math.Abs(r-lambda5Risk) > 1e-11 {
		t.Errorf("risk at our minimizer: trapezoid %.13f, pinned %.13f", r, lambda5Risk)
	}
	// The gradient is linear in the head offset with Hessian O(1), so
	// the 1e-13 quoting of lambda5B and the rule's rounding allow 1e-11.
	if n := theory.Norm(flattenHeads(g)); n > 1e-11 {
		t.Errorf("gradient norm at our minimizer: %g", n)
	}
	theirs := [][]float64{{3.0146983, -0.0146983}, {-0.0146983, 3.0146983}}
	r, g = trapezoid2D(mix, layer, theirs, h)
	t.Logf("at docs/MODEL.md §10's lambda=5 point: R = %.13f (an earlier reading printed 1.913048606458), gradient %v", r, g)
	if n := theory.Norm(flattenHeads(g)); n < 1e-5 {
		t.Logf("the reference's lambda=5 point is now critical to 1e-5: the note at lambda5B is stale")
	}
}
