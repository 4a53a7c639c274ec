package claims

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"pgregory.net/rapid"

	"attnclust/theory"
)

// Geometry names how the two centroids sit relative to each other and to
// the origin (the origin matters for the dot variant).
type Geometry string

const (
	// Orthogonal: equal norms, orthogonal centroids (the reference example of docs/MODEL.md §10).
	Orthogonal Geometry = "orthogonal"
	// Antipodal: mu*_2 = -mu*_1.
	Antipodal Geometry = "antipodal"
	// Angle: equal norms, angle Regime.Angle between the centroids.
	Angle Geometry = "angle"
	// Unequal: orthogonal centroids with ||mu*_2|| = NormRatio ||mu*_1||.
	Unequal Geometry = "unequal"
	// Simplex (K >= 3): the centroids are the vertices of a regular
	// simplex with every pairwise distance Separation sigma.
	Simplex Geometry = "simplex"
	// RandomK (K >= 3): standard normal centroids in K - 1 dimensions
	// (drawn from Seed, redrawn until the smallest pairwise distance is at
	// least a quarter of the largest), scaled so that the smallest
	// pairwise distance is Separation sigma.
	RandomK Geometry = "random"
	// ClosePair (K >= 3): the regular simplex of Simplex with centroids 1
	// and 2 moved symmetrically toward their midpoint, to the distance
	// NormRatio Separation sigma (0 < NormRatio <= 1).
	ClosePair Geometry = "close-pair"
)

// Regime is one data model, layer and seed on which a claim is checked.
// All fields are plain numbers so that a regime prints, parses and shrinks
// easily. The centroids are built in the plane of two random orthonormal
// vectors of R^d (drawn from Seed), so that no result depends on the
// coordinate axes.
type Regime struct {
	Name string `json:"name,omitempty"`
	D    int    `json:"d"` // dimension, >= 1 (>= 2 unless antipodal)
	// Sigma is the noise standard deviation, > 0.
	Sigma float64 `json:"sigma"`
	// Pi1 is the weight of component 1, in (0, 1).
	Pi1      float64  `json:"pi1"`
	Geometry Geometry `json:"geometry"`
	// Separation is Delta = ||mu*_1 - mu*_2|| / sigma = 2 delta / sigma, > 0.
	Separation float64 `json:"separation"`
	// Angle is the angle between the centroids in radians, in (0, pi]
	// (Angle geometry only).
	Angle float64 `json:"angle,omitempty"`
	// NormRatio is ||mu*_2|| / ||mu*_1||, > 0 (Unequal geometry only).
	NormRatio float64 `json:"norm_ratio,omitempty"`
	// Variant is "dot", "distance" or "hardmax".
	Variant string `json:"variant"`
	// LambdaSigma2 is the dimensionless inverse temperature lambda sigma^2
	// (ignored by hardmax): scaling x by c and lambda by 1/c^2 leaves the
	// attention unchanged, so lambda sigma^2 is what matters.
	LambdaSigma2 float64 `json:"lambda_sigma2"`
	// Seed fixes the embedding plane and any sampling inside a check.
	Seed uint64 `json:"seed"`
	// K is the number of components: 0 (or 2) for the two-component
	// regimes of C0 to C6, 3 to 8 (C7 to C10 use 3 to 5) for the geometries Simplex, RandomK
	// and ClosePair, whose d must be >= K - 1. With K >= 3, Pi1 is the
	// weight of component 1 and the others share 1 - Pi1 equally;
	// Separation is the smallest pairwise centroid distance in units of
	// sigma. Omitted from JSON when 0, so two-component regimes encode
	// as before.
	K int `json:"k,omitempty"`
}

