package sweep

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/theory"
)

// Figures holds the data behind the report's figures. A figure whose data
// could not be computed has a nil field and a note in Notes (keyed by
// Fig* names).
type Figures struct {
	// Curves: C3's training curves on CurvesRegime.
	Curves       []claims.Curve
	CurvesRegime claims.Regime
	// Distances: the distance of C1's minimizer to the centroids.
	Distances []DistanceSeries
	// Maps: the hold maps of C1, C2 and C3 (the selected ones), as small
	// multiples.
	Maps []HoldMap
	// Quant: the in-context quantization error against L.
	Quant *QuantData
	// Clustering: C5's misclassification curves, one series per
	// lambda sigma^2 and hardmax.
	Clustering []ClusteringSeries
	// Clouds: the point clouds and the layer's outputs (C5).
	Clouds []CloudPanel
	// Complexity and Training: C6's sample complexity and SGD curves.
	Complexity *ComplexityData
	Training   *TrainingData
	// K3: C7's K = 3 assignment cells.
	K3 *claims.C7Figure
	// Notes says, per figure, why it was not computed.
	Notes map[string]string
}

// Figure names (keys of Figures.Notes).
const (
	FigCurves   = "curves"
	FigDistance = "distance"
	FigMaps     = "maps"
	FigQuant    = "quant"
)

// CurvesRegimeName is the catalog regime of the training-curve figure.
const CurvesRegimeName = "reference-distance"

// curvesRegime returns the catalog's entry named CurvesRegimeName, or the
// same regime as fixtures/regimes.json defines it.
func curvesRegime(catalog []claims.Regime) claims.Regime {
	for _, r := range catalog {
		if r.Name == CurvesRegimeName {
			return r
		}
	}
	return claims.Regime{Name: CurvesRegimeName, D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal,
		Separation: 3 * math.Sqrt2, Variant: "distance", LambdaSigma2: 1, Seed: 1}
}

func computeFigures(env claims.Env, cfg Config, s Suite, out *Outcome, prog *progress) Figures {
	f := Figures{Notes: map[string]string{}}
	need := func(fig string, ids ...string) bool {
		for _, id := range ids {
			if out.Run(id) != nil {
				return true
			}
		}
		f.Notes[fig] = "not drawn: it needs " + orList(ids) + ", not selected"
		return false
	}
	timed := func(what string, fn func() error, fig string) {
		prog.phase("figure data: " + what)
		t0 := s.now()
		if err := safe(fn); err != nil {
			f.Notes[fig] = "not drawn: " + err.Error()
		}
		out.Timings = append(out.Timings, Timing{"figure data: " + what, s.now().Sub(t0)})
	}
	if need(FigCurves, "C3") {
		timed("training curves", func() error {
			if s.Curves == nil {
				return errors.New("no training-curve function")
			}
			f.CurvesRegime = curvesRegime(cfg.Catalog)
			cs, err := unit(s.eng, "curves", 0, func() ([]claims.Curve, error) { return s.Curves(env, f.CurvesRegime, 1) })
			if err == nil && len(cs) == 0 {
				err = errors.New("C3 returned no training curves")
			}
			f.Curves = cs
			return err
		}, FigCurves)
	}
	if need(FigDistance, "C1") {
		timed("minimizer distance", func() error {
			if s.MinDist == nil {
				return errors.New("no minimizer-distance function")
			}
			f.Distances = computeDistances(env, cfg, s)
			return nil
		}, FigDistance)
	}
	if need(FigMaps, "C1", "C2", "C3") {
		timed("hold maps", func() error {
			f.Maps = computeMaps(env, cfg, s.eng, out)
			return nil
		}, FigMaps)
	}
	if need(FigQuant, "C4") {
		timed("quantization", func() error {
			q, err := computeQuant(cfg, s)
			f.Quant = q
			return err
		}, FigQuant)
	}
	computeFiguresC567(env, cfg, s, &f, need, timed)
	return f
}

