package claims

import (
	"fmt"
	"math"
	"math/rand/v2"

	"attnclust/theory"
)

// C7Figure is the data of C7's figure: a K = 3 mixture in d = 2, sampled
// tokens, the attention minimizer theta^ found from the centroids, the
// population k-means fixed point, and the cells of the two assignment
// rules on a grid. Coordinates are token units.
type C7Figure struct {
	// Regime is the regime drawn.
	Regime Regime
	// Centroids are the three true centroids (2-vectors).
	Centroids [][]float64
	// Points are sampled tokens and Labels their components (0-based).
	Points [][]float64
	Labels []int
	// Heads is theta^ (one 2-vector per head); HeadsLoc the estimated
	// distance (stacked, token units) from it to the critical point.
	Heads    [][]float64
	HeadsLoc float64
	// KMeans is population k-means' fixed point from the centroids (equal
	// to Heads for the hardmax layer).
	KMeans [][]float64
	// GridX and GridY are the grid's coordinates (increasing); AttnCells
	// [iy][ix] is the head of largest attention score at (GridX[ix],
	// GridY[iy]) (for distance and hardmax the nearest head of theta^,
	// whatever lambda > 0), KMeansCells the nearest k-means head.
	GridX, GridY []float64
	AttnCells    [][]int
	KMeansCells  [][]int
}

// C7FigureRegime is the figure's default regime: three components on a
// regular simplex with pairwise distance 6 sigma, weights 0.2, 0.4, 0.4,
// the distance variant at lambda sigma^2 = 1 (inside C7's hypotheses).
func C7FigureRegime() Regime {
	return Regime{Name: "C7-figure", K: 3, D: 2, Sigma: 1, Pi1: 0.2, Geometry: Simplex, Separation: 6,
		Variant: "distance", LambdaSigma2: 1, Seed: 1}
}

// C7FigureData computes the figure's data for r (K = 3, d = 2) with
// points sampled tokens (drawn from seed) and a grid x grid lattice
// covering the centroids with a margin of 3 sigma. It returns an error
// for a regime that is not K = 3 in d = 2, for points outside [0, 10^6]
// or grid outside [2, 2000], and when the numerics fail.
func C7FigureData(env Env, r Regime, points, grid int, seed uint64) (C7Figure, error) {
	if r.K != 3 || r.D != 2 {
		return C7Figure{}, fmt.Errorf("C7 figure: needs k = 3 and d = 2, got k = %d, d = %d", r.K, r.D)
	}
	if points < 0 || points > 1_000_000 {
		return C7Figure{}, fmt.Errorf("C7 figure: points must be in [0, 1e6], got %d", points)
	}
	if grid < 2 || grid > 2000 {
		return C7Figure{}, fmt.Errorf("C7 figure: grid must be in [2, 2000], got %d", grid)
	}
	run, err := C7{}.run(env, r)
	if err != nil {
		return C7Figure{}, fmt.Errorf("C7 figure: %w", err)
	}
	fig := C7Figure{Regime: r, Centroids: run.mix.Centroids, Heads: run.heads, HeadsLoc: run.loc, KMeans: run.km}
	if fig.KMeans == nil {
		fig.KMeans = run.heads
	}
	rng := rand.New(rand.NewPCG(seed, 0x66696737))
	for range points {
		x, k := run.mix.Sample(nil, rng.NormFloat64, rng.Float64)
		fig.Points = append(fig.Points, x)
		fig.Labels = append(fig.Labels, k)
	}
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, c := range run.mix.Centroids {
		for i := range 2 {
			lo[i], hi[i] = math.Min(lo[i], c[i]), math.Max(hi[i], c[i])
		}
	}
	axis := func(i int) []float64 {
		a, b := lo[i]-3*r.Sigma, hi[i]+3*r.Sigma
		v := make([]float64, grid)
		for j := range v {
			v[j] = a + (b-a)*float64(j)/float64(grid-1)
		}
		return v
	}
	fig.GridX, fig.GridY = axis(0), axis(1)
	fig.AttnCells = nearestCells(fig.GridX, fig.GridY, fig.Heads)
	fig.KMeansCells = nearestCells(fig.GridX, fig.GridY, fig.KMeans)
	return fig, nil
}

// nearestCells labels each grid point with its nearest head (ties to the
// lowest index).
func nearestCells(xs, ys []float64, heads [][]float64) [][]int {
	out := make([][]int, len(ys))
	p := make([]float64, 2)
	for iy, y := range ys {
		out[iy] = make([]int, len(xs))
		for ix, x := range xs {
			p[0], p[1] = x, y
			best, arg := math.Inf(1), 0
			for h, mu := range heads {
				if d := theory.Dist(p, mu); d < best {
					best, arg = d, h
				}
			}
			out[iy][ix] = arg
		}
	}
	return out
}
