package report

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"attnclust/claims"
	"attnclust/sweep"
	"attnclust/theory"
)

// addFiguresC567 fills o with synthetic data for the figures of C5, C6
// and C7 (the fake suite has no such claims), so that every figure is
// drawn in the report tests. The numbers only need the shapes of real
// data: decreasing errors above a Bayes error, outputs on the segment of
// the heads, a 1/n law, converging curves, three cells.
func addFiguresC567(o *sweep.Outcome) {
	f := &o.Figures
	for _, k := range []string{sweep.FigClustering, sweep.FigClouds, sweep.FigComplexity, sweep.FigTraining, sweep.FigK3} {
		delete(f.Notes, k)
	}
	f.Clustering = nil
	for k, ls := range []float64{1, 3, 10, 0} {
		sr := sweep.ClusteringSeries{LamS2: ls, Hardmax: ls == 0}
		for _, d := range sweep.ClusteringGrid(true) {
			b := theory.NormalQ(d / 2)
			row := claims.ClusteringRow{Separation: d, Bayes: b, KMeans: 1.2 * b, Layer: b * (1.2 + 0.3/float64(k+1))}
			if sr.Hardmax {
				row.Layer = row.KMeans
			}
			sr.Rows = append(sr.Rows, row)
		}
		f.Clustering = append(f.Clustering, sr)
	}
	f.Clouds = nil
	for k, ls := range []float64{0.3, 1, 10, 0} {
		p := sweep.CloudPanel{LamS2: ls, Hardmax: ls == 0, Regime: sweep.CloudRegime(ls, ls == 0)}
		p.Cloud.Heads = [][2]float64{{2, 2}, {-2, 2}}
		p.Cloud.Centroids = [][2]float64{{2, 2}, {-2, 2}}
		for i := range 40 {
			x := [2]float64{float64(i%7) - 3, 2 + float64(i%5) - 2}
			t := 1 / (1 + math.Exp(-float64(k+1)*x[0])) // weight of head 1
			p.Cloud.Inputs = append(p.Cloud.Inputs, x)
			p.Cloud.Labels = append(p.Cloud.Labels, i%2)
			p.Cloud.Outputs = append(p.Cloud.Outputs, [2]float64{4*t - 2, 2})
		}
		f.Clouds = append(f.Clouds, p)
	}
	cd := &sweep.ComplexityData{Regime: sweep.SampleRegime(), Reps: 10}
	for _, n := range []int{250, 1000, 4000} {
		cd.Rows = append(cd.Rows, claims.SampleComplexityRow{N: n, MeanSqDist: 10 / float64(n), MeanSqDistSE: 1 / float64(n), Predicted: 9 / float64(n)})
	}
	f.Complexity = cd
	td := &sweep.TrainingData{Regime: sweep.SampleRegime(), N: 100, Steps: 100}
	for k, sc := range []string{"small-scale", "equal-heads"} {
		c := claims.TrainingCurve{Scheme: sc}
		for s := 0; s <= 100; s += 10 {
			c.Points = append(c.Points, claims.CurvePoint{Step: s, MinCos: 1 - math.Exp(-float64(s)/10) - 0.3*float64(k), DistToMin: math.Exp(-float64(s)/20) + 0.05})
		}
		td.Curves = append(td.Curves, c)
	}
	for _, c := range td.Curves {
		d, e := c, c
		d.Scheme, e.Scheme = "Delta = 3", "d = 8"
		td.ByDelta, td.ByDim = append(td.ByDelta, d), append(td.ByDim, e)
	}
	f.Training = td
	k3 := &claims.C7Figure{Regime: claims.C7FigureRegime(), Centroids: [][]float64{{0, 3}, {-2.6, -1.5}, {2.6, -1.5}},
		Heads: [][]float64{{0, 3}, {-2.6, -1.5}, {2.6, -1.5}}, KMeans: [][]float64{{0, 3.1}, {-2.6, -1.5}, {2.6, -1.5}},
		Points: [][]float64{{0, 2}, {-2, -1}, {2, -2}}, Labels: []int{0, 1, 2}}
	for i := range 4 {
		k3.GridX = append(k3.GridX, -4+8*float64(i)/3)
		k3.GridY = append(k3.GridY, -4+8*float64(i)/3)
	}
	k3.AttnCells = [][]int{{1, 1, 2, 2}, {1, 1, 2, 2}, {0, 0, 0, 0}, {0, 0, 0, 0}}
	k3.KMeansCells = [][]int{{1, 1, 2, 2}, {1, 1, 2, 2}, {1, 0, 0, 0}, {0, 0, 0, 0}}
	f.K3 = k3
}

