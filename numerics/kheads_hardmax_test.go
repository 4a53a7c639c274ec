package numerics

import (
	"fmt"
	"math"
	"testing"

	"attnclust/theory"
)

// TestHardmaxPlanarAgreesWithK2 compares with the closed-form two-head
// hardmax path (NewRisk) for two components: the difference is within the
// sum of the two error bounds (risk, and each gradient entry against the
// sum of the gradient norm bounds).
func TestHardmaxPlanarAgreesWithK2(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			mix, heads := kSetup(t, 2, 2, 4, 0.9, seed)
			p, err := NewHardmaxPlanar(mix, 2)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Eval(heads)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := NewRisk(mix, theory.Prototype{Variant: theory.Hardmax})
			if err != nil {
				t.Fatal(err)
			}
			want, err := r2.Eval(heads)
			if err != nil {
				t.Fatal(err)
			}
			if diff := math.Abs(got.Risk - want.Risk); diff > got.RiskErr+want.RiskErr {
				t.Errorf("risk %.17g +- %.2g vs closed form %.17g +- %.2g", got.Risk, got.RiskErr, want.Risk, want.RiskErr)
			}
			for h := range heads {
				for i := range heads[h] {
					if diff := math.Abs(got.Grad[h][i] - want.Grad[h][i]); diff > got.GradErr+want.GradErr {
						t.Errorf("grad[%d][%d] %.17g vs closed form %.17g (bounds %.2g, %.2g)", h, i, got.Grad[h][i], want.Grad[h][i], got.GradErr, want.GradErr)
					}
				}
			}
			t.Logf("risk error bound %.2g (|diff| %.2g), gradient bound %.2g", got.RiskErr, math.Abs(got.Risk-want.Risk), got.GradErr)
		})
	}
}

// TestHardmaxPlanarAgreesWithRQMC compares with the statistical RiskK for
// three heads (K = 3 and 4 components) and for four heads in a common
// plane: within 4 standard errors plus the deterministic bound. Four heads
// spanning three dimensions are an error.
func TestHardmaxPlanarAgreesWithRQMC(t *testing.T) {
	type tc struct {
		name  string
		K, H  int
		plane bool
	}
	for _, c := range []tc{{"K=3/H=3", 3, 3, false}, {"K=4/H=3", 4, 3, false}, {"K=3/H=4 planar", 3, 4, true}} {
		t.Run(c.name, func(t *testing.T) {
			mix, heads := kSetup(t, c.K, c.H, 5, 1, 17)
			if c.plane { // the fourth head in the affine plane of the first three
				for i := range heads[3] {
					heads[3][i] = heads[0][i] + 0.6*(heads[1][i]-heads[0][i]) - 0.5*(heads[2][i]-heads[0][i])
				}
			}
			p, err := NewHardmaxPlanar(mix, c.H)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Eval(heads)
			if err != nil {
				t.Fatal(err)
			}
			ev := riskKOrFail(t, mix, theory.Prototype{Variant: theory.Hardmax}, OptionsK{Seed: 2}, heads)
			agreesWithRQMC(t, got, ev)
			t.Logf("risk %.15g +- %.2g (quasi-Monte Carlo SE %.2g), gradient bound %.2g", got.Risk, got.RiskErr, ev.Risk.SE, got.GradErr)
		})
	}
	mix, heads := kSetup(t, 3, 4, 5, 1, 17)
	p, err := NewHardmaxPlanar(mix, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Eval(heads); err == nil {
		t.Error("four heads spanning three dimensions: want an error")
	}
}

// TestHardmaxPlanarMonteCarlo: three heads and components, full-dimensional
// Monte Carlo, within 4 standard errors plus the bound.
func TestHardmaxPlanarMonteCarlo(t *testing.T) {
	mix, heads := kSetup(t, 3, 3, 6, 0.8, 23)
	p, err := NewHardmaxPlanar(mix, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Eval(heads)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := RiskMC(mix, theory.Prototype{Variant: theory.Hardmax}, heads, 20000, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := math.Abs(got.Risk - mc.Risk); diff > 4*mc.RiskSE+got.RiskErr {
		t.Errorf("risk %.12g vs Monte Carlo %.8g +- %.2g", got.Risk, mc.Risk, mc.RiskSE)
	}
	for h := range heads {
		for i := range heads[h] {
			if diff := math.Abs(got.Grad[h][i] - mc.Grad[h][i]); diff > 4*mc.GradSE[h][i]+got.GradErr {
				t.Errorf("grad[%d][%d] %.10g vs Monte Carlo %.8g +- %.2g", h, i, got.Grad[h][i], mc.Grad[h][i], mc.GradSE[h][i])
			}
		}
	}
}

// TestHardmaxPlanarMisclassification compares the deterministic
// misclassification rate with the statistical one of RiskK (distance
// variant, whose largest score is the nearest head): within 4 standard
// errors plus the bound.
func TestHardmaxPlanarMisclassification(t *testing.T) {
	mix, heads := kSetup(t, 3, 3, 4, 1.2, 29)
	p, err := NewHardmaxPlanar(mix, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Misclassification(heads)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRiskK(mix, theory.Prototype{Variant: theory.Distance, Lambda: 0.7}, OptionsK{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	est, err := r.Misclassification(heads)
	if err != nil {
		t.Fatal(err)
	}
	if diff := math.Abs(got.Value - est.Value); diff > 4*est.SE+got.Err {
		t.Errorf("misclassification %.12g +- %.2g vs quasi-Monte Carlo %.12g +- %.2g", got.Value, got.Err, est.Value, est.SE)
	}
	t.Logf("misclassification %.12g +- %.2g, quasi-Monte Carlo %.8g +- %.2g", got.Value, got.Err, est.Value, est.SE)
}

// TestKHeadsLowDimension: d = 1 with three heads (the head differences
// span one dimension) and a single head, for the randomized and the
// planar rules, against Monte Carlo within 4 combined standard errors
// (plus the planar bound).
func TestKHeadsLowDimension(t *testing.T) {
	for _, H := range []int{1, 3} {
		t.Run(fmt.Sprintf("H=%d", H), func(t *testing.T) {
			mix, heads := kSetup(t, 3, H, 1, 1, 61)
			mc, err := RiskMC(mix, theory.Prototype{Variant: theory.Hardmax}, heads, 20000, 8)
			if err != nil {
				t.Fatal(err)
			}
			ev := riskKOrFail(t, mix, theory.Prototype{Variant: theory.Hardmax}, OptionsK{Seed: 1}, heads)
			for _, b := range compareWithMC(ev, mc, 4) {
				t.Error("randomized:", b)
			}
			p, err := NewHardmaxPlanar(mix, H)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Eval(heads)
			if err != nil {
				t.Fatal(err)
			}
			if diff := math.Abs(got.Risk - mc.Risk); diff > 4*mc.RiskSE+got.RiskErr {
				t.Errorf("planar: risk %.12g vs Monte Carlo %.8g +- %.2g", got.Risk, mc.Risk, mc.RiskSE)
			}
			for h := range heads {
				if diff := math.Abs(got.Grad[h][0] - mc.Grad[h][0]); diff > 4*mc.GradSE[h][0]+got.GradErr {
					t.Errorf("planar: grad[%d] %.10g vs Monte Carlo %.8g +- %.2g", h, got.Grad[h][0], mc.Grad[h][0], mc.GradSE[h][0])
				}
			}
		})
	}
}
