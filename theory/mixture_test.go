package theory

import (
	"math"
	"strings"
	"testing"
)

// TestNewMixtureRejects covers every validation rule of NewMixture with
// the field it must name.
func TestNewMixtureRejects(t *testing.T) {
	ok := [][]float64{{1, 0}, {0, 1}}
	cases := []struct {
		name  string
		w     []float64
		c     [][]float64
		sigma float64
		field string
	}{
		{"no weights", nil, nil, 1, "weights"},
		{"count mismatch", []float64{1}, ok, 1, "centroids"},
		{"sigma zero", []float64{0.5, 0.5}, ok, 0, "sigma"},
		{"sigma negative", []float64{0.5, 0.5}, ok, -1, "sigma"},
		{"sigma NaN", []float64{0.5, 0.5}, ok, math.NaN(), "sigma"},
		{"sigma Inf", []float64{0.5, 0.5}, ok, math.Inf(1), "sigma"},
		{"weight zero", []float64{0, 1}, ok, 1, "weights[0]"},
		{"weight negative", []float64{-0.5, 1.5}, ok, 1, "weights[0]"},
		{"weight NaN", []float64{math.NaN(), 0.5}, ok, 1, "weights[0]"},
		{"weights sum", []float64{0.5, 0.6}, ok, 1, "weights"},
		{"empty centroid", []float64{0.5, 0.5}, [][]float64{{}, {}}, 1, "centroids[0]"},
		{"ragged", []float64{0.5, 0.5}, [][]float64{{1, 0}, {1}}, 1, "centroids[1]"},
		{"NaN entry", []float64{0.5, 0.5}, [][]float64{{1, 0}, {math.NaN(), 1}}, 1, "centroids[1][0]"},
		{"Inf entry", []float64{0.5, 0.5}, [][]float64{{1, math.Inf(-1)}, {0, 1}}, 1, "centroids[0][1]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewMixture(c.w, c.c, c.sigma)
			if err == nil || !strings.HasPrefix(err.Error(), c.field) {
				t.Errorf("got %v, want an error naming %q", err, c.field)
			}
		})
	}
	if _, err := NewMixture([]float64{0.1, 0.2, 0.7}, [][]float64{{1}, {2}, {3}}, 0.5); err != nil {
		t.Errorf("valid K = 3 mixture rejected: %v", err)
	}
}

// TestPair checks the derived quantities of docs/MODEL.md §1 on docs/MODEL.md §10's
// example: delta = 3/sqrt(2), Delta = 3 sqrt(2), u = (1,-1)/sqrt(2).
func TestPair(t *testing.T) {
	m, err := NewMixture([]float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Pair()
	if err != nil {
		t.Fatal(err)
	}
	// 2 ulps of the values involved
	if math.Abs(p.Delta-3/math.Sqrt2) > 1e-15 || math.Abs(p.Separation-3*math.Sqrt2) > 2e-15 {
		t.Errorf("delta %v separation %v", p.Delta, p.Separation)
	}
	if math.Abs(p.U[0]-1/math.Sqrt2) > 2e-16 || math.Abs(p.U[1]+1/math.Sqrt2) > 2e-16 || p.Mid[0] != 1.5 || p.Mid[1] != 1.5 {
		t.Errorf("u %v mid %v", p.U, p.Mid)
	}
	if b := p.BayesError(1); math.Abs(b-NormalQ(3/math.Sqrt2)) > 1e-15*b { // delta rounds within 1 ulp
		t.Errorf("Bayes error %v", b)
	}
}

// TestHardmaxBiasBranches checks that the two evaluation branches of
// HardmaxBias (direct below x = 5, continued fraction above) agree with a
// high-precision reference across the switch: phi(x) - x Q(x) at x = 5 is
// 5.3458e-8 (Mills-ratio series), and the function is continuous there.
func TestHardmaxBiasBranches(t *testing.T) {
	below := HardmaxBias(5-1e-12, 1)
	above := HardmaxBias(5+1e-12, 1)
	// the derivative is -2 Q(5) ~ -5.7e-7, so over 2e-12 the change is
	// ~1e-18; the direct branch loses ~1e-16/5e-8 relative at x = 5
	if math.Abs(below-above) > 1e-8*below {
		t.Errorf("branches disagree at x = 5: %.17g vs %.17g", below, above)
	}
	// large x: phi(x) - x Q(x) ~ phi(x)/x^2 (1 - 3/x^2 + 15/x^4 - ...);
	// truncated after 945/x^8, the next term is 10395/x^10 = 1.8e-11.
	x := 30.0
	want := 2 * NormalPDF(x) / (x * x) * (1 - 3/(x*x) + 15/math.Pow(x, 4) - 105/math.Pow(x, 6) + 945/math.Pow(x, 8))
	if got := HardmaxBias(x, 1); math.Abs(got-want) > 1e-10*want {
		t.Errorf("HardmaxBias(30) = %.17g, asymptotic %.17g", got, want)
	}
}

// TestNormExtremes: Norm and Dist are accurate for subnormal, tiny and
// huge entries (the scaled path), and for the common range.
func TestNormExtremes(t *testing.T) {
	cases := []struct {
		v    []float64
		want float64
	}{
		{[]float64{3, 4}, 5},
		{[]float64{-2.313715e-317, 1.787767e-318}, math.Hypot(-2.313715e-317, 1.787767e-318)},
		{[]float64{3e-200, 4e-200}, 5e-200},
		{[]float64{3e200, 4e200}, 5e200},
		{[]float64{0, 0}, 0},
	}
	for _, c := range cases {
		// 2 ulps: one square root and one division/multiplication
		if got := Norm(c.v); math.Abs(got-c.want) > 4e-16*c.want {
			t.Errorf("Norm(%v) = %v, want %v", c.v, got, c.want)
		}
		if got := Dist(c.v, []float64{0, 0}); math.Abs(got-c.want) > 4e-16*c.want {
			t.Errorf("Dist(%v, 0) = %v, want %v", c.v, got, c.want)
		}
	}
}
