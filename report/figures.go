package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"attnclust/claims"
	"attnclust/sweep"
)

// The figures are SVG files written with gonum.org/v1/plot's vgsvg back
// end, which lays text out with the metrics of Liberation Serif and names
// that family without embedding it. The files name metric-compatible
// fallbacks after it (Times New Roman, Times, Nimbus Roman have the same
// advance widths), and every legend is left-aligned with its text running
// into the plot area, so that a viewer with a wider substitute font
// overlaps a little but never clips a label at the canvas edge.

// Figure files, in the order of the report.
const (
	FileCurves     = "training_curves.svg"
	FileDistance   = "minimizer_distance.svg"
	FileThresholds = "thresholds.svg"
	FileQuant      = "quantization.svg"
)

// mapFile is the hold-map file of a claim.
func mapFile(id string) string { return "hold_map_" + strings.ToLower(id) + ".svg" }

// drawFigures draws every figure the outcome has data for, in report
// order; a figure without data carries the reason in its note.
func drawFigures(v *view) []Figure {
	o := v.o
	notes := o.Figures.Notes
	note := func(key, fallback string) string {
		if n, ok := notes[key]; ok {
			return n
		}
		return fallback
	}
	notDrawn := "not drawn (figures were not computed)"
	if !o.Config.Figures {
		notDrawn = "not drawn (figures turned off)"
	}
	var figs []Figure
	add := func(f Figure, fn func() ([]byte, string, error), have bool, key string) {
		if !have {
			f.Note = note(key, notDrawn)
			figs = append(figs, f)
			return
		}
		svg, n, err := safeDraw(fn)
		if err != nil {
			f.Note = "not drawn: " + oneLine(err.Error())
		} else {
			f.SVG, f.Note = svg, n
		}
		figs = append(figs, f)
	}
	fd := o.Figures
	add(Figure{File: FileCurves, Title: "Training curves of gradient descent (C3)",
		Caption: fmt.Sprintf("Cosine of each head with its centroid against the iteration (log scale), one line per initialization scheme, on the named regime %s (%s).", sweep.CurvesRegimeName, regimeText(fd.CurvesRegime))},
		func() ([]byte, string, error) { return figureCurves(fd) }, len(fd.Curves) > 0, sweep.FigCurves)
	add(Figure{File: FileDistance, Title: "Distance of the minimizer to the centroids (C1)",
		Caption: "Largest distance of a head of the minimizer to its centroid, in sigma, against the separation Delta, for lambda sigma^2 = 0.3, 1, 3 and hardmax (distance variant, orthogonal centroids, pi1 = 0.5, d = 2), log scale; the dashed line is the hardmax closed form of docs/MODEL.md §5.2. Points whose distance is not above twice its error bound are left out."},
		func() ([]byte, string, error) { return figureDistance(fd.Distances) }, len(fd.Distances) > 0, sweep.FigDistance)
	for _, id := range []string{"C1", "C2", "C3"} {
		var m *sweep.HoldMap
		for i := range fd.Maps {
			if fd.Maps[i].Claim == id {
				m = &fd.Maps[i]
			}
		}
		f := Figure{File: mapFile(id), Title: "Where " + id + " holds",
			Caption: fmt.Sprintf("Verdict of %s's claim checks on a grid of separations Delta and temperatures lambda sigma^2 (d = 2, sigma = 1, quick settings), one panel per variant, geometry and weight pi1: green, every check HOLDS; red, some check FAILS; grey, otherwise; a black frame marks the cells inside the a priori hypotheses. The black line with bars is the measured threshold Delta* with its bracket, where measured on the panel's slice.", id)}
		if m == nil && o.Run(id) == nil && o.Config.Figures {
			// drawn only when its claim runs; listed so that a stale file
			// is removed
			f.Note = "not drawn: it needs " + id + ", not selected"
			figs = append(figs, f)
			continue
		}
		add(f, func() ([]byte, string, error) { return figureMap(*m) }, m != nil, sweep.FigMaps)
		if m != nil && figs[len(figs)-1].SVG != nil {
			for k := range fd.Maps {
				if fd.Maps[k].Claim == id {
					break
				}
				if sameCells(fd.Maps[k], *m) {
					n := &figs[len(figs)-1].Note
					*n = strings.TrimPrefix(*n+"; every cell has the same status as in "+fd.Maps[k].Claim+"'s map", "; ")
					break
				}
			}
		}
	}
	hasT := false
	for _, cr := range o.Runs {
		hasT = hasT || len(cr.Thresholds) > 0
	}
	tnote := "not drawn: no threshold was measured in this run"
	if !o.Config.Figures {
		tnote = notDrawn
	}
	add(Figure{File: FileThresholds, Title: "Separation thresholds against lambda sigma^2",
		Caption: "Measured threshold Delta* above which every claim-role check HOLDS, against lambda sigma^2 (log scale), one panel per claim and one line per variant, geometry and weight; bars span the bisection bracket, a dashed horizontal line is a hardmax threshold."},
		func() ([]byte, string, error) { return figureThresholds(o) }, hasT && o.Config.Figures, "")
	if !hasT || !o.Config.Figures {
		figs[len(figs)-1].Note = tnote
	}
	add(Figure{File: FileQuant, Title: "In-context quantization (C4)",
		Caption: "Monte Carlo estimate of the quantization error Q_L of the identity attention layer against the sequence length L (log scale), with bars of two standard errors (d = 2, sigma = 0.3, centroids (2, 0) and (0, 2), lambda = 1); the solid line is the L -> infinity value Q_inf, the dashed line the input error d sigma^2."},
		func() ([]byte, string, error) { return figureQuant(fd.Quant) }, fd.Quant != nil, sweep.FigQuant)
	add(Figure{File: FileClustering, Title: "Clustering accuracy against the separation (C5)", Caption: clusteringCaption(fd.Clustering)},
		func() ([]byte, string, error) { return figureClustering(fd.Clustering) }, len(fd.Clustering) > 0, sweep.FigClustering)
	add(Figure{File: FileClouds, Title: "Point clouds and the layer's outputs (C5)", Caption: cloudsCaption(fd.Clouds)},
		func() ([]byte, string, error) { return figureClouds(fd.Clouds) }, len(fd.Clouds) > 0, sweep.FigClouds)
	add(Figure{File: FileComplexity, Title: "Sample complexity of the empirical minimizer (C6)", Caption: complexityCaption(fd.Complexity)},
		func() ([]byte, string, error) { return figureComplexity(fd.Complexity) }, fd.Complexity != nil, sweep.FigComplexity)
	add(Figure{File: FileTraining, Title: "SGD on a finite sample, by initialization (C6)", Caption: trainingCaption(fd.Training)},
		func() ([]byte, string, error) { return figureTraining(fd.Training) }, fd.Training != nil, sweep.FigTraining)
	add(Figure{File: FileTrainingAx, Title: "SGD on a finite sample, by separation and dimension (C6)", Caption: trainingAxesCaption(fd.Training)},
		func() ([]byte, string, error) { return figureTrainingAxes(fd.Training) }, fd.Training != nil && len(fd.Training.ByDelta)+len(fd.Training.ByDim) > 0, sweep.FigTraining)
	add(Figure{File: FileK3, Title: "Three components in the plane: assignment cells (C7)", Caption: k3Caption(fd.K3)},
		func() ([]byte, string, error) { return figureK3(fd.K3) }, fd.K3 != nil, sweep.FigK3)
	return figs
}

