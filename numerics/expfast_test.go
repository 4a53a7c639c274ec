package numerics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpNeg compares expNeg with math.Exp (accurate to below 1 ulp) on
// random arguments over [-745, 0], on the reduction's boundaries (the
// points (64 k + j + 1/2) ln2/64 where the rounding of the reduction
// flips) and at special points. expNeg is designed to about 1.02 ulp, so
// the two may differ by up to about 2 ulp; 3 eps relative (plus the
// smallest subnormal, for the results that math.Exp computes itself) leaves
// rounding room and still catches a wrong table entry, coefficient or
// scaling (those give errors far above 1e-14).
func TestExpNeg(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	check := func(x float64) {
		t.Helper()
		got, want := expNeg(x), math.Exp(x)
		if a, b := expNeg2(x, -1+x/2); a != got || b != expNeg(-1+x/2) {
			t.Fatalf("expNeg2(%.17g, %.17g) = %v, %v differs from expNeg: %v, %v", x, -1+x/2, a, b, got, expNeg(-1+x/2))
		}
		if d := math.Abs(got - want); d > 3*epsilon*want+5e-324 {
			t.Fatalf("expNeg(%.17g) = %.17g, math.Exp %.17g, relative difference %.3g", x, got, want, d/want)
		}
	}
	for i := 0; i < 200000; i++ {
		check(-745 * rng.Float64())
		check(-math.Pow(10, -16+18*rng.Float64()))
	}
	for n := -65000; n <= 0; n += 37 {
		x := (float64(n) + 0.5) * math.Ln2 / 64
		check(x)
		check(math.Nextafter(x, 0))
		check(math.Nextafter(x, -1))
	}
	for _, x := range []float64{0, math.Copysign(0, -1), -1e-300, -5e-324, -0.5, -1, -707.9, -708, -708.1, -744, -745.2, -746, -1e10, math.Inf(-1)} {
		check(x)
	}
	if expNeg(0) != 1 || expNeg(-math.Ln2) != 0.5 {
		t.Errorf("expNeg(0) = %v, expNeg(-ln2) = %v, want 1 and 0.5 exactly", expNeg(0), expNeg(-math.Ln2))
	}
}
