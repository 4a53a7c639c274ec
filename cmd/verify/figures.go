package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"attnclust/claims"
	"attnclust/theory"
)

// The figures are SVG files written with gonum.org/v1/plot's vgsvg back
// end. It does not embed fonts by default (it names the font family), and
// writes numbers with a fixed format, so the same data give the same bytes.

// Figure files, in the order of the report.
const (
	figCurves   = "training_curves.svg"
	figDistance = "minimizer_distance.svg"
	figMap      = "hold_map.svg"
	figQuant    = "quantization.svg"
)

// figureOut is one figure of the report.
type figureOut struct {
	File    string // file name under figures/
	Title   string
	Caption string
	// Note says why the figure was not drawn, or what it leaves out.
	Note string
	svg  []byte // nil when not drawn
}

// trainingCurve is one gradient-descent run of C3: the cosine of each head
// with its centroid, and the risk, against the iteration. It has the
// fields of claims.Curve (converted in defaultCurves), so that tests can
// feed figure (a) without running C3.
type trainingCurve struct {
	Scheme     string
	Run        int
	Iter       []int
	Cos1, Cos2 []float64
	Risk       []float64
}

// curvesFunc computes runsPerScheme training curves per initialization
// scheme on regime r (claims.TrainingCurves).
type curvesFunc func(env claims.Env, r claims.Regime, runsPerScheme int) ([]trainingCurve, error)

// defaultCurves wires claims.TrainingCurves.
func defaultCurves() curvesFunc {
	return func(env claims.Env, r claims.Regime, runsPerScheme int) ([]trainingCurve, error) {
		cs, err := claims.TrainingCurves(env, r, runsPerScheme)
		if err != nil {
			return nil, err
		}
		out := make([]trainingCurve, len(cs))
		for i, c := range cs {
			out[i] = trainingCurve(c)
		}
		return out, nil
	}
}

// curvesRegimeName is the catalog regime of figure (a).
const curvesRegimeName = "theory-2.4-distance"

// curvesRegime returns the regime of figure (a): the catalog's entry when
// present, otherwise the same regime as fixtures/regimes.json defines it.
func curvesRegime(catalog []claims.Regime) claims.Regime {
	for _, r := range catalog {
		if r.Name == curvesRegimeName {
			return r
		}
	}
	return claims.Regime{Name: curvesRegimeName, D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal,
		Separation: 3 * math.Sqrt2, Variant: "distance", LambdaSigma2: 1, Seed: 1}
}

