package numerics

import (
	"math"

	"attnclust/theory"
)

// The one-dimensional integrals of the two-head reduction. Under one
// mixture component the score difference is affine in a standard normal
// z: the probability of the "other" head is p(z) = sigmoid(kappa z + eta)
// with kappa >= 0, and the projection of the token on the head difference
// is t - b = beta + s z. Every risk and gradient term is a combination of
// the expectations over z ~ N(0, 1) of
//
//	mP   p
//	mPZ  p z
//	mP2  p^2
//	mQR  q rho,      q = p (1 - p), rho = beta + s z - a2 p
//	mQRZ q rho z
//	mF   -2 (p - pbar) (beta - pbar a2 + s z) + a2 (p - pbar)^2
//	     (the risk integrand, expanded around the point mu_r + pbar w)
//
// computed by splitting at the step point z0 = -eta/kappa: the step part
// (p replaced by the indicator of z > z0) in closed form through upper
// Gaussian moments, and the remainder, which decays like
// exp(-kappa |z - z0|) and carries the Gaussian weight, by adaptive
// Gauss-Kronrod quadrature on a mesh graded around z0 (panel.go: the same
// rule and QUADPACK error estimate as IntegrateVec, evaluated a panel at
// a time). The quadrature domain is truncated to |z| <= zCut and
// |z - z0| <= wCut/kappa, end panels whose a priori bound is negligible
// are dropped, and the neglected mass is bounded explicitly and added to
// the error. The integrand's exponentials use expNeg (about 1 ulp), whose
// rounding, like the integrand's other roundings, is covered by the
// 50 eps floor of each panel's error.
const (
	mP = iota
	mPZ
	mP2
	mQR
	mQRZ
	mF
	nMom
)

const (
	zCut = 10.0 // Gaussian cut: P(|z| > 10) = 1.5e-23, bounded in the error
	wCut = 45.0 // logistic cut in units of 1/kappa: exp(-45) = 2.9e-20
	// momRel is the relative tolerance of the remainder quadrature against
	// the whole quantity's magnitude: above the 50 eps rounding floor of
	// the Kronrod estimate (1.1e-14), well below the 1e-12 target.
	momRel = 2e-14
	// momAbs is an absolute floor on the quadrature tolerance: integrals
	// below it are subnormal-level noise (they enter the risk multiplied
	// by coefficients far below 1e280), where relative accuracy cannot be
	// had.
	momAbs = 1e-290
)

// logMoments holds the expectations above with absolute error bounds.
type logMoments struct {
	val, err  [nMom]float64
	converged bool
	evals     int
}

// cparams are the affine data of one component: t - b = beta + s z,
// a2 = ||w||^2, and pbar in [0, 1], the attention weight around which the
// risk integrand mF is expanded (the loss is ||x - e - (p - pbar) w||^2
// with e = mu_r + pbar w; choosing pbar near the typical p keeps the terms
// of mF small when both heads share a component).
type cparams struct{ beta, s, a2, pbar float64 }

// polyBound returns, for each moment's integrand with p replaced by a
// quantity bounded by 1 in absolute value, coefficients (A, B, C) with
// |integrand| <= A + B |z| + C z^2 up to that factor.
func (c cparams) polyBound() [nMom][3]float64 {
	ab, s := math.Abs(c.beta), math.Abs(c.s)
	return [nMom][3]float64{
		mP:   {1, 0, 0},
		mPZ:  {0, 1, 0},
		mP2:  {2, 0, 0},
		mQR:  {ab + c.a2, s, 0},
		mQRZ: {0, ab + c.a2, s},
		mF:   {2*ab + 4*c.a2, 2 * s, 0},
	}
}

// upperMoments returns M0 = P(z > z0), M1 = E[z 1{z > z0}] = phi(z0) and
// bounds on their rounding errors.
func upperMoments(z0 float64) (m0, m1, e0, e1 float64) {
	switch {
	case math.IsInf(z0, 1):
		return 0, 0, 0, 0
	case math.IsInf(z0, -1):
		return 1, 0, 0, 0
	}
	m0 = theory.NormalQ(z0)
	m1 = theory.NormalPDF(z0)
	// erfc is accurate to a few ulps; exp(-z0^2/2) inherits the relative
	// rounding of z0^2/2, i.e. about eps z0^2/2.
	return m0, m1, 4 * epsilon * m0, (4 + z0*z0) * epsilon * m1
}