// Validate reports the first field out of its domain.
func (r Regime) Validate() error {
	switch {
	case r.D < 1 || r.D > 1<<20:
		return fmt.Errorf("regime: d must be in [1, 2^20], got %d", r.D)
	case !(r.Sigma > 0) || math.IsInf(r.Sigma, 0):
		return fmt.Errorf("regime: sigma must be finite and > 0, got %v", r.Sigma)
	case !(r.Pi1 > 0 && r.Pi1 < 1):
		return fmt.Errorf("regime: pi1 must be in (0, 1), got %v", r.Pi1)
	case !(r.Separation > 0) || math.IsInf(r.Separation, 0):
		return fmt.Errorf("regime: separation must be finite and > 0, got %v", r.Separation)
	}
	if r.K != 0 && r.K != 2 {
		return r.validateK()
	}
	switch r.Geometry {
	case Orthogonal, Unequal:
		if r.D < 2 {
			return fmt.Errorf("regime: geometry %q needs d >= 2", r.Geometry)
		}
		if r.Geometry == Unequal && (!(r.NormRatio > 0) || math.IsInf(r.NormRatio, 0)) {
			return fmt.Errorf("regime: norm_ratio must be finite and > 0, got %v", r.NormRatio)
		}
	case Antipodal:
	case Angle:
		if r.D < 2 {
			return fmt.Errorf("regime: geometry %q needs d >= 2", r.Geometry)
		}
		if !(r.Angle > 0 && r.Angle <= math.Pi) {
			return fmt.Errorf("regime: angle must be in (0, pi], got %v", r.Angle)
		}
	case Simplex, RandomK, ClosePair:
		return fmt.Errorf("regime: geometry %q needs k >= 3, got %d", r.Geometry, r.K)
	default:
		return fmt.Errorf("regime: unknown geometry %q (want orthogonal, antipodal, angle or unequal)", r.Geometry)
	}
	v, err := theory.ParseVariant(r.Variant)
	if err != nil {
		return fmt.Errorf("regime: %w", err)
	}
	if v != theory.Hardmax && (!(r.LambdaSigma2 >= 0) || math.IsInf(r.LambdaSigma2, 0)) {
		return fmt.Errorf("regime: lambda_sigma2 must be finite and >= 0, got %v", r.LambdaSigma2)
	}
	return nil
}

// Delta returns the half-gap delta = Separation sigma / 2.
func (r Regime) Delta() float64 { return r.Separation * r.Sigma / 2 }

// Lambda returns the inverse temperature lambda = LambdaSigma2 / sigma^2.
func (r Regime) Lambda() float64 { return r.LambdaSigma2 / (r.Sigma * r.Sigma) }

// Hardmax reports whether the regime's layer is the hardmax variant.
func (r Regime) Hardmax() bool { return r.Variant == theory.Hardmax.String() }

// plane returns two orthonormal vectors of R^d drawn from the seed (e1 and
// -e1's complement when d = 1: only the first is used then).
func (r Regime) plane() (q1, q2 []float64) {
	rng := rand.New(rand.NewPCG(r.Seed, 0x9e3779b97f4a7c15))
	q1, q2 = make([]float64, r.D), make([]float64, r.D)
	if r.D == 1 {
		q1[0] = 1
		return q1, q2
	}
	for i := range q1 {
		q1[i] = rng.NormFloat64()
		q2[i] = rng.NormFloat64()
	}
	theory.Scale(1/theory.Norm(q1), q1)
	theory.AddScaled(q2, -theory.Inner(q1, q2), q1)
	theory.Scale(1/theory.Norm(q2), q2)
	return q1, q2
}

// Mixture builds the regime's two-component mixture.
func (r Regime) Mixture() (theory.Mixture, error) {
	if err := r.Validate(); err != nil {
		return theory.Mixture{}, err
	}
	if r.K > 2 {
		return r.mixtureK()
	}
	delta := r.Delta()
	// plane coordinates (a1, a2) and (b1, b2) of the two centroids
	var a, b [2]float64
	switch r.Geometry {
	case Orthogonal:
		rho := math.Sqrt2 * delta
		a, b = [2]float64{rho, 0}, [2]float64{0, rho}
	case Antipodal:
		a, b = [2]float64{delta, 0}, [2]float64{-delta, 0}
	case Angle:
		rho := delta / math.Sin(r.Angle/2)
		a, b = [2]float64{rho, 0}, [2]float64{rho * math.Cos(r.Angle), rho * math.Sin(r.Angle)}
	case Unequal:
		rho := 2 * delta / math.Sqrt(1+r.NormRatio*r.NormRatio)
		a, b = [2]float64{rho, 0}, [2]float64{0, r.NormRatio * rho}
	}
	q1, q2 := r.plane()
	c1, c2 := make([]float64, r.D), make([]float64, r.D)
	for i := range c1 {
		c1[i] = a[0]*q1[i] + a[1]*q2[i]
		c2[i] = b[0]*q1[i] + b[1]*q2[i]
	}
	return theory.NewMixture([]float64{r.Pi1, 1 - r.Pi1}, [][]float64{c1, c2}, r.Sigma)
}

