package claims

import (
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
	// Orthogonal: equal norms, orthogonal centroids (THEORY 2.4's example).
	Orthogonal Geometry = "orthogonal"
	// Antipodal: mu*_2 = -mu*_1.
	Antipodal Geometry = "antipodal"
	// Angle: equal norms, angle Regime.Angle between the centroids.
	Angle Geometry = "angle"
	// Unequal: orthogonal centroids with ||mu*_2|| = NormRatio ||mu*_1||.
	Unequal Geometry = "unequal"
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
}

// FullRanges are the ranges of THEORY section 4: d from 2 to 64, Delta
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
