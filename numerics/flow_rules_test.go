package numerics_test

// GradientFlow's documented rules pinned on a one-dimensional quadratic
// R = a theta^2 / 2 with stated errors, where every trial is computable by
// hand in exact binary arithmetic: theta' = theta (1 - s a), R' = a
// theta'^2/2, and the Armijo rule accepts iff
// R' + E < R - E - c s (a theta)^2.

import (
	"math"
	"strings"
	"testing"

	"attnclust/numerics"
	"attnclust/theory"
)

// quad1 is R = a theta^2/2 on one head of dimension one, reporting
// RiskErr = e and GradErr = ge (the values themselves are exact).
type quad1 struct{ a, e, ge float64 }

func (q quad1) Dim() int   { return 1 }
func (q quad1) Heads() int { return 1 }
func (q quad1) Eval(h [][]float64) (theory.Eval, error) {
	x := h[0][0]
	return theory.Eval{Risk: q.a * x * x / 2, RiskErr: q.e, Grad: [][]float64{{q.a * x}}, GradErr: q.ge}, nil
}

func TestFlowRules(t *testing.T) {
	start := [][]float64{{1}}
	t.Run("armijo default 0.3, custom value honoured", func(t *testing.T) {
		// a = 1, Step0 = 1.5: s a = 1.5 passes c = 0.05 (needs s a < 1.9)
		// and fails c = 0.3 (needs s a < 1.4), which then halves to 0.75.
		for _, c := range []struct {
			armijo, want float64
		}{{0, 0.25}, {0.05, -0.5}} {
			fl, err := numerics.GradientFlow(quad1{a: 1}, start, numerics.FlowOptions{Step0: 1.5, Armijo: c.armijo, MaxIter: 1, Record: 1})
			if err != nil {
				t.Fatal(err)
			}
			if got := fl.Path[1].Heads[0][0]; got != c.want {
				t.Errorf("Armijo %v: first accepted point %v, want %v", c.armijo, got, c.want)
			}
		}
	})
	t.Run("record 0 keeps no path", func(t *testing.T) {
		fl, err := numerics.GradientFlow(quad1{a: 1}, start, numerics.FlowOptions{MaxIter: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(fl.Path) != 0 {
			t.Errorf("Record = 0 kept %d path points", len(fl.Path))
		}
	})
	t.Run("converged at equality", func(t *testing.T) {
		// ||grad|| = 0.75 = GradTol 0.5 + GradErr 0.25 exactly
		fl, err := numerics.GradientFlow(quad1{a: 1, ge: 0.25}, [][]float64{{0.75}}, numerics.FlowOptions{GradTol: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		if !fl.Converged || fl.Iter != 0 || !strings.HasSuffix(fl.Reason, "0.75") {
			t.Errorf("||grad|| = GradTol + GradErr: converged %v after %d steps (%s), want converged at once, reason ending with the threshold 0.75", fl.Converged, fl.Iter, fl.Reason)
		}
	})
	t.Run("stop when decreases are below the errors", func(t *testing.T) {
		// E = 0.034, Step0 = 0.1: trial 1 (R' = 0.405) is rejected since
		// 0.405 + 0.034 >= 0.5 - 0.034 - 0.03, but s g^2 = 0.1 exceeds
		// 2E + c s g^2 = 0.098, so the flow halves; trial 2 (R' = 0.45125)
		// is rejected and 0.05 <= 0.068 + 0.015 stops it: 3 evaluations.
		fl, err := numerics.GradientFlow(quad1{a: 1, e: 0.034}, start, numerics.FlowOptions{Step0: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		if fl.Iter != 0 || fl.Evals != 3 || !strings.Contains(fl.Reason, "predicted decrease") {
			t.Errorf("got %d steps, %d evaluations (%s); want 0 steps, 3 evaluations, stopped on the predicted decrease", fl.Iter, fl.Evals, fl.Reason)
		}
	})
	t.Run("stop at equality", func(t *testing.T) {
		// theta = 2, Step0 = 0.125, c = 0.5, E = 0.125: trial R' =
		// 1.53125 is rejected (1.65625 >= 1.625), and s g^2 = 0.5 equals
		// 2E + c s g^2 = 0.5 exactly: the flow stops after 2 evaluations
		// and reports the predicted decrease s g^2 = 0.5.
		fl, err := numerics.GradientFlow(quad1{a: 1, e: 0.125}, [][]float64{{2}}, numerics.FlowOptions{Step0: 0.125, Armijo: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		if fl.Iter != 0 || fl.Evals != 2 || !strings.Contains(fl.Reason, "predicted decrease 0.5 ") {
			t.Errorf("got %d steps, %d evaluations (%s); want 0 steps, 2 evaluations, predicted decrease 0.5", fl.Iter, fl.Evals, fl.Reason)
		}
	})
	t.Run("acceptance is strict", func(t *testing.T) {
		// Step0 = 0.5, c = 0.25, E = 0.125: R' + E = 0.125 + 0.125 equals
		// R - E - c s g^2 = 0.5 - 0.125 - 0.125 exactly: not accepted.
		fl, err := numerics.GradientFlow(quad1{a: 1, e: 0.125}, start, numerics.FlowOptions{Step0: 0.5, Armijo: 0.25})
		if err != nil {
			t.Fatal(err)
		}
		if fl.Iter != 0 {
			t.Errorf("a step with decrease exactly at the threshold was accepted (%s)", fl.Reason)
		}
	})
	t.Run("step doubles after acceptance up to 1e8 Step0", func(t *testing.T) {
		// a = 2^-26, Step0 = 0.5: steps 0.5 * 2^k until the cap 5e7
		// (s a = 0.745 < 1.4, always accepted).
		a := math.Ldexp(1, -26)
		fl, err := numerics.GradientFlow(quad1{a: a}, start, numerics.FlowOptions{Step0: 0.5, MaxIter: 32, Record: 1, GradTol: 1e-300})
		if err != nil {
			t.Fatal(err)
		}
		if len(fl.Path) < 33 {
			t.Fatalf("path has %d points, want 33 (%s)", len(fl.Path), fl.Reason)
		}
		for k := range 32 {
			x, y := fl.Path[k].Heads[0][0], fl.Path[k+1].Heads[0][0]
			s := (x - y) / (a * x)
			want := math.Min(0.5*math.Ldexp(1, k), 1e8*0.5)
			// s is recovered from rounded iterates: relative 1e-6 is far
			// above that rounding and far below a factor-2 change
			if math.Abs(s-want) > 1e-6*want {
				t.Fatalf("step %d: size %.9g, want %.9g", k, s, want)
			}
		}
	})
}
