package theory

import "math"

// Inner returns the inner product <a, b>. a and b must have equal length.
func Inner(a, b []float64) float64 {
	s := 0.0
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// Norm returns the Euclidean norm of v. The plain sum of squares is used
// when it neither overflows nor underflows (the usual case, one pass);
// otherwise the vector is rescaled by its largest magnitude, so the result
// is accurate for any finite entries.
func Norm(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	if s > 0x1p-900 && s < 0x1p900 {
		return math.Sqrt(s)
	}
	return scaledNorm(v, nil)
}

// scaledNorm returns ||v - w|| (w nil: ||v||) by rescaling with the
// largest magnitude.
func scaledNorm(v, w []float64) float64 {
	at := func(i int) float64 {
		if w == nil {
			return v[i]
		}
		return v[i] - w[i]
	}
	scale := 0.0
	for i := range v {
		if a := math.Abs(at(i)); a > scale || math.IsNaN(a) {
			scale = a
		}
	}
	if scale == 0 || math.IsInf(scale, 0) || math.IsNaN(scale) {
		return scale
	}
	s := 0.0
	for i := range v {
		y := at(i) / scale // division: 1/scale overflows for subnormal scales
		s += y * y
	}
	return scale * math.Sqrt(s)
}

// Dist returns ||a - b|| without allocating (see Norm for the scaling).
func Dist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	if s > 0x1p-900 && s < 0x1p900 {
		return math.Sqrt(s)
	}
	return scaledNorm(a, b)
}

// Scale multiplies v by c in place.
func Scale(c float64, v []float64) {
	for i := range v {
		v[i] *= c
	}
}

// AddScaled sets dst += c * v.
func AddScaled(dst []float64, c float64, v []float64) {
	for i, x := range v {
		dst[i] += c * x
	}
}

// Cosine returns <a, b>/(||a|| ||b||), or 0 when either vector is zero.
func Cosine(a, b []float64) float64 {
	na, nb := Norm(a), Norm(b)
	if na == 0 || nb == 0 {
		return 0
	}
	return Inner(a, b) / na / nb
}

// Clone returns a deep copy of a set of vectors.
func Clone(vs [][]float64) [][]float64 {
	out := make([][]float64, len(vs))
	for i, v := range vs {
		out[i] = append([]float64(nil), v...)
	}
	return out
}

// NormalPDF returns the standard normal density phi(x).
func NormalPDF(x float64) float64 {
	return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi)
}

// NormalQ returns the upper tail P(Z > x) = Phi(-x) of a standard normal,
// through erfc, with full relative accuracy for large positive x.
func NormalQ(x float64) float64 {
	return math.Erfc(x/math.Sqrt2) / 2
}

// NormalCDF returns Phi(x) = P(Z <= x).
func NormalCDF(x float64) float64 {
	return math.Erfc(-x/math.Sqrt2) / 2
}

// Sigmoid returns 1/(1+exp(-x)) without overflow for any x, with full
// relative accuracy also when the result is tiny.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// LogSumExp returns log(sum_i exp(s_i)) computed with the maximum
// factored out, so that it is finite whenever the s_i are finite.
// It returns -Inf for an empty slice.
func LogSumExp(s []float64) float64 {
	m := math.Inf(-1)
	for _, x := range s {
		m = math.Max(m, x)
	}
	if math.IsInf(m, 0) {
		return m
	}
	sum := 0.0
	for _, x := range s {
		sum += math.Exp(x - m)
	}
	return m + math.Log(sum)
}

// Softmax writes softmax(s) into dst (allocated when of the wrong length)
// and returns it. The maximum score is subtracted before exponentiating
// and the exponentials are normalized by their sum (not by exp(-lse)), so
// the result is finite and sums to 1 within a few ulps for any finite
// scores, however large. dst may alias s.
func Softmax(dst, s []float64) []float64 {
	if len(dst) != len(s) {
		dst = make([]float64, len(s))
	}
	m := math.Inf(-1)
	for _, x := range s {
		m = math.Max(m, x)
	}
	sum := 0.0
	for i, x := range s {
		dst[i] = math.Exp(x - m)
		sum += dst[i]
	}
	for i := range dst {
		dst[i] /= sum
	}
	return dst
}
