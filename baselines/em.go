package baselines

import (
	"fmt"
	"math"
)

// EMOptions controls EM. Zero values select defaults.
type EMOptions struct {
	// MaxIter bounds the EM iterations. Default 2000.
	MaxIter int
	// Tol stops when the mean log-likelihood per point increases by less
	// than Tol in one iteration. Default 1e-12 (EM increases the
	// likelihood monotonically, so a smaller step means it has
	// converged to rounding).
	Tol float64
	// Seed selects the k-means++ seeding of the k-means run that
	// initializes EM.
	Seed uint64
}

// EMResult is an isotropic Gaussian mixture fitted by EM.
type EMResult struct {
	Weights []float64   // mixing weights, summing to 1
	Means   [][]float64 // K means of length d
	Sigma   float64     // common standard deviation per coordinate
	// LogLik is the mean log-likelihood per point at the fit.
	LogLik    float64
	Iter      int
	Converged bool
}

// EM fits the mixture sum_k pi_k N(mu_k, sigma^2 I_d) (K components, a
// common isotropic variance) to the points x by the EM algorithm,
// initialized at KMeans (means at its centroids, weights at its cluster
// shares, sigma^2 at its inertia / d). Responsibilities go through
// log-sum-exp, so far-apart components do not underflow. The M-step is
// the closed form: pi_k = mean responsibility, mu_k = weighted mean,
// sigma^2 = weighted squared residual / (n d). Errors: as KMeans, and a
// collapse (sigma = 0 or an empty component).
func EM(x [][]float64, k int, opts EMOptions) (EMResult, error) {
	km, err := KMeans(x, k, KMeansOptions{Seed: opts.Seed})
	if err != nil {
		return EMResult{}, fmt.Errorf("EM: %w", err)
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 2000
	}
	if opts.Tol == 0 {
		opts.Tol = 1e-12
	}
	n, d := len(x), len(x[0])
	res := EMResult{Weights: make([]float64, k), Means: km.Centroids}
	for _, a := range km.Assign {
		res.Weights[a] += 1 / float64(n)
	}
	s2 := km.Inertia / float64(d)
	resp := make([]float64, n*k)
	logp := make([]float64, k)
	prev := math.Inf(-1)
	for it := 1; it <= opts.MaxIter; it++ {
		if !(s2 > 0) {
			return EMResult{}, fmt.Errorf("EM: variance collapsed at iteration %d", it)
		}
		// E-step
		ll := 0.0
		norm := -0.5 * float64(d) * math.Log(2*math.Pi*s2)
		for i, p := range x {
			m := math.Inf(-1)
			for c := range k {
				if res.Weights[c] > 0 {
					logp[c] = math.Log(res.Weights[c]) + norm - sqDist(p, res.Means[c])/(2*s2)
				} else {
					logp[c] = math.Inf(-1)
				}
				m = math.Max(m, logp[c])
			}
			sum := 0.0
			for c := range k {
				resp[i*k+c] = math.Exp(logp[c] - m)
				sum += resp[i*k+c]
			}
			for c := range k {
				resp[i*k+c] /= sum
			}
			ll += m + math.Log(sum)
		}
		ll /= float64(n)
		res.LogLik, res.Iter = ll, it
		if ll-prev < opts.Tol {
			res.Converged = true
			break
		}
		prev = ll
		// M-step
		for c := range k {
			w := 0.0
			mu := make([]float64, d)
			for i, p := range x {
				r := resp[i*k+c]
				w += r
				for j := range p {
					mu[j] += r * p[j]
				}
			}
			if !(w > 0) {
				return EMResult{}, fmt.Errorf("EM: component %d is empty at iteration %d", c, it)
			}
			for j := range mu {
				mu[j] /= w
			}
			res.Means[c] = mu
			res.Weights[c] = w / float64(n)
		}
		ss := 0.0
		for i, p := range x {
			for c := range k {
				ss += resp[i*k+c] * sqDist(p, res.Means[c])
			}
		}
		s2 = ss / float64(n*d)
	}
	res.Sigma = math.Sqrt(s2)
	return res, nil
}
