package theory_test

import (
	"math"
	"testing"

	"attnclust/theory"
)

// TestScalarFunctionsAgainstDefinitions checks the scalar helpers against
// their definitions computed another way (math.Erf instead of Erfc,
// 1/(1 + e^-x) written out, the log of a plain sum), to a few ulps:
// relative tolerance 1e-14 where no cancellation occurs.
func TestScalarFunctionsAgainstDefinitions(t *testing.T) {
	near := func(name string, got, want, rel float64) {
		t.Helper()
		if math.Abs(got-want) > rel*math.Abs(want) {
			t.Errorf("%s = %.17g, want %.17g", name, got, want)
		}
	}
	for _, x := range []float64{-3, -0.7, 0, 0.4, 2.5} {
		near("NormalCDF", theory.NormalCDF(x), (1+math.Erf(x/math.Sqrt2))/2, 1e-14)
		near("NormalQ", theory.NormalQ(x), (1-math.Erf(x/math.Sqrt2))/2, 1e-14)
		near("Sigmoid", theory.Sigmoid(x), 1/(1+math.Exp(-x)), 1e-15)
		near("Sigmoid symmetry", theory.Sigmoid(-x), 1-1/(1+math.Exp(-x)), 1e-14)
	}
	// the far tails: no overflow, full relative accuracy of tiny values
	if s := theory.Sigmoid(800); s != 1 {
		t.Errorf("Sigmoid(800) = %v, want 1", s)
	}
	near("Sigmoid(-40)", theory.Sigmoid(-40), math.Exp(-40), 1e-15) // 1 + e^-40 rounds to 1
	near("NormalCDF(-10)", theory.NormalCDF(-10), 7.6198530241604696e-24, 1e-13)
	// LogSumExp: the log of the plain sum where that is finite, and
	// finite where the plain sum overflows
	s := []float64{0.5, -1, 2}
	near("LogSumExp", theory.LogSumExp(s), math.Log(math.Exp(0.5)+math.Exp(-1)+math.Exp(2)), 1e-15)
	near("LogSumExp huge", theory.LogSumExp([]float64{1000, 1000}), 1000+math.Ln2, 1e-15)
	if v := theory.LogSumExp(nil); !math.IsInf(v, -1) {
		t.Errorf("LogSumExp(empty) = %v, want -Inf", v)
	}
	if v := theory.LogSumExp([]float64{math.Inf(-1), math.Inf(-1)}); !math.IsInf(v, -1) {
		t.Errorf("LogSumExp(-Inf, -Inf) = %v, want -Inf", v)
	}
	// Cosine: the definition, and 0 for a zero vector
	near("Cosine", theory.Cosine([]float64{3, 4}, []float64{4, 3}), 24.0/25, 1e-15)
	near("Cosine opposite", theory.Cosine([]float64{1, 2}, []float64{-2, -4}), -1, 1e-15)
	if c := theory.Cosine([]float64{0, 0}, []float64{1, 2}); c != 0 {
		t.Errorf("Cosine(0, v) = %v, want 0", c)
	}
	if c := theory.Cosine([]float64{1, 2}, []float64{0, 0}); c != 0 {
		t.Errorf("Cosine(v, 0) = %v, want 0", c)
	}
}

// TestMixtureSampleLabels drives Sample with fixed variates: the label is
// the first k with u < pi_1 + ... + pi_k (the last component when
// rounding leaves u above the sum), and the token is mu*_z + sigma times
// the normal variates.
func TestMixtureSampleLabels(t *testing.T) {
	mix, err := theory.NewMixture([]float64{0.25, 0.5, 0.25}, [][]float64{{1, 0}, {0, 1}, {-1, -1}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		u float64
		z int
	}{{0, 0}, {0.2499, 0}, {0.25, 1}, {0.7499, 1}, {0.75, 2}, {0.9999, 2}, {1.5, 2}}
	for _, c := range cases {
		n := 0
		normal := func() float64 { n++; return float64(n) * 0.5 } // 0.5, 1.0
		x, z := mix.Sample(nil, normal, func() float64 { return c.u })
		if z != c.z {
			t.Errorf("u = %v: label %d, want %d", c.u, z, c.z)
			continue
		}
		want := []float64{mix.Centroids[z][0] + 2*0.5, mix.Centroids[z][1] + 2*1.0}
		if x[0] != want[0] || x[1] != want[1] {
			t.Errorf("u = %v: token %v, want %v", c.u, x, want)
		}
	}
	dst := make([]float64, 2)
	if x, _ := mix.Sample(dst, func() float64 { return 0 }, func() float64 { return 0 }); &x[0] != &dst[0] {
		t.Error("Sample did not reuse dst of length d")
	}
}
