package report

// Tests written to kill mutants that survived the sampled mutation run
// (internal/mutsample -pkg report -n 60 -seed 1;
// fixtures/equivalent_mutants.md, section "report"). Each checks a
// documented behaviour that the mutant breaks, on inputs whose expected
// values are worked out by hand in the comments.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"

	"attnclust/claims"
	"attnclust/sweep"
)

// TestCheckStatsMedianErr: the median error bound of a check is the
// middle one for an odd count and the mean of the two middle ones for an
// even count (the order of the results does not matter). Exact: the
// inputs are small integers and halves.
func TestCheckStatsMedianErr(t *testing.T) {
	for _, tc := range []struct {
		errs        []float64
		median, max float64
	}{
		{[]float64{4, 1, 3, 2}, 2.5, 4},
		{[]float64{10, 1, 2}, 2, 10},
		{[]float64{7}, 7, 7},
	} {
		cr := &sweep.ClaimRun{}
		for _, e := range tc.errs {
			cr.Results = append(cr.Results, claims.Result{Claim: "C0", Check: "C0.x", Verdict: claims.Holds, Err: e, Units: "u"})
		}
		sts := checkStats(cr)
		if len(sts) != 1 {
			t.Fatalf("%v: want one check, got %d", tc.errs, len(sts))
		}
		if st := sts[0]; st.MedianErr != tc.median || st.MaxErr != tc.max || st.Bounded != len(tc.errs) {
			t.Errorf("%v: median %v max %v bounded %d, want %v %v %d", tc.errs, st.MedianErr, st.MaxErr, st.Bounded, tc.median, tc.max, len(tc.errs))
		}
	}
}

// TestCloudStats: on heads a = (1, 2), b = (5, 5) (segment 5 long, along
// (4, 3)/5) three outputs: a + (0.1, 0.1) is 0.14 from a (within 5% of
// the segment, 0.25) and 0.02 off the line; a point 1 off the midpoint
// along the normal (-3, 4)/5 is near no head and 1 off the segment; b +
// (0.2, 0) is 0.2 from b (near) and, beyond b, 0.2 from the segment's
// end. So 2 of 3 outputs are near a head and the largest distance from
// the segment is 1/5 of its length. 1e-12: a few roundings of numbers of
// order 1.
func TestCloudStats(t *testing.T) {
	pc := claims.PointCloud{
		Heads:   [][2]float64{{1, 2}, {5, 5}},
		Outputs: [][2]float64{{1.1, 2.1}, {3 - 0.6, 3.5 + 0.8}, {5.2, 5}},
	}
	near, off := cloudStats(pc)
	if !(math.Abs(near-2.0/3) <= 1e-12 && math.Abs(off-0.2) <= 1e-12) {
		t.Errorf("near %.15g off %.15g, want 2/3 and 0.2", near, off)
	}
}

// TestClusteringCaptionHardmaxGap: the caption states the largest gap
// between the hardmax layer's error and k-means' over the grid: here
// |0.1 - 0.1003| = 3e-4 at Delta = 3 (larger than 2e-4 at Delta = 4),
// printed with 2 significant digits.
func TestClusteringCaptionHardmaxGap(t *testing.T) {
	s := clusteringCaption([]sweep.ClusteringSeries{{Hardmax: true, Rows: []claims.ClusteringRow{
		{Separation: 3, Layer: 0.1, KMeans: 0.1003, Bayes: 0.09},
		{Separation: 4, Layer: 0.05, KMeans: 0.0502, Bayes: 0.04},
	}}})
	if want := "differ by at most 0.0003 over the grid"; !strings.Contains(s, want) {
		t.Errorf("caption lacks %q:\n%s", want, s)
	}
}