// makeFigures computes and draws the four figures. A figure whose claim
// is not selected, or whose numerics fail, is skipped with a note.
func makeFigures(env claims.Env, rep *report, prog *progress) []figureOut {
	cfg, s := rep.cfg, rep.suite
	figs := []figureOut{
		{File: figCurves, Title: "Training curves (C3)",
			Caption: fmt.Sprintf("Cosine similarity of each head with its centroid against the gradient-descent iteration (log scale, iteration + 1), one line per initialization scheme (C3's starts; heads labelled by the centroid they end nearer to), on the named regime %q.", curvesRegimeName)},
		{File: figDistance, Title: "Distance of the minimizer to the centroids (C1)",
			Caption: "max_h ||mu^_h - mu*_h|| / sigma of the critical point C1 finds, against the separation Delta, for lambda sigma^2 in {0.3, 1, 3} and hardmax (distance variant, orthogonal centroids, pi1 = 0.5, d = 2), log scale; the dashed line is THEORY 2.3's hardmax closed form beta - delta (in sigma). Points whose distance is not resolved above twice its error bound are left out."},
		{File: figMap, Title: "Where C1, C2 and C3 hold",
			Caption: "Verdict of each claim on a grid of separations Delta and temperatures lambda sigma^2 (distance variant, orthogonal centroids, pi1 = 0.5, d = 2, sigma = 1; checked with Env.Quick, whatever the run's mode): green, every check HOLDS; red, some check FAILS; grey, otherwise (some INCONCLUSIVE); white, no result. A black frame marks the cells inside the claim's hypotheses. Checks the claim never asserts (on every regime inside its hypotheses their result is outside them: they map counterexamples, or their own hypotheses are narrower) are left out of the cells. The regimes are named map-...; their results are in report.json under map_results."},
		{File: figQuant, Title: "In-context quantization (C4)",
			Caption: "Monte Carlo estimate of the quantization error Q_L of the identity attention layer against the sequence length L (log scale), with +-2 standard errors, in THEORY 3's setting (d = 2, sigma = 0.3, mu* = (2,0), (0,2), lambda = 1); the solid line is the L -> infinity value Q_inf, the dashed line the input error d sigma^2."},
	}
	if !cfg.figures {
		for i := range figs {
			figs[i].Note = "not drawn (-figures=false)"
		}
		return figs
	}
	has := func(id string) bool {
		for _, c := range cfg.claimIDs {
			if c == id {
				return true
			}
		}
		return false
	}
	type step struct {
		fig  *figureOut
		need []string
		make func() ([]byte, string, error)
	}
	steps := []step{
		{&figs[0], []string{"C3"}, func() ([]byte, string, error) { return figureCurves(env, rep) }},
		{&figs[1], []string{"C1"}, func() ([]byte, string, error) { return figureDistance(env, rep) }},
		{&figs[2], []string{"C1", "C2", "C3"}, func() ([]byte, string, error) { return figureMap(env, rep) }},
		{&figs[3], []string{"C4"}, func() ([]byte, string, error) { return figureQuant(rep) }},
	}
	for _, st := range steps {
		needed := false
		for _, id := range st.need {
			needed = needed || has(id)
		}
		if !needed {
			st.fig.Note = fmt.Sprintf("not drawn: it needs %s, not selected by -claims", orList(st.need))
			continue
		}
		prog.phase("figure " + st.fig.File)
		t0 := s.now()
		svg, note, err := safeFigure(st.make)
		rep.timings = append(rep.timings, timing{"figure " + st.fig.File, s.now().Sub(t0)})
		switch {
		case err != nil:
			st.fig.Note = "not drawn: " + oneLine(err.Error())
		default:
			st.fig.svg, st.fig.Note = svg, note
		}
	}
	return figs
}

func orList(ids []string) string {
	switch len(ids) {
	case 1:
		return ids[0]
	case 2:
		return ids[0] + " or " + ids[1]
	}
	out := ""
	for i, id := range ids {
		switch {
		case i == len(ids)-1:
			out += ", or " + id
		case i > 0:
			out += ", " + id
		default:
			out = id
		}
	}
	return out
}

// safeFigure runs f, turning a panic (gonum plot panics on, e.g., a
// non-positive value on a log axis) into an error.
func safeFigure(f func() ([]byte, string, error)) (svg []byte, note string, err error) {
	defer func() {
		if p := recover(); p != nil {
			svg, note, err = nil, "", fmt.Errorf("internal error: %v", p)
		}
	}()
	return f()
}

// ---- (a) training curves

func figureCurves(env claims.Env, rep *report) ([]byte, string, error) {
	if rep.suite.curves == nil {
		return nil, "", errors.New("claims.TrainingCurves (C3) is not available yet")
	}
	r := curvesRegime(rep.catalog)
	curves, err := rep.suite.curves(env, r, 1)
	if err != nil {
		return nil, "", err
	}
	if len(curves) == 0 {
		return nil, "", errors.New("C3 returned no training curves")
	}
	var schemes []string
	color := map[string]int{}
	for _, c := range curves {
		if _, ok := color[c.Scheme]; !ok {
			color[c.Scheme] = len(schemes)
			schemes = append(schemes, c.Scheme)
		}
	}
	panels := [2]*plot.Plot{newPlot(), newPlot()}
	for h, p := range panels {
		p.Title.Text = fmt.Sprintf("head %d", h+1)
		p.X.Label.Text = "iteration + 1"
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
		p.Y.Label.Text = fmt.Sprintf("cos(mu_%d, mu*_%d)", h+1, h+1)
		p.Y.Min, p.Y.Max = -1.05, 1.05
		p.Y.Tick.Marker = linearTicks{step: 0.5}
	}
	legend := map[string]bool{}
	for _, c := range curves {
		n := min(len(c.Iter), len(c.Cos1), len(c.Cos2))
		if n == 0 {
			continue
		}
		for h, p := range panels {
			xy := make(plotter.XYs, n)
			for i := range n {
				xy[i].X = float64(c.Iter[i]) + 1 // log axis
				xy[i].Y = [2][]float64{c.Cos1, c.Cos2}[h][i]
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, "", fmt.Errorf("scheme %s: %w", c.Scheme, err)
			}
			l.Color = palette(color[c.Scheme])
			l.Width = vg.Points(1.2)
			l.Dashes = dashes(color[c.Scheme])
			p.Add(l)
			if h == 1 && !legend[c.Scheme] {
				legend[c.Scheme] = true
				p.Legend.Add(c.Scheme, l)
			}
		}
	}
	panels[1].Legend.Left, panels[1].Legend.Top = false, false
	svg, err := renderSVG(scaled(rep, 9), scaled(rep, 3.6), func(dc draw.Canvas) {
		tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4, PadTop: vg.Millimeter * 2,
			PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		cs := plot.Align([][]*plot.Plot{{panels[0], panels[1]}}, tiles, dc)
		panels[0].Draw(cs[0][0])
		panels[1].Draw(cs[0][1])
	})
	return svg, fmt.Sprintf("%d curves, %d schemes, regime %s", len(curves), len(schemes), r), err
}

