package claims

import (
	"encoding/json"
	"flag"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"attnclust/theory"
)

// TestRegimeKJSON: two-component regimes encode as before (no "k"), and
// K-regimes round-trip.
func TestRegimeKJSON(t *testing.T) {
	r2 := Regime{D: 3, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 5, Variant: "hardmax", Seed: 1}
	b, err := json.Marshal(r2)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"d":3,"sigma":1,"pi1":0.5,"geometry":"orthogonal","separation":5,"variant":"hardmax","lambda_sigma2":0,"seed":1}`
	if string(b) != want {
		t.Errorf("K = 0 regime JSON %s, want %s", b, want)
	}
	r2.K = 2
	if b, err = json.Marshal(r2); err != nil || string(b) != want {
		t.Errorf("K = 2 regime JSON %s (%v), want %s", b, err, want)
	}
	rk := Regime{K: 4, D: 3, Sigma: 1, Pi1: 0.3, Geometry: ClosePair, NormRatio: 0.5, Separation: 6, Variant: "distance", LambdaSigma2: 2, Seed: 9}
	b, err = json.Marshal(rk)
	if err != nil {
		t.Fatal(err)
	}
	var back Regime
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rk, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestRegimeKGeometry: the centroid configurations have the distances
// their definitions state, the weights sum to 1, and the embedding into
// d dimensions keeps the distances (an orthonormal frame).
func TestRegimeKGeometry(t *testing.T) {
	// Distances are built from O(K) rounded operations on numbers of size
	// Separation sigma: 1e-12 relative is far above that rounding and far
	// below any error that would matter.
	const tol = 1e-12
	for K := 3; K <= MaxRegimeK; K++ {
		for _, g := range []Geometry{Simplex, RandomK, ClosePair} {
			r := Regime{K: K, D: K + 1, Sigma: 0.7, Pi1: 0.3, Geometry: g, NormRatio: 0.25, Separation: 5, Variant: "hardmax", Seed: uint64(K)}
			mix, err := r.Mixture()
			if err != nil {
				t.Fatalf("%v: %v", r, err)
			}
			minD, pair := math.Inf(1), theory.Dist(mix.Centroids[0], mix.Centroids[1])
			for a := range K {
				for b := a + 1; b < K; b++ {
					d := theory.Dist(mix.Centroids[a], mix.Centroids[b])
					minD = math.Min(minD, d)
					if g == Simplex && math.Abs(d-5*0.7) > tol*5 {
						t.Errorf("%v: simplex distance %d-%d = %v, want 3.5", r, a, b, d)
					}
				}
			}
			want := 5 * 0.7
			if g == ClosePair {
				want = 0.25 * 5 * 0.7
				if math.Abs(pair-want) > tol*5 {
					t.Errorf("%v: pair distance %v, want %v", r, pair, want)
				}
			}
			if math.Abs(minD-want) > tol*5 {
				t.Errorf("%v: smallest distance %v, want %v", r, minD, want)
			}
			if math.Abs(minPairDist(r)*r.Sigma-minD) > tol*5 {
				t.Errorf("%v: minPairDist %v sigma, embedded %v", r, minPairDist(r), minD)
			}
			sum := 0.0
			for _, w := range mix.Weights {
				sum += w
			}
			if math.Abs(sum-1) > 1e-15 {
				t.Errorf("%v: weights sum to %v", r, sum)
			}
		}
	}
}

func TestRegimeKValidate(t *testing.T) {
	good := Regime{K: 3, D: 2, Sigma: 1, Pi1: 0.3, Geometry: Simplex, Separation: 5, Variant: "hardmax"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*Regime)
		want string
	}{
		{"k = 1", func(r *Regime) { r.K = 1 }, "k must be"},
		{"k = 9", func(r *Regime) { r.K, r.D = 9, 8 }, "k must be"},
		{"d < k - 1", func(r *Regime) { r.K, r.D = 4, 2 }, "d must be >= k - 1"},
		{"two-component geometry", func(r *Regime) { r.Geometry = Orthogonal }, "needs k = 2"},
		{"K geometry with k = 0", func(r *Regime) { r.K = 0 }, "needs k >= 3"},
		{"close pair ratio 0", func(r *Regime) { r.Geometry = ClosePair }, "norm_ratio"},
		{"close pair ratio above 1", func(r *Regime) { r.Geometry, r.NormRatio = ClosePair, 1.5 }, "norm_ratio"},
	} {
		r := good
		tc.mod(&r)
		err := r.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// c7Fixed are regimes inside C7's hypotheses: K = 3 (planar rules) and
// K = 4 (randomized), both variants.
func c7Fixed() []Regime {
	return []Regime{
		{Name: "k3-hardmax", K: 3, D: 2, Sigma: 1, Pi1: 0.2, Geometry: Simplex, Separation: 6.5, Variant: "hardmax", Seed: 1},
		{Name: "k3-distance", K: 3, D: 3, Sigma: 0.8, Pi1: 0.4, Geometry: RandomK, Separation: 7, Variant: "distance", LambdaSigma2: 2, Seed: 2},
		{Name: "k4-hardmax", K: 4, D: 3, Sigma: 1, Pi1: 0.25, Geometry: ClosePair, NormRatio: 0.8, Separation: 8, Variant: "hardmax", Seed: 3},
		{Name: "k4-distance", K: 4, D: 3, Sigma: 1, Pi1: 0.25, Geometry: Simplex, Separation: 7, Variant: "distance", LambdaSigma2: 3, Seed: 4},
	}
}

// TestC7Holds: inside the hypotheses every claim check HOLDS, every
// result carries its role and kind, and statistical results their level.
func TestC7Holds(t *testing.T) {
	rs := c7Fixed()
	if testing.Short() {
		rs = rs[:1]
	}
	for _, r := range rs {
		if !(C7{}).InHypotheses(r) {
			t.Fatalf("%v: outside the hypotheses", r)
		}
		res := C7{}.Check(Env{Quick: true}, r)
		if len(res) == 0 {
			t.Fatalf("%v: no results", r)
		}
		for _, x := range res {
			if x.Role == "" || x.Kind == "" {
				t.Errorf("%v: %s without role or kind", r, x.Check)
			}
			if (x.Kind == KindStatistical) != (x.Level > 0) {
				t.Errorf("%v: %s kind %s level %v", r, x.Check, x.Kind, x.Level)
			}
			if x.Role == RoleClaim && x.Verdict != Holds {
				t.Errorf("%v: %s %v margin %.3g err %.3g %s", r, x.Check, x.Verdict, x.Margin, x.Err, x.Note)
			}
		}
	}
}

// TestC7Planted: a flipped gradient sign on one head and a component left
// out of the evaluated mixture both make a claim check FAIL inside the
// hypotheses.
func TestC7Planted(t *testing.T) {
	rs := c7Fixed()
	if testing.Short() {
		rs = []Regime{rs[0], rs[3]}
	}
	for _, r := range rs {
		for _, p := range []c7Plant{{flipHead: 2}, {dropComponent: 3}} {
			res := C7{plant: p}.Check(Env{Quick: true}, r)
			caught := false
			for _, x := range res {
				caught = caught || x.Role == RoleClaim && x.Verdict == Fails
			}
			if !caught {
				for _, x := range res {
					t.Logf("%s %v margin %.3g err %.3g %s", x.Check, x.Verdict, x.Margin, x.Err, x.Note)
				}
				t.Errorf("%v: planted %+v not caught", r, p)
			}
		}
	}
}

// TestC7Property: regimes from the conditional generator are inside the
// hypotheses and no check fails there. A few draws only (each costs up to
// a second); longer sweeps through the command's sampling.
func TestC7Property(t *testing.T) {
	n := 4
	if testing.Short() {
		n = 1
	}
	g := C7{}.InHypothesesGenerator()
	for i := range n {
		r := g.Example(i + 100)
		if !(C7{}).InHypotheses(r) {
			t.Errorf("generator drew %v outside the hypotheses", r)
			continue
		}
		for _, x := range (C7{}).Check(Env{Quick: true}, r) {
			if x.Verdict == Fails && !x.narrow {
				t.Errorf("%v: %s FAILS: margin %.3g err %.3g %s\nspec: %s", r, x.Check, x.Margin, x.Err, x.Note, x.Spec)
			}
		}
	}
}

// TestC7ClosePairMap: a pair at 1.2 sigma is not resolved by the
// distance layer (its heads stand further apart than the centroids and
// more than sigma/2 off), the map result says so, and the regime is
// outside the hypotheses.
func TestC7ClosePairMap(t *testing.T) {
	r := Regime{K: 3, D: 2, Sigma: 1, Pi1: 1.0 / 3, Geometry: ClosePair, Separation: 6, NormRatio: 0.2, Variant: "distance", LambdaSigma2: 2, Seed: 4}
	if (C7{}).InHypotheses(r) {
		t.Fatal("a pair at 1.2 sigma inside the hypotheses")
	}
	var found bool
	for _, x := range (C7{}).Check(Env{Quick: true}, r) {
		if x.Check != "C7.close-pair" {
			continue
		}
		found = true
		if x.Role != RoleMap || x.Verdict != Fails {
			t.Errorf("close pair: role %s verdict %v margin %.3g", x.Role, x.Verdict, x.Margin)
		}
		if hd, cd := x.Values[0].Value, x.Values[1].Value; !(hd > cd) {
			t.Errorf("pair's heads %.3g sigma apart, centroids %.3g: want the heads further apart", hd, cd)
		}
	}
	if !found {
		t.Error("no close-pair result")
	}
}

func TestC7Hypotheses(t *testing.T) {
	for _, h := range (C7{}).Hypotheses() {
		if h.Text == "" || h.Ref == "" || (h.Provenance != FromPaper && h.Provenance != Derived && h.Provenance != Measured) {
			t.Errorf("hypothesis %+v", h)
		}
	}
	if _, err := ByID("C7"); err != nil {
		t.Error(err)
	}
}

func TestC7FigureData(t *testing.T) {
	r := C7FigureRegime()
	fig, err := C7FigureData(Env{Quick: true}, r, 300, 41, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Points) != 300 || len(fig.Labels) != 300 || len(fig.Heads) != 3 || len(fig.KMeans) != 3 {
		t.Fatalf("shapes: %d points, %d labels, %d heads, %d k-means heads", len(fig.Points), len(fig.Labels), len(fig.Heads), len(fig.KMeans))
	}
	if len(fig.AttnCells) != 41 || len(fig.AttnCells[0]) != 41 || len(fig.KMeansCells) != 41 {
		t.Fatal("grid shape")
	}
	// The grid cell nearest each centroid belongs to that centroid's head
	// (the heads are within sigma/2 of the centroids, the cells are
	// 6 sigma wide).
	for k, c := range fig.Centroids {
		ix := nearestIndex(fig.GridX, c[0])
		iy := nearestIndex(fig.GridY, c[1])
		if fig.AttnCells[iy][ix] != k || fig.KMeansCells[iy][ix] != k {
			t.Errorf("centroid %d lies in attention cell %d, k-means cell %d", k, fig.AttnCells[iy][ix], fig.KMeansCells[iy][ix])
		}
	}
	if _, err := C7FigureData(Env{}, Regime{K: 4, D: 3}, 10, 10, 1); err == nil {
		t.Error("K = 4 accepted")
	}
}

func nearestIndex(v []float64, x float64) int {
	best, arg := math.Inf(1), 0
	for i, y := range v {
		if d := math.Abs(y - x); d < best {
			best, arg = d, i
		}
	}
	return arg
}

var c7Measure = flag.Bool("c7.measure", false, "run C7 on the default sample of 20 regimes and log costs and verdicts")

// TestC7Measure (-c7.measure) runs C7 as the default report does (20
// sampled regimes, seed 1) and logs the wall time and each result.
func TestC7Measure(t *testing.T) {
	if !*c7Measure {
		t.Skip("-c7.measure not set")
	}
	for _, quick := range []bool{false, true} {
		rs := Sample(C7{}, 20, 1)
		if quick {
			rs = rs[:5]
		}
		jobs := make([]Job, len(rs))
		for i, r := range rs {
			jobs[i] = Job{Claim: C7{}, Regime: r}
		}
		t0 := time.Now()
		res := Run(Env{Quick: quick}, jobs, 1, nil)
		t.Logf("quick=%v: %d regimes in %v (one worker)", quick, len(rs), time.Since(t0))
		for i, rr := range res {
			t.Logf("%v in=%v", rs[i], C7{}.InHypotheses(rs[i]))
			for _, x := range rr {
				t.Logf("   %s %s %v margin %.3g err %.3g %v %s", x.Check, x.Kind, x.Verdict, x.Margin, x.Err, x.Values, x.Note)
			}
		}
	}
}
