package numerics

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"attnclust/theory"
)

// benchSetup returns an orthogonal equal-norm mixture in dimension d with
// delta/sigma = 3/sqrt(2) (as docs/MODEL.md §10's example) and heads perturbed
// from the centroids.
func benchSetup(b testing.TB, d int) (theory.Mixture, [][]float64) {
	rng := rand.New(rand.NewPCG(1, uint64(d)))
	c1, c2 := make([]float64, d), make([]float64, d)
	if d == 1 {
		c1[0], c2[0] = 3, -3
	} else {
		c1[0], c2[1] = 3, 3
	}
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{c1, c2}, 1)
	if err != nil {
		b.Fatal(err)
	}
	heads := theory.Clone(mix.Centroids)
	for _, h := range heads {
		for i := range h {
			h[i] += 0.1 * rng.NormFloat64()
		}
	}
	return mix, heads
}

// BenchmarkRiskGrad measures one risk-plus-gradient evaluation of the
// reduction; the cost should not grow with d beyond the O(d) vector work.
func BenchmarkRiskGrad(b *testing.B) {
	for _, d := range []int{2, 64, 1024, 10000} {
		for _, lam := range []float64{0.1, 1, 100, 1e6} {
			b.Run(fmt.Sprintf("d=%d/lambda=%g", d, lam), func(b *testing.B) {
				mix, heads := benchSetup(b, d)
				r, err := NewRisk(mix, theory.Prototype{Variant: theory.Distance, Lambda: lam})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := r.Eval(heads); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