// safe runs fn, turning a panic into an error.
func safe(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return fn()
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

// ---- minimizer distance

// DistanceSeries is one line of the minimizer-distance figure: the
// distance (in sigma) of C1's minimizer to the centroids against Delta at
// one lambda sigma^2 (or hardmax), distance variant, orthogonal centroids,
// pi1 = 1/2, d = 2, sigma = 1.
type DistanceSeries struct {
	Hardmax bool
	LamS2   float64
	Points  []DistancePoint
}

// DistancePoint is one minimizer distance; OK when resolved (finite error
// and distance above twice it).
type DistancePoint struct {
	Delta, Dist, Err float64
	OK               bool
}

// DistanceRegime is the regime of the distance figure at separation
// delta.
func DistanceRegime(delta, ls2 float64, hardmax bool) claims.Regime {
	r := claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: delta,
		Variant: "distance", LambdaSigma2: ls2, Seed: 1}
	if hardmax {
		r.Variant, r.LambdaSigma2 = "hardmax", 0
	}
	r.Name = "distance-figure-" + strconv.FormatFloat(delta, 'g', -1, 64)
	return r
}

// distanceGrid returns the separations of the distance figure: 2 to 10
// by 0.25 (by 1 in quick mode).
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

func computeDistances(env claims.Env, cfg Config, s Suite) []DistanceSeries {
	series := []DistanceSeries{{LamS2: 0.3}, {LamS2: 1}, {LamS2: 3}, {Hardmax: true}}
	grid := distanceGrid(cfg.Quick)
	type job struct{ s, i int }
	var jobs []job
	for k := range series {
		series[k].Points = make([]DistancePoint, len(grid))
		for i := range grid {
			jobs = append(jobs, job{k, i})
		}
	}
	parallelFor(len(jobs), cfg.Workers, func(k int) {
		j := jobs[k]
		sr := &series[j.s]
		de, err := unit(s.eng, "distance", k, func() (distErr, error) {
			d, e, err := s.MinDist(env, DistanceRegime(grid[j.i], sr.LamS2, sr.Hardmax))
			return distErr{d, e}, err
		})
		d, e := de.Dist, de.Err
		sr.Points[j.i] = DistancePoint{Delta: grid[j.i], Dist: d, Err: e,
			OK: err == nil && !math.IsInf(e, 0) && !math.IsNaN(d) && !math.IsNaN(e) && d > 2*e && d > 0}
	})
	return series
}

// distErr is a minimizer distance and its error bound (a recorded unit).
type distErr struct{ Dist, Err float64 }

// HardmaxBias is the hardmax closed form beta - delta of the distance
// figure's dashed line, in sigma, at separation Delta (sigma = 1).
func HardmaxBias(delta float64) float64 { return theory.HardmaxBias(delta/2, 1) }

// ---- hold maps

// CellStatus is the verdict of one claim on one regime of a hold map.
type CellStatus int

const (
	CellNone         CellStatus = iota // no result
	CellHolds                          // every counted check HOLDS
	CellFails                          // some counted check FAILS
	CellInconclusive                   // otherwise
)

// String returns a one-letter code: "-", "H", "F" or "I".
func (s CellStatus) String() string { return [...]string{"-", "H", "F", "I"}[s] }

// HoldMap is one claim's hold map: small multiples over variant x
// geometry x pi1, each a grid of separations Delta and temperatures
// lambda sigma^2 (d = 2, sigma = 1).
type HoldMap struct {
	Claim  string
	Deltas []float64
	LamS2  []float64
	Panels []MapPanel
	// Left lists the checks left out of the cells (never asserted: see
	// mappedOnlyChecks), in order.
	Left []string
}

// MapPanel is one small multiple: Cells[j][i] is the status at LamS2[j],
// Deltas[i], over the claim-role checks (and those without a role) that
// are asserted there (inside the claim's hypotheses, the checks whose
// own hypotheses the regime meets); InHyp[j][i] whether that regime is inside the claim's a
// priori hypotheses; Thresholds the claim's measured thresholds on slices
// of the same variant, geometry and weight, in increasing lambda sigma^2.
type MapPanel struct {
	Variant    string
	Geometry   claims.Geometry
	Pi1        float64
	Cells      [][]CellStatus
	InHyp      [][]bool
	Results    []claims.Result
	Thresholds []claims.Threshold
}

