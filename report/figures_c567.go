package report

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"attnclust/claims"
	"attnclust/sweep"
)

// Figure files of C5, C6 and C7.
const (
	FileClustering = "clustering_accuracy.svg"
	FileClouds     = "point_clouds.svg"
	FileComplexity = "sample_complexity.svg"
	FileTraining   = "sample_training.svg"
	FileTrainingAx = "sample_training_axes.svg"
	FileK3         = "k3_cells.svg"
)

// c6Z is the two-sided normal quantile at 0.99 (the bars of the
// sample-complexity figure, the level of C6's statistical verdicts).
const c6Z = 2.5758293035489004

// gridPanels draws panels on rows x cols tiles under a title, with the
// legend on the right, and returns the SVG.
func gridPanels(title string, rows, cols int, panels []*plot.Plot, leg *legend, pw, ph vg.Length) ([]byte, error) {
	legendW := leg.width()
	w, h := pw*vg.Length(cols)+legendW, ph*vg.Length(rows)+vg.Points(13)+vg.Millimeter*4
	return renderSVG(w, h, func(dc draw.Canvas) {
		body := titled(dc, title)
		left := draw.Crop(body, 0, -legendW, 0, 0)
		right := draw.Crop(body, w-legendW, 0, 0, 0)
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 6, PadTop: vg.Millimeter * 2,
			PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		grid := make([][]*plot.Plot, rows)
		for r := range grid {
			grid[r] = make([]*plot.Plot, cols)
			for c := range grid[r] {
				if k := r*cols + c; k < len(panels) {
					grid[r][c] = panels[k]
				}
			}
		}
		cs := plot.Align(grid, tiles, left)
		for r := range grid {
			for c, p := range grid[r] {
				if p != nil {
					p.Draw(cs[r][c])
				}
			}
		}
		leg.Draw(draw.Crop(right, vg.Millimeter*3, 0, 0, -vg.Millimeter*8))
	})
}

// tint mixes c with white (a = 1: c, a = 0: white).
func tint(c color.Color, a float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(math.Round(a*float64(v>>8) + (1-a)*255)) }
	return color.RGBA{R: mix(r), G: mix(g), B: mix(b), A: 0xff}
}

// ---- clustering accuracy (C5)

// namedLine is one line of the clustering figure: its misclassification
// and its relative excess over the Bayes error against the separation,
// with its style (width 0: markers only).
type namedLine struct {
	label    string
	xy       plotter.XYs // misclassification
	excess   plotter.XYs // (E - B) / B, positive values only
	col      color.Color
	dash     []vg.Length
	glyph    draw.GlyphDrawer
	width    vg.Length
	noExcess bool
}

// clusteringLines returns the lines of the clustering figure: Bayes and
// population k-means (read from the first series with a value at each
// separation), then the layer's per series, and the number of points
// left out (no certified minimizer).
func clusteringLines(series []sweep.ClusteringSeries) (lines []namedLine, skipped int) {
	km := namedLine{label: "population k-means", col: color.Black, dash: []vg.Length{vg.Points(5), vg.Points(3)}, width: vg.Points(1.2)}
	bayes := namedLine{label: "Bayes error", col: color.Gray{Y: 0x70}, width: vg.Points(2.5), noExcess: true}
	haveRef := map[float64]bool{}
	for k, sr := range series {
		l := namedLine{label: "layer, " + panelLabel(sr), col: palette(k), glyph: glyph(k), width: vg.Points(1)}
		if sr.Hardmax {
			// markers only: the line would hide under k-means', which it
			// follows (its minimizer is the k-means fixed point)
			l.label, l.width = "layer, hardmax (markers)", 0
		}
		for _, row := range sr.Rows {
			if row.Note != "" || !(row.Bayes > 0) {
				skipped++
				continue
			}
			l.xy = append(l.xy, plotter.XY{X: row.Separation, Y: row.Layer})
			if ex := (row.Layer - row.Bayes) / row.Bayes; ex > 0 {
				l.excess = append(l.excess, plotter.XY{X: row.Separation, Y: ex})
			}
			if !haveRef[row.Separation] {
				haveRef[row.Separation] = true
				km.xy = append(km.xy, plotter.XY{X: row.Separation, Y: row.KMeans})
				if ex := (row.KMeans - row.Bayes) / row.Bayes; ex > 0 {
					km.excess = append(km.excess, plotter.XY{X: row.Separation, Y: ex})
				}
				bayes.xy = append(bayes.xy, plotter.XY{X: row.Separation, Y: row.Bayes})
			}
		}
		lines = append(lines, l)
	}
	for _, l := range []*namedLine{&km, &bayes} {
		sortXY(l.xy)
		sortXY(l.excess)
	}
	return append([]namedLine{bayes, km}, lines...), skipped
}