// TestK3StatsSigmaUnits: k3Stats gives the largest head distance in
// units of sigma: heads (0, 0), (3, 4) against k-means heads at the
// origin are 0 and 5 apart, 2.5 sigma at sigma = 2; one of the two grid
// points has different cells. Exact in floating point.
func TestK3StatsSigmaUnits(t *testing.T) {
	f := &claims.C7Figure{
		Regime:      claims.Regime{Sigma: 2},
		Heads:       [][]float64{{0, 0}, {3, 4}},
		KMeans:      [][]float64{{0, 0}, {0, 0}},
		AttnCells:   [][]int{{0, 1}},
		KMeansCells: [][]int{{0, 0}},
	}
	if d, diff := k3Stats(f); d != 2.5 || diff != 0.5 {
		t.Errorf("k3Stats = %v, %v; want 2.5 (sigma) and 0.5", d, diff)
	}
}

// TestTrainingCaptionFinal: the caption quotes each curve's last point
// (worst cosine and distance) and skips a curve without points.
func TestTrainingCaptionFinal(t *testing.T) {
	td := &sweep.TrainingData{
		Regime: claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 5, Variant: "hardmax"},
		N:      100, Steps: 10,
		Curves: []claims.TrainingCurve{
			{Scheme: "data", Points: []claims.CurvePoint{{Step: 0, MinCos: 0.5, DistToMin: 2}, {Step: 10, MinCos: 0.99, DistToMin: 0.01}}},
			{Scheme: "empty"},
		},
	}
	s := trainingCaption(td)
	if want := "Final worst cosine: data 0.99 (distance 0.01)."; !strings.Contains(s, want) {
		t.Errorf("caption lacks %q:\n%s", want, s)
	}
	if strings.Contains(s, "empty") {
		t.Errorf("caption quotes a curve without points:\n%s", s)
	}
}

// TestLogTicksLabels: log ticks label powers of ten from 1e-3 to 1e5 in
// plain decimal ("0.001", "1", "100000") and others in exponent form
// ("1e-4", "1e6"); an axis that starts at 0 has no log ticks (and no
// endless loop from log10(0) = -Inf).
func TestLogTicksLabels(t *testing.T) {
	labels := map[string]bool{}
	for _, tk := range (logTicks{}).Ticks(1e-4, 1e6) {
		if tk.Label != "" {
			labels[tk.Label] = true
		}
	}
	for _, want := range []string{"1e-4", "0.001", "0.01", "1", "10", "100000", "1e6"} {
		if !labels[want] {
			t.Errorf("no tick labelled %q among %v", want, labels)
		}
	}
	if got := len(logTicks{}.Ticks(0, 10)); got != 0 {
		t.Errorf("[0, 10]: %d ticks, want none", got)
	}
}

// TestFigureQuantCaption: the quantization figure's caption states the
// number of finite-L points and the sequences per point (those of the
// first point).
func TestFigureQuantCaption(t *testing.T) {
	q := &sweep.QuantData{Lambda: 1, QInf: 0.5, QInfErr: 1e-9, Input: 2, Points: []sweep.QuantPoint{
		{L: 5, Samples: 4000, Q: 0.9, SE: 0.01}, {L: 50, Samples: 4000, Q: 0.6, SE: 0.01},
	}}
	_, caption, err := figureQuant(q)
	if err != nil {
		t.Fatal(err)
	}
	if want := "the 2 finite-L points are Monte Carlo estimates with 4000 sequences each"; !strings.Contains(caption, want) {
		t.Errorf("caption lacks %q:\n%s", want, caption)
	}
}

// TestThresholdTableRows: the thresholds table gives, per claim and
// variant, the range of the bracketed thresholds. The synthetic suite's
// distance slices of C1 are bracketed at [4 + 1/1.3, 4.05 + 1/1.3] =
// [4.769, 4.819] (lambda sigma^2 = 0.3, not monotone) and [4.5, 4.55]
// (lambda sigma^2 = 1), the third holds throughout: Delta* from 4.5 to
// 4.82 (3 digits), widest bracket 0.05; its hardmax slice is bracketed
// at [5, 5.05].
func TestThresholdTableRows(t *testing.T) {
	md := string(render(t, 1).Markdown)
	for _, want := range []string{
		"| C1 | distance | 3 | 2 | 4.5 | 4.82 | 0.05 | 1 | 0 | 0 | 1 |",
		"| C1 | hardmax | 1 | 1 | 5 | 5.05 | 0.05 | 0 | 0 | 0 | 0 |",
	} {
		if !strings.Contains(md, want+"\n") {
			t.Errorf("thresholds table lacks the row %s", want)
		}
	}
}

