package claims

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// fakeClaim is a cheap claim whose regime-level verdict is known exactly:
// its one claim-role check has margin Delta - threshold and error 0.01
// (INCONCLUSIVE within 0.01 of the threshold), except that it FAILS on
// the separations in [holeLo, holeHi) when that interval is not empty,
// and is INCONCLUSIVE everywhere when fog is set. Its hypotheses are
// Delta >= 6.
type fakeClaim struct {
	threshold      float64
	holeLo, holeHi float64
	fog            bool
	below          bool // holds below the threshold instead of above
	// fogLo, fogHi: INCONCLUSIVE on separations in [fogLo, fogHi)
	fogLo, fogHi float64
}

func (fakeClaim) ID() string               { return "FAKE" }
func (fakeClaim) Title() string            { return "fake" }
func (fakeClaim) Statement() string        { return "fake" }
func (fakeClaim) Ranges() Ranges           { return FullRanges() }
func (fakeClaim) Hypotheses() []Hypothesis { return nil }
func (fakeClaim) InHypotheses(r Regime) bool {
	return r.Validate() == nil && r.Separation >= 6
}
func (c fakeClaim) InHypothesesGenerator() *rapid.Generator[Regime] {
	return rapid.Map(c.Ranges().Generator(), func(r Regime) Regime { r.Separation = 6 + r.Separation/2; return r })
}
func (c fakeClaim) Check(_ Env, r Regime) []Result {
	m := r.Separation - c.threshold
	if c.below {
		m = -m
	}
	if r.Separation >= c.holeLo && r.Separation < c.holeHi {
		m = -1
	}
	e := 0.01
	if c.fog || (r.Separation >= c.fogLo && r.Separation < c.fogHi) {
		e = 1e9
	}
	res := result("FAKE", "FAKE.x", r, m, e, "Delta")
	res.Role, res.Kind = RoleClaim, KindCertified
	mp := result("FAKE", "FAKE.map", r, -1, 0, "Delta") // a map FAILS never counts
	mp.Role, mp.Kind = RoleMap, KindCertified
	return []Result{res, mp}
}

