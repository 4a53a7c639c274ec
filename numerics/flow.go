package numerics

import (
	"errors"
	"fmt"
	"math"

	"attnclust/theory"
)

// FlowOptions controls GradientFlow. Zero values select the defaults.
type FlowOptions struct {
	// Step0 is the first trial step size (in parameter units per unit
	// gradient). Default 0.1. The step adapts: it doubles after each
	// accepted step (up to 1e8 Step0) and halves after each rejected
	// trial.
	Step0 float64
	// MaxIter bounds the number of accepted steps. Default 10000.
	MaxIter int
	// GradTol is the tolerance on the Euclidean norm of the stacked
	// gradient: the flow has converged when ||grad|| <= GradTol +
	// GradErr. Default 1e-6 (certified decreases stall near
	// ||grad|| ~ sqrt(RiskErr / step), so a much smaller tolerance is
	// usually unreachable; polish with FindCritical).
	GradTol float64
	// Armijo is the sufficient-decrease constant c in (0, 1). Default 0.3.
	// With the doubling step rule a small c (say 1e-4) lets the step
	// settle just below 2/L (L the largest curvature), where gradient
	// descent contracts the stiff direction by only |1 - s L| ~ 1 - 2c:
	// measured 60 times slower on the reference problems of docs/MODEL.md §10. c = 0.3 keeps
	// accepted steps below 1.4/L.
	Armijo float64
	// Record keeps every Record-th accepted iterate in Flow.Path (plus
	// the start and the final point); 0 keeps no path.
	Record int
}

// FlowPoint is one recorded iterate of a gradient flow.
type FlowPoint struct {
	Iter     int         // number of accepted steps before this point
	Heads    [][]float64 // copy of the parameters
	Risk     float64     // R(Heads)
	GradNorm float64     // ||grad R(Heads)||
}

// Flow is the result of GradientFlow.
type Flow struct {
	Heads    [][]float64 // final point
	Risk     float64     // R(Heads)
	RiskErr  float64     // error bound of Risk
	GradNorm float64     // ||grad R(Heads)||, gradient stacked over heads
	GradErr  float64     // error bound of the gradient
	Iter     int         // accepted steps
	// Evals counts objective evaluations, the start included.
	Evals     int
	Converged bool   // ||grad|| <= GradTol + GradErr at Heads
	Reason    string // why the flow stopped, in words
	// Path holds the recorded iterates (see FlowOptions.Record), in order.
	Path []FlowPoint
}

// maxStepGrowth caps the adaptive step of GradientFlow at this multiple
// of Step0, so that it stays finite on objectives unbounded below.
const maxStepGrowth = 1e8

