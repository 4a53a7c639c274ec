package numerics

import (
	"fmt"
	"math"
	"slices"

	"attnclust/theory"
)

// SoftmaxPlanar evaluates the risk and gradient of the Dot or Distance
// variant when the head differences span at most two dimensions (every
// configuration of three heads), for a mixture with any number of
// components, by a deterministic nested quadrature of the reduced
// integrals of RiskK: adaptive Gauss-Kronrod in g2 (IntegrateVec) inside
// adaptive Gauss-Kronrod in g1, both on [-planarCut, planarCut] with
// breakpoints on graded meshes around the softmax transitions (in g2: the
// points where two scores are equal; in g1: where a transition line
// crosses g2 = 0 and where two transition lines meet), widths 1/(lambda
// sigma |b_h - b_j|) times 1, 4, 16, 64.
//
// Its error figures are estimates, not bounds (kind "estimated"): the
// outer QUADPACK estimate plus the integral over g1 of the inner QUADPACK
// estimates (integrated along as an extra component), the tails, and the
// rounding of the inputs as in HardmaxPlanar. They are reliable when every
// transition layer is resolved by the graded meshes. Measured: with two
// heads it matches the certified reduction to 3e-15 for lambda from 0.1
// to 1e3 (estimates 1e-12 to 1e-7, conservative because lambda multiplies
// the errors of some moments); with three heads in d = 2 it matches a
// converged 2-D trapezoid rule to 7e-14; and lambda (R_lambda - R_hard)
// follows C + D/lambda at lambda = 1e3, 1e4, 1e5 (ratio of successive
// differences 10.00). It implements theory.Objective; its RiskErr and
// GradErr must be reported as estimated, not certified.
//
// Cost: about 10^5 to 10^6 integrand evaluations per mixture component
// (three passes of a nested adaptive rule), independent of d.
type SoftmaxPlanar struct {
	r     *RiskK
	heads int
}

// planarCut is the half-width of the integration square in standard
// normal units; the Gaussian mass outside is below 2 Q(12) < 4e-33 per
// coordinate, and the integrands grow polynomially (the bound added to the
// error is in moments).
const planarCut = 12.0

// NewSoftmaxPlanar validates its arguments (layer Dot or Distance, 1 to
// MaxHeadsK heads) and returns the objective.
func NewSoftmaxPlanar(mix theory.Mixture, layer theory.Prototype, heads int) (*SoftmaxPlanar, error) {
	if layer.Variant == theory.Hardmax {
		return nil, fmt.Errorf("NewSoftmaxPlanar: use NewHardmaxPlanar for the hardmax variant")
	}
	if heads < 1 || heads > MaxHeadsK {
		return nil, fmt.Errorf("NewSoftmaxPlanar: heads: must be in [1, %d], got %d", MaxHeadsK, heads)
	}
	r, err := NewRiskK(mix, layer, OptionsK{Points: 16, Randomizations: 2})
	if err != nil {
		return nil, fmt.Errorf("NewSoftmaxPlanar: %w", err)
	}
	return &SoftmaxPlanar{r: r, heads: heads}, nil
}

// Dim returns the token dimension d.
func (p *SoftmaxPlanar) Dim() int { return p.r.mix.Dim() }

// Heads returns the number of heads.
func (p *SoftmaxPlanar) Heads() int { return p.heads }

// Kind returns "estimated": the error figures are quadrature estimates.
func (p *SoftmaxPlanar) Kind() string { return "estimated" }

