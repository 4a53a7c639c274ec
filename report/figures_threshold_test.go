package report

import (
	"testing"

	"attnclust/claims"
	"attnclust/sweep"
)

// TestThresholdFigureOneTemperature: thresholds measured at a single
// lambda sigma^2 (the quick run's slices) still draw, on an axis a
// decade wide on each side.
func TestThresholdFigureOneTemperature(t *testing.T) {
	s := claims.ThresholdSlices(claims.C1{}, true)
	o := &sweep.Outcome{Runs: []sweep.ClaimRun{{Claim: claims.C1{}, Thresholds: []claims.Threshold{
		{Claim: "C1", Slice: s[0], Status: "bracketed", Lo: 1.93, Hi: 1.96},
		{Claim: "C1", Slice: s[1], Status: "bracketed", Lo: 1.5, Hi: 1.53},
		{Claim: "C1", Slice: s[2], Status: "bracketed", Lo: 1.93, Hi: 1.96},
	}}}}
	svg, _, err := figureThresholds(o)
	if err != nil || len(svg) == 0 {
		t.Fatalf("figure: %d bytes, error %v", len(svg), err)
	}
}
