package numerics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"attnclust/theory"
)

// synth is a test-only theory.Objective on the stacked parameters theta
// (K rows of length d): f returns the value and gradient, hess the exact
// Hessian. When riskErr or gradErr is positive, Eval perturbs the value
// and the gradient by a deterministic, non-smooth pseudo-random amount of
// up to 0.9 times the reported bound, so that algorithms are tested
// against errors as large as the bounds allow.
type synth struct {
	d, k             int
	f                func(th []float64) (float64, []float64)
	hess             func(th []float64) [][]float64
	riskErr, gradErr float64
}

func (s *synth) Dim() int   { return s.d }
func (s *synth) Heads() int { return s.k }

func (s *synth) Eval(heads [][]float64) (theory.Eval, error) {
	if err := validateHeadsShape(heads, s.k, s.d); err != nil {
		return theory.Eval{}, err
	}
	th := flattenHeads(heads)
	v, g := s.f(th)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return theory.Eval{}, fmt.Errorf("synth: value %v", v)
	}
	v += 0.9 * s.riskErr * wobble(th, 0)
	for i := range g {
		g[i] += 0.9 * s.gradErr / math.Sqrt(float64(len(g))) * wobble(th, uint64(i+1))
	}
	return theory.Eval{Risk: v, RiskErr: s.riskErr + 4*machEps*math.Abs(v), Grad: unflattenHeads(g, s.k, s.d), GradErr: s.gradErr + 4*machEps*vecNorm(g)}, nil
}

// wobble returns a deterministic pseudo-random number in [-1, 1] that
// depends on every bit of th and on j (a splitmix64 hash).
func wobble(th []float64, j uint64) float64 {
	h := j*0x9e3779b97f4a7c15 + 1
	for _, x := range th {
		h ^= math.Float64bits(x)
		h += 0x9e3779b97f4a7c15
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
		h = (h ^ (h >> 27)) * 0x94d049bb133111eb
		h ^= h >> 31
	}
	return float64(h>>11)/float64(1<<52) - 1
}

// randomSym returns a random symmetric n x n matrix with entries of size 1.
func randomSym(rng *rand.Rand, n int) [][]float64 {
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n)
	}
	for i := range n {
		for j := i; j < n; j++ {
			a[i][j] = rng.NormFloat64()
			a[j][i] = a[i][j]
		}
	}
	return a
}

// quadratic returns f = theta^T A theta / 2 + <b, theta>, Hessian A.
func quadratic(d, k int, a [][]float64, b []float64) *synth {
	return &synth{d: d, k: k,
		f: func(th []float64) (float64, []float64) {
			g := make([]float64, len(th))
			v := 0.0
			for i := range th {
				for j := range th {
					g[i] += a[i][j] * th[j]
				}
				v += th[i] * (g[i]/2 + b[i])
				g[i] += b[i]
			}
			return v, g
		},
		hess: func([]float64) [][]float64 { return a },
	}
}

// quarticExp returns f = sum_i c_i theta_i^4/4 + theta^T A theta/2 +
// exp(e theta_0 theta_last), a non-polynomial objective with a known
// Hessian and nonzero third derivatives.
func quarticExp(d, k int, c []float64, a [][]float64, e float64) *synth {
	n := d * k
	return &synth{d: d, k: k,
		f: func(th []float64) (float64, []float64) {
			g := make([]float64, n)
			v := 0.0
			for i := range n {
				v += c[i] * math.Pow(th[i], 4) / 4
				g[i] += c[i] * th[i] * th[i] * th[i]
				for j := range n {
					v += th[i] * a[i][j] * th[j] / 2
					g[i] += a[i][j] * th[j]
				}
			}
			x := math.Exp(e * th[0] * th[n-1])
			v += x
			g[0] += e * th[n-1] * x
			g[n-1] += e * th[0] * x
			return v, g
		},
		hess: func(th []float64) [][]float64 {
			h := make([][]float64, n)
			for i := range h {
				h[i] = append([]float64(nil), a[i]...)
				h[i][i] += 3 * c[i] * th[i] * th[i]
			}
			x := math.Exp(e * th[0] * th[n-1])
			h[0][0] += e * e * th[n-1] * th[n-1] * x
			h[n-1][n-1] += e * e * th[0] * th[0] * x
			h[0][n-1] += e*x + e*e*th[0]*th[n-1]*x
			h[n-1][0] = h[0][n-1]
			return h
		},
	}
}

// frobDiff returns ||H - want||_F.
func frobDiff(H *mat.SymDense, want [][]float64) float64 {
	s := 0.0
	for i := range want {
		for j := range want {
			d := H.At(i, j) - want[i][j]
			s += d * d
		}
	}
	return math.Sqrt(s)
}