// Eval returns the risk and gradient with estimated errors (see the type).
// It returns an error when the head differences span more than two
// dimensions, on invalid heads, or when a quadrature does not converge.
func (p *SoftmaxPlanar) Eval(heads [][]float64) (theory.Eval, error) {
	d := p.r.mix.Dim()
	if err := validateHeadsShape(heads, p.heads, d); err != nil {
		return theory.Eval{}, fmt.Errorf("SoftmaxPlanar.Eval: %w", err)
	}
	H := len(heads)
	out := make([]float64, 1+H*d+H+1)
	ev := theory.Eval{}
	inputScale := 0.0
	gradErr := make([]float64, H)
	for k, pi := range p.r.mix.Weights {
		red := p.r.reduce(k, heads)
		m := len(red.q)
		if m > 2 {
			return theory.Eval{}, fmt.Errorf("SoftmaxPlanar.Eval: the head differences span %d dimensions, at most 2 supported", m)
		}
		acc, accErr, err := p.moments(red, k)
		if err != nil {
			return theory.Eval{}, fmt.Errorf("SoftmaxPlanar.Eval: component %d: %w", k, err)
		}
		p.r.assemble(out, red, acc, pi, H, d)
		// Error propagation through assemble (same formulas, absolute
		// values): risk takes E[cv]; grad_h takes |cPerp| (E[p_h] +
		// lambda E[q_h]) + |Q (E[p_h w] + lambda (E[q_h y] - b_h E[q_h]))|,
		// plus |mu_ref| lambda E[q_h] for Dot.
		st := kStats{H, m}
		ev.RiskErr += pi * accErr[0]
		lam := p.r.layer.Lambda
		cPerpN := theory.Norm(red.cPerp)
		for h := range H {
			e := cPerpN * (accErr[st.p(h)] + lam*accErr[st.q(h)])
			v := 0.0
			for j := range m {
				v += accErr[st.pw(h, j)] + lam*accErr[st.qy(h, j)]
			}
			bn := theory.Norm(red.b[h])
			e += v + lam*bn*accErr[st.q(h)]
			if p.r.layer.Variant == theory.Dot {
				e += lam * theory.Norm(red.muRef) * accErr[st.q(h)]
			}
			gradErr[h] += 2 * pi * e
		}
		inputScale += pi * (theory.Inner(red.cPerp, red.cPerp) + theory.Inner(red.cV, red.cV) + p.r.mix.Sigma*p.r.mix.Sigma*float64(d) + math.Abs(acc[0]))
	}
	ev.Risk = out[0]
	ev.Grad = make([][]float64, H)
	gscale := 0.0
	for h := range H {
		ev.Grad[h] = out[1+h*d : 1+(h+1)*d]
		gscale += theory.Norm(ev.Grad[h])
	}
	// Rounding of the length-d inner products behind the reduced inputs
	// and of the assembly, as in HardmaxPlanar.
	fd := float64(d)
	ev.RiskErr += (4*fd + 16) * epsilon * inputScale
	ge := 0.0
	for _, e := range gradErr {
		ge += e * e
	}
	ev.GradErr = math.Sqrt(ge) + (4*fd+16)*epsilon*gscale
	if math.IsNaN(ev.Risk) || math.IsInf(ev.Risk, 0) || math.IsNaN(ev.GradErr) || math.IsInf(ev.GradErr, 0) {
		return theory.Eval{}, fmt.Errorf("SoftmaxPlanar.Eval: non-finite result (risk %v, gradient error %v)", ev.Risk, ev.GradErr)
	}
	return ev, nil
}

