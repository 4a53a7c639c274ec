package claims

import "math"

// Provenance says where a hypothesis of a claim comes from. Only hypotheses
// of provenance FromPaper and Derived define a claim's "in hypotheses"
// region: they are chosen before any result is seen. A Measured item is a
// boundary the suite found; it is reported (as a threshold), never used to
// decide which regimes count as evidence.
type Provenance string

const (
	// FromPaper: what the paper states (the two-component isotropic
	// mixture, two heads, identity key, query and value, "separation
	// large enough", ...).
	FromPaper Provenance = "paper"
	// Derived: follows from a derivation written in docs/MODEL.md (the
	// section is named in Hypothesis.Ref).
	Derived Provenance = "derived"
	// Measured: a boundary found by the suite (a threshold), with the
	// command that measures it in Hypothesis.Ref.
	Measured Provenance = "measured"
)

// APriori reports whether p may define the in-hypotheses region.
func (p Provenance) APriori() bool { return p == FromPaper || p == Derived }

// Hypothesis is one item of a claim's hypotheses.
type Hypothesis struct {
	// Text states the hypothesis in words and symbols (no code names).
	Text string `json:"text"`
	// Short is a label of a few words for tables (the verdict table);
	// empty means Text is shown.
	Short string `json:"short,omitempty"`
	// Provenance is paper, derived or measured.
	Provenance Provenance `json:"provenance"`
	// Ref names where it comes from: a docs/MODEL.md section for paper and
	// derived items, the reproducing command for measured ones.
	Ref string `json:"ref,omitempty"`
}

// Role says what a check's verdict is evidence of. Results of different
// roles are counted in separate tables: a FAILS of a map or
// refuted-reading check is a finding about where a statement stops
// holding, never a failure of the claim.
type Role string

const (
	// RoleClaim: the check tests the claim's statement; inside the
	// hypotheses a FAILS refutes the claim.
	RoleClaim Role = "claim"
	// RoleMap: the check charts where the statement stops holding
	// (outside the a priori hypotheses, or a property the claim does not
	// assert).
	RoleMap Role = "map"
	// RoleRefuted: the check tests a reading of the paper's words that
	// the suite shows to be false (for example head-by-head alignment);
	// its FAILS are the expected outcome and are reported as such.
	RoleRefuted Role = "refuted-reading"
	// RoleSanity: a check of the numerics themselves (claim C0), reported
	// apart from the claims.
	RoleSanity Role = "sanity"
)

// Kind says what kind of evidence a check's verdict rests on, and so what
// a HOLDS assumes.
type Kind string

const (
	// KindCertified: the margin's error bound is rigorous (quadrature and
	// truncation bounds, rounding analysis, Newton-Kantorovich); HOLDS
	// assumes only floating-point arithmetic as analysed.
	KindCertified Kind = "certified"
	// KindEstimated: the error is an estimate that is not a bound (for
	// example Richardson extrapolation of a differenced Hessian); HOLDS
	// assumes the estimate's asymptotic regime.
	KindEstimated Kind = "estimated"
	// KindSampled: a property over a set is checked at finitely many
	// points, each certified; HOLDS says nothing between the points.
	KindSampled Kind = "sampled"
	// KindStatistical: Monte Carlo or a finite sample, decided at the
	// confidence level in Result.Level; HOLDS is wrong with probability
	// at most 1 - Level.
	KindStatistical Kind = "statistical"
)

// FailureRateUpper is the one-sided exact (Clopper-Pearson) upper
// confidence bound, at level conf in (0, 1), on a failure probability
// after observing k failures in n independent trials. With k = 0 it is
// 1 - (1 - conf)^(1/n). It returns 1 when n = 0 or k >= n, and NaN when
// conf is not in (0, 1) or k, n are negative.
func FailureRateUpper(k, n int, conf float64) float64 {
	if !(conf > 0 && conf < 1) || k < 0 || n < 0 {
		return math.NaN()
	}
	if n == 0 || k >= n {
		return 1
	}
	alpha := 1 - conf
	if k == 0 {
		return 1 - math.Pow(alpha, 1/float64(n))
	}
	// Solve P(Bin(n, p) <= k) = alpha for p by bisection: the binomial
	// CDF decreases in p. 200 halvings reach the float64 resolution.
	lo, hi := 0.0, 1.0
	for i := 0; i < 200; i++ {
		mid := (lo + hi) / 2
		if binomCDF(k, n, mid) > alpha {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// binomCDF returns P(Bin(n, p) <= k), summing terms in log space.
func binomCDF(k, n int, p float64) float64 {
	if p <= 0 {
		return 1
	}
	if p >= 1 {
		if k >= n {
			return 1
		}
		return 0
	}
	s := 0.0
	lp, lq := math.Log(p), math.Log1p(-p)
	lgn, _ := math.Lgamma(float64(n + 1))
	for i := 0; i <= k; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		s += math.Exp(lgn - a - b + float64(i)*lp + float64(n-i)*lq)
	}
	return math.Min(s, 1)
}

// Threshold is a measured separation threshold of one claim on one slice
// of regimes: with Direction "holds-above", every claim-role check HOLDS
// at Delta = Hi and some claim-role check FAILS at Delta = Lo; with
// "holds-below" the other way round (HOLDS at Lo, FAILS at Hi). Both
// verdicts are certified as the checks' kinds allow, and Hi - Lo <=
// ThresholdWidth when Status is "bracketed".
type Threshold struct {
	Claim string `json:"claim"`
	// Slice fixes every regime parameter but the separation (its
	// Separation field is ignored).
	Slice Regime `json:"slice"`
	// Direction is "holds-above" or "holds-below" (see above).
	Direction string `json:"direction"`
	// Status is "bracketed" (Lo < Hi found), "holds-throughout" (HOLDS at
	// both ends of the search range), "fails-throughout" (FAILS at both
	// ends) or "inconclusive" (an end of the bracket could not be
	// certified; Note says which).
	Status string  `json:"status"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	// NonMonotone lists separations on the holding side of the bracket
	// (or anywhere in the range for "holds-throughout") at which the claim
	// did not HOLD: the pass/fail pattern is then not monotone in Delta,
	// a finding.
	NonMonotone []float64 `json:"non_monotone,omitempty"`
	Note        string    `json:"note,omitempty"`
	// Evaluations is the number of claim checks the measurement ran
	// (each at one separation; a measure of its cost).
	Evaluations int `json:"evaluations"`
}

// Summary is the regime-level evidence for one claim: a regime passes the
// claim when every check of role claim on it HOLDS.
type Summary struct {
	Claim string `json:"claim"`
	// RandomInHypotheses counts random regimes drawn inside the a priori
	// hypotheses; RegimesFailing counts those on which some claim-role
	// check FAILS; RegimesInconclusive those with no FAILS but some
	// INCONCLUSIVE claim-role check.
	RandomInHypotheses  int `json:"random_in_hypotheses"`
	RegimesFailing      int `json:"regimes_failing"`
	RegimesInconclusive int `json:"regimes_inconclusive"`
	// RegimesPassing counts those on which every claim-role check HOLDS
	// (the three counts add up to RandomInHypotheses).
	RegimesPassing int `json:"regimes_passing"`
	// Failing names the failing regimes, in name order.
	Failing []string `json:"failing,omitempty"`
	// FailureRateUpper is FailureRateUpper(RegimesFailing,
	// RandomInHypotheses, 0.95): the one-sided 95% upper bound on the
	// probability that a regime drawn by the conditional generator fails
	// (1 when no regime was drawn).
	FailureRateUpper float64 `json:"failure_rate_upper"`
}