// stepMoments fills the closed-form moments of the indicator of z > z0.
// For mF the step function is the integrand with p replaced by the
// indicator: -2 (1 - pbar) te + a2 (1 - pbar)^2 above z0 and
// 2 pbar te + a2 pbar^2 below, te = beta - pbar a2 + s z.
func stepMoments(z0 float64, c cparams) (v, e [nMom]float64) {
	m0, m1, e0, e1 := upperMoments(z0)
	v[mP], e[mP] = m0, e0
	v[mPZ], e[mPZ] = m1, e1
	v[mP2], e[mP2] = m0, e0
	l0, l1 := lowerMoments(z0)
	be := c.beta - c.pbar*c.a2
	qb := 1 - c.pbar
	up := (-2*qb*be+c.a2*qb*qb)*m0 - 2*qb*c.s*m1
	lo := (2*c.pbar*be+c.a2*c.pbar*c.pbar)*l0 + 2*c.pbar*c.s*l1
	v[mF] = up + lo
	mag := (2*qb*math.Abs(be)+c.a2*qb*qb)*m0 + 2*qb*math.Abs(c.s)*m1 +
		(2*c.pbar*math.Abs(be)+c.a2*c.pbar*c.pbar)*l0 + 2*c.pbar*math.Abs(c.s)*math.Abs(l1)
	e[mF] = (2*qb*math.Abs(be)+c.a2*qb*qb)*e0 + 2*qb*math.Abs(c.s)*e1 +
		(2*c.pbar*math.Abs(be)+c.a2*c.pbar*c.pbar)*e0 + 2*c.pbar*math.Abs(c.s)*e1 +
		8*epsilon*mag
	return v, e
}

// lowerMoments returns P(z < z0) and E[z 1{z < z0}] = -phi(z0).
func lowerMoments(z0 float64) (l0, l1 float64) {
	switch {
	case math.IsInf(z0, 1):
		return 1, 0
	case math.IsInf(z0, -1):
		return 0, 0
	}
	return theory.NormalCDF(z0), -theory.NormalPDF(z0)
}

// hardMoments returns the moments for the hardmax limit p = 1{z > z0}
// (q = 0), all in closed form.
func hardMoments(z0 float64, c cparams) logMoments {
	v, e := stepMoments(z0, c)
	return logMoments{val: v, err: e, converged: true}
}

// softMoments returns the moments for p = sigmoid(kappa z + eta),
// kappa >= 0 finite, eta finite (it allocates its scratch; see
// softMomentsWS).
func softMoments(kappa, eta float64, c cparams) logMoments {
	return softMomentsWS(kappa, eta, c, nil)
}

