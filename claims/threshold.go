package claims

// ThresholdSlices returns the slices (every regime parameter but the
// separation) on which MeasureThresholds measures claim c's separation
// threshold; quick selects a small set for CI.
//
// Stub: the contract for the report; implemented with the threshold
// measurement.
func ThresholdSlices(c Claim, quick bool) []Regime { return nil }

// MeasureThresholds measures, for each slice, the separation threshold
// above which every claim-role check of c HOLDS (see Threshold), with up
// to workers goroutines; progress, if not nil, is called after each slice.
// The output is in slice order and does not depend on workers.
func MeasureThresholds(env Env, c Claim, slices []Regime, workers int, progress func(done, total int)) []Threshold {
	return nil
}

// Summarize returns the regime-level evidence for claim c from its results
// on random regimes drawn inside the hypotheses (results of other regimes
// and of roles other than claim are ignored).
func Summarize(c Claim, results []Result) Summary { return Summary{Claim: c.ID()} }
