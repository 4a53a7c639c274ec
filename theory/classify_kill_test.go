package theory

import (
	"math"
	"strings"
	"testing"
)

// Tests that pin behaviour the sampled mutation run found unpinned
// (fixtures/equivalent_mutants.md, theory/classify.go).

// TestAssignTiesLowestIndex: with two coinciding heads every token is
// assigned to the lower index, as documented.
func TestAssignTiesLowestIndex(t *testing.T) {
	heads := [][]float64{{1, 0}, {1, 0}, {-1, 0}}
	for _, l := range []Prototype{{Variant: Hardmax}, {Variant: Distance, Lambda: 1}, {Variant: Dot, Lambda: 2}} {
		if got := Assign(l, []float64{2, 0.5}, heads); got != 0 {
			t.Errorf("%v: tie assigned to head %d, want 0", l.Variant, got)
		}
	}
}

// TestBayesErrorScaleAndWeights compares BayesError, for sigma != 1 and
// unequal weights, with the closed form written out here:
// pi_1 Phi(-Delta/2 + b) + pi_2 Phi(-Delta/2 - b), b = log(pi_2/pi_1)/Delta,
// Delta the centroid distance in units of sigma. The Bayes boundary's
// offset sigma^2 log(pi_2/pi_1) scales with sigma^2, so sigma = 2.5
// distinguishes it from sigma or 1. Tolerance 1e-13 relative: both are
// a few Phi evaluations.
func TestBayesErrorScaleAndWeights(t *testing.T) {
	for _, tc := range []struct {
		sigma, pi1 float64
	}{{2.5, 0.2}, {0.4, 0.7}, {2.5, 0.5}} {
		c := [][]float64{{3 * tc.sigma, 1}, {-1 * tc.sigma, 1}} // Delta = 4
		mix, err := NewMixture([]float64{tc.pi1, 1 - tc.pi1}, c, tc.sigma)
		if err != nil {
			t.Fatal(err)
		}
		got, err := BayesError(mix)
		if err != nil {
			t.Fatal(err)
		}
		delta, p1, p2 := 4.0, tc.pi1, 1-tc.pi1
		b := math.Log(p2/p1) / delta
		want := p1*NormalCDF(-delta/2+b) + p2*NormalCDF(-delta/2-b)
		if math.Abs(got-want) > 1e-13*want {
			t.Errorf("sigma %v, pi1 %v: BayesError = %.16g, want %.16g", tc.sigma, tc.pi1, got, want)
		}
	}
}

// TestPopulationLloydScaling: scaling the centroids and sigma by s
// scales population k-means's fixed point by s (Lloyd's map commutes
// with dilations), for sigma far from 1 and unequal weights; the default
// options equal the documented defaults; started at its own fixed point
// the iteration stops after one step, also with MaxIter = 1.
func TestPopulationLloydScaling(t *testing.T) {
	base := [][]float64{{2, 0.5}, {-1.5, 0.5}}
	start := [][]float64{{1.8, 0.4}, {-1.2, 0.6}}
	ref, nRef, err := PopulationLloyd(mustMixture(t, []float64{0.3, 0.7}, base, 1), start, LloydOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if nRef < 2 || nRef > 10000 {
		t.Errorf("%d iterations from a start off the fixed point, want 2 to 10000", nRef)
	}
	for _, s := range []float64{0.01, 0.25, 3, 100} {
		c, st := Clone(base), Clone(start)
		for h := range c {
			Scale(s, c[h])
			Scale(s, st[h])
		}
		got, n, err := PopulationLloyd(mustMixture(t, []float64{0.3, 0.7}, c, s), st, LloydOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// The tolerance is in units of sigma, so the iteration count is
		// scale-free too (up to one step where the last move sits at
		// the tolerance within rounding).
		if n < nRef-1 || n > nRef+1 {
			t.Errorf("s = %v: %d iterations, want %d +- 1 (the tolerance must scale with sigma)", s, n, nRef)
		}
		for h := range got {
			for i := range got[h] {
				// 1e-11 relative: both runs stop within Tol = 1e-13 sigma
				// of the fixed point, after the same contraction.
				if math.Abs(got[h][i]-s*ref[h][i]) > 1e-11*s*(1+math.Abs(ref[h][i])) {
					t.Errorf("s = %v: head %d coordinate %d = %.15g, want %.15g", s, h, i, got[h][i], s*ref[h][i])
				}
			}
		}
	}
	mix := mustMixture(t, []float64{0.3, 0.7}, base, 1)
	h0, n0, err0 := PopulationLloyd(mix, start, LloydOptions{})
	h1, n1, err1 := PopulationLloyd(mix, start, LloydOptions{Tol: 1e-13, MaxIter: 10000})
	if err0 != nil || err1 != nil || n0 != n1 || Dist(h0[0], h1[0]) != 0 || Dist(h0[1], h1[1]) != 0 {
		t.Errorf("default options differ from Tol 1e-13, MaxIter 10000: %d vs %d iterations (%v, %v)", n0, n1, err0, err1)
	}
	_, n, err := PopulationLloyd(mix, ref, LloydOptions{MaxIter: 1})
	if err != nil || n != 1 {
		t.Errorf("from its fixed point with MaxIter 1: %d iterations, error %v; want 1, nil", n, err)
	}
}

func mustMixture(t *testing.T, w []float64, c [][]float64, sigma float64) Mixture {
	t.Helper()
	m, err := NewMixture(w, c, sigma)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPopulationLloydEmptyCell: a head whose Voronoi cell has no mass in
// floating point (its cell starts 500 sigma beyond the data) is reported
// as an empty cell at the first iteration, not carried on as NaN.
func TestPopulationLloydEmptyCell(t *testing.T) {
	mix := mustMixture(t, []float64{0.5, 0.5}, [][]float64{{2, 0}, {-2, 0}}, 1)
	for _, start := range [][][]float64{
		{{1000, 0}, {0, 0}},
		{{0, 0}, {1000, 0}},
	} {
		_, it, err := PopulationLloyd(mix, start, LloydOptions{})
		if err == nil || !strings.Contains(err.Error(), "empty cell") || it != 1 {
			t.Errorf("start %v: error %v at iteration %d, want an empty cell at the first", start, err, it)
		}
	}
}
