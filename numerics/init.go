package numerics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"attnclust/theory"
)

// InitScheme is a way of drawing the two heads' starting parameters for a
// gradient flow (claim C3). The first four schemes are the regimes from
// which convergence to the centroid-aligned minimizer is asserted; the last
// two are deliberately non-admissible starts, reported as a map.
type InitScheme int

const (
	// SmallScale draws each head from Scale * N(0, I_d) (default Scale
	// 1e-3): the small-initialization regime.
	SmallScale InitScheme = iota
	// CentroidScale draws each head from N(0, I_d) * c / sqrt(d), with c
	// the mean of the centroid norms ||mu*_k|| (sigma when all centroids
	// are 0), so that heads have the centroids' typical norm.
	CentroidScale
	// DataTokens sets the heads to two independent tokens sampled from the
	// mixture (labels discarded); they are distinct with probability one,
	// and redrawn in the null event that they coincide.
	DataTokens
	// PerturbedCentroids sets head h to mu*_h + r U_h, with U_h uniform in
	// the unit ball of R^d and r = Radius (default delta/2). Head h lies
	// within r of its own centroid, so for r < delta the start is always
	// admissible in the sense of Admissible(mix, heads, r).
	PerturbedCentroids
	// BothInOneRegion picks one centroid k uniformly and sets both heads
	// to mu*_k + r U_h (U_h uniform in the unit ball, r = Radius, default
	// delta/2). For r < delta both heads lie in the Voronoi cell of mu*_k,
	// so the start is never admissible.
	BothInOneRegion
	// EqualHeads sets mu_1 = mu_2 = one token sampled from the mixture: the
	// heads sit on the swap-symmetric subspace, which gradient flow never
	// leaves.
	EqualHeads
)

// InitSchemes returns every scheme, admissible regimes first, in a new slice.
func InitSchemes() []InitScheme {
	return []InitScheme{SmallScale, CentroidScale, DataTokens, PerturbedCentroids, BothInOneRegion, EqualHeads}
}

// String returns the scheme's name: "small-scale", "centroid-scale",
// "data-tokens", "perturbed-centroids", "both-in-one-region" or
// "equal-heads".
func (s InitScheme) String() string {
	switch s {
	case SmallScale:
		return "small-scale"
	case CentroidScale:
		return "centroid-scale"
	case DataTokens:
		return "data-tokens"
	case PerturbedCentroids:
		return "perturbed-centroids"
	case BothInOneRegion:
		return "both-in-one-region"
	case EqualHeads:
		return "equal-heads"
	}
	return fmt.Sprintf("InitScheme(%d)", int(s))
}