// safeDraw runs f, turning a panic (gonum plot panics on, e.g., a
// non-positive value on a log axis) into an error.
func safeDraw(f func() ([]byte, string, error)) (svg []byte, note string, err error) {
	defer func() {
		if p := recover(); p != nil {
			svg, note, err = nil, "", fmt.Errorf("internal error: %v", p)
		}
	}()
	return f()
}

// ---- training curves

func figureCurves(fd sweep.Figures) ([]byte, string, error) {
	curves := fd.Curves
	var schemes []string
	idx := map[string]int{}
	for _, c := range curves {
		if _, ok := idx[c.Scheme]; !ok {
			idx[c.Scheme] = len(schemes)
			schemes = append(schemes, c.Scheme)
		}
	}
	maxIter := 1.0
	for _, c := range curves {
		for _, it := range c.Iter {
			maxIter = math.Max(maxIter, float64(it)+1)
		}
	}
	panels := [2]*plot.Plot{newPlot("head 1"), newPlot("head 2")}
	for h, p := range panels {
		p.X.Label.Text = "iteration + 1"
		p.X.Scale = plot.LogScale{}
		p.X.Min, p.X.Max = 1, decadeAbove(maxIter)
		p.X.Tick.Marker = logTicks{}
		p.Y.Label.Text = fmt.Sprintf("cosine of head %d with centroid %d", h+1, h+1)
		p.Y.Min, p.Y.Max = -1.05, 1.05
		p.Y.Tick.Marker = linearTicks{step: 0.5}
	}
	leg := newLegend()
	for _, c := range curves {
		n := min(len(c.Iter), len(c.Cos1), len(c.Cos2))
		if n == 0 {
			continue
		}
		for h, p := range panels {
			xy := make(plotter.XYs, n)
			for i := range n {
				xy[i].X = float64(c.Iter[i]) + 1
				xy[i].Y = [2][]float64{c.Cos1, c.Cos2}[h][i]
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, "", fmt.Errorf("scheme %s: %w", c.Scheme, err)
			}
			k := idx[c.Scheme]
			l.Color, l.Width, l.Dashes = palette(k), vg.Points(1.2), dashes(k)
			p.Add(l)
			if h == 0 && c.Run == 0 {
				leg.Add(c.Scheme, l)
			}
		}
	}
	legendW := leg.width()
	w, h := 7.6*vg.Inch+legendW, 4.2*vg.Inch
	svg, err := renderSVG(w, h, func(dc draw.Canvas) {
		body := titled(dc, "Training curves of gradient descent (C3)")
		left := draw.Crop(body, 0, -legendW, 0, 0)
		right := draw.Crop(body, w-legendW, 0, 0, 0)
		tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2,
			PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		cs := plot.Align([][]*plot.Plot{{panels[0], panels[1]}}, tiles, left)
		panels[0].Draw(cs[0][0])
		panels[1].Draw(cs[0][1])
		leg.Draw(draw.Crop(right, vg.Millimeter*3, 0, 0, -vg.Millimeter*8))
	})
	return svg, fmt.Sprintf("%d curves, %d schemes", len(curves), len(schemes)), err
}

