package numerics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"attnclust/theory"
)

// ruleMC is brute-force Monte Carlo of a rule's misclassification in the
// full dimension: n tokens from the mixture, the fraction assigned to an
// index other than their component's, and its standard error
// sqrt(p (1 - p) / n).
func ruleMC(mix theory.Mixture, r AffineRule, n int, seed uint64) (p, se float64) {
	rng := rand.New(rand.NewPCG(seed, 0x6d63))
	x := make([]float64, mix.Dim())
	miss := 0
	for range n {
		var k int
		x, k = mix.Sample(x, rng.NormFloat64, rng.Float64)
		best, arg := math.Inf(-1), 0
		for h, a := range r.Dirs {
			if s := theory.Inner(x, a) + r.Offsets[h]; s > best {
				best, arg = s, h
			}
		}
		if arg != k {
			miss++
		}
	}
	p = float64(miss) / float64(n)
	return p, math.Sqrt(p * (1 - p) / float64(n))
}

// TestRuleMisclassificationMonteCarlo compares the ALOE estimator and
// (three components) the planar quadrature with brute-force Monte Carlo
// on random mixtures whose components overlap (kSetup: centroids
// N(0, (2.5 sigma)^2 I), so error rates of 1e-2 to 1e-1, where plain
// Monte Carlo with 2e5 tokens has a relative error of a few percent), for
// the Bayes rule, the nearest-head rule at perturbed heads and the
// nearest-centroid rule. Agreement within the estimator's 99% half-width
// plus 4 standard errors of the Monte Carlo (or the planar rule's error
// estimate). The seeds are those whose error rates lie between 1e-2 and 0.3
// (kSetup with K = 3, d = 4, seed 2 gives 6e-7, which plain Monte
// Carlo cannot see; TestRuleMisclassificationRare covers that case).
func TestRuleMisclassificationMonteCarlo(t *testing.T) {
	n := 200000
	if testing.Short() {
		n = 50000
	}
	for _, tc := range []struct {
		K, d int
		seed uint64
	}{{3, 2, 1}, {3, 4, 3}, {4, 3, 4}, {5, 6, 7}} {
		mix, heads := kSetup(t, tc.K, tc.K, tc.d, 0.8, tc.seed)
		rules := map[string]AffineRule{
			"bayes":   BayesRuleK(mix),
			"heads":   NearestHeadRule(heads),
			"nearest": NearestHeadRule(mix.Centroids),
		}
		for name, r := range rules {
			est, err := r.Misclassification(mix, OptionsK{Seed: 7, Randomizations: 8})
			if err != nil {
				t.Fatal(err)
			}
			p, se := ruleMC(mix, r, n, tc.seed)
			if math.Abs(est.Value-p) > est.HalfWidth+4*se {
				t.Errorf("K=%d d=%d %s: ALOE %.5g +- %.2g (99%%), Monte Carlo %.5g +- %.2g", tc.K, tc.d, name, est.Value, est.HalfWidth, p, se)
			}
			ub, err := r.UnionBound(mix)
			if err != nil {
				t.Fatal(err)
			}
			// The estimator lies in [P/(K-1), P] per component, so below
			// the union bound up to rounding.
			if est.Value > ub*(1+1e-12) {
				t.Errorf("K=%d %s: estimate %.6g above the union bound %.6g", tc.K, name, est.Value, ub)
			}
			if tc.K == 3 {
				pl, err := r.MisclassificationPlanar(mix)
				if err != nil {
					t.Fatal(err)
				}
				if z := math.Abs(pl.Value-p) / (se + pl.Err); z > 4 {
					t.Errorf("K=3 d=%d %s: planar %.6g +- %.2g, Monte Carlo %.5g +- %.2g", tc.d, name, pl.Value, pl.Err, p, se)
				}
				if math.Abs(pl.Value-est.Value) > est.HalfWidth+pl.Err {
					t.Errorf("K=3 d=%d %s: planar %.8g, ALOE %.8g +- %.2g (99%%)", tc.d, name, pl.Value, est.Value, est.HalfWidth)
				}
			}
		}
	}
}

