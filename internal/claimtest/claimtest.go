// Package claimtest holds a fake claim for the tests of the packages that
// run claims (sweep, cmd/verify): fast, deterministic, and with a known
// boundary, so that shrinking, -check, shards and figures can be tested
// without the real claims' cost or verdicts.
package claimtest

import (
	"pgregory.net/rapid"

	"attnclust/claims"
)

// Fake is a claim with ID ClaimID. Its claim check "<ID>.sep" FAILS when
// the separation is below 5 (margin Delta - 5, error 1e-9) and HOLDS
// above; its map check "<ID>.ok" HOLDS everywhere. Its a priori
// hypotheses are d >= 2 and Delta >= 6, so the failures lie outside them.
type Fake struct{ ClaimID string }

// ID returns ClaimID.
func (f Fake) ID() string { return f.ClaimID }

// Title is a one-line summary.
func (f Fake) Title() string { return "Fake claim " + f.ClaimID }

// Statement is a one-sentence statement.
func (f Fake) Statement() string { return "Fake statement of " + f.ClaimID + "." }

// Ranges are the full ranges.
func (f Fake) Ranges() claims.Ranges { return claims.FullRanges() }

// Hypotheses lists Delta >= 6.
func (f Fake) Hypotheses() []claims.Hypothesis {
	return []claims.Hypothesis{{Text: "Delta >= 6", Provenance: claims.FromPaper, Ref: "docs/MODEL.md §7.2"}}
}

// InHypotheses reports d >= 2 and Delta >= 6.
func (f Fake) InHypotheses(r claims.Regime) bool { return r.D >= 2 && r.Separation >= 6 }

// InHypothesesGenerator draws the full ranges with Delta >= 6.
func (f Fake) InHypothesesGenerator() *rapid.Generator[claims.Regime] {
	rg := claims.FullRanges()
	rg.SepMin = 6
	return rg.Generator()
}

// Check returns the two results described on Fake (none for an invalid
// regime).
func (f Fake) Check(env claims.Env, r claims.Regime) []claims.Result {
	mix, err := r.Mixture()
	if err != nil {
		return nil
	}
	l, _ := r.Layer()
	margin := r.Separation - 5
	return []claims.Result{
		{Claim: f.ClaimID, Check: f.ClaimID + ".sep", Regime: r, Verdict: claims.Decide(margin, 1e-9), Margin: margin, Err: 1e-9,
			Units: "Delta", Spec: claims.PrototypeSpec(mix, l, mix.Centroids), Role: claims.RoleClaim, Kind: claims.KindCertified},
		{Claim: f.ClaimID, Check: f.ClaimID + ".ok", Regime: r, Verdict: claims.Holds, Margin: 1, Err: 0.5, Units: "unit",
			Role: claims.RoleMap, Kind: claims.KindSampled},
	}
}