// ---- minimizer distance

func figureDistance(series []sweep.DistanceSeries) ([]byte, string, error) {
	p := newPlot("Distance of the minimizer to the centroids (C1)")
	p.X.Label.Text = "separation Delta"
	p.Y.Label.Text = "distance to the centroids / sigma"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	p.X.Tick.Marker = linearTicks{step: 1}
	leg := newLegend()
	dropped, plotted := 0, 0
	lo, hi := math.Inf(1), math.Inf(-1)
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for k, sr := range series {
		var xy plotter.XYs
		for _, pt := range sr.Points {
			xlo, xhi = math.Min(xlo, pt.Delta), math.Max(xhi, pt.Delta)
			if !pt.OK {
				dropped++
				continue
			}
			xy = append(xy, plotter.XY{X: pt.Delta, Y: pt.Dist})
			lo, hi = math.Min(lo, pt.Dist), math.Max(hi, pt.Dist)
		}
		plotted += len(xy)
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, "", err
		}
		sc.Color, sc.Shape, sc.Radius = palette(k), glyph(k), vg.Points(2.2)
		label := "lambda sigma^2 = " + exact(sr.LamS2)
		if sr.Hardmax {
			p.Add(sc)
			leg.Add("hardmax (Newton)", sc)
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, "", err
		}
		l.Color, l.Width = palette(k), vg.Points(1)
		p.Add(l, sc)
		leg.Add(label, l, sc)
	}
	if plotted == 0 {
		return nil, "", errors.New("no resolved minimizer distance to plot")
	}
	var cf plotter.XYs
	for i := 0; i <= 160; i++ {
		delta := xlo + (xhi-xlo)*float64(i)/160
		if b := sweep.HardmaxBias(delta); b > 0 && b >= lo/10 {
			cf = append(cf, plotter.XY{X: delta, Y: b})
		}
	}
	if len(cf) > 1 {
		l, err := plotter.NewLine(cf)
		if err != nil {
			return nil, "", err
		}
		l.Color, l.Width, l.Dashes = color.Black, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		leg.Add("hardmax closed form", l)
	}
	p.Y.Min, p.Y.Max = decadeBelow(lo), decadeAbove(hi)
	p.X.Min, p.X.Max = math.Floor(xlo), math.Ceil(xhi)
	legendW := leg.width()
	w, h := 6.5*vg.Inch+legendW, 5*vg.Inch
	svg, err := renderSVG(w, h, func(dc draw.Canvas) {
		p.Draw(draw.Crop(dc, vg.Millimeter*2, -legendW, vg.Millimeter*1, -vg.Millimeter*3))
		leg.Draw(draw.Crop(dc, w-legendW+vg.Millimeter*3, 0, 0, -vg.Millimeter*12))
	})
	note := ""
	if dropped > 0 {
		note = fmt.Sprintf("%d of %d points not resolved (distance below twice its error bound, or Newton did not converge) are left out", dropped, dropped+plotted)
	}
	return svg, note, err
}

// ---- hold maps

var cellColors = [...]color.Color{
	sweep.CellNone:         color.White,
	sweep.CellHolds:        color.RGBA{R: 0x74, G: 0xc4, B: 0x76, A: 0xff},
	sweep.CellFails:        color.RGBA{R: 0xe3, G: 0x4a, B: 0x33, A: 0xff},
	sweep.CellInconclusive: color.RGBA{R: 0xbd, G: 0xbd, B: 0xbd, A: 0xff},
}

