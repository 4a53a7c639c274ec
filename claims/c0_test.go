package claims

import (
	"math"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"

	"attnclust/numerics"
	"attnclust/theory"
)

// TestC0Property: C0 holds (never FAILS) on random regimes of the full
// ranges of docs/MODEL.md §7; rapid shrinks any counterexample.
func TestC0Property(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		CheckProperty(t, Env{Quick: true}, C0{}, (C0{}).Ranges().Generator())
	})
}

// TestC0ChecksPresent pins which checks run on which variant, so that a
// check cannot silently disappear.
func TestC0ChecksPresent(t *testing.T) {
	cat := loadCatalogT(t)
	cases := []struct {
		regime string
		want   []string
	}{
		{"reference-dot", []string{"C0.error-budget", "C0.lambda-zero", "C0.grad-error-budget", "C0.monte-carlo", "C0.gradient-fd", "C0.swap", "C0.rotation"}},
		{"reference-distance", []string{"C0.error-budget", "C0.lambda-zero", "C0.grad-error-budget", "C0.monte-carlo", "C0.gradient-fd", "C0.swap", "C0.rotation", "C0.translation"}},
		{"reference-hardmax", []string{"C0.error-budget", "C0.hardmax-closed-form", "C0.grad-error-budget", "C0.monte-carlo", "C0.gradient-fd", "C0.swap", "C0.rotation", "C0.translation"}},
	}
	for _, c := range cases {
		res := (C0{}).Check(Env{Quick: true}, cat[c.regime])
		if len(res) != len(c.want) {
			t.Errorf("%s: %d checks, want %d", c.regime, len(res), len(c.want))
			continue
		}
		for i, w := range c.want {
			if res[i].Check != w || res[i].Verdict != Holds {
				t.Errorf("%s: check %d is %s %s, want %s HOLDS", c.regime, i, res[i].Check, res[i].Verdict, w)
			}
			if res[i].Role != RoleSanity || res[i].Kind == "" || (res[i].Kind == KindStatistical) != (res[i].Level > 0) {
				t.Errorf("%s: %s has role %q kind %q level %v", c.regime, res[i].Check, res[i].Role, res[i].Kind, res[i].Level)
			}
		}
	}
}

// gradBugModel wraps the reduction: it moves the gradient by shift times
// the certified bound GradErr in a random unit direction, and reports
// scale times GradErr as its bound.
type gradBugModel struct{ shift, scale float64 }

func (gradBugModel) Name() string { return "grad-bug" }
func (m gradBugModel) Objective(mix theory.Mixture, l theory.Prototype) (theory.Objective, error) {
	o, err := numerics.Reduced{}.Objective(mix, l)
	return gradBugObjective{o, m}, err
}

type gradBugObjective struct {
	theory.Objective
	m gradBugModel
}

