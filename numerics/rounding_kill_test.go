package numerics

// Tests of the rounding allowances inside certified or estimated error
// bounds. No reference exact to a few eps is needed: a bound must cover
// rounding, so two evaluations of the same quantity by routes that round
// differently must agree within the sum of their bounds. The route used
// here scales the data, the noise and the heads by 3 (which rounds
// differently from the original inputs) on inputs chosen so that the
// scaled problem is exactly the original one in other units. With one
// head the quadrature's error estimates are negligible, so the rounding
// allowance is the dominant term of each bound: a dropped, negated or
// shrunken allowance makes the bounds smaller than the observed
// disagreement (or negative).

import (
	"fmt"
	"math"
	"testing"

	"attnclust/theory"
)

// roundingGrid is the spacing of the test inputs (2^-20): entries of
// magnitude below 2^12 on this grid have at most 32 significant bits, so
// their products by 3 (34 bits) are exact in float64.
const roundingGrid = 0x1p-20

// onRoundingGrid rounds every entry of v to the nearest multiple of
// roundingGrid, in place, and returns v.
func onRoundingGrid(v [][]float64) [][]float64 {
	for _, x := range v {
		for j := range x {
			x[j] = math.Round(x[j]/roundingGrid) * roundingGrid
		}
	}
	return v
}

// timesThree returns a copy of v with every entry multiplied by 3.
func timesThree(v [][]float64) [][]float64 {
	out := make([][]float64, len(v))
	for i, x := range v {
		out[i] = make([]float64, len(x))
		for j := range x {
			out[i][j] = 3 * x[j]
		}
	}
	return out
}

// scaledPair returns a mixture and heads on the rounding grid and the same
// problem in units three times smaller (centroids, sigma and heads times
// 3, each product exact). The risk of the second is exactly 9 times the
// first's and its gradient exactly 3 times.
func scaledPair(t *testing.T, d, H int, sigma float64, seed uint64) (theory.Mixture, [][]float64, theory.Mixture, [][]float64) {
	t.Helper()
	mix0, heads := kSetup(t, 2, H, d, sigma, seed)
	heads = onRoundingGrid(heads)
	mix, err := theory.NewMixture(mix0.Weights, onRoundingGrid(mix0.Centroids), sigma)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(append([][]float64{}, mix.Centroids...), heads...) {
		for _, x := range c {
			if math.Abs(x) >= 0x1p12 {
				t.Fatalf("input %g too large for an exact product by 3", x)
			}
		}
	}
	mix3, err := theory.NewMixture(mix.Weights, timesThree(mix.Centroids), 3*sigma)
	if err != nil {
		t.Fatal(err)
	}
	return mix, heads, mix3, timesThree(heads)
}

// checkScaledAgreement requires |e3 - s^2 e| within the sum of the two
// risk bounds (the second scaled) and each gradient entry |g3 - s g|
// within the sum of the gradient bounds; it returns the largest ratio of
// a disagreement to its allowed value. The differences are formed with
// one rounding (fused multiply-add), whose relative error 2^-53 and the
// relative rounding of the sum of bounds (2^-52) are covered by the
// factor (1 - 4 eps) on the difference.
func checkScaledAgreement(t *testing.T, name string, e, e3 theory.Eval, s float64) float64 {
	t.Helper()
	shrink := 1 - 4*epsilon
	worst := 0.0
	rb := e3.RiskErr + s*s*e.RiskErr
	rd := math.Abs(math.FMA(-s*s, e.Risk, e3.Risk)) * shrink
	if !(rd <= rb) {
		t.Errorf("%s: risks %.17g and %.17g (scaled by %g) differ by %.3g, beyond the sum of their bounds %.3g (%.3g + %g^2 x %.3g)",
			name, e.Risk, e3.Risk, s*s, rd, rb, e3.RiskErr, s, e.RiskErr)
	}
	worst = math.Max(worst, rd/rb)
	gb := e3.GradErr + s*e.GradErr
	for h := range e.Grad {
		for i := range e.Grad[h] {
			gd := math.Abs(math.FMA(-s, e.Grad[h][i], e3.Grad[h][i])) * shrink
			if !(gd <= gb) {
				t.Errorf("%s: gradient entry [%d][%d] %.17g and %.17g (scaled by %g) differ by %.3g, beyond the sum of their bounds %.3g",
					name, h, i, e.Grad[h][i], e3.Grad[h][i], s, gd, gb)
			}
			worst = math.Max(worst, gd/gb)
		}
	}
	return worst
}