// edges returns the cell boundaries around grid values xs (midpoints,
// geometric on a log axis; the ends extend by half the adjacent gap).
func edges(xs []float64, log bool) []float64 {
	f, g := func(x float64) float64 { return x }, func(x float64) float64 { return x }
	if log {
		f, g = math.Log, math.Exp
	}
	n := len(xs)
	out := make([]float64, n+1)
	if n == 1 {
		out[0], out[1] = g(f(xs[0])-0.5), g(f(xs[0])+0.5)
		return out
	}
	for i := 1; i < n; i++ {
		out[i] = g((f(xs[i-1]) + f(xs[i])) / 2)
	}
	out[0] = g(f(xs[0]) - (f(xs[1])-f(xs[0]))/2)
	out[n] = g(f(xs[n-1]) + (f(xs[n-1])-f(xs[n-2]))/2)
	return out
}

// cellGrid draws a map panel: one coloured rectangle per cell, framed in
// black inside the hypotheses.
type cellGrid struct {
	p      sweep.MapPanel
	xe, ye []float64
}

// Plot implements plot.Plotter.
func (g cellGrid) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for j, row := range g.p.Cells {
		for i, st := range row {
			x0, x1 := trX(g.xe[i]), trX(g.xe[i+1])
			y0, y1 := trY(g.ye[j]), trY(g.ye[j+1])
			pad := vg.Points(1)
			sq := []vg.Point{{X: x0 + pad, Y: y0 + pad}, {X: x1 - pad, Y: y0 + pad}, {X: x1 - pad, Y: y1 - pad}, {X: x0 + pad, Y: y1 - pad}, {X: x0 + pad, Y: y0 + pad}}
			c.FillPolygon(cellColors[st], sq)
			frame := draw.LineStyle{Color: color.Gray{Y: 0xe0}, Width: vg.Points(0.5)}
			if g.p.InHyp[j][i] {
				frame = draw.LineStyle{Color: color.Black, Width: vg.Points(1.5)}
			}
			c.StrokeLines(frame, sq)
		}
	}
}

// DataRange implements plot.DataRanger.
func (g cellGrid) DataRange() (xmin, xmax, ymin, ymax float64) {
	return g.xe[0], g.xe[len(g.xe)-1], g.ye[0], g.ye[len(g.ye)-1]
}

// swatch is a legend thumbnail: a filled square with a frame.
type swatch struct {
	fill  color.Color
	frame draw.LineStyle
}

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	pts := []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min}
	c.FillPolygon(s.fill, pts)
	c.StrokeLines(s.frame, pts)
}

// thresholdXY returns the thresholds of a panel as points (Delta*, lambda
// sigma^2) with horizontal bars (bracketed ones only), in increasing
// lambda sigma^2.
func thresholdXY(ts []claims.Threshold) (plotter.XYs, plotter.XErrors) {
	var bs []claims.Threshold
	for _, t := range ts {
		if t.Status == "bracketed" && t.Slice.LambdaSigma2 > 0 {
			bs = append(bs, t)
		}
	}
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].Slice.LambdaSigma2 < bs[j].Slice.LambdaSigma2 })
	var xy plotter.XYs
	var xe plotter.XErrors
	for _, t := range bs {
		mid := (t.Lo + t.Hi) / 2
		xy = append(xy, plotter.XY{X: mid, Y: t.Slice.LambdaSigma2})
		xe = append(xe, struct{ Low, High float64 }{mid - t.Lo, t.Hi - mid})
	}
	return xy, xe
}

