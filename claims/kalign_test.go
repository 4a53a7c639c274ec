package claims

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"attnclust/theory"
)

// c8Fixed are C7's fixed in-hypothesis regimes (K = 3 and 4, hardmax and
// distance); short mode drops the three-head distance regime, whose
// theta^ costs C7's planar softmax quadrature (about a second).
func c8Fixed(short bool) []Regime {
	rs := c7Fixed()
	if short {
		return []Regime{rs[0], rs[2], rs[3]}
	}
	return rs
}

// c8ByCheck indexes results by check identifier.
func c8ByCheck(t *testing.T, res []Result) map[string]Result {
	t.Helper()
	m := map[string]Result{}
	for _, x := range res {
		if _, dup := m[x.Check]; dup {
			t.Errorf("check %s reported twice", x.Check)
		}
		m[x.Check] = x
	}
	return m
}

// TestC8Holds: inside the hypotheses both claim checks HOLD, and the
// three checks are reported with the roles the statement gives and kind
// estimated without a level (theta^'s location error is an estimate), for
// every K and rule.
func TestC8Holds(t *testing.T) {
	for _, r := range c8Fixed(testing.Short()) {
		if !(C8{}).InHypotheses(r) {
			t.Fatalf("%v: outside the hypotheses", r)
		}
		got := c8ByCheck(t, C8{}.Check(Env{Quick: true}, r))
		wantKind, wantLevel := KindEstimated, 0.0
		for _, tc := range []struct {
			check string
			role  Role
		}{
			{C8Alignment, RoleClaim},
			{C8AlignmentOneHead, RoleClaim},
			{C8AlignmentPerHead, RoleMap},
		} {
			x, ok := got[tc.check]
			if !ok {
				t.Errorf("%s: no %s result", r.Name, tc.check)
				continue
			}
			if x.Role != tc.role || x.Kind != wantKind || x.Level != wantLevel || x.narrow != (tc.role == RoleMap) {
				t.Errorf("%s: %s role %s kind %s level %v narrow %v, want %s %s %v", r.Name, tc.check, x.Role, x.Kind, x.Level, x.narrow, tc.role, wantKind, wantLevel)
			}
			if tc.role == RoleClaim && x.Verdict != Holds {
				t.Errorf("%s: %s %v margin %.3g err %.3g %s", r.Name, tc.check, x.Verdict, x.Margin, x.Err, x.Note)
			}
			if x.Spec == "" {
				t.Errorf("%s: %s without a spec", r.Name, tc.check)
			}
		}
	}
}

