package claims

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"attnclust/numerics"
	"attnclust/theory"
)

// TestC4InHypothesesGenerator: every draw of the conditional generator
// satisfies the a priori hypotheses, and the draws reach both ends of
// the lambda sigma^2 and separation ranges' neighbourhoods.
func TestC4InHypothesesGenerator(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := C4{}.InHypothesesGenerator().Draw(t, "regime")
		if !(C4{}).InHypotheses(r) {
			t.Fatalf("drew %v outside the hypotheses", r)
		}
		if r.LambdaSigma2 < c4InLamS2Min || r.LambdaSigma2 > c4InLamS2Max || r.Separation > 12 || r.D > 64 {
			t.Fatalf("drew %v outside the sampled ranges", r)
		}
	})
}

// TestC4SufficientConditionProperty: C4.sufficient-condition, a derived
// inequality, never FAILS on regimes of the full ranges (it checks the
// derivation and the numerics of Q_inf; the planted bugs show it can
// fail). Only Q_inf is needed, so the Monte Carlo ladder is skipped.
func TestC4SufficientConditionProperty(t *testing.T) {
	env := Env{Quick: true, QuantMC: func(theory.Mixture, float64, int, int, uint64) (numerics.Estimate, error) {
		return numerics.Estimate{}, errors.New("skipped")
	}}
	rapid.Check(t, func(t *rapid.T) {
		r := C4{}.Ranges().Generator().Draw(t, "regime")
		res := c4Verdicts(C4{}.Check(env, r))[C4SufficientBound]
		if res.Verdict != Holds {
			t.Fatalf("%s on %v: %v margin %.3g err %.2g %s", res.Check, r, res.Verdict, res.Margin, res.Err, res.Note)
		}
	})
}

// TestC4BoundDominatesQuantInf re-derives, in code, the statement's proof:
// the Minkowski bound sum_k pi_k (lambda sigma^2 sqrt(||mu*_k||^2 +
// d sigma^2) + ||v|| sqrt(U_k))^2 is at least Q_inf on every regime of
// the ranges (a cross-check of QuantInf that does not share its
// quadrature), and it is below d sigma^2 whenever H1-H3 hold.
func TestC4BoundDominatesQuantInf(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := C4{}.Ranges().Generator().Draw(t, "regime")
		s, ok := c4ShapeOf(r)
		if !ok {
			t.Fatalf("generated an invalid regime %v", r)
		}
		mix, err := r.Mixture()
		if err != nil {
			t.Fatal(err)
		}
		q, err := numerics.QuantInf(mix, r.Lambda())
		if err != nil {
			t.Fatal(err)
		}
		d, s2 := float64(r.D), r.Sigma*r.Sigma
		bound := 0.0
		for k, mk := range mix.Centroids {
			root := r.LambdaSigma2*math.Sqrt(theory.Inner(mk, mk)+d*s2) +
				s.delta*r.Sigma*math.Sqrt(c4MisBound(s.g[k], s.tau))
			bound += mix.Weights[k] * root * root
		}
		// 1e-12 relative: the bound and Q_inf are sums of a handful of
		// O(1) terms each rounded to about 1e-16 relative, and Q_inf's
		// certified error covers its quadrature.
		if q.Value > bound*(1+1e-12)+q.Err {
			t.Fatalf("Q_inf = %.10g +- %.2g exceeds the Minkowski bound %.10g on %v", q.Value, q.Err, bound, r)
		}
		if s.sufficient() && !(bound < d*s2) {
			t.Fatalf("H1-H3 hold but the bound %.6g >= d sigma^2 = %.6g on %v (shape %+v)", bound, d*s2, r, s)
		}
	})
}

