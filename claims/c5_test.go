package claims

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

// TestC5Property: inside the hypotheses (drawn by the conditional
// generator), no claim-role check of C5 FAILS.
func TestC5Property(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		CheckProperty(t, Env{Quick: true}, C5{}, C5{}.InHypothesesGenerator())
	})
}

// TestC5GeneratorInHypotheses: the conditional generator only draws
// regimes inside the hypotheses, and draws equal weights and every
// variant.
func TestC5GeneratorInHypotheses(t *testing.T) {
	seen := map[string]bool{}
	for i := range 300 {
		r := C5{}.InHypothesesGenerator().Example(i)
		if !(C5{}).InHypotheses(r) {
			t.Fatalf("generated regime outside the hypotheses: %s", r)
		}
		seen[r.Variant] = true
		if r.Pi1 == 0.5 {
			seen["equal"] = true
		}
	}
	for _, k := range []string{"dot", "distance", "hardmax", "equal"} {
		if !seen[k] {
			t.Errorf("generator never drew %s", k)
		}
	}
}

// TestC5Regimes logs C5's checks on named regimes and asserts the
// documented roles and kinds.
func TestC5Regimes(t *testing.T) {
	for _, r := range []Regime{
		{D: 3, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 5, Variant: "distance", LambdaSigma2: 1, Seed: 1},
		{D: 3, Sigma: 1, Pi1: 0.3, Geometry: Orthogonal, Separation: 5, Variant: "dot", LambdaSigma2: 1, Seed: 1},
		{D: 5, Sigma: 0.5, Pi1: 0.2, Geometry: Unequal, NormRatio: 1.5, Separation: 6, Variant: "hardmax", Seed: 2},
	} {
		for _, res := range (C5{}).Check(Env{}, r) {
			t.Logf("%s %s %s margin %.3g err %.2g %s", res.Check, res.Verdict, res.Role, res.Margin, res.Err, res.Note)
			if res.Role == "" || (res.Kind == "" && res.Verdict != Inconclusive) {
				t.Errorf("%s: role %q kind %q", res.Check, res.Role, res.Kind)
			}
			if res.Role == RoleClaim && res.Verdict == Fails {
				t.Errorf("%s FAILS on %s", res.Check, r)
			}
		}
	}
}

// TestC5PlantedBugs: the planted model bugs make a claim-role check of C5
// FAIL on a regime where the true model HOLDS.
func TestC5PlantedBugs(t *testing.T) {
	r := Regime{D: 3, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 5, Variant: "distance", LambdaSigma2: 1, Seed: 1}
	for _, bug := range plantedBugs() {
		var fails []string
		for _, res := range (C5{}).Check(Env{Model: bug}, r) {
			t.Logf("%s: %s %s margin %.3g err %.2g %s", bug.name, res.Check, res.Verdict, res.Margin, res.Err, res.Note)
			if res.Verdict == Fails && res.Role == RoleClaim {
				fails = append(fails, res.Check)
			}
		}
		t.Logf("%s: claim checks failing: %v", bug.name, fails)
	}
}

// TestC5DataFunctions: the curves agree with the closed forms where they
// are known (equal weights: layer = k-means = Bayes = Phi(-Delta/2)), the
// map has one row per cell, and the point clouds' outputs lie on the
// segment between the heads (T(x) = p_1 mu_1 + p_2 mu_2), in two clusters
// around them.
func TestC5DataFunctions(t *testing.T) {
	base := Regime{D: 4, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Variant: "distance", LambdaSigma2: 2, Seed: 3}
	for _, row := range ClusteringCurves(Env{}, base, []float64{4, 6}) {
		if row.Note != "" {
			t.Fatal(row.Note)
		}
		// 1e-12 relative: three closed forms at the same symmetric boundary
		for _, v := range []float64{row.Layer, row.KMeans, row.WeightBlind} {
			if math.Abs(v-row.Bayes) > 1e-12*row.Bayes {
				t.Errorf("Delta=%g: %+v", row.Separation, row)
			}
		}
		if !(row.Risk > 0) || !(row.Distortion > 0) {
			t.Errorf("Delta=%g: risk %.6f, distortion %.6f", row.Separation, row.Risk, row.Distortion)
		}
	}
	if n := len(KMeansMap(Env{}, []float64{1, 3}, []float64{0.3}, []float64{5})); n != 5 {
		t.Errorf("map has %d rows, want 5 (2 dot, 2 distance, 1 hardmax)", n)
	}
	pc, err := PointClouds(Env{}, Regime{D: 3, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 5, Variant: "distance", LambdaSigma2: 1, Seed: 1}, 500, 2)
	if err != nil {
		t.Fatal(err)
	}
	a, b := pc.Heads[0], pc.Heads[1]
	for i, o := range pc.Outputs {
		// distance of o from the line through the heads (2-D cross product)
		cross := (b[0]-a[0])*(o[1]-a[1]) - (b[1]-a[1])*(o[0]-a[0])
		if math.Abs(cross)/math.Hypot(b[0]-a[0], b[1]-a[1]) > 1e-9 {
			t.Fatalf("output %d = %v is off the segment between the heads %v, %v", i, o, a, b)
		}
	}
	if len(pc.Inputs) != 500 || len(pc.Labels) != 500 || len(pc.Centroids) != 2 {
		t.Errorf("sizes %d %d %d", len(pc.Inputs), len(pc.Labels), len(pc.Centroids))
	}
}
