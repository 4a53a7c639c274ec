package claims

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// The separation search of MeasureThresholds.
const (
	// ThresholdSepMin and ThresholdSepMax bound the bisection on Delta.
	// 1 is the lower end of the sampled ranges (the components overlap:
	// Bayes error Phi(-1/2) = 31%); 16 is 4/3 of their upper end 12, far
	// past the a priori convention Delta >= 6 (overlap Phi(-8) = 6e-16,
	// below the double-precision resolution of every risk), so a claim
	// that still fails there fails for a reason other than overlap.
	ThresholdSepMin = 1.0
	ThresholdSepMax = 16.0
	// ThresholdWidth is the final bracket width Hi - Lo (in Delta): finer
	// than the 3-significant-digit resolution of the sampled regimes
	// near the convention (6.00 +- 0.05), and 9 halvings of [1, 16].
	ThresholdWidth = 0.05
	// thresholdMonotone is the number of separations above Hi, evenly
	// spaced up to ThresholdSepMax, at which monotonicity is checked.
	thresholdMonotone = 6
	// thresholdRetries is how many alternative separations are tried when
	// a probe is INCONCLUSIVE (at an end or in the middle) before the
	// slice is declared inconclusive.
	thresholdRetries = 3
)

// Threshold directions: on which side of the bracket the claim holds.
const (
	// HoldsAbove: FAILS at Lo, HOLDS at Hi (a lower bound on the
	// separation, the usual case).
	HoldsAbove = "holds-above"
	// HoldsBelow: HOLDS at Lo, FAILS at Hi (an upper bound: for example
	// the in-context layer's pull toward the origin grows with the
	// centroids' norms, hence with Delta at fixed geometry).
	HoldsBelow = "holds-below"
)

// Threshold statuses.
const (
	StatusBracketed       = "bracketed"
	StatusHoldsThroughout = "holds-throughout"
	StatusFailsThroughout = "fails-throughout"
	StatusInconclusive    = "inconclusive"
)