// Layer returns the regime's trained layer.
func (r Regime) Layer() (theory.Prototype, error) {
	v, err := theory.ParseVariant(r.Variant)
	if err != nil {
		return theory.Prototype{}, fmt.Errorf("regime: %w", err)
	}
	return theory.Prototype{Variant: v, Lambda: r.Lambda()}, nil
}

// String is a compact one-line description.
func (r Regime) String() string {
	g := string(r.Geometry)
	switch r.Geometry {
	case Angle:
		g = fmt.Sprintf("angle %.3g", r.Angle)
	case Unequal:
		g = fmt.Sprintf("unequal x%.3g", r.NormRatio)
	}
	lam := fmt.Sprintf("lambda*sigma^2=%.3g", r.LambdaSigma2)
	if r.Hardmax() {
		lam = "hardmax"
	}
	name := ""
	if r.Name != "" {
		name = r.Name + ": "
	}
	if r.K > 2 {
		if r.Geometry == ClosePair {
			g = fmt.Sprintf("close-pair x%.3g", r.NormRatio)
		}
		name += fmt.Sprintf("k=%d ", r.K)
	}
	return fmt.Sprintf("%sd=%d Delta=%.3g sigma=%.3g pi1=%.3g %s %s %s seed=%d",
		name, r.D, r.Separation, r.Sigma, r.Pi1, g, r.Variant, lam, r.Seed)
}

// Ranges bound a regime generator. The zero value is not useful; start
// from FullRanges.
type Ranges struct {
	DMin, DMax                 int
	SepMin, SepMax             float64 // Delta
	LamS2Min, LamS2Max         float64 // lambda sigma^2, drawn log-uniformly
	Pi1Min, Pi1Max             float64
	SigmaMin, SigmaMax         float64 // drawn log-uniformly
	Geometries                 []Geometry
	Variants                   []string
	AngleMin, AngleMax         float64 // radians
	NormRatioMin, NormRatioMax float64
	// Ks lists the numbers of components to draw from; empty means the
	// two-component regimes (K = 0). With Ks set, Geometries must list
	// K >= 3 geometries, NormRatio is the close-pair ratio (drawn
	// uniformly) and d is raised to K - 1 when smaller.
	Ks []int
}

// FullRanges are the sampling ranges of docs/MODEL.md §7: d from 2 to 64, Delta
// from 1 to 12, lambda sigma^2 from 0.1 to 10 plus hardmax, the four
// geometries, pi1 from 0.2 to 0.8, both softmax variants and hardmax.
func FullRanges() Ranges {
	return Ranges{
		DMin: 2, DMax: 64, SepMin: 1, SepMax: 12, LamS2Min: 0.1, LamS2Max: 10,
		Pi1Min: 0.2, Pi1Max: 0.8, SigmaMin: 0.3, SigmaMax: 3,
		Geometries: []Geometry{Orthogonal, Antipodal, Angle, Unequal},
		Variants:   []string{"dot", "distance", "hardmax"},
		AngleMin:   math.Pi / 6, AngleMax: math.Pi,
		NormRatioMin: 0.5, NormRatioMax: 2,
	}
}