// ParseInitScheme is the inverse of InitScheme.String.
func ParseInitScheme(name string) (InitScheme, error) {
	for _, s := range InitSchemes() {
		if s.String() == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown initialization scheme %q (want small-scale, centroid-scale, data-tokens, perturbed-centroids, both-in-one-region or equal-heads)", name)
}

// NonAdmissible reports whether the scheme draws deliberately
// non-admissible starts (BothInOneRegion, EqualHeads), from which C3 maps
// the outcome instead of asserting convergence.
func (s InitScheme) NonAdmissible() bool { return s == BothInOneRegion || s == EqualHeads }

// InitOptions holds the scheme parameters. Zero values select defaults.
type InitOptions struct {
	// Scale is the standard deviation per coordinate of SmallScale heads,
	// > 0. Default 1e-3.
	Scale float64
	// Radius is the perturbation radius r of PerturbedCentroids and
	// BothInOneRegion, > 0. Default delta/2, with delta the half-distance
	// between the centroids.
	Radius float64
}

// Init draws two heads (2 rows of length d) by scheme s for the
// two-component mixture mix, using only rng for randomness, so a seeded
// rng makes it deterministic. It returns an error for an unknown scheme, a
// nil rng, a mixture that is invalid or does not have K = 2 components,
// invalid options, and for the radius-based schemes when the radius
// (default delta/2) is 0 because the centroids coincide.
func Init(s InitScheme, mix theory.Mixture, rng *rand.Rand, opts InitOptions) ([][]float64, error) {
	if rng == nil {
		return nil, errors.New("Init: rng is nil")
	}
	if err := revalidateMixture(mix); err != nil {
		return nil, fmt.Errorf("Init: %w", err)
	}
	pair, err := mix.Pair()
	if err != nil {
		return nil, fmt.Errorf("Init: %w", err)
	}
	if opts.Scale < 0 || math.IsNaN(opts.Scale) || math.IsInf(opts.Scale, 0) {
		return nil, fmt.Errorf("Init: Scale must be finite and > 0, got %v", opts.Scale)
	}
	if opts.Radius < 0 || math.IsNaN(opts.Radius) || math.IsInf(opts.Radius, 0) {
		return nil, fmt.Errorf("Init: Radius must be finite and > 0, got %v", opts.Radius)
	}
	if opts.Scale == 0 {
		opts.Scale = 1e-3
	}
	if opts.Radius == 0 {
		opts.Radius = pair.Delta / 2
	}
	d := mix.Dim()
	normal := func(c float64) []float64 {
		v := make([]float64, d)
		for i := range v {
			v[i] = c * rng.NormFloat64()
		}
		return v
	}
	token := func() []float64 {
		x, _ := mix.Sample(nil, rng.NormFloat64, rng.Float64)
		return x
	}
	ball := func(center []float64) []float64 {
		var u []float64
		for {
			u = normal(1)
			if n := theory.Norm(u); n > 0 {
				theory.Scale(opts.Radius*math.Pow(rng.Float64(), 1/float64(d))/n, u)
				break
			}
		}
		theory.AddScaled(u, 1, center)
		return u
	}
	switch s {
	case SmallScale:
		return [][]float64{normal(opts.Scale), normal(opts.Scale)}, nil
	case CentroidScale:
		c := 0.0
		for _, mu := range mix.Centroids {
			c += theory.Norm(mu) / float64(len(mix.Centroids))
		}
		if c == 0 {
			c = mix.Sigma
		}
		c /= math.Sqrt(float64(d))
		return [][]float64{normal(c), normal(c)}, nil
	case DataTokens:
		a := token()
		b := token()
		for tries := 0; theory.Dist(a, b) == 0 && tries < 100; tries++ {
			b = token()
		}
		return [][]float64{a, b}, nil
	case PerturbedCentroids, BothInOneRegion:
		if !(opts.Radius > 0) {
			return nil, fmt.Errorf("Init: %v: radius is 0 (the default delta/2 vanishes when the centroids coincide)", s)
		}
		if s == PerturbedCentroids {
			return [][]float64{ball(mix.Centroids[0]), ball(mix.Centroids[1])}, nil
		}
		k := rng.IntN(2)
		return [][]float64{ball(mix.Centroids[k]), ball(mix.Centroids[k])}, nil
	case EqualHeads:
		x := token()
		return [][]float64{x, append([]float64(nil), x...)}, nil
	}
	return nil, fmt.Errorf("Init: unknown scheme %v", s)
}

// Admissible reports whether two heads form an admissible start for the
// two-component mixture mix with the given radius: for one of the two
// assignments of heads to centroids (heads may be swapped), each head lies
// within distance radius of its assigned centroid mu*_k and strictly
// inside that centroid's Voronoi cell (strictly closer to mu*_k than to
// the other centroid). The heads are then in different cells. Boundary
// points (equidistant from both centroids) are not admissible, so nothing
// is admissible when the centroids coincide.
//
// It returns false, rather than an error, when mix does not have 2
// components, heads is not 2 rows of length d with finite entries, or
// radius is not a finite number >= 0.
func Admissible(mix theory.Mixture, heads [][]float64, radius float64) bool {
	if revalidateMixture(mix) != nil || mix.K() != 2 {
		return false
	}
	if validateHeadsShape(heads, 2, mix.Dim()) != nil {
		return false
	}
	if !(radius >= 0) || math.IsInf(radius, 0) {
		return false
	}
	c := mix.Centroids
	fits := func(mu []float64, k int) bool {
		own, other := theory.Dist(mu, c[k]), theory.Dist(mu, c[1-k])
		return own <= radius && own < other
	}
	return (fits(heads[0], 0) && fits(heads[1], 1)) || (fits(heads[0], 1) && fits(heads[1], 0))
}