// GradientFlow runs gradient descent from start with a certified monotone
// decrease of the risk. A trial step theta' = theta - s g is accepted only
// when
//
//	R(theta') + RiskErr(theta') < R(theta) - RiskErr(theta) - c s ||g||^2,
//
// which, since RiskErr bounds the evaluation errors, proves that the exact
// risk decreased by more than c s ||g||^2 (c = Armijo). After an accepted
// step s doubles; after a rejected trial (or a failed evaluation) it
// halves. The flow stops
//
//   - with Converged = true when ||g|| <= GradTol + GradErr;
//   - with Converged = false when even the first-order decrease s ||g||^2
//     of the current trial step cannot exceed the threshold RiskErr(theta) +
//     RiskErr(theta') + c s ||g||^2, or when the step no longer moves theta;
//     Reason then says "decrease no longer certifiable at risk-error level";
//   - with Converged = false after MaxIter accepted steps.
//
// The exact risk along the accepted iterates is therefore strictly
// decreasing, whatever the objective's numerical errors (provided its
// RiskErr bounds hold). An error is returned for invalid arguments and
// when the objective cannot be evaluated at start.
func GradientFlow(obj theory.Objective, start [][]float64, opts FlowOptions) (Flow, error) {
	if obj == nil {
		return Flow{}, errors.New("GradientFlow: objective is nil")
	}
	d, k := obj.Dim(), obj.Heads()
	if err := validateHeadsShape(start, k, d); err != nil {
		return Flow{}, fmt.Errorf("GradientFlow: start: %w", err)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"Step0", opts.Step0}, {"GradTol", opts.GradTol}, {"Armijo", opts.Armijo}} {
		if p.v < 0 || math.IsNaN(p.v) || math.IsInf(p.v, 0) {
			return Flow{}, fmt.Errorf("GradientFlow: %s must be finite and >= 0, got %v", p.name, p.v)
		}
	}
	if opts.Armijo >= 1 {
		return Flow{}, fmt.Errorf("GradientFlow: Armijo must be in (0, 1), got %v", opts.Armijo)
	}
	if opts.MaxIter < 0 || opts.Record < 0 {
		return Flow{}, fmt.Errorf("GradientFlow: MaxIter and Record must be >= 0, got %d and %d", opts.MaxIter, opts.Record)
	}
	if opts.Step0 == 0 {
		opts.Step0 = 0.1
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 10000
	}
	if opts.GradTol == 0 {
		opts.GradTol = 1e-6
	}
	if opts.Armijo == 0 {
		opts.Armijo = 0.3
	}

	theta := flattenHeads(start)
	ev, err := obj.Eval(start)
	if err != nil {
		return Flow{}, fmt.Errorf("GradientFlow: evaluation at the start: %w", err)
	}
	f := Flow{Evals: 1}
	g := flattenHeads(ev.Grad)
	gn := vecNorm(g)
	record := func() {
		f.Path = append(f.Path, FlowPoint{Iter: f.Iter, Heads: unflattenHeads(theta, k, d), Risk: ev.Risk, GradNorm: gn})
	}
	if opts.Record > 0 {
		record()
	}
	finish := func(converged bool, reason string) (Flow, error) {
		f.Heads = unflattenHeads(theta, k, d)
		f.Risk, f.RiskErr, f.GradNorm, f.GradErr = ev.Risk, ev.RiskErr, gn, ev.GradErr
		f.Converged, f.Reason = converged, reason
		if opts.Record > 0 && f.Path[len(f.Path)-1].Iter != f.Iter {
			record()
		}
		return f, nil
	}

	step := opts.Step0
	trial := make([]float64, len(theta))
	for {
		if gn <= opts.GradTol+ev.GradErr {
			return finish(true, fmt.Sprintf("converged: ||grad|| = %.3g <= tolerance + gradient error bound = %.3g", gn, opts.GradTol+ev.GradErr))
		}
		if f.Iter >= opts.MaxIter {
			return finish(false, fmt.Sprintf("not converged: reached the iteration budget (%d steps) with ||grad|| = %.3g", opts.MaxIter, gn))
		}
		g2 := gn * gn
		var lastErr error
		for {
			moved := false
			for i := range theta {
				trial[i] = theta[i] - step*g[i]
				moved = moved || trial[i] != theta[i]
			}
			if !moved {
				reason := fmt.Sprintf("decrease no longer certifiable at risk-error level: the step %.3g no longer moves the parameters (||grad|| = %.3g, risk error bound %.3g)", step, gn, ev.RiskErr)
				if lastErr != nil {
					reason += fmt.Sprintf("; last trial evaluation failed: %v", lastErr)
				}
				return finish(false, reason)
			}
			te, err := obj.Eval(unflattenHeads(trial, k, d))
			f.Evals++
			lastErr = err
			if err == nil {
				need := ev.RiskErr + te.RiskErr + opts.Armijo*step*g2
				if te.Risk+te.RiskErr < ev.Risk-ev.RiskErr-opts.Armijo*step*g2 {
					theta, trial = trial, theta
					ev, g = te, flattenHeads(te.Grad)
					gn = vecNorm(g)
					f.Iter++
					step = math.Min(2*step, maxStepGrowth*opts.Step0)
					if opts.Record > 0 && f.Iter%opts.Record == 0 {
						record()
					}
					break
				}
				// To first order no step of this size or smaller can
				// decrease the risk by more than s ||g||^2: once that is
				// below the certification threshold, shrinking is useless.
				if step*g2 <= need {
					return finish(false, fmt.Sprintf("decrease no longer certifiable at risk-error level: step %.3g, ||grad|| = %.3g, predicted decrease %.3g <= errors + Armijo term %.3g", step, gn, step*g2, need))
				}
			}
			step /= 2
		}
	}
}
