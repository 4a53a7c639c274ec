package numerics_test

// Double-double arithmetic (about 32 significant digits) for the outside
// references: every number is an unevaluated sum hi + lo with |lo| <=
// ulp(hi)/2. Only what the references need is here: +, -, *, /, sqrt,
// exp, and conversion. The algorithms are the classical error-free
// transformations (Knuth's two-sum, FMA two-product) and Dekker/Bailey's
// division and square root, each with relative error below 1e-30.

import "math"

type dd struct{ hi, lo float64 }

func ddf(x float64) dd { return dd{x, 0} }

// twoSum returns s, e with s = fl(a + b) and a + b = s + e exactly.
func twoSum(a, b float64) (float64, float64) {
	s := a + b
	bb := s - a
	return s, (a - (s - bb)) + (b - bb)
}

func quickTwoSum(a, b float64) (float64, float64) {
	s := a + b
	return s, b - (s - a)
}

func (a dd) add(b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	t, f := twoSum(a.lo, b.lo)
	e += t
	s, e = quickTwoSum(s, e)
	e += f
	s, e = quickTwoSum(s, e)
	return dd{s, e}
}

func (a dd) neg() dd           { return dd{-a.hi, -a.lo} }
func (a dd) sub(b dd) dd       { return a.add(b.neg()) }
func (a dd) addf(b float64) dd { return a.add(ddf(b)) }

func (a dd) mul(b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	e += a.hi*b.lo + a.lo*b.hi
	p, e = quickTwoSum(p, e)
	return dd{p, e}
}

func (a dd) mulf(b float64) dd { return a.mul(ddf(b)) }

func (a dd) div(b dd) dd {
	q1 := a.hi / b.hi
	r := a.sub(b.mulf(q1))
	q2 := r.hi / b.hi
	r = r.sub(b.mulf(q2))
	q3 := r.hi / b.hi
	s, e := quickTwoSum(q1, q2)
	return dd{s, e}.addf(q3)
}

func (a dd) sqrt() dd {
	if a.hi <= 0 {
		return dd{}
	}
	x := math.Sqrt(a.hi)
	// one Newton correction: sqrt(a) ~ x + (a - x^2)/(2x)
	xx := ddf(x).mulf(x)
	return ddf(x).add(a.sub(xx).mulf(0.5 / x))
}

func (a dd) float() float64 { return a.hi + a.lo }

// ddLn2 and ddPi are ln 2 and pi to double-double accuracy.
var (
	ddLn2 = dd{0.6931471805599453, 2.3190468138462996e-17}
	ddPi  = dd{3.141592653589793, 1.2246467991473532e-16}
)

// exp returns e^a. Argument reduction a = k ln2 + r, |r| <= ln2/2, then
// r / 2^10, a Taylor series of 20 terms (remainder < (3.4e-4)^21/21! far
// below 1e-32), and ten squarings.
func (a dd) exp() dd {
	if a.hi > 709 {
		return dd{math.Inf(1), 0}
	}
	if a.hi < -745 {
		return dd{}
	}
	k := math.Round(a.hi / ddLn2.hi)
	r := a.sub(ddLn2.mulf(k))
	r = r.mulf(1.0 / 1024)
	sum := ddf(1)
	term := ddf(1)
	for n := 1; n <= 20; n++ {
		term = term.mul(r).div(ddf(float64(n)))
		sum = sum.add(term)
	}
	for range 10 {
		sum = sum.mul(sum)
	}
	return dd{math.Ldexp(sum.hi, int(k)), math.Ldexp(sum.lo, int(k))}
}

// sigmoid returns 1/(1 + e^-a), computed without overflow.
func (a dd) sigmoid() dd {
	if a.hi >= 0 {
		return ddf(1).div(ddf(1).add(a.neg().exp()))
	}
	e := a.exp()
	return e.div(ddf(1).add(e))
}

// ddVec helpers.
func ddVec(v []float64) []dd {
	out := make([]dd, len(v))
	for i, x := range v {
		out[i] = ddf(x)
	}
	return out
}

func ddInner(a, b []dd) dd {
	s := dd{}
	for i := range a {
		s = s.add(a[i].mul(b[i]))
	}
	return s
}

// diffFloat returns the float64 value of (a - b) for a dd reference a and
// a float64 result b: the true error of b, correct to a relative 1e-16.
func diffFloat(a dd, b float64) float64 { return a.sub(ddf(b)).float() }
