package sweep

import (
	"testing"

	"attnclust/claims"
	"attnclust/internal/claimtest"
)

// unshrunkFake is the fake claim declaring its failures unshrunk.
type unshrunkFake struct{ claimtest.Fake }

func (unshrunkFake) UnshrunkReason() string { return "too costly" }

// TestShrinkTasksUnshrunk: a FAILS inside the hypotheses is shrunk for an
// ordinary claim and not for a claim that implements claims.Unshrunk.
func TestShrinkTasksUnshrunk(t *testing.T) {
	r := claims.Regime{Name: "x", D: 3, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 8, Variant: "distance", LambdaSigma2: 1}
	fail := claims.Result{Claim: "C1", Check: "C1.x", Regime: r, Verdict: claims.Fails, Margin: -1, Err: 0.1,
		InHypotheses: true, Role: claims.RoleClaim, Kind: claims.KindEstimated}
	for _, tc := range []struct {
		claim claims.Claim
		want  int
	}{{claimtest.Fake{ClaimID: "C1"}, 1}, {unshrunkFake{claimtest.Fake{ClaimID: "C1"}}, 0}} {
		runs := []ClaimRun{{Claim: tc.claim, Results: []claims.Result{fail}, Sources: []Source{FromInHyp}}}
		if got := len(shrinkTasks(runs, false)); got != tc.want {
			t.Errorf("%T: %d shrink tasks, want %d", tc.claim, got, tc.want)
		}
	}
}