func TestHessianQuadratic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	a := randomSym(rng, 6)
	b := []float64{1, -2, 0.5, 0, 3, 1}
	obj := quadratic(3, 2, a, b)
	heads := [][]float64{{0.3, -7, 2}, {100, 0, -0.01}}
	H, eb, err := Hessian(obj, heads)
	if err != nil {
		t.Fatal(err)
	}
	diff := frobDiff(H, a)
	// The gradient is linear, so central differences are exact up to
	// rounding: the bound must hold and be tiny.
	if diff > eb || eb > 1e-6 {
		t.Errorf("||H - A||_F = %g, bound %g", diff, eb)
	}
	for i := range 6 {
		for j := range 6 {
			if H.At(i, j) != H.At(j, i) {
				t.Fatalf("H not symmetric at (%d,%d)", i, j)
			}
		}
	}
}

func TestHessianQuarticExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for trial := range 20 {
		a := randomSym(rng, 4)
		c := []float64{1, 2, 0.5, 3}
		obj := quarticExp(2, 2, c, a, 0.7)
		if trial%2 == 1 {
			// Gradient errors of 1e-9: the bound must absorb them.
			obj.gradErr, obj.riskErr = 1e-9, 1e-10
		}
		heads := [][]float64{{rng.NormFloat64(), 3 * rng.NormFloat64()}, {rng.NormFloat64(), rng.NormFloat64()}}
		H, eb, err := Hessian(obj, heads)
		if err != nil {
			t.Fatal(err)
		}
		want := obj.hess(flattenHeads(heads))
		diff := frobDiff(H, want)
		// The bound must hold; it should also be informative (step
		// ~ cbrt(1e-9) = 1e-3 gives errors ~ 1e-6 times third
		// derivatives of size up to ~1e2).
		if diff > eb || eb > 1e-2 {
			t.Errorf("trial %d: ||H - exact||_F = %g, bound %g", trial, diff, eb)
		}
		// Eigenvalues within the bound (Weyl).
		got, err := Eigenvalues(H)
		if err != nil {
			t.Fatal(err)
		}
		ws := mat.NewSymDense(4, nil)
		for i := range 4 {
			for j := i; j < 4; j++ {
				ws.SetSym(i, j, want[i][j])
			}
		}
		exact, _ := Eigenvalues(ws)
		for i := range got {
			if math.Abs(got[i]-exact[i]) > eb {
				t.Errorf("trial %d: eigenvalue %d: %v, exact %v, bound %v", trial, i, got[i], exact[i], eb)
			}
		}
	}
}

func TestEigenvalues(t *testing.T) {
	// Q diag(-2, 0.5, 3) Q^T with a rotation Q in the (0,2) plane.
	c, s := math.Cos(0.3), math.Sin(0.3)
	q := mat.NewDense(3, 3, []float64{c, 0, -s, 0, 1, 0, s, 0, c})
	var m mat.Dense
	m.Mul(q, mat.NewDiagDense(3, []float64{3, -2, 0.5}))
	m.Mul(&m, q.T())
	H := mat.NewSymDense(3, nil)
	for i := range 3 {
		for j := i; j < 3; j++ {
			H.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	ev, err := Eigenvalues(H)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{-2, 0.5, 3}
	for i := range want {
		// LAPACK accuracy: a few ulps of ||H|| = 3.
		if math.Abs(ev[i]-want[i]) > 1e-14 {
			t.Errorf("eigenvalue %d: %v, want %v", i, ev[i], want[i])
		}
	}
	if m, err := MinEigen(H); err != nil || math.Abs(m+2) > 1e-14 {
		t.Errorf("MinEigen = %v, %v", m, err)
	}
	if _, err := MinEigen(nil); err == nil {
		t.Error("MinEigen(nil): no error")
	}
	bad := mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1})
	if _, err := Eigenvalues(bad); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("Eigenvalues(NaN matrix): %v", err)
	}
}

// failing is an objective whose evaluation fails away from the origin's
// neighbourhood, to test error propagation.
type failing struct{ synth }

func (f *failing) Eval(heads [][]float64) (theory.Eval, error) {
	if heads[1][0] > 0.5 {
		return theory.Eval{}, errors.New("boom")
	}
	return f.synth.Eval(heads)
}

func TestHessianErrors(t *testing.T) {
	obj := quadratic(2, 2, randomSym(rand.New(rand.NewPCG(3, 3)), 4), make([]float64, 4))
	if _, _, err := Hessian(nil, [][]float64{{0, 0}, {0, 0}}); err == nil {
		t.Error("nil objective: no error")
	}
	if _, _, err := Hessian(obj, [][]float64{{0, 0}}); err == nil || !strings.Contains(err.Error(), "heads") {
		t.Errorf("one head: %v", err)
	}
	if _, _, err := Hessian(obj, [][]float64{{0, 0}, {0, math.Inf(1)}}); err == nil || !strings.Contains(err.Error(), "heads[1][1]") {
		t.Errorf("infinite entry: %v", err)
	}
	f := &failing{*obj}
	// The start 0.5 - 1e-7 is fine, theta + h is not.
	_, _, err := Hessian(f, [][]float64{{0, 0}, {0.5 - 1e-7, 0}})
	if err == nil || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "head 1, coordinate 0") {
		t.Errorf("failing evaluation: %v", err)
	}
}
