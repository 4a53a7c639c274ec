package theory_test

// Outside checks of the closed forms and of the layer's validation and
// hardmax conventions, at sigma != 1 and with the independent reduced
// risk of package numerics.

import (
	"math"
	"testing"

	"attnclust/numerics"
	"attnclust/theory"
)

// foldedBias returns beta - delta = E|s| - delta = 2 E[max(-s, 0)] for
// s ~ N(delta, sigma^2) (beta = E[s | s > 0] of the hardmax critical point
// is the folded normal mean E|s|), by composite Simpson on
// 2 sigma int_0^40 v phi(v + delta/sigma) dv: the integrand is smooth on
// [0, 40] and below 1e-340 beyond, and Simpson's error with step 2^-9 is
// h^4/180 max|f^(4)| * 40 < 1e-12 of the integrand's scale phi(x).
func foldedBias(delta, sigma float64) float64 {
	x := delta / sigma
	const h = 1.0 / 512
	n := int(40 / h) // even
	f := func(v float64) float64 { return v * math.Exp(-(v+x)*(v+x)/2) / math.Sqrt(2*math.Pi) }
	s := f(0) + f(40)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(float64(i)*h)
	}
	return 2 * sigma * s * h / 3
}

// TestHardmaxBiasAgainstFoldedNormal checks HardmaxBias on both of its
// branches (delta/sigma below and above 5) at sigma != 1 against the
// folded-normal integral, and its homogeneity HardmaxBias(c delta, c
// sigma) = c HardmaxBias(delta, sigma). Tolerance 1e-9 relative: the
// direct branch loses up to ~1e-16/5e-8 = 2e-9 near x = 5 (cancellation
// of phi(x) - x Q(x)), and the reference is good to 1e-12.
func TestHardmaxBiasAgainstFoldedNormal(t *testing.T) {
	for _, c := range []struct{ delta, sigma float64 }{
		{1.5, 0.3}, {0.7, 2.5}, {3, 0.75}, {12, 2}, {2.2, 0.3},
	} {
		got := theory.HardmaxBias(c.delta, c.sigma)
		want := foldedBias(c.delta, c.sigma)
		if math.Abs(got-want) > 1e-9*want {
			t.Errorf("HardmaxBias(%v, %v) = %.15g, folded-normal integral %.15g", c.delta, c.sigma, got, want)
		}
		if b := theory.HardmaxBeta(c.delta, c.sigma); math.Abs(b-(c.delta+want)) > 1e-9*b {
			t.Errorf("HardmaxBeta(%v, %v) = %.15g, want delta + bias = %.15g", c.delta, c.sigma, b, c.delta+want)
		}
		for _, k := range []float64{0.5, 3} {
			// homogeneity: only rounding separates the two, amplified by
			// the same cancellation near x = 5 (1e-9 relative, as above)
			if s := theory.HardmaxBias(k*c.delta, k*c.sigma); math.Abs(s-k*got) > 1e-9*k*got {
				t.Errorf("HardmaxBias(%v delta, %v sigma) = %.17g, want %v HardmaxBias = %.17g", k, k, s, k, k*got)
			}
		}
	}
}

