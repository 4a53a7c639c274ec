package numerics

import (
	"fmt"
	"runtime"
	"testing"

	"attnclust/theory"
)

// speedCases is the grid of the speed issue: d in {2, 64, 1024, 10000}
// times lambda in {0.1, 1, 100, 1e6}, plus lambda = 0 and 1e8 at d = 64.
func speedCases() []struct {
	d   int
	lam float64
} {
	var cs []struct {
		d   int
		lam float64
	}
	for _, d := range []int{2, 64, 1024, 10000} {
		lams := []float64{0.1, 1, 100, 1e6}
		if d == 64 {
			lams = []float64{0, 0.1, 1, 100, 1e6, 1e8}
		}
		for _, lam := range lams {
			cs = append(cs, struct {
				d   int
				lam float64
			}{d, lam})
		}
	}
	return cs
}

// BenchmarkRiskGradInto measures one risk-plus-gradient evaluation with a
// reused result (Risk.EvalInto), on the setup of BenchmarkRiskGrad; in
// steady state it must not allocate. On Linux it also reports cpu-ns/op,
// the CPU time of the benchmark's own thread per call, which a shared
// machine disturbs much less than wall time (ns/op).
func BenchmarkRiskGradInto(b *testing.B) {
	for _, c := range speedCases() {
		b.Run(fmt.Sprintf("d=%d/lambda=%g", c.d, c.lam), func(b *testing.B) {
			mix, heads := benchSetup(b, c.d)
			r, err := NewRisk(mix, theory.Prototype{Variant: theory.Distance, Lambda: c.lam})
			if err != nil {
				b.Fatal(err)
			}
			var ev theory.Eval
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0, ok := threadCPU()
			n := 0
			for b.Loop() {
				if err := r.EvalInto(heads, &ev); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if t1, ok1 := threadCPU(); ok && ok1 && n > 0 {
				b.ReportMetric(float64(t1-t0)/float64(n), "cpu-ns/op")
			}
		})
	}
}