func sortXY(xy plotter.XYs) {
	for i := 1; i < len(xy); i++ {
		for j := i; j > 0 && xy[j].X < xy[j-1].X; j-- {
			xy[j], xy[j-1] = xy[j-1], xy[j]
		}
	}
}

func panelLabel(sr sweep.ClusteringSeries) string {
	if sr.Hardmax {
		return "hardmax"
	}
	return "lambda sigma^2 = " + exact(sr.LamS2)
}

func figureClustering(series []sweep.ClusteringSeries) ([]byte, string, error) {
	lines, skipped := clusteringLines(series)
	left := newPlot("misclassification, pi1 = " + exact(sweep.ClusteringPi1))
	right := newPlot("relative excess over the Bayes error")
	left.Y.Label.Text = "misclassification probability"
	right.Y.Label.Text = "(error - Bayes error) / Bayes error"
	leg := newLegend()
	lo, hi := map[*plot.Plot]float64{left: math.Inf(1), right: math.Inf(1)}, map[*plot.Plot]float64{left: math.Inf(-1), right: math.Inf(-1)}
	xlo, xhi := math.Inf(1), math.Inf(-1)
	plotted := 0
	for _, l := range lines {
		var thumbs []plot.Thumbnailer
		for _, pd := range []struct {
			p  *plot.Plot
			xy plotter.XYs
		}{{left, l.xy}, {right, l.excess}} {
			if len(pd.xy) == 0 || (pd.p == right && l.noExcess) {
				continue
			}
			var th []plot.Thumbnailer
			if l.width > 0 {
				ln, err := plotter.NewLine(pd.xy)
				if err != nil {
					return nil, "", fmt.Errorf("%s: %w", l.label, err)
				}
				ln.Color, ln.Width, ln.Dashes = l.col, l.width, l.dash
				pd.p.Add(ln)
				th = append(th, ln)
			}
			if l.glyph != nil {
				sc, err := plotter.NewScatter(pd.xy)
				if err != nil {
					return nil, "", err
				}
				sc.Color, sc.Shape, sc.Radius = l.col, l.glyph, vg.Points(1.8)
				if l.width == 0 {
					sc.Radius = vg.Points(3.5)
				}
				pd.p.Add(sc)
				th = append(th, sc)
			}
			if pd.p == left {
				thumbs = th
				plotted += len(pd.xy)
			}
			for _, q := range pd.xy {
				lo[pd.p], hi[pd.p] = math.Min(lo[pd.p], q.Y), math.Max(hi[pd.p], q.Y)
				xlo, xhi = math.Min(xlo, q.X), math.Max(xhi, q.X)
			}
		}
		if thumbs != nil {
			leg.Add(l.label, thumbs...)
		}
	}
	if plotted == 0 {
		return nil, "", errors.New("no separation with a computed misclassification")
	}
	for _, p := range []*plot.Plot{left, right} {
		p.X.Label.Text = "separation Delta"
		p.X.Min, p.X.Max = math.Floor(xlo), math.Ceil(xhi)
		p.X.Tick.Marker = linearTicks{step: 1}
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		p.Y.Min, p.Y.Max = decadeBelow(lo[p]), decadeAbove(hi[p])
		if math.IsInf(lo[p], 0) {
			p.Y.Min, p.Y.Max = 0.1, 1
		}
	}
	svg, err := gridPanels("Clustering accuracy against the separation (C5)",
		1, 2, []*plot.Plot{left, right}, leg, 4.2*vg.Inch, 4.4*vg.Inch)
	note := ""
	if skipped > 0 {
		note = fmt.Sprintf("%d separations without a certified minimizer are left out", skipped)
	}
	return svg, note, err
}