// TestHardmaxCriticalIsCritical checks HardmaxCritical at sigma != 1 and
// d = 3: the heads are symmetric about m* at distance beta along u, the
// hardmax gradient of the independent reduced risk vanishes there (within
// its bound plus the rounding of the heads, eps ||theta|| times a
// curvature <= 2), and the closed-form risk agrees with the reduced one
// within its bound plus a few ulps of d sigma^2 + beta^2. Unequal weights
// are refused.
func TestHardmaxCriticalIsCritical(t *testing.T) {
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{1.2, 0.4, -0.3}, {-0.6, 1.1, 0.9}}, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	heads, risk, err := theory.HardmaxCritical(mix)
	if err != nil {
		t.Fatal(err)
	}
	p, err := mix.Pair()
	if err != nil {
		t.Fatal(err)
	}
	beta := theory.HardmaxBeta(p.Delta, mix.Sigma)
	for i := range heads[0] {
		if m := (heads[0][i] + heads[1][i]) / 2; math.Abs(m-p.Mid[i]) > 1e-15 {
			t.Errorf("heads not symmetric about m*: coordinate %d midpoint %v, m* %v", i, m, p.Mid[i])
		}
	}
	if g := theory.Dist(heads[0], heads[1]) / 2; math.Abs(g-beta) > 1e-14*beta {
		t.Errorf("half-distance between heads %.15g, beta %.15g", g, beta)
	}
	obj, err := numerics.NewRisk(mix, theory.Prototype{Variant: theory.Hardmax})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := obj.Eval(heads)
	if err != nil {
		t.Fatal(err)
	}
	gn := math.Hypot(theory.Norm(ev.Grad[0]), theory.Norm(ev.Grad[1]))
	theta := math.Hypot(theory.Norm(heads[0]), theory.Norm(heads[1]))
	if tol := ev.GradErr + 4*0x1p-52*theta*2; gn > tol {
		t.Errorf("hardmax gradient at the closed-form critical point: %.3g > %.3g", gn, tol)
	}
	scale := 3*mix.Sigma*mix.Sigma + beta*beta
	if d := math.Abs(risk - ev.Risk); d > ev.RiskErr+8*0x1p-52*scale {
		t.Errorf("closed-form risk %.15g, reduced hardmax risk %.15g (difference %.3g)", risk, ev.Risk, d)
	}
	un, err := theory.NewMixture([]float64{0.3, 0.7}, mix.Centroids, mix.Sigma)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := theory.HardmaxCritical(un); err == nil {
		t.Error("HardmaxCritical accepted unequal weights (0.3, 0.7)")
	}
}

// TestPrototypeValidateDomains pins Validate's domains: lambda finite and
// >= 0 for the softmax variants (0 included), ignored by Hardmax, and the
// three variants only.
func TestPrototypeValidateDomains(t *testing.T) {
	cases := []struct {
		l  theory.Prototype
		ok bool
	}{
		{theory.Prototype{Variant: theory.Dot, Lambda: 0}, true},
		{theory.Prototype{Variant: theory.Distance, Lambda: 2.5}, true},
		{theory.Prototype{Variant: theory.Hardmax}, true},
		{theory.Prototype{Variant: theory.Hardmax, Lambda: -1}, true},
		{theory.Prototype{Variant: theory.Hardmax, Lambda: math.NaN()}, true},
		{theory.Prototype{Variant: theory.Dot, Lambda: -1e-300}, false},
		{theory.Prototype{Variant: theory.Distance, Lambda: math.NaN()}, false},
		{theory.Prototype{Variant: theory.Dot, Lambda: math.Inf(1)}, false},
		{theory.Prototype{Variant: theory.Variant(-1), Lambda: 1}, false},
		{theory.Prototype{Variant: theory.Hardmax + 1, Lambda: 1}, false},
	}
	for _, c := range cases {
		if err := c.l.Validate(); (err == nil) != c.ok {
			t.Errorf("Validate(%v, lambda %v) = %v, want ok = %v", c.l.Variant, c.l.Lambda, err, c.ok)
		}
	}
}

// TestHardmaxScoresAndTies pins the hardmax conventions: Scores writes
// -||x - mu_h||^2/2, and a token equidistant from two heads goes to the
// lowest index.
func TestHardmaxScoresAndTies(t *testing.T) {
	l := theory.Prototype{Variant: theory.Hardmax}
	heads := [][]float64{{1, 0}, {-1, 0}, {0, 3}}
	x := []float64{0, 0.5}
	s := l.Scores(nil, x, heads)
	for h, mu := range heads {
		// exact: small integers and halves
		if want := -theory.Dist(x, mu) * theory.Dist(x, mu) / 2; math.Abs(s[h]-want) > 1e-15 {
			t.Errorf("hardmax score of head %d: %v, want %v", h, s[h], want)
		}
	}
	p := l.Probs(x, heads) // x is equidistant from heads 0 and 1
	if p[0] != 1 || p[1] != 0 || p[2] != 0 {
		t.Errorf("tie between heads 0 and 1: probabilities %v, want [1 0 0]", p)
	}
}

