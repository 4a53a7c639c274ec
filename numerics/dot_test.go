package numerics

import (
	"math"
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

// TestDot2Accurate checks the compensated inner product against exact
// rational arithmetic on ill-conditioned sums (terms of size up to 1e8
// cancelling to O(1)): the error must be within 2 eps |exact| + 1e-28
// sum |x y| (Dot2's bound eps |s| + gamma_n^2 sum |x y| with room).
func TestDot2Accurate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 200).Draw(t, "n")
		x, y := make([]float64, n), make([]float64, n)
		exact := new(big.Rat)
		abs := 0.0
		for i := range x {
			x[i] = rapid.Float64Range(-1e4, 1e4).Draw(t, "x")
			y[i] = rapid.Float64Range(-1e4, 1e4).Draw(t, "y")
			p := new(big.Rat).Mul(new(big.Rat).SetFloat64(x[i]), new(big.Rat).SetFloat64(y[i]))
			exact.Add(exact, p)
			abs += math.Abs(x[i] * y[i])
		}
		want, _ := exact.Float64()
		got := dot2(x, y)
		if math.Abs(got-want) > 2*epsilon*math.Abs(want)+1e-28*abs {
			t.Fatalf("dot2 = %.17g, exact %.17g", got, want)
		}
	})
}
