package sweep

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"attnclust/claims"
)

// realFigureSuite is the default suite without random regimes or
// thresholds, so that a run computes only the figure data of C5, C6 and
// C7.
func realFigureSuite() Suite {
	s := DefaultSuite(nil, nil)
	s.Slices = func(claims.Claim, bool) []claims.Regime { return nil }
	return s
}

// TestFiguresC567: the quick figure data of C5, C6 and C7 are computed
// (no note), have the planned sizes, and a 3-shard run merges to the
// same outcome as the plain run.
func TestFiguresC567(t *testing.T) {
	cfg := Config{Seed: 1, ClaimIDs: []string{"C5", "C6", "C7"}, Quick: true, Figures: true, Workers: 2}
	want := Execute(cfg, realFigureSuite(), nil)
	fd := want.Figures
	for _, k := range []string{FigClustering, FigClouds, FigComplexity, FigTraining, FigK3} {
		if n, ok := fd.Notes[k]; ok {
			t.Errorf("figure %s: note %q", k, n)
		}
	}
	grid := ClusteringGrid(true)
	if len(fd.Clustering) != 4 {
		t.Fatalf("clustering: %d series, want 4", len(fd.Clustering))
	}
	for _, sr := range fd.Clustering {
		if len(sr.Rows) != len(grid) {
			t.Errorf("clustering %v: %d rows, want %d", sr.LamS2, len(sr.Rows), len(grid))
		}
		for _, r := range sr.Rows {
			// the Bayes error is the smallest error of any rule: the layer
			// and k-means cannot be below it (beyond rounding, 1e-12)
			if r.Note == "" && (r.Layer < r.Bayes-1e-12 || r.KMeans < r.Bayes-1e-12) {
				t.Errorf("clustering %v at Delta %v: layer %v, k-means %v below Bayes %v", sr.LamS2, r.Separation, r.Layer, r.KMeans, r.Bayes)
			}
		}
	}
	if len(fd.Clouds) != 4 || len(fd.Clouds[0].Cloud.Inputs) != cloudTokens(true) {
		t.Errorf("clouds: %d panels", len(fd.Clouds))
	}
	ns, _ := complexityPlan(true)
	if fd.Complexity == nil || len(fd.Complexity.Rows) != len(ns) {
		t.Errorf("complexity: %+v", fd.Complexity)
	} else {
		for _, r := range fd.Complexity.Rows {
			if r.Baselines.LayerSeconds != 0 || r.Baselines.EMSeconds != 0 || r.Baselines.KMeansSeconds != 0 {
				t.Errorf("complexity at n = %d keeps wall times", r.N)
			}
		}
	}
	if fd.Training == nil || len(fd.Training.Curves) == 0 {
		t.Errorf("training: %+v", fd.Training)
	}
	if fd.K3 == nil || len(fd.K3.AttnCells) == 0 {
		t.Errorf("k3: %+v", fd.K3)
	}
	shards, names := runShards(t, cfg, realFigureSuite(), 3, rand.New(rand.NewPCG(5, 6)))
	got, _, err := Merge(shards, names, realFigureSuite(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Figures, got.Figures, outcomeOpts); diff != "" {
		t.Errorf("merged figure data differ (-unsharded +merged):\n%s", diff)
	}
	cfg.Workers = 1
	one := Execute(cfg, realFigureSuite(), nil)
	if diff := cmp.Diff(want.Figures, one.Figures, outcomeOpts); diff != "" {
		t.Errorf("figure data depend on the workers (-2 +1):\n%s", diff)
	}
}