// notedFake is the synthetic claim with a note on each result.
type notedFake struct{ fake }

func (f notedFake) Check(env claims.Env, r claims.Regime) []claims.Result {
	rs := f.fake.Check(env, r)
	for i := range rs {
		rs[i].Note = "planted note"
	}
	return rs
}

// TestAppendixNotesAndHypotheses: Appendix C's representative of a check
// that FAILS carries its result's note, and Appendix A lists
// hypotheses only for a claim that has some (the synthetic C0 has none).
func TestAppendixNotesAndHypotheses(t *testing.T) {
	s := fakeSuite()
	s.Claims = []claims.Claim{fake{"C0"}, notedFake{fake{"C1"}}}
	cfg := sweep.Config{Seed: 3, InHyp: 4, Outside: 4, Workers: 1, Catalog: catalog, Quick: true}
	d, err := Render(sweep.Execute(cfg, s, io.Discard), meta)
	if err != nil {
		t.Fatal(err)
	}
	md := string(d.Markdown)
	var perHead string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| C1.per-head |") && strings.Contains(line, "FAILS on") {
			perHead = line
		}
	}
	if !strings.Contains(perHead, "; planted note") {
		t.Errorf("Appendix C's row for C1.per-head lacks the note: %q", perHead)
	}
	a := md[strings.Index(md, "## Appendix A."):]
	c0 := a[strings.Index(a, "### C0:"):strings.Index(a, "### C1:")]
	c1 := a[strings.Index(a, "### C1:"):]
	if strings.Contains(c0, "Hypotheses with their provenance") {
		t.Errorf("Appendix A lists hypotheses for C0, which has none:\n%s", c0)
	}
	if !strings.Contains(c1, "Hypotheses with their provenance") {
		t.Error("Appendix A lists no hypotheses for C1")
	}
}

// TestBoundaryFindingPass: a failure outside the hypotheses, shrunk
// toward their boundary, is described with the separation where the
// check stops failing on the way (when that is not the boundary itself)
// and the verdict at the boundary.
func TestBoundaryFindingPass(t *testing.T) {
	hm := claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Variant: "hardmax", Seed: 1}
	at := func(delta float64, v claims.Verdict) claims.Result {
		r := hm
		r.Separation = delta
		return claims.Result{Claim: "C1", Check: "C1.radius", Regime: r, Verdict: v, Margin: delta - 4.5, Err: 1e-9,
			Role: claims.RoleClaim, Kind: claims.KindCertified}
	}
	boundary := hm
	boundary.Separation = 6
	pass, atB := at(5, claims.Holds), at(6, claims.Holds)
	o := &sweep.Outcome{Counterexamples: []sweep.Counterexample{{Claim: "C1", Kind: sweep.TowardBoundary,
		Original: at(3, claims.Fails), Shrunk: at(4, claims.Fails), Boundary: &boundary, Pass: &pass, AtBoundary: &atB}}}
	var text string
	for _, f := range computeFindings(newView(o, meta)) {
		if f.Topic == topicBoundary {
			text = f.Text
		}
	}
	for _, want := range []string{"it FAILS at Delta = 4 (", "Moving toward the hypotheses, it stops failing at Delta = 5 (HOLDS).", "at Delta = 6, the check"} {
		if !strings.Contains(text, want) {
			t.Errorf("boundary finding lacks %q: %q", want, text)
		}
	}
}

// TestDistanceFindingsUnequalSeries: two softmax distance series of
// different lengths are compared on their common separations only; at
// Delta = 3 the distance at lambda sigma^2 = 1 (0.2) exceeds that at 0.3
// (0.1) by more than both error bounds: one non-monotone separation.
func TestDistanceFindingsUnequalSeries(t *testing.T) {
	o := &sweep.Outcome{}
	o.Figures.Distances = []sweep.DistanceSeries{
		{LamS2: 0.3, Points: []sweep.DistancePoint{{Delta: 3, Dist: 0.1, Err: 1e-9, OK: true}, {Delta: 4, Dist: 0.05, Err: 1e-9, OK: true}}},
		{LamS2: 1, Points: []sweep.DistancePoint{{Delta: 3, Dist: 0.2, Err: 1e-9, OK: true}}},
	}
	var text string
	for _, f := range distanceFindings(newView(o, meta)) {
		if f.Topic == topicDistance {
			text = f.Text
		}
	}
	if want := "larger at the larger lambda sigma^2 at 1 separations between Delta = 3 and 3"; !strings.Contains(text, want) {
		t.Errorf("distance finding lacks %q: %q", want, text)
	}
}