// Generator returns a rapid generator of regimes within rg. Draws are
// rounded to 3 significant digits so that regimes print and reproduce
// exactly; rapid shrinks toward the lower ends of the ranges and the first
// listed geometry and variant.
func (rg Ranges) Generator() *rapid.Generator[Regime] {
	return rapid.Custom(func(t *rapid.T) Regime {
		r := Regime{
			D:          rapid.IntRange(rg.DMin, rg.DMax).Draw(t, "d"),
			Separation: round3(rapid.Float64Range(rg.SepMin, rg.SepMax).Draw(t, "separation")),
			Sigma:      round3(logRange(rg.SigmaMin, rg.SigmaMax).Draw(t, "sigma")),
			Pi1:        round3(rapid.Float64Range(rg.Pi1Min, rg.Pi1Max).Draw(t, "pi1")),
			Geometry:   rapid.SampledFrom(rg.Geometries).Draw(t, "geometry"),
			Variant:    rapid.SampledFrom(rg.Variants).Draw(t, "variant"),
			Seed:       rapid.Uint64Range(0, 1<<20).Draw(t, "seed"),
		}
		if r.Variant != "hardmax" {
			r.LambdaSigma2 = round3(logRange(rg.LamS2Min, rg.LamS2Max).Draw(t, "lambda_sigma2"))
		}
		switch r.Geometry {
		case Angle:
			r.Angle = round3(rapid.Float64Range(rg.AngleMin, rg.AngleMax).Draw(t, "angle"))
			r.Angle = math.Min(r.Angle, math.Pi)
		case Unequal:
			r.NormRatio = round3(logRange(rg.NormRatioMin, rg.NormRatioMax).Draw(t, "norm_ratio"))
		}
		if r.D < 2 && r.Geometry != Antipodal {
			r.D = 2
		}
		if len(rg.Ks) > 0 {
			r.K = rapid.SampledFrom(rg.Ks).Draw(t, "k")
			r.D = max(r.D, r.K-1)
			if r.Geometry == ClosePair {
				r.NormRatio = round3(rapid.Float64Range(rg.NormRatioMin, rg.NormRatioMax).Draw(t, "close_ratio"))
			}
		}
		return r
	})
}

// logRange draws log-uniformly in [lo, hi] (lo > 0).
func logRange(lo, hi float64) *rapid.Generator[float64] {
	return rapid.Map(rapid.Float64Range(math.Log(lo), math.Log(hi)), math.Exp)
}

// round3 rounds to 3 significant digits through the decimal form, so that
// the value prints back as at most 3 digits.
func round3(x float64) float64 {
	y, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64)
	if err != nil {
		return x
	}
	return y
}

// MaxRegimeK is the largest number of components of a regime.
const MaxRegimeK = 8

// validateK checks a regime with K >= 3 components.
func (r Regime) validateK() error {
	if r.K < 3 || r.K > MaxRegimeK {
		return fmt.Errorf("regime: k must be 0, 2 or in [3, %d], got %d", MaxRegimeK, r.K)
	}
	if r.D < r.K-1 {
		return fmt.Errorf("regime: d must be >= k - 1 = %d, got %d", r.K-1, r.D)
	}
	switch r.Geometry {
	case Simplex, RandomK:
	case ClosePair:
		if !(r.NormRatio > 0 && r.NormRatio <= 1) {
			return fmt.Errorf("regime: norm_ratio (the close pair's distance over the separation) must be in (0, 1], got %v", r.NormRatio)
		}
	default:
		return fmt.Errorf("regime: geometry %q needs k = 2 (want simplex, random or close-pair with k = %d)", r.Geometry, r.K)
	}
	v, err := theory.ParseVariant(r.Variant)
	if err != nil {
		return fmt.Errorf("regime: %w", err)
	}
	if v != theory.Hardmax && (!(r.LambdaSigma2 >= 0) || math.IsInf(r.LambdaSigma2, 0)) {
		return fmt.Errorf("regime: lambda_sigma2 must be finite and >= 0, got %v", r.LambdaSigma2)
	}
	return nil
}