// TestC8Planted: planted bugs make the claim checks FAIL on
// in-hypothesis regimes where the unplanted checks HOLD. A sign flip of
// head 2's gradient in C8's own evaluations makes the one-head check FAIL
// with a cosine near -1 on head 2 (its gradient points toward its
// minimizer). A sign flip of every head's gradient turns each joint cosine
// into its negative, so the joint check FAILS wherever it HOLDS unplanted
// (same error figures). One flipped head of three hardmax heads already
// makes the joint check FAIL at a sampled point (head 3: cosine -0.36 in
// the quick run; with four heads the other heads' terms keep the joint
// cosine positive). The same flip in the shared evaluation (C7's planted
// bug) sends C7's descent away, and C8 then says INCONCLUSIVE (no
// minimizer to align with), never HOLDS.
func TestC8Planted(t *testing.T) {
	const skip = Verdict(-1) // any verdict
	rs := c8Fixed(true)
	type row struct {
		name          string
		claim         C8
		joint, one    Verdict
		regimes       []Regime
		flippedHead   int // the one-head check's worst head, 0 for any
		nearMinusOneH bool
	}
	for _, tc := range []row{
		{"no bug", C8{}, Holds, Holds, rs, 0, false},
		{"flip head 2 in C8's evaluations", C8{alignFlip: 2}, skip, Fails, rs, 2, true},
		{"flip head 3 of three hardmax heads", C8{alignFlip: 3}, Fails, Fails, rs[:1], 3, true},
		{"flip every head in C8's evaluations", C8{alignAll: true}, Fails, Fails, rs, 0, true},
		{"flip in the shared evaluation", C8{plant: c7Plant{flipHead: 2}}, Inconclusive, Inconclusive, rs, 0, false},
	} {
		for _, r := range tc.regimes {
			got := c8ByCheck(t, tc.claim.Check(Env{Quick: true}, r))
			a, x := got[C8Alignment], got[C8AlignmentOneHead]
			if tc.joint != skip && a.Verdict != tc.joint {
				t.Errorf("%s, %s: joint %v (margin %.3g err %.3g %s), want %v", r.Name, tc.name, a.Verdict, a.Margin, a.Err, a.Note, tc.joint)
			}
			if x.Verdict != tc.one {
				t.Errorf("%s, %s: one-head %v (margin %.3g err %.3g %s), want %v", r.Name, tc.name, x.Verdict, x.Margin, x.Err, x.Note, tc.one)
			}
			// A flipped head's own cosine is minus its unflipped cosine,
			// which is above 0.99 on these regimes (TestC8Holds margins);
			// -0.9 leaves room for the error figure.
			if tc.nearMinusOneH && !(x.Margin < -0.9) {
				t.Errorf("%s, %s: one-head cosine %.3g, want near -1", r.Name, tc.name, x.Margin)
			}
			if tc.flippedHead > 0 && len(x.Values) > 1 && x.Values[1].Value != float64(tc.flippedHead) {
				t.Errorf("%s, %s: worst head %v, want the flipped head %d", r.Name, tc.name, x.Values[1].Value, tc.flippedHead)
			}
		}
	}
}

// TestC8FlipOnce: C7's planted flip and C8's flip on the same head flip
// that head's gradient once (they used to cancel silently), and the other
// heads are untouched; flipping every head flips each once.
func TestC8FlipOnce(t *testing.T) {
	r := c7Fixed()[0] // three hardmax heads: the planar rule is deterministic
	mix, err := r.Mixture()
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.Layer()
	if err != nil {
		t.Fatal(err)
	}
	plain, err := newC7Evaluator(mix, l, c7Plant{}, true, 1)
	if err != nil {
		t.Fatal(err)
	}
	planted, err := newC7Evaluator(mix, l, c7Plant{flipHead: 2}, true, 1)
	if err != nil {
		t.Fatal(err)
	}
	heads := c7Start(mix, 5)
	ref, _, err := newC8Grader(plain, 0, false).eval(heads)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		g    c8Grader
		sign []float64
	}{
		{"C7's flip and C8's flip on head 2", newC8Grader(planted, 2, false), []float64{1, -1, 1}},
		{"C7's flip on head 2 and every head flipped", newC8Grader(planted, 0, true), []float64{-1, -1, -1}},
	} {
		got, _, err := tc.g.eval(heads)
		if err != nil {
			t.Fatal(err)
		}
		for h := range got {
			want := append([]float64(nil), ref[h]...)
			theory.Scale(tc.sign[h], want)
			// The same deterministic rule at the same heads: exact.
			if diff := cmp.Diff(want, got[h]); diff != "" {
				t.Errorf("%s: head %d (-want +got):\n%s", tc.name, h+1, diff)
			}
		}
	}
}

// c8FakeRun is a theta^ at the centroids of r with location error loc,
// for tests of the checks' arithmetic with a fake gradient.
func c8FakeRun(t *testing.T, r Regime, loc float64) kRun {
	t.Helper()
	mix, err := r.Mixture()
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.Layer()
	if err != nil {
		t.Fatal(err)
	}
	return kRun{mix: mix, layer: l, heads: theory.Clone(mix.Centroids), loc: loc}
}

