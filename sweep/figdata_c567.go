package sweep

import (
	"errors"
	"fmt"

	"attnclust/claims"
)

// Figure names of C5, C6 and C7 (keys of Figures.Notes).
const (
	FigClustering = "clustering"
	FigClouds     = "clouds"
	FigComplexity = "complexity"
	FigTraining   = "sample-training"
	FigK3         = "k3"
)

// ClusteringPi1 is the weight of the first component in the clustering
// figure: unequal, since at pi1 = 1/2 every rule there is the bisector of
// the centroids and the curves coincide (docs/MODEL.md §5.4).
const ClusteringPi1 = 0.3

// ClusteringSeries is one line of the clustering figure: C5's quantities
// against the separation for the distance variant at one lambda sigma^2,
// or hardmax (orthogonal centroids, d = 2, sigma = 1, pi1 =
// ClusteringPi1). Bayes, k-means and the weight-blind rule do not depend
// on the layer and are read from any series.
type ClusteringSeries struct {
	Hardmax bool
	LamS2   float64
	Rows    []claims.ClusteringRow
}

// ClusteringRegime is the regime of the clustering figure's line at
// lambda sigma^2 ls2 (or hardmax); the separation is set per point.
func ClusteringRegime(ls2 float64, hardmax bool) claims.Regime {
	r := claims.Regime{Name: "clustering-figure", D: 2, Sigma: 1, Pi1: ClusteringPi1, Geometry: claims.Orthogonal,
		Variant: "distance", LambdaSigma2: ls2, Seed: 1}
	if hardmax {
		r.Variant, r.LambdaSigma2 = "hardmax", 0
	}
	return r
}

// ClusteringGrid returns the separations of the clustering figure: 1 to
// 8 by 0.25 (by 1 in quick mode).
func ClusteringGrid(quick bool) []float64 {
	step := 0.25
	if quick {
		step = 1
	}
	var out []float64
	for i := 0; 1+float64(i)*step <= 8+1e-9; i++ {
		out = append(out, 1+float64(i)*step)
	}
	return out
}

// CloudPanel is one panel of the point-cloud figure: the tokens and
// their images under the layer at the population minimizer theta^, at
// one lambda sigma^2 (or hardmax).
type CloudPanel struct {
	Hardmax bool
	LamS2   float64
	Regime  claims.Regime
	Cloud   claims.PointCloud
}

// CloudRegime is the regime of the point-cloud figure: d = 2, sigma = 1,
// orthogonal centroids at separation 4, equal weights, distance variant.
func CloudRegime(ls2 float64, hardmax bool) claims.Regime {
	r := claims.Regime{Name: "point-cloud-figure", D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 4,
		Variant: "distance", LambdaSigma2: ls2, Seed: 1}
	if hardmax {
		r.Variant, r.LambdaSigma2 = "hardmax", 0
	}
	return r
}

// cloudTokens is the number of tokens drawn per point-cloud panel.
func cloudTokens(quick bool) int {
	if quick {
		return 150
	}
	// 300 tokens: each panel draws every token twice, and the file grows
	// by about 1 kB per token and panel
	return 300
}

// SampleRegime is the regime of C6's figures (sample complexity and SGD
// curves): d = 2, sigma = 1, orthogonal centroids at separation 5, equal
// weights, distance variant at lambda sigma^2 = 1.
func SampleRegime() claims.Regime {
	return claims.Regime{Name: "sample-figure", D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 5,
		Variant: "distance", LambdaSigma2: 1, Seed: 1}
}

// ComplexityData is the sample-complexity figure's data: one row per
// sample size, each averaged over Reps independent samples (baseline
// wall times zeroed: they vary between runs).
type ComplexityData struct {
	Regime claims.Regime
	Reps   int
	Rows   []claims.SampleComplexityRow
}

// complexityPlan returns the sample sizes and repetitions of the
// sample-complexity figure.
func complexityPlan(quick bool) (ns []int, reps int) {
	if quick {
		return []int{250, 1000}, 8
	}
	return []int{250, 500, 1000, 2000, 4000}, 200
}