// TestRuleMisclassificationRare: a regular simplex of three components at
// pairwise distance 9 sigma (error rates about 1e-5, where brute-force
// Monte Carlo cannot reach a few percent): the ALOE estimate agrees with
// the planar quadrature within its 99% half-width, that half-width stays
// below 1% relative with 4096 x 8 draws, and the union bound exceeds the
// error by less than the overlap of two exits allows: two faces at 4.5
// sigma whose normals make 60 degrees (correlation 1/2) overlap on about
// Phi(-4.5 (1 - 1/2) / sqrt(3/4)) = Phi(-2.6) = 5e-3 of either exit, so
// the bound is within 1e-2 relative.
func TestRuleMisclassificationRare(t *testing.T) {
	s := 1.3
	a := 9 * s
	cents := [][]float64{{0, 0}, {a, 0}, {a / 2, a * math.Sqrt(3) / 2}}
	mix, err := theory.NewMixture([]float64{0.2, 0.5, 0.3}, cents, s)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]AffineRule{"bayes": BayesRuleK(mix), "nearest": NearestHeadRule(cents)} {
		est, err := r.Misclassification(mix, OptionsK{Seed: 3, Randomizations: 8})
		if err != nil {
			t.Fatal(err)
		}
		pl, err := r.MisclassificationPlanar(mix)
		if err != nil {
			t.Fatal(err)
		}
		ub, _ := r.UnionBound(mix)
		if math.Abs(pl.Value-est.Value) > est.HalfWidth+pl.Err {
			t.Errorf("%s: planar %.8g +- %.2g, ALOE %.8g +- %.2g (99%%)", name, pl.Value, pl.Err, est.Value, est.HalfWidth)
		}
		if est.HalfWidth > 0.01*est.Value {
			t.Errorf("%s: relative half-width %.3g", name, est.HalfWidth/est.Value)
		}
		if pl.Value > ub || ub > pl.Value*(1+1e-2) {
			t.Errorf("%s: union bound %.8g against %.8g", name, ub, pl.Value)
		}
	}
	// The nearest-centroid rule with these centroids is exactly
	// symmetric: each component leaves through two faces at 4.5 sigma.
	pl, _ := NearestHeadRule(cents).MisclassificationPlanar(mix)
	if ub := 2 * theory.NormalQ(4.5); !(pl.Value < ub && pl.Value > ub*(1-1e-2)) {
		t.Errorf("nearest-centroid error %.8g, union bound %.8g", pl.Value, ub)
	}
}

// TestBayesRuleTwoComponents: with two components the affine rules are
// half-spaces and the misclassification is a closed form
// (theory.BayesError, theory.Misclassification); the union bound is then
// exact, and the planar quadrature and the ALOE estimator (exact with one
// exit per component: S = 1 always, so the standard error is 0) agree
// with it to rounding.
func TestBayesRuleTwoComponents(t *testing.T) {
	mix, err := theory.NewMixture([]float64{0.3, 0.7}, [][]float64{{1, 0, 0}, {-2, 1, 0.5}}, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	want, err := theory.BayesError(mix)
	if err != nil {
		t.Fatal(err)
	}
	heads := [][]float64{{0.8, 0.1, 0}, {-1.9, 0.9, 0.4}}
	want2, err := theory.Misclassification(mix, theory.Prototype{Variant: theory.Hardmax}, heads)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		r    AffineRule
		want float64
	}{"bayes": {BayesRuleK(mix), want}, "heads": {NearestHeadRule(heads), want2}} {
		ub, _ := tc.r.UnionBound(mix)
		pl, err := tc.r.MisclassificationPlanar(mix)
		if err != nil {
			t.Fatal(err)
		}
		est, err := tc.r.Misclassification(mix, OptionsK{Points: 64, Randomizations: 4})
		if err != nil {
			t.Fatal(err)
		}
		// 1e-12 relative: closed forms in Phi, a few dozen rounded
		// operations each, against a quadrature at 1e-10 relative.
		for _, got := range []float64{ub, est.Value} {
			if math.Abs(got-tc.want) > 1e-12*tc.want {
				t.Errorf("%s: %.15g, closed form %.15g", name, got, tc.want)
			}
		}
		if math.Abs(pl.Value-tc.want) > pl.Err+1e-12*tc.want || pl.Err > 1e-9*tc.want {
			t.Errorf("%s: planar %.15g +- %.2g, closed form %.15g", name, pl.Value, pl.Err, tc.want)
		}
	}
}

