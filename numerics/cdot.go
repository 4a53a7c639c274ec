package numerics

import "math"

// cdot is the state of dot2's compensated dot product (Ogita, Rump and
// Oishi's Dot2 with FMA-exact products), so that several dot products can
// be accumulated in one pass over the coordinates. Adding the same terms
// in the same order gives bit for bit dot2's result.
type cdot struct{ s, c float64 }

// add accumulates x y (the same operations as one step of dot2; the
// explicit conversions forbid fusing into FMAs).
func (a *cdot) add(x, y float64) {
	h := float64(x * y)
	r := math.FMA(x, y, -h)
	t := float64(a.s + h)
	z := float64(t - a.s)
	e := float64(float64(a.s-float64(t-z)) + float64(h-z))
	a.s = t
	a.c += e + r
}

// sum returns the accumulated dot product.
func (a *cdot) sum() float64 { return a.s + a.c }
