package numerics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"attnclust/theory"
)

const sgdStreamTag = 5 // stream tag of SGD's minibatch draws

// Train is the end point of a training run on a sample.
type Train struct {
	Heads    [][]float64 // final heads, K rows of length d
	Risk     float64     // empirical risk at Heads
	GradNorm float64     // Euclidean norm of the stacked empirical gradient at Heads
	Iter     int         // iterations (GD) or steps (SGD) taken
	// Converged: GD reached GradNorm <= GradTol; always true for SGD,
	// which runs a fixed number of steps.
	Converged bool
}

// GDOptions controls GradientDescent. Zero values select defaults.
type GDOptions struct {
	// Step is the fixed step size eta > 0. Default 0.25 (stable for
	// Hessian eigenvalues below 8; the population Hessian of the risk in
	// units where sigma = 1 has eigenvalues of order 1 to 2).
	Step float64
	// Precond, if not nil, is a K d x K d matrix M: the update is
	// theta <- theta - Step M grad (with M the inverse of a Hessian and
	// Step 1 this is a quasi-Newton iteration that reaches the empirical
	// minimizer near theta^ in a few steps).
	Precond *mat.Dense
	// MaxIter bounds the iterations. Default 10000.
	MaxIter int
	// GradTol stops when the stacked gradient's norm is at most GradTol.
	// Default 1e-10.
	GradTol float64
	// Grad is the per-token gradient (nil: TokenLossGrad).
	Grad TokenGrad
	// Backtrack rejects an update that both increases the empirical risk
	// by more than 1e-14 of its magnitude (rounding) and fails to shrink
	// the gradient norm by a factor 0.9, and halves the step (at most 30
	// consecutive halvings); each accepted update lets the step grow back by
	// a factor 1.5, up to the largest step not yet rejected (a step that
	// was once rejected is never tried again). This stops the two-cycles a
	// preconditioned step falls into when the empirical curvature exceeds
	// twice the preconditioner's along some direction, while a step that
	// makes fast progress on the gradient is kept.
	Backtrack bool
	// Observe, if not nil, is called before every update and at the end,
	// with the iteration number, the current heads (read-only), the
	// empirical risk and the gradient norm.
	Observe func(iter int, heads [][]float64, risk, gradNorm float64)
}

