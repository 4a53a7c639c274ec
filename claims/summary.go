package claims

import (
	"fmt"
	"sort"
	"strings"
)

// SampleIn returns n regimes drawn from c's conditional generator
// (Claim.InHypothesesGenerator), deterministically from seed, named
// "<ID>-in-<i>". Every regime it returns is inside c's a priori
// hypotheses when the generator is correct (a property each claim's
// tests check). Sample draws the outside/full-range sample for the maps.
func SampleIn(c Claim, n int, seed uint64) []Regime {
	if n <= 0 {
		return nil
	}
	g := c.InHypothesesGenerator()
	out := make([]Regime, n)
	for i := range out {
		// a different stream from Sample's (tag 1 << 40), so that the
		// in-hypotheses and outside samples of one run are independent
		out[i] = g.Example(int(mix64(seed, 1<<40|uint64(i)) >> 2))
		out[i].Name = InName(c.ID(), i)
	}
	return out
}

// InName is the name SampleIn gives to the i-th regime of claim id.
func InName(id string, i int) string { return fmt.Sprintf("%s-in-%d", id, i) }

// isInSample reports whether a regime name was given by SampleIn for
// claim id.
func isInSample(id, name string) bool { return strings.HasPrefix(name, id+"-in-") }

// RegimeOutcome is the regime-level verdict of one claim on one regime,
// from its results: FAILS when some check of role claim FAILS, HOLDS when
// every check of role claim HOLDS (and there is at least one), and
// INCONCLUSIVE otherwise (including a regime with no claim-role check,
// which is no evidence either way). Results of other roles are ignored,
// so the function is the same for every claim.
func RegimeOutcome(results []Result) Verdict {
	n, holds := 0, 0
	for _, r := range results {
		if r.Role != RoleClaim {
			continue
		}
		n++
		switch r.Verdict {
		case Fails:
			return Fails
		case Holds:
			holds++
		}
	}
	if n > 0 && holds == n {
		return Holds
	}
	return Inconclusive
}

// Summarize returns the regime-level evidence for claim c from its results
// on random regimes drawn inside the hypotheses by SampleIn (names
// "<ID>-in-<i>"): results of other claims, of other regimes and of roles
// other than claim are ignored, and so is a regime that does not satisfy
// c's a priori hypotheses (a generator bug, which the claims' tests
// catch). Only the conditional sample is counted so that every counted
// regime is an independent draw from one documented distribution, which
// is what the binomial bound FailureRateUpper assumes.
func Summarize(c Claim, results []Result) Summary {
	id := c.ID()
	byRegime := map[string][]Result{}
	regime := map[string]Regime{}
	for _, r := range results {
		if r.Claim != id || !isInSample(id, r.Regime.Name) {
			continue
		}
		byRegime[r.Regime.Name] = append(byRegime[r.Regime.Name], r)
		regime[r.Regime.Name] = r.Regime
	}
	names := make([]string, 0, len(byRegime))
	for n := range byRegime {
		names = append(names, n)
	}
	sort.Strings(names)
	s := Summary{Claim: id}
	for _, n := range names {
		if !c.InHypotheses(regime[n]) {
			continue
		}
		s.RandomInHypotheses++
		switch RegimeOutcome(byRegime[n]) {
		case Fails:
			s.RegimesFailing++
			s.Failing = append(s.Failing, n)
		case Inconclusive:
			s.RegimesInconclusive++
		case Holds:
			s.RegimesPassing++
		}
	}
	s.FailureRateUpper = FailureRateUpper(s.RegimesFailing, s.RandomInHypotheses, SummaryLevel)
	return s
}

// SummaryLevel is the confidence level of Summary.FailureRateUpper.
const SummaryLevel = 0.95
