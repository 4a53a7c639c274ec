package numerics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"attnclust/theory"
)

// Monte Carlo work is split into chunks of a fixed number of samples. Chunk
// c draws from its own stream rand.NewPCG(seed, tag<<32|c), so the result
// depends only on (seed, samples) and never on how many goroutines ran the
// chunks; the per-chunk statistics are merged in chunk order.
const (
	riskChunk  = 2048 // samples per chunk in RiskMC
	quantChunk = 64   // sequences per chunk in QuantMC

	riskStreamTag  = 1 // stream tag of RiskMC
	quantStreamTag = 2 // stream tag of QuantMC
)

// MCResult is a brute-force Monte Carlo estimate of a population risk and
// its gradient. Standard errors are those of the sample mean, sqrt(s^2/n)
// with s^2 the unbiased sample variance, so Risk +- 2 RiskSE is an
// approximate 95% confidence interval (the loss has all moments under a
// Gaussian mixture, so the central limit theorem applies).
type MCResult struct {
	Risk   float64     // sample mean of the loss ||x - T(x)||^2
	RiskSE float64     // standard error of Risk
	Grad   [][]float64 // sample mean of the loss gradient, K rows of length d
	GradSE [][]float64 // standard error of each gradient component
	// Samples is the number of tokens drawn.
	Samples int
}

// RiskMC estimates the population risk R(heads) = E ||x - T(x)||^2 of layer
// on data from mix, and its gradient with respect to each head, by averaging
// layer.LossGrad over samples independent tokens x drawn from mix in the
// full dimension d. It needs samples >= 2 (for a variance) and heads with
// K >= 1 rows of length d and finite entries. The result is a deterministic
// function of (mix, layer, heads, samples, seed), whatever GOMAXPROCS is.
//
// Cost: O(samples K d), spread over runtime.GOMAXPROCS goroutines.
func RiskMC(mix theory.Mixture, layer theory.Prototype, heads [][]float64, samples int, seed uint64) (MCResult, error) {
	return riskMC(mix, layer, heads, samples, seed, runtime.GOMAXPROCS(0))
}

// riskMC is RiskMC with an explicit number of worker goroutines.
func riskMC(mix theory.Mixture, layer theory.Prototype, heads [][]float64, samples int, seed uint64, workers int) (MCResult, error) {
	if err := revalidateMixture(mix); err != nil {
		return MCResult{}, fmt.Errorf("RiskMC: %w", err)
	}
	if err := layer.Validate(); err != nil {
		return MCResult{}, fmt.Errorf("RiskMC: layer: %w", err)
	}
	d := mix.Dim()
	if err := validateHeadsShape(heads, 0, d); err != nil {
		return MCResult{}, fmt.Errorf("RiskMC: %w", err)
	}
	if samples < 2 {
		return MCResult{}, fmt.Errorf("RiskMC: samples: need at least 2, got %d", samples)
	}
	k := len(heads)
	dim := 1 + k*d // loss, then the stacked gradient
	nChunks := (samples + riskChunk - 1) / riskChunk
	stats := make([]welfordAcc, nChunks)
	parallelChunks(nChunks, workers, func(c int) {
		n := min(riskChunk, samples-c*riskChunk)
		rng := rand.New(rand.NewPCG(seed, riskStreamTag<<32|uint64(c)))
		st := newWelfordAcc(dim)
		x := make([]float64, d)
		grad := make([][]float64, k)
		for h := range grad {
			grad[h] = make([]float64, d)
		}
		v := make([]float64, dim)
		for range n {
			x, _ = mix.Sample(x, rng.NormFloat64, rng.Float64)
			v[0] = layer.LossGrad(x, heads, grad)
			for h := range grad {
				copy(v[1+h*d:1+(h+1)*d], grad[h])
			}
			st.add(v)
		}
		stats[c] = st
	})
	tot := mergeWelford(stats)
	res := MCResult{Samples: tot.n, Grad: make([][]float64, k), GradSE: make([][]float64, k)}
	res.Risk, res.RiskSE = tot.mean[0], tot.se(0)
	for h := range k {
		res.Grad[h] = make([]float64, d)
		res.GradSE[h] = make([]float64, d)
		for i := range d {
			res.Grad[h][i] = tot.mean[1+h*d+i]
			res.GradSE[h][i] = tot.se(1 + h*d + i)
		}
	}
	return res, nil
}

// QuantMC estimates the finite-L in-context quantization error of
// docs/MODEL.md §6,
//
//	Q_L = E || out_1 - mu*_{z_1} ||^2,  out_1 = sum_j softmax_j(lambda <x_1, x_j>) x_j,
//
// from samples independent sequences of L tokens drawn from mix (the sum
// runs over all L tokens, the self term j = 1 included, as in
// theory.Identity{Lambda: lambda}.Output(xs, 0)). It returns the sample
// mean in Value and its standard error in Err. It needs L >= 1,
// samples >= 2 and a finite lambda >= 0; any number of components K works.
// The result is a deterministic function of its arguments, whatever
// GOMAXPROCS is.
//
// Cost: O(samples L d), spread over runtime.GOMAXPROCS goroutines, with
// no allocation per token.
func QuantMC(mix theory.Mixture, lambda float64, L, samples int, seed uint64) (Estimate, error) {
	return quantMC(mix, lambda, L, samples, seed, runtime.GOMAXPROCS(0))
}