// softMomentsWS is softMoments with a reusable workspace (nil allocates).
func softMomentsWS(kappa, eta float64, c cparams, ws *momWork) logMoments {
	var m logMoments
	if kappa == 0 {
		p := theory.Sigmoid(eta)
		pc := theory.Sigmoid(-eta)
		q := p * pc
		m.val[mP] = p
		m.val[mPZ] = 0
		m.val[mP2] = p * p
		m.val[mQR] = q * (c.beta - c.a2*p)
		m.val[mQRZ] = q * c.s
		dp := p - c.pbar
		m.val[mF] = -2*dp*(c.beta-c.pbar*c.a2) + c.a2*dp*dp
		// each value is a product or a sum of two products of exactly
		// known magnitudes; 4 eps per term covers exp/division rounding
		ab := math.Abs(c.beta)
		m.err[mP] = 4 * epsilon * p
		m.err[mP2] = 4 * epsilon * p * p
		m.err[mQR] = 4 * epsilon * q * (ab + c.a2*p)
		m.err[mQRZ] = 4 * epsilon * q * math.Abs(c.s)
		m.err[mF] = 4 * epsilon * (2*math.Abs(dp)*(ab+c.pbar*c.a2) + c.a2*dp*dp)
		m.converged = true
		return m
	}
	if ws == nil {
		ws = new(momWork)
	}
	if kappa < smoothKappa {
		return smoothMoments(kappa, eta, c, ws)
	}
	z0 := -eta / kappa
	sv, se := stepMoments(z0, c)
	// The remainder is integrated in v = z - o with o = z0 clamped to
	// [-zCut - 1, zCut + 1]: when the step is in or near the domain, o = z0
	// and the logistic argument kappa v is formed without cancellation
	// (kappa z + eta would lose all digits of v when kappa is large); when
	// it is far outside, o stays bounded so that z = o + v keeps full
	// accuracy, and u = kappa v + (kappa o + eta) has no cancellation
	// either since kappa |v| <= 2 kappa zCut << |kappa o + eta|.
	o := math.Max(-zCut-1, math.Min(zCut+1, z0))
	dz := z0 - o // 0 unless the step is far outside the domain
	u0 := 0.0
	if dz != 0 {
		u0 = kappa*o + eta
	}
	lo := math.Max(-zCut-o, dz-wCut/kappa)
	hi := math.Min(zCut-o, dz+wCut/kappa)
	var rv, re [nMom]float64
	m.converged = true
	if lo < hi {
		breaks := stepBreaks(ws.breaks[:0], kappa, o, dz, lo, hi)
		sortSmall(breaks)
		ig := &ws.step
		*ig = stepIntegrand{c: c, kappa: kappa, o: o, dz: dz, u0: u0,
			ab: math.Abs(c.beta), pa2: c.pbar * c.a2}
		var scale [nMom]float64
		for i := range scale {
			scale[i] = math.Abs(sv[i])
		}
		// trimming scale: the step parts, and for mQR and mQRZ (whose step
		// parts vanish) lower bounds of the rounding magnitudes added to
		// their tolerance: over |u| <= 1 (when inside the domain),
		// q >= sigmoid(1) sigmoid(-1) > 0.196 and p >= sigmoid(-1) > 0.2689.
		tscale := scale
		tscale[mQR], tscale[mQRZ] = 0, 0
		if dz == 0 && lo <= -1/kappa && hi >= 1/kappa {
			tscale[mQR], tscale[mQRZ] = stepTrimScales(kappa, z0, c.beta, c.a2)
		}
		var skipped [nMom]float64
		breaks = ig.trimNegligible(breaks, &tscale, &skipped)
		rv, re, m.converged, m.evals = integrateMoments(ig, breaks, &scale, ws)
		for i := range re {
			re[i] += skipped[i]
		}
	}
	// Truncation: outside [lo, hi] every remainder is bounded by
	// exp(-kappa |z - z0|) times its polynomial bound. The part with
	// |z| > zCut is bounded with Gaussian tail moments; the part inside
	// |z| <= zCut but |z - z0| > wCut/kappa with exp(-wCut) and the full
	// Gaussian moments E 1 = 1, E|z| <= 0.8, E z^2 = 1.
	tb := c.tailBound(true)
	for i := 0; i < nMom; i++ {
		m.val[i] = sv[i] + rv[i]
		m.err[i] = se[i] + re[i] + tb[i] + 2*epsilon*math.Abs(m.val[i])
	}
	return m
}

// stepIntegrand is the remainder (the integrand minus its step part) of
// the moments at v = z - o, with the step at v = dz and the logistic
// argument kappa v + u0 (see softMomentsWS). The components nMom..nMom+2
// are the rounding magnitudes of mQR, mQRZ and mF.
type stepIntegrand struct {
	c                cparams
	kappa, o, dz, u0 float64
	ab, pa2          float64 // |beta| and pbar a2
}

func (g *stepIntegrand) panel(c, h float64, fv *panelVals) {
	g.at(c, &fv.c)
	for j := 0; j < nPairs; j++ {
		x := h * gk21.x[j]
		g.at(c-x, &fv.lo[j])
		g.at(c+x, &fv.hi[j])
	}
}

func (g *stepIntegrand) at(v float64, out *[nVec]float64) {
	c := &g.c
	z := g.o + v
	u := g.kappa*v + g.u0
	phi, p, pc, te, asz := c.common(out, z, u, g.ab, g.pa2)
	if v < g.dz {
		pp := phi * p
		out[mP] = pp
		out[mPZ] = pp * z
		out[mP2] = pp * p
		out[mF] = pp * (c.a2*(p-2*c.pbar) - 2*te)
		out[nMom+2] = pp * (c.a2*(2+2*c.pbar) + 2*(g.ab+g.pa2+asz))
	} else {
		pp := phi * pc
		out[mP] = -pp
		out[mPZ] = -pp * z
		out[mP2] = -pp * (1 + p)
		out[mF] = pp * (2*te - c.a2*(p+1-2*c.pbar))
		out[nMom+2] = pp * (c.a2*(2+2*c.pbar) + 2*(g.ab+g.pa2+asz))
	}
}

