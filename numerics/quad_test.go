package numerics

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

// ruleSums applies the Kronrod and the embedded Gauss rule of rl to f on
// [-1, 1] separately.
func ruleSums(rl *gkRule, f func(float64) float64) (kr, ga float64) {
	nk := len(rl.xk) - 1
	kr = rl.wk[nk] * f(0)
	ga = rl.centerWG * f(0)
	for j := 0; j < nk; j++ {
		s := f(rl.xk[j]) + f(-rl.xk[j])
		kr += rl.wk[j] * s
		if j%2 == 1 {
			ga += rl.wg[j/2] * s
		}
	}
	return kr, ga
}

// TestRuleExactness checks the node and weight tables: each rule must
// integrate x^n over [-1, 1] exactly (2/(n+1) for even n, 0 for odd n) up
// to its degree, and must fail one degree beyond the Gauss rule's degree
// (so that the test would notice a Gauss/Kronrod mix-up).
func TestRuleExactness(t *testing.T) {
	cases := []struct {
		name       string
		rl         *gkRule
		kdeg, gdeg int
	}{
		{"GK15", &gk15Rule, 22, 13},
		{"GK21", &gk21Rule, 31, 19},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for n := 0; n <= c.kdeg+2; n++ {
				f := func(x float64) float64 { return math.Pow(x, float64(n)) }
				want := 0.0
				if n%2 == 0 {
					want = 2 / float64(n+1)
				}
				kr, ga := ruleSums(c.rl, f)
				// 1e-15: a 15- or 21-term sum of weights below 0.5 times
				// values at most 1 rounds to a few ulps of 2.
				if n <= c.kdeg && math.Abs(kr-want) > 1e-15 {
					t.Errorf("Kronrod degree %d: got %.17g want %.17g", n, kr, want)
				}
				if n <= c.gdeg && math.Abs(ga-want) > 1e-15 {
					t.Errorf("Gauss degree %d: got %.17g want %.17g", n, ga, want)
				}
				if n == c.gdeg+1 && n%2 == 0 && math.Abs(ga-want) < 1e-10 {
					t.Errorf("Gauss rule exact at degree %d: node table suspicious", n)
				}
			}
		})
	}
}

// TestIntegrateKnown checks adaptive integration against closed forms and
// that the reported error bounds the true error.
func TestIntegrateKnown(t *testing.T) {
	cases := []struct {
		name string
		f    func(float64) float64
		a, b float64
		want float64
	}{
		{"exp", math.Exp, 0, 1, math.E - 1},
		{"gauss", func(x float64) float64 { return math.Exp(-x * x / 2) }, -12, 12, math.Sqrt(2 * math.Pi)},
		{"peak", func(x float64) float64 { return 1 / (1e-4 + x*x) }, -1, 1, 2 * math.Atan(100) * 100},
		{"sqrt", math.Sqrt, 0, 1, 2.0 / 3},
		{"oscill", func(x float64) float64 { return math.Cos(50 * x) }, 0, math.Pi, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			est, ok, err := Integrate(c.f, c.a, c.b, 0, 1e-13)
			if err != nil || !ok {
				t.Fatalf("Integrate: converged=%v err=%v", ok, err)
			}
			if got := math.Abs(est.Value - c.want); got > est.Err {
				t.Errorf("true error %.3g exceeds the bound %.3g", got, est.Err)
			}
			// The bound must also be useful: within 1e-12 of the scale.
			if est.Err > 1e-12*math.Max(1, math.Abs(c.want)) {
				t.Errorf("error bound %.3g too loose", est.Err)
			}
		})
	}
}

// TestIntegrateRandom is a property test: for random sums of Gaussian
// bumps and cosines (closed-form integrals), the adaptive rule's reported
// error bounds the true error.
func TestIntegrateRandom(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 4).Draw(t, "n")
		type bump struct{ c, w, h float64 }
		bs := make([]bump, n)
		for i := range bs {
			bs[i] = bump{
				c: rapid.Float64Range(-3, 3).Draw(t, "c"),
				w: math.Pow(10, rapid.Float64Range(-3, 0.5).Draw(t, "logw")),
				h: rapid.Float64Range(-2, 2).Draw(t, "h"),
			}
		}
		om := rapid.Float64Range(0, 30).Draw(t, "omega")
		a, b := -5.0, 5.0
		f := func(x float64) float64 {
			s := math.Cos(om * x)
			for _, q := range bs {
				u := (x - q.c) / q.w
				s += q.h * math.Exp(-u*u/2)
			}
			return s
		}
		want := 0.0
		if om == 0 {
			want = b - a
		} else {
			want = (math.Sin(om*b) - math.Sin(om*a)) / om
		}
		for _, q := range bs {
			want += q.h * q.w * math.Sqrt(2*math.Pi) * (NormalCDFTest((b-q.c)/q.w) - NormalCDFTest((a-q.c)/q.w))
		}
		// Like every adaptive rule, GK only sees what its nodes see: a
		// bump narrower than the node spacing can be missed with a small
		// estimate. The contract (and our use, which breaks at the step
		// point z0) is that the initial mesh resolves every feature, so
		// each bump gets a graded mesh of breakpoints.
		br := []float64{a, b}
		for _, q := range bs {
			for _, k := range []float64{-16, -4, -1, 0, 1, 4, 16} {
				if x := q.c + k*q.w; x > a && x < b {
					br = append(br, x)
				}
			}
		}
		sortSmall(br)
		r, err := IntegrateVec(func(z float64, out []float64) { out[0] = f(z) }, 1, br, QuadTol{Rel: 1e-12, Abs: 1e-300})
		if err != nil {
			t.Fatal(err)
		}
		est, ok := Estimate{Value: r.Value[0], Err: r.Err[0]}, r.Converged
		if !ok {
			t.Skip("not converged (reported honestly)")
		}
		// The closed form itself carries a few ulps per term.
		slack := 1e-15 * (b - a + 10)
		if got := math.Abs(est.Value - want); got > est.Err+slack {
			t.Fatalf("true error %.3g exceeds bound %.3g", got, est.Err)
		}
	})
}

// NormalCDFTest is Phi(x) through erfc.
func NormalCDFTest(x float64) float64 { return math.Erfc(-x/math.Sqrt2) / 2 }

func TestIntegrateVecErrors(t *testing.T) {
	f := func(z float64, out []float64) { out[0] = z }
	if _, err := IntegrateVec(f, 0, []float64{0, 1}, QuadTol{Rel: 1e-10}); err == nil {
		t.Error("n = 0 accepted")
	}
	if _, err := IntegrateVec(f, 1, []float64{0}, QuadTol{Rel: 1e-10}); err == nil {
		t.Error("single breakpoint accepted")
	}
	if _, err := IntegrateVec(f, 1, []float64{1, 0}, QuadTol{Rel: 1e-10}); err == nil {
		t.Error("unsorted breakpoints accepted")
	}
	if _, err := IntegrateVec(f, 1, []float64{0, math.Inf(1)}, QuadTol{Rel: 1e-10}); err == nil {
		t.Error("infinite breakpoint accepted")
	}
	// A tolerance below the rounding floor cannot be met: reported, not hidden.
	r, err := IntegrateVec(func(z float64, out []float64) { out[0] = math.Exp(z) }, 1, []float64{0, 1}, QuadTol{Rel: 1e-17, MaxIntervals: 20})
	if err != nil || r.Converged {
		t.Errorf("tolerance 1e-17 reported converged=%v err=%v", r.Converged, err)
	}
}
