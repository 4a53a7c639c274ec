package claims

import "testing"

// TestApplies: two-component claims take the K = 0 and K = 2 regimes of
// the catalog and no other; a claim whose ranges list numbers of
// components takes exactly those.
func TestApplies(t *testing.T) {
	for _, tc := range []struct {
		claim Claim
		k     int
		want  bool
	}{
		{C1{}, 0, true},
		{C1{}, 2, true},
		{C1{}, 3, false},
		{C5{}, 5, false},
		{C7{}, 0, false},
		{C7{}, 2, false},
		{C7{}, 3, true},
		{C7{}, 5, true},
		{C7{}, 6, false}, // C7 is stated for 3 to 5 components
	} {
		if got := Applies(tc.claim, Regime{K: tc.k}); got != tc.want {
			t.Errorf("Applies(%s, K = %d) = %v, want %v", tc.claim.ID(), tc.k, got, tc.want)
		}
	}
}
