package numerics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"attnclust/theory"
)

// Training on samples: a fixed set of n tokens drawn from the mixture, the
// empirical risk R_n(theta) = (1/n) sum_i ||x_i - T_theta(x_i)||^2 and its
// gradient, and the quantities of the M-estimator theory of its minimizer
// (the sandwich tr(H^-1 S H^-1)). Everything is a deterministic function of
// its seeds.

const (
	sampleChunk     = 1024 // tokens per stream in DrawSample
	sampleStreamTag = 3    // stream tag of DrawSample
	sandwichTag     = 4    // stream tag of Sandwich
)

// Sample is a set of tokens drawn from a mixture, with their (hidden)
// labels, kept for held-out evaluation only: training never reads Z.
type Sample struct {
	X [][]float64 // n tokens of length d
	Z []int       // component of each token, 0-based
}

// Len returns the number of tokens.
func (s Sample) Len() int { return len(s.X) }

// DrawSample draws n i.i.d. tokens from mix. Token i comes from stream
// rand.NewPCG(seed, 3<<32 | i/1024), so the sample is a deterministic
// function of (mix, n, seed), and the first m tokens of a sample of size n
// are the sample of size m (samples are nested across n). Errors: n < 1,
// invalid mixture.
func DrawSample(mix theory.Mixture, n int, seed uint64) (Sample, error) {
	if n < 1 {
		return Sample{}, fmt.Errorf("DrawSample: n must be >= 1, got %d", n)
	}
	if err := revalidateMixture(mix); err != nil {
		return Sample{}, fmt.Errorf("DrawSample: %w", err)
	}
	s := Sample{X: make([][]float64, n), Z: make([]int, n)}
	var rng *rand.Rand
	for i := range n {
		if i%sampleChunk == 0 {
			rng = rand.New(rand.NewPCG(seed, sampleStreamTag<<32|uint64(i/sampleChunk)))
		}
		s.X[i], s.Z[i] = mix.Sample(nil, rng.NormFloat64, rng.Float64)
	}
	return s, nil
}

// TokenGrad computes the loss ||x - T(x)||^2 of layer l at one token x and
// writes its gradient with respect to each head into grad (K rows of
// length d, overwritten). work is scratch of length at least
// WorkLen(K, d). It must not retain x, heads, grad or work. The default,
// TokenLossGrad, is the layer's exact gradient; tests plug broken ones in
// to show that the training checks catch them.
type TokenGrad func(l theory.Prototype, x []float64, heads, grad [][]float64, work []float64) float64

// WorkLen returns the scratch length a TokenGrad needs for K heads in
// dimension d.
func WorkLen(k, d int) int { return 2*d + 2*k }

// TokenLossGrad is the loss and gradient of theory.Prototype.LossGrad
// (same formula,
//
//	d loss / d mu_h = -2 p_h [ r + lambda g_h <mu_h - T(x), r> ],
//
// r = x - T(x), g_h = x (dot) or x - mu_h (distance); hardmax:
// -2 (x - mu_h) for the nearest head) without allocation, for training
// loops. Agreement with theory.Prototype.LossGrad is tested.
func TokenLossGrad(l theory.Prototype, x []float64, heads, grad [][]float64, work []float64) float64 {
	d, k := len(x), len(heads)
	t, r := work[:d], work[d:2*d]
	s, p := work[2*d:2*d+k], work[2*d+k:2*d+2*k]
	for h, mu := range heads {
		switch l.Variant {
		case theory.Dot:
			s[h] = l.Lambda * theory.Inner(x, mu)
		case theory.Distance:
			s[h] = l.Lambda * (theory.Inner(x, mu) - theory.Inner(mu, mu)/2)
		default:
			s[h] = -sqDistN(x, mu) / 2
		}
	}
	if l.Variant == theory.Hardmax {
		best := 0
		for h := range s {
			if s[h] > s[best] {
				best = h
			}
		}
		for h := range p {
			p[h] = 0
		}
		p[best] = 1
	} else if k == 2 {
		// two heads: one exponential, exp(-|s_1 - s_2|) <= 1, so both
		// probabilities keep full relative accuracy
		e := math.Exp(-math.Abs(s[0] - s[1]))
		big, small := 1/(1+e), e/(1+e)
		if s[0] >= s[1] {
			p[0], p[1] = big, small
		} else {
			p[0], p[1] = small, big
		}
	} else {
		theory.Softmax(p, s)
	}
	for i := range t {
		t[i] = 0
	}
	for h, mu := range heads {
		theory.AddScaled(t, p[h], mu)
	}
	loss := 0.0
	for i := range r {
		r[i] = x[i] - t[i]
		loss += r[i] * r[i]
	}
	for h, mu := range heads {
		g := grad[h]
		for i := range g {
			g[i] = -2 * p[h] * r[i]
		}
		if l.Variant == theory.Hardmax || p[h] == 0 {
			continue
		}
		c := 0.0
		for i := range r {
			c += (mu[i] - t[i]) * r[i]
		}
		c *= -2 * p[h] * l.Lambda
		if l.Variant == theory.Distance {
			for i := range g {
				g[i] += c * (x[i] - mu[i])
			}
		} else {
			for i := range g {
				g[i] += c * x[i]
			}
		}
	}
	return loss
}