// TrainingData is the SGD-curve figure's data: one curve per
// initialization scheme, on one sample of N tokens, Steps SGD steps; and
// the other two axes of the paper's experiments, from the data-token start
// on the same regime with the separation changed (ByDelta) or the
// dimension changed (ByDim), each curve's Scheme field naming its setting.
type TrainingData struct {
	Regime         claims.Regime
	N, Steps       int
	Curves         []claims.TrainingCurve
	ByDelta, ByDim []claims.TrainingCurve
}

// TrainingAxes are the separations and dimensions of the SGD-curve
// figure's second panel row (the data-token start).
var trainingDeltas, trainingDims = []float64{3, 5, 8}, []int{2, 8, 32}

// TrainingAxisScheme is the initialization scheme of the Delta and d
// axes: tokens sampled from the data (admissible whatever the geometry).
const TrainingAxisScheme = "data-tokens"

// trainingPlan returns the sample size, the number of steps and the
// recording interval of the SGD-curve figure.
func trainingPlan(quick bool) (n, steps, every int) {
	if quick {
		return 1000, 100, 1
	}
	return 2000, 500, 1
}

// k3Plan returns the number of sampled tokens and the grid size of the
// K = 3 figure.
func k3Plan(quick bool) (points, grid int) {
	if quick {
		return 150, 60
	}
	return 450, 160
}

// computeFiguresC567 adds the figures of C5, C6 and C7 to f.
func computeFiguresC567(env claims.Env, cfg Config, s Suite, f *Figures,
	need func(fig string, ids ...string) bool, timed func(what string, fn func() error, fig string)) {
	if need(FigClustering, "C5") {
		timed("clustering curves", func() error {
			f.Clustering = computeClustering(env, cfg, s.eng)
			for _, sr := range f.Clustering {
				for _, row := range sr.Rows {
					if row.Note == "" {
						return nil
					}
				}
			}
			return errors.New("no separation of the clustering figure was computed")
		}, FigClustering)
	}
	if need(FigClouds, "C5") {
		timed("point clouds", func() error {
			var err error
			f.Clouds, err = computeClouds(env, cfg, s.eng)
			return err
		}, FigClouds)
	}
	if need(FigComplexity, "C6") {
		timed("sample complexity", func() error {
			ns, reps := complexityPlan(cfg.Quick)
			r := SampleRegime()
			rows, err := unit(s.eng, "complexity", 0, func() ([]claims.SampleComplexityRow, error) {
				rows, err := claims.SampleComplexity(env, r, ns, reps)
				for i := range rows {
					b := &rows[i].Baselines
					b.LayerSeconds, b.KMeansSeconds, b.EMSeconds = 0, 0, 0
				}
				return rows, err
			})
			if err == nil && len(rows) == 0 {
				err = errors.New("no sample size was measured")
			}
			if err != nil {
				return err
			}
			f.Complexity = &ComplexityData{Regime: r, Reps: reps, Rows: rows}
			return nil
		}, FigComplexity)
	}
	if need(FigTraining, "C6") {
		timed("SGD curves", func() error {
			n, steps, every := trainingPlan(cfg.Quick)
			r := SampleRegime()
			cs, err := unit(s.eng, "sample-training", 0, func() ([]claims.TrainingCurve, error) {
				return claims.SampleTrainingCurves(env, r, n, steps, every, mix64(cfg.Seed, 0x5107))
			})
			if err == nil && len(cs) == 0 {
				err = errors.New("no SGD curve")
			}
			if err != nil {
				return err
			}
			td := &TrainingData{Regime: r, N: n, Steps: steps, Curves: cs}
			f.Training = td
			return nil
		}, FigTraining)
		timed("SGD curves across Delta and d", func() error {
			// computed even when the first figure failed (a shard that does
			// not hold its unit), so that every shard computes its units
			n, steps, every := trainingPlan(cfg.Quick)
			r, td := SampleRegime(), &TrainingData{}
			// the Delta and d axes: units 1.. of the same stage
			axis := func(k int, rr claims.Regime, label string) (claims.TrainingCurve, error) {
				cs, err := unit(s.eng, "sample-training", k, func() ([]claims.TrainingCurve, error) {
					return claims.SampleTrainingCurves(env, rr, n, steps, every, mix64(cfg.Seed, 0x5107+uint64(k)))
				})
				if err != nil {
					return claims.TrainingCurve{}, err
				}
				if len(cs) == 0 { // a unit another shard computes
					return claims.TrainingCurve{Scheme: label}, nil
				}
				for _, c := range cs {
					if c.Scheme == TrainingAxisScheme {
						c.Scheme = label
						return c, nil
					}
				}
				return claims.TrainingCurve{}, fmt.Errorf("no %s curve for %s", TrainingAxisScheme, label)
			}
			for i, dl := range trainingDeltas {
				rr := r
				rr.Separation = dl
				c, err := axis(1+i, rr, fmt.Sprintf("Delta = %g", dl))
				if err != nil {
					return err
				}
				td.ByDelta = append(td.ByDelta, c)
			}
			for i, d := range trainingDims {
				rr := r
				rr.D = d
				c, err := axis(1+len(trainingDeltas)+i, rr, fmt.Sprintf("d = %d", d))
				if err != nil {
					return err
				}
				td.ByDim = append(td.ByDim, c)
			}
			if f.Training != nil {
				f.Training.ByDelta, f.Training.ByDim = td.ByDelta, td.ByDim
			}
			return nil
		}, FigTraining)
	}
	if need(FigK3, "C7") {
		timed("K = 3 cells", func() error {
			points, grid := k3Plan(cfg.Quick)
			k3, err := unit(s.eng, "k3", 0, func() (claims.C7Figure, error) {
				return claims.C7FigureData(env, claims.C7FigureRegime(), points, grid, mix64(cfg.Seed, 0x37))
			})
			if err != nil {
				return err
			}
			f.K3 = &k3
			return nil
		}, FigK3)
	}
}

