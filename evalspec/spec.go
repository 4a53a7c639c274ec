package evalspec

import (
	"fmt"
	"math"

	"attnclust/theory"
)

// Caps on a spec. They keep every evaluation finite and bounded in time:
// squares of the magnitudes stay normal float64 numbers, and the Monte
// Carlo work Samples*L*D stays within minutes.
const (
	// MaxDim is the largest token dimension d accepted (10^7).
	MaxDim = 10_000_000
	// MaxSamples is the largest number of Monte Carlo sequences (10^7).
	MaxSamples = 10_000_000
	// MaxL is the largest finite sequence length L (10^6).
	MaxL = 1_000_000
	// MaxWork caps Samples*L*D, the Monte Carlo work (2e10 token-coordinates).
	MaxWork = 2e10
	// MaxAbs caps |entry| of centroids and heads, sigma and lambda (1e150),
	// so that squares and products of two such numbers do not overflow.
	MaxAbs = 1e150
	// MinSigma is the smallest sigma accepted (1e-150), so that sigma^2
	// does not underflow.
	MinSigma = 1e-150
	// MinComponents and MaxComponents bound the number of mixture
	// components K of a prototype spec (the length of its weights, and
	// the number of centroids and of heads): 2 <= K <= 8. K = 2 is
	// evaluated by the exact one-dimensional reduction with certified
	// bounds; K = 3 by the planar rules (certified for hardmax, estimated
	// errors for dot and distance); K >= 4 by randomized quasi-Monte Carlo
	// (statistical; see PrototypeKResult).
	MinComponents = 2
	MaxComponents = 8
	// MaxDimK is the largest token dimension d of a prototype spec with
	// K >= 3 components (10^6): the randomized evaluation costs
	// O(K^2 d (K + 32)) vector work, about 3 s at K = 8 and d = 10^6.
	MaxDimK = 1_000_000
	// IdentityComponents is the number of components of an identity spec:
	// the numerics of the identity layer implement K = 2 only.
	IdentityComponents = 2
)

// Layer names accepted in the "layer" field.
const (
	// LayerPrototype is the trained attention layer whose heads are both
	// keys and values (docs/MODEL.md §2); a spec of this layer asks for
	// the population risk and its gradient at the heads.
	LayerPrototype = "prototype"
	// LayerIdentity is the in-context layer with identity key, query and
	// value (docs/MODEL.md §6); a spec of this layer asks for its
	// quantization error.
	LayerIdentity = "identity"
)