// clusteringCaption states the figure's numbers at the grid separation
// nearest 3 (from the data).
func clusteringCaption(series []sweep.ClusteringSeries) string {
	s := fmt.Sprintf("Misclassification probability of the layer's assignment rule at the population minimizer (left, log scale) and its relative excess over the Bayes error (right), against the separation Delta, for the distance variant at lambda sigma^2 = 1, 3, 10 and for hardmax, next to the fixed point of population k-means and the Bayes rule (d = 2, sigma = 1, orthogonal centroids, pi1 = %s). With equal weights every one of these rules is the bisector of the centroids and the curves coincide; unequal weights separate them.", exact(sweep.ClusteringPi1))
	best, bestD := -1, math.Inf(1)
	if len(series) > 0 {
		for i, row := range series[0].Rows {
			if d := math.Abs(row.Separation - 3); row.Note == "" && d < bestD {
				best, bestD = i, d
			}
		}
	}
	if best < 0 {
		return s
	}
	ref := series[0].Rows[best]
	var parts []string
	maxHK := 0.0
	for _, sr := range series {
		if best < len(sr.Rows) && sr.Rows[best].Note == "" {
			parts = append(parts, num(sr.Rows[best].Layer)+" at "+panelLabel(sr))
		}
		if sr.Hardmax {
			for _, row := range sr.Rows {
				if row.Note == "" {
					maxHK = math.Max(maxHK, math.Abs(row.Layer-row.KMeans))
				}
			}
		}
	}
	s += fmt.Sprintf(" At Delta = %s the layer's error is %s; population k-means %s, Bayes %s.", exact(ref.Separation), strings.Join(parts, ", "), num(ref.KMeans), num(ref.Bayes))
	for _, sr := range series {
		if sr.Hardmax {
			s += fmt.Sprintf(" The hardmax layer's error and k-means' differ by at most %s over the grid (its minimizer is the k-means fixed point).", bound(maxHK))
		}
	}
	return s
}

// ---- point clouds (C5)

// cloudStats returns, for one panel, the fraction of tokens whose output
// lies within 5% of the heads' distance from a head, and the largest
// distance of an output from the segment between the heads, relative to
// the segment's length.
func cloudStats(pc claims.PointCloud) (nearHead, offSegment float64) {
	if len(pc.Heads) < 2 || len(pc.Outputs) == 0 {
		return math.NaN(), math.NaN()
	}
	a, b := pc.Heads[0], pc.Heads[1]
	ux, uy := b[0]-a[0], b[1]-a[1]
	seg := math.Hypot(ux, uy)
	if !(seg > 0) {
		return math.NaN(), math.NaN()
	}
	near := 0
	for _, o := range pc.Outputs {
		if math.Min(math.Hypot(o[0]-a[0], o[1]-a[1]), math.Hypot(o[0]-b[0], o[1]-b[1])) <= 0.05*seg {
			near++
		}
		t := math.Max(0, math.Min(1, ((o[0]-a[0])*ux+(o[1]-a[1])*uy)/(seg*seg)))
		offSegment = math.Max(offSegment, math.Hypot(o[0]-a[0]-t*ux, o[1]-a[1]-t*uy)/seg)
	}
	return float64(near) / float64(len(pc.Outputs)), offSegment
}

// share renders a fraction in [0, 1] as a percentage with one decimal.
func share(p float64) string { return fmt.Sprintf("%.1f%%", 100*p) }

// window is the square window shared by the point-cloud panels: its
// corners on the two axes and its side, in the panels' data units.
type window struct {
	min, max [2]float64
	span     float64
}

// cloudWindow returns a window holding every token of every panel: equal
// spans on both axes (the clouds are round), the side rounded up to a whole
// unit with at least half a unit of margin, centred on the data's midpoint
// rounded to a whole unit (so the shift by rounding, at most 1/2, stays
// inside the margin). Panels without tokens give a window of side 1 at 0.
func cloudWindow(panels []sweep.CloudPanel) window {
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, p := range panels {
		for _, x := range p.Cloud.Inputs {
			for i := range 2 {
				lo[i], hi[i] = math.Min(lo[i], x[i]), math.Max(hi[i], x[i])
			}
		}
	}
	if lo[0] > hi[0] {
		lo, hi = [2]float64{}, [2]float64{}
	}
	w := window{span: math.Ceil(math.Max(hi[0]-lo[0], hi[1]-lo[1]) + 1)}
	for i := range 2 {
		c := math.Round((lo[i] + hi[i]) / 2)
		w.min[i], w.max[i] = c-w.span/2, c+w.span/2
	}
	return w
}