// TestPlanarBoundsCoverScaling: HardmaxPlanar and SoftmaxPlanar (distance
// variant, lambda scaled by 1/9 with the data so that the attention is
// unchanged) on a problem and the same problem in units three times
// smaller: risks and gradients agree within the sums of their bounds.
// With one head and sigma = 8 (risks of 60 to 5000) the quadrature
// estimates are negligible and the bounds are mostly the rounding
// allowances (4d + 16) eps times the inputs' scale: measured, the
// disagreements are at most 0.02 of the bounds, while a bound without its
// allowance (or with the allowance divided by the scale instead of
// multiplied) falls 20 to 10^6 times below the disagreement of some
// configurations, and (4d - 16) instead of (4d + 16) makes the bounds
// negative for d <= 3. Two-head cases (quadrature-dominated bounds) are
// kept for coverage.
func TestPlanarBoundsCoverScaling(t *testing.T) {
	const sigma = 8.0 // wide spread: large inputs, so rounding dominates
	worst := 0.0
	for _, d := range []int{1, 2, 3, 5} {
		for _, H := range []int{1, 2} {
			for _, seed := range []uint64{1, 2, 3} {
				if H == 2 && (testing.Short() && seed > 1) {
					continue
				}
				mix, heads, mix3, heads3 := scaledPair(t, d, H, sigma, seed)
				hm, err := NewHardmaxPlanar(mix, H)
				if err != nil {
					t.Fatal(err)
				}
				hm3, err := NewHardmaxPlanar(mix3, H)
				if err != nil {
					t.Fatal(err)
				}
				// 9/64 and 1/64 are exact: lambda |x - mu|^2 is the same
				// number in both units.
				sm, err := NewSoftmaxPlanar(mix, theory.Prototype{Variant: theory.Distance, Lambda: 9 / (sigma * sigma)}, H)
				if err != nil {
					t.Fatal(err)
				}
				sm3, err := NewSoftmaxPlanar(mix3, theory.Prototype{Variant: theory.Distance, Lambda: 1 / (sigma * sigma)}, H)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range []struct {
					name  string
					o, o3 theory.Objective
				}{{"hardmax", hm, hm3}, {"softmax", sm, sm3}} {
					name := fmt.Sprintf("%s d=%d H=%d seed=%d", p.name, d, H, seed)
					e, err := p.o.Eval(heads)
					if err != nil {
						t.Fatal(err)
					}
					e3, err := p.o3.Eval(heads3)
					if err != nil {
						t.Fatal(err)
					}
					worst = math.Max(worst, checkScaledAgreement(t, name, e, e3, 3))
				}
			}
		}
	}
	t.Logf("largest disagreement over its allowed value: %.3g", worst)
}

// TestRiskBoundsCoverScaling: the two-head Risk (hardmax, and the distance
// variant with lambda scaled by 1/9 with the data) on a problem and the
// same problem in units three times smaller, heads at the centroids, in
// dimension 10: risks and gradients agree within the sums of their
// bounds. There the moments are exact to a few eps and the noise term
// d sigma^2 dominates the risk, so the risk bound is mostly its rounding
// allowance 4 eps (|mu - e|^2 + d sigma^2 + |F|) per component. Measured
// over these 24 cases, the disagreements are at most 0.12 of the bounds
// (risks and gradients); with d sigma^2 subtracted instead of added in
// that allowance, 23 of the 24 risks exceed their bounds (by factors of
// 6 to 4e6).
func TestRiskBoundsCoverScaling(t *testing.T) {
	const d = 10 // enough noise dimensions for d sigma^2 to dominate
	worst := 0.0
	for _, sigma := range []float64{1, 8} {
		for seed := uint64(1); seed <= 6; seed++ {
			mix, _, mix3, _ := scaledPair(t, d, 2, sigma, seed)
			for _, l := range []struct{ a, b theory.Prototype }{
				{theory.Prototype{Variant: theory.Hardmax}, theory.Prototype{Variant: theory.Hardmax}},
				// 9/sigma^2 and 1/sigma^2 are exact for sigma = 1 and 8.
				{theory.Prototype{Variant: theory.Distance, Lambda: 9 / (sigma * sigma)}, theory.Prototype{Variant: theory.Distance, Lambda: 1 / (sigma * sigma)}},
			} {
				r, err := NewRisk(mix, l.a)
				if err != nil {
					t.Fatal(err)
				}
				r3, err := NewRisk(mix3, l.b)
				if err != nil {
					t.Fatal(err)
				}
				e, err := r.Eval(mix.Centroids)
				if err != nil {
					t.Fatal(err)
				}
				e3, err := r3.Eval(mix3.Centroids)
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%v sigma=%g seed=%d", l.a.Variant, sigma, seed)
				worst = math.Max(worst, checkScaledAgreement(t, name, e, e3, 3))
			}
		}
	}
	t.Logf("largest disagreement over its allowed value: %.3g", worst)
}

// TestHardmaxPlanarTwoHeadScaling: HardmaxPlanar with two heads in
// dimension 1 on a problem and the same problem in units three times
// smaller (24 cases): the risk and gradient bounds are non-negative and
// cover the disagreements. Here the bounds are mostly the planar
// quadrature's estimates carried through the risk's formula (terms
// |b|^2 eP + 2 |b| eY per head). Measured, the disagreements are at most
// 0.005 of the bounds; with the second term subtracted instead of added,
// the risk bounds are negative in 5 of the 24 cases (down to -5e-13).
func TestHardmaxPlanarTwoHeadScaling(t *testing.T) {
	worst := 0.0
	for _, sigma := range []float64{1, 8} {
		for seed := uint64(1); seed <= 12; seed++ {
			mix, heads, mix3, heads3 := scaledPair(t, 1, 2, sigma, seed)
			hm, err := NewHardmaxPlanar(mix, 2)
			if err != nil {
				t.Fatal(err)
			}
			hm3, err := NewHardmaxPlanar(mix3, 2)
			if err != nil {
				t.Fatal(err)
			}
			e, err := hm.Eval(heads)
			if err != nil {
				t.Fatal(err)
			}
			e3, err := hm3.Eval(heads3)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("sigma=%g seed=%d", sigma, seed)
			for _, b := range []float64{e.RiskErr, e3.RiskErr, e.GradErr, e3.GradErr} {
				if !(b >= 0) {
					t.Errorf("%s: negative error bound %.3g", name, b)
				}
			}
			worst = math.Max(worst, checkScaledAgreement(t, name, e, e3, 3))
		}
	}
	t.Logf("largest disagreement over its allowed value: %.3g", worst)
}
