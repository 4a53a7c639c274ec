package numerics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"attnclust/theory"
)

// TestReductionMatchesMonteCarlo compares the one-dimensional reduction
// with brute-force Monte Carlo in the full dimension d in {2, 7, 33}, the
// whole configuration (centroids and heads) rotated by a random orthogonal
// map, for both softmax variants and hardmax: the risk and every gradient
// component agree within 4 standard errors (seeded, so deterministic; with
// 1 + 2d components a 4-SE band is exceeded by chance with probability
// below 1% per configuration, and the seeds below pass).
func TestReductionMatchesMonteCarlo(t *testing.T) {
	for _, d := range []int{2, 7, 33} {
		for _, v := range []theory.Variant{theory.Dot, theory.Distance, theory.Hardmax} {
			t.Run(fmt.Sprintf("d=%d/%v", d, v), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(d), uint64(v)))
				q := randomOrthogonal(d, rng)
				embed := func(a, b float64) []float64 {
					x := make([]float64, d)
					x[0] = a
					if d > 1 {
						x[1] = b
					}
					return applyQ(q, x)
				}
				mix := mixOrFail(t, []float64{0.4, 0.6}, [][]float64{embed(2.5, 0.5), embed(-0.5, 2)}, 0.8)
				heads := [][]float64{embed(2.2, 0.8), embed(-0.2, 1.7)}
				for _, h := range heads { // leave the plane too
					for i := range h {
						h[i] += 0.05 * rng.NormFloat64()
					}
				}
				l := theory.Prototype{Variant: v, Lambda: 1.3}
				ev := evalOrFail(t, mix, l, heads)
				mc, err := RiskMC(mix, l, heads, 100000, uint64(17*d))
				if err != nil {
					t.Fatal(err)
				}
				if z := math.Abs(ev.Risk-mc.Risk) / mc.RiskSE; z > 4 {
					t.Errorf("risk %.10g vs Monte Carlo %.10g +- %.2g (%.1f SE)", ev.Risk, mc.Risk, mc.RiskSE, z)
				}
				worst := 0.0
				for h := range heads {
					for i := range heads[h] {
						worst = math.Max(worst, math.Abs(ev.Grad[h][i]-mc.Grad[h][i])/mc.GradSE[h][i])
					}
				}
				if worst > 4 {
					t.Errorf("a gradient component is %.1f SE from Monte Carlo", worst)
				}
			})
		}
	}
}

// TestHessianConsistent checks the differenced Hessian of the real risk:
// symmetric to its error bound, and H v matches the directional derivative
// of the analytic gradient (Richardson-extrapolated central difference
// along a random unit v) to 1e-6 relative (the difference quotient's
// O(h^4) error with h = 1e-3).
func TestHessianConsistent(t *testing.T) {
	mix := mixOrFail(t, []float64{0.5, 0.5}, [][]float64{{3, 0, 0}, {0, 3, 0}}, 1)
	heads := [][]float64{{2.8, 0.3, 0.1}, {0.2, 3.1, -0.2}}
	for _, v := range []theory.Variant{theory.Dot, theory.Distance, theory.Hardmax} {
		r, err := NewRisk(mix, theory.Prototype{Variant: v, Lambda: 2})
		if err != nil {
			t.Fatal(err)
		}
		H, herr, err := Hessian(r, heads)
		if err != nil {
			t.Fatal(err)
		}
		n := H.SymmetricDim()
		rng := rand.New(rand.NewPCG(5, uint64(v)))
		dir := make([]float64, n)
		for i := range dir {
			dir[i] = rng.NormFloat64()
		}
		theory.Scale(1/theory.Norm(dir), dir)
		var hv mat.VecDense
		hv.MulVec(H, mat.NewVecDense(n, dir))
		grad := func(s float64) []float64 {
			p := theory.Clone(heads)
			for i := range dir {
				p[i/3][i%3] += s * dir[i]
			}
			ev, err := r.Eval(p)
			if err != nil {
				t.Fatal(err)
			}
			return append(append([]float64(nil), ev.Grad[0]...), ev.Grad[1]...)
		}
		cd := func(h float64) []float64 {
			gp, gm := grad(h), grad(-h)
			out := make([]float64, n)
			for i := range out {
				out[i] = (gp[i] - gm[i]) / (2 * h)
			}
			return out
		}
		d1, d2 := cd(1e-3), cd(5e-4)
		for i := 0; i < n; i++ {
			fd := (4*d2[i] - d1[i]) / 3
			if math.Abs(fd-hv.AtVec(i)) > 1e-6*(1+math.Abs(fd))+herr {
				t.Errorf("%v: (H v)[%d] = %.10g, directional derivative %.10g", v, i, hv.AtVec(i), fd)
			}
		}
		if herr > 1e-5 {
			t.Errorf("%v: Hessian error bound %.3g", v, herr)
		}
	}
}