func figureMap(m sweep.HoldMap) ([]byte, string, error) {
	if len(m.Panels) == 0 || len(m.Deltas) == 0 || len(m.LamS2) == 0 {
		return nil, "", errors.New("empty hold map")
	}
	xe, ye := edges(m.Deltas, false), edges(m.LamS2, true)
	cols := 4
	rows := (len(m.Panels) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	drawnT := 0
	for k, pn := range m.Panels {
		pl := newPlot(fmt.Sprintf("%s, %s, pi1 = %s", pn.Variant, pn.Geometry, exact(pn.Pi1)))
		pl.Title.TextStyle.Font.Size = vg.Points(10)
		pl.X.Label.Text = "Delta"
		pl.Y.Label.Text = "lambda sigma^2"
		pl.Y.Scale = plot.LogScale{}
		pl.Y.Tick.Marker = logTicks{}
		pl.X.Tick.Marker = linearTicks{step: 1}
		smallAxes(pl)
		pl.Add(cellGrid{p: pn, xe: xe, ye: ye})
		if xy, xerr := thresholdXY(pn.Thresholds); len(xy) > 0 {
			type xyErr struct {
				plotter.XYs
				plotter.XErrors
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, "", err
			}
			l.Width = vg.Points(1.5)
			eb, err := plotter.NewXErrorBars(xyErr{xy, xerr})
			if err != nil {
				return nil, "", err
			}
			eb.LineStyle.Width = vg.Points(1.5)
			pl.Add(l, eb)
			drawnT += len(xy)
		}
		pl.X.Min, pl.X.Max = xe[0], xe[len(xe)-1]
		pl.Y.Min, pl.Y.Max = ye[0], ye[len(ye)-1]
		grid[k/cols] = append(grid[k/cols], pl)
	}
	for len(grid[rows-1]) < cols {
		grid[rows-1] = append(grid[rows-1], nil)
	}
	leg := newLegend()
	thin := draw.LineStyle{Color: color.Gray{Y: 0xa0}, Width: vg.Points(0.5)}
	leg.Add("every claim check HOLDS", swatch{cellColors[sweep.CellHolds], thin})
	leg.Add("some claim check FAILS", swatch{cellColors[sweep.CellFails], thin})
	leg.Add("otherwise (INCONCLUSIVE)", swatch{cellColors[sweep.CellInconclusive], thin})
	leg.Add("inside the hypotheses", swatch{color.White, draw.LineStyle{Color: color.Black, Width: vg.Points(1.5)}})
	tl := &plotter.Line{LineStyle: draw.LineStyle{Color: color.Black, Width: vg.Points(1.5)}}
	leg.Add("measured threshold Delta*", tl)

	w := 12 * vg.Inch
	h := vg.Length(rows)*3.1*vg.Inch + 0.5*vg.Inch
	legendH := leg.height()
	svg, err := renderSVG(w, h+legendH, func(dc draw.Canvas) {
		body := titled(dc, "Where "+m.Claim+" holds")
		top := draw.Crop(body, 0, 0, legendH, 0)
		bottom := draw.Crop(body, 0, 0, 0, -(body.Max.Y - body.Min.Y - legendH))
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 5, PadY: vg.Millimeter * 6, PadTop: vg.Millimeter * 1,
			PadBottom: vg.Millimeter * 1, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 3}
		cs := plot.Align(grid, tiles, top)
		for r := range grid {
			for c, pl := range grid[r] {
				if pl != nil {
					pl.Draw(cs[r][c])
				}
			}
		}
		leg.Draw(draw.Crop(bottom, vg.Millimeter*6, 0, 0, -vg.Millimeter*2))
	})
	note := ""
	if len(m.Left) > 0 {
		note = "Left out of the cells as never asserted: " + strings.Join(m.Left, ", ")
	}
	if drawnT == 0 {
		note = strings.TrimPrefix(note+"; no threshold measured on these slices", "; ")
	}
	return svg, note, err
}

// smallAxes sets the compact axes of a small multiple: no padding
// between the cells and the axes, smaller labels.
func smallAxes(p *plot.Plot) {
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size = vg.Points(9), vg.Points(9)
	p.X.Label.TextStyle.Font.Size, p.Y.Label.TextStyle.Font.Size = vg.Points(10), vg.Points(10)
}

// sameCells reports whether two hold maps have the same grid and the same
// cell statuses.
func sameCells(a, b sweep.HoldMap) bool {
	if len(a.Panels) != len(b.Panels) || fmt.Sprint(a.Deltas, a.LamS2) != fmt.Sprint(b.Deltas, b.LamS2) {
		return false
	}
	for i := range a.Panels {
		if fmt.Sprint(a.Panels[i].Cells) != fmt.Sprint(b.Panels[i].Cells) {
			return false
		}
	}
	return true
}

// ---- thresholds