// moments returns the reduced integrals of component k (layout kStats, as
// RiskK.integrate) and their estimated errors, by nested quadrature over
// the (padded) reduced plane.
func (p *SoftmaxPlanar) moments(red kReduced, label int) (val, errs []float64, err error) {
	H, m := len(red.b), len(red.q)
	st := kStats{H, m}
	size := st.size()
	sigma, lam := p.r.mix.Sigma, p.r.layer.Lambda
	// Padded coordinates: b2, c2 in the plane (zeros beyond m).
	b2 := make([][2]float64, H)
	for h := range H {
		copy(b2[h][:], red.b[h])
	}
	var c2 [2]float64
	copy(c2[:], red.cV)
	// Score of head h at g: lambda (<c + sigma g, b_h> + e_h) =
	// a0[h] + n[h] . g.
	a0 := make([]float64, H)
	n := make([][2]float64, H)
	for h := range H {
		a0[h] = lam * (c2[0]*b2[h][0] + c2[1]*b2[h][1] + red.e[h])
		n[h] = [2]float64{lam * sigma * b2[h][0], lam * sigma * b2[h][1]}
	}
	if m == 0 {
		acc := p.r.integrate(red, label, 16, nil, nil)
		return acc, make([]float64, size), nil
	}
	// The full integrand at one point, as RiskK.integrate's point but
	// unweighted (the Gaussian density is applied by the caller).
	y := make([]float64, m)
	pr := make([]float64, H)
	bp := make([]float64, m)
	w := make([]float64, m)
	full := func(g [2]float64, dst []float64) {
		clear(dst)
		for j := range m {
			y[j] = red.cV[j] + sigma*g[j]
		}
		smax := math.Inf(-1)
		for h := range H {
			pr[h] = a0[h] + n[h][0]*g[0] + n[h][1]*g[1]
			smax = math.Max(smax, pr[h])
		}
		sum := 0.0
		for h := range H {
			pr[h] = math.Exp(pr[h] - smax)
			sum += pr[h]
		}
		clear(bp)
		for h := range H {
			pr[h] /= sum
			theory.AddScaled(bp, pr[h], red.b[h])
		}
		cv := 0.0
		for j := range m {
			w[j] = y[j] - bp[j]
			cv += bp[j] * (bp[j] - 2*y[j])
		}
		dst[0] = cv
		for h := range H {
			dst[st.p(h)] = pr[h]
			rho := 0.0
			for j := range m {
				dst[st.pw(h, j)] = pr[h] * w[j]
				rho += (red.b[h][j] - bp[j]) * w[j]
			}
			q := pr[h] * rho
			dst[st.q(h)] = q
			for j := range m {
				dst[st.qy(h, j)] = q * y[j]
			}
		}
	}
	const L = planarCut
	graded := planarGraded
	outer := planarOuterBreaks(a0, n)
	// Tails outside the square: each integrand is at most
	// (|c| + sigma |g| + B)^2 (1 + lambda B (|c| + sigma |g| + B)) in
	// size, B the largest |b_h|; a generous polynomial weight times the
	// Gaussian mass and first moment beyond L in either coordinate.
	bmax := 0.0
	for h := range H {
		bmax = math.Max(bmax, math.Hypot(b2[h][0], b2[h][1]))
	}
	reach := math.Hypot(c2[0], c2[1]) + sigma*(L+1) + bmax
	tail := 8 * (theory.NormalQ(L) + theory.NormalPDF(L)) * reach * reach * (1 + lam*bmax*reach)
	// Tolerances: relative 1e-12 of each component's integral of |f|,
	// or absolute, in units of s0 = 1 + |c|^2 + sigma^2 (the size of the
	// risk-like integrals): 1e-14 s0 for the outer integrals, and
	// 1e-15 s0 / phi(g1) for the inner ones, so that the inner errors
	// integrate (against phi(g1) over a width 24) to at most 2.4e-14 s0.
	// A pure relative tolerance fails on components that are differences
	// of larger terms (rounding noise above 1e-13 of their size).
	s0 := 1 + c2[0]*c2[0] + c2[1]*c2[1] + sigma*sigma
	innerAbs, outerAbs := 1e-15*s0, 1e-14*s0
	buf := make([]float64, size)
	val, errs = make([]float64, size), make([]float64, size)
	const chunk = maxVec - 1 // one slot carries the inner error
	var innerErr error
	for lo := 0; lo < size; lo += chunk {
		hi := min(size, lo+chunk)
		nc := hi - lo
		outerF := func(g1 float64, out []float64) {
			phi1 := theory.NormalPDF(g1)
			inner := []float64{-L, 0, L}
			for h := range H {
				for j := h + 1; j < H; j++ {
					dn2 := n[h][1] - n[j][1]
					if dn2 != 0 {
						d := a0[h] - a0[j] + (n[h][0]-n[j][0])*g1
						inner = graded(inner, -d/dn2, 1/math.Abs(dn2))
					}
				}
			}
			slices.Sort(inner)
			inner = slices.Compact(inner)
			res, e := IntegrateVec(func(g2 float64, o []float64) {
				full([2]float64{g1, g2}, buf)
				phi2 := theory.NormalPDF(g2)
				for i := range nc {
					o[i] = phi2 * buf[lo+i]
				}
			}, nc, inner, QuadTol{Rel: 1e-12, Abs: innerAbs / math.Max(phi1, 1e-300), MaxIntervals: 400})
			if e == nil && !res.Converged {
				e = fmt.Errorf("inner quadrature at g1 = %v did not converge", g1)
			}
			if e != nil && innerErr == nil {
				innerErr = e
			}
			es := 0.0
			for i := range nc {
				out[i] = phi1 * res.Value[i]
				es += res.Err[i]
			}
			out[nc] = phi1 * es
		}
		res, e := IntegrateVec(outerF, nc+1, outer, QuadTol{Rel: 1e-12, Abs: outerAbs, MaxIntervals: 400, Checked: nc})
		if e != nil {
			return nil, nil, e
		}
		if innerErr != nil {
			return nil, nil, innerErr
		}
		if !res.Converged {
			return nil, nil, fmt.Errorf("outer quadrature did not converge (%d intervals)", res.Intervals)
		}
		for i := range nc {
			val[lo+i] = res.Value[i]
			// Outer estimate, integrated inner estimates (their sum over
			// the chunk bounds each one), and the tails.
			errs[lo+i] = res.Err[i] + res.Value[nc] + res.Err[nc] + tail
		}
	}
	return val, errs, nil
}

