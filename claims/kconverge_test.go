package claims

import (
	"flag"
	"testing"
	"time"
)

var c9Measure = flag.Int("c9.measure", 0, "run C9 on that many sampled regimes (seed 1) and log costs and verdicts")

// TestC9Measure (-c9.measure N) runs C9 on N sampled regimes and logs the
// wall time and each result.
func TestC9Measure(t *testing.T) {
	if *c9Measure == 0 {
		t.Skip("-c9.measure not set")
	}
	rs := Sample(C9{}, *c9Measure, 1)
	for _, quick := range []bool{false} {
		for _, r := range rs {
			t0 := time.Now()
			res := C9{}.Check(Env{Quick: quick}, r)
			t.Logf("%v in=%v %v", r, C9{}.InHypotheses(r), time.Since(t0))
			for _, x := range res {
				t.Logf("   %s %s %v margin %.3g err %.3g %v %s", x.Check, x.Kind, x.Verdict, x.Margin, x.Err, x.Values, x.Note)
			}
		}
	}
}
