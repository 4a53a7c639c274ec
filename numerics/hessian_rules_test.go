package numerics_test

import (
	"math"
	"testing"

	"attnclust/numerics"
	"attnclust/theory"
)

// quartic is R = sum_i theta_i^4 / 4 (two heads), whose Hessian is
// diag(3 theta_i^2) and whose central difference with step h is exactly
// 3 theta_i^2 + h^2 on the diagonal: the truncation error shows the step.
// ge > 0 replaces the reported gradient error (a looser, still honest
// bound).
type quartic struct {
	d  int
	ge float64
}

func (q quartic) Dim() int   { return q.d }
func (q quartic) Heads() int { return 2 }
func (q quartic) Eval(h [][]float64) (theory.Eval, error) {
	ev := theory.Eval{Grad: make([][]float64, 2)}
	for k := range h {
		ev.Grad[k] = make([]float64, q.d)
		for i, x := range h[k] {
			ev.Risk += x * x * x * x / 4
			ev.Grad[k][i] = x * x * x
			// a few ulps of each cube
			ev.GradErr = math.Hypot(ev.GradErr, 4*0x1p-52*math.Abs(x*x*x))
		}
	}
	if q.ge > 0 {
		ev.GradErr = q.ge
	}
	return ev, nil
}

// TestHessianScaleFree checks the documented scale-free steps: the
// Hessian of the quartic at parameters of size 1e-4 and of size 1 has
// the same relative accuracy (steps proportional to the parameters'
// scale, h ~ cbrt(eps) scale, give a relative error ~ (h/scale)^2 / 3 ~
// 1e-11), within 1e-8 relative to the largest entry; a step fixed in
// absolute units would be off by 1e-3 relative at size 1e-4. At theta =
// 0 (scale 0, where the default scale 1 applies) the Hessian exists, is
// within its bound of the exact zero matrix, and the bound is finite.
func TestHessianScaleFree(t *testing.T) {
	for _, size := range []float64{1, 1e-4} {
		heads := [][]float64{{size, -2 * size}, {0.5 * size, 1.5 * size}}
		H, bound, err := numerics.Hessian(quartic{d: 2}, heads)
		if err != nil {
			t.Fatal(err)
		}
		th := stack(heads)
		hmax := 0.0
		for _, x := range th {
			hmax = math.Max(hmax, 3*x*x)
		}
		diff := 0.0
		for i := range th {
			for j := range th {
				want := 0.0
				if i == j {
					want = 3 * th[i] * th[i]
				}
				diff = math.Hypot(diff, H.At(i, j)-want)
			}
		}
		t.Logf("size %g: ||H - exact|| / max|H| = %.3g, bound %.3g", size, diff/hmax, bound/hmax)
		if diff > 1e-8*hmax {
			t.Errorf("size %g: relative Hessian error %.3g > 1e-8: steps not scaled with the parameters", size, diff/hmax)
		}
		if diff > bound {
			t.Errorf("size %g: Hessian error %.3g above its bound %.3g", size, diff, bound)
		}
	}
	zero := [][]float64{{0, 0}, {0, 0}}
	H, bound, err := numerics.Hessian(quartic{d: 2}, zero)
	if err != nil {
		t.Fatalf("Hessian at theta = 0: %v", err)
	}
	for i := range 4 {
		for j := range 4 {
			if math.Abs(H.At(i, j)) > bound || math.IsInf(bound, 0) {
				t.Fatalf("Hessian at 0: entry (%d, %d) = %v, bound %v", i, j, H.At(i, j), bound)
			}
		}
	}
}

// TestHessianBoundFormula pins the Hessian bound's formula where every
// term is known: on the quartic at |theta_i| = 1 with stated GradErr E =
// 1e-6, all steps are h = cbrt(E) = 1e-2, the central difference's error
// is exactly h^2 on each of the 4 diagonal entries (Frobenius 2 h^2), the
// Richardson estimate |D_h - D_2h|/3 = |h^2 - 4 h^2|/3 = h^2 is exact, and
// the gradient-error term is (E + E)/(2h) = h^2 per column (Frobenius
// 2 h^2). The documented bound 2 * truncation + gradient term is then
// 6 h^2 = 3 times the true error; rounding moves this by < 1e-9 relative.
func TestHessianBoundFormula(t *testing.T) {
	heads := [][]float64{{1, -1}, {-1, 1}}
	H, bound, err := numerics.Hessian(quartic{d: 2, ge: 1e-6}, heads)
	if err != nil {
		t.Fatal(err)
	}
	diff := 0.0
	for i := range 4 {
		for j := range 4 {
			want := 0.0
			if i == j {
				want = 3
			}
			diff = math.Hypot(diff, H.At(i, j)-want)
		}
	}
	ratio := bound / diff
	t.Logf("true error %.6g (2 h^2 = %.6g), bound %.6g, ratio %.9g", diff, 2*math.Pow(math.Cbrt(1e-6), 2), bound, ratio)
	if math.Abs(ratio-3) > 1e-6 {
		t.Errorf("Hessian bound %.6g is %.9g times the true error %.6g; the documented formula gives exactly 3", bound, ratio, diff)
	}
}

// linearField reports the gradient B theta for a fixed matrix B (not
// necessarily symmetric), with a negligible stated error: a formula
// probe, not an honest objective when B is not symmetric.
type linearField struct {
	b [4][4]float64
}

func (l linearField) Dim() int   { return 2 }
func (l linearField) Heads() int { return 2 }
func (l linearField) Eval(h [][]float64) (theory.Eval, error) {
	th := stack(h)
	g := make([]float64, 4)
	for i := range g {
		for j := range g {
			g[i] += l.b[i][j] * th[j]
		}
	}
	return theory.Eval{Grad: [][]float64{g[:2], g[2:]}, GradErr: 1e-300}, nil
}

// TestHessianAsymmetryTerm pins the asymmetry part of the Hessian bound:
// for a linear gradient field B theta the differences are exact (D_h =
// D_2h = B, Richardson estimate 0) and the gradient-error term is
// negligible (1e-300/h), so the bound is 2 (safety factor) times the
// Frobenius norm of the asymmetry (B - B^T)/2, and H is the symmetric
// part of B to the differences' rounding, eps ||g|| / h ~ 2e-16 * 5 /
// 6e-6 ~ 2e-10 (tolerance 1e-9; those rounding differences also enter
// the Richardson estimate, at 1e-10 relative to the bound).
func TestHessianAsymmetryTerm(t *testing.T) {
	l := linearField{b: [4][4]float64{
		{2, 0.25, 0, 0},
		{-0.25, 1, 0, 0.5},
		{0, 0, 3, 0},
		{0, 0.1, 0, 1.5},
	}}
	H, bound, err := numerics.Hessian(l, [][]float64{{1, 2}, {-1, 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	asym := 0.0
	for i := range 4 {
		for j := range 4 {
			if d := H.At(i, j) - (l.b[i][j]+l.b[j][i])/2; math.Abs(d) > 1e-9 {
				t.Errorf("H[%d][%d] = %v, want the symmetric part %v", i, j, H.At(i, j), (l.b[i][j]+l.b[j][i])/2)
			}
			asym = math.Hypot(asym, (l.b[i][j]-l.b[j][i])/2)
		}
	}
	if want := 2 * asym; math.Abs(bound-want) > 1e-9*want {
		t.Errorf("Hessian bound %.12g, want 2 ||(B - B^T)/2||_F = %.12g", bound, want)
	}
}