// TestRulePlanarAgreesWithHardmaxPlanar: the nearest-head rule's planar
// misclassification equals HardmaxPlanar's (one minus the cell mass)
// within their error figures.
func TestRulePlanarAgreesWithHardmaxPlanar(t *testing.T) {
	mix, heads := kSetup(t, 3, 3, 4, 1, 11)
	hp, err := NewHardmaxPlanar(mix, 3)
	if err != nil {
		t.Fatal(err)
	}
	want, err := hp.Misclassification(heads)
	if err != nil {
		t.Fatal(err)
	}
	got, err := NearestHeadRule(heads).MisclassificationPlanar(mix)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.Value-want.Value) > got.Err+want.Err {
		t.Errorf("planar rule %.15g +- %.2g, HardmaxPlanar %.15g +- %.2g", got.Value, got.Err, want.Value, want.Err)
	}
}

// TestAffineRuleErrors: invalid inputs are errors, and coinciding
// directions give the certain exits.
func TestAffineRuleErrors(t *testing.T) {
	mix, heads := kSetup(t, 4, 4, 3, 1, 5)
	for _, tc := range []struct {
		name string
		r    AffineRule
		want string
	}{
		{"too few directions", NearestHeadRule(heads[:3]), "3 directions"},
		{"wrong length", NearestHeadRule([][]float64{{1}, {2}, {3}, {4}}), "directions"},
		{"non-finite offset", AffineRule{Dirs: heads, Offsets: []float64{0, math.NaN(), 0, 0}}, "not finite"},
	} {
		_, err := tc.r.Misclassification(mix, OptionsK{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if _, err := tc.r.UnionBound(mix); err == nil {
			t.Errorf("%s: union bound accepted", tc.name)
		}
	}
	if _, err := NearestHeadRule(heads).Misclassification(mix, OptionsK{Points: 3}); err == nil {
		t.Error("3 points accepted")
	}
	if _, err := NearestHeadRule(heads).MisclassificationPlanar(mix); err == nil || !strings.Contains(err.Error(), "at most 2") {
		t.Errorf("four heads in 3-D: %v, want a span error", err)
	}
	// Heads 2 and 3 equal: every token of component 3 goes to head 2
	// (ties to the lowest index), and none of component 2 to head 3.
	h := theory.Clone(heads)
	h[2] = append([]float64(nil), h[1]...)
	r := NearestHeadRule(h)
	ex2, ex3 := r.exits(mix, 1), r.exits(mix, 2)
	if ex2.certain || !ex3.certain {
		t.Errorf("equal heads: certain exits %v %v, want false true", ex2.certain, ex3.certain)
	}
}

// TestRuleMisclassificationProperty (rapid): for random mixtures and
// random affine rules, the importance-sampling estimate lies between the
// union bound divided by K - 1 and the union bound (each replicate does,
// by construction, up to rounding: 1e-12 relative), and its standard
// error is finite and nonnegative.
func TestRuleMisclassificationProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		K := rapid.IntRange(2, 5).Draw(t, "K")
		d := rapid.IntRange(1, 5).Draw(t, "d")
		seed := rapid.Uint64().Draw(t, "seed")
		w := make([]float64, K)
		cents := make([][]float64, K)
		heads := make([][]float64, K)
		sum := 0.0
		for k := range K {
			w[k] = rapid.Float64Range(0.1, 1).Draw(t, "w")
			sum += w[k]
			cents[k] = rapid.SliceOfN(rapid.Float64Range(-5, 5), d, d).Draw(t, "centroid")
			heads[k] = rapid.SliceOfN(rapid.Float64Range(-5, 5), d, d).Draw(t, "head")
		}
		for k := range w {
			w[k] /= sum
		}
		mix, err := theory.NewMixture(w, cents, rapid.Float64Range(0.3, 3).Draw(t, "sigma"))
		if err != nil {
			t.Skip(err) // weights not summing to 1 within the mixture's tolerance
		}
		r := NearestHeadRule(heads)
		for h := range r.Offsets {
			r.Offsets[h] += rapid.Float64Range(-2, 2).Draw(t, "offset")
		}
		est, err := r.Misclassification(mix, OptionsK{Points: 64, Randomizations: 4, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		ub, err := r.UnionBound(mix)
		if err != nil {
			t.Fatal(err)
		}
		lo := ub / float64(max(K-1, 1))
		if est.Value > ub*(1+1e-12) || est.Value < lo*(1-1e-12) || !(est.SE >= 0) || math.IsInf(est.SE, 0) {
			t.Fatalf("estimate %v (SE %v) outside [%v, %v]", est.Value, est.SE, lo, ub)
		}
	})
}

// TestNormalUpperQuantile: Q(s) equals the target tail y from y = 0.5
// down to the smallest normal double and beyond (in logarithms), where
// math.Erfcinv(2y) loses every digit below 1e-16. Tolerance, relative in
// y: 8 eps / (2y) where Erfcinv serves alone (2y > 1e-8: the rounding of
// 1 - 2y, at most 1e-8 relative), else max(1e-12, 8 eps |log y|) (a few
// rounded operations, and log y itself is known only to a few ulps of its
// size, which is eps |log y| relative in y). The continued fraction of
// logNormalQ (s >= 30) agrees with erfc where both are representable, to
// 8 ulps of log Q (its size s^2/2 ~ 700 makes an ulp 1.1e-13).
func TestNormalUpperQuantile(t *testing.T) {
	const eps = 0x1p-52
	for _, logy := range []float64{math.Log(0.5), math.Log(0.1), math.Log(1e-3), math.Log(1e-8), math.Log(4e-9), math.Log(1e-9), math.Log(1e-16), math.Log(1e-17), math.Log(1e-20), math.Log(1e-100), math.Log(1e-250), math.Log(1e-300), -1000, -1e5} {
		s := normalUpperQuantile(logy)
		if math.IsNaN(s) || math.IsInf(s, 0) {
			t.Fatalf("log y = %v: s = %v", logy, s)
		}
		// Relative error of Q(s) against y.
		rel := math.Abs(math.Expm1(logNormalQ(s) - logy))
		if logy > -690 {
			rel = math.Abs(theory.NormalQ(s)/math.Exp(logy) - 1)
		}
		tol := math.Max(1e-12, 8*eps*math.Abs(logy))
		if y := math.Exp(logy); 2*y > 1e-8 {
			tol = math.Max(tol, 8*eps/(2*y))
		}
		if rel > tol {
			t.Errorf("log y = %v: s = %.17g, Q(s)/y - 1 = %.3g", logy, s, rel)
		}
	}
	// upperTailQuantile on both sides of its switch at v p = 5e-9 and
	// where v p underflows (1e-20 x 1e-300): same tolerances, in logs.
	for _, vp := range [][2]float64{{0.5, 1e-3}, {0.5, 1.2e-8}, {0.5, 0.8e-8}, {1e-3, 1e-12}, {1e-20, 1e-300}} {
		s := upperTailQuantile(vp[0], vp[1])
		logy := math.Log(vp[0]) + math.Log(vp[1])
		tol := math.Max(1e-12, 8*eps*math.Abs(logy))
		if y := vp[0] * vp[1]; 2*y > 1e-8 {
			tol = math.Max(tol, 8*eps/(2*y))
		}
		if rel := math.Abs(math.Expm1(logNormalQ(s) - logy)); rel > tol {
			t.Errorf("v %v p %v: s = %.17g, Q(s)/(v p) - 1 = %.3g", vp[0], vp[1], s, rel)
		}
	}
	for _, s := range []float64{30, 32, 35, 37} {
		want := math.Log(theory.NormalQ(s))
		if d := math.Abs(logNormalQ(s) - want); d > 8*eps*math.Abs(want) {
			t.Errorf("s = %v: continued fraction %.17g, erfc %.17g", s, logNormalQ(s), want)
		}
	}
	if s := normalUpperQuantile(0); !math.IsInf(s, -1) {
		t.Errorf("y = 1: %v, want -Inf", s)
	}
	if s := normalUpperQuantile(math.Inf(-1)); !math.IsInf(s, 1) {
		t.Errorf("y = 0: %v, want +Inf", s)
	}
	if s := normalUpperQuantile(1); !math.IsNaN(s) {
		t.Errorf("y = e: %v, want NaN", s)
	}
}

// polygon returns K centroids on a regular polygon in the plane with
// side side.
func polygon(K int, side float64) [][]float64 {
	rad := side / (2 * math.Sin(math.Pi/float64(K)))
	c := make([][]float64, K)
	for k := range c {
		a := 2 * math.Pi * float64(k) / float64(K)
		c[k] = []float64{rad * math.Cos(a), rad * math.Sin(a)}
	}
	return c
}

// TestRuleMisclassificationPlanarTable: four components on a square and
// five on a regular pentagon in the plane, whose exits span two
// dimensions, so the deterministic planar quadrature is a reference for
// the importance-sampling estimator at rare-event rates (sides 6 to 20
// sigma: error rates from 1e-2 down to 1e-22). They agree within the
// estimator's 99% half-width plus the quadrature's error estimate, and the
// half-width stays below 1% relative (the estimator's error is relative
// whatever the separation). Sides 17 and 20 sigma put the conditional
// draws' tails below 1e-16, where inverting them with math.Erfcinv made
// the estimate 6% low with a 0.2% half-width.
func TestRuleMisclassificationPlanarTable(t *testing.T) {
	s := 1.3
	type tcase struct {
		K    int
		side float64
		pi1  float64
	}
	tests := []tcase{
		{4, 6, 0.25}, {4, 8, 0.1}, {4, 10, 0.25}, {4, 12, 0.4}, {4, 17, 0.25}, {4, 20, 0.25},
		{5, 6, 0.2}, {5, 9, 0.1}, {5, 12, 0.3}, {5, 17, 0.2},
	}
	if testing.Short() {
		tests = []tcase{{4, 6, 0.25}, {4, 17, 0.25}, {5, 9, 0.1}}
	}
	for _, tc := range tests {
		w := make([]float64, tc.K)
		for k := range w {
			w[k] = (1 - tc.pi1) / float64(tc.K-1)
		}
		w[0] = tc.pi1
		cents := polygon(tc.K, tc.side*s)
		mix, err := theory.NewMixture(w, cents, s)
		if err != nil {
			t.Fatal(err)
		}
		heads := theory.Clone(cents)
		heads[1][0] += 0.3 * s // a moved head: an asymmetric rule
		for name, r := range map[string]AffineRule{"bayes": BayesRuleK(mix), "nearest": NearestHeadRule(cents), "heads": NearestHeadRule(heads)} {
			est, err := r.Misclassification(mix, OptionsK{Seed: 5, Randomizations: 8})
			if err != nil {
				t.Fatal(err)
			}
			pl, err := r.MisclassificationPlanar(mix)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(pl.Value-est.Value) > est.HalfWidth+pl.Err {
				t.Errorf("K=%d side %v %s: planar %.8g +- %.2g, ALOE %.8g +- %.2g (99%%): off by %.3g relative", tc.K, tc.side, name, pl.Value, pl.Err, est.Value, est.HalfWidth, est.Value/pl.Value-1)
			}
			if est.HalfWidth > 0.01*est.Value {
				t.Errorf("K=%d side %v %s: relative half-width %.3g", tc.K, tc.side, name, est.HalfWidth/est.Value)
			}
		}
	}
}