// TestC4MisBound checks the closed form U(g, tau) >= E[sigmoid(-s)^2],
// s ~ N(g, tau^2), against a brute-force midpoint rule, on both branches
// (exact and Mills ratio) and at tau = 0.
func TestC4MisBound(t *testing.T) {
	brute := func(g, tau float64) float64 {
		// midpoint rule on z in [-12, 12] with 24000 cells: the integrand
		// is smooth and bounded by phi(z), the tails beyond 12 weigh
		// 2e-33, and the rule's error is far below 1e-9 here.
		const n, zmax = 24000, 12.0
		h := 2 * zmax / n
		sum := 0.0
		for i := range n {
			z := -zmax + (float64(i)+0.5)*h
			w := theory.Sigmoid(-(g + tau*z))
			sum += w * w * theory.NormalPDF(z)
		}
		return sum * h
	}
	for _, c := range []struct{ g, tau float64 }{
		{0, 0.1}, {1, 0.5}, {4, 0.85}, {3.2, 1.6}, {6.3, 2.1}, {-2, 1}, {10, 3},
		{40, 12}, {10, 15}, {0.5, 20}, // y = g/tau - 2 tau < -20: Mills branch
	} {
		u, e := c4MisBound(c.g, c.tau), brute(c.g, c.tau)
		// 1e-9 absolute: the brute-force rule's accuracy.
		if !(u >= e-1e-9) || u > 1 {
			t.Errorf("U(%v, %v) = %.6g, brute force E[sigmoid^2] = %.6g", c.g, c.tau, u, e)
		}
	}
	if got, want := c4MisBound(2, 0), math.Pow(theory.Sigmoid(-2), 2); got != want {
		t.Errorf("U(2, 0) = %v, want sigmoid(-2)^2 = %v", got, want)
	}
	// Sharp assignment: the bound must be small, not just valid (H3 would
	// be empty otherwise). At g = 8, tau = 1 it is Phi(-8) + e^-14 Phi(6).
	if u := c4MisBound(8, 1); u > 1e-6 {
		t.Errorf("U(8, 1) = %v, want about 8.3e-7", u)
	}
}

// c4TheoryMixture is docs/MODEL.md §6's example: d = 2, sigma = 0.3,
// mu* = (2, 0), (0, 2), equal weights; with lambda = 1.
func c4TheoryMixture(t *testing.T) theory.Mixture {
	t.Helper()
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{2, 0}, {0, 2}}, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	return mix
}

// c4TheoryRegime is the same data as a Regime: orthogonal equal norms
// ||mu*_k|| = sqrt 2 delta = 2 need Delta = 2 sqrt 2 / 0.3, and
// lambda sigma^2 = 0.09. Its plane is random, which changes nothing
// (Q_L is invariant under rotations).
func c4TheoryRegime() Regime {
	return Regime{Name: "theory3", D: 2, Sigma: 0.3, Pi1: 0.5, Geometry: Orthogonal,
		Separation: 2 * math.Sqrt2 / 0.3, Variant: "distance", LambdaSigma2: 0.09, Seed: 3}
}