// TestMeasureThresholdsFake: on the fake claim the bracket contains the
// exact threshold, has width <= ThresholdWidth, and both ends are
// certified (re-checked); a FAILS hole above the threshold is reported as
// non-monotone; the output does not depend on workers.
func TestMeasureThresholdsFake(t *testing.T) {
	slice := Regime{Name: "s", D: 2, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Variant: "distance", LambdaSigma2: 1}
	for _, thr := range []float64{1.7, 5.3, 6, 13.99} {
		c := fakeClaim{threshold: thr}
		below := fakeClaim{threshold: thr, below: true}
		tb := MeasureThresholds(Env{}, below, []Regime{slice}, 1, nil)[0]
		if tb.Status != StatusBracketed || tb.Direction != HoldsBelow || !(tb.Lo < thr && thr < tb.Hi) || tb.Hi-tb.Lo > ThresholdWidth {
			t.Errorf("threshold %v from below: got %+v", thr, tb)
		}
		th := MeasureThresholds(Env{}, c, []Regime{slice}, 1, nil)[0]
		if th.Status != StatusBracketed || !(th.Lo < thr && thr < th.Hi) || th.Hi-th.Lo > ThresholdWidth {
			t.Errorf("threshold %v: got %+v", thr, th)
		}
		if v := RegimeOutcome(c.Check(Env{}, AtSeparation(slice, th.Hi))); v != Holds {
			t.Errorf("threshold %v: %v at Hi = %v", thr, v, th.Hi)
		}
		if v := RegimeOutcome(c.Check(Env{}, AtSeparation(slice, th.Lo))); v != Fails {
			t.Errorf("threshold %v: %v at Lo = %v", thr, v, th.Lo)
		}
		if len(th.NonMonotone) != 0 || th.Evaluations > 2+10+thresholdMonotone+2*thresholdRetries {
			t.Errorf("threshold %v: non-monotone %v, %d evaluations", thr, th.NonMonotone, th.Evaluations)
		}
	}
	// A FAILS hole [10, 11) above the threshold 5.3: the monotonicity grid
	// Hi + (16 - Hi) k / 6 has a point at about 10.6 in it.
	hole := MeasureThresholds(Env{}, fakeClaim{threshold: 5.3, holeLo: 10, holeHi: 11}, []Regime{slice}, 1, nil)[0]
	if len(hole.NonMonotone) != 1 || hole.NonMonotone[0] < 10 || hole.NonMonotone[0] >= 11 || hole.Note == "" {
		t.Errorf("hole not reported: %+v", hole)
	}
	// An INCONCLUSIVE band from the first midpoint (1 + 16)/2 = 8.5 past the
	// first retry above it (8.5 + 15/8):
	// the second retry, below, is conclusive and the bracket is found.
	fogged := MeasureThresholds(Env{}, fakeClaim{threshold: 5.3, fogLo: 8.4, fogHi: 10.5}, []Regime{slice}, 1, nil)[0]
	if fogged.Status != StatusBracketed || !(fogged.Lo < 5.3 && 5.3 < fogged.Hi) {
		t.Errorf("inconclusive band at the midpoint: got %+v", fogged)
	}
	cases := []struct {
		c    fakeClaim
		want string
	}{
		{fakeClaim{threshold: 0.1}, StatusHoldsThroughout},
		{fakeClaim{threshold: 40}, StatusFailsThroughout},
		{fakeClaim{threshold: 5, fog: true}, StatusInconclusive},
	}
	for _, c := range cases {
		th := MeasureThresholds(Env{}, c.c, []Regime{slice}, 1, nil)[0]
		if th.Status != c.want || (c.want == StatusInconclusive && th.Note == "") {
			t.Errorf("%+v: got %+v, want status %s", c.c, th, c.want)
		}
	}
	// Workers do not change the output.
	var slices []Regime
	for i := range 5 {
		s := slice
		s.Name = fmt.Sprint(i)
		s.Pi1 = 0.3 + 0.1*float64(i)
		slices = append(slices, s)
	}
	c := fakeClaim{threshold: 4.4, holeLo: 9, holeHi: 12}
	if d := cmp.Diff(MeasureThresholds(Env{}, c, slices, 1, nil), MeasureThresholds(Env{}, c, slices, 3, nil)); d != "" {
		t.Errorf("workers change the output:\n%s", d)
	}
}

// TestMeasureThresholdsReal measures C4's threshold on its small-angle
// slice with the default ladder (the quick ladder leaves the finite-L
// check INCONCLUSIVE near the threshold; about 1 s) and re-checks both
// ends of the bracket with independent runs of the claim.
func TestMeasureThresholdsReal(t *testing.T) {
	env := Env{}
	var slices []Regime
	for _, s := range ThresholdSlices(C4{}, true) {
		if s.Geometry == Angle {
			slices = append(slices, s) // small angle: the pull toward the origin bounds Delta from above
		}
	}
	if len(slices) == 0 {
		t.Fatal("no quick small-angle slice for C4")
	}
	th := MeasureThresholds(env, C4{}, slices[:1], 0, nil)[0]
	if th.Status != StatusBracketed || th.Hi-th.Lo > ThresholdWidth {
		t.Fatalf("C4 on %s: %+v", slices[0].Name, th)
	}
	holdsAt, failsAt := th.Hi, th.Lo
	if th.Direction == HoldsBelow {
		holdsAt, failsAt = th.Lo, th.Hi
	}
	if v := RegimeOutcome(C4{}.Check(env, AtSeparation(slices[0], holdsAt))); v != Holds {
		t.Errorf("%v at the holding end %v", v, holdsAt)
	}
	if v := RegimeOutcome(C4{}.Check(env, AtSeparation(slices[0], failsAt))); v != Fails {
		t.Errorf("%v at the failing end %v", v, failsAt)
	}
	t.Logf("C4 threshold on %s: (%.4g, %.4g), %d evaluations, non-monotone %v", slices[0].Name, th.Lo, th.Hi, th.Evaluations, th.NonMonotone)
}

