package numerics

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"attnclust/theory"
)

// TestPanelBound: the a priori bound that lets the quadrature drop far
// end panels must bound the integral of |f| of every remainder component
// over any panel on one side of the step; the integral is computed with
// the 21-point Kronrod rule on 64 subpanels (its own error is far below
// the 1e-9 relative slack, which only absorbs that rounding: the bound is
// a product of maxima and is usually loose by orders of magnitude).
func TestPanelBound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		kappa := math.Pow(10, rapid.Float64Range(0, 8).Draw(t, "log10kappa"))
		z0 := rapid.Float64Range(-9, 9).Draw(t, "z0")
		c := cparams{
			beta: rapid.Float64Range(-20, 20).Draw(t, "beta"),
			s:    rapid.Float64Range(0, 10).Draw(t, "s"),
			a2:   rapid.Float64Range(0, 50).Draw(t, "a2"),
			pbar: rapid.Float64Range(0, 1).Draw(t, "pbar"),
		}
		g := stepIntegrand{c: c, kappa: kappa, o: z0, ab: math.Abs(c.beta), pa2: c.pbar * c.a2}
		// a panel within 40/kappa of the step, on either side, in v = z - z0
		u1 := rapid.Float64Range(0, 40).Draw(t, "u1")
		u2 := rapid.Float64Range(0, 40).Draw(t, "u2")
		a, b := math.Min(u1, u2)/kappa, math.Max(u1, u2)/kappa
		if rapid.Bool().Draw(t, "left") {
			a, b = -b, -a
		}
		if !(b > a) {
			return
		}
		bd := g.panelBound(a, b)
		var abs [nVec]float64
		var fv panelVals
		const sub = 64
		for k := 0; k < sub; k++ {
			lo, hi := a+(b-a)*float64(k)/sub, a+(b-a)*float64(k+1)/sub
			h := (hi - lo) / 2
			g.panel((lo+hi)/2, h, &fv)
			for i := 0; i < nVec; i++ {
				s := gk21.wkc * math.Abs(fv.c[i])
				for j := 0; j < nPairs; j++ {
					s += gk21.wk[j] * (math.Abs(fv.lo[j][i]) + math.Abs(fv.hi[j][i]))
				}
				abs[i] += s * h
			}
		}
		for i := 0; i < nVec; i++ {
			if abs[i] > bd[i]*(1+1e-9) {
				t.Fatalf("component %d on [%g, %g]: integral of |f| %.6g above the bound %.6g", i, a, b, abs[i], bd[i])
			}
		}
	})
}

// TestEvalIntoReuses: EvalInto gives exactly Eval's result, reuses a
// gradient of the right shape (and replaces one of the wrong shape), and
// does not allocate in steady state (not checked under -race, where
// sync.Pool drops items on purpose), for every variant and for lambda
// across the smooth, step and large-slope regimes.
func TestEvalIntoReuses(t *testing.T) {
	for _, v := range []theory.Variant{theory.Dot, theory.Distance, theory.Hardmax} {
		for _, lam := range []float64{0, 0.1, 1, 100, 1e8} {
			mix, heads := benchSetup(t, 64)
			r, err := NewRisk(mix, theory.Prototype{Variant: v, Lambda: lam})
			if err != nil {
				t.Fatal(err)
			}
			want, err := r.Eval(heads)
			if err != nil {
				t.Fatal(err)
			}
			dst := theory.Eval{Grad: [][]float64{make([]float64, 3)}} // wrong shape
			if err := r.EvalInto(heads, &dst); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, dst); diff != "" {
				t.Errorf("variant %v lambda %g: EvalInto differs from Eval (-want +got):\n%s", v, lam, diff)
			}
			g0 := &dst.Grad[0][0]
			allocs := testing.AllocsPerRun(20, func() {
				if err := r.EvalInto(heads, &dst); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 && !raceEnabled {
				t.Errorf("variant %v lambda %g: %v allocations per EvalInto, want 0", v, lam, allocs)
			}
			if &dst.Grad[0][0] != g0 {
				t.Errorf("variant %v lambda %g: gradient storage not reused", v, lam)
			}
			if diff := cmp.Diff(want, dst); diff != "" {
				t.Errorf("variant %v lambda %g: repeated EvalInto differs (-want +got):\n%s", v, lam, diff)
			}
		}
	}
}
