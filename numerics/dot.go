package numerics

import "math"

// dot2 returns <x, y> with compensated summation (Ogita, Rump, Oishi's
// Dot2 with FMA-exact products): the result is as accurate as if computed
// in twice the working precision and then rounded, so its relative error
// is about eps plus eps^2 times the condition number of the sum.
func dot2(x, y []float64) float64 {
	var s, c float64
	for i, xi := range x {
		h := float64(xi * y[i])
		r := math.FMA(xi, y[i], -h)
		t := float64(s + h)
		z := float64(t - s)
		e := float64(float64(s-float64(t-z)) + float64(h-z))
		s = t
		c += e + r
	}
	return s + c
}

// dotDiff2 returns <x - y, v> with each difference rounded once and the
// sum compensated.
func dotDiff2(x, y, v []float64, buf []float64) float64 {
	for i := range x {
		buf[i] = x[i] - y[i]
	}
	return dot2(buf, v)
}

// norm2sq returns ||x||^2 with compensated summation.
func norm2sq(x []float64) float64 { return dot2(x, x) }