// Spec is one eval spec: an isotropic Gaussian mixture with K components, a
// layer, and the point at which to evaluate it. Its JSON form (field
// names in the tags) is the input of "verify eval"; Decode reads it
// strictly, Encode writes it, Validate checks a Spec built in Go, and
// Evaluate computes its answer.
//
// A field's zero value (nil pointer, nil slice, empty string, zero
// number) means the field is absent in Validate and Encode. The JSON
// decoder tells "absent" from "present with the zero value" itself, so
// "samples": 0 in JSON is rejected even though Samples == 0 in Go means
// "no samples field".
type Spec struct {
	// Layer is LayerPrototype or LayerIdentity. Required.
	Layer string `json:"layer"`
	// Variant is how a token scores the heads of the prototype layer:
	// "dot" (lambda <x, mu_h>), "distance" (lambda (<x, mu_h> -
	// ||mu_h||^2/2)) or "hardmax" (the nearest head). Required for the
	// prototype layer, not allowed for the identity layer.
	Variant string `json:"variant,omitempty"`
	// D is the token dimension d, an integer in [1, MaxDim]. Required.
	D int `json:"d"`
	// Sigma is the standard deviation of the noise on each coordinate
	// (same units as the tokens), in [MinSigma, MaxAbs]. Required.
	Sigma float64 `json:"sigma"`
	// Weights are the mixing weights pi_k, one per component: each in
	// (0, 1], summing to 1 within theory.WeightSumTol (1e-12). Their number
	// is the number of components K: 2 <= K <= MaxComponents (8) for the
	// prototype layer, exactly IdentityComponents (2) for the identity
	// layer. Required.
	Weights []float64 `json:"weights"`
	// Centroids are the component means mu*_k: K vectors of length D with
	// |entries| <= MaxAbs. Required.
	Centroids [][]float64 `json:"centroids"`
	// Lambda is the inverse temperature (units 1/token^2), in [0, MaxAbs].
	// Required, except for variant "hardmax", which ignores it.
	Lambda *float64 `json:"lambda,omitempty"`
	// Heads are the head parameters mu_h of the prototype layer: K vectors
	// of length D with |entries| <= MaxAbs. Required for the prototype
	// layer, not allowed for the identity layer.
	Heads [][]float64 `json:"heads,omitempty"`
	// L is the sequence length of the identity layer, an integer in
	// [0, MaxL]; 0 asks for the L -> infinity limit, computed exactly.
	// Required for the identity layer, not allowed for the prototype
	// layer.
	L *int `json:"L,omitempty"`
	// Samples is the number of Monte Carlo sequences for L > 0, in
	// [1, MaxSamples], with Samples*L*D <= MaxWork. Required when L > 0,
	// not allowed otherwise (0 means absent).
	Samples int `json:"samples,omitempty"`
	// Seed is the random seed of the Monte Carlo estimate, any uint64.
	// Required when L > 0, not allowed otherwise.
	Seed *uint64 `json:"seed,omitempty"`
}

// Fields returns the JSON field names of a spec, in the order in which
// Validate checks them (and Encode writes them).
func Fields() []string {
	return []string{"layer", "variant", "d", "sigma", "weights", "centroids", "lambda", "heads", "L", "samples", "seed"}
}

// K returns the number of components of s, the length of its weights.
func (s Spec) K() int { return len(s.Weights) }

// Prototype returns the spec of the risk of layer l on mix at heads. The
// slices are shared, not copied. Lambda is omitted for the hardmax
// variant, which ignores it.
func Prototype(mix theory.Mixture, l theory.Prototype, heads [][]float64) Spec {
	s := Spec{Layer: LayerPrototype, Variant: l.Variant.String(), D: mix.Dim(), Sigma: mix.Sigma,
		Weights: mix.Weights, Centroids: mix.Centroids, Heads: heads}
	if l.Variant != theory.Hardmax {
		lam := l.Lambda
		s.Lambda = &lam
	}
	return s
}

// Identity returns the spec of the quantization error of the identity
// layer at inverse temperature lambda on mix: L = 0 for the L -> infinity
// limit (samples and seed are then ignored), or a Monte Carlo estimate
// over samples sequences of length L drawn from seed.
func Identity(mix theory.Mixture, lambda float64, L, samples int, seed uint64) Spec {
	s := Spec{Layer: LayerIdentity, D: mix.Dim(), Sigma: mix.Sigma, Weights: mix.Weights,
		Centroids: mix.Centroids, Lambda: &lambda, L: &L}
	if L > 0 {
		s.Samples, s.Seed = samples, &seed
	}
	return s
}

// FieldError is a rejected spec. Field names the offending field, with an
// index path for entries of vectors ("centroids[1][0]"), or is empty when
// the input as a whole is at fault (malformed JSON, trailing data). Msg
// states the rule that was broken, in words.
type FieldError struct {
	// Field is the offending field, "" for the input as a whole.
	Field string
	// Msg is the broken rule, in words, without the field's name.
	Msg string
	// Err is the underlying error, if any (for errors.Is and errors.As).
	Err error
}

// Error returns `spec: field "F": MSG`, or `spec: MSG` without a field.
func (e *FieldError) Error() string {
	if e.Field == "" {
		return "spec: " + e.Msg
	}
	return fmt.Sprintf("spec: field %q: %s", e.Field, e.Msg)
}

// Unwrap returns the underlying error, if any.
func (e *FieldError) Unwrap() error { return e.Err }