// TestMixtureDomainsAndPair pins NewMixture's and Pair's documented
// edges: a single component of weight exactly 1 is valid; equal
// centroids give delta = 0 and the zero vector u; and Separation and
// BayesError scale with sigma (checked at sigma != 1 against
// 2 delta/sigma and Phi(-delta/sigma) = erfc(delta/(sigma sqrt 2))/2,
// to a few ulps).
func TestMixtureDomainsAndPair(t *testing.T) {
	if _, err := theory.NewMixture([]float64{1}, [][]float64{{0.5, -1}}, 1); err != nil {
		t.Errorf("one component of weight 1 rejected: %v", err)
	}
	eq, err := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{1, 2}, {1, 2}}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	p, err := eq.Pair()
	if err != nil {
		t.Fatal(err)
	}
	if p.Delta != 0 || p.U[0] != 0 || p.U[1] != 0 || p.Separation != 0 {
		t.Errorf("equal centroids: delta %v, u %v, separation %v; want 0, zero vector, 0", p.Delta, p.U, p.Separation)
	}
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 4}}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	p, err = mix.Pair()
	if err != nil {
		t.Fatal(err)
	}
	// ||mu*_1 - mu*_2|| = 5: delta = 2.5, separation 5/0.5 = 10
	if math.Abs(p.Delta-2.5) > 1e-15 || math.Abs(p.Separation-10) > 1e-14 {
		t.Errorf("delta %v, separation %v; want 2.5, 10", p.Delta, p.Separation)
	}
	if got, want := p.BayesError(mix.Sigma), math.Erfc(5/math.Sqrt2)/2; math.Abs(got-want) > 1e-13*want {
		t.Errorf("BayesError = %.17g, want Phi(-5) = %.17g", got, want)
	}
}

// TestRiskLambdaZeroAgainstAveragedLoss checks RiskLambdaZero (three
// heads, d = 2, sigma != 1) against the pointwise loss of the lambda = 0
// layer (output = mean of the heads) averaged over the mixture by the
// quadrature of averageLoss (exact here: the integrand is a quadratic
// polynomial, for which the 3-point Gauss-Hermite rule in y and the
// trapezoid rule in z are exact up to the e^-72 truncation at |z| = 12),
// to 1e-12 (1 + R) as in TestPrototypeLossAveragesToReducedRisk.
func TestRiskLambdaZeroAgainstAveragedLoss(t *testing.T) {
	mix, err := theory.NewMixture([]float64{0.3, 0.7}, [][]float64{{1.5, -0.5}, {-1, 2}}, 0.6)
	if err != nil {
		t.Fatal(err)
	}
	heads := [][]float64{{1, 0.5}, {-0.5, 1}, {2, 2}}
	got := theory.RiskLambdaZero(mix, heads)
	// averageLoss integrates a two-head layer; at lambda = 0 the output is
	// the mean of the heads, so the pair (m - v, m + v), with m the mean of
	// the three heads, has the same output T(x) = m everywhere.
	m := []float64{(1 - 0.5 + 2) / 3, (0.5 + 1 + 2) / 3}
	two := [][]float64{{m[0] - 0.5, m[1] + 0.5}, {m[0] + 0.5, m[1] - 0.5}}
	want, _ := averageLoss(mix, theory.Prototype{Variant: theory.Dot, Lambda: 0}, two, 0.125)
	if math.Abs(got-want) > 1e-12*(1+want) {
		t.Errorf("RiskLambdaZero = %.15g, averaged lambda = 0 loss %.15g", got, want)
	}
}