func figureClouds(panels []sweep.CloudPanel) ([]byte, string, error) {
	if len(panels) == 0 {
		return nil, "", errors.New("no panel")
	}
	win := cloudWindow(panels)
	leg := newLegend()
	var plots []*plot.Plot
	for k, p := range panels {
		pl := newPlot(panelName(p))
		pl.X.Label.Text = "along mu*_1 - mu*_2"
		pl.Y.Label.Text = "across"
		pl.X.Min, pl.X.Max = win.min[0], win.max[0]
		pl.Y.Min, pl.Y.Max = win.min[1], win.max[1]
		pl.X.Tick.Marker = linearTicks{step: niceStep(win.span)}
		pl.Y.Tick.Marker = linearTicks{step: niceStep(win.span)}
		for comp := range 2 {
			var in, out plotter.XYs
			for i, lab := range p.Cloud.Labels {
				if lab == comp && i < len(p.Cloud.Inputs) && i < len(p.Cloud.Outputs) {
					in = append(in, plotter.XY{X: p.Cloud.Inputs[i][0], Y: p.Cloud.Inputs[i][1]})
					out = append(out, plotter.XY{X: p.Cloud.Outputs[i][0], Y: p.Cloud.Outputs[i][1]})
				}
			}
			if len(in) == 0 {
				continue
			}
			si, err := plotter.NewScatter(in)
			if err != nil {
				return nil, "", err
			}
			si.Color, si.Shape, si.Radius = tint(palette(comp+1), 0.35), draw.CircleGlyph{}, vg.Points(1.3)
			so, err := plotter.NewScatter(out)
			if err != nil {
				return nil, "", err
			}
			so.Color, so.Shape, so.Radius = palette(comp+1), draw.RingGlyph{}, vg.Points(2)
			pl.Add(si, so)
			if k == 0 {
				leg.Add(fmt.Sprintf("tokens x of component %d", comp+1), si)
				leg.Add(fmt.Sprintf("outputs T(x), component %d", comp+1), so)
			}
		}
		cent, heads := toXY(p.Cloud.Centroids), toXY(p.Cloud.Heads)
		sc, err := plotter.NewScatter(cent)
		if err != nil {
			return nil, "", err
		}
		sc.Color, sc.Shape, sc.Radius = color.Black, draw.SquareGlyph{}, vg.Points(3.5)
		sh, err := plotter.NewScatter(heads)
		if err != nil {
			return nil, "", err
		}
		sh.Color, sh.Shape, sh.Radius = palette(3), draw.CrossGlyph{}, vg.Points(6)
		pl.Add(sc, sh)
		if k == 0 {
			leg.Add("centroids mu*", sc)
			leg.Add("heads at the minimizer", sh)
		}
		plots = append(plots, pl)
	}
	cols := min(2, len(plots))
	rows := (len(plots) + cols - 1) / cols
	svg, err := gridPanels("Point clouds and the layer's outputs (C5)", rows, cols, plots, leg, 3.6*vg.Inch, 3.6*vg.Inch)
	return svg, "", err
}

func toXY(ps [][2]float64) plotter.XYs {
	out := make(plotter.XYs, len(ps))
	for i, p := range ps {
		out[i] = plotter.XY{X: p[0], Y: p[1]}
	}
	return out
}

func panelName(p sweep.CloudPanel) string {
	if p.Hardmax {
		return "hardmax"
	}
	return "lambda sigma^2 = " + exact(p.LamS2)
}

func cloudsCaption(panels []sweep.CloudPanel) string {
	s := "Tokens drawn from the mixture (light dots, coloured by component) and their images T(x) under the layer at the population minimizer (rings), with the centroids (squares) and the heads (crosses), the same tokens in every panel"
	if len(panels) > 0 {
		r := panels[0].Regime
		s += fmt.Sprintf(" (d = %d, sigma = %s, Delta = %s, pi1 = %s, %s centroids, distance variant; %d tokens)", r.D, exact(r.Sigma), exact(r.Separation), exact(r.Pi1), r.Geometry, len(panels[0].Cloud.Inputs))
	}
	s += ". Coordinates are along the difference of the centroids and across it. Each output is a convex combination of the two heads, so the two-dimensional clouds are flattened onto the segment between the heads and gather at their heads as lambda sigma^2 grows."
	var parts []string
	off := 0.0
	for _, p := range panels {
		near, o := cloudStats(p.Cloud)
		off = math.Max(off, o)
		parts = append(parts, fmt.Sprintf("%s at %s", share(near), panelName(p)))
	}
	if len(parts) > 0 {
		s += " Share of outputs within 5% of the heads' distance from a head: " + strings.Join(parts, ", ") + fmt.Sprintf("; largest distance of an output from the segment, relative to its length: %s.", bound(off))
	}
	return s
}

// ---- sample complexity (C6)