// CentroidsK returns the K centroids of a K >= 3 regime in K - 1
// coordinates (before the embedding into d dimensions), in token units.
func (r Regime) CentroidsK() [][]float64 {
	K, m := r.K, r.K-1
	dist := r.Separation * r.Sigma
	pts := make([][]float64, K)
	switch r.Geometry {
	case RandomK:
		// Rejection keeps the spread bounded: a draw whose smallest
		// pairwise distance is below a quarter of its largest is redrawn
		// (otherwise scaling the smallest distance to Separation sigma can
		// put the others thousands of sigma apart); after 1000 draws the
		// best one is kept.
		rng := rand.New(rand.NewPCG(r.Seed, 0x72616e64))
		var best [][]float64
		bestRatio, bestMin := -1.0, 0.0
		for try := 0; try < 1000 && bestRatio < 0.25; try++ {
			cand := make([][]float64, K)
			for k := range cand {
				cand[k] = make([]float64, m)
				for i := range cand[k] {
					cand[k][i] = rng.NormFloat64()
				}
			}
			minD, maxD := math.Inf(1), 0.0
			for a := range cand {
				for b := a + 1; b < K; b++ {
					d := theory.Dist(cand[a], cand[b])
					minD, maxD = math.Min(minD, d), math.Max(maxD, d)
				}
			}
			if ratio := minD / maxD; ratio > bestRatio {
				best, bestRatio, bestMin = cand, ratio, minD
			}
		}
		pts = best
		for k := range pts {
			theory.Scale(dist/bestMin, pts[k])
		}
	default: // Simplex, ClosePair: the centered standard basis of R^K in an orthonormal basis of its span
		var basis [][]float64
		for k := 0; k < m; k++ {
			v := make([]float64, K)
			for i := range v {
				v[i] = -1 / float64(K)
			}
			v[k]++
			for pass := 0; pass < 2; pass++ {
				for _, q := range basis {
					theory.AddScaled(v, -theory.Inner(v, q), q)
				}
			}
			theory.Scale(1/theory.Norm(v), v)
			basis = append(basis, v)
		}
		for k := range pts {
			pts[k] = make([]float64, m)
			for j, q := range basis {
				pts[k][j] = (q[k] - 1/float64(K)*sum(q)) * dist / math.Sqrt2
			}
		}
		if r.Geometry == ClosePair {
			mid := make([]float64, m)
			for i := range mid {
				mid[i] = (pts[0][i] + pts[1][i]) / 2
			}
			for _, k := range []int{0, 1} {
				for i := range pts[k] {
					pts[k][i] = mid[i] + r.NormRatio*(pts[k][i]-mid[i])
				}
			}
		}
	}
	return pts
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// WeightsK returns the weights of a K >= 3 regime: Pi1 for component 1,
// (1 - Pi1)/(K - 1) for each other.
func (r Regime) WeightsK() []float64 {
	w := make([]float64, r.K)
	w[0] = r.Pi1
	for k := 1; k < r.K; k++ {
		w[k] = (1 - r.Pi1) / float64(r.K-1)
	}
	return w
}

// mixtureK embeds CentroidsK into d dimensions through an orthonormal
// frame drawn from Seed.
func (r Regime) mixtureK() (theory.Mixture, error) {
	m := r.K - 1
	rng := rand.New(rand.NewPCG(r.Seed, 0x9e3779b97f4a7c15))
	var frame [][]float64
	for len(frame) < m {
		v := make([]float64, r.D)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		for pass := 0; pass < 2; pass++ {
			for _, q := range frame {
				theory.AddScaled(v, -theory.Inner(v, q), q)
			}
		}
		// A draw nearly inside the span of the previous ones (probability
		// ~0 unless d = m) is redrawn; 1e-3 keeps the frame well
		// conditioned.
		if n := theory.Norm(v); n > 1e-3 {
			theory.Scale(1/n, v)
			frame = append(frame, v)
		}
	}
	pts := r.CentroidsK()
	cents := make([][]float64, r.K)
	for k, p := range pts {
		c := make([]float64, r.D)
		for j, q := range frame {
			theory.AddScaled(c, p[j], q)
		}
		cents[k] = c
	}
	return theory.NewMixture(r.WeightsK(), cents, r.Sigma)
}

// MarshalJSON writes the regime with K = 2 written as K = 0 (the field
// omitted), so that a two-component regime encodes the same whichever of
// the two it carries.
func (r Regime) MarshalJSON() ([]byte, error) {
	type plain Regime // without this method
	if r.K == 2 {
		r.K = 0
	}
	return json.Marshal(plain(r))
}