// ---- (b) distance of the minimizer to the centroids

// distanceSeries is one line of figure (b).
type distanceSeries struct {
	label   string
	hardmax bool
	ls2     float64
	pts     []distancePoint
}

type distancePoint struct {
	delta, dist, err float64
	ok               bool // resolved: finite error and dist > 2 err
}

// distanceRegime is the regime of figure (b) at separation delta.
func distanceRegime(delta, ls2 float64, hardmax bool) claims.Regime {
	r := claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: delta,
		Variant: "distance", LambdaSigma2: ls2, Seed: 1}
	if hardmax {
		r.Variant, r.LambdaSigma2 = "hardmax", 0
	}
	r.Name = "distance-figure-" + strconv.FormatFloat(delta, 'g', -1, 64)
	return r
}

// distanceGrid returns the separations of figure (b): 2 to 10 by 0.25
// (by 1 with -quick).
func distanceGrid(quick bool) []float64 {
	step := 0.25
	if quick {
		step = 1
	}
	var out []float64
	for i := 0; 2+float64(i)*step <= 10+1e-9; i++ {
		out = append(out, 2+float64(i)*step)
	}
	return out
}

func computeDistances(env claims.Env, rep *report) []distanceSeries {
	series := []distanceSeries{
		{label: "lambda sigma^2 = 0.3", ls2: 0.3},
		{label: "lambda sigma^2 = 1", ls2: 1},
		{label: "lambda sigma^2 = 3", ls2: 3},
		{label: "hardmax", hardmax: true},
	}
	grid := distanceGrid(rep.cfg.quick)
	type job struct{ s, i int }
	var jobs []job
	for s := range series {
		series[s].pts = make([]distancePoint, len(grid))
		for i := range grid {
			jobs = append(jobs, job{s, i})
		}
	}
	parallelFor(len(jobs), rep.cfg.workers, func(k int) {
		j := jobs[k]
		sr := &series[j.s]
		d, e, err := rep.suite.minDist(env, distanceRegime(grid[j.i], sr.ls2, sr.hardmax))
		sr.pts[j.i] = distancePoint{delta: grid[j.i], dist: d, err: e,
			ok: err == nil && !math.IsInf(e, 0) && !math.IsNaN(d) && d > 2*e && d > 0}
	})
	return series
}