// GradientDescent minimizes the empirical risk of layer l on the sample s
// by full-batch gradient descent with a fixed step (optionally
// preconditioned) from start. It returns the last iterate; Converged
// reports whether the gradient tolerance was met. It is deterministic.
// Errors: invalid options or shapes, a non-finite iterate (divergence).
func GradientDescent(l theory.Prototype, s Sample, start [][]float64, opts GDOptions) (Train, error) {
	if opts.Step == 0 {
		opts.Step = 0.25
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 10000
	}
	if opts.GradTol == 0 {
		opts.GradTol = 1e-10
	}
	if !(opts.Step > 0) || math.IsInf(opts.Step, 0) || opts.MaxIter < 0 || !(opts.GradTol > 0) {
		return Train{}, fmt.Errorf("GradientDescent: invalid options %+v", opts)
	}
	if s.Len() == 0 {
		return Train{}, errors.New("GradientDescent: empty sample")
	}
	k, d := len(start), len(s.X[0])
	if err := validateHeadsShape(start, 0, d); err != nil {
		return Train{}, fmt.Errorf("GradientDescent: %w", err)
	}
	if opts.Precond != nil {
		if r, c := opts.Precond.Dims(); r != k*d || c != k*d {
			return Train{}, fmt.Errorf("GradientDescent: preconditioner is %dx%d, want %d", r, c, k*d)
		}
	}
	heads := theory.Clone(start)
	grad := gradBufs(k, d)
	flat := mat.NewVecDense(k*d, nil)
	var step mat.VecDense
	eta, etaMax := opts.Step, opts.Step
	prevHeads, prevGrad := theory.Clone(start), gradBufs(k, d)
	prevRisk, prevGn := math.Inf(1), math.Inf(1)
	halvings := 0
	for it := 0; ; it++ {
		risk, err := EmpiricalGrad(l, s, nil, heads, grad, opts.Grad)
		if err != nil {
			return Train{}, err
		}
		rejected := false
		if opts.Backtrack && risk > prevRisk+1e-14*math.Abs(prevRisk) && stackedNorm(grad) > 0.9*prevGn {
			rejected = true
			if halvings == 30 {
				return Train{}, fmt.Errorf("GradientDescent: no acceptable update after 30 consecutive step halvings at iteration %d", it)
			}
			halvings++
			eta /= 2
			etaMax = eta
			for h := range heads {
				copy(heads[h], prevHeads[h])
				copy(grad[h], prevGrad[h])
			}
			risk = prevRisk
		}
		if opts.Backtrack && !rejected && it > 0 {
			eta = math.Min(etaMax, 1.5*eta)
			halvings = 0
		}
		if opts.Backtrack {
			prevRisk, prevGn = risk, stackedNorm(grad)
			for h := range heads {
				copy(prevHeads[h], heads[h])
				copy(prevGrad[h], grad[h])
			}
		}
		gn := 0.0
		for _, g := range grad {
			gn += theory.Inner(g, g)
		}
		gn = math.Sqrt(gn)
		if math.IsNaN(risk) || math.IsInf(risk, 0) || math.IsNaN(gn) || math.IsInf(gn, 0) {
			return Train{}, fmt.Errorf("GradientDescent: non-finite risk or gradient at iteration %d (diverged)", it)
		}
		if opts.Observe != nil {
			opts.Observe(it, heads, risk, gn)
		}
		if gn <= opts.GradTol || it == opts.MaxIter {
			return Train{Heads: heads, Risk: risk, GradNorm: gn, Iter: it, Converged: gn <= opts.GradTol}, nil
		}
		if opts.Precond == nil {
			for h := range heads {
				theory.AddScaled(heads[h], -eta, grad[h])
			}
			continue
		}
		for r := range k * d {
			flat.SetVec(r, grad[r/d][r%d])
		}
		step.MulVec(opts.Precond, flat)
		for r := range k * d {
			heads[r/d][r%d] -= eta * step.AtVec(r)
		}
	}
}

// SGDOptions controls SGD. Zero values select defaults.
type SGDOptions struct {
	// Batch is the minibatch size B, drawn uniformly with replacement
	// from the sample at every step. Default 256.
	Batch int
	// Step is the fixed step size eta > 0. Default 0.1.
	Step float64
	// Steps is the number of updates. Default 4000.
	Steps int
	// Seed selects the minibatch stream rand.NewPCG(Seed, 5<<32).
	Seed uint64
	// Grad is the per-token gradient (nil: TokenLossGrad).
	Grad TokenGrad
	// Observe, if not nil, is called before every update and after the
	// last one, with the step number and the current heads (read-only).
	Observe func(step int, heads [][]float64)
}