// computeClustering computes the clustering figure's lines (units
// "clustering/<k>", one per line).
func computeClustering(env claims.Env, cfg Config, e *engine) []ClusteringSeries {
	series := []ClusteringSeries{{LamS2: 1}, {LamS2: 3}, {LamS2: 10}, {Hardmax: true}}
	grid := ClusteringGrid(cfg.Quick)
	parallelFor(len(series), cfg.Workers, func(k int) {
		sr := &series[k]
		rows, err := unit(e, "clustering", k, func() ([]claims.ClusteringRow, error) {
			return claims.ClusteringCurves(env, ClusteringRegime(sr.LamS2, sr.Hardmax), grid), nil
		})
		if err != nil || len(rows) != len(grid) {
			rows = make([]claims.ClusteringRow, len(grid))
			for i := range rows {
				rows[i] = claims.ClusteringRow{Separation: grid[i], Note: fmt.Sprintf("not computed: %v", err)}
			}
		}
		sr.Rows = rows
	})
	return series
}

// computeClouds computes the point-cloud panels (units "clouds/<k>").
func computeClouds(env claims.Env, cfg Config, e *engine) ([]CloudPanel, error) {
	panels := []CloudPanel{{LamS2: 0.3}, {LamS2: 1}, {LamS2: 10}, {Hardmax: true}}
	errs := make([]error, len(panels))
	n := cloudTokens(cfg.Quick)
	parallelFor(len(panels), cfg.Workers, func(k int) {
		p := &panels[k]
		p.Regime = CloudRegime(p.LamS2, p.Hardmax)
		// the same tokens in every panel
		p.Cloud, errs[k] = unit(e, "clouds", k, func() (claims.PointCloud, error) {
			return claims.PointClouds(env, p.Regime, n, mix64(cfg.Seed, 0xC10D))
		})
	})
	for k, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("point clouds at %s: %w", panelName(panels[k].LamS2, panels[k].Hardmax), err)
		}
	}
	return panels, nil
}

// panelName names a temperature in words ("hardmax" or "lambda sigma^2 =
// 0.3").
func panelName(ls2 float64, hardmax bool) string {
	if hardmax {
		return "hardmax"
	}
	return fmt.Sprintf("lambda sigma^2 = %g", ls2)
}