func figureDistance(env claims.Env, rep *report) ([]byte, string, error) {
	if rep.suite.minDist == nil {
		return nil, "", errors.New("no minimizer-distance function")
	}
	series := computeDistances(env, rep)
	p := newPlot()
	p.X.Label.Text = "separation Delta = ||mu*_1 - mu*_2|| / sigma"
	p.Y.Label.Text = "distance to the centroids / sigma"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	p.Legend.Top, p.Legend.Left = true, false
	dropped, plotted := 0, 0
	for k, sr := range series {
		var xy plotter.XYs
		for _, pt := range sr.pts {
			if !pt.ok {
				dropped++
				continue
			}
			xy = append(xy, plotter.XY{X: pt.delta, Y: pt.dist})
		}
		plotted += len(xy)
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, "", err
		}
		sc.Color = palette(k)
		sc.Shape = glyph(k)
		sc.Radius = vg.Points(2.2)
		if sr.hardmax {
			p.Add(sc)
			p.Legend.Add(sr.label+" (Newton)", sc)
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, "", err
		}
		l.Color = palette(k)
		l.Width = vg.Points(1)
		p.Add(l, sc)
		p.Legend.Add(sr.label, l, sc)
	}
	if plotted == 0 {
		return nil, "", errors.New("no resolved minimizer distance to plot")
	}
	// closed form, sampled finely (it is smooth and positive)
	var cf plotter.XYs
	for i := 0; i <= 160; i++ {
		delta := 2 + 8*float64(i)/160
		if b := theory.HardmaxBias(delta/2, 1); b > 0 {
			cf = append(cf, plotter.XY{X: delta, Y: b})
		}
	}
	l, err := plotter.NewLine(cf)
	if err != nil {
		return nil, "", err
	}
	l.Color = color.Black
	l.Width = vg.Points(1)
	l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(l)
	p.Legend.Add("hardmax closed form beta - delta", l)
	svg, err := renderSVG(scaled(rep, 6.5), scaled(rep, 4.5), p.Draw)
	note := ""
	if dropped > 0 {
		note = fmt.Sprintf("%d of %d points not resolved (distance below twice its error bound, or Newton did not converge) are left out", dropped, dropped+plotted)
	}
	return svg, note, err
}

// ---- (c) hold map

// cellStatus is the verdict of one claim on one regime of the map.
type cellStatus int

const (
	cellNone         cellStatus = iota // no result
	cellHolds                          // every check HOLDS
	cellFails                          // some check FAILS
	cellInconclusive                   // otherwise
)

// String returns a one-letter code for the text version of the map.
func (s cellStatus) String() string {
	return [...]string{"-", "H", "F", "I"}[s]
}

// holdMap is the data of figure (c).
type holdMap struct {
	deltas, ls2s []float64
	panels       []mapPanel
}

// mapPanel is one claim's map: cells[j][i] for ls2s[j], deltas[i].
type mapPanel struct {
	claim   claims.Claim
	cells   [][]cellStatus
	inHyp   [][]bool
	results []claims.Result
	// mappedOnly are the checks left out of the cells: checks the claim
	// never asserts (see mappedOnlyChecks).
	mappedOnly []string
}

// mapGrid returns the separations and temperatures of figure (c).
func mapGrid(quick bool) (deltas, ls2s []float64) {
	if quick {
		return []float64{2, 3, 6}, []float64{0.1, 1, 10}
	}
	return []float64{1.5, 2, 3, 4, 5, 6, 8}, []float64{0.1, 0.3, 1, 3, 10}
}

// mapRegime is the regime of one map cell.
func mapRegime(delta, ls2 float64) claims.Regime {
	return claims.Regime{
		Name: "map-Delta" + strconv.FormatFloat(delta, 'g', -1, 64) + "-ls2" + strconv.FormatFloat(ls2, 'g', -1, 64),
		D:    2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: delta,
		Variant: "distance", LambdaSigma2: ls2, Seed: 1,
	}
}