// TestC4TheoryNumbers pins docs/MODEL.md §6's worked example.
func TestC4TheoryNumbers(t *testing.T) {
	mix := c4TheoryMixture(t)
	q, err := numerics.QuantInf(mix, 1)
	if err != nil {
		t.Fatal(err)
	}
	// docs/MODEL.md §10 quotes 6 digits, 0.028354: half a unit in the last digit.
	if math.Abs(q.Value-0.028354) > 5e-7+q.Err {
		t.Errorf("Q_inf = %.8f +- %.2g, docs/MODEL.md §6: 0.028354", q.Value, q.Err)
	}

	// L = 500: the reference's 0.0298 has 3 digits (+-5e-5 rounding); 5000
	// sequences give SE ~ 3e-4, and 4 SE (two-sided tail 6e-5, fixed
	// seed) keeps the test deterministic and meaningful.
	q500, err := numerics.QuantMC(mix, 1, 500, 5000, 500)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(q500.Value-0.0298) > 4*q500.Err+5e-5 {
		t.Errorf("Q_500 = %.5f +- %.5f, docs/MODEL.md §6: 0.0298", q500.Value, q500.Err)
	}

	// L = 50: docs/MODEL.md §10 quotes 0.0440, but two independent simulations
	// (different seeds and code paths) gave 0.04112 +- 0.0001, and QuantMC
	// with 100000 sequences gives 0.0410 +- 0.00014; the reference's number is
	// more than 20 standard errors away and is taken to be a slip. Pin
	// the measured value: 4 combined SE (ours and the reference's 1e-4).
	q50, err := numerics.QuantMC(mix, 1, 50, 100000, 50)
	if err != nil {
		t.Fatal(err)
	}
	tol := 4 * math.Hypot(q50.Err, 1e-4)
	if math.Abs(q50.Value-0.04112) > tol {
		t.Errorf("Q_50 = %.5f +- %.5f, measured reference 0.04112 +- 0.0001", q50.Value, q50.Err)
	}
	if math.Abs(q50.Value-0.0440) < 10*q50.Err {
		t.Logf("Q_50 = %.5f +- %.5f now agrees with the reference's 0.0440: revisit the comment above", q50.Value, q50.Err)
	}

	// The claim on the same data, as a regime: input 0.18, Q_inf as above,
	// everything HOLDS, and the regime is inside H.
	r := c4TheoryRegime()
	if !(C4{}).InHypotheses(r) {
		s, _ := c4ShapeOf(r)
		t.Errorf("docs/MODEL.md §6's example is outside H: %+v", s)
	}
	res := C4{}.Check(Env{Quick: true}, r)
	if len(res) != 4 {
		t.Fatalf("got %d results, want 4", len(res))
	}
	for _, x := range res {
		if x.Verdict != Holds {
			t.Errorf("%s: %v (margin %.3g, err %.2g; %s)", x.Check, x.Verdict, x.Margin, x.Err, x.Note)
		}
	}
	lim := res[0]
	if lim.Check != C4LimitImproves || len(lim.Values) < 2 {
		t.Fatalf("first result %s with %d values", lim.Check, len(lim.Values))
	}
	// d sigma^2 = 2 * 0.09 = 0.18 up to one rounding of 0.3^2.
	if in := lim.Values[0]; in.Name != "d sigma^2" || math.Abs(in.Value-0.18) > 1e-15 {
		t.Errorf("input error %v, want d sigma^2 = 0.18", in)
	}
	// The regime's centroids are a rotation of the reference's: Q_inf agrees to
	// rounding of the rotation (1e-12 relative is generous for O(1)
	// arithmetic on 2-vectors).
	if v := lim.Values[1]; math.Abs(v.Value-q.Value) > 1e-12+v.Err+q.Err {
		t.Errorf("regime Q_inf = %.12g, direct %.12g", v.Value, q.Value)
	}
	// The margin is d sigma^2 - Q_inf: the same 1e-12 (rotation rounding).
	if math.Abs(lim.Margin-(0.18-q.Value)) > 1e-12 {
		t.Errorf("margin %v, want 0.18 - Q_inf = %v", lim.Margin, 0.18-q.Value)
	}
}

// c4InHRegime is inside the hypotheses with a large Q_inf (0.4 d
// sigma^2): antipodal, d = 12, Delta = 6, lambda sigma^2 = 0.5 (lambda
// sigma^2 d = 6, the measured self-term boundary).
func c4InHRegime() Regime {
	return Regime{Name: "c4-in-H", D: 12, Sigma: 1, Pi1: 0.5, Geometry: Antipodal,
		Separation: 6, Variant: "distance", LambdaSigma2: 0.5, Seed: 7}
}

// c4Verdicts maps check IDs to results.
func c4Verdicts(res []Result) map[string]Result {
	m := map[string]Result{}
	for _, r := range res {
		m[r.Check] = r
	}
	return m
}