// TestThresholdXY: each bracketed threshold [lo, hi] of a softmax slice
// is drawn at its midpoint with a bar reaching both ends (half-widths
// mid - lo and hi - mid), in increasing lambda sigma^2; other statuses and
// hardmax slices (lambda sigma^2 = 0) are left out. Exact: quarters.
func TestThresholdXY(t *testing.T) {
	sl := func(ls float64) claims.Regime { return claims.Regime{LambdaSigma2: ls} }
	xy, xe := thresholdXY([]claims.Threshold{
		{Slice: sl(3), Status: "bracketed", Lo: 5, Hi: 5.5},
		{Slice: sl(1), Status: "bracketed", Lo: 4, Hi: 4.25},
		{Slice: sl(2), Status: "holds-throughout", Lo: 1, Hi: 1},
		{Slice: sl(0), Status: "bracketed", Lo: 6, Hi: 7},
	})
	if len(xy) != 2 || len(xe) != 2 {
		t.Fatalf("want 2 points, got %v %v", xy, xe)
	}
	want := []struct{ x, y, half float64 }{{4.125, 1, 0.125}, {5.25, 3, 0.25}}
	for i, w := range want {
		if xy[i].X != w.x || xy[i].Y != w.y || xe[i].Low != w.half || xe[i].High != w.half {
			t.Errorf("point %d: (%v, %v) bar (%v, %v), want (%v, %v) bar %v each side", i, xy[i].X, xy[i].Y, xe[i].Low, xe[i].High, w.x, w.y, w.half)
		}
	}
}

// TestCellRunsMergesEqualLabels: the cell map draws one rectangle per
// run of equal labels along a grid row, tinted with the label's colour:
// rows (0, 1, 1) and (2, 2, 2) give three rectangles, coloured 0, 1, 2.
func TestCellRunsMergesEqualLabels(t *testing.T) {
	rec := &recorder.Canvas{}
	c := draw.NewCanvas(rec, 100, 100)
	p := plot.New()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, 2.5, -0.5, 1.5
	cellRuns{xs: []float64{0, 1, 2}, ys: []float64{0, 1}, cells: [][]int{{0, 1, 1}, {2, 2, 2}}}.Plot(c, p)
	var cur color.Color
	var got []color.Color
	for _, a := range rec.Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			cur = a.Color
		case *recorder.Fill:
			got = append(got, cur)
		}
	}
	want := []color.Color{tint(palette(0), 0.2), tint(palette(1), 0.2), tint(palette(2), 0.2)}
	if len(got) != len(want) {
		t.Fatalf("%d rectangles, want %d", len(got), len(want))
	}
	for i := range want {
		r1, g1, b1, a1 := got[i].RGBA()
		r2, g2, b2, a2 := want[i].RGBA()
		if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
			t.Errorf("rectangle %d coloured %v, want %v", i, got[i], want[i])
		}
	}
}

// svgTexts returns the character data of an SVG's text elements.
func svgTexts(t *testing.T, svg []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var texts []string
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			inText = x.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, string(x))
			}
		}
	}
	return texts
}