// computeMap runs the selected claims among C1, C2 and C3 on the map grid,
// always with Env.Quick (smaller sample counts and ladders, the same
// verdict semantics): C3 costs about 0.7 s of CPU per cell with the full
// settings (24 s for the 35 cells, 11 s with Env.Quick, the same verdicts
// when measured), which would dominate the default run.
func computeMap(env claims.Env, rep *report) *holdMap {
	env.Quick = true
	deltas, ls2s := mapGrid(rep.cfg.quick)
	m := &holdMap{deltas: deltas, ls2s: ls2s}
	var jobs []claims.Job
	for _, c := range rep.selected() {
		if id := c.ID(); id != "C1" && id != "C2" && id != "C3" {
			continue
		}
		m.panels = append(m.panels, mapPanel{claim: c})
		for _, ls2 := range ls2s {
			for _, delta := range deltas {
				jobs = append(jobs, claims.Job{Claim: c, Regime: mapRegime(delta, ls2)})
			}
		}
	}
	out := claims.Run(env, jobs, rep.cfg.workers, nil)
	k := 0
	for p := range m.panels {
		pn := &m.panels[p]
		var all []claims.Result
		for _, cr := range rep.runs {
			if cr.claim.ID() == pn.claim.ID() {
				all = append(all, cr.results...)
			}
		}
		for _, res := range out[k : k+len(ls2s)*len(deltas)] {
			all = append(all, res...)
		}
		pn.mappedOnly = mappedOnlyChecks(pn.claim, all)
		skip := map[string]bool{}
		for _, c := range pn.mappedOnly {
			skip[c] = true
		}
		pn.cells = make([][]cellStatus, len(ls2s))
		pn.inHyp = make([][]bool, len(ls2s))
		for j := range ls2s {
			pn.cells[j] = make([]cellStatus, len(deltas))
			pn.inHyp[j] = make([]bool, len(deltas))
			for i := range deltas {
				res := out[k]
				pn.inHyp[j][i] = pn.claim.InHypotheses(jobs[k].Regime)
				k++
				var kept []claims.Result
				for _, r := range res {
					if !skip[r.Check] {
						kept = append(kept, r)
					}
				}
				pn.cells[j][i] = statusOf(kept)
				pn.results = append(pn.results, res...)
			}
		}
	}
	return m
}

// mappedOnlyChecks returns, in order of first appearance, the checks of c
// that are never asserted: on every regime inside c's hypotheses where
// they ran (at least one), their result is outside the hypotheses (a
// check with narrower hypotheses that no regime met, or one that only
// maps counterexamples). A check that FAILS there by design would
// otherwise paint the whole map red.
func mappedOnlyChecks(c claims.Claim, results []claims.Result) []string {
	seen, asserted := map[string]bool{}, map[string]bool{}
	inHyp := map[claims.Regime]bool{}
	for _, r := range results {
		h, ok := inHyp[r.Regime]
		if !ok {
			h = c.InHypotheses(r.Regime)
			inHyp[r.Regime] = h
		}
		if h {
			seen[r.Check] = true
			asserted[r.Check] = asserted[r.Check] || r.InHypotheses
		}
	}
	var out []string
	for _, check := range checkOrder(results) {
		if seen[check] && !asserted[check] {
			out = append(out, check)
		}
	}
	return out
}

// statusOf summarizes a claim's results on one regime.
func statusOf(res []claims.Result) cellStatus {
	if len(res) == 0 {
		return cellNone
	}
	st := cellHolds
	for _, r := range res {
		switch r.Verdict {
		case claims.Fails:
			return cellFails
		case claims.Inconclusive:
			st = cellInconclusive
		}
	}
	return st
}

var cellColors = [...]color.Color{
	cellNone:         color.White,
	cellHolds:        color.RGBA{R: 0x74, G: 0xc4, B: 0x76, A: 0xff},
	cellFails:        color.RGBA{R: 0xe3, G: 0x4a, B: 0x33, A: 0xff},
	cellInconclusive: color.RGBA{R: 0xbd, G: 0xbd, B: 0xbd, A: 0xff},
}

// cellGrid draws a map panel: one coloured square per cell, with its
// one-letter code, framed in black inside the hypotheses.
type cellGrid struct {
	panel *mapPanel
	nx    int
	label draw.TextStyle
}

// Plot implements plot.Plotter.
func (g cellGrid) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for j, row := range g.panel.cells {
		for i, st := range row {
			x0, x1 := trX(float64(i)-0.5), trX(float64(i)+0.5)
			y0, y1 := trY(float64(j)-0.5), trY(float64(j)+0.5)
			pad := vg.Points(1)
			sq := []vg.Point{{X: x0 + pad, Y: y0 + pad}, {X: x1 - pad, Y: y0 + pad}, {X: x1 - pad, Y: y1 - pad}, {X: x0 + pad, Y: y1 - pad}, {X: x0 + pad, Y: y0 + pad}}
			c.FillPolygon(cellColors[st], sq)
			frame := draw.LineStyle{Color: color.Gray{Y: 0xe0}, Width: vg.Points(0.5)}
			if g.panel.inHyp[j][i] {
				frame = draw.LineStyle{Color: color.Black, Width: vg.Points(2)}
			}
			c.StrokeLines(frame, sq)
			c.FillText(g.label, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, st.String())
		}
	}
}