func (o gradBugObjective) Eval(heads [][]float64) (theory.Eval, error) {
	ev, err := o.Objective.Eval(heads)
	if err != nil {
		return ev, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	dir := make([][]float64, len(ev.Grad))
	n := 0.0
	for h := range ev.Grad {
		dir[h] = make([]float64, len(ev.Grad[h]))
		for i := range dir[h] {
			dir[h][i] = rng.NormFloat64()
			n += dir[h][i] * dir[h][i]
		}
	}
	for h := range ev.Grad {
		for i := range ev.Grad[h] {
			ev.Grad[h][i] += o.m.shift * ev.GradErr * dir[h][i] / math.Sqrt(n)
		}
	}
	ev.GradErr *= o.m.scale
	return ev, nil
}

// TestC0GradBudgetPlanted: C0.grad-error-budget HOLDS with the correct
// model, and FAILS when the stated gradient bound is a hundredth of one
// that the evaluation needs (the gradient carries an error equal to its
// original bound), and when the gradient is off by 3 times its (unscaled)
// bound. The reference's error estimate is about 0.6 of the model's
// bound (rounding-dominated in both), so an error of at least ~1.6 bounds
// is what the check can resolve; a bound that is merely pessimistic is,
// correctly, not flagged.
func TestC0GradBudgetPlanted(t *testing.T) {
	cat := loadCatalogT(t)
	for _, name := range []string{"reference-dot", "reference-distance", "reference-hardmax", "high-dim-64", "unequal-norms-dot", "in-context-d16"} {
		r := cat[name]
		get := func(env Env) Result {
			for _, x := range (C0{}).Check(env, r) {
				if x.Check == "C0.grad-error-budget" {
					return x
				}
			}
			t.Fatalf("%s: no C0.grad-error-budget", name)
			return Result{}
		}
		if g := get(Env{Quick: true}); g.Verdict != Holds {
			t.Errorf("%s: correct model gives %v (margin %.3g err %.2g) %s", name, g.Verdict, g.Margin, g.Err, g.Note)
		}
		for _, m := range []gradBugModel{{shift: 1, scale: 0.01}, {shift: 3, scale: 1}} {
			if b := get(Env{Quick: true, Model: m}); b.Verdict != Fails {
				t.Errorf("%s: planted %+v gives %v (margin %.3g err %.2g)", name, m, b.Verdict, b.Margin, b.Err)
			}
		}
	}
}

// TestRefGradientRule: the 20-point Gauss-Legendre rule integrates
// polynomials up to degree 39 exactly (x^38 on [-1, 1]: 2/39) and its
// weights sum to 1 on the half nodes (2 on [-1, 1]); 1e-15 relative:
// a sum of 20 rounded products.
func TestRefGradientRule(t *testing.T) {
	var sw, s38 float64
	for n, x := range gl20x {
		sw += 2 * gl20w[n]
		s38 += 2 * gl20w[n] * math.Pow(x, 38)
	}
	if math.Abs(sw-2) > 2e-15 || math.Abs(s38-2.0/39)/(2.0/39) > 1e-14 {
		t.Errorf("weights sum %v (want 2), x^38 integral %v (want %v)", sw, s38, 2.0/39)
	}
}

// TestC0HypothesesBoundary: C0's hypotheses are exactly a valid regime:
// just inside and just outside each validity rule.
func TestC0HypothesesBoundary(t *testing.T) {
	in := Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 4, Variant: "distance", LambdaSigma2: 1, Seed: 1}
	mod := func(f func(*Regime)) Regime { r := in; f(&r); return r }
	cases := []struct {
		name string
		r    Regime
		want bool
	}{
		{"reference", in, true},
		{"sigma tiny", mod(func(r *Regime) { r.Sigma = 1e-300 }), true},
		{"sigma 0", mod(func(r *Regime) { r.Sigma = 0 }), false},
		{"pi1 1e-9", mod(func(r *Regime) { r.Pi1 = 1e-9 }), true},
		{"pi1 0", mod(func(r *Regime) { r.Pi1 = 0 }), false},
		{"pi1 1 - 1e-9", mod(func(r *Regime) { r.Pi1 = 1 - 1e-9 }), true},
		{"pi1 1", mod(func(r *Regime) { r.Pi1 = 1 }), false},
		{"separation tiny", mod(func(r *Regime) { r.Separation = 1e-9 }), true},
		{"separation 0", mod(func(r *Regime) { r.Separation = 0 }), false},
		{"lambda sigma^2 0", mod(func(r *Regime) { r.LambdaSigma2 = 0 }), true},
		{"lambda sigma^2 negative", mod(func(r *Regime) { r.LambdaSigma2 = -1e-9 }), false},
		{"angle pi", mod(func(r *Regime) { r.Geometry, r.Angle = Angle, math.Pi }), true},
		{"angle above pi", mod(func(r *Regime) { r.Geometry, r.Angle = Angle, math.Nextafter(math.Pi, 4) }), false},
		{"d 1 antipodal", mod(func(r *Regime) { r.D, r.Geometry = 1, Antipodal }), true},
		{"d 0", mod(func(r *Regime) { r.D, r.Geometry = 0, Antipodal }), false},
	}
	for _, c := range cases {
		if got := (C0{}).InHypotheses(c.r); got != c.want {
			t.Errorf("%s: InHypotheses = %v, want %v", c.name, got, c.want)
		}
		if !c.want {
			// outside: the checks report INCONCLUSIVE, never panic or FAIL
			for _, x := range (C0{}).Check(Env{Quick: true}, c.r) {
				if x.Verdict != Inconclusive || x.Role != RoleSanity {
					t.Errorf("%s: %s %v role %q on an invalid regime", c.name, x.Check, x.Verdict, x.Role)
				}
			}
		}
	}
	if h := (C0{}).Hypotheses(); len(h) != 1 || h[0].Provenance != FromPaper {
		t.Errorf("hypotheses %+v", h)
	}
}