// quantMC is QuantMC with an explicit number of worker goroutines.
func quantMC(mix theory.Mixture, lambda float64, L, samples int, seed uint64, workers int) (Estimate, error) {
	if err := revalidateMixture(mix); err != nil {
		return Estimate{}, fmt.Errorf("QuantMC: %w", err)
	}
	if !(lambda >= 0) || math.IsInf(lambda, 0) {
		return Estimate{}, fmt.Errorf("QuantMC: lambda: must be finite and >= 0, got %v", lambda)
	}
	if L < 1 {
		return Estimate{}, fmt.Errorf("QuantMC: L: need at least 1 token, got %d", L)
	}
	if samples < 2 {
		return Estimate{}, fmt.Errorf("QuantMC: samples: need at least 2, got %d", samples)
	}
	d := mix.Dim()
	nChunks := (samples + quantChunk - 1) / quantChunk
	stats := make([]welfordAcc, nChunks)
	parallelChunks(nChunks, workers, func(c int) {
		n := min(quantChunk, samples-c*quantChunk)
		rng := rand.New(rand.NewPCG(seed, quantStreamTag<<32|uint64(c)))
		normal, unif := rng.NormFloat64, rng.Float64
		st := newWelfordAcc(1)
		toks := make([]float64, L*d) // token j at toks[j*d : (j+1)*d]
		score := make([]float64, L)
		out := make([]float64, d)
		v := make([]float64, 1)
		for range n {
			_, z := mix.Sample(toks[0:d:d], normal, unif)
			for j := 1; j < L; j++ {
				mix.Sample(toks[j*d:(j+1)*d:(j+1)*d], normal, unif)
			}
			x1 := toks[0:d]
			m := math.Inf(-1)
			for j := range L {
				xj := toks[j*d : (j+1)*d]
				s := 0.0
				for i, a := range x1 {
					s += a * xj[i]
				}
				s *= lambda
				score[j] = s
				m = math.Max(m, s)
			}
			// out_1 = sum_j w_j x_j / sum_j w_j with w_j = exp(s_j - m) in
			// (0, 1], one of them exactly 1: no overflow, sum >= 1.
			clear(out)
			sum := 0.0
			for j := range L {
				w := math.Exp(score[j] - m)
				sum += w
				xj := toks[j*d : (j+1)*d]
				for i := range out {
					out[i] += w * xj[i]
				}
			}
			e := 0.0
			c := mix.Centroids[z]
			for i := range out {
				r := out[i]/sum - c[i]
				e += r * r
			}
			v[0] = e
			st.add(v)
		}
		stats[c] = st
	})
	tot := mergeWelford(stats)
	return Estimate{Value: tot.mean[0], Err: tot.se(0)}, nil
}

// parallelChunks calls fn(c) for every chunk c in [0, n) on up to workers
// goroutines (at least one). fn must write only to state owned by chunk c.
func parallelChunks(n, workers int, fn func(c int)) {
	workers = max(1, min(workers, n))
	if workers == 1 {
		for c := range n {
			fn(c)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= n {
					return
				}
				fn(c)
			}
		})
	}
	wg.Wait()
}

// welfordAcc accumulates the count, mean and sum of squared deviations of a
// stream of vectors (Welford's update), so that the variance is computed
// without the cancellation of the textbook sum-of-squares formula.
type welfordAcc struct {
	n    int
	mean []float64
	m2   []float64
}

func newWelfordAcc(dim int) welfordAcc {
	return welfordAcc{mean: make([]float64, dim), m2: make([]float64, dim)}
}

// add folds one observation v into the accumulator.
func (m *welfordAcc) add(v []float64) {
	m.n++
	inv := 1 / float64(m.n)
	for i, x := range v {
		d := x - m.mean[i]
		m.mean[i] += d * inv
		m.m2[i] += d * (x - m.mean[i])
	}
}

// merge folds o into m (Chan, Golub and LeVeque's pairwise update).
func (m *welfordAcc) merge(o welfordAcc) {
	if o.n == 0 {
		return
	}
	if m.n == 0 {
		m.n = o.n
		m.mean = append([]float64(nil), o.mean...)
		m.m2 = append([]float64(nil), o.m2...)
		return
	}
	na, nb := float64(m.n), float64(o.n)
	n := na + nb
	for i := range m.mean {
		d := o.mean[i] - m.mean[i]
		m.mean[i] += d * nb / n
		m.m2[i] += o.m2[i] + d*d*na*nb/n
	}
	m.n += o.n
}

// se returns the standard error of the mean of component i; it needs n >= 2.
func (m welfordAcc) se(i int) float64 {
	n := float64(m.n)
	return math.Sqrt(math.Max(m.m2[i], 0) / (n - 1) / n)
}

// mergeWelford merges per-chunk accumulators in chunk order.
func mergeWelford(ms []welfordAcc) welfordAcc {
	var tot welfordAcc
	for _, m := range ms {
		tot.merge(m)
	}
	return tot
}

// revalidateMixture re-validates a mixture, so that a zero or hand-built value
// is reported as an error instead of causing an index panic.
func revalidateMixture(mix theory.Mixture) error {
	if _, err := theory.NewMixture(mix.Weights, mix.Centroids, mix.Sigma); err != nil {
		return fmt.Errorf("mixture: %w", err)
	}
	return nil
}

// validateHeadsShape checks that heads has k rows (any k >= 1 when k = 0) of
// length d with finite entries.
func validateHeadsShape(heads [][]float64, k, d int) error {
	if len(heads) == 0 {
		return fmt.Errorf("heads: need at least one head")
	}
	if k > 0 && len(heads) != k {
		return fmt.Errorf("heads: got %d heads, want %d", len(heads), k)
	}
	for h, mu := range heads {
		if len(mu) != d {
			return fmt.Errorf("heads[%d]: length %d, want d = %d", h, len(mu), d)
		}
		for i, x := range mu {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("heads[%d][%d]: must be finite, got %v", h, i, x)
			}
		}
	}
	return nil
}
