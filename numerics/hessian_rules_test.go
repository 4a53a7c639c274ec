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
