package theory

import (
	"math"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

// twoMix builds an equal-norm two-component mixture in d dimensions with
// separation Delta (in units of sigma), weight pi1 and a random rotation.
func twoMix(t interface{ Fatal(...any) }, d int, delta, sigma, pi1 float64, seed uint64) Mixture {
	rng := rand.New(rand.NewPCG(seed, 7))
	c1, c2 := make([]float64, d), make([]float64, d)
	for i := range c1 {
		c1[i] = rng.NormFloat64()
		c2[i] = rng.NormFloat64()
	}
	// c1 - c2 scaled to length delta sigma
	v := make([]float64, d)
	for i := range v {
		v[i] = c1[i] - c2[i]
	}
	Scale(delta*sigma/Norm(v), v)
	for i := range c2 {
		c1[i] = c2[i] + v[i]
	}
	m, err := NewMixture([]float64{pi1, 1 - pi1}, [][]float64{c1, c2}, sigma)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBayesEqualWeights: with pi1 = 1/2 the Bayes error is Phi(-Delta/2)
// (docs/MODEL.md §5.4), to a few ulps (both sides are one erfc).
func TestBayesEqualWeights(t *testing.T) {
	for _, delta := range []float64{0.5, 1, 3, 6, 12, 30} {
		m := twoMix(t, 5, delta, 0.7, 0.5, 3)
		got, err := BayesError(m)
		if err != nil {
			t.Fatal(err)
		}
		want := NormalQ(delta / 2)
		// 1e-13 relative: the normal vector and offset are computed from
		// rotated centroids, so the erfc argument carries ~1e-15 relative
		// rounding, amplified by (Delta/2)^2 in erfc's relative error.
		if math.Abs(got-want) > 1e-13*want*(1+delta*delta) {
			t.Errorf("Delta=%g: Bayes %.17g, Phi(-Delta/2) = %.17g", delta, got, want)
		}
	}
}

// TestMisclassificationMC: the closed-form misclassification of each
// variant at random heads agrees with a Monte Carlo count of Assign over
// the mixture within 4 standard errors (a false alarm has probability
// 6e-5 per case).
func TestMisclassificationMC(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 40000
	for i := 0; i < 12; i++ {
		d := 1 + rng.IntN(6)
		m := twoMix(t, d, 0.5+3*rng.Float64(), 0.5+rng.Float64(), 0.2+0.6*rng.Float64(), uint64(i))
		heads := Clone(m.Centroids)
		for h := range heads {
			for j := range heads[h] {
				heads[h][j] += m.Sigma * rng.NormFloat64()
			}
		}
		l := Prototype{Variant: Variant(i % 3), Lambda: 0.5 + rng.Float64()}
		want, err := Misclassification(m, l, heads)
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		x := make([]float64, d)
		var z int
		for range n {
			x, z = m.Sample(x, rng.NormFloat64, rng.Float64)
			if Assign(l, x, heads) != z {
				bad++
			}
		}
		p := float64(bad) / n
		se := math.Sqrt(want * (1 - want) / n)
		if math.Abs(p-want) > 4*se+1/float64(n) {
			t.Errorf("case %d (%v, d=%d): closed form %.5f, Monte Carlo %.5f +- %.5f", i, l.Variant, d, want, p, se)
		}
	}
}

// TestLloydHardmaxClosedForm: with equal weights, population Lloyd from
// the true centroids reaches the closed form m* +- beta u of docs/MODEL.md §5.2, and the layer
// (hardmax) at that point misclassifies exactly at the Bayes rate (its
// boundary is the bisector of the centroids).
func TestLloydHardmaxClosedForm(t *testing.T) {
	for _, delta := range []float64{1, 2, 4, 8} {
		m := twoMix(t, 4, delta, 1.3, 0.5, 5)
		got, it, err := PopulationLloyd(m, m.Centroids, LloydOptions{})
		if err != nil {
			t.Fatalf("Delta=%g: %v", delta, err)
		}
		want, _, err := HardmaxCritical(m)
		if err != nil {
			t.Fatal(err)
		}
		for h := range got {
			// Lloyd stops at a move below 1e-13 sigma plus rounding; its
			// contraction rate is below 1/2 here, so the fixed point is
			// within 2e-13 sigma; 1e-11 leaves room for the closed form's
			// own rounding at these norms.
			if dd := Dist(got[h], want[h]); dd > 1e-11*m.Sigma {
				t.Errorf("Delta=%g head %d: Lloyd (%d iterations) is %.3g from the closed form", delta, h, it, dd)
			}
		}
		e, err := Misclassification(m, Prototype{Variant: Hardmax}, got)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := BayesError(m)
		if math.Abs(e-b) > 1e-12*b {
			t.Errorf("Delta=%g: k-means error %.17g, Bayes %.17g", delta, e, b)
		}
	}
}

// TestLloydFixedPointUnequal: for unequal weights the population Lloyd
// fixed point satisfies its own equations (each head is the mean of its
// cell, checked by Monte Carlo within 4 standard errors per coordinate)
// and its error is at least the Bayes error.
func TestLloydFixedPointUnequal(t *testing.T) {
	m := twoMix(t, 3, 2.5, 1, 0.25, 9)
	heads, _, err := PopulationLloyd(m, m.Centroids, LloydOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 100000
	sum := [2][]float64{make([]float64, 3), make([]float64, 3)}
	sq := [2][]float64{make([]float64, 3), make([]float64, 3)}
	var cnt [2]float64
	x := make([]float64, 3)
	for range n {
		x, _ = m.Sample(x, rng.NormFloat64, rng.Float64)
		h := Assign(Prototype{Variant: Hardmax}, x, heads)
		cnt[h]++
		for i := range x {
			sum[h][i] += x[i]
			sq[h][i] += x[i] * x[i]
		}
	}
	for h := range 2 {
		for i := range 3 {
			mean := sum[h][i] / cnt[h]
			se := math.Sqrt((sq[h][i]/cnt[h] - mean*mean) / cnt[h])
			if math.Abs(mean-heads[h][i]) > 4*se {
				t.Errorf("head %d coord %d: Lloyd %.5f, cell mean %.5f +- %.5f", h, i, heads[h][i], mean, se)
			}
		}
	}
	e, _ := Misclassification(m, Prototype{Variant: Hardmax}, heads)
	b, _ := BayesError(m)
	if e < b {
		t.Errorf("k-means error %.6g below Bayes %.6g", e, b)
	}
	t.Logf("pi1=0.25 Delta=2.5: k-means error %.6f, Bayes %.6f", e, b)
}

// TestBayesIsOptimal: no half-space rule beats the Bayes error (rapid
// over random mixtures and rules); the slack 1e-15 covers rounding of the
// two closed forms.
func TestBayesIsOptimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 5).Draw(t, "d")
		delta := rapid.Float64Range(0.1, 8).Draw(t, "delta")
		pi1 := rapid.Float64Range(0.05, 0.95).Draw(t, "pi1")
		m := twoMix(t, d, delta, 1, pi1, rapid.Uint64().Draw(t, "seed"))
		w := make([]float64, d)
		for i := range w {
			w[i] = rapid.Float64Range(-2, 2).Draw(t, "w")
		}
		hs := HalfSpace{W: w, C: rapid.Float64Range(-5, 5).Draw(t, "c")}
		e, err := hs.Error(m)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := BayesError(m)
		if e < b-1e-15 {
			t.Fatalf("rule error %.17g below Bayes %.17g", e, b)
		}
		// swapping the heads of a rule complements its error
		sw := HalfSpace{W: append([]float64(nil), w...), C: -hs.C, TieHead1: !hs.TieHead1}
		Scale(-1, sw.W)
		e2, _ := sw.Error(m)
		if math.Abs(e+e2-1) > 1e-14 {
			t.Fatalf("error %.17g + swapped %.17g != 1", e, e2)
		}
	})
}

// TestMisclassificationDegenerate: lambda = 0 and equal heads send every
// token to head 1 (error pi_2); wrong shapes are errors.
func TestMisclassificationDegenerate(t *testing.T) {
	m := twoMix(t, 2, 3, 1, 0.3, 1)
	cases := []struct {
		l     Prototype
		heads [][]float64
	}{
		{Prototype{Variant: Dot, Lambda: 0}, m.Centroids},
		{Prototype{Variant: Distance, Lambda: 0}, m.Centroids},
		{Prototype{Variant: Hardmax}, [][]float64{m.Centroids[0], m.Centroids[0]}},
	}
	for _, c := range cases {
		e, err := Misclassification(m, c.l, c.heads)
		if err != nil || e != 0.7 {
			t.Errorf("%v: error %v (%v), want 0.7", c.l, e, err)
		}
	}
	if _, err := Misclassification(m, Prototype{Variant: Dot, Lambda: 1}, m.Centroids[:1]); err == nil {
		t.Error("one head accepted")
	}
	m3, _ := NewMixture([]float64{0.5, 0.25, 0.25}, [][]float64{{0}, {1}, {2}}, 1)
	if _, err := BayesError(m3); err == nil {
		t.Error("3 components accepted")
	}
}