// logSlope is the least-squares slope of log y against log x.
func logSlope(xs, ys []float64) float64 {
	var sx, sy, sxx, sxy, n float64
	for i := range xs {
		if xs[i] > 0 && ys[i] > 0 {
			lx, ly := math.Log(xs[i]), math.Log(ys[i])
			sx, sy, sxx, sxy, n = sx+lx, sy+ly, sxx+lx*lx, sxy+lx*ly, n+1
		}
	}
	if n < 2 {
		return math.NaN()
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func complexitySlope(cd *sweep.ComplexityData) float64 {
	var xs, ys []float64
	for _, r := range cd.Rows {
		xs, ys = append(xs, float64(r.N)), append(ys, r.MeanSqDist)
	}
	return logSlope(xs, ys)
}

// xyErr is a series of points with vertical error bars.
type xyErr struct {
	plotter.XYs
	plotter.YErrors
}

// complexityPoints returns the sample-complexity figure's data: the measured
// mean squared distances (rows with a positive mean only, a log axis has no
// zero) with bars of c6Z standard errors, the lower bar stopping at a tenth
// of the mean; the M-estimator predictions where positive; and the lowest
// and highest values drawn, bars included (+Inf and -Inf without points).
func complexityPoints(cd *sweep.ComplexityData) (d xyErr, pred plotter.XYs, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, r := range cd.Rows {
		if !(r.MeanSqDist > 0) {
			continue
		}
		low := math.Min(c6Z*r.MeanSqDistSE, 0.9*r.MeanSqDist)
		d.XYs = append(d.XYs, plotter.XY{X: float64(r.N), Y: r.MeanSqDist})
		d.YErrors = append(d.YErrors, struct{ Low, High float64 }{low, c6Z * r.MeanSqDistSE})
		lo, hi = math.Min(lo, r.MeanSqDist-low), math.Max(hi, r.MeanSqDist+c6Z*r.MeanSqDistSE)
		if r.Predicted > 0 {
			pred = append(pred, plotter.XY{X: float64(r.N), Y: r.Predicted})
			lo, hi = math.Min(lo, r.Predicted), math.Max(hi, r.Predicted)
		}
	}
	return d, pred, lo, hi
}

// powerLawFit returns the end points, at the first and last abscissae of
// pts, of the power law y = C x^slope through the geometric mean of pts
// (every coordinate positive). When pts lie on a power law of that slope,
// the end points are the first and last points.
func powerLawFit(pts plotter.XYs, slope float64) plotter.XYs {
	var mx, my float64
	for _, q := range pts {
		mx, my = mx+math.Log(q.X), my+math.Log(q.Y)
	}
	mx, my = mx/float64(len(pts)), my/float64(len(pts))
	at := func(x float64) plotter.XY { return plotter.XY{X: x, Y: math.Exp(my + slope*(math.Log(x)-mx))} }
	return plotter.XYs{at(pts[0].X), at(pts[len(pts)-1].X)}
}

func figureComplexity(cd *sweep.ComplexityData) ([]byte, string, error) {
	if len(cd.Rows) == 0 {
		return nil, "", errors.New("no sample size")
	}
	p := newPlot("Sample complexity of the empirical minimizer (C6)")
	p.X.Label.Text = "sample size n"
	p.Y.Label.Text = "E ||theta_n - theta^||^2 / sigma^2"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = logTicks{}, logTicks{}
	d, pred, lo, hi := complexityPoints(cd)
	if len(d.XYs) == 0 {
		return nil, "", errors.New("no positive mean squared distance")
	}
	leg := newLegend()
	sc, err := plotter.NewScatter(d.XYs)
	if err != nil {
		return nil, "", err
	}
	sc.Color, sc.Shape, sc.Radius = palette(5), draw.CircleGlyph{}, vg.Points(3)
	eb, err := plotter.NewYErrorBars(d)
	if err != nil {
		return nil, "", err
	}
	eb.Color = palette(5)
	p.Add(eb, sc)
	leg.Add(fmt.Sprintf("measured, %d samples per n", cd.Reps), sc)
	if len(pred) > 0 {
		l, err := plotter.NewLine(pred)
		if err != nil {
			return nil, "", err
		}
		l.Color, l.Width, l.Dashes = palette(3), vg.Points(1.2), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		leg.Add("prediction tr(H^-1 S H^-1) / n", l)
	}
	slope := complexitySlope(cd)
	if !math.IsNaN(slope) && len(d.XYs) >= 2 {
		l, err := plotter.NewLine(powerLawFit(d.XYs, slope))
		if err != nil {
			return nil, "", err
		}
		l.Color, l.Width = palette(5), vg.Points(1)
		p.Add(l)
		leg.Add("fit, slope "+num(slope), l)
	}
	p.X.Min, p.X.Max = decadeBelow(d.XYs[0].X), decadeAbove(d.XYs[len(d.XYs)-1].X)
	p.Y.Min, p.Y.Max = decadeBelow(lo), decadeAbove(hi)
	legendW := leg.width()
	w, h := 6*vg.Inch+legendW, 5*vg.Inch
	svg, err := renderSVG(w, h, func(dc draw.Canvas) {
		p.Draw(draw.Crop(dc, vg.Millimeter*2, -legendW, vg.Millimeter*1, -vg.Millimeter*3))
		leg.Draw(draw.Crop(dc, w-legendW+vg.Millimeter*3, 0, 0, -vg.Millimeter*12))
	})
	return svg, "", err
}

func complexityCaption(cd *sweep.ComplexityData) string {
	s := "Mean squared distance of the empirical risk minimizer on n tokens to the population minimizer, in sigma^2, against n (log-log), with bars of " + num(c6Z) + " standard errors (two-sided 99%), the M-estimator prediction tr(H^-1 S H^-1)/n (H the Hessian of the population risk, S the covariance of the per-token gradient) and the least-squares power law through the points"
	if cd == nil {
		return s + "."
	}
	r := cd.Regime
	s += fmt.Sprintf(" (%s; %d samples per n).", regimeText(r), cd.Reps)
	var parts []string
	for _, row := range cd.Rows {
		if row.Predicted > 0 {
			parts = append(parts, fmt.Sprintf("n = %d: %s", row.N, num(row.MeanSqDist/row.Predicted)))
		}
	}
	if sl := complexitySlope(cd); !math.IsNaN(sl) {
		s += fmt.Sprintf(" Fitted slope %s (prediction -1);", num(sl))
	}
	if len(parts) > 0 {
		s += " measured over predicted: " + strings.Join(parts, ", ") + "."
	}
	return s
}

// ---- SGD curves (C6)

func figureTraining(td *sweep.TrainingData) ([]byte, string, error) {
	return figureSGDCurves(td.Curves, "SGD on a finite sample, by initialization (C6)")
}

// figureTrainingAxes draws the data-token start's curves across the
// separation and the dimension (the other two axes of the experiments).
func figureTrainingAxes(td *sweep.TrainingData) ([]byte, string, error) {
	return figureSGDCurves(append(append([]claims.TrainingCurve{}, td.ByDelta...), td.ByDim...), "SGD on a finite sample, by separation and dimension (C6)")
}

// figureSGDCurves draws SGD curves, one line per curve labelled by its
// Scheme field: worst cosine (left) and distance to theta^ (right).
func figureSGDCurves(curves []claims.TrainingCurve, title string) ([]byte, string, error) {
	td := struct{ Curves []claims.TrainingCurve }{curves}
	if len(td.Curves) == 0 {
		return nil, "", errors.New("no curve")
	}
	// no panel titles: the axis labels say what each panel shows
	left, right := newPlot(""), newPlot("")
	left.Y.Label.Text = "min_h cos(mu_h, mu*_h)"
	right.Y.Label.Text = "max_h ||mu_h - mu^_h|| / sigma"
	left.Y.Min, left.Y.Max = -1.05, 1.05
	left.Y.Tick.Marker = linearTicks{step: 0.5}
	right.Y.Scale, right.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	leg := newLegend()
	lo, hi := math.Inf(1), math.Inf(-1)
	maxStep := 1.0
	for k, c := range td.Curves {
		var cs, ds plotter.XYs
		for _, pt := range c.Points {
			// step + 1 on a log axis: the transient takes a few dozen
			// steps of hundreds
			x := float64(pt.Step) + 1
			cs = append(cs, plotter.XY{X: x, Y: pt.MinCos})
			if pt.DistToMin > 0 {
				ds = append(ds, plotter.XY{X: x, Y: pt.DistToMin})
				lo, hi = math.Min(lo, pt.DistToMin), math.Max(hi, pt.DistToMin)
			}
			maxStep = math.Max(maxStep, x)
		}
		if len(cs) == 0 {
			continue
		}
		l, err := plotter.NewLine(cs)
		if err != nil {
			return nil, "", fmt.Errorf("scheme %s: %w", c.Scheme, err)
		}
		l.Color, l.Width, l.Dashes = palette(k), vg.Points(1.2), dashesFor(k)
		left.Add(l)
		if len(ds) > 0 {
			l2, err := plotter.NewLine(ds)
			if err != nil {
				return nil, "", err
			}
			l2.Color, l2.Width, l2.Dashes = palette(k), vg.Points(1.2), dashesFor(k)
			right.Add(l2)
		}
		leg.Add(c.Scheme, l)
	}
	for _, p := range []*plot.Plot{left, right} {
		p.X.Label.Text = "SGD step + 1"
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
		p.X.Min, p.X.Max = 1, maxStep
	}
	right.Y.Min, right.Y.Max = decadeBelow(lo), decadeAbove(hi)
	if math.IsInf(lo, 0) {
		right.Y.Min, right.Y.Max = 0.01, 1
	}
	svg, err := gridPanels(title, 1, 2, []*plot.Plot{left, right}, leg, 4.2*vg.Inch, 4.2*vg.Inch)
	return svg, "", err
}

func trainingAxesCaption(td *sweep.TrainingData) string {
	s := "Stochastic gradient descent (batch 256) from tokens sampled from the data, on one sample per setting, across the separation and the dimension: the smaller of the two heads' cosines with their centroids (left) and the largest distance of a head to the population minimizer, in sigma (right, log scale), against the step plus one (log scale)"
	if td == nil {
		return s + "."
	}
	s += fmt.Sprintf(" (otherwise %s; %d tokens, %d steps).", regimeText(td.Regime), td.N, td.Steps)
	var parts []string
	for _, c := range append(append([]claims.TrainingCurve{}, td.ByDelta...), td.ByDim...) {
		if n := len(c.Points); n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s (distance %s)", c.Scheme, num(c.Points[n-1].MinCos), num(c.Points[n-1].DistToMin)))
		}
	}
	if len(parts) > 0 {
		s += " Final worst cosine: " + strings.Join(parts, "; ") + "."
	}
	return s
}

func trainingCaption(td *sweep.TrainingData) string {
	s := "Stochastic gradient descent (batch 256) on one sample, one line per initialization scheme: the smaller of the two heads' cosines with their centroids (left) and the largest distance of a head to the population minimizer, in sigma (right, log scale), against the step plus one (log scale)"
	if td == nil {
		return s + "."
	}
	s += fmt.Sprintf(" (%s; %d tokens, %d steps).", regimeText(td.Regime), td.N, td.Steps)
	var parts []string
	for _, c := range td.Curves {
		if n := len(c.Points); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s (distance %s)", c.Scheme, num(c.Points[n-1].MinCos), num(c.Points[n-1].DistToMin)))
		}
	}
	if len(parts) > 0 {
		s += " Final worst cosine: " + strings.Join(parts, ", ") + "."
	}
	return s
}