// TestC8Widening: with a fake gradient exactly aligned (g = 2 (theta -
// theta^)) and the same error figure e0 on every row, the head-by-head
// map's error is the one of a family of n K rows (n points, K heads):
// 2 t-factor(n K) e0 / min ||g_h||, and the joint check's that of n
// stacked gradients: 2 t-factor(n) sqrt(K) e0 / min ||g||. With the rows
// widened for n only (as before), the map's error is 1.2 times smaller.
func TestC8Widening(t *testing.T) {
	r := c7Fixed()[0]
	run := c8FakeRun(t, r, 0)
	K := len(run.heads)
	const n, e0 = 4, 1e-3
	pts := c8BallPoints(run.mix, 0.5, c8UnitBalls(rand.New(rand.NewPCG(1, 2)), run.mix.Dim(), K, n))
	g := c8Grader{
		eval: func(th [][]float64) ([][]float64, []float64, error) {
			gr := make([][]float64, K)
			errs := make([]float64, K)
			for h := range K {
				gr[h] = c2Sub(th[h], run.heads[h])
				theory.Scale(2, gr[h])
				errs[h] = e0
			}
			return gr, errs, nil
		},
		widen: func(m int) float64 { return c8Bonferroni(8, m) },
	}
	minRow, minAll := math.Inf(1), math.Inf(1)
	for _, p := range pts {
		s := 0.0
		for h := range K {
			d := 2 * theory.Dist(p[h], run.heads[h])
			minRow, s = math.Min(minRow, d), s+d*d
		}
		minAll = math.Min(minAll, math.Sqrt(s))
	}
	got := c8ByCheck(t, C8{}.joint(g, r, run, pts, nil))
	for _, tc := range []struct {
		check string
		want  float64
	}{
		{C8AlignmentPerHead, 2 * c8Bonferroni(8, n*K) * e0 / minRow},
		{C8Alignment, 2 * c8Bonferroni(8, n) * math.Sqrt(float64(K)) * e0 / minAll},
	} {
		x := got[tc.check]
		// The cosines are 1 up to rounding, and the error figure carries a
		// rounding term of (2 d K + 8) eps: both below 1e-13 against
		// figures near 1e-3, so 1e-9 relative is generous.
		if x.Verdict != Holds || math.Abs(x.Err-tc.want) > 1e-9*tc.want {
			t.Errorf("%s: %v err %.6g, want HOLDS with err %.6g", tc.check, x.Verdict, x.Err, tc.want)
		}
	}
}

// TestC8Violation: one point of undetermined sign (a zero gradient) no
// longer hides a certified violation at another point: the check FAILS
// with the violating point's cosine (C2's minimum rule alone gives an
// infinite error, INCONCLUSIVE). Without a violation it stays
// INCONCLUSIVE; table rows on the aggregate itself cover a violation
// masked by another point's large but finite error.
func TestC8Violation(t *testing.T) {
	type item struct{ c, e float64 }
	for _, tc := range []struct {
		name     string
		items    []item
		old, new Verdict
		margin   float64
	}{
		{"undetermined point and a violation", []item{{0, math.Inf(1)}, {-1, 0.01}}, Inconclusive, Fails, -1},
		{"loose point and a violation", []item{{-0.5, 0.4}, {0.1, 1.5}}, Inconclusive, Fails, -0.5},
		{"undetermined point, no violation", []item{{0, math.Inf(1)}, {0.9, 0.01}}, Inconclusive, Inconclusive, 0},
		{"every point positive", []item{{0.5, 0.1}, {0.9, 0.01}}, Holds, Holds, 0.5},
		{"violation that C2's rule already shows", []item{{-0.9, 0.1}, {0.9, 0.01}}, Fails, Fails, -0.9},
	} {
		a := c8NewAgg()
		for i, x := range tc.items {
			a.add(x.c, x.e, i)
		}
		if got := Decide(a.min, a.err()); got != tc.old {
			t.Errorf("%s: C2's rule %v, want %v", tc.name, got, tc.old)
		}
		m, e, _, _ := a.decision()
		if got := Decide(m, e); got != tc.new || (got != Inconclusive && m != tc.margin) {
			t.Errorf("%s: %v margin %v, want %v margin %v", tc.name, got, m, tc.new, tc.margin)
		}
	}
	// Through the joint check: point 0 has a zero gradient, point 1 a
	// gradient pointing toward theta^.
	r := c7Fixed()[0]
	run := c8FakeRun(t, r, 1e-6)
	K := len(run.heads)
	pts := c8BallPoints(run.mix, 0.5, c8UnitBalls(rand.New(rand.NewPCG(1, 2)), run.mix.Dim(), K, 2))
	// 0 at point 0, -v at point 1
	g := c8PlantedGrader(run, func(call, _ int) float64 { return -float64(call) })
	got := c8ByCheck(t, C8{}.joint(g, r, run, pts, nil))
	for _, ch := range []string{C8Alignment, C8AlignmentPerHead} {
		// cos = -1 up to rounding; its error is below 1e-2 here.
		if x := got[ch]; x.Verdict != Fails || !(x.Margin < -0.99) {
			t.Errorf("%s: %v margin %.3g err %.3g %s, want FAILS near -1", ch, x.Verdict, x.Margin, x.Err, x.Note)
		}
	}
}

