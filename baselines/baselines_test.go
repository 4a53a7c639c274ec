package baselines

import (
	"math"
	"testing"

	"attnclust/numerics"
	"attnclust/theory"
)

func mixT(t *testing.T, pi1, delta float64) theory.Mixture {
	// orthogonal equal-norm centroids in d = 3 at separation delta (sigma = 1)
	r := delta / math.Sqrt2
	m, err := theory.NewMixture([]float64{pi1, 1 - pi1}, [][]float64{{r, 0, 0}, {0, r, 0}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestKMeansToPopulationLloyd: k-means on n tokens approaches the
// population Lloyd fixed point (theory.PopulationLloyd from the true
// centroids), not the true centroids, as n grows. Pollard's central limit
// theorem for k-means gives a matched distance of order C/sqrt(n); we
// measured sqrt(n) times the distance between 2.2 and 9.1 over ten runs
// (d = 3, Delta = 3, pi1 = 0.25 and 0.5), so the test asks, averaged over
// two seeds, for a shrink by at least 2 from n = 4000 to n = 256000 (the
// rate predicts 8) and a distance below 15/sqrt(n) at 256000. At
// pi1 = 0.25 the fixed point is 0.23 sigma from the centroids, 30 times
// that tolerance, so the test tells the two targets apart.
func TestKMeansToPopulationLloyd(t *testing.T) {
	for _, pi1 := range []float64{0.5, 0.25} {
		m := mixT(t, pi1, 3)
		pop, _, err := theory.PopulationLloyd(m, m.Centroids, theory.LloydOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var dists []float64
		for _, n := range []int{4000, 256000} {
			mean := 0.0
			for _, seed := range []uint64{5, 6} {
				s, _ := numerics.DrawSample(m, n, seed)
				km, err := KMeans(s.X, 2, KMeansOptions{Seed: 1})
				if err != nil || !km.Converged {
					t.Fatalf("n=%d: %v %+v", n, err, km.Iter)
				}
				_, worst, err := Match(km.Centroids, pop)
				if err != nil {
					t.Fatal(err)
				}
				mean += worst / 2
			}
			dists = append(dists, mean)
		}
		t.Logf("pi1=%g: k-means to population Lloyd: %.4f (n=4000), %.4f (n=256000)", pi1, dists[0], dists[1])
		if !(dists[1] < dists[0]/2) || dists[1] > 15/math.Sqrt(256000) {
			t.Errorf("pi1=%g: distances %v do not shrink to the population fixed point", pi1, dists)
		}
	}
}

// TestEMRecoversCentroids: EM on n = 40000 tokens recovers the true
// centroids, weights and sigma within 6 / sqrt(n) (the MLE's standard
// error is of order sigma sqrt(1/(pi_k n)) per coordinate; 6 covers the
// maximum over coordinates and the loss of efficiency from overlap at
// Delta = 3), even with unequal weights, where k-means is biased.
func TestEMRecoversCentroids(t *testing.T) {
	m := mixT(t, 0.25, 3)
	const n = 40000
	s, _ := numerics.DrawSample(m, n, 8)
	em, err := EM(s.X, 2, EMOptions{Seed: 2})
	if err != nil || !em.Converged {
		t.Fatalf("%v converged=%v", err, em.Converged)
	}
	perm, worst, err := Match(em.Means, m.Centroids)
	if err != nil {
		t.Fatal(err)
	}
	tol := 6 / math.Sqrt(n)
	if worst > tol {
		t.Errorf("EM means %.4f from the centroids (tolerance %.4f)", worst, tol)
	}
	if math.Abs(em.Weights[perm[0]]-0.25) > tol || math.Abs(em.Sigma-1) > tol {
		t.Errorf("EM weights %v sigma %v", em.Weights, em.Sigma)
	}
	km, _ := KMeans(s.X, 2, KMeansOptions{Seed: 2})
	_, kw, _ := Match(km.Centroids, m.Centroids)
	t.Logf("pi1=0.25 Delta=3 n=%d: EM %.4f, k-means %.4f from the centroids", n, worst, kw)
	if kw < 5*worst {
		t.Errorf("k-means (%.4f) not visibly biased against EM (%.4f) at unequal weights", kw, worst)
	}
}

// TestKMeansDeterministicAndErrors: same seed, same result; bad input is
// an error.
func TestKMeansDeterministicAndErrors(t *testing.T) {
	m := mixT(t, 0.5, 4)
	s, _ := numerics.DrawSample(m, 500, 1)
	a, _ := KMeans(s.X, 3, KMeansOptions{Seed: 9})
	b, _ := KMeans(s.X, 3, KMeansOptions{Seed: 9})
	for c := range a.Centroids {
		for j := range a.Centroids[c] {
			if a.Centroids[c][j] != b.Centroids[c][j] {
				t.Fatal("KMeans not deterministic")
			}
		}
	}
	if _, err := KMeans(s.X[:2], 3, KMeansOptions{}); err == nil {
		t.Error("n < k accepted")
	}
	if _, err := KMeans([][]float64{{1, 2}, {1}}, 1, KMeansOptions{}); err == nil {
		t.Error("ragged rows accepted")
	}
	if _, err := KMeans([][]float64{{math.NaN()}}, 1, KMeansOptions{}); err == nil {
		t.Error("NaN accepted")
	}
	if _, _, err := Match([][]float64{{1}}, [][]float64{{1}, {2}}); err == nil {
		t.Error("mismatched Match accepted")
	}
}

// TestEMThreeComponents: EM handles K = 3 (well separated, d = 2).
func TestEMThreeComponents(t *testing.T) {
	m, err := theory.NewMixture([]float64{0.3, 0.3, 0.4}, [][]float64{{0, 0}, {6, 0}, {0, 6}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := numerics.DrawSample(m, 6000, 3)
	em, err := EM(s.X, 3, EMOptions{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	_, worst, _ := Match(em.Means, m.Centroids)
	// 6 / sqrt(n pi_min) as above
	if worst > 6/math.Sqrt(6000*0.3) {
		t.Errorf("EM K=3 means %.4f from the centroids", worst)
	}
}
