package numerics_test

// An outside reference for the population risk, its gradient, its
// Hessian and the L -> infinity quantization error, written from the
// model's definitions (docs/MODEL.md §2, §6) and sharing no code with
// package numerics or with theory's layer:
//
//   - the pointwise loss ||x - T(x)||^2 and its gradient
//     -2 p_h [r + lambda g_h <mu_h - T(x), r>] (r = x - T(x), g_h = x for
//     dot, x - mu_h for distance) are re-derived and evaluated in
//     double-double arithmetic;
//   - under component k the token is written x = mu*_k + sigma (z e1 + y)
//     with e1 the unit vector along w = mu_1 - mu_2 and y orthogonal to
//     it. The attention depends on z only; the integrand is a polynomial
//     of degree <= 2 in y, so the y-integral is exact with the 3-point
//     Gauss-Hermite rule per orthogonal axis (nodes 0, +-sqrt 3, weights
//     2/3, 1/6, 1/6; exact to degree 5);
//   - the z-integral is the trapezoid rule on the whole line, truncated
//     at |z| <= 14 (the Gaussian weight is below 1e-42 there). The
//     integrand is analytic in the strip |Im z| < pi/kappa, kappa =
//     lambda sigma ||w|| (the sigmoid's poles), so the trapezoid error is
//     of order exp(-2 pi^2 / (kappa h)); with h <= 0.2/kappa that is below
//     e^-98. Steps are powers of two, so the nodes are exact.
//
// The reference is therefore accurate to about 1e-30 relative to the
// integrals of the absolute integrand; refSelfCheck measures this by
// halving the step. Its cost is O(3^(d-1)) per node: d <= 3 only.

import (
	"math"
	"testing"

	"attnclust/theory"
)

// refProblem is a two-component mixture and a softmax layer (dot or
// distance), in float64 as the code under test receives them.
type refProblem struct {
	weights []float64
	cents   [][]float64
	sigma   float64
	variant theory.Variant // Dot or Distance
	lambda  float64
}