// TestC8Hypotheses: C8's regimes and hypotheses are C7's (delegated),
// checked on regimes just inside and just outside each of C7's
// hypotheses; its own items follow C7's, with provenance.
func TestC8Hypotheses(t *testing.T) {
	base := Regime{K: 3, D: 2, Sigma: 1, Pi1: 0.3, Geometry: Simplex, Separation: 6.01, Variant: "hardmax", Seed: 1}
	for _, tc := range []struct {
		name string
		mod  func(*Regime)
		want bool
	}{
		{"just inside the separation", func(r *Regime) {}, true},
		{"just outside the separation", func(r *Regime) { r.Separation = 5.99 }, false},
		{"K = 2", func(r *Regime) { r.K, r.Geometry = 0, Orthogonal }, false},
		{"K = 5", func(r *Regime) { r.K, r.D = 5, 4 }, true},
		{"distance, resolution just met", func(r *Regime) { r.Variant, r.LambdaSigma2 = "distance", 13.3/(6.01*6.01) }, true},
		{"distance, resolution just missed", func(r *Regime) { r.Variant, r.LambdaSigma2 = "distance", 13.1/(6.01*6.01) }, false},
		{"dot variant", func(r *Regime) { r.Variant, r.LambdaSigma2 = "dot", 5 }, false},
		{"close pair just inside", func(r *Regime) { r.Geometry, r.Separation, r.NormRatio = ClosePair, 8, 0.76 }, true},
		{"close pair just outside", func(r *Regime) { r.Geometry, r.Separation, r.NormRatio = ClosePair, 8, 0.74 }, false},
	} {
		r := base
		tc.mod(&r)
		if got, c7 := (C8{}).InHypotheses(r), (C7{}).InHypotheses(r); got != tc.want || got != c7 {
			t.Errorf("%s: C8 %v, C7 %v, want %v", tc.name, got, c7, tc.want)
		}
	}
	if diff := cmp.Diff(C7{}.Ranges(), C8{}.Ranges()); diff != "" {
		t.Errorf("ranges differ from C7's (-C7 +C8):\n%s", diff)
	}
	h7, h8 := C7{}.Hypotheses(), C8{}.Hypotheses()
	if len(h8) <= len(h7) {
		t.Fatalf("%d hypotheses, want C7's %d plus C8's own", len(h8), len(h7))
	}
	if diff := cmp.Diff(h7, h8[:len(h7)]); diff != "" {
		t.Errorf("C7's hypotheses not first (-C7 +C8):\n%s", diff)
	}
	// C8's own items: the admissible set (derived) and what was measured;
	// that theta^ comes from C7 is the setting, not a hypothesis.
	if own := h8[len(h7):]; len(own) != 2 || own[0].Provenance != Derived || own[1].Provenance != Measured {
		t.Errorf("C8's own items %+v, want the admissible set (derived) and the measured item", own)
	}
	for _, h := range h8 {
		if strings.Contains(h.Text, "not a hypothesis") {
			t.Errorf("item %q says it is not a hypothesis", h.Text)
		}
		if h.Text == "" || h.Ref == "" || (h.Provenance != FromPaper && h.Provenance != Derived && h.Provenance != Measured) {
			t.Errorf("hypothesis %+v", h)
		}
	}
	if c, err := ByID("C8"); err != nil || c.ID() != "C8" {
		t.Errorf("ByID(C8) = %v, %v", c, err)
	}
	if ThresholdSlices(C8{}, false) != nil {
		t.Error("C8 has threshold slices; its regimes are not two-component slices")
	}
}