func figureThresholds(o *sweep.Outcome) ([]byte, string, error) {
	var plots []*plot.Plot
	var legItems []string
	leg := newLegend()
	seen := map[string]bool{}
	variantColor := map[string]int{"distance": 0, "dot": 1, "hardmax": 6}
	total := 0
	for _, cr := range o.Runs {
		if len(cr.Thresholds) == 0 {
			continue
		}
		p := newPlot(cr.Claim.ID())
		p.X.Label.Text = "lambda sigma^2"
		p.Y.Label.Text = "threshold Delta*"
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
		type key struct {
			v  string
			g  claims.Geometry
			pi float64
			k  int // number of components, 0 for two
		}
		groups := map[key][]claims.Threshold{}
		var order []key
		xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, t := range cr.Thresholds {
			k := key{t.Slice.Variant, t.Slice.Geometry, t.Slice.Pi1, t.Slice.K}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], t)
			if t.Status == "bracketed" {
				ylo, yhi = math.Min(ylo, t.Lo), math.Max(yhi, t.Hi)
				if t.Slice.LambdaSigma2 > 0 {
					xlo, xhi = math.Min(xlo, t.Slice.LambdaSigma2), math.Max(xhi, t.Slice.LambdaSigma2)
				}
			}
		}
		if math.IsInf(ylo, 1) {
			continue
		}
		if math.IsInf(xlo, 1) {
			xlo, xhi = 0.1, 10
		}
		// The axis spans whole decades around the data, at least one
		// decade on each side of a single lambda sigma^2 (a log axis of
		// zero width cannot be drawn).
		xmin, xmax := decadeBelow(xlo), decadeAbove(xhi)
		if !(xmax > xmin) {
			xmin, xmax = xmin/10, xmax*10
		}
		for gi, k := range order {
			label := fmt.Sprintf("%s, %s, pi1 = %s", k.v, k.g, exact(k.pi))
			if k.k > 2 {
				label = fmt.Sprintf("K = %d, %s", k.k, label)
			}
			ci, ok := variantColor[k.v]
			if !ok {
				ci = 2
			}
			style := draw.LineStyle{Color: palette(ci), Width: vg.Points(1.2), Dashes: dashesFor(gi)}
			if k.v == "hardmax" {
				for _, t := range groups[k] {
					if t.Status != "bracketed" {
						continue
					}
					y := (t.Lo + t.Hi) / 2
					l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: y}, {X: xmax, Y: y}})
					if err != nil {
						return nil, "", err
					}
					l.LineStyle = style
					l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
					p.Add(l)
					total++
					if !seen[label] {
						seen[label] = true
						legItems = append(legItems, label)
						leg.Add(label, l)
					}
				}
				continue
			}
			xy, _ := thresholdXY(groups[k])
			if len(xy) == 0 {
				continue
			}
			var ye plotter.YErrors
			var pts plotter.XYs
			for _, t := range groups[k] {
				if t.Status != "bracketed" || t.Slice.LambdaSigma2 <= 0 {
					continue
				}
				mid := (t.Lo + t.Hi) / 2
				pts = append(pts, plotter.XY{X: t.Slice.LambdaSigma2, Y: mid})
				ye = append(ye, struct{ Low, High float64 }{mid - t.Lo, t.Hi - mid})
			}
			order := make([]int, len(pts))
			for i := range order {
				order[i] = i
			}
			sort.SliceStable(order, func(a, b int) bool { return pts[order[a]].X < pts[order[b]].X })
			sp, se := make(plotter.XYs, len(pts)), make(plotter.YErrors, len(pts))
			for i, j := range order {
				sp[i], se[i] = pts[j], ye[j]
			}
			l, sc, err := plotter.NewLinePoints(sp)
			if err != nil {
				return nil, "", err
			}
			l.LineStyle = style
			sc.Color, sc.Shape = palette(ci), glyph(gi)
			type xyErr struct {
				plotter.XYs
				plotter.YErrors
			}
			eb, err := plotter.NewYErrorBars(xyErr{sp, se})
			if err != nil {
				return nil, "", err
			}
			eb.Color = palette(ci)
			p.Add(l, sc, eb)
			total += len(sp)
			if !seen[label] {
				seen[label] = true
				legItems = append(legItems, label)
				leg.Add(label, l, sc)
			}
		}
		p.X.Min, p.X.Max = xmin, xmax
		p.Y.Min, p.Y.Max = math.Floor(ylo)-0.5, math.Ceil(yhi)+0.5
		p.Y.Tick.Marker = linearTicks{step: niceStep(p.Y.Max - p.Y.Min)}
		plots = append(plots, p)
	}
	if len(plots) == 0 {
		return nil, "", errors.New("no bracketed threshold")
	}
	panelW := 3.6 * vg.Inch
	legendW := leg.width()
	w := panelW*vg.Length(len(plots)) + legendW
	h := 4.2 * vg.Inch
	svg, err := renderSVG(w, h, func(dc draw.Canvas) {
		body := titled(dc, "Separation thresholds against lambda sigma^2")
		left := draw.Crop(body, 0, -legendW, 0, 0)
		right := draw.Crop(body, w-legendW+vg.Millimeter*3, 0, 0, -vg.Millimeter*8)
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2,
			PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		cs := plot.Align([][]*plot.Plot{plots}, tiles, left)
		for i, p := range plots {
			p.Draw(cs[0][i])
		}
		leg.Draw(right)
	})
	return svg, fmt.Sprintf("%d thresholds drawn", total), err
}

// niceStep returns the largest step of the form 1, 2, 2.5 or 5 times a
// power of ten that gives at least 5 labels over span (> 0).
func niceStep(span float64) float64 {
	if !(span > 0) || math.IsInf(span, 0) {
		return 1
	}
	e := math.Floor(math.Log10(span))
	for k := e; k > e-3; k-- {
		for _, m := range []float64{5, 2.5, 2, 1} {
			st := m * math.Pow(10, k)
			if span/st >= 5 {
				v, _ := strconv.ParseFloat(strconv.FormatFloat(st, 'g', 3, 64), 64)
				return v
			}
		}
	}
	return math.Pow(10, e-3)
}