func (p refProblem) mixture(t testing.TB) theory.Mixture {
	t.Helper()
	m, err := theory.NewMixture(p.weights, p.cents, p.sigma)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// refEval is the reference value of the risk and gradient, with the
// scales used as rounding floors: absRisk = E[loss] (= risk, loss >= 0)
// and absGrad = E ||d loss/d theta|| (the norm of the pointwise gradient,
// stacked over heads, averaged).
type refEval struct {
	risk    dd
	grad    [][]dd
	absGrad float64
}

// orthoComplement returns d-1 orthonormal dd vectors orthogonal to the
// unit vector e1 (Gram-Schmidt on the coordinate axes, twice).
func orthoComplement(e1 []dd) [][]dd {
	d := len(e1)
	basis := [][]dd{e1}
	for i := 0; i < d && len(basis) < d; i++ {
		v := make([]dd, d)
		v[i] = ddf(1)
		for range 2 {
			for _, b := range basis {
				c := ddInner(v, b)
				for j := range v {
					v[j] = v[j].sub(c.mul(b[j]))
				}
			}
		}
		n := ddInner(v, v).sqrt()
		if n.hi < 0.3 { // nearly parallel to the span so far: take another axis
			continue
		}
		for j := range v {
			v[j] = v[j].div(n)
		}
		basis = append(basis, v)
	}
	return basis[1:]
}

// stepFor returns the trapezoid step for kappa = lambda sigma ||w||: the
// largest power of two <= min(1/8, 0.2/kappa).
func stepFor(kappa float64) float64 {
	h := 0.125
	for h*kappa > 0.2 {
		h /= 2
	}
	return h
}

// gaussHermite3 are the nodes and weights of the 3-point rule for
// E f(y), y ~ N(0, 1).
func gaussHermite3() ([]dd, []dd) {
	s3 := ddf(3).sqrt()
	return []dd{{}, s3, s3.neg()}, []dd{ddf(2).div(ddf(3)), ddf(1).div(ddf(6)), ddf(1).div(ddf(6))}
}

// integrate calls f(x, weight) for the quadrature nodes of E over
// x ~ N(m, sigma^2 I), m = centroid (dd), with e1 the direction carrying
// the non-polynomial dependence; h is the trapezoid step.
func integrate(m []dd, sigma float64, e1 []dd, h, zmax float64, f func(x []dd, wt dd)) {
	d := len(m)
	perp := orthoComplement(e1)
	nodes, wts := gaussHermite3()
	// all combinations of Gauss-Hermite nodes over the d-1 orthogonal axes
	combos := 1
	for range d - 1 {
		combos *= 3
	}
	inv := ddf(1).div(ddf(2).mul(ddPi).sqrt()) // 1/sqrt(2 pi)
	sg := ddf(sigma)
	x := make([]dd, d)
	n := int(zmax / h)
	for j := -n; j <= n; j++ {
		z := ddf(float64(j) * h) // exact: h is a power of two
		phi := z.mul(z).mulf(-0.5).exp().mul(inv).mulf(h)
		for c := range combos {
			wt := phi
			for i := range x {
				x[i] = m[i].add(sg.mul(z).mul(e1[i]))
			}
			cc := c
			for a := range d - 1 {
				g := cc % 3
				cc /= 3
				wt = wt.mul(wts[g])
				y := sg.mul(nodes[g])
				for i := range x {
					x[i] = x[i].add(y.mul(perp[a][i]))
				}
			}
			f(x, wt)
		}
	}
}

// eval returns the reference risk and gradient at heads (dd), with the
// trapezoid step multiplied by hScale (1 normally; 2 for the self-check)
// on |z| <= 14.
func (p refProblem) eval(heads [][]dd, hScale float64) refEval {
	return p.evalOn(heads, hScale, 14)
}

// evalOn is eval on |z| <= zmax.
func (p refProblem) evalOn(heads [][]dd, hScale, zmax float64) refEval {
	d := len(p.cents[0])
	lam := ddf(p.lambda)
	w := make([]dd, d)
	for i := range w {
		w[i] = heads[0][i].sub(heads[1][i])
	}
	a := ddInner(w, w).sqrt()
	e1 := make([]dd, d)
	for i := range e1 {
		e1[i] = w[i].div(a)
	}
	h := stepFor(p.lambda*p.sigma*a.float()) * hScale
	half := [2]dd{ddInner(heads[0], heads[0]).mulf(0.5), ddInner(heads[1], heads[1]).mulf(0.5)}
	out := refEval{grad: [][]dd{make([]dd, d), make([]dd, d)}}
	T := make([]dd, d)
	r := make([]dd, d)
	g := make([]dd, d)
	for k, c := range p.cents {
		pi := ddf(p.weights[k])
		integrate(ddVec(c), p.sigma, e1, h, zmax, func(x []dd, wt dd) {
			// scores and p_1 = sigmoid(s_1 - s_2)
			s := ddInner(x, w)
			if p.variant == theory.Distance {
				s = s.sub(half[0]).add(half[1])
			}
			p1 := lam.mul(s).sigmoid()
			ps := [2]dd{p1, ddf(1).sub(p1)}
			for i := range T {
				T[i] = ps[0].mul(heads[0][i]).add(ps[1].mul(heads[1][i]))
				r[i] = x[i].sub(T[i])
			}
			ww := wt.mul(pi)
			out.risk = out.risk.add(ww.mul(ddInner(r, r)))
			gn2 := 0.0
			for hd := range 2 {
				// <mu_h - T, r>
				c := dd{}
				for i := range r {
					c = c.add(heads[hd][i].sub(T[i]).mul(r[i]))
				}
				c = c.mul(lam)
				for i := range g {
					gi := x[i]
					if p.variant == theory.Distance {
						gi = gi.sub(heads[hd][i])
					}
					g[i] = ps[hd].mulf(-2).mul(r[i].add(gi.mul(c)))
					out.grad[hd][i] = out.grad[hd][i].add(ww.mul(g[i]))
					gn2 += g[i].hi * g[i].hi
				}
			}
			out.absGrad += ww.hi * math.Sqrt(gn2)
		})
	}
	return out
}

// refHessian returns the reference Hessian at heads (float64 input,
// stacked as numerics.Hessian stacks it: head 0's coordinates first) by
// Richardson-extrapolated central differences of the dd reference
// gradient, (4 D(delta) - D(2 delta))/3, with error O(delta^4) times the
// gradient's fifth derivative and rounding 1e-30/delta. It also returns
// the same extrapolation from steps 2 delta and 4 delta, whose difference
// from the first measures the reference's own error. The gradient is
// evaluated with the trapezoid step doubled on |z| <= 10 (errors below
// 1e-20, far below the 1e-10 scale of the Hessian errors compared).
func (p refProblem) refHessian(heads [][]float64, delta float64) (H, H2 [][]float64) {
	d := len(heads[0])
	n := 2 * d
	H, H2 = make([][]float64, n), make([][]float64, n)
	for i := range H {
		H[i], H2[i] = make([]float64, n), make([]float64, n)
	}
	gradAt := func(i int, off float64) []dd {
		hs := [][]dd{ddVec(heads[0]), ddVec(heads[1])}
		hs[i/d][i%d] = hs[i/d][i%d].addf(off) // exact in dd
		e := p.evalOn(hs, 2, 10)
		return append(append([]dd(nil), e.grad[0]...), e.grad[1]...)
	}
	for i := range n {
		var g [3][2][]dd
		for s, m := range []float64{1, 2, 4} {
			g[s][0], g[s][1] = gradAt(i, m*delta), gradAt(i, -m*delta)
		}
		for r := range n {
			var D [3]dd
			for s, m := range []float64{1, 2, 4} {
				D[s] = g[s][0][r].sub(g[s][1][r]).div(ddf(2 * m * delta))
			}
			H[r][i] = D[0].mulf(4).sub(D[1]).div(ddf(3)).float()
			H2[r][i] = D[1].mulf(4).sub(D[2]).div(ddf(3)).float()
		}
	}
	// symmetrize (the exact Hessian is symmetric)
	for _, M := range [][][]float64{H, H2} {
		for i := range n {
			for j := i + 1; j < n; j++ {
				m := (M[i][j] + M[j][i]) / 2
				M[i][j], M[j][i] = m, m
			}
		}
	}
	return H, H2
}

// refQuantInf is the reference L -> infinity quantization error
// E ||out_inf(x) - mu*_z||^2, out_inf(x) = sum_j w_j(x) mu*_j + lambda
// sigma^2 x, w_1 = sigmoid(lambda <x, mu*_1 - mu*_2> + log(pi_1/pi_2)),
// with the same quadrature (the non-polynomial direction is v = mu*_1 -
// mu*_2). It also returns E||out_inf(x) - mu*_z|| (for rounding floors).
func (p refProblem) refQuantInf() (dd, float64) {
	d := len(p.cents[0])
	c1, c2 := ddVec(p.cents[0]), ddVec(p.cents[1])
	v := make([]dd, d)
	for i := range v {
		v[i] = c1[i].sub(c2[i])
	}
	a := ddInner(v, v).sqrt()
	e1 := make([]dd, d)
	for i := range e1 {
		e1[i] = v[i].div(a)
	}
	ls2 := ddf(p.lambda).mul(ddf(p.sigma)).mul(ddf(p.sigma))
	ratio := ddf(p.weights[1]).div(ddf(p.weights[0])) // pi_2/pi_1, exact inputs, dd quotient
	q := dd{}
	mag := 0.0
	h := stepFor(p.lambda * p.sigma * a.float())
	e := make([]dd, d)
	for k, ck := range [][]dd{c1, c2} {
		pi := ddf(p.weights[k])
		integrate(ck, p.sigma, e1, h, 14, func(x []dd, wt dd) {
			// w_1 = 1/(1 + (pi_2/pi_1) e^-y), y = lambda <x, v>, overflow-free
			y := ddf(p.lambda).mul(ddInner(x, v))
			var w1 dd
			if y.hi >= 0 {
				w1 = ddf(1).div(ddf(1).add(ratio.mul(y.neg().exp())))
			} else {
				ey := y.exp()
				w1 = ey.div(ey.add(ratio))
			}
			w2 := ddf(1).sub(w1)
			for i := range e {
				e[i] = w1.mul(c1[i]).add(w2.mul(c2[i])).add(ls2.mul(x[i])).sub(ck[i])
			}
			ww := wt.mul(pi)
			e2 := ddInner(e, e)
			q = q.add(ww.mul(e2))
			mag += ww.hi * math.Sqrt(e2.hi)
		})
	}
	return q, mag
}