// SGD runs minibatch stochastic gradient descent with a fixed step on the
// empirical risk of layer l on the sample s from start: at each step B
// indices are drawn uniformly with replacement and theta <- theta - eta
// (mean minibatch gradient). It is a deterministic function of its
// arguments. The returned Train has the empirical risk and gradient norm
// at the last iterate (one full pass). Errors: invalid options or shapes,
// a non-finite iterate.
func SGD(l theory.Prototype, s Sample, start [][]float64, opts SGDOptions) (Train, error) {
	if opts.Batch == 0 {
		opts.Batch = 256
	}
	if opts.Step == 0 {
		opts.Step = 0.1
	}
	if opts.Steps == 0 {
		opts.Steps = 4000
	}
	if opts.Batch < 1 || !(opts.Step > 0) || math.IsInf(opts.Step, 0) || opts.Steps < 0 {
		return Train{}, fmt.Errorf("SGD: invalid options batch %d, step %v, steps %d", opts.Batch, opts.Step, opts.Steps)
	}
	if s.Len() == 0 {
		return Train{}, errors.New("SGD: empty sample")
	}
	k, d := len(start), len(s.X[0])
	if err := validateHeadsShape(start, 0, d); err != nil {
		return Train{}, fmt.Errorf("SGD: %w", err)
	}
	heads := theory.Clone(start)
	grad := gradBufs(k, d)
	idx := make([]int, opts.Batch)
	rng := rand.New(rand.NewPCG(opts.Seed, sgdStreamTag<<32))
	for t := range opts.Steps {
		if opts.Observe != nil {
			opts.Observe(t, heads)
		}
		for j := range idx {
			idx[j] = rng.IntN(s.Len())
		}
		if _, err := EmpiricalGrad(l, s, idx, heads, grad, opts.Grad); err != nil {
			return Train{}, err
		}
		for h := range heads {
			theory.AddScaled(heads[h], -opts.Step, grad[h])
		}
		if t%64 == 63 {
			for _, mu := range heads {
				if validateHeadsShape([][]float64{mu}, 1, d) != nil {
					return Train{}, fmt.Errorf("SGD: non-finite iterate at step %d (diverged)", t+1)
				}
			}
		}
	}
	if opts.Observe != nil {
		opts.Observe(opts.Steps, heads)
	}
	risk, err := EmpiricalGrad(l, s, nil, heads, grad, opts.Grad)
	if err != nil {
		return Train{}, err
	}
	gn := 0.0
	for _, g := range grad {
		gn += theory.Inner(g, g)
	}
	gn = math.Sqrt(gn)
	if math.IsNaN(risk) || math.IsInf(risk, 0) || math.IsNaN(gn) || math.IsInf(gn, 0) {
		return Train{}, errors.New("SGD: non-finite final iterate (diverged)")
	}
	return Train{Heads: heads, Risk: risk, GradNorm: gn, Iter: opts.Steps, Converged: true}, nil
}

// SGDStationaryMSE returns the stationary mean squared distance
// E ||theta_t - theta_n||^2 of constant-step SGD around a nondegenerate
// minimizer theta_n of the empirical risk, in the linear approximation:
// theta_{t+1} - theta_n = (I - eta H)(theta_t - theta_n) - eta xi_t with
// Cov(xi_t) = S / batch (S the per-token gradient covariance over the
// sample, EmpiricalGradCov; H the empirical Hessian, EmpiricalHessian).
// The stationary covariance solves Sigma = A Sigma A + eta^2 S / B with
// A = I - eta H, and in H's eigenbasis (eigenvalues h_i, S~ = V^T S V)
//
//	tr Sigma = (eta^2 / B) sum_i S~_ii / (1 - (1 - eta h_i)^2).
//
// Errors: sizes differ, or some |1 - eta h_i| >= 1 (no stationary law).
func SGDStationaryMSE(H, S *mat.SymDense, step float64, batch int) (float64, error) {
	n := H.SymmetricDim()
	if S.SymmetricDim() != n || batch < 1 || !(step > 0) {
		return 0, errors.New("SGDStationaryMSE: invalid arguments")
	}
	var eig mat.EigenSym
	if !eig.Factorize(H, true) {
		return 0, errors.New("SGDStationaryMSE: eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var V mat.Dense
	eig.VectorsTo(&V)
	var tmp, St mat.Dense
	tmp.Mul(S, &V)
	St.Mul(V.T(), &tmp)
	tr := 0.0
	for i, h := range vals {
		a := 1 - step*h
		if math.Abs(a) >= 1 {
			return 0, fmt.Errorf("SGDStationaryMSE: step %v unstable for Hessian eigenvalue %v", step, h)
		}
		tr += St.At(i, i) / (1 - a*a)
	}
	return step * step / float64(batch) * tr, nil
}

// stackedNorm is the Euclidean norm of the stacked rows.
func stackedNorm(g [][]float64) float64 {
	s := 0.0
	for _, r := range g {
		s += theory.Inner(r, r)
	}
	return math.Sqrt(s)
}