// TestC4PlantedBugs plugs broken numerics into Env and requires C4 to
// report FAILS on regimes where the correct numerics give HOLDS: the
// checks have teeth.
func TestC4PlantedBugs(t *testing.T) {
	outside := Regime{Name: "c4-holds-outside-H", D: 8, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal,
		Separation: 6, Variant: "distance", LambdaSigma2: 0.5, Seed: 7} // Q_inf = 0.815 d sigma^2
	cases := []struct {
		name  string
		r     Regime
		env   Env
		check string
	}{
		{"Q_inf with lambda doubled", c4InHRegime(), Env{Quick: true, Quant: func(m theory.Mixture, lam float64) (numerics.Estimate, error) {
			return numerics.QuantInf(m, 2*lam)
		}}, C4LimitImproves},
		{"Q_inf plus 0.5 d sigma^2", outside, Env{Quick: true, Quant: func(m theory.Mixture, lam float64) (numerics.Estimate, error) {
			e, err := numerics.QuantInf(m, lam)
			e.Value += 0.5 * float64(m.Dim()) * m.Sigma * m.Sigma
			return e, err
		}}, C4LimitImproves},
		{"Q_inf plus d sigma^2 (above its bound B)", c4TheoryRegime(), Env{Quick: true, Quant: func(m theory.Mixture, lam float64) (numerics.Estimate, error) {
			e, err := numerics.QuantInf(m, lam)
			e.Value += float64(m.Dim()) * m.Sigma * m.Sigma
			return e, err
		}}, C4SufficientBound},
		{"ladder reversed (L -> L1 L3 / L)", c4TheoryRegime(), Env{Quick: true, QuantMC: func(m theory.Mixture, lam float64, L, n int, seed uint64) (numerics.Estimate, error) {
			return numerics.QuantMC(m, lam, 10*160/L, n, seed) // quick ladder 10, 40, 160
		}}, C4FiniteLConverges},
	}
	for _, c := range cases {
		good := c4Verdicts(C4{}.Check(Env{Quick: true}, c.r))[c.check]
		if good.Verdict != Holds {
			t.Errorf("%s: correct numerics give %v on %v, want HOLDS (margin %.3g, err %.2g)", c.name, good.Verdict, c.r, good.Margin, good.Err)
		}
		bad := c4Verdicts(C4{}.Check(c.env, c.r))[c.check]
		if bad.Verdict != Fails {
			t.Errorf("%s: planted bug gives %v on %v, want FAILS (margin %.3g, err %.2g)", c.name, bad.Verdict, c.r, bad.Margin, bad.Err)
		}
	}
}

// TestC4Mapping pins the documented behaviour: lambda sigma^2 = 1 fails in
// the limit (outside the hypotheses, by the derived necessary condition);
// at large lambda sigma^2 d the self term leaves Q_L1 at d sigma^2
// (INCONCLUSIVE, not FAILS; the measured boundary); with soft assignment
// and few tokens Q_L1 exceeds d sigma^2 although Q_inf is below it (a map
// FAILS, inside the hypotheses).
func TestC4Mapping(t *testing.T) {
	cases := []struct {
		r    Regime
		want map[string]Verdict
	}{
		{Regime{Name: "tilt", D: 8, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 4, Variant: "distance", LambdaSigma2: 1, Seed: 1},
			map[string]Verdict{C4LimitImproves: Fails}},
		{Regime{Name: "self-term", D: 64, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 2, Variant: "distance", LambdaSigma2: 0.3, Seed: 1},
			map[string]Verdict{C4LimitImproves: Holds, C4FiniteLImproves: Inconclusive, C4FiniteLConverges: Inconclusive}},
		{Regime{Name: "few-tokens", D: 2, Sigma: 1, Pi1: 0.5, Geometry: Angle, Angle: math.Pi / 6, Separation: 6, Variant: "distance", LambdaSigma2: 0.1, Seed: 1},
			map[string]Verdict{C4LimitImproves: Holds, C4FiniteLImproves: Fails}},
	}
	for _, c := range cases {
		got := c4Verdicts(C4{}.Check(Env{Quick: true}, c.r))
		for id, v := range c.want {
			if got[id].Verdict != v {
				g := got[id]
				t.Errorf("%s %s: %v, want %v (margin %.3g, err %.2g; %s)", c.r.Name, id, g.Verdict, v, g.Margin, g.Err, g.Note)
			}
		}
	}
}