func errf(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// field indices, in Fields order, for the presence set.
const (
	fLayer = iota
	fVariant
	fD
	fSigma
	fWeights
	fCentroids
	fLambda
	fHeads
	fL
	fSamples
	fSeed
	nFields
)

// presence records which fields a spec has.
type presence [nFields]bool

// presenceOf derives presence from zero values (see Spec).
func presenceOf(s *Spec) presence {
	var p presence
	p[fLayer] = s.Layer != ""
	p[fVariant] = s.Variant != ""
	p[fD] = s.D != 0
	p[fSigma] = s.Sigma != 0
	p[fWeights] = s.Weights != nil
	p[fCentroids] = s.Centroids != nil
	p[fLambda] = s.Lambda != nil
	p[fHeads] = s.Heads != nil
	p[fL] = s.L != nil
	p[fSamples] = s.Samples != 0
	p[fSeed] = s.Seed != nil
	return p
}

// Validate checks every rule of the spec contract (see Usage) and returns
// a *FieldError naming the first field, in Fields order, that breaks one.
// Zero values mean absent fields (see Spec). It takes O(D) time.
func (s Spec) Validate() error {
	return validate(&s, presenceOf(&s))
}

// validate checks s given which fields are present.
func validate(s *Spec, has presence) error {
	names := Fields()
	if !has[fLayer] {
		return errf("layer", "required (%q or %q)", LayerPrototype, LayerIdentity)
	}
	var notAllowed []int
	switch s.Layer {
	case LayerPrototype:
		notAllowed = []int{fL, fSamples, fSeed}
	case LayerIdentity:
		notAllowed = []int{fVariant, fHeads}
	default:
		return errf("layer", "must be %q or %q, got %q", LayerPrototype, LayerIdentity, s.Layer)
	}
	for _, f := range notAllowed {
		if has[f] {
			return errf(names[f], "not allowed for layer %q", s.Layer)
		}
	}
	need := func(f int, what string) error {
		if !has[f] {
			return errf(names[f], "required for layer %q (%s)", s.Layer, what)
		}
		return nil
	}

	hardmax := false
	if s.Layer == LayerPrototype {
		if err := need(fVariant, `"dot", "distance" or "hardmax"`); err != nil {
			return err
		}
		v, err := theory.ParseVariant(s.Variant)
		if err != nil {
			return errf("variant", "must be \"dot\", \"distance\" or \"hardmax\", got %q", s.Variant)
		}
		hardmax = v == theory.Hardmax
	}

	if err := need(fD, "integer token dimension"); err != nil {
		return err
	}
	if s.D < 1 || s.D > MaxDim {
		return errf("d", "must be an integer in [1, %d], got %d", MaxDim, s.D)
	}

	if err := need(fSigma, "noise standard deviation"); err != nil {
		return err
	}
	if !(s.Sigma > 0) || math.IsInf(s.Sigma, 0) {
		return errf("sigma", "must be finite and > 0, got %v", s.Sigma)
	}
	if s.Sigma < MinSigma || s.Sigma > MaxAbs {
		return errf("sigma", "must be in [%g, %g] so that sigma^2 neither underflows nor overflows, got %v", MinSigma, MaxAbs, s.Sigma)
	}

	if err := need(fWeights, "mixing weights, one per component"); err != nil {
		return err
	}
	if err := checkWeights(s.Weights, s.Layer); err != nil {
		return err
	}
	k := len(s.Weights)

	if err := need(fCentroids, "one vector of length d per component"); err != nil {
		return err
	}
	if k > 2 && s.D > MaxDimK {
		return errf("d", "must be at most %d with %d components (the cost of the K > 2 evaluation grows as K^3 d), got %d", MaxDimK, k, s.D)
	}
	if err := checkMatrix("centroids", "one per component", s.Centroids, k, s.D); err != nil {
		return err
	}

	if has[fLambda] || !hardmax {
		if !has[fLambda] {
			return errf("lambda", "required for layer %q%s (inverse temperature >= 0)", s.Layer, variantSuffix(s))
		}
		lam := *s.Lambda
		if math.IsNaN(lam) || math.IsInf(lam, 0) {
			return errf("lambda", "must be finite, got %v", lam)
		}
		if lam < 0 {
			return errf("lambda", "must be >= 0, got %v", lam)
		}
		if lam > MaxAbs {
			return errf("lambda", "|value| must be <= %g (squares must not overflow), got %v", MaxAbs, lam)
		}
	}

	if s.Layer == LayerPrototype {
		if err := need(fHeads, "one vector of length d per head"); err != nil {
			return err
		}
		return checkMatrix("heads", "one per head, as many as components", s.Heads, k, s.D)
	}

	// Identity layer.
	if err := need(fL, "sequence length; 0 means L -> infinity"); err != nil {
		return err
	}
	if *s.L < 0 || *s.L > MaxL {
		return errf("L", "must be an integer in [0, %d] (0 means L -> infinity), got %d", MaxL, *s.L)
	}
	if *s.L == 0 {
		for _, f := range []int{fSamples, fSeed} {
			if has[f] {
				return errf(names[f], "not allowed when L = 0 (the L -> infinity limit is computed exactly, without sampling)")
			}
		}
		return nil
	}
	if err := need(fSamples, "Monte Carlo sequences, needed when L > 0"); err != nil {
		return err
	}
	if s.Samples < 1 || s.Samples > MaxSamples {
		return errf("samples", "must be an integer in [1, %d] when L > 0, got %d", MaxSamples, s.Samples)
	}
	if work := float64(s.Samples) * float64(*s.L) * float64(s.D); work > MaxWork {
		return errf("samples", "work samples*L*d = %g exceeds the cap %g", work, MaxWork)
	}
	return need(fSeed, "random seed, needed when L > 0")
}

// variantSuffix names the variant of a prototype spec for messages.
func variantSuffix(s *Spec) string {
	if s.Layer == LayerPrototype {
		return fmt.Sprintf(" with variant %q", s.Variant)
	}
	return ""
}

// checkWeights checks the number of components allowed for layer and
// each weight.
func checkWeights(w []float64, layer string) error {
	if layer == LayerIdentity && len(w) != IdentityComponents {
		return errf("weights", "must have exactly %d entries for layer %q (one per component; the identity layer is implemented for 2 components), got %d", IdentityComponents, LayerIdentity, len(w))
	}
	if len(w) < MinComponents || len(w) > MaxComponents {
		return errf("weights", "must have %d to %d entries (one per component), got %d", MinComponents, MaxComponents, len(w))
	}
	sum := 0.0
	for k, x := range w {
		if !(x > 0) || x > 1 {
			return errf(fmt.Sprintf("weights[%d]", k), "must be > 0 and <= 1, got %v", x)
		}
		sum += x
	}
	if math.Abs(sum-1) > theory.WeightSumTol {
		return errf("weights", "must sum to 1 within %g, sum is %.17g", theory.WeightSumTol, sum)
	}
	return nil
}

// checkMatrix checks that m has rows vectors of length cols with finite
// entries of magnitude at most MaxAbs; per says what a row stands for.
func checkMatrix(field, per string, m [][]float64, rows, cols int) error {
	if len(m) != rows {
		return errf(field, "must have exactly %d vectors (%s), got %d", rows, per, len(m))
	}
	for i, v := range m {
		if len(v) != cols {
			return errf(fmt.Sprintf("%s[%d]", field, i), "must have length d = %d, got %d", cols, len(v))
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return errf(fmt.Sprintf("%s[%d][%d]", field, i, j), "must be finite, got %v", x)
			}
			if math.Abs(x) > MaxAbs {
				return errf(fmt.Sprintf("%s[%d][%d]", field, i, j), "|value| must be <= %g (squares must not overflow), got %v", MaxAbs, x)
			}
		}
	}
	return nil
}
