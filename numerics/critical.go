package numerics

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"attnclust/theory"
)

// CriticalTarget selects which critical points FindCritical looks for.
type CriticalTarget int

const (
	// TargetMinimum (the default) looks for a local minimizer: steps
	// decrease the risk or, where the differenced Hessian is positive
	// definite, the gradient norm; a certified saddle (gradient within
	// tolerance, smallest eigenvalue certified negative) is escaped along
	// the eigenvector of the most negative eigenvalue.
	TargetMinimum CriticalTarget = iota
	// TargetAny looks for the nearest nondegenerate critical point of any
	// index (minimum, saddle or maximum) by Levenberg-Marquardt-damped
	// Newton steps on the gradient norm.
	TargetAny
)

// String returns "minimum" or "any".
func (t CriticalTarget) String() string {
	switch t {
	case TargetMinimum:
		return "minimum"
	case TargetAny:
		return "any"
	}
	return fmt.Sprintf("CriticalTarget(%d)", int(t))
}

// CriticalOptions controls FindCritical. Zero values select the defaults.
type CriticalOptions struct {
	// GradTol is the tolerance on the Euclidean norm of the stacked
	// gradient: the search has converged when ||grad|| <= GradTol +
	// GradErr (GradErr as reported by the objective). Default 1e-9;
	// must be >= 0 (0 means the default, so pass a tiny positive value
	// to demand ||grad|| <= GradErr alone).
	GradTol float64
	// MaxIter bounds the number of Newton iterations (each costs one
	// Hessian, i.e. 4 K d + 1 gradient evaluations, plus the line
	// search). Default 100. A negative value takes no step: FindCritical
	// then only certifies the start point.
	MaxIter int
	// MaxStep bounds the Euclidean norm of one step in the stacked
	// parameter space. Default max(1, ||start||_F / sqrt(K)), the
	// larger of 1 and the root-mean-square head norm.
	MaxStep float64
	// Target selects minimizers (default) or critical points of any index.
	Target CriticalTarget
}

// Critical is the result of FindCritical, with its certificate: the
// gradient norm with its error bound and the smallest Hessian eigenvalue
// with its error bound, all at Heads.
type Critical struct {
	Heads    [][]float64 // final point, K rows of length d
	Risk     float64     // R(Heads)
	RiskErr  float64     // bound on the error of Risk (from the objective)
	GradNorm float64     // Euclidean norm of the stacked gradient at Heads
	GradErr  float64     // bound on the error of the gradient (from the objective)
	// MinEig is the smallest eigenvalue of the differenced Hessian at
	// Heads and EigErr the Hessian's error bound (see Hessian), which by
	// Weyl's inequality bounds the error of every eigenvalue.
	MinEig, EigErr float64
	// Eigenvalues are all Hessian eigenvalues at Heads, ascending, each
	// with error at most EigErr.
	Eigenvalues []float64
	Iter        int  // Newton iterations taken (accepted steps)
	Converged   bool // ||grad|| <= GradTol + GradErr at Heads
	// Reason says why the search stopped, in words.
	Reason string
}

// Minimizer reports whether the result is a certified strict local
// minimizer: converged, and MinEig - EigErr > 0 (the exact Hessian is
// positive definite, given the Hessian error estimate; see Hessian).
func (c Critical) Minimizer() bool { return c.Converged && c.MinEig-c.EigErr > 0 }

// Saddle reports whether the result is a critical point with a certified
// direction of negative curvature (MinEig + EigErr < 0).
func (c Critical) Saddle() bool { return c.Converged && c.MinEig+c.EigErr < 0 }

// armijoC is the sufficient-decrease constant of the line searches.
const armijoC = 1e-4

// maxBacktrack bounds the halvings of a line search (2^-40 ~ 1e-12).
const maxBacktrack = 40