// MapGrid returns the separations and temperatures of the hold maps.
func MapGrid(quick bool) (deltas, ls2s []float64) {
	if quick {
		return []float64{2, 4, 6}, []float64{0.3, 1, 3}
	}
	return []float64{1.5, 2, 3, 4, 5, 6, 8}, []float64{0.1, 0.3, 1, 3, 10}
}

// mapPanels returns the small multiples: variants dot and distance,
// orthogonal and antipodal centroids, pi1 = 1/2 and 0.3 (pi1 = 1/2 only
// in quick mode).
func mapPanels(quick bool) []MapPanel {
	pis := []float64{0.5, 0.3}
	if quick {
		pis = pis[:1]
	}
	var out []MapPanel
	for _, pi := range pis {
		for _, v := range []string{"distance", "dot"} {
			for _, g := range []claims.Geometry{claims.Orthogonal, claims.Antipodal} {
				out = append(out, MapPanel{Variant: v, Geometry: g, Pi1: pi})
			}
		}
	}
	return out
}

// MapRegime is the regime of one map cell.
func MapRegime(p MapPanel, delta, ls2 float64) claims.Regime {
	return claims.Regime{
		Name: fmt.Sprintf("map-%s-%s-pi%s-Delta%s-ls%s", p.Variant, p.Geometry, strconv.FormatFloat(p.Pi1, 'g', -1, 64),
			strconv.FormatFloat(delta, 'g', -1, 64), strconv.FormatFloat(ls2, 'g', -1, 64)),
		D: 2, Sigma: 1, Pi1: p.Pi1, Geometry: p.Geometry, Separation: delta,
		Variant: p.Variant, LambdaSigma2: ls2, Seed: 1,
	}
}

// computeMaps runs the selected claims among C1, C2 and C3 on every
// panel's grid, always with the quick settings (smaller sample counts and
// ladders, the same verdict semantics): C3 with the full settings would
// dominate the run.
func computeMaps(env claims.Env, cfg Config, e *engine, out *Outcome) []HoldMap {
	env.Quick = true
	deltas, ls2s := MapGrid(cfg.Quick)
	var maps []HoldMap
	var jobs []claims.Job
	for _, id := range []string{"C1", "C2", "C3"} {
		cr := out.Run(id)
		if cr == nil {
			continue
		}
		m := HoldMap{Claim: id, Deltas: deltas, LamS2: ls2s, Panels: mapPanels(cfg.Quick)}
		for _, p := range m.Panels {
			for _, ls2 := range ls2s {
				for _, delta := range deltas {
					jobs = append(jobs, claims.Job{Claim: cr.Claim, Regime: MapRegime(p, delta, ls2)})
				}
			}
		}
		maps = append(maps, m)
	}
	res := e.runJobs("map", env, jobs, cfg.Workers, nil)
	k := 0
	for mi := range maps {
		m := &maps[mi]
		cr := out.Run(m.Claim)
		all := append([]claims.Result(nil), cr.Results...)
		for _, rs := range res[k : k+len(m.Panels)*len(ls2s)*len(deltas)] {
			all = append(all, rs...)
		}
		m.Left = mappedOnlyChecks(cr.Claim, all)
		skip := map[string]bool{}
		for _, c := range m.Left {
			skip[c] = true
		}
		for pi := range m.Panels {
			p := &m.Panels[pi]
			p.Cells = make([][]CellStatus, len(ls2s))
			p.InHyp = make([][]bool, len(ls2s))
			for j := range ls2s {
				p.Cells[j] = make([]CellStatus, len(deltas))
				p.InHyp[j] = make([]bool, len(deltas))
				for i := range deltas {
					p.InHyp[j][i] = cr.Claim.InHypotheses(jobs[k].Regime)
					var kept []claims.Result
					for _, r := range res[k] {
						// a check whose own hypotheses are narrower than
						// the claim's is not asserted in a cell inside the
						// claim's hypotheses: it does not count there
						if !skip[r.Check] && (r.Role == "" || r.Role == claims.RoleClaim) && (r.InHypotheses || !p.InHyp[j][i]) {
							kept = append(kept, r)
						}
					}
					p.Cells[j][i] = statusOf(kept)
					p.Results = append(p.Results, res[k]...)
					k++
				}
			}
			for ti, sl := range cr.Slices {
				if ti < len(cr.Thresholds) && sl.Variant == p.Variant && sl.Geometry == p.Geometry && sl.Pi1 == p.Pi1 {
					p.Thresholds = append(p.Thresholds, cr.Thresholds[ti])
				}
			}
		}
	}
	return maps
}