// TestC4NumericsFailures: errors and non-finite values give INCONCLUSIVE
// results (never a panic), and the checks that do not need the failed
// quantity still run.
func TestC4NumericsFailures(t *testing.T) {
	r := c4TheoryRegime()
	boom := errors.New("boom")
	failQuant := func(theory.Mixture, float64) (numerics.Estimate, error) { return numerics.Estimate{}, boom }
	nanQuant := func(theory.Mixture, float64) (numerics.Estimate, error) {
		return numerics.Estimate{Value: math.NaN()}, nil
	}
	failMC := func(theory.Mixture, float64, int, int, uint64) (numerics.Estimate, error) {
		return numerics.Estimate{}, boom
	}
	infMC := func(theory.Mixture, float64, int, int, uint64) (numerics.Estimate, error) {
		return numerics.Estimate{Value: 1, Err: math.Inf(1)}, nil
	}
	for _, c := range []struct {
		name string
		env  Env
		r    Regime
		want map[string]Verdict
	}{
		{"Quant error", Env{Quick: true, Quant: failQuant}, r,
			map[string]Verdict{C4LimitImproves: Inconclusive, C4FiniteLConverges: Inconclusive, C4FiniteLImproves: Holds}},
		{"Quant NaN", Env{Quick: true, Quant: nanQuant}, r,
			map[string]Verdict{C4LimitImproves: Inconclusive, C4FiniteLConverges: Inconclusive, C4FiniteLImproves: Holds}},
		{"QuantMC error", Env{Quick: true, QuantMC: failMC}, r,
			map[string]Verdict{C4LimitImproves: Holds, C4FiniteLConverges: Inconclusive, C4FiniteLImproves: Inconclusive}},
		{"QuantMC infinite SE", Env{Quick: true, QuantMC: infMC}, r,
			map[string]Verdict{C4LimitImproves: Holds, C4FiniteLConverges: Inconclusive, C4FiniteLImproves: Inconclusive}},
		{"invalid regime", Env{Quick: true}, Regime{D: 2, Sigma: 0, Pi1: 0.5, Geometry: Orthogonal, Separation: 1, Variant: "distance"},
			map[string]Verdict{C4LimitImproves: Inconclusive, C4FiniteLConverges: Inconclusive, C4FiniteLImproves: Inconclusive}},
		{"hardmax with negative lambda", Env{Quick: true}, Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 1, Variant: "hardmax", LambdaSigma2: -1},
			map[string]Verdict{C4LimitImproves: Inconclusive, C4FiniteLConverges: Inconclusive, C4FiniteLImproves: Inconclusive}},
	} {
		res := C4{}.Check(c.env, c.r)
		if len(res) != 4 {
			t.Errorf("%s: %d results, want 4", c.name, len(res))
		}
		for _, x := range res {
			if x.Role == "" || x.Kind == "" {
				t.Errorf("%s: %s has no role or kind", c.name, x.Check)
			}
		}
		got := c4Verdicts(res)
		for id, v := range c.want {
			g, ok := got[id]
			if !ok || g.Verdict != v {
				t.Errorf("%s: %s = %v (present %v), want %v (%s)", c.name, id, g.Verdict, ok, v, g.Note)
			}
			if v == Inconclusive && g.Note == "" {
				t.Errorf("%s: %s INCONCLUSIVE without a note", c.name, id)
			}
		}
	}
	if (C4{}).InHypotheses(Regime{D: 2, Sigma: 0, Pi1: 0.5, Geometry: Orthogonal, Separation: 1, Variant: "distance"}) {
		t.Error("an invalid regime is inside H")
	}
}