// planarGraded appends to breaks a graded mesh around at: at itself and
// at +- f width for f = 1, 4, 16, 64, keeping only points strictly inside
// the square's side (-planarCut, planarCut). width is the length scale of
// the feature at at (the inverse of the score difference's slope).
func planarGraded(breaks []float64, at, width float64) []float64 {
	const L = planarCut
	for _, f := range []float64{0, 1, 4, 16, 64} {
		for _, s := range []float64{-1, 1} {
			if x := at + s*f*width; x > -L && x < L {
				breaks = append(breaks, x)
			}
		}
	}
	return breaks
}

// planarOuterBreaks returns the sorted, duplicate-free breakpoints of
// SoftmaxPlanar's outer integral (over the first reduced coordinate g1)
// for head scores a0[h] + n[h] . g: -planarCut, 0 and planarCut, a
// graded mesh around the g1 at which each pair of heads ties on the g1
// axis (g2 = 0; where the tie line is vertical this is where the pair's
// softmax switches for every g2), and one around the first coordinate of
// each point where three heads tie. Pairs with no g1 dependence and
// parallel tie lines add nothing.
func planarOuterBreaks(a0 []float64, n [][2]float64) []float64 {
	H := len(a0)
	outer := []float64{-planarCut, 0, planarCut}
	for h := range H {
		for j := h + 1; j < H; j++ {
			d0 := a0[h] - a0[j]
			dn := [2]float64{n[h][0] - n[j][0], n[h][1] - n[j][1]}
			if dn[0] != 0 {
				outer = planarGraded(outer, -d0/dn[0], 1/math.Abs(dn[0]))
			}
			for l := j + 1; l < H; l++ {
				e0 := a0[h] - a0[l]
				en := [2]float64{n[h][0] - n[l][0], n[h][1] - n[l][1]}
				if det := dn[0]*en[1] - dn[1]*en[0]; det != 0 {
					g1 := (-d0*en[1] + e0*dn[1]) / det
					outer = planarGraded(outer, g1, 1/math.Max(math.Hypot(dn[0], dn[1]), math.Hypot(en[0], en[1])))
				}
			}
		}
	}
	slices.Sort(outer)
	return slices.Compact(outer)
}