// ThresholdSlices returns the slices (every regime parameter but the
// separation) on which MeasureThresholds measures claim c's separation
// threshold; quick selects a small set for CI.
//
// C0 (sanity checks, no claim-role check) has none. C4 ignores the
// variant, so its slices vary lambda sigma^2 (0.03, 0.1, 0.3, 0.6, 0.9
// and 1, where the derived necessary condition fails), then geometry and
// weights at lambda sigma^2 = 0.3 (0.1 for the small angle), all at d = 8
// (lambda sigma^2 d <= 7.2, near the measured self-term boundary 6); its
// thresholds are mostly upper bounds (direction "holds-below": the pull
// toward the origin grows with the centroids' norms). Every other claim
// (C1, C2, C3 and any later claim on the trained layer) gets, by default,
// the curves Delta*(lambda sigma^2) for lambda sigma^2 in {0.3, 1, 3, 10}
// for the dot and distance variants plus hardmax, on orthogonal centroids
// with equal weights, and one slice each for unequal weights (pi1 = 0.2),
// antipodal and unequal-norm centroids, and the dot variant at a small
// angle (0.5 rad) and at the right angle's neighbour (1.2 rad); quick
// keeps one distance, one hardmax and one small-angle dot slice.
// C7 (K > 2 components) gets K slices: regular simplices (Delta is then
// every pairwise distance) in d = K - 1 with equal weights, for K = 3, 4
// and 5 with the distance variant at lambda sigma^2 = 1 and for K = 3 and
// 5 with hardmax, plus K = 3 with pi1 = 0.1 (distance); quick keeps the
// two hardmax slices of K = 3 and 4 (about 0.1 s per probe). They measure
// where "heads at the centroids" stops holding as the separation shrinks,
// for each K. C8 (K-head alignment) has none by default: each of its
// probes costs C7's descent plus tens of gradient evaluations, and where
// C7's minimizer leaves the centroids C8 has nothing to align to; C9
// (K-head convergence) and C10 (K-head clustering) likewise rest on C7's
// minimizer. C0
// (sanity) and C6 have no slices:
// C6's verdicts are statistical, with
// sample sizes fixed for its own ladder of n, and one of its bisection
// steps trains the layer hundreds of times (measured: up to minutes per
// slice), so its separation threshold is not measured by default.
// Slice names are "<ID>|variant|geometry|pi1=..|ls2=..".
func ThresholdSlices(c Claim, quick bool) []Regime {
	id := c.ID()
	if id == "C0" || id == "C6" || id == "C8" || id == "C9" || id == "C10" {
		return nil
	}
	if id == "C7" {
		return kThresholdSlices(id, quick)
	}
	base := Regime{D: 4, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Variant: "distance", LambdaSigma2: 1, Seed: 11}
	var out []Regime
	add := func(f func(*Regime)) {
		r := base
		f(&r)
		if r.Hardmax() {
			r.LambdaSigma2 = 0
		}
		r.Name = sliceName(id, r)
		out = append(out, r)
	}
	if id == "C4" {
		base.D = 8
		if quick {
			add(func(r *Regime) { r.LambdaSigma2 = 0.1 })
			add(func(r *Regime) { r.LambdaSigma2, r.Geometry, r.Angle = 0.1, Angle, 0.5 })
			add(func(r *Regime) { r.LambdaSigma2, r.Pi1 = 0.3, 0.2 })
			return out
		}
		for _, a := range []float64{0.03, 0.1, 0.3, 0.6, 0.9, 1} {
			add(func(r *Regime) { r.LambdaSigma2 = a })
		}
		add(func(r *Regime) { r.LambdaSigma2, r.Geometry = 0.3, Antipodal })
		add(func(r *Regime) { r.LambdaSigma2, r.Pi1 = 0.3, 0.2 })
		add(func(r *Regime) { r.LambdaSigma2, r.Geometry, r.NormRatio = 0.3, Unequal, 0.5 })
		add(func(r *Regime) { r.LambdaSigma2, r.Geometry, r.Angle = 0.1, Angle, 0.5 })
		return out
	}
	if quick {
		add(func(r *Regime) {})
		add(func(r *Regime) { r.Variant = "hardmax" })
		add(func(r *Regime) { r.Variant, r.Geometry, r.Angle = "dot", Angle, 0.5 })
		return out
	}
	for _, v := range []string{"dot", "distance"} {
		for _, a := range []float64{0.3, 1, 3, 10} {
			add(func(r *Regime) { r.Variant, r.LambdaSigma2 = v, a })
		}
	}
	add(func(r *Regime) { r.Variant = "hardmax" })
	add(func(r *Regime) { r.Pi1 = 0.2 })
	add(func(r *Regime) { r.Variant, r.Pi1 = "hardmax", 0.2 })
	add(func(r *Regime) { r.Geometry = Antipodal })
	add(func(r *Regime) { r.Geometry, r.NormRatio = Unequal, 2 })
	add(func(r *Regime) { r.Variant, r.Geometry, r.Angle = "dot", Angle, 0.5 })
	add(func(r *Regime) { r.Variant, r.Geometry, r.Angle = "dot", Angle, 1.2 })
	return out
}

// kThresholdSlices returns C7's slices (see ThresholdSlices).
func kThresholdSlices(id string, quick bool) []Regime {
	simplex := func(k int, variant string, pi1 float64) Regime {
		r := Regime{K: k, D: k - 1, Sigma: 1, Pi1: pi1, Geometry: Simplex, Variant: variant, LambdaSigma2: 1, Seed: 11}
		if pi1 == 0 {
			r.Pi1 = 1 / float64(k) // equal weights
		}
		if r.Hardmax() {
			r.LambdaSigma2 = 0
		}
		r.Name = sliceName(id, r)
		return r
	}
	if quick {
		return []Regime{simplex(3, "hardmax", 0), simplex(4, "hardmax", 0)}
	}
	return []Regime{
		simplex(3, "distance", 0), simplex(4, "distance", 0), simplex(5, "distance", 0),
		simplex(3, "hardmax", 0), simplex(5, "hardmax", 0),
		simplex(3, "distance", 0.1),
	}
}

// sliceName names a slice "<ID>|variant|geometry|pi1=..|ls2=.." (with
// "|k=.." after the ID for K > 2 components).
func sliceName(id string, r Regime) string {
	g := string(r.Geometry)
	switch r.Geometry {
	case Angle:
		g = fmt.Sprintf("angle %.3g", r.Angle)
	case Unequal:
		g = fmt.Sprintf("unequal x%.3g", r.NormRatio)
	}
	ls := fmt.Sprintf("ls2=%.3g", r.LambdaSigma2)
	if r.Hardmax() {
		ls = "hardmax"
	}
	if r.K > 2 {
		id = fmt.Sprintf("%s|k=%d", id, r.K)
	}
	return fmt.Sprintf("%s|%s|%s|d=%d|pi1=%.3g|%s", id, r.Variant, g, r.D, r.Pi1, ls)
}

