package numerics

import (
	"fmt"
	"math"

	"attnclust/theory"
)

// LloydOptions controls LloydPopulation.
type LloydOptions struct {
	// MaxIter is the largest number of updates, in [1, 10^5]; 0 means 500.
	MaxIter int
	// Tol is an absolute tolerance on the Euclidean norm of the stacked
	// update (same units as the heads), >= 0. The iteration also stops
	// when the update is below its own statistical error (see
	// LloydResult.Converged), so Tol = 0 is allowed.
	Tol float64
	// Statistical forces the randomized rule even with at most three
	// heads (for cross-checks of the two paths).
	Statistical bool
}

// LloydResult is the outcome of LloydPopulation.
type LloydResult struct {
	// Heads is the last iterate.
	Heads [][]float64
	// Iterations is the number of updates made.
	Iterations int
	// LastStep is the norm of the last update; StepSE the root-mean-square
	// statistical error of that update (GradNormSE / (2 min_h mass_h)).
	LastStep, StepSE float64
	// Contraction is the ratio of the last two step norms (0 before two
	// steps), an estimate of the linear rate rho of the iteration; when
	// 0 < rho < 1, DistanceBound = LastStep rho / (1 - rho) estimates the
	// distance from Heads to the fixed point (exact for a linear map with
	// that rate; +Inf when rho >= 1).
	Contraction, DistanceBound float64
	// Converged reports that the last update was at most
	// max(Tol, 2 StepSE): a fixed point of the population Lloyd map within
	// its statistical resolution.
	Converged bool
	// Eval is the hardmax risk evaluation at Heads (statistical), whose
	// gradient is -2 mass_h (cell mean_h - mu_h).
	Eval EvalK
	// Certified is set when the iteration ran on HardmaxPlanar (head
	// differences spanning at most two dimensions, for example three
	// heads): the hardmax risk and gradient at Heads with error bounds.
	// Eval is then the zero value, and StepSE is 0.
	Certified *theory.Eval
	// Dead lists the heads whose Voronoi cell had estimated mass 0 at the
	// last evaluation; they are left in place (as k-means does with an
	// empty cluster).
	Dead []int
}

// LloydPopulation runs the population Lloyd (k-means) iteration on the
// mixture: each head moves to the mean of the mixture over its Voronoi
// cell, mu_h <- E[x 1{x in cell h}] / P(cell h). Its fixed points are the
// critical points of the hardmax risk, whose gradient is
// -2 P(cell h) (cell mean - mu_h). Cell masses and means come from the
// randomized quasi-Monte Carlo rule of RiskK with opts; the same seed is
// used at every step (common random numbers), so the iteration is a
// deterministic map. With at most three heads the iteration runs instead
// on the deterministic HardmaxPlanar evaluation (LloydResult.Certified),
// and stops when the update is at most max(Tol, 1e-12 (1 + max |mu_h|)),
// the scale at which the quadrature's 1e-13 relative accuracy leaves the
// update meaningful. It needs 1..MaxHeadsK heads of length d.
func LloydPopulation(mix theory.Mixture, heads0 [][]float64, opts OptionsK, lo LloydOptions) (LloydResult, error) {
	if lo.MaxIter == 0 {
		lo.MaxIter = 500
	}
	if lo.MaxIter < 1 || lo.MaxIter > 100000 {
		return LloydResult{}, fmt.Errorf("LloydPopulation: max iterations: must be in [1, 100000], got %d", lo.MaxIter)
	}
	if !(lo.Tol >= 0) || math.IsInf(lo.Tol, 0) {
		return LloydResult{}, fmt.Errorf("LloydPopulation: tolerance: must be finite and >= 0, got %v", lo.Tol)
	}
	r, err := NewRiskK(mix, theory.Prototype{Variant: theory.Hardmax}, opts)
	if err != nil {
		return LloydResult{}, fmt.Errorf("LloydPopulation: %w", err)
	}
	if err := validateHeadsShape(heads0, 0, mix.Dim()); err != nil {
		return LloydResult{}, fmt.Errorf("LloydPopulation: %w", err)
	}
	res := LloydResult{Heads: theory.Clone(heads0)}
	if planar, err := NewHardmaxPlanar(mix, len(heads0)); err == nil && len(heads0) <= 3 && !lo.Statistical {
		return lloydPlanar(planar, res, lo)
	}
	for {
		ev, err := r.Eval(res.Heads)
		if err != nil {
			return LloydResult{}, fmt.Errorf("LloydPopulation: iteration %d: %w", res.Iterations, err)
		}
		res.Eval = ev
		res.Dead = res.Dead[:0]
		minMass := math.Inf(1)
		for h, m := range ev.Mass {
			if m == 0 {
				res.Dead = append(res.Dead, h)
				continue
			}
			minMass = math.Min(minMass, m)
		}
		if res.Iterations == lo.MaxIter {
			return res, nil
		}
		step := 0.0
		next := theory.Clone(res.Heads)
		for h, m := range ev.Mass {
			if m == 0 {
				continue
			}
			theory.AddScaled(next[h], -1/(2*m), ev.Grad[h])
			step += math.Pow(theory.Dist(next[h], res.Heads[h]), 2)
		}
		res.setStep(math.Sqrt(step))
		res.StepSE = ev.GradNormSE / (2 * minMass)
		res.Heads = next
		res.Iterations++
		if res.LastStep <= math.Max(lo.Tol, 2*res.StepSE) {
			res.Converged = true
			if res.Eval, err = r.Eval(res.Heads); err != nil {
				return LloydResult{}, fmt.Errorf("LloydPopulation: final evaluation: %w", err)
			}
			return res, nil
		}
	}
}

// lloydPlanar runs the Lloyd iteration on the deterministic planar
// evaluation (at most three heads, so the head differences span at most
// two dimensions whatever they are).
func lloydPlanar(p *HardmaxPlanar, res LloydResult, lo LloydOptions) (LloydResult, error) {
	for {
		ev, mass, _, err := p.evalMass(res.Heads)
		if err != nil {
			return LloydResult{}, fmt.Errorf("LloydPopulation: iteration %d: %w", res.Iterations, err)
		}
		res.Certified = &ev
		res.Dead = res.Dead[:0]
		scale := 0.0
		for h, m := range mass {
			if m == 0 {
				res.Dead = append(res.Dead, h)
			}
			scale = math.Max(scale, theory.Norm(res.Heads[h]))
		}
		if res.Iterations == lo.MaxIter {
			return res, nil
		}
		step := 0.0
		next := theory.Clone(res.Heads)
		for h, m := range mass {
			if m == 0 {
				continue
			}
			theory.AddScaled(next[h], -1/(2*m), ev.Grad[h])
			step += math.Pow(theory.Dist(next[h], res.Heads[h]), 2)
		}
		res.setStep(math.Sqrt(step))
		res.Heads = next
		res.Iterations++
		if res.LastStep <= math.Max(lo.Tol, 1e-12*(1+scale)) {
			res.Converged = true
			final, _, _, err := p.evalMass(res.Heads)
			if err != nil {
				return LloydResult{}, fmt.Errorf("LloydPopulation: final evaluation: %w", err)
			}
			res.Certified = &final
			return res, nil
		}
	}
}

// setStep records the norm of a new update and the contraction estimate.
func (res *LloydResult) setStep(step float64) {
	if res.Iterations > 0 && res.LastStep > 0 {
		res.Contraction = step / res.LastStep
		res.DistanceBound = math.Inf(1)
		if res.Contraction < 1 {
			res.DistanceBound = step * res.Contraction / (1 - res.Contraction)
		}
	}
	res.LastStep = step
}
