package claims

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

// TestC1Property: inside H1, no check of C1 FAILS on random regimes.
func TestC1Property(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		CheckProperty(t, Env{Quick: true}, C1{}, (C1{}).Ranges().Generator())
	})
}

// TestC1TheoryDistances reproduces THEORY 2.4's per-head distance of the
// minimizer to its centroid against lambda (d = 2, sigma = 1,
// mu* = (3,0),(0,3), both variants), to the printed digits, and the
// dot-variant Hessian eigenvalues at lambda = 1.
func TestC1TheoryDistances(t *testing.T) {
	base := Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 3 * math.Sqrt2, Seed: 1}
	cases := []struct {
		variant string
		ls      float64
		want    float64 // THEORY's printed value
		digits  float64 // half a unit of its last printed digit
	}{
		{"distance", 0.1, 1.47, 0.005},
		{"distance", 0.3, 0.40, 0.005},
		{"distance", 1, 0.063, 0.0005},
		{"distance", 3, 0.027, 0.0005},
		{"distance", 5, 0.021, 0.0005},
		{"dot", 0.1, 1.47, 0.005},
		{"dot", 1, 0.063, 0.0005},
		{"dot", 5, 0.021, 0.0005},
		{"hardmax", 0, 0.012, 0.0005},
	}
	for _, c := range cases {
		r := base
		r.Variant, r.LambdaSigma2 = c.variant, c.ls
		m, err := findMinimizer(Env{}, r, nil)
		if err != nil {
			t.Fatalf("%s lambda=%g: %v", c.variant, c.ls, err)
		}
		if !m.crit.Minimizer() {
			t.Errorf("%s lambda=%g: not a certified minimizer: %s", c.variant, c.ls, m.crit.Reason)
		}
		if math.Abs(m.dist-c.want) > c.digits {
			t.Errorf("%s lambda=%g: distance %.5f, THEORY prints %g", c.variant, c.ls, m.dist, c.want)
		}
	}
	r := base
	r.Variant, r.LambdaSigma2 = "dot", 1
	m, err := findMinimizer(Env{}, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.717, 1, 1.018, 1.184}
	for i, e := range m.crit.Eigenvalues {
		// printed to 3 decimals; the Hessian's own error is ~1e-9
		if math.Abs(e-want[i]) > 0.0005+m.crit.EigErr {
			t.Errorf("eigenvalue %d = %.5f, THEORY prints %g", i, e, want[i])
		}
	}
}

// TestC1SaddleFound pins a finding outside H1: for the dot variant with
// centroids at a small angle (far from the origin compared with their
// separation), the critical point next to the centroids is a saddle.
func TestC1SaddleFound(t *testing.T) {
	r := loadCatalogT(t)["small-angle-dot"]
	if (C1{}).InHypotheses(r) {
		t.Fatal("small-angle-dot should be outside H1")
	}
	res := (C1{}).Check(Env{}, r)
	if res[0].Check != "C1.minimizer" || res[0].Verdict != Fails {
		t.Fatalf("got %s %s (margin %.3g), want C1.minimizer FAILS", res[0].Check, res[0].Verdict, res[0].Margin)
	}
	// measured smallest eigenvalue -0.1177 (error ~2e-6)
	if math.Abs(res[0].Margin+0.1177) > 1e-3 {
		t.Errorf("smallest eigenvalue %.5f, measured -0.1177", res[0].Margin)
	}
}