// TestC8NotApplicable: two-component regimes give no results (as C7).
func TestC8NotApplicable(t *testing.T) {
	r := Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 6, Variant: "hardmax", Seed: 1}
	if res := (C8{}).Check(Env{Quick: true}, r); res != nil {
		t.Errorf("K = 2: %d results, want none", len(res))
	}
}

// TestC8Escaped: a regime where C7's descent leaves a component gives
// INCONCLUSIVE on every check, with the reason. C7's planted head flip is
// the cheapest such descent.
func TestC8Escaped(t *testing.T) {
	res := C8{plant: c7Plant{flipHead: 1}}.Check(Env{Quick: true}, c7Fixed()[0])
	if len(res) != 3 {
		t.Fatalf("%d results, want 3", len(res))
	}
	for _, x := range res {
		if x.Verdict != Inconclusive || x.Role == "" || x.Kind == "" {
			t.Errorf("%s: %v role %q kind %q, want INCONCLUSIVE with role and kind", x.Check, x.Verdict, x.Role, x.Kind)
		}
		if x.Note == "" {
			t.Errorf("%s: no reason given", x.Check)
		}
	}
}

// TestC8UnitBalls: the sampled points lie in the unit balls (property),
// with the requested shape.
func TestC8UnitBalls(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 6).Draw(t, "d")
		K := rapid.IntRange(1, 5).Draw(t, "k")
		n := rapid.IntRange(1, 4).Draw(t, "n")
		seed := rapid.Uint64().Draw(t, "seed")
		pts := c8UnitBalls(rand.New(rand.NewPCG(seed, 1)), d, K, n)
		if len(pts) != n {
			t.Fatalf("%d points, want %d", len(pts), n)
		}
		for _, p := range pts {
			if len(p) != K {
				t.Fatalf("%d heads, want %d", len(p), K)
			}
			for _, u := range p {
				// U^(1/d) <= 1 times a unit vector: the norm is at most 1
				// up to the rounding of a normalization (a few ulps).
				if len(u) != d || !(theory.Norm(u) <= 1+1e-15) {
					t.Fatalf("point %v (norm %v) outside the unit ball of R^%d", u, theory.Norm(u), d)
				}
			}
		}
	})
}

// TestC8Bonferroni: the widening factor is t_7(1 - 0.005/n) / t_7(0.995),
// checked against Student t table values with 7 degrees of freedom
// (3.4995 at 0.995, 5.4079 at 0.9995), and it grows with n.
func TestC8Bonferroni(t *testing.T) {
	if got := c8Bonferroni(8, 1); got != 1 {
		t.Errorf("n = 1: %v, want 1", got)
	}
	// The table values have 4 decimals: 1e-4 relative on each.
	if got, want := c8Bonferroni(8, 10), 5.4079/3.4995; math.Abs(got-want) > 2e-4*want {
		t.Errorf("n = 10: %v, want %v", got, want)
	}
	prev := 1.0
	for _, n := range []int{2, 5, 20, 50} {
		f := c8Bonferroni(8, n)
		if !(f > prev) {
			t.Errorf("n = %d: factor %v not above %v", n, f, prev)
		}
		prev = f
	}
}