// ---- quantization

func figureQuant(q *sweep.QuantData) ([]byte, string, error) {
	if len(q.Points) == 0 {
		return nil, "", errors.New("no Monte Carlo point")
	}
	p := newPlot("In-context quantization (C4)")
	p.X.Label.Text = "sequence length L"
	p.Y.Label.Text = "quantization error"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	type xyErr struct {
		plotter.XYs
		plotter.YErrors
	}
	var d xyErr
	for _, pt := range q.Points {
		d.XYs = append(d.XYs, plotter.XY{X: float64(pt.L), Y: pt.Q})
		d.YErrors = append(d.YErrors, struct{ Low, High float64 }{2 * pt.SE, 2 * pt.SE})
	}
	l, sc, err := plotter.NewLinePoints(d.XYs)
	if err != nil {
		return nil, "", err
	}
	l.Color, sc.Color = palette(5), palette(5)
	eb, err := plotter.NewYErrorBars(d)
	if err != nil {
		return nil, "", err
	}
	eb.Color = palette(5)
	lo, hi := decadeBelow(float64(q.Points[0].L)), decadeAbove(float64(q.Points[len(q.Points)-1].L))
	hline := func(y float64, dashed bool, c color.Color) (*plotter.Line, error) {
		h, err := plotter.NewLine(plotter.XYs{{X: lo, Y: y}, {X: hi, Y: y}})
		if err != nil {
			return nil, err
		}
		h.Color = c
		if dashed {
			h.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		return h, nil
	}
	qi, err := hline(q.QInf, false, palette(3))
	if err != nil {
		return nil, "", err
	}
	in, err := hline(q.Input, true, color.Black)
	if err != nil {
		return nil, "", err
	}
	p.Add(in, qi, l, sc, eb)
	leg := newLegend()
	leg.Add("Q_L (Monte Carlo, 2 standard errors)", l, sc)
	leg.Add("Q_inf = "+num(q.QInf), qi)
	leg.Add("input error d sigma^2 = "+num(q.Input), in)
	ymax := q.Input
	for _, pt := range q.Points {
		ymax = math.Max(ymax, pt.Q+2*pt.SE)
	}
	p.X.Min, p.X.Max = lo, hi
	p.Y.Min, p.Y.Max = 0, ymax*1.1
	p.Y.Tick.Marker = linearTicks{step: niceStep(p.Y.Max)}
	legendW := leg.width()
	w, h := 6.5*vg.Inch+legendW, 5*vg.Inch
	svg, err := renderSVG(w, h, func(dc draw.Canvas) {
		p.Draw(draw.Crop(dc, vg.Millimeter*2, -legendW, vg.Millimeter*1, -vg.Millimeter*3))
		leg.Draw(draw.Crop(dc, w-legendW+vg.Millimeter*3, 0, 0, -vg.Millimeter*12))
	})
	// The per-L estimates are this figure's own Monte Carlo runs (a few
	// thousand sequences each): their values are in report.json, not
	// repeated here, so that the caption quotes no second value of a
	// quantity docs/MODEL.md §10 gives from a larger run (Q_50).
	n := 0
	if len(q.Points) > 0 {
		n = q.Points[0].Samples
	}
	return svg, fmt.Sprintf("Q_inf = %s (error bound %s); the %d finite-L points are Monte Carlo estimates with %d sequences each (values in report.json).", num(q.QInf), bound(q.QInfErr), len(q.Points), n), err
}

// ---- shared plotting helpers

// logTicks marks a log axis at 1 to 9 times each power of ten, labelling
// every power of ten ("0.001" to "1e+05" style: plain decimal from 1e-3
// to 1e5, exponent form otherwise), and 2, 3 and 5 times them as well when
// the axis spans less than two decades.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	if !(lo > 0) || !(hi >= lo) {
		return ts
	}
	few := math.Log10(hi/lo) < 2
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		base, _ := strconv.ParseFloat("1e"+strconv.Itoa(e), 64)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
			t := plot.Tick{Value: v}
			if m == 1 || (few && (m == 2 || m == 3 || m == 5)) {
				if e >= -3 && e <= 5 {
					t.Label = strconv.FormatFloat(v, 'f', -1, 64)
				} else {
					t.Label = strconv.Itoa(m) + "e" + strconv.Itoa(e)
				}
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// linearTicks labels a linear axis every step.
type linearTicks struct{ step float64 }

// Ticks implements plot.Ticker.
func (t linearTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for k := math.Ceil(lo/t.step - 1e-9); k*t.step <= hi*(1+1e-9)+1e-12; k++ {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(k*t.step, 'g', 10, 64), 64)
		if v == 0 {
			v = 0 // not -0
		}
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ts
}

// decadeBelow and decadeAbove round a positive x down or up to a power of
// ten (so that a log axis starts and ends on a labelled tick).
func decadeBelow(x float64) float64 {
	if !(x > 0) {
		return 1
	}
	return math.Pow(10, math.Floor(math.Log10(x)*(1+1e-12)))
}

func decadeAbove(x float64) float64 {
	if !(x > 0) {
		return 10
	}
	return math.Pow(10, math.Ceil(math.Log10(x)*(1-1e-12)))
}

// newPlot returns a plot with a grid and a title.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Add(plotter.NewGrid())
	return p
}

