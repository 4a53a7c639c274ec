package numerics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"attnclust/theory"
)

// kBenchSetup returns K equal-weight components whose centroids are the
// vertices of a regular simplex with edge 3 sigma (sigma = 1), embedded in
// R^d by a random rotation, and heads at the centroids plus N(0, 0.1^2 I_d)
// noise (so that the heads leave the centroids' span).
func kBenchSetup(b testing.TB, K, d int) (theory.Mixture, [][]float64) {
	rng := rand.New(rand.NewPCG(5, uint64(100*K+d)))
	q := kRandomOrthogonal(d, rng)
	w := make([]float64, K)
	cents := make([][]float64, K)
	for k := range K {
		w[k] = 1 / float64(K)
		// e_k scaled: the standard simplex has edge sqrt(2).
		v := make([]float64, d)
		v[k] = 3 / math.Sqrt2
		cents[k] = kApply(q, v)
	}
	w[K-1] = 1 - float64(K-1)/float64(K)
	mix, err := theory.NewMixture(w, cents, 1)
	if err != nil {
		b.Fatal(err)
	}
	heads := theory.Clone(cents)
	for _, h := range heads {
		for i := range h {
			h[i] += 0.1 * rng.NormFloat64()
		}
	}
	return mix, heads
}

// kBenchOpts are the accurate rules benchmarked: 16 randomizations and
// the points per randomization that bring the gradient's relative standard
// error (GradNormSE / |grad|, reported as the metric rel-grad-SE) near
// 1e-6 at lambda = 1 for K = 3 (7.7e-7 measured) and to 1e-5 for K = 4
// (9.6e-6; 1e-6 would need about 2^19 points, 8 times the cost). K = 5 and
// 8 use the same rule, to show how cost and error grow with K.
var kBenchOpts = OptionsK{Points: 1 << 16, Randomizations: 16}

// kClaimOpts is the cheapest rule the K-head claims use (2048 points and 8
// randomizations, see claims' c7MinPoints).
var kClaimOpts = OptionsK{Points: 1 << 11, Randomizations: 8}

// BenchmarkRiskK measures one risk-plus-gradient evaluation with K = 3,
// 4, 5 and 8 heads and components at d = 64, distance variant, lambda =
// 1, with the accurate rule (rule=accurate) and the claims' rule
// (rule=claims). Besides wall time it reports cpu-ms/op (CPU time of the
// whole process per evaluation, every worker included), rel-grad-SE and
// risk-SE.
func BenchmarkRiskK(b *testing.B) {
	for _, rule := range []struct {
		name string
		opts OptionsK
	}{{"accurate", kBenchOpts}, {"claims", kClaimOpts}} {
		for _, K := range []int{3, 4, 5, 8} {
			b.Run(fmt.Sprintf("rule=%s/K=%d/d=64", rule.name, K), func(b *testing.B) {
				mix, heads := kBenchSetup(b, K, 64)
				r, err := NewRiskK(mix, theory.Prototype{Variant: theory.Distance, Lambda: 1}, rule.opts)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				var ev EvalK
				t0, ok := processCPU()
				n := 0
				for b.Loop() {
					if ev, err = r.Eval(heads); err != nil {
						b.Fatal(err)
					}
					n++
				}
				if t1, ok1 := processCPU(); ok && ok1 && n > 0 {
					b.ReportMetric(float64(t1-t0)/float64(n)/1e6, "cpu-ms/op")
				}
				gn := 0.0
				for _, g := range ev.Grad {
					gn += theory.Inner(g, g)
				}
				b.ReportMetric(ev.GradNormSE/math.Sqrt(gn), "rel-grad-SE")
				b.ReportMetric(ev.Risk.SE, "risk-SE")
			})
		}
	}
}

// BenchmarkSoftmaxPlanar measures the deterministic nested rule for three
// heads and components at d = 64 (distance variant, lambda = 1), the
// configuration of BenchmarkRiskK.
func BenchmarkSoftmaxPlanar(b *testing.B) {
	mix, heads := kBenchSetup(b, 3, 64)
	p, err := NewSoftmaxPlanar(mix, theory.Prototype{Variant: theory.Distance, Lambda: 1}, 3)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var ev theory.Eval
	for b.Loop() {
		if ev, err = p.Eval(heads); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(ev.RiskErr*1e12, "risk-err-estimate-x1e12")
	b.ReportMetric(ev.GradErr*1e12, "grad-err-estimate-x1e12")
}