// TestFigureStatsC567: the numbers the captions state, on data whose
// answers are known by construction.
func TestFigureStatsC567(t *testing.T) {
	// y = 3 n^-0.5: slope -0.5 exactly (up to rounding of logs, 1e-12)
	if s := logSlope([]float64{10, 100, 1000}, []float64{3 / math.Sqrt(10), 0.3, 3 / math.Sqrt(1000)}); math.Abs(s+0.5) > 1e-12 {
		t.Errorf("slope %v, want -0.5", s)
	}
	if s := logSlope([]float64{10}, []float64{1}); !math.IsNaN(s) {
		t.Errorf("slope of one point %v, want NaN", s)
	}
	// heads (0,0) and (10,0): (0.4,0) is within 5% of a head, (5,0) is
	// not, (5,1) is 0.1 of the length off the segment
	pc := claims.PointCloud{Heads: [][2]float64{{0, 0}, {10, 0}}, Outputs: [][2]float64{{0.4, 0}, {5, 0}, {5, 1}, {9.6, 0}}}
	near, off := cloudStats(pc)
	if diff := cmp.Diff([]float64{0.5, 0.1}, []float64{near, off}, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
		t.Errorf("cloud stats (-want +got):\n%s", diff)
	}
	o := &sweep.Outcome{}
	addFiguresC567(o)
	d, frac := k3Stats(o.Figures.K3)
	// k-means head 1 moved by 0.1 (sigma 1); 1 of 16 grid points differs
	if math.Abs(d-0.1) > 1e-12 || frac != 1.0/16 {
		t.Errorf("k3 stats: %v, %v; want 0.1, 1/16", d, frac)
	}
	if c := k3Caption(o.Figures.K3); !strings.Contains(c, "0.1 sigma") || !strings.Contains(c, pct(1.0/16)) {
		t.Errorf("k3 caption lacks its numbers: %s", c)
	}
	// the clustering caption reads the row nearest Delta = 3
	c := clusteringCaption(o.Figures.Clustering)
	for _, sr := range o.Figures.Clustering {
		for _, r := range sr.Rows {
			if r.Separation == 3 && !strings.Contains(c, num(r.Layer)) {
				t.Errorf("clustering caption lacks %s: %s", num(r.Layer), c)
			}
		}
	}
	if c := complexityCaption(o.Figures.Complexity); !strings.Contains(c, "Fitted slope -1 ") || !strings.Contains(c, "n = 250: 1.11") {
		t.Errorf("complexity caption: %s", c)
	}
	if c := complexityCaption(nil); strings.Contains(c, "slope") {
		t.Errorf("complexity caption without data states numbers: %s", c)
	}
}

// TestFiguresC567Bad: data a figure cannot draw gives a note, not a
// panic or an empty file.
func TestFiguresC567Bad(t *testing.T) {
	for name, fn := range map[string]func() ([]byte, string, error){
		"clustering": func() ([]byte, string, error) {
			return figureClustering([]sweep.ClusteringSeries{{LamS2: 1, Rows: []claims.ClusteringRow{{Separation: 2, Note: "no minimizer"}}}})
		},
		"clouds":     func() ([]byte, string, error) { return figureClouds(nil) },
		"complexity": func() ([]byte, string, error) { return figureComplexity(&sweep.ComplexityData{}) },
		"training":   func() ([]byte, string, error) { return figureTraining(&sweep.TrainingData{}) },
		"k3":         func() ([]byte, string, error) { return figureK3(&claims.C7Figure{}) },
	} {
		svg, _, err := safeDraw(fn)
		if err == nil || svg != nil {
			t.Errorf("%s: svg %d bytes, error %v; want an error", name, len(svg), err)
		}
	}
}