// DataRange implements plot.DataRanger.
func (g cellGrid) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.5, float64(g.nx) - 0.5, -0.5, float64(len(g.panel.cells)) - 0.5
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

func figureMap(env claims.Env, rep *report) ([]byte, string, error) {
	m := computeMap(env, rep)
	rep.hmap = m
	if len(m.panels) == 0 {
		return nil, "", errors.New("no claim to map")
	}
	var plots []*plot.Plot
	for p := range m.panels {
		pn := &m.panels[p]
		pl := newPlot()
		pl.Title.Text = pn.claim.ID()
		pl.X.Label.Text = "Delta"
		pl.Y.Label.Text = "lambda sigma^2"
		var xt, yt []plot.Tick
		for i, d := range m.deltas {
			xt = append(xt, plot.Tick{Value: float64(i), Label: strconv.FormatFloat(d, 'g', -1, 64)})
		}
		for j, l := range m.ls2s {
			yt = append(yt, plot.Tick{Value: float64(j), Label: strconv.FormatFloat(l, 'g', -1, 64)})
		}
		pl.X.Tick.Marker = plot.ConstantTicks(xt)
		pl.Y.Tick.Marker = plot.ConstantTicks(yt)
		label := pl.X.Tick.Label
		label.XAlign, label.YAlign = text.XCenter, text.YCenter
		pl.Add(cellGrid{panel: pn, nx: len(m.deltas), label: label})
		plots = append(plots, pl)
	}
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	thin := draw.LineStyle{Color: color.Gray{Y: 0xe0}, Width: vg.Points(0.5)}
	leg.Add("H: every check HOLDS", swatch{cellColors[cellHolds], thin})
	leg.Add("F: some check FAILS", swatch{cellColors[cellFails], thin})
	leg.Add("I: otherwise (INCONCLUSIVE)", swatch{cellColors[cellInconclusive], thin})
	leg.Add("-: no result", swatch{cellColors[cellNone], thin})
	leg.Add("inside the hypotheses", swatch{color.White, draw.LineStyle{Color: color.Black, Width: vg.Points(2)}})

	panelW := scaled(rep, 3.2)
	legendW := vg.Inch * 2.6
	w := panelW*vg.Length(len(plots)) + legendW
	svg, err := renderSVG(w, scaled(rep, 3.2), func(dc draw.Canvas) {
		left := draw.Crop(dc, 0, -legendW, 0, 0)
		right := draw.Crop(dc, w-legendW, 0, 0, 0)
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 3, PadTop: vg.Millimeter * 2,
			PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2}
		cs := plot.Align([][]*plot.Plot{plots}, tiles, left)
		for i, pl := range plots {
			pl.Draw(cs[0][i])
		}
		leg.Draw(draw.Crop(right, vg.Millimeter*2, 0, vg.Millimeter*4, -vg.Millimeter*6))
	})
	var left []string
	for _, pn := range m.panels {
		left = append(left, pn.mappedOnly...)
	}
	note := ""
	if len(left) > 0 {
		note = "Left out of the cells as never asserted: " + strings.Join(left, ", ")
	}
	return svg, note, err
}

// ---- (d) in-context quantization

// quantPoint is one Monte Carlo estimate of figure (d).
type quantPoint struct {
	L, samples int
	q, se      float64
}

// quantLengths returns the sequence lengths of figure (d).
func quantLengths(quick bool) []int {
	if quick {
		return []int{5, 50, 500}
	}
	return []int{2, 5, 10, 20, 50, 100, 200, 500, 1000, 3000}
}

// quantSamples is the number of Monte Carlo sequences at length L: a
// fixed work budget of samples * L * d token coordinates, capped.
func quantSamples(L, d int, quick bool) int {
	budget, most := 2e7, 20000
	if quick {
		budget, most = 1e6, 2000
	}
	return max(200, min(most, int(budget/float64(L*d))))
}

// quantMixture is THEORY 3's setting.
func quantMixture() (theory.Mixture, error) {
	return theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{2, 0}, {0, 2}}, 0.3)
}