// mappedOnlyChecks returns, in order of first appearance, the checks
// among results whose role is not set that are never asserted: on every
// regime inside c's hypotheses where they ran (at least one), their result
// is outside the hypotheses (a check with narrower hypotheses that no
// regime met, or one that only maps counterexamples). A check that FAILS
// there by design would otherwise paint the whole map red. Checks with a
// role are counted by role instead (claim role only).
func mappedOnlyChecks(c claims.Claim, results []claims.Result) []string {
	seen, asserted := map[string]bool{}, map[string]bool{}
	inHyp := map[claims.Regime]bool{}
	for _, r := range results {
		if r.Role != "" {
			continue
		}
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
	for _, check := range CheckOrder(results) {
		if seen[check] && !asserted[check] {
			out = append(out, check)
		}
	}
	return out
}

// statusOf summarizes a claim's results on one regime.
func statusOf(res []claims.Result) CellStatus {
	if len(res) == 0 {
		return CellNone
	}
	st := CellHolds
	for _, r := range res {
		switch r.Verdict {
		case claims.Fails:
			return CellFails
		case claims.Inconclusive:
			st = CellInconclusive
		}
	}
	return st
}

// ---- in-context quantization

// QuantData is the quantization figure's data, in the setting d = 2,
// sigma = 0.3, mu* = (2, 0), (0, 2), equal weights, lambda = 1.
type QuantData struct {
	Lambda float64
	// QInf is the L -> infinity error and QInfErr its certified bound;
	// Input the input error d sigma^2.
	QInf, QInfErr, Input float64
	Points               []QuantPoint
}

// QuantPoint is one Monte Carlo estimate of Q_L, with its standard
// error.
type QuantPoint struct {
	L, Samples int
	Q, SE      float64
}

// QuantLengths returns the sequence lengths of the quantization figure.
func QuantLengths(quick bool) []int {
	if quick {
		return []int{5, 50, 500}
	}
	return []int{2, 5, 10, 20, 50, 100, 200, 500, 1000, 3000}
}

// quantSamples is the number of Monte Carlo sequences at length L: a
// fixed work budget of samples L d token coordinates, capped.
func quantSamples(L, d int, quick bool) int {
	budget, most := 2e7, 20000
	if quick {
		budget, most = 1e6, 2000
	}
	return max(200, min(most, int(budget/float64(L*d))))
}

// QuantMixture is the quantization figure's mixture.
func QuantMixture() (theory.Mixture, error) {
	return theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{2, 0}, {0, 2}}, 0.3)
}

func computeQuant(cfg Config, s Suite) (*QuantData, error) {
	if s.QuantInf == nil || s.QuantMC == nil {
		return nil, errors.New("no quantization back end")
	}
	mix, err := QuantMixture()
	if err != nil {
		return nil, err
	}
	q := &QuantData{Lambda: 1, Input: float64(mix.Dim()) * mix.Sigma * mix.Sigma}
	inf, err := unit(s.eng, "quant-inf", 0, func() (numerics.Estimate, error) { return s.QuantInf(mix, q.Lambda) })
	if err != nil {
		return nil, fmt.Errorf("Q_inf: %w", err)
	}
	q.QInf, q.QInfErr = inf.Value, inf.Err
	for k, L := range QuantLengths(cfg.Quick) {
		n := quantSamples(L, mix.Dim(), cfg.Quick)
		est, err := unit(s.eng, "quant-mc", k, func() (numerics.Estimate, error) {
			return s.QuantMC(mix, q.Lambda, L, n, mix64(cfg.Seed, uint64(k)))
		})
		if err != nil {
			return nil, fmt.Errorf("Q_L at L = %d: %w", L, err)
		}
		q.Points = append(q.Points, QuantPoint{L: L, Samples: n, Q: est.Value, SE: est.Err})
	}
	return q, nil
}