// legend is a left-aligned legend, top first (see the file comment on
// fonts), that knows the width it needs.
type legend struct {
	plot.Legend
	labels []string
}

func newLegend() *legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.Padding = vg.Points(3)
	return &legend{Legend: l}
}

// Add adds an entry.
func (l *legend) Add(label string, thumbs ...plot.Thumbnailer) {
	l.labels = append(l.labels, label)
	l.Legend.Add(label, thumbs...)
}

// fallbackWidth is how much wider than Liberation Serif a substitute font
// may set the same text: DejaVu Serif, the usual fallback on Linux
// without Liberation, sets the report's legend labels 20% to 32% wider
// (advance widths measured on ten of the labels at 10 pt); 1.4 leaves
// room beyond that.
const fallbackWidth = 1.4

// width returns the width the legend needs, with room for a wider
// substitute font.
func (l *legend) width() vg.Length {
	w := vg.Length(0)
	for _, s := range l.labels {
		w = max(w, l.TextStyle.Width(s))
	}
	em := l.TextStyle.Width(" ")
	return l.ThumbnailWidth + em + w*fallbackWidth + vg.Millimeter*6
}

// height returns the height the legend needs.
func (l *legend) height() vg.Length {
	h := l.TextStyle.Height("Xg")
	return vg.Length(len(l.labels))*(h+l.Padding) + vg.Millimeter*4
}

// titled draws a figure title at the top of c and returns the rest.
func titled(c draw.Canvas, title string) draw.Canvas {
	sty := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(13)),
		XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - vg.Millimeter*2}, title)
	return draw.Crop(c, 0, 0, 0, -vg.Points(13)-vg.Millimeter*4)
}

// fontFamily is how vgsvg names the default font; renderSVG appends
// metric-compatible fallbacks.
const (
	fontFamily    = "font-family:Liberation Serif"
	fontFallbacks = "font-family:'Liberation Serif','Times New Roman',Times,'Nimbus Roman','Nimbus Roman No9 L','TeX Gyre Termes',serif"
)

// renderSVG draws onto a w x h SVG canvas and returns the file's bytes.
func renderSVG(w, h vg.Length, drawFn func(draw.Canvas)) ([]byte, error) {
	c := vgsvg.New(w, h)
	drawFn(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(buf.Bytes(), []byte(fontFamily), []byte(fontFallbacks)), nil
}

// okabeIto is a colour-blind-safe palette (Okabe and Ito, 2008).
var okabeIto = [...]color.RGBA{
	{0xe6, 0x9f, 0x00, 0xff}, // orange
	{0x56, 0xb4, 0xe9, 0xff}, // sky blue
	{0x00, 0x9e, 0x73, 0xff}, // bluish green
	{0xd5, 0x5e, 0x00, 0xff}, // vermillion
	{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
	{0x00, 0x72, 0xb2, 0xff}, // blue
	{0x00, 0x00, 0x00, 0xff}, // black
	{0xf0, 0xe4, 0x42, 0xff}, // yellow
}

func palette(i int) color.Color { return okabeIto[i%len(okabeIto)] }

// dashes varies the line style with the colour index past the palette.
func dashes(i int) []vg.Length {
	if (i/len(okabeIto))%2 == 1 {
		return []vg.Length{vg.Points(4), vg.Points(2)}
	}
	return nil
}

// dashesFor varies the dash pattern with a series index.
func dashesFor(i int) []vg.Length {
	switch i % 3 {
	case 1:
		return []vg.Length{vg.Points(5), vg.Points(2)}
	case 2:
		return []vg.Length{vg.Points(1.5), vg.Points(1.5)}
	}
	return nil
}

func glyph(i int) draw.GlyphDrawer {
	switch i % 4 {
	case 0:
		return draw.CircleGlyph{}
	case 1:
		return draw.SquareGlyph{}
	case 2:
		return draw.TriangleGlyph{}
	}
	return draw.CrossGlyph{}
}