func figureQuant(rep *report) ([]byte, string, error) {
	s := rep.suite
	if s.quantInf == nil || s.quantMC == nil {
		return nil, "", errors.New("no quantization back end")
	}
	mix, err := quantMixture()
	if err != nil {
		return nil, "", err
	}
	const lambda = 1.0
	qinf, err := s.quantInf(mix, lambda)
	if err != nil {
		return nil, "", fmt.Errorf("Q_inf: %w", err)
	}
	var pts []quantPoint
	for k, L := range quantLengths(rep.cfg.quick) {
		n := quantSamples(L, mix.Dim(), rep.cfg.quick)
		est, err := s.quantMC(mix, lambda, L, n, mixSeed(rep.cfg.seed, uint64(k)))
		if err != nil {
			return nil, "", fmt.Errorf("Q_L at L = %d: %w", L, err)
		}
		pts = append(pts, quantPoint{L: L, samples: n, q: est.Value, se: est.Err})
	}
	input := float64(mix.Dim()) * mix.Sigma * mix.Sigma

	p := newPlot()
	p.X.Label.Text = "sequence length L"
	p.Y.Label.Text = "quantization error"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	p.Y.Min = 0
	p.Legend.Top = true
	type xyErr struct {
		plotter.XYs
		plotter.YErrors
	}
	var d xyErr
	for _, pt := range pts {
		d.XYs = append(d.XYs, plotter.XY{X: float64(pt.L), Y: pt.q})
		d.YErrors = append(d.YErrors, struct{ Low, High float64 }{2 * pt.se, 2 * pt.se})
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
	lo, hi := float64(pts[0].L), float64(pts[len(pts)-1].L)
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
	qi, err := hline(qinf.Value, false, palette(3))
	if err != nil {
		return nil, "", err
	}
	in, err := hline(input, true, color.Black)
	if err != nil {
		return nil, "", err
	}
	p.Add(in, qi, l, sc, eb)
	p.Legend.Add("Q_L (Monte Carlo, +-2 SE)", l, sc)
	p.Legend.Add(fmt.Sprintf("Q_inf = %.5g", qinf.Value), qi)
	p.Legend.Add(fmt.Sprintf("input error d sigma^2 = %.3g", input), in)
	p.Y.Max = 1.45 * input // room for the legend above the input-error line
	p.Y.Tick.Marker = linearTicks{step: 0.05}
	svg, err := renderSVG(scaled(rep, 6.5), scaled(rep, 4.5), p.Draw)
	samples := ""
	for i, pt := range pts {
		if i > 0 {
			samples += ", "
		}
		samples += fmt.Sprintf("L=%d: %.4g +- %.2g (%d seq.)", pt.L, pt.q, pt.se, pt.samples)
	}
	return svg, fmt.Sprintf("Q_inf = %.6g (error bound %.2g); Q_L: %s", qinf.Value, qinf.Err, samples), err
}

// mixSeed is SplitMix64 of a and b (the same mixing as claims.Sample).
func mixSeed(a, b uint64) uint64 {
	z := a + 0x9e3779b97f4a7c15*(b+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// ---- shared plotting helpers

// logTicks marks a log axis at 1, 2, ..., 9 times the powers of ten,
// labelling the powers of ten in plain decimal where short ("0.001",
// "1000") and in exponent form otherwise ("1e-06").
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	if !(lo > 0) || !(hi >= lo) {
		return ts
	}
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		base, _ := strconv.ParseFloat("1e"+strconv.Itoa(e), 64)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				if e >= -3 && e <= 5 {
					t.Label = strconv.FormatFloat(v, 'f', -1, 64)
				} else {
					t.Label = "1e" + strconv.Itoa(e)
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
	for k := math.Ceil(lo/t.step - 1e-9); k*t.step <= hi*(1+1e-9); k++ {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(k*t.step, 'g', 10, 64), 64)
		if v == 0 {
			v = 0 // not -0
		}
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ts
}

func newPlot() *plot.Plot {
	p := plot.New()
	p.Add(plotter.NewGrid())
	return p
}

// scaled returns a length in inches (the same with -quick, whose figures
// are smaller in data, not in size).
func scaled(_ *report, inches float64) vg.Length {
	return vg.Length(inches) * vg.Inch
}

// renderSVG draws onto a w x h SVG canvas and returns the file's bytes.
func renderSVG(w, h vg.Length, drawFn func(draw.Canvas)) ([]byte, error) {
	c := vgsvg.New(w, h)
	drawFn(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