// TestThresholdSlices: every slice is a valid regime (at any separation),
// names are unique, quick is a subset in size, C0 has none, and the
// default set covers the three variants, unequal weights and the
// small-angle dot case.
func TestThresholdSlices(t *testing.T) {
	if len(ThresholdSlices(C0{}, false)) != 0 {
		t.Error("C0 has no claim-role check and must have no slice")
	}
	for _, c := range []Claim{C1{}, C2{}, C3{}, C4{}} {
		full, quick := ThresholdSlices(c, false), ThresholdSlices(c, true)
		if len(quick) == 0 || len(quick) >= len(full) {
			t.Errorf("%s: %d quick vs %d default slices", c.ID(), len(quick), len(full))
		}
		seen := map[string]bool{}
		variants := map[string]bool{}
		var unequalW, smallAngleDot bool
		for _, s := range full {
			if seen[s.Name] {
				t.Errorf("%s: duplicate slice %s", c.ID(), s.Name)
			}
			seen[s.Name] = true
			if err := AtSeparation(s, 6).Validate(); err != nil {
				t.Errorf("%s: slice %s: %v", c.ID(), s.Name, err)
			}
			variants[s.Variant] = true
			unequalW = unequalW || s.Pi1 != 0.5
			smallAngleDot = smallAngleDot || (s.Variant == "dot" && s.Geometry == Angle && s.Angle < math.Pi/4)
		}
		if c.ID() != "C4" && (len(variants) != 3 || !unequalW || !smallAngleDot) {
			t.Errorf("%s: default slices miss a variant, unequal weights or small-angle dot", c.ID())
		}
	}
}

// TestKThresholdSlices: C7's slices are valid K-component regimes for
// K = 3, 4 and 5 (each K once at least), distinct, inside C7's ranges
// of K, with a quick subset.
func TestKThresholdSlices(t *testing.T) {
	full, quick := ThresholdSlices(C7{}, false), ThresholdSlices(C7{}, true)
	if len(quick) == 0 || len(quick) >= len(full) {
		t.Errorf("C7: %d quick vs %d default slices", len(quick), len(full))
	}
	ks := map[int]bool{}
	seen := map[string]bool{}
	for _, s := range append(full, quick...) {
		if err := AtSeparation(s, 3).Validate(); err != nil {
			t.Errorf("slice %s: %v", s.Name, err)
		}
		if !Applies(C7{}, s) {
			t.Errorf("slice %s: C7 does not apply to K = %d", s.Name, s.K)
		}
		ks[s.K] = true
	}
	for _, s := range full {
		if seen[s.Name] {
			t.Errorf("duplicate slice %s", s.Name)
		}
		seen[s.Name] = true
	}
	if !ks[3] || !ks[4] || !ks[5] {
		t.Errorf("slices cover K = %v, want 3, 4 and 5", ks)
	}
}

// TestC1ThresholdChecksExist: every check that decides C1's threshold is a
// check C1 reports (a renamed check would otherwise silently drop out of
// the threshold's definition).
func TestC1ThresholdChecksExist(t *testing.T) {
	r := loadCatalogT(t)["reference-hardmax"]
	got := map[string]bool{}
	for _, res := range (C1{}).Check(Env{Quick: true}, r) {
		got[res.Check] = true
		if res.Role != RoleClaim && slices.Contains(C1{}.ThresholdChecks(), res.Check) {
			t.Errorf("%s decides the threshold but has role %s", res.Check, res.Role)
		}
	}
	for _, id := range (C1{}).ThresholdChecks() {
		if !got[id] {
			t.Errorf("threshold check %s is not reported by C1 on %s", id, r.Name)
		}
	}
}