func sqDistN(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

// gradBufs allocates K rows of length d.
func gradBufs(k, d int) [][]float64 {
	g := make([][]float64, k)
	for h := range g {
		g[h] = make([]float64, d)
	}
	return g
}

// EmpiricalGrad returns the mean loss over the tokens of s selected by idx
// (all tokens when idx is nil) and writes the mean gradient into grad (K
// rows of length d, overwritten), using tg (nil: TokenLossGrad). Tokens
// are summed in index order, so the result is deterministic. Errors:
// empty selection, shape mismatch, invalid layer.
func EmpiricalGrad(l theory.Prototype, s Sample, idx []int, heads, grad [][]float64, tg TokenGrad) (float64, error) {
	if err := l.Validate(); err != nil {
		return 0, fmt.Errorf("EmpiricalGrad: layer: %w", err)
	}
	n := len(idx)
	if idx == nil {
		n = s.Len()
	}
	if n == 0 {
		return 0, errors.New("EmpiricalGrad: no tokens")
	}
	d := len(s.X[0])
	if err := validateHeadsShape(heads, 0, d); err != nil {
		return 0, fmt.Errorf("EmpiricalGrad: %w", err)
	}
	if len(grad) != len(heads) {
		return 0, fmt.Errorf("EmpiricalGrad: grad has %d rows, want %d", len(grad), len(heads))
	}
	if tg == nil {
		tg = TokenLossGrad
	}
	k := len(heads)
	work := make([]float64, WorkLen(k, d))
	gi := gradBufs(k, d)
	for h := range grad {
		for i := range grad[h] {
			grad[h][i] = 0
		}
	}
	loss := 0.0
	for j := range n {
		x := s.X[j]
		if idx != nil {
			x = s.X[idx[j]]
		}
		loss += tg(l, x, heads, gi, work)
		for h := range grad {
			theory.AddScaled(grad[h], 1, gi[h])
		}
	}
	for h := range grad {
		theory.Scale(1/float64(n), grad[h])
	}
	return loss / float64(n), nil
}

// EmpiricalHessian returns the Hessian of the empirical risk of s at heads
// (stacked coordinates, head 0 first, as Hessian) by central differences
// of EmpiricalGrad with tg, symmetrized, with steps h = 1e-5 times the
// heads' root-mean-square norm (at least 1e-5 sigma-free units: the step
// balances the O(h^2) truncation against the gradient's rounding,
// ~1e-16/h relative). Cost: 2 K d passes over the sample.
func EmpiricalHessian(l theory.Prototype, s Sample, heads [][]float64, tg TokenGrad) (*mat.SymDense, error) {
	k, d := len(heads), len(heads[0])
	n := k * d
	scale := 0.0
	for _, mu := range heads {
		scale += theory.Inner(mu, mu)
	}
	scale = math.Max(math.Sqrt(scale/float64(k)), 1)
	step := 1e-5 * scale
	cols := make([][]float64, n)
	gp, gm := gradBufs(k, d), gradBufs(k, d)
	for c := range n {
		hp, hm := theory.Clone(heads), theory.Clone(heads)
		hp[c/d][c%d] += step
		hm[c/d][c%d] -= step
		if _, err := EmpiricalGrad(l, s, nil, hp, gp, tg); err != nil {
			return nil, err
		}
		if _, err := EmpiricalGrad(l, s, nil, hm, gm, tg); err != nil {
			return nil, err
		}
		cols[c] = make([]float64, n)
		for r := range n {
			cols[c][r] = (gp[r/d][r%d] - gm[r/d][r%d]) / (2 * step)
		}
	}
	H := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			H.SetSym(i, j, (cols[i][j]+cols[j][i])/2)
		}
	}
	return H, nil
}