// AtSeparation returns slice s at separation delta, named
// "<slice name>@Delta=<delta>".
func AtSeparation(s Regime, delta float64) Regime {
	s.Separation = delta
	s.Name = fmt.Sprintf("%s@Delta=%.6g", s.Name, delta)
	return s
}

// MeasureThresholds measures, for each slice, the separation at which the
// regime-level verdict of claim c changes (see Threshold), with up to
// workers goroutines (0 means GOMAXPROCS); progress, if not nil, is called
// after each slice. The output is in slice order and does not depend on
// workers.
//
// Per slice: the regime-level verdict RegimeOutcome (HOLDS when every
// claim-role check HOLDS, FAILS when one FAILS) is computed at Delta =
// ThresholdSepMax and ThresholdSepMin; an INCONCLUSIVE end is extended
// outward (up to Delta = 31.25 above, down to 0.25 below). When one end
// HOLDS and the other FAILS, bisection keeps a certified HOLDS at one end
// of the bracket and a certified FAILS at the other until Hi - Lo <=
// ThresholdWidth; an INCONCLUSIVE probe is replaced by up to
// thresholdRetries nearby ones inside the bracket, after which the status
// is "inconclusive" and the Note says where. Finally the verdict is
// computed on a grid of thresholdMonotone + 1 separations across the
// holding side of the range, and every one that is not HOLDS is listed
// in NonMonotone (a finding, also spelled out in the Note).
// Cost: about 11 + thresholdMonotone claim checks per bracketed slice.
func MeasureThresholds(env Env, c Claim, slices []Regime, workers int, progress func(done, total int)) []Threshold {
	out := make([]Threshold, len(slices))
	parallelFor(len(slices), workers, func(i int) { out[i] = measureThreshold(env, c, slices[i]) }, progress)
	return out
}

// ThresholdChecker is implemented by a claim whose separation threshold is
// defined by a subset of its claim-role checks: the statements that hold
// or fail at one separation, as opposed to trends along a ladder of
// larger separations (such as "the gradient decays from Delta to
// Delta + 2"), whose quantities reach the rounding level at large Delta
// and are then INCONCLUSIVE by design, so that no bisection could certify
// the holding end.
type ThresholdChecker interface {
	// ThresholdChecks lists the check IDs that decide the threshold.
	ThresholdChecks() []string
}

// thresholdResults keeps the results that decide c's threshold: all of
// them, or those named by ThresholdChecks.
func thresholdResults(c Claim, res []Result) []Result {
	tc, ok := c.(ThresholdChecker)
	if !ok {
		return res
	}
	keep := map[string]bool{}
	for _, id := range tc.ThresholdChecks() {
		keep[id] = true
	}
	var out []Result
	for _, r := range res {
		if keep[r.Check] {
			out = append(out, r)
		}
	}
	return out
}

// thresholdProbe evaluates one claim on one slice, caching verdicts.
type thresholdProbe struct {
	env   Env
	c     Claim
	slice Regime
	cache map[float64]Verdict
	// why keeps, per separation, the claim-role checks that did not HOLD
	why map[float64]string
}

// at returns the regime-level verdict at separation delta.
func (p *thresholdProbe) at(delta float64) Verdict {
	if v, ok := p.cache[delta]; ok {
		return v
	}
	res := thresholdResults(p.c, safeCheck(p.env, Job{Claim: p.c, Regime: AtSeparation(p.slice, delta)}))
	v := RegimeOutcome(res)
	p.cache[delta] = v
	if v != Holds {
		var bad []string
		for _, r := range res {
			if r.Role == RoleClaim && r.Verdict != Holds {
				bad = append(bad, r.Check+" "+r.Verdict.String())
			}
		}
		if len(bad) == 0 {
			bad = append(bad, "no claim-role check")
		}
		p.why[delta] = strings.Join(bad, ", ")
	}
	return v
}