// skipFrac is the share of a moment's tolerance (momRel times its scale)
// that the end panels dropped by trimNegligible may use together.
const skipFrac = 0.01

// trimNegligible drops end panels of the sorted mesh breaks (keeping at
// least one) whose a priori bound (panelBound) is, for every moment, at
// most skipFrac momRel times scale (a lower bound of the moment's
// tolerance scale), in total over the dropped panels; it adds the bounds
// (and the magnitudes' rounding allowance) of the dropped panels to
// skipped and returns the remaining mesh. Far in the Gaussian or
// logistic tails such panels contribute below 1e-20 of the result and
// would cost 21 evaluations each.
func (g *stepIntegrand) trimNegligible(breaks []float64, scale, skipped *[nMom]float64) []float64 {
	var used [nVec]float64
	try := func(a, b float64) bool {
		bd := g.panelBound(a, b)
		for i := 0; i < nMom; i++ {
			if !(used[i]+bd[i] <= skipFrac*momRel*scale[i]) {
				return false
			}
		}
		for i := range used {
			used[i] += bd[i]
		}
		return true
	}
	for len(breaks) > 2 && try(breaks[0], breaks[1]) {
		breaks = breaks[1:]
	}
	for n := len(breaks); n > 2 && try(breaks[n-2], breaks[n-1]); n-- {
		breaks = breaks[:n-1]
	}
	for i := 0; i < nMom; i++ {
		skipped[i] += used[i]
	}
	skipped[mQR] += 8 * epsilon * used[nMom]
	skipped[mQRZ] += 8 * epsilon * used[nMom+1]
	skipped[mF] += 8 * epsilon * used[nMom+2]
	return breaks
}

// panelBound returns, per component of the remainder integrand, a bound
// on its integral of |f| over [a, b] (in v, not containing the step dz
// in its interior): each component is phi(z) times the logistic tail (p
// below the step, pc above, both <= exp(-|u|), |u| = kappa |v - dz|, and
// q <= that tail too) times a polynomial in |z| (polyBound, and the
// magnitudes' term sizes), so the product of the three maxima over the
// panel times its width bounds it (TestPanelBound).
func (g *stepIntegrand) panelBound(a, b float64) (bd [nVec]float64) {
	za, zb := g.o+a, g.o+b
	zmin := 0.0 // distance of [za, zb] to 0
	if za > 0 {
		zmin = za
	} else if zb < 0 {
		zmin = -zb
	}
	zmax := math.Max(math.Abs(za), math.Abs(zb))
	dist := 0.0 // distance of [a, b] to the step
	if a >= g.dz {
		dist = a - g.dz
	} else if b <= g.dz {
		dist = g.dz - b
	}
	// 4 eps: the rounding of the product must not take the bound below
	// the exact value.
	f := (1 + 4*epsilon) * theory.NormalPDF(zmin) * math.Exp(-g.kappa*dist) * (b - a)
	c := &g.c
	pb := c.polyBound()
	for i := 0; i < nMom; i++ {
		bd[i] = f * (pb[i][0] + pb[i][1]*zmax + pb[i][2]*zmax*zmax)
	}
	sz := math.Abs(c.s) * zmax
	bd[nMom] = f * (g.ab + c.a2 + sz)
	bd[nMom+1] = bd[nMom] * zmax
	bd[nMom+2] = f * (c.a2*(2+2*c.pbar) + 2*(g.ab+g.pa2+sz))
	return bd
}