// TestC4ResultsComplete: every decided result carries units, values, a
// spec that parses, and the seeds of its Monte Carlo runs; the same
// regime gives the same results (fixed seeds).
func TestC4ResultsComplete(t *testing.T) {
	r := c4InHRegime()
	a := C4{}.Check(Env{Quick: true}, r)
	b := C4{}.Check(Env{Quick: true}, r)
	for i, x := range a {
		if x.Claim != "C4" || x.Units == "" || len(x.Values) == 0 || !strings.Contains(x.Spec, `"layer":"identity"`) {
			t.Errorf("%s: incomplete result %+v", x.Check, x)
		}
		if x.Kind == KindStatistical && (!strings.Contains(x.Note, "seeds") || !(x.Level > 0.99)) {
			t.Errorf("%s: note %q lacks the seeds", x.Check, x.Note)
		}
		if x.Margin != b[i].Margin || x.Err != b[i].Err {
			t.Errorf("%s: not reproducible: %v +- %v then %v +- %v", x.Check, x.Margin, x.Err, b[i].Margin, b[i].Err)
		}
		// The spec reproduces its evaluation bit for bit (QuantInf and
		// QuantMC are deterministic, and JSON round-trips float64).
		var sp EvalSpec
		if err := json.Unmarshal([]byte(x.Spec), &sp); err != nil || sp.Lambda == nil || sp.L == nil {
			t.Fatalf("%s: spec %s: %v", x.Check, x.Spec, err)
		}
		mix, err := theory.NewMixture(sp.Weights, sp.Centroids, sp.Sigma)
		if err != nil {
			t.Fatal(err)
		}
		name := "Q_inf"
		var e numerics.Estimate
		if *sp.L == 0 {
			e, err = numerics.QuantInf(mix, *sp.Lambda)
		} else {
			name = fmt.Sprintf("Q_L (L=%d)", *sp.L)
			e, err = numerics.QuantMC(mix, *sp.Lambda, *sp.L, sp.Samples, *sp.Seed)
		}
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, v := range x.Values {
			if v.Name == name {
				found = true
				if v.Value != e.Value || v.Err != e.Err {
					t.Errorf("%s: spec gives %s = %v +- %v, result has %v +- %v", x.Check, name, e.Value, e.Err, v.Value, v.Err)
				}
			}
		}
		if !found {
			t.Errorf("%s: no value %q for the spec's evaluation", x.Check, name)
		}
	}
}

// TestC4Statement: the statement names every check (by the part of its ID
// after "C4.", as every statement does) and the hypothesis bounds, and has
// no formatting residue.
func TestC4Statement(t *testing.T) {
	s := C4{}.Statement()
	for _, want := range []string{"limit-improves", "sufficient-condition", "finite-L-converges", "finite-L-improves",
		"Delta >= 6", "lambda sigma^2\n< 1", "S1: lambda sigma^2 <= 0.5", "S2: lambda sigma ||mu*_k|| <= 0.5 sqrt(d)", "< 0.085 d",
		"lambda sigma^2 d > 6", "20, 100, 500", "0.028354", "level 99.865%"} {
		if !strings.Contains(s, want) {
			t.Errorf("statement lacks %q", want)
		}
	}
	if strings.Contains(s, "%!") {
		t.Errorf("statement has a formatting error: %s", s)
	}
	// prose shown to users names no code identifier
	for _, bad := range []string{"Env.", "numerics.", "Regime.", "QuantInf", "QuantMC", "LambdaSigma2", "THEORY"} {
		if strings.Contains(s, bad) {
			t.Errorf("statement mentions %q", bad)
		}
	}
	rg := C4{}.Ranges()
	if len(rg.Variants) != 1 || rg.Variants[0] != "distance" || rg.LamS2Min != 0.01 {
		t.Errorf("ranges %+v", rg)
	}
}