// EmpiricalGradCov returns the covariance (1/n) sum_i (g_i - gbar)(g_i -
// gbar)^T of the per-token gradients g_i (stacked, head 0 first) over the
// sample at heads, computed with tg (nil: TokenLossGrad): the covariance of
// one token drawn uniformly from the sample, so a minibatch of B tokens
// drawn with replacement has gradient covariance EmpiricalGradCov / B.
func EmpiricalGradCov(l theory.Prototype, s Sample, heads [][]float64, tg TokenGrad) (*mat.SymDense, error) {
	if tg == nil {
		tg = TokenLossGrad
	}
	k, d := len(heads), len(heads[0])
	n := k * d
	mean := gradBufs(k, d)
	if _, err := EmpiricalGrad(l, s, nil, heads, mean, tg); err != nil {
		return nil, err
	}
	work := make([]float64, WorkLen(k, d))
	gi := gradBufs(k, d)
	v := make([]float64, n)
	acc := make([]float64, n*n)
	for _, x := range s.X {
		tg(l, x, heads, gi, work)
		for r := range n {
			v[r] = gi[r/d][r%d] - mean[r/d][r%d]
		}
		for i := range n {
			for j := i; j < n; j++ {
				acc[i*n+j] += v[i] * v[j]
			}
		}
	}
	S := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			S.SetSym(i, j, acc[i*n+j]/float64(s.Len()))
		}
	}
	return S, nil
}

// Sandwich estimates the M-estimator constant tr(H^-1 S H^-1), with S the
// covariance of the per-token loss gradient g(x) at heads under the
// mixture, by Monte Carlo: the mean of ||H^-1 g(x)||^2 over samples tokens
// drawn from mix (seeded: stream tag 4), with its standard error in Err.
// It uses theory.Prototype.LossGrad (the reference implementation, not the
// training code's TokenGrad), so a bug in training cannot cancel in the
// comparison. At a population critical point E g = 0, so E ||H^-1 g||^2 =
// tr(H^-1 S H^-1) exactly; elsewhere it also counts ||H^-1 E g||^2.
// H must be symmetric positive definite of size K d (an error otherwise).
//
// M-estimator theory: if theta^ is a nondegenerate minimizer of the
// population risk, the empirical minimizer theta_n next to it satisfies
// n E ||theta_n - theta^||^2 -> tr(H^-1 S H^-1).
func Sandwich(mix theory.Mixture, l theory.Prototype, heads [][]float64, H *mat.SymDense, samples int, seed uint64) (Estimate, error) {
	k, d := len(heads), mix.Dim()
	n := k * d
	if H == nil || H.SymmetricDim() != n {
		return Estimate{}, fmt.Errorf("Sandwich: Hessian must be %d x %d", n, n)
	}
	if samples < 2 {
		return Estimate{}, fmt.Errorf("Sandwich: samples must be >= 2, got %d", samples)
	}
	var ch mat.Cholesky
	if !ch.Factorize(H) {
		return Estimate{}, errors.New("Sandwich: Hessian is not positive definite")
	}
	rng := rand.New(rand.NewPCG(seed, sandwichTag<<32))
	x := make([]float64, d)
	grad := gradBufs(k, d)
	g := mat.NewVecDense(n, nil)
	var v mat.VecDense
	acc := newWelfordAcc(1)
	one := []float64{0}
	for range samples {
		x, _ = mix.Sample(x, rng.NormFloat64, rng.Float64)
		l.LossGrad(x, heads, grad)
		for r := range n {
			g.SetVec(r, grad[r/d][r%d])
		}
		if err := ch.SolveVecTo(&v, g); err != nil {
			return Estimate{}, fmt.Errorf("Sandwich: %w", err)
		}
		one[0] = mat.Dot(&v, &v)
		acc.add(one)
	}
	return Estimate{Value: acc.mean[0], Err: acc.se(0)}, nil
}