// common writes the integrands that need no step decomposition (mQR,
// mQRZ) and the rounding magnitudes of mQR and mQRZ at z, for the
// logistic argument u, and returns the Gaussian weight phi(z), the pair
// p = sigmoid(u), pc = 1 - p, te = beta - pbar a2 + s z and |s z|. p and
// pc each have full relative accuracy (one exponential of -|u|, one
// division, one product); phi and exp(-|u|) come from one expNeg2 call.
// rho and te are differences of terms of size |beta| + |s z| + a2, so
// evaluating them can lose more than the value's own ulps; the magnitudes
// integrate the term sizes. ab = |beta|, pa2 = pbar a2.
func (c *cparams) common(out *[nVec]float64, z, u, ab, pa2 float64) (phi, p, pc, te, asz float64) {
	ez, eu := expNeg2(-z*z/2, -fabs(u))
	phi = ez * invSqrt2Pi
	r := 1 / (1 + eu)
	p, pc = r, eu*r
	if u < 0 {
		p, pc = pc, p
	}
	q := p * pc
	t := c.beta + c.s*z
	rho := t - c.a2*p
	asz = fabs(c.s * z)
	pq := phi * q
	out[mQR] = pq * rho
	out[mQRZ] = pq * rho * z
	mr := pq * (ab + asz + c.a2*p)
	out[nMom] = mr
	out[nMom+1] = mr * fabs(z)
	return phi, p, pc, t - pa2, asz
}

// tailBound bounds, per moment, the integrand's mass outside the
// quadrature domain: beyond |z| = zCut with Gaussian tail moments and,
// when logisticCut, inside it but beyond |z - z0| = wCut/kappa with
// exp(-wCut) and the full Gaussian moments E 1 = 1, E|z| <= 0.8, E z^2 = 1
// (the remainders are bounded there by exp(-kappa |z - z0|) times their
// polynomial bounds).
func (c cparams) tailBound(logisticCut bool) [nMom]float64 {
	q0, p0 := theory.NormalQ(zCut), theory.NormalPDF(zCut)
	tail := [3]float64{2 * q0, 2 * p0, 2 * (zCut*p0 + q0)}
	if logisticCut {
		ew := math.Exp(-wCut)
		for j, g := range [3]float64{1, 0.8, 1} {
			tail[j] += ew * g
		}
	}
	var tb [nMom]float64
	pb := c.polyBound()
	for i := range tb {
		for j := 0; j < 3; j++ {
			tb[i] += pb[i][j] * tail[j]
		}
	}
	return tb
}

// smoothKappa is the slope below which the logistic is smooth on the
// Gaussian scale: there the step decomposition only adds a closed-form part
// that the remainder must cancel (large when the weight stays near 1/2
// over the bulk), so the full integrands are integrated directly.
const smoothKappa = 1.0

// smoothMoments returns the moments for kappa in (0, smoothKappa) by
// integrating the full integrands over [-zCut, zCut] (no step part),
// with the Gaussian tails bounded as in softMoments.
func smoothMoments(kappa, eta float64, c cparams, ws *momWork) logMoments {
	var m logMoments
	ig := &ws.smooth
	*ig = smoothIntegrand{c: c, kappa: kappa, eta: eta, ab: math.Abs(c.beta), pa2: c.pbar * c.a2}
	breaks := append(ws.breaks[:0], -zCut, -6, -3, -1, 1, 3, 6, zCut)
	val, err, ok, evals := integrateMoments(ig, breaks, nil, ws)
	m.converged, m.evals = ok, evals
	tb := c.tailBound(false)
	for i := 0; i < nMom; i++ {
		m.val[i] = val[i]
		m.err[i] = err[i] + tb[i] + 2*epsilon*math.Abs(m.val[i])
	}
	return m
}

// smoothIntegrand is the full integrand of the moments at z for
// p = sigmoid(kappa z + eta) (see smoothMoments); the components
// nMom..nMom+2 are the rounding magnitudes of mQR, mQRZ and mF.
type smoothIntegrand struct {
	c          cparams
	kappa, eta float64
	ab, pa2    float64 // |beta| and pbar a2
}

func (g *smoothIntegrand) panel(c, h float64, fv *panelVals) {
	g.at(c, &fv.c)
	for j := 0; j < nPairs; j++ {
		x := h * gk21.x[j]
		g.at(c-x, &fv.lo[j])
		g.at(c+x, &fv.hi[j])
	}
}