// FindCritical searches for a critical point of obj from start by damped
// Newton steps on the analytic gradient and the differenced Hessian (see
// Hessian), and returns it with a certificate.
//
// With TargetMinimum, each iteration takes the Newton step -H^{-1} g
// when the differenced H is positive definite and otherwise the saddle-free Newton step -|H|^{-1} g
// (eigenvalues replaced by their absolute values, floored at 1e-8 times
// the largest, a descent direction for R that moves away from saddles).
// Steps are capped at MaxStep and backtracked until either the risk
// decreases by the Armijo amount beyond both points' risk errors, or (for
// a positive-definite H only) the gradient norm decreases by the
// Armijo factor while the risk does not certifiably increase. When the
// gradient is within tolerance at a certified saddle, the search steps
// along the most negative curvature direction (length MaxStep, halved
// until the risk certifiably decreases) and continues.
//
// With TargetAny, the step solves (H^2 + m I) s = -H g with m = (1e-8
// max|eig|)^2 and is backtracked until ||g|| decreases by the Armijo
// factor.
//
// The search converges when ||grad|| <= GradTol + GradErr. Running out of
// iterations, or a line search that finds no acceptable step (typically
// when decreases fall below the risk-error level), ends it with
// Converged = false and a Reason; the certificate fields still describe
// the final point. An error is returned only for invalid arguments and for
// objective evaluations that fail (at the start or while certifying).
func FindCritical(obj theory.Objective, start [][]float64, opts CriticalOptions) (Critical, error) {
	if obj == nil {
		return Critical{}, errors.New("FindCritical: objective is nil")
	}
	d, k := obj.Dim(), obj.Heads()
	if err := validateHeadsShape(start, k, d); err != nil {
		return Critical{}, fmt.Errorf("FindCritical: start: %w", err)
	}
	if opts.GradTol < 0 || math.IsNaN(opts.GradTol) || math.IsInf(opts.GradTol, 0) {
		return Critical{}, fmt.Errorf("FindCritical: GradTol must be finite and >= 0, got %v", opts.GradTol)
	}
	if opts.MaxStep < 0 || math.IsNaN(opts.MaxStep) || math.IsInf(opts.MaxStep, 0) {
		return Critical{}, fmt.Errorf("FindCritical: MaxStep must be finite and >= 0, got %v", opts.MaxStep)
	}
	if opts.Target != TargetMinimum && opts.Target != TargetAny {
		return Critical{}, fmt.Errorf("FindCritical: unknown Target %d", int(opts.Target))
	}
	if opts.GradTol == 0 {
		opts.GradTol = 1e-9
	}
	switch {
	case opts.MaxIter == 0:
		opts.MaxIter = 100
	case opts.MaxIter < 0:
		opts.MaxIter = 0 // certify the start only
	}
	theta := flattenHeads(start)
	if opts.MaxStep == 0 {
		opts.MaxStep = math.Max(1, vecNorm(theta)/math.Sqrt(float64(k)))
	}

	ev, err := obj.Eval(start)
	if err != nil {
		return Critical{}, fmt.Errorf("FindCritical: evaluation at the start: %w", err)
	}
	res := Critical{}
	for {
		g := flattenHeads(ev.Grad)
		gn := vecNorm(g)
		H, herr, err := Hessian(obj, unflattenHeads(theta, k, d))
		if err != nil {
			return Critical{}, fmt.Errorf("FindCritical: iteration %d: %w", res.Iter, err)
		}
		vals, vecs, err := eigenSym(H, true)
		if err != nil {
			return Critical{}, fmt.Errorf("FindCritical: iteration %d: Hessian %w", res.Iter, err)
		}
		res.Heads = unflattenHeads(theta, k, d)
		res.Risk, res.RiskErr = ev.Risk, ev.RiskErr
		res.GradNorm, res.GradErr = gn, ev.GradErr
		res.MinEig, res.EigErr, res.Eigenvalues = vals[0], herr, vals

		converged := gn <= opts.GradTol+ev.GradErr
		saddle := vals[0]+herr < 0
		if converged && (opts.Target == TargetAny || !saddle) {
			res.Converged = true
			switch {
			case vals[0]-herr > 0:
				res.Reason = "converged: certified local minimizer (gradient within tolerance, Hessian positive definite beyond its error)"
			case saddle:
				res.Reason = "converged: certified saddle (gradient within tolerance, a Hessian eigenvalue negative beyond its error)"
			default:
				res.Reason = "converged: critical point; curvature inconclusive (smallest Hessian eigenvalue within its error of 0)"
			}
			return res, nil
		}
		if res.Iter >= opts.MaxIter {
			res.Reason = fmt.Sprintf("not converged: reached the iteration budget (%d steps) with ||grad|| = %.3g > tolerance + gradient error bound = %.3g", opts.MaxIter, gn, opts.GradTol+ev.GradErr)
			if converged {
				res.Reason = fmt.Sprintf("not converged: reached the iteration budget (%d steps) at a certified saddle (smallest eigenvalue %.3g) without escaping it", opts.MaxIter, vals[0])
			}
			return res, nil
		}

		var next []float64
		var nextEv theory.Eval
		var ok bool
		switch {
		case opts.Target == TargetAny:
			step := newtonStep(vals, vecs, g, func(l float64) float64 {
				m := 1e-8 * math.Max(math.Abs(vals[0]), math.Abs(vals[len(vals)-1]))
				return dampedInverse(l, m)
			})
			next, nextEv, ok = lineSearch(obj, theta, k, d, step, opts.MaxStep, func(a float64, e theory.Eval) bool {
				return vecNorm(flattenHeads(e.Grad)) <= (1-armijoC*a)*gn
			})
		case converged && saddle:
			// Escape along the eigenvector of the most negative eigenvalue,
			// oriented downhill (or arbitrarily when g is orthogonal to it).
			v := mat.Col(nil, 0, vecs)
			if vecDot(v, g) > 0 {
				vecScale(-1, v)
			}
			vecScale(opts.MaxStep/vecNorm(v), v)
			next, nextEv, ok = lineSearch(obj, theta, k, d, v, opts.MaxStep, func(_ float64, e theory.Eval) bool {
				return e.Risk+e.RiskErr < ev.Risk-ev.RiskErr
			})
		default:
			pd := vals[0] > 0
			lmax := math.Max(math.Abs(vals[0]), math.Abs(vals[len(vals)-1]))
			step := newtonStep(vals, vecs, g, func(l float64) float64 {
				if pd {
					return 1 / l
				}
				return 1 / math.Max(math.Abs(l), 1e-8*lmax)
			})
			slope := vecDot(g, step) // < 0: a descent direction
			next, nextEv, ok = lineSearch(obj, theta, k, d, step, opts.MaxStep, func(a float64, e theory.Eval) bool {
				if e.Risk+e.RiskErr <= ev.Risk-ev.RiskErr+armijoC*a*slope {
					return true
				}
				return pd && vecNorm(flattenHeads(e.Grad)) <= (1-armijoC*a)*gn && e.Risk-e.RiskErr <= ev.Risk+ev.RiskErr
			})
		}
		if !ok {
			res.Reason = fmt.Sprintf("not converged: line search found no acceptable step at iteration %d (||grad|| = %.3g, gradient error bound %.3g, risk error bound %.3g); decreases are likely below the error level", res.Iter, gn, ev.GradErr, ev.RiskErr)
			return res, nil
		}
		theta, ev = next, nextEv
		res.Iter++
	}
}