// TestC8DeltaMin: the radius's delta_min, half of minPairDist in token
// units, is half the smallest pairwise distance of the mixture's
// centroids (the regime's coordinates and the mixture's embedding agree).
func TestC8DeltaMin(t *testing.T) {
	r := Regime{K: 4, D: 3, Sigma: 0.5, Pi1: 0.25, Geometry: ClosePair, NormRatio: 0.8, Separation: 8, Variant: "hardmax", Seed: 3}
	mix, err := r.Mixture()
	if err != nil {
		t.Fatal(err)
	}
	// The close pair is the smallest pair: 0.8 x 8 x 0.5 = 3.2, half 1.6;
	// 1e-12 relative covers the construction's rounding.
	if got := minPairDist(r) * r.Sigma / 2; math.Abs(got-1.6) > 1e-12 {
		t.Errorf("half gap %v, want 1.6", got)
	}
	if got := theory.Dist(mix.Centroids[0], mix.Centroids[1]) / 2; math.Abs(got-1.6) > 1e-12 {
		t.Errorf("mixture's close pair at half distance %v, want 1.6", got)
	}
}

// TestC8BallPoints: the sampled points of the checks lie in A(0.9): every
// head within 0.9 delta_min of its centroid, hence (0.9 < 1) nearer to
// its own centroid than to any other.
func TestC8BallPoints(t *testing.T) {
	for _, r := range c7Fixed() {
		mix, err := r.Mixture()
		if err != nil {
			t.Fatal(err)
		}
		rad := c8Radius * minPairDist(r) * r.Sigma / 2
		rng := rand.New(rand.NewPCG(r.Seed, 2))
		for i, p := range c8BallPoints(mix, rad, c8UnitBalls(rng, mix.Dim(), mix.K(), 50)) {
			for h, mu := range p {
				// 1e-12 relative: the rounding of one scaled addition.
				if d := theory.Dist(mu, mix.Centroids[h]); d > rad*(1+1e-12) {
					t.Errorf("%s: point %d head %d at %.6g from its centroid, radius %.6g", r.Name, i, h+1, d, rad)
				}
				for j, c := range mix.Centroids {
					if j != h && !(theory.Dist(mu, c) > theory.Dist(mu, mix.Centroids[h])) {
						t.Errorf("%s: point %d head %d not in its centroid's Voronoi cell", r.Name, i, h+1)
					}
				}
			}
		}
	}
}

// TestC8Property: regimes from the conditional generator are inside the
// hypotheses and no claim check FAILS there. Two draws (each costs up to
// a second: C7's descent and 6 to 8 gradient evaluations in the quick
// run); longer sweeps through the command's sampling.
func TestC8Property(t *testing.T) {
	n := 2
	if testing.Short() {
		n = 1
	}
	g := C8{}.InHypothesesGenerator()
	for i := range n {
		r := g.Example(i + 200)
		if !(C8{}).InHypotheses(r) {
			t.Errorf("generator drew %v outside the hypotheses", r)
			continue
		}
		for _, x := range (C8{}).Check(Env{Quick: true}, r) {
			if x.Verdict == Fails && !x.narrow {
				t.Errorf("%v: %s FAILS: margin %.3g err %.3g %s\nspec: %s", r, x.Check, x.Margin, x.Err, x.Note, x.Spec)
			}
		}
	}
}

// c8PlantedGrader returns a grader whose gradient at its call-th
// evaluation (from 0) is, for each head h, scale(call, h) times the head's
// offset from run's minimizer (positive: pointing away from theta^), with
// row error figures of 1e-3 that need no widening.
func c8PlantedGrader(run kRun, scale func(call, h int) float64) c8Grader {
	calls := 0
	return c8Grader{
		eval: func(th [][]float64) ([][]float64, []float64, error) {
			gr := make([][]float64, len(run.heads))
			errs := make([]float64, len(run.heads))
			for h := range run.heads {
				gr[h] = c2Sub(th[h], run.heads[h])
				theory.Scale(scale(calls, h), gr[h])
				errs[h] = 1e-3
			}
			calls++
			return gr, errs, nil
		},
		widen: func(int) float64 { return 1 },
	}
}