// ---- K = 3 cells (C7)

// cellRuns draws assignment cells as one rectangle per run of equal
// labels along each grid row (light tints of the component colours).
type cellRuns struct {
	xs, ys []float64
	cells  [][]int
}

// Plot implements plot.Plotter.
func (g cellRuns) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	xe, ye := edges(g.xs, false), edges(g.ys, false)
	for iy, row := range g.cells {
		for i0 := 0; i0 < len(row); {
			i1 := i0
			for i1+1 < len(row) && row[i1+1] == row[i0] {
				i1++
			}
			x0, x1 := trX(xe[i0]), trX(xe[i1+1])
			// half a point of overlap upward hides the seam a viewer's
			// antialiasing draws between adjacent rows
			y0, y1 := trY(ye[iy]), trY(ye[iy+1])+vg.Points(0.5)
			c.FillPolygon(tint(palette(row[i0]), 0.2), []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
			i0 = i1 + 1
		}
	}
}

// DataRange implements plot.DataRanger.
func (g cellRuns) DataRange() (xmin, xmax, ymin, ymax float64) {
	xe, ye := edges(g.xs, false), edges(g.ys, false)
	return xe[0], xe[len(xe)-1], ye[0], ye[len(ye)-1]
}

// k3Stats returns the largest distance between a head of theta^ and the
// matching k-means head, in sigma, and the fraction of grid points whose
// two cells differ.
func k3Stats(f *claims.C7Figure) (maxDist, differ float64) {
	for h := range f.Heads {
		if h < len(f.KMeans) {
			d := 0.0
			for i := range f.Heads[h] {
				d += (f.Heads[h][i] - f.KMeans[h][i]) * (f.Heads[h][i] - f.KMeans[h][i])
			}
			maxDist = math.Max(maxDist, math.Sqrt(d)/f.Regime.Sigma)
		}
	}
	n, diff := 0, 0
	for iy := range f.AttnCells {
		for ix := range f.AttnCells[iy] {
			n++
			if iy < len(f.KMeansCells) && ix < len(f.KMeansCells[iy]) && f.KMeansCells[iy][ix] != f.AttnCells[iy][ix] {
				diff++
			}
		}
	}
	if n > 0 {
		differ = float64(diff) / float64(n)
	}
	return maxDist, differ
}