// TestFigureAxisAndLegendTexts: the training-curve panels' vertical
// axes are labelled with their head (1 and 2, counted from one) and
// span the cosines' range [-1, 1] (ticks every 0.5 from -1); the point
// clouds' legend names the components 1 and 2; the sample-complexity
// figure draws (and names) the prediction, positive on every row of the
// synthetic data.
func TestFigureAxisAndLegendTexts(t *testing.T) {
	want := map[string][]string{
		"training_curves.svg":   {"cosine of head 1 with centroid 1", "cosine of head 2 with centroid 2", "-1", "-0.5", "0.5"},
		"point_clouds.svg":      {"outputs T(x), component 1", "outputs T(x), component 2"},
		"sample_complexity.svg": {"prediction tr(H^-1 S H^-1) / n"},
	}
	seen := 0
	for _, f := range render(t, 1).Figures {
		ws, ok := want[f.File]
		if !ok {
			continue
		}
		seen++
		texts := map[string]bool{}
		for _, s := range svgTexts(t, f.SVG) {
			texts[s] = true
		}
		for _, w := range ws {
			if !texts[w] {
				t.Errorf("%s: no text %q", f.File, w)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the %d figures drawn", seen, len(want))
	}
}

// TestThresholdFigureOneTemperatureAxis: thresholds measured at the
// single lambda sigma^2 = 1 of the quick slices are drawn on a
// temperature axis a decade wide on each side, [0.1, 10], so its ticks
// 0.1, 1 and 10 are labelled.
func TestThresholdFigureOneTemperatureAxis(t *testing.T) {
	s := claims.ThresholdSlices(claims.C1{}, true)
	var ts []claims.Threshold
	for _, sl := range s {
		if sl.LambdaSigma2 > 0 && sl.LambdaSigma2 != 1 {
			t.Fatalf("quick slice at lambda sigma^2 = %v, want 1 (or hardmax)", sl.LambdaSigma2)
		}
		ts = append(ts, claims.Threshold{Claim: "C1", Slice: sl, Status: "bracketed", Lo: 1.93, Hi: 1.96})
	}
	o := &sweep.Outcome{Runs: []sweep.ClaimRun{{Claim: claims.C1{}, Thresholds: ts}}}
	svg, _, err := figureThresholds(o)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, x := range svgTexts(t, svg) {
		texts[x] = true
	}
	for _, w := range []string{"0.1", "1", "10"} {
		if !texts[w] {
			t.Errorf("no tick labelled %q on the temperature axis", w)
		}
	}
}

// TestFigureQuantAxisCoversErrorBars: the quantization figure's vertical
// axis reaches the top of every error bar (Q + 2 SE = 3 here, above the
// input error 1), so a tick at 3 is labelled; the horizontal axis (L = 5
// to 50, two decades) labels powers of ten only.
func TestFigureQuantAxisCoversErrorBars(t *testing.T) {
	q := &sweep.QuantData{Lambda: 1, QInf: 0.5, QInfErr: 1e-9, Input: 1, Points: []sweep.QuantPoint{
		{L: 5, Samples: 100, Q: 2, SE: 0.5}, {L: 50, Samples: 100, Q: 0.8, SE: 0.05},
	}}
	svg, _, err := figureQuant(q)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, x := range svgTexts(t, svg) {
		texts[x] = true
	}
	if !texts["3"] {
		t.Errorf("no tick at 3: the axis stops below the error bar's top (texts %v)", texts)
	}
}

// TestClusteringLinesExcess: the clustering figure's excess curves are
// (E - B)/B at the separations where it is positive (a log axis): the
// layer's (0.15 - 0.1)/0.1 = 0.5 at Delta = 3 (at Delta = 4 it equals the
// Bayes error: left out), k-means' (0.12 - 0.1)/0.1 = 0.2 and (0.06 -
// 0.05)/0.05 = 0.2. 1e-12: two roundings of numbers of order 1.
func TestClusteringLinesExcess(t *testing.T) {
	lines, skipped := clusteringLines([]sweep.ClusteringSeries{{LamS2: 1, Rows: []claims.ClusteringRow{
		{Separation: 3, Bayes: 0.1, Layer: 0.15, KMeans: 0.12},
		{Separation: 4, Bayes: 0.05, Layer: 0.05, KMeans: 0.06},
	}}})
	if skipped != 0 || len(lines) != 3 {
		t.Fatalf("%d lines, %d skipped; want Bayes, k-means and one layer line", len(lines), skipped)
	}
	type pt struct{ x, y float64 }
	for _, tc := range []struct {
		line int
		want []pt
	}{{1, []pt{{3, 0.2}, {4, 0.2}}}, {2, []pt{{3, 0.5}}}} {
		l := lines[tc.line]
		if len(l.excess) != len(tc.want) {
			t.Errorf("%s: excess %v, want %v", l.label, l.excess, tc.want)
			continue
		}
		for i, w := range tc.want {
			if l.excess[i].X != w.x || !(math.Abs(l.excess[i].Y-w.y) <= 1e-12) {
				t.Errorf("%s: excess point %d = %v, want %v", l.label, i, l.excess[i], w)
			}
		}
	}
}

// TestFigureTextsOnCanvas: every text of every figure (titles, axis
// labels, ticks, legends) starts inside the SVG's view box. The figures
// draw with the y axis flipped (scale(1, -1)), so a text at height h is
// at y = -h. A legend whose column is placed beyond the canvas's right
// edge is drawn but invisible; TestFiguresFitOnCanvas, which looks for
// ink at the edges, cannot see it.
func TestFigureTextsOnCanvas(t *testing.T) {
	type svgText struct {
		X    float64 `xml:"x,attr"`
		Y    float64 `xml:"y,attr"`
		Text string  `xml:",chardata"`
	}
	type svgDoc struct {
		ViewBox string    `xml:"viewBox,attr"`
		Texts   []svgText `xml:"g>text"`
	}
	n := 0
	for _, f := range render(t, 1).Figures {
		if f.SVG == nil {
			continue
		}
		var d svgDoc
		if err := xml.Unmarshal(f.SVG, &d); err != nil {
			t.Fatalf("%s: %v", f.File, err)
		}
		var x0, y0, w, h float64
		if _, err := fmt.Sscanf(d.ViewBox, "%g %g %g %g", &x0, &y0, &w, &h); err != nil || x0 != 0 || y0 != 0 {
			t.Fatalf("%s: view box %q", f.File, d.ViewBox)
		}
		if len(d.Texts) == 0 {
			t.Errorf("%s: no text found", f.File)
		}
		for _, tx := range d.Texts {
			n++
			if tx.X < 0 || tx.X >= w || -tx.Y <= 0 || -tx.Y > h {
				t.Errorf("%s: text %q at (%g, %g), outside the %g x %g canvas", f.File, tx.Text, tx.X, -tx.Y, w, h)
			}
		}
	}
	if n == 0 {
		t.Error("no figure text")
	}
}

// TestCheckStatsWorstFails: the worst FAILS of a check is its most
// negative margin (-3 of -1, -3, -2), the smallest HOLDS margin the least
// positive (0.5 of 2, 0.5).
func TestCheckStatsWorstFails(t *testing.T) {
	cr := &sweep.ClaimRun{}
	for _, m := range []float64{-1, -3, -2, 2, 0.5} {
		v := claims.Fails
		if m > 0 {
			v = claims.Holds
		}
		cr.Results = append(cr.Results, claims.Result{Claim: "C0", Check: "C0.x", Verdict: v, Margin: m, Err: 1e-9, Units: "u"})
	}
	st := checkStats(cr)[0]
	if st.WorstFails == nil || st.WorstFails.Margin != -3 || st.MinHolds == nil || st.MinHolds.Margin != 0.5 {
		t.Errorf("worst FAILS %+v, smallest HOLDS %+v; want margins -3 and 0.5", st.WorstFails, st.MinHolds)
	}
}

// TestLogSlopeSkipsNonPositive: the log-log slope leaves out points with
// x or y <= 0 (no logarithm): y = 1/x at x = 1, 10, 100 has slope -1
// exactly in exact arithmetic (1e-12: rounding of three logarithms), and
// a point at x = 0 or y = 0 changes nothing.
func TestLogSlopeSkipsNonPositive(t *testing.T) {
	s := logSlope([]float64{0, 1, 10, 100, 5}, []float64{3, 1, 0.1, 0.01, 0})
	if !(math.Abs(s+1) <= 1e-12) {
		t.Errorf("slope %v, want -1", s)
	}
}

// TestK3StatsRaggedCells: a k-means cell map with a shorter row than the
// attention map compares the cells both maps have; the grid point only
// the attention map has counts as agreeing (1 of 2 points, neither
// differs).
func TestK3StatsRaggedCells(t *testing.T) {
	f := &claims.C7Figure{Regime: claims.Regime{Sigma: 1}, AttnCells: [][]int{{0, 1}}, KMeansCells: [][]int{{0}}}
	if _, diff := k3Stats(f); diff != 0 {
		t.Errorf("differing fraction %v, want 0", diff)
	}
}

// TestFigureHeadingsNumbered: REPORT.md numbers its figures from 1.
func TestFigureHeadingsNumbered(t *testing.T) {
	md := string(render(t, 1).Markdown)
	if !strings.Contains(md, "### Figure 1. ") || strings.Contains(md, "### Figure 0. ") {
		t.Error("figures not numbered from 1")
	}
}

// TestThresholdFindingAndSamplingNote: the threshold finding of the
// synthetic C1's distance slices quotes the range of the brackets
// [4.769, 4.819] and [4.5, 4.55] (from 4.5 to 4.82, 3 digits) and the
// widest bracket, 0.05; and no sampling note is written when every claim
// got the 12 in-hypothesis regimes asked for (the synthetic generators
// only draw inside).
func TestThresholdFindingAndSamplingNote(t *testing.T) {
	md := string(render(t, 1).Markdown)
	want := "C1 (distance variant) holds above a separation threshold Delta* that lies between 4.5 and 4.82 over 2 bracketed slice(s) (thresholds table). Uncertainty: each threshold is bracketed by a certified FAILS below and a certified HOLDS above, at most 0.05 apart."
	if !strings.Contains(md, want) {
		t.Errorf("no finding %q", want)
	}
	if strings.Contains(md, "hard to sample") {
		t.Error("sampling note although every claim got its regimes")
	}
}

// TestMainBodyLines: the main body ends at the line before the first
// appendix heading, even when that heading is the second line.
func TestMainBodyLines(t *testing.T) {
	for _, tc := range []struct {
		md   string
		want int
	}{
		{"# T\nbody\n\n## Appendix A\nx\n", 3},
		{"\n## Appendix A\nx\n", 1},
		{"# T\nno appendix\n", 2},
	} {
		if got := MainBodyLines([]byte(tc.md)); got != tc.want {
			t.Errorf("MainBodyLines(%q) = %d, want %d", tc.md, got, tc.want)
		}
	}
}

// TestClusteringLinesSkipBayesZero: a row whose Bayes error is 0 has no
// relative excess and is left out of the figure (counted as skipped).
func TestClusteringLinesSkipBayesZero(t *testing.T) {
	_, skipped := clusteringLines([]sweep.ClusteringSeries{{LamS2: 1, Rows: []claims.ClusteringRow{
		{Separation: 3, Bayes: 0.1, Layer: 0.15, KMeans: 0.12},
		{Separation: 40, Bayes: 0, Layer: 0, KMeans: 0},
	}}})
	if skipped != 1 {
		t.Errorf("%d rows skipped, want 1", skipped)
	}
}

// TestCloudStatsNearIsInclusive: an output exactly 5% of the heads'
// distance from a head counts as near it ("within 5%"): heads 20 apart,
// an output 1 from the first (all exact in floating point).
func TestCloudStatsNearIsInclusive(t *testing.T) {
	near, _ := cloudStats(claims.PointCloud{Heads: [][2]float64{{0, 0}, {20, 0}}, Outputs: [][2]float64{{1, 0}}})
	if near != 1 {
		t.Errorf("near fraction %v, want 1", near)
	}
}

// TestCloudWindowHoldsEveryToken: the point-cloud panels share a square
// window that contains every token of every panel, whichever axis the data
// spread along. A cloud 10 wide along x and 1 high along y (the first
// panel) and one shifted up by 3 (the second) span x in [-5, 5] and y in
// [0, 4]: the side is ceil(10 + 1) = 11, the centre (0, 2), so the window
// is [-5.5, 5.5] x [-3.5, 7.5]. A window sized from the sum of the ends
// instead of their difference (side ceil(0 + 1) = 1 along x) clips it.
func TestCloudWindowHoldsEveryToken(t *testing.T) {
	panels := []sweep.CloudPanel{
		{Cloud: claims.PointCloud{Inputs: [][2]float64{{-5, 0}, {5, 1}, {0, 0.5}}}},
		{Cloud: claims.PointCloud{Inputs: [][2]float64{{-1, 3}, {1, 4}}}},
	}
	got := cloudWindow(panels)
	want := window{min: [2]float64{-5.5, -3.5}, max: [2]float64{5.5, 7.5}, span: 11}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(window{})); diff != "" {
		t.Errorf("cloudWindow (-want +got):\n%s", diff)
	}
	for _, p := range panels {
		for _, x := range p.Cloud.Inputs {
			for i := range 2 {
				if x[i] < got.min[i] || x[i] > got.max[i] {
					t.Errorf("token %v outside the window on axis %d: [%g, %g]", x, i, got.min[i], got.max[i])
				}
			}
		}
	}
	if empty := cloudWindow(nil); !(empty.span == 1 && empty.min[0] == -0.5 && empty.max[1] == 0.5) {
		t.Errorf("window without tokens = %+v, want side 1 centred at 0", empty)
	}
}

// TestComplexityPointsBars: each measured mean gets bars of c6Z standard
// errors, the lower one stopping at 0.9 of the mean (a log axis has no
// zero); rows with a non-positive mean are left out; the range covers the
// bars and the predictions. Row 1: mean 1, SE 0.1, bars 0.2576 both ways.
// Row 2: mean 0.5, SE 1, upper bar 2.576, lower bar 0.45 (= 0.9 x 0.5),
// so the lowest value drawn is 0.05. Row 3 (mean 0) is skipped with its
// prediction.
func TestComplexityPointsBars(t *testing.T) {
	cd := &sweep.ComplexityData{Rows: []claims.SampleComplexityRow{
		{N: 100, MeanSqDist: 1, MeanSqDistSE: 0.1, Predicted: 0.9},
		{N: 1000, MeanSqDist: 0.5, MeanSqDistSE: 1},
		{N: 4000, MeanSqDist: 0, MeanSqDistSE: 1, Predicted: 0.01},
	}}
	d, pred, lo, hi := complexityPoints(cd)
	approx := cmpopts.EquateApprox(1e-12, 0) // a few roundings of the inputs
	if diff := cmp.Diff(plotter.XYs{{X: 100, Y: 1}, {X: 1000, Y: 0.5}}, d.XYs, approx); diff != "" {
		t.Errorf("points (-want +got):\n%s", diff)
	}
	wantErr := plotter.YErrors{{Low: c6Z * 0.1, High: c6Z * 0.1}, {Low: 0.45, High: c6Z}}
	if diff := cmp.Diff(wantErr, d.YErrors, approx); diff != "" {
		t.Errorf("bars (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(plotter.XYs{{X: 100, Y: 0.9}}, pred, approx); diff != "" {
		t.Errorf("predictions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([2]float64{0.05, 0.5 + c6Z}, [2]float64{lo, hi}, approx); diff != "" {
		t.Errorf("range (-want +got):\n%s", diff)
	}
}

// TestPowerLawFitThroughPoints: points on y = 3/x (slope -1) are their own
// least-squares power law, so the drawn fit line runs from the first point
// (10, 0.3) to the last (1000, 0.003); with slope 0 it is flat at the
// geometric mean of the ordinates, (0.3 x 0.03 x 0.003)^(1/3) = 0.03.
func TestPowerLawFitThroughPoints(t *testing.T) {
	pts := plotter.XYs{{X: 10, Y: 0.3}, {X: 100, Y: 0.03}, {X: 1000, Y: 0.003}}
	approx := cmpopts.EquateApprox(1e-12, 0) // logs and exps of exact inputs
	if diff := cmp.Diff(plotter.XYs{pts[0], pts[2]}, powerLawFit(pts, -1), approx); diff != "" {
		t.Errorf("fit of slope -1 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(plotter.XYs{{X: 10, Y: 0.03}, {X: 1000, Y: 0.03}}, powerLawFit(pts, 0), approx); diff != "" {
		t.Errorf("fit of slope 0 (-want +got):\n%s", diff)
	}
}
