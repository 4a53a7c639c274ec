package theory

import (
	"fmt"
	"math"
)

// Mixture is an isotropic Gaussian mixture in R^d: a label z in {0..K-1}
// has probability Weights[z], and x | z ~ N(Centroids[z], Sigma^2 I_d).
// Use NewMixture to build a validated value; the fields are exported for
// reading and must not be modified after construction.
type Mixture struct {
	Weights   []float64   // mixing weights pi_k, each in (0, 1], summing to 1
	Centroids [][]float64 // K centroids mu*_k, each of length d
	Sigma     float64     // common standard deviation per coordinate, > 0
}

// WeightSumTol is the tolerance on |sum(Weights) - 1| accepted by
// NewMixture: a few ulps of the sum of a handful of decimal inputs.
const WeightSumTol = 1e-12

// NewMixture validates its arguments and returns the mixture. It requires
// K >= 1 components, weights in (0, 1] summing to 1 within WeightSumTol,
// centroids all of the same length d >= 1, finite entries, and a finite
// sigma > 0. The slices are copied.
func NewMixture(weights []float64, centroids [][]float64, sigma float64) (Mixture, error) {
	if len(weights) == 0 {
		return Mixture{}, fmt.Errorf("weights: need at least one component")
	}
	if len(centroids) != len(weights) {
		return Mixture{}, fmt.Errorf("centroids: got %d, want one per weight (%d)", len(centroids), len(weights))
	}
	if !(sigma > 0) || math.IsInf(sigma, 0) {
		return Mixture{}, fmt.Errorf("sigma: must be finite and > 0, got %v", sigma)
	}
	sum := 0.0
	for k, w := range weights {
		if !(w > 0) || w > 1 || math.IsNaN(w) {
			return Mixture{}, fmt.Errorf("weights[%d]: must be in (0, 1], got %v", k, w)
		}
		sum += w
	}
	if math.Abs(sum-1) > WeightSumTol {
		return Mixture{}, fmt.Errorf("weights: must sum to 1 within %g, sum is %.17g", WeightSumTol, sum)
	}
	d := len(centroids[0])
	if d < 1 {
		return Mixture{}, fmt.Errorf("centroids[0]: dimension must be >= 1")
	}
	m := Mixture{Weights: append([]float64(nil), weights...), Sigma: sigma}
	for k, c := range centroids {
		if len(c) != d {
			return Mixture{}, fmt.Errorf("centroids[%d]: length %d, want %d", k, len(c), d)
		}
		if i := firstNonFinite(c); i >= 0 {
			return Mixture{}, fmt.Errorf("centroids[%d][%d]: must be finite, got %v", k, i, c[i])
		}
		m.Centroids = append(m.Centroids, append([]float64(nil), c...))
	}
	return m, nil
}

// Dim returns the token dimension d.
func (m Mixture) Dim() int { return len(m.Centroids[0]) }

// K returns the number of components.
func (m Mixture) K() int { return len(m.Weights) }

// Pair summarizes a two-component mixture by the derived quantities of
// docs/MODEL.md §1.
type Pair struct {
	Mid        []float64 // m* = (mu*_1 + mu*_2)/2
	Delta      float64   // delta = ||mu*_1 - mu*_2||/2 (half the gap), >= 0
	U          []float64 // u = (mu*_1 - mu*_2)/(2 delta); zero vector when delta = 0
	Separation float64   // signal-to-noise 2 delta / sigma
}

// Pair returns the derived quantities of a two-component mixture. It
// returns an error when K != 2.
func (m Mixture) Pair() (Pair, error) {
	if m.K() != 2 {
		return Pair{}, fmt.Errorf("mixture has %d components, Pair needs 2", m.K())
	}
	a, b := m.Centroids[0], m.Centroids[1]
	p := Pair{Mid: make([]float64, len(a)), U: make([]float64, len(a))}
	for i := range a {
		p.Mid[i] = (a[i] + b[i]) / 2
		p.U[i] = (a[i] - b[i]) / 2
	}
	p.Delta = Norm(p.U)
	if p.Delta > 0 {
		Scale(1/p.Delta, p.U)
	}
	p.Separation = 2 * p.Delta / m.Sigma
	return p, nil
}

// BayesError returns the misclassification probability of the Bayes rule
// for equal weights, Phi(-delta/sigma), computed through erfc so that it
// keeps full relative accuracy in the far tail.
func (p Pair) BayesError(sigma float64) float64 {
	return NormalQ(p.Delta / sigma)
}

// Sample draws one token and its label from the mixture. normal and unif
// supply independent standard normal and uniform [0,1) variates (for
// example rand.Rand's NormFloat64 and Float64). dst, if of length d, is
// reused.
func (m Mixture) Sample(dst []float64, normal, unif func() float64) ([]float64, int) {
	d := m.Dim()
	if len(dst) != d {
		dst = make([]float64, d)
	}
	u := unif()
	z := len(m.Weights) - 1
	acc := 0.0
	for k, w := range m.Weights {
		acc += w
		if u < acc {
			z = k
			break
		}
	}
	c := m.Centroids[z]
	for i := range dst {
		dst[i] = c[i] + m.Sigma*normal()
	}
	return dst, z
}

func firstNonFinite(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}