func figureK3(f *claims.C7Figure) ([]byte, string, error) {
	if len(f.GridX) < 2 || len(f.GridY) < 2 {
		return nil, "", errors.New("no grid")
	}
	leg := newLegend()
	var plots []*plot.Plot
	for k, pan := range []struct {
		title string
		cells [][]int
		heads [][]float64
		label string
	}{{"attention at the minimizer", f.AttnCells, f.Heads, "heads at the minimizer"}, {"population k-means", f.KMeansCells, f.KMeans, "k-means fixed point"}} {
		p := newPlot(pan.title)
		p.X.Label.Text, p.Y.Label.Text = "x_1", "x_2"
		p.Add(cellRuns{xs: f.GridX, ys: f.GridY, cells: pan.cells})
		for comp := range len(f.Centroids) {
			var xy plotter.XYs
			for i, lab := range f.Labels {
				if lab == comp && i < len(f.Points) {
					xy = append(xy, plotter.XY{X: f.Points[i][0], Y: f.Points[i][1]})
				}
			}
			if len(xy) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, "", err
			}
			sc.Color, sc.Shape, sc.Radius = palette(comp), draw.CircleGlyph{}, vg.Points(1.4)
			p.Add(sc)
			if k == 0 {
				leg.Add(fmt.Sprintf("tokens of component %d", comp+1), sc)
			}
		}
		var cent, heads plotter.XYs
		for _, c := range f.Centroids {
			cent = append(cent, plotter.XY{X: c[0], Y: c[1]})
		}
		for _, h := range pan.heads {
			heads = append(heads, plotter.XY{X: h[0], Y: h[1]})
		}
		sc, err := plotter.NewScatter(cent)
		if err != nil {
			return nil, "", err
		}
		sc.Color, sc.Shape, sc.Radius = color.Black, draw.SquareGlyph{}, vg.Points(3.5)
		sh, err := plotter.NewScatter(heads)
		if err != nil {
			return nil, "", err
		}
		sh.Color, sh.Shape, sh.Radius = color.Black, draw.CrossGlyph{}, vg.Points(5)
		p.Add(sc, sh)
		if k == 0 {
			leg.Add("centroids mu*", sc)
		}
		leg.Add(pan.label+" (cross)", sh)
		span := math.Max(f.GridX[len(f.GridX)-1]-f.GridX[0], f.GridY[len(f.GridY)-1]-f.GridY[0])
		p.X.Tick.Marker, p.Y.Tick.Marker = linearTicks{step: niceStep(span)}, linearTicks{step: niceStep(span)}
		plots = append(plots, p)
	}
	leg.Add("shading: the cell of each head", swatch{fill: tint(palette(0), 0.2), frame: draw.LineStyle{Color: color.Gray{Y: 0xa0}, Width: vg.Points(0.5)}})
	svg, err := gridPanels("Three components in the plane: assignment cells (C7)", 1, 2, plots, leg, 4*vg.Inch, 4*vg.Inch)
	return svg, "", err
}

func k3Caption(f *claims.C7Figure) string {
	s := "Three Gaussian components in the plane: sampled tokens coloured by component, the centroids (squares), and the cells in which each head wins (shading, one tint per head), for the layer at its population minimizer found from the centroids (left; the head of largest attention score, which for the distance variant is the nearest head whatever lambda) and for the fixed point of population k-means (right)."
	if f == nil {
		return s
	}
	s += fmt.Sprintf(" Regime: %s, K = 3, weights %s; %d tokens, %d x %d grid.", regimeText(f.Regime), weightsText(f.Regime), len(f.Points), len(f.GridX), len(f.GridY))
	d, diff := k3Stats(f)
	s += fmt.Sprintf(" The heads and the k-means points differ by at most %s sigma; the two rules assign %s of the grid points differently.", num(d), pct(diff))
	return s
}

// weightsText renders a regime's component weights.
func weightsText(r claims.Regime) string {
	var parts []string
	for _, w := range r.WeightsK() {
		parts = append(parts, exact(w))
	}
	return strings.Join(parts, ", ")
}