// newtonStep returns -sum_j f(lambda_j) <v_j, g> v_j for the eigenpairs
// (vals, columns of vecs) of a symmetric matrix.
func newtonStep(vals []float64, vecs *mat.Dense, g []float64, f func(float64) float64) []float64 {
	n := len(g)
	step := make([]float64, n)
	for j, l := range vals {
		c := 0.0
		for r := range n {
			c += vecs.At(r, j) * g[r]
		}
		c *= -f(l)
		if math.IsNaN(c) || math.IsInf(c, 0) {
			continue // a zero eigenvalue in a non-damped step: drop the component
		}
		for r := range n {
			step[r] += c * vecs.At(r, j)
		}
	}
	return step
}

// lineSearch tries theta + a*step for a = 1, 1/2, ... (after scaling step
// to norm at most maxStep) until accept(a, eval) holds, evaluation errors
// counting as rejections. It returns the accepted point and its
// evaluation, or ok = false after maxBacktrack halvings.
func lineSearch(obj theory.Objective, theta []float64, k, d int, step []float64, maxStep float64,
	accept func(a float64, e theory.Eval) bool) (next []float64, ev theory.Eval, ok bool) {
	if sn := vecNorm(step); sn > maxStep {
		step = append([]float64(nil), step...)
		vecScale(maxStep/sn, step)
	}
	if vecNorm(step) == 0 {
		return nil, theory.Eval{}, false
	}
	a := 1.0
	for range maxBacktrack {
		next = make([]float64, len(theta))
		for i := range theta {
			next[i] = theta[i] + a*step[i]
		}
		e, err := obj.Eval(unflattenHeads(next, k, d))
		if err == nil && accept(a, e) {
			return next, e, true
		}
		a /= 2
	}
	return nil, theory.Eval{}, false
}

// vecNorm returns the Euclidean norm of v (overflow-safe).
func vecNorm(v []float64) float64 { return theory.Norm(v) }

// vecDot returns <a, b>.
func vecDot(a, b []float64) float64 { return theory.Inner(a, b) }

// vecScale multiplies v by c in place.
func vecScale(c float64, v []float64) { theory.Scale(c, v) }

// dampedInverse returns l / (l^2 + m^2), the regularized inverse of an
// eigenvalue l used by the damped Newton step to a critical point of any
// index: for m > 0 it has the sign of l, is at most 1/(2m) in absolute
// value (reached at |l| = m), and differs from 1/l by a relative
// m^2 / (l^2 + m^2), so eigenvalues far above m are inverted almost
// exactly while near-zero ones cannot blow the step up. m = 0 gives 1/l
// (+-Inf at l = 0, which newtonStep drops).
func dampedInverse(l, m float64) float64 {
	return l / (l*l + m*m)
}