// measureThreshold bisects one slice (see MeasureThresholds).
func measureThreshold(env Env, c Claim, slice Regime) Threshold {
	p := &thresholdProbe{env: env, c: c, slice: slice, cache: map[float64]Verdict{}, why: map[float64]string{}}
	th := Threshold{Claim: c.ID(), Slice: slice, Direction: HoldsAbove}
	th.Slice.Separation = 0
	finish := func() Threshold {
		th.Evaluations = len(p.cache)
		if len(th.NonMonotone) > 0 {
			var w []string
			for _, d := range th.NonMonotone {
				w = append(w, fmt.Sprintf("Delta = %.4g: %s", d, p.why[d]))
			}
			th.Note = strings.TrimSpace(th.Note + " not monotone: " + strings.Join(w, "; "))
		}
		return th
	}

	// Ends of the range; an INCONCLUSIVE end is extended outward.
	hi := ThresholdSepMax
	vHi := p.at(hi)
	for i := 0; vHi == Inconclusive && i < thresholdRetries; i++ {
		hi *= 1.25
		vHi = p.at(hi)
	}
	lo := ThresholdSepMin
	vLo := p.at(lo)
	for i := 0; vLo == Inconclusive && i < thresholdRetries-1; i++ {
		lo /= 2
		vLo = p.at(lo)
	}
	th.Lo, th.Hi = lo, hi
	switch {
	case vHi == Inconclusive:
		th.Status = StatusInconclusive
		th.Note = fmt.Sprintf("no certified verdict at the top of the range (Delta = %v to %.4g): %s.", ThresholdSepMax, hi, p.why[hi])
		return finish()
	case vLo == Inconclusive:
		th.Status = StatusInconclusive
		th.Note = fmt.Sprintf("no certified verdict at the bottom of the range (Delta = %v down to %.4g): %s.", ThresholdSepMin, lo, p.why[lo])
		return finish()
	case vHi == Holds && vLo == Holds:
		th.Status = StatusHoldsThroughout
		th.Note = fmt.Sprintf("HOLDS at both ends, Delta = %.4g and %.4g.", lo, hi)
		th.NonMonotone = p.grid(lo, hi)
		return finish()
	case vHi == Fails && vLo == Fails:
		th.Status = StatusFailsThroughout
		th.Note = fmt.Sprintf("FAILS at both ends: Delta = %.4g (%s) and %.4g (%s).", lo, p.why[lo], hi, p.why[hi])
		return finish()
	case vHi == Fails:
		th.Direction = HoldsBelow
	}

	// Bisection between a certified HOLDS end and a certified FAILS end.
	holdsAbove := th.Direction == HoldsAbove
	for hi-lo > ThresholdWidth {
		mid := (lo + hi) / 2
		v := p.at(mid)
		probe := mid
		for i := 1; v == Inconclusive && i <= thresholdRetries; i++ {
			// alternate just above and just below mid, inside (lo, hi)
			off := float64((i+1)/2) * (hi - lo) / 8
			if i%2 == 0 {
				off = -off
			}
			probe = mid + off
			v = p.at(probe)
		}
		if v == Inconclusive {
			th.Status, th.Lo, th.Hi = StatusInconclusive, lo, hi
			th.Note = fmt.Sprintf("bisection stopped at width %.3g: INCONCLUSIVE at Delta = %.4g (%s) and %d nearby separations.",
				hi-lo, mid, p.why[mid], thresholdRetries)
			return finish()
		}
		if (v == Holds) == holdsAbove {
			hi = probe
		} else {
			lo = probe
		}
	}
	th.Status, th.Lo, th.Hi = StatusBracketed, lo, hi
	if holdsAbove {
		th.NonMonotone = p.grid(hi, math.Max(hi, ThresholdSepMax))
	} else {
		th.NonMonotone = p.grid(math.Min(lo, ThresholdSepMin), lo)
	}
	return finish()
}

// grid evaluates thresholdMonotone separations evenly spaced in [from,
// to] (the end that is a bracket end excluded, the other included) and
// returns, sorted, those where the verdict is not HOLDS.
func (p *thresholdProbe) grid(from, to float64) []float64 {
	var bad []float64
	if !(to > from) {
		return nil
	}
	for k := 0; k <= thresholdMonotone; k++ {
		d := from + (to-from)*float64(k)/thresholdMonotone
		if k == thresholdMonotone {
			d = to
		}
		if p.at(d) != Holds {
			bad = append(bad, d)
		}
	}
	sort.Float64s(bad)
	return bad
}
