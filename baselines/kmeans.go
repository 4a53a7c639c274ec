package baselines

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// KMeansOptions controls KMeans. Zero values select defaults.
type KMeansOptions struct {
	// MaxIter bounds Lloyd's iterations. Default 1000.
	MaxIter int
	// Seed selects the k-means++ seeding stream.
	Seed uint64
}

// KMeansResult is the outcome of KMeans.
type KMeansResult struct {
	Centroids [][]float64 // K centroids of length d
	Assign    []int       // cluster of each point
	// Inertia is the mean squared distance of each point to its
	// centroid (the empirical k-means distortion, per point).
	Inertia   float64
	Iter      int  // Lloyd iterations taken
	Converged bool // the assignments stopped changing before MaxIter
}

// KMeans clusters the points x (n rows of length d) into k clusters:
// k-means++ seeding (first centre uniform, each next one drawn with
// probability proportional to the squared distance to the nearest centre
// so far), then Lloyd's iteration (assign each point to the nearest
// centroid, ties to the lowest index; move each centroid to the mean of
// its points) until no assignment changes. An empty cluster is re-seeded
// at the point farthest from its centroid. Errors: k < 1, n < k, ragged
// or non-finite rows.
func KMeans(x [][]float64, k int, opts KMeansOptions) (KMeansResult, error) {
	if err := checkPoints(x, k); err != nil {
		return KMeansResult{}, fmt.Errorf("KMeans: %w", err)
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 1000
	}
	n, d := len(x), len(x[0])
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6b6d65616e73))
	cent := make([][]float64, 0, k)
	cent = append(cent, append([]float64(nil), x[rng.IntN(n)]...))
	d2 := make([]float64, n)
	for i := range x {
		d2[i] = sqDist(x[i], cent[0])
	}
	for len(cent) < k {
		tot := 0.0
		for _, v := range d2 {
			tot += v
		}
		pick := n - 1
		if tot > 0 {
			u := rng.Float64() * tot
			acc := 0.0
			for i, v := range d2 {
				acc += v
				if u < acc {
					pick = i
					break
				}
			}
		} else {
			pick = rng.IntN(n)
		}
		c := append([]float64(nil), x[pick]...)
		cent = append(cent, c)
		for i := range x {
			d2[i] = math.Min(d2[i], sqDist(x[i], c))
		}
	}
	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	res := KMeansResult{}
	for it := 1; it <= opts.MaxIter; it++ {
		changed := 0
		for i, p := range x {
			best, bd := 0, math.Inf(1)
			for c, mu := range cent {
				if v := sqDist(p, mu); v < bd {
					best, bd = c, v
				}
			}
			if assign[i] != best {
				changed++
				assign[i] = best
			}
			d2[i] = bd
		}
		res.Iter = it
		if changed == 0 {
			res.Converged = true
			break
		}
		cnt := make([]int, k)
		for c := range cent {
			for j := range cent[c] {
				cent[c][j] = 0
			}
		}
		for i, p := range x {
			cnt[assign[i]]++
			for j := range p {
				cent[assign[i]][j] += p[j]
			}
		}
		for c := range cent {
			if cnt[c] == 0 {
				far := 0
				for i := range d2 {
					if d2[i] > d2[far] {
						far = i
					}
				}
				copy(cent[c], x[far])
				d2[far] = 0
				continue
			}
			for j := range cent[c] {
				cent[c][j] /= float64(cnt[c])
			}
		}
	}
	inertia := 0.0
	for i, p := range x {
		inertia += sqDist(p, cent[assign[i]])
	}
	res.Centroids, res.Assign, res.Inertia = cent, assign, inertia/float64(n)
	_ = d
	return res, nil
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		v := a[i] - b[i]
		s += v * v
	}
	return s
}

func checkPoints(x [][]float64, k int) error {
	if k < 1 {
		return fmt.Errorf("k must be >= 1, got %d", k)
	}
	if len(x) < k {
		return fmt.Errorf("need at least k = %d points, got %d", k, len(x))
	}
	d := len(x[0])
	if d == 0 {
		return errors.New("points have dimension 0")
	}
	for i, p := range x {
		if len(p) != d {
			return fmt.Errorf("point %d has length %d, want %d", i, len(p), d)
		}
		for _, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("point %d is not finite", i)
			}
		}
	}
	return nil
}

// Match returns the permutation perm (estimate perm[k] matched with
// reference k) minimizing sum_k ||est[perm[k]] - ref[k]||^2 over all
// permutations (K! of them: meant for small K, at most 8), and the
// largest matched distance max_k ||est[perm[k]] - ref[k]||. Errors: sizes
// differ or K > 8.
func Match(est, ref [][]float64) ([]int, float64, error) {
	k := len(ref)
	if len(est) != k || k == 0 || k > 8 {
		return nil, 0, fmt.Errorf("Match: need 1 to 8 estimates and references of the same count, got %d and %d", len(est), k)
	}
	perm := make([]int, k)
	for i := range perm {
		perm[i] = i
	}
	best := append([]int(nil), perm...)
	bestCost := math.Inf(1)
	var rec func(i int)
	rec = func(i int) {
		if i == k {
			c := 0.0
			for j := range k {
				c += sqDist(est[perm[j]], ref[j])
			}
			if c < bestCost {
				bestCost = c
				copy(best, perm)
			}
			return
		}
		for j := i; j < k; j++ {
			perm[i], perm[j] = perm[j], perm[i]
			rec(i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
	}
	rec(0)
	worst := 0.0
	for j := range k {
		worst = math.Max(worst, math.Sqrt(sqDist(est[best[j]], ref[j])))
	}
	return best, worst, nil
}