// TestC4HypothesesBoundary: just inside and just outside every a priori
// hypothesis of C4 (separation convention, necessary bound on lambda
// sigma^2, lambda > 0, a valid regime), and the provenance of each item.
func TestC4HypothesesBoundary(t *testing.T) {
	in := Regime{D: 4, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 8, Variant: "distance", LambdaSigma2: 0.3, Seed: 1}
	mod := func(f func(*Regime)) Regime { r := in; f(&r); return r }
	cases := []struct {
		name string
		r    Regime
		want bool
	}{
		{"reference", in, true},
		{"Delta = 6", mod(func(r *Regime) { r.Separation = 6 }), true},
		{"Delta = 5.999", mod(func(r *Regime) { r.Separation = 5.999 }), false},
		{"lambda sigma^2 = 0.999", mod(func(r *Regime) { r.LambdaSigma2 = 0.999 }), true},
		{"lambda sigma^2 = 1", mod(func(r *Regime) { r.LambdaSigma2 = 1 }), false},
		{"lambda sigma^2 = 1e-9", mod(func(r *Regime) { r.LambdaSigma2 = 1e-9 }), true},
		{"lambda sigma^2 = 0", mod(func(r *Regime) { r.LambdaSigma2 = 0 }), false},
		{"hardmax (lambda sigma^2 = 0)", mod(func(r *Regime) { r.Variant, r.LambdaSigma2 = "hardmax", 0 }), false},
		{"sigma = 0 (invalid)", mod(func(r *Regime) { r.Sigma = 0 }), false},
		{"pi1 = 0.999999", mod(func(r *Regime) { r.Pi1 = 0.999999 }), true},
		{"pi1 = 1 (invalid)", mod(func(r *Regime) { r.Pi1 = 1 }), false},
		{"d = 1 antipodal", mod(func(r *Regime) { r.D, r.Geometry = 1, Antipodal }), true},
		{"d = 1 orthogonal (invalid)", mod(func(r *Regime) { r.D = 1 }), false},
	}
	for _, c := range cases {
		if got := (C4{}).InHypotheses(c.r); got != c.want {
			t.Errorf("%s: InHypotheses = %v, want %v", c.name, got, c.want)
		}
	}
	prov := map[Provenance]int{}
	for _, h := range (C4{}).Hypotheses() {
		prov[h.Provenance]++
		if h.Text == "" || h.Ref == "" {
			t.Errorf("hypothesis without text or reference: %+v", h)
		}
	}
	if prov[FromPaper] != 2 || prov[Derived] != 2 || prov[Measured] != 2 {
		t.Errorf("provenance counts %v, want 2 paper, 2 derived, 2 measured", prov)
	}
}

// TestC4TiltLowerBound checks the derived necessary condition on random
// regimes of the full ranges: Q_inf >= (lambda sigma^2)^2 d sigma^2 up to
// Q_inf's certified error and the rounding of the product (4 eps).
func TestC4TiltLowerBound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rg := C4{}.Ranges()
		rg.LamS2Max = 3
		r := rg.Generator().Draw(t, "regime")
		mix, err := r.Mixture()
		if err != nil {
			t.Fatal(err)
		}
		q, err := numerics.QuantInf(mix, r.Lambda())
		if err != nil {
			t.Fatal(err)
		}
		lb := r.LambdaSigma2 * r.LambdaSigma2 * float64(r.D) * r.Sigma * r.Sigma
		if q.Value < lb*(1-4*epsilon)-q.Err {
			t.Fatalf("Q_inf = %.10g +- %.2g below (lambda sigma^2)^2 d sigma^2 = %.10g on %v", q.Value, q.Err, lb, r)
		}
	})
}