func (g *smoothIntegrand) at(z float64, out *[nVec]float64) {
	c := &g.c
	u := g.kappa*z + g.eta
	phi, p, pc, te, asz := c.common(out, z, u, g.ab, g.pa2)
	dp := p - c.pbar // p - pbar without cancellation near 1
	if c.pbar > 0.5 {
		dp = (1 - c.pbar) - pc
	}
	pp := phi * p
	out[mP] = pp
	out[mPZ] = pp * z
	out[mP2] = pp * p
	out[mF] = phi * dp * (c.a2*dp - 2*te)
	// term sizes, plus the absolute rounding of dp itself (<= 2 eps),
	// which is not small relative to dp when p stays near pbar
	ad := math.Abs(dp)
	out[nMom+2] = phi * (ad*(c.a2*(1+ad)+2*(g.ab+g.pa2+asz)) + (c.a2*ad+math.Abs(te))/2)
}

// locReach is how far (in z) the graded mesh around the step extends;
// beyond it the logistic tail is smooth on the Gaussian grid's scale
// (measured with the earlier grid: 6% fewer evaluations, same accuracy).
const locReach = 2.0

const invSqrt2Pi = 0.398942280401432677939946059934381868475858631164934657665925

func sortSmall(v []float64) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// The initial mesh of the remainder quadrature (in v = z - o, step at
// v = dz). Around the step, breakpoints at |u| = 2, 6, 14, 26 in units of the
// logistic argument u = kappa (v - dz), up to locReach in z (beyond, the
// logistic tail is smooth on the Gaussian grid's scale), the domain ending
// at |u| = wCut: the panels [0, 2], [2, 6], [6, 14], [14, 26], [26, 45]
// each side keep the Gauss rule's error on the exp(-|u|)-decaying
// remainder, whose nearest complex singularities are at u = +-i pi, well
// below the tolerance, so that they are rarely bisected. On the Gaussian
// scale, breakpoints at z = +-1, +-3, +-6, except within mergeDist of a
// breakpoint already placed (a sliver between two nearby breakpoints costs
// a whole panel and gains nothing). Measured on random moments (kappa from
// 1 to 1e8, steps inside and far outside the bulk): 26% fewer evaluations
// than the previous grid (|u| = 1, 4, 12, 25 and every Gaussian
// breakpoint), no loss of honesty against the fine reference.
const mergeDist = 0.6

// stepBreaks appends to breaks the initial mesh of the remainder
// quadrature on [lo, hi] (see mergeDist) and returns it, unsorted.
func stepBreaks(breaks []float64, kappa, o, dz, lo, hi float64) []float64 {
	stepGrid := [...]float64{2, 6, 14, 26}
	gaussGrid := [...]float64{-6, -3, -1, 1, 3, 6}
	breaks = append(breaks, lo, hi)
	if dz > lo && dz < hi {
		breaks = append(breaks, dz)
	}
	for _, k := range stepGrid {
		if k/kappa > locReach {
			break // the Gaussian grid resolves it
		}
		for _, g := range [2]float64{dz - k/kappa, dz + k/kappa} {
			if g > lo && g < hi {
				breaks = append(breaks, g)
			}
		}
	}
	n := len(breaks)
	for _, g := range gaussGrid {
		g -= o
		if !(g > lo && g < hi) {
			continue
		}
		near := false
		for _, b := range breaks[:n] {
			near = near || math.Abs(g-b) < mergeDist
		}
		if !near {
			breaks = append(breaks, g)
		}
	}
	return breaks
}

// stepTrimScales returns lower bounds of the integrals of the rounding
// magnitudes of mQR and mQRZ over the window |u| <= 1 around the
// logistic step z0 (u = kappa (z - z0), kappa > 0, a2 >= 0): the
// magnitudes are phi(z) q (|beta| + |s z| + a2 p) and that times |z|,
// and on the window (width 2/kappa) q >= sigmoid(1) sigmoid(-1) > 0.196,
// p >= sigmoid(-1) > 0.2689, phi(z) >= phi(|z0| + 1/kappa) and |z| >=
// max(0, |z0| - 1/kappa). trimNegligible uses them as the moments'
// tolerance scales.
func stepTrimScales(kappa, z0, beta, a2 float64) (lq, lqz float64) {
	lq = 0.196 * (2 / kappa) * theory.NormalPDF(math.Abs(z0)+1/kappa) * (math.Abs(beta) + 0.2689*a2)
	return lq, lq * math.Max(0, math.Abs(z0)-1/kappa)
}
