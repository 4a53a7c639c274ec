package theory

import (
	"fmt"
	"math"
)

// Variant selects how a query token scores the heads of a Prototype layer.
type Variant int

const (
	// Dot scores head h by s_h(x) = lambda <x, mu_h>.
	Dot Variant = iota
	// Distance scores head h by s_h(x) = lambda (<x, mu_h> - ||mu_h||^2/2),
	// which equals -lambda ||x - mu_h||^2/2 up to a term common to all heads.
	Distance
	// Hardmax is the lambda -> infinity limit of Distance: the output is
	// the head nearest to x (ties go to the lowest index, a null event).
	Hardmax
)

// String returns the variant's name as used in specs: "dot", "distance"
// or "hardmax".
func (v Variant) String() string {
	switch v {
	case Dot:
		return "dot"
	case Distance:
		return "distance"
	case Hardmax:
		return "hardmax"
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// ParseVariant is the inverse of Variant.String.
func ParseVariant(s string) (Variant, error) {
	switch s {
	case "dot":
		return Dot, nil
	case "distance":
		return Distance, nil
	case "hardmax":
		return Hardmax, nil
	}
	return 0, fmt.Errorf("unknown variant %q (want dot, distance or hardmax)", s)
}

// Prototype is the trained layer of docs/MODEL.md §2: K heads, each with
// one parameter vector mu_h serving as key and value. A query x attends to
// the heads with probabilities p = softmax(s_1(x), ..., s_K(x)) and the
// layer outputs T(x) = sum_h p_h(x) mu_h.
type Prototype struct {
	Variant Variant
	Lambda  float64 // inverse temperature, finite and >= 0; ignored by Hardmax
}

// Validate reports whether the layer's fields are in their domains.
func (l Prototype) Validate() error {
	if l.Variant < Dot || l.Variant > Hardmax {
		return fmt.Errorf("variant: unknown value %d", int(l.Variant))
	}
	if l.Variant != Hardmax && (!(l.Lambda >= 0) || math.IsInf(l.Lambda, 0)) {
		return fmt.Errorf("lambda: must be finite and >= 0, got %v", l.Lambda)
	}
	return nil
}

// Scores writes the scores s_h(x) into dst (allocated if of the wrong
// length). For Hardmax it writes -||x - mu_h||^2/2, whose argmax is the
// nearest head.
func (l Prototype) Scores(dst, x []float64, heads [][]float64) []float64 {
	if len(dst) != len(heads) {
		dst = make([]float64, len(heads))
	}
	for h, mu := range heads {
		switch l.Variant {
		case Dot:
			dst[h] = l.Lambda * Inner(x, mu)
		case Distance:
			dst[h] = l.Lambda * (Inner(x, mu) - Inner(mu, mu)/2)
		default:
			dst[h] = -sqDist(x, mu) / 2
		}
	}
	return dst
}

// Probs returns the attention probabilities p_h(x). Softmax variants use
// log-sum-exp; Hardmax returns the indicator of the nearest head.
func (l Prototype) Probs(x []float64, heads [][]float64) []float64 {
	s := l.Scores(nil, x, heads)
	if l.Variant != Hardmax {
		return Softmax(s, s)
	}
	best := 0
	for h := range s {
		if s[h] > s[best] {
			best = h
		}
	}
	for h := range s {
		s[h] = 0
	}
	s[best] = 1
	return s
}

// Output returns T(x) = sum_h p_h(x) mu_h.
func (l Prototype) Output(x []float64, heads [][]float64) []float64 {
	p := l.Probs(x, heads)
	t := make([]float64, len(x))
	for h, mu := range heads {
		AddScaled(t, p[h], mu)
	}
	return t
}

// Loss returns ||x - T(x)||^2, the integrand of the population risk.
func (l Prototype) Loss(x []float64, heads [][]float64) float64 {
	return sqDist(x, l.Output(x, heads))
}

// LossGrad returns the loss at x and writes its gradient with respect to
// each head into grad (K rows of length d, overwritten). With r = x - T(x)
// and g_h = x (Dot) or x - mu_h (Distance),
//
//	d loss / d mu_h = -2 p_h [ r + lambda g_h <mu_h - T(x), r> ].
//
// For Hardmax the gradient is -2 (x - mu_h) for the nearest head and 0
// for the others (the loss is continuous across the Voronoi boundary, so
// the moving boundary contributes nothing).
func (l Prototype) LossGrad(x []float64, heads [][]float64, grad [][]float64) float64 {
	p := l.Probs(x, heads)
	t := make([]float64, len(x))
	for h, mu := range heads {
		AddScaled(t, p[h], mu)
	}
	r := make([]float64, len(x))
	for i := range x {
		r[i] = x[i] - t[i]
	}
	for h, mu := range heads {
		g := grad[h]
		for i := range g {
			g[i] = -2 * p[h] * r[i]
		}
		if l.Variant == Hardmax || p[h] == 0 {
			continue
		}
		c := 0.0 // <mu_h - T, r>
		for i := range r {
			c += (mu[i] - t[i]) * r[i]
		}
		c *= -2 * p[h] * l.Lambda
		for i := range g {
			gi := x[i]
			if l.Variant == Distance {
				gi -= mu[i]
			}
			g[i] += c * gi
		}
	}
	return Inner(r, r)
}

// Identity is the parameter-free layer of docs/MODEL.md §6: key, query and
// value are the identity, scores are scaled by Lambda (Lambda = 1 is the
// plain identity case), and token i outputs
// sum_j softmax_j(lambda <x_i, x_j>) x_j over all tokens, i included.
type Identity struct {
	Lambda float64 // score scale, finite and >= 0
}

// Output returns the layer's output at token i of the sequence xs.
// Scores go through log-sum-exp, so it is finite for any finite tokens.
func (l Identity) Output(xs [][]float64, i int) []float64 {
	s := make([]float64, len(xs))
	for j, x := range xs {
		s[j] = l.Lambda * Inner(xs[i], x)
	}
	Softmax(s, s)
	out := make([]float64, len(xs[i]))
	for j, x := range xs {
		AddScaled(out, s[j], x)
	}
	return out
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}
