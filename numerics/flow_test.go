package numerics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"attnclust/theory"
)

func TestGradientFlowQuadratic(t *testing.T) {
	// A = M M^T + I is positive definite; the minimizer solves A x = -b.
	a := [][]float64{{3, 1, 0, 0}, {1, 2, 0.5, 0}, {0, 0.5, 1.5, 0.2}, {0, 0, 0.2, 1}}
	b := []float64{1, -1, 2, 0.5}
	obj := quadratic(2, 2, a, b)
	// The default GradTol 1e-6 is above the certification floor
	// ||g|| ~ sqrt(2 RiskErr / step) ~ 1e-7 (RiskErr ~ 4 eps |R|).
	f, err := GradientFlow(obj, [][]float64{{5, -5}, {3, 0}}, FlowOptions{Record: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Converged {
		t.Fatalf("not converged: %+v", f.Reason)
	}
	// Residual of A x = -b is the gradient, <= 1e-6.
	x := flattenHeads(f.Heads)
	for i := range a {
		r := b[i]
		for j := range a {
			r += a[i][j] * x[j]
		}
		if math.Abs(r) > 1e-6 {
			t.Errorf("residual %d = %v", i, r)
		}
	}
	if len(f.Path) != f.Iter+1 || f.Path[0].Iter != 0 || f.Path[len(f.Path)-1].Iter != f.Iter {
		t.Fatalf("path of %d points for %d iterations", len(f.Path), f.Iter)
	}
	for i := 1; i < len(f.Path); i++ {
		if !(f.Path[i].Risk < f.Path[i-1].Risk) {
			t.Fatalf("risk not decreasing at step %d: %v then %v", i, f.Path[i-1].Risk, f.Path[i].Risk)
		}
	}
	if f.Evals < f.Iter+1 {
		t.Errorf("Evals %d < Iter+1 = %d", f.Evals, f.Iter+1)
	}
}

func TestGradientFlowDoubleWell(t *testing.T) {
	obj, toY, toTheta := doubleWell(2, 2)
	start := toTheta([]float64{0.5, -0.1, 2, -0.7})
	f, err := GradientFlow(obj, unflattenHeads(start, 2, 2), FlowOptions{Record: 10})
	if err != nil {
		t.Fatal(err)
	}
	y := toY(flattenHeads(f.Heads))
	if !f.Converged {
		t.Fatalf("flow %+v", f)
	}
	for i := range y {
		// Gradient <= 1e-6 at curvature 8: within 2e-7 of a minimizer
		// (which one depends on the step sizes: y_2 = 2 overshoots).
		if math.Abs(math.Abs(y[i])-1) > 2e-7 {
			t.Fatalf("y = %v, flow %+v", y, f)
		}
	}
	for i, p := range f.Path {
		if i > 0 && (p.Iter%10 != 0 && i != len(f.Path)-1) {
			t.Errorf("recorded iteration %d with Record = 10", p.Iter)
		}
	}
}

// TestGradientFlowCertifiedDecrease runs the flow on an objective whose
// evaluations carry errors as large as their bounds, and checks with the
// exact (noise-free) risk that every accepted step decreased it, and that
// the flow stops with the documented reason when decreases become
// uncertifiable.
func TestGradientFlowCertifiedDecrease(t *testing.T) {
	obj, _, toTheta := doubleWell(3, 2)
	obj.riskErr, obj.gradErr = 1e-6, 1e-6
	exact := func(heads [][]float64) float64 {
		v, _ := obj.f(flattenHeads(heads))
		return v
	}
	start := toTheta([]float64{0.2, -0.3, 1.5, 0.9, -2, 0.1})
	f, err := GradientFlow(obj, unflattenHeads(start, 2, 3), FlowOptions{GradTol: 1e-12, Record: 1})
	if err != nil {
		t.Fatal(err)
	}
	if f.Converged || !strings.Contains(f.Reason, "decrease no longer certifiable at risk-error level") {
		t.Fatalf("flow %+v", f)
	}
	for i := 1; i < len(f.Path); i++ {
		prev, cur := exact(f.Path[i-1].Heads), exact(f.Path[i].Heads)
		if !(cur < prev) {
			t.Fatalf("exact risk increased at step %d: %v -> %v", f.Path[i].Iter, prev, cur)
		}
	}
	// It got as far as the errors allow: near a minimizer, where the
	// certification floor is ||g||^2 s ~ 2 RiskErr, i.e. ||g|| ~ 1e-2.
	if f.Risk > 1e-3 {
		t.Errorf("stopped at risk %v", f.Risk)
	}
}

func TestGradientFlowMaxIterAndErrors(t *testing.T) {
	obj, _, toTheta := doubleWell(2, 2)
	start := unflattenHeads(toTheta([]float64{0.5, -0.1, 2, -0.7}), 2, 2)
	f, err := GradientFlow(obj, start, FlowOptions{MaxIter: 3})
	if err != nil {
		t.Fatal(err)
	}
	if f.Converged || f.Iter != 3 || !strings.Contains(f.Reason, "iteration budget") {
		t.Errorf("flow %+v", f)
	}
	cases := []struct {
		name string
		obj  theory.Objective
		opts FlowOptions
		want string
	}{
		{"nil", nil, FlowOptions{}, "nil"},
		{"step", obj, FlowOptions{Step0: -1}, "Step0"},
		{"tol", obj, FlowOptions{GradTol: math.Inf(1)}, "GradTol"},
		{"armijo", obj, FlowOptions{Armijo: 1}, "Armijo"},
		{"record", obj, FlowOptions{Record: -2}, "Record"},
	}
	for _, c := range cases {
		if _, err := GradientFlow(c.obj, start, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := GradientFlow(obj, [][]float64{{1, 2}}, FlowOptions{}); err == nil || !strings.Contains(err.Error(), "heads") {
		t.Errorf("bad start: %v", err)
	}
}

// TestGradientFlowTheoryExample is the integration test on docs/MODEL.md §10's
// example (d = 2, sigma = 1, mu* = (3,0),(0,3), lambda = 1, dot variant):
// from a small-scale initialization the certified flow reaches the
// symmetric minimizer (up to swapping the heads), and FindCritical polishes
// it to a certified minimizer.
func TestGradientFlowTheoryExample(t *testing.T) {
	mix := mustMixture(t, []float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	obj, err := NewRisk(mix, theory.Prototype{Variant: theory.Dot, Lambda: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{3.0444581, -0.0444581}, {-0.0444581, 3.0444581}}
	for seed := range uint64(3) {
		start, err := Init(SmallScale, mix, rand.New(rand.NewPCG(seed, 0)), InitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f, err := GradientFlow(obj, start, FlowOptions{Record: 50})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: %d steps, %d evaluations, R = %.12f, |grad| = %.2g; %s", seed, f.Iter, f.Evals, f.Risk, f.GradNorm, f.Reason)
		if !f.Converged {
			t.Fatalf("seed %d: flow did not converge: %s", seed, f.Reason)
		}
		heads := f.Heads
		if heads[0][0] < heads[1][0] {
			heads = [][]float64{heads[1], heads[0]}
		}
		// Gradient <= 1e-6 at smallest curvature 0.717: within 1.5e-6.
		for h := range want {
			if theory.Dist(heads[h], want[h]) > 2e-6 {
				t.Errorf("seed %d: head %d = %v, want %v", seed, h, heads[h], want[h])
			}
		}
		for i := 1; i < len(f.Path); i++ {
			if !(f.Path[i].Risk < f.Path[i-1].Risk) {
				t.Errorf("seed %d: risk not decreasing along the path", seed)
			}
		}
		c, err := FindCritical(obj, heads, CriticalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Minimizer() || math.Abs(c.Risk-1.765203958662) > 5e-13+c.RiskErr {
			t.Errorf("seed %d: polish: %+v", seed, c)
		}
	}
}
