package claims

import (
	"errors"
	"math"

	"attnclust/theory"
)

// refGradient is an independent reference for the gradient of the
// population risk of a two-head layer, used by C0.grad-error-budget. It
// shares with the model under test the exact one-dimensional reduction
// (docs/MODEL.md §4) and the choice, per component, of the reference head
// r whose rival o has weight <= 1/2 at the component's mean (without it
// the assembly cancels terms of size ||mu*_k - mu_o|| and loses the
// digits the comparison needs), but none of its quadrature or error
// bookkeeping: no split of the logistic into a step and a remainder, no
// adaptive rule, no QUADPACK estimate. Per component k, with w = mu_o -
// mu_r, a = ||w||, t = <x, w> = <mu*_k, w> + sigma a z (z standard
// normal), p = p_o(x) (a logistic in z, or the indicator for hardmax), q =
// p (1 - p), r = x - T(x) = x - mu_r - p w and rho = <w, r>, the pointwise
// gradient is
//
//	dL/dmu_o = -2 (p r + lambda q rho g_o),  dL/dmu_r = -2 ((1 - p) r - lambda q rho g_r),
//
// g_h = x (dot) or x - mu_h (distance), and Gaussian conditioning
// E[f(t) x] = mu*_k E[f] + w (sigma/a) E[f z] turns every expectation
// into the five scalar integrals E[p], E[p z], E[p^2], E[q rho], E[q rho
// z], computed by composite 20-point Gauss-Legendre on z in [-12, 12]
// (Gaussian mass outside 4e-33) on a mesh of width 1/2 refined around the
// step z0 = (c - <mu*_k, w>)/(sigma a) at multiples of 1/(lambda sigma a).
// Its error estimate is the difference from the same rule on the mesh
// with every panel halved, plus a rounding allowance of 4 eps times the
// integrated magnitudes (the sums are compensated) and of the assembly;
// it is an estimate, not a bound (Kind estimated).
func refGradient(mix theory.Mixture, l theory.Prototype, heads [][]float64) (grad [][]float64, errEst float64, err error) {
	if mix.K() != 2 || len(heads) != 2 {
		return nil, 0, errors.New("reference gradient: two components and two heads needed")
	}
	d := mix.Dim()
	w := make([]float64, d)
	for i := range w {
		w[i] = heads[0][i] - heads[1][i]
	}
	a := theory.Norm(w)
	if !(a > 0) {
		return nil, 0, errors.New("reference gradient: equal heads")
	}
	sg := mix.Sigma
	s := sg * a
	lam := l.Lambda
	hard := l.Variant == theory.Hardmax
	dist := l.Variant != theory.Dot
	grad = [][]float64{make([]float64, d), make([]float64, d)}
	wo := make([]float64, d) // mu_o - mu_r
	dm := make([]float64, d) // mu*_k - mu_r
	for k, mk := range mix.Centroids {
		pi := mix.Weights[k]
		// reference head rh: the other head o has weight <= 1/2 at mu*_k
		rh, o := 1, 0
		logit := func() float64 {
			for i := range wo {
				wo[i] = heads[o][i] - heads[rh][i]
				dm[i] = mk[i] - heads[rh][i]
			}
			// <mu*_k, w'> - c' = <mu*_k - mu_r, w'> - ||w'||^2/2 (distance)
			// or <mu*_k, w'> (dot)
			if dist {
				return theory.Inner(dm, wo) - a*a/2
			}
			return theory.Inner(mk, wo)
		}
		m0 := logit()
		if m0 > 0 {
			rh, o = 0, 1
			m0 = logit()
		}
		z0 := -m0 / s // p_o = sigmoid(kappa (z - z0))
		kappa := lam * s
		beta := theory.Inner(dm, wo) // <mu*_k - mu_r, w'>
		f := func(z float64, out, mag *[5]float64) {
			var p float64
			if hard {
				if z > z0 {
					p = 1
				}
			} else {
				p = theory.Sigmoid(kappa * (z - z0))
			}
			q := p * (1 - p)
			if hard {
				q = 0
			}
			rho := beta + s*z - p*a*a
			phi := theory.NormalPDF(z)
			out[0] = phi * p
			out[1] = phi * p * z
			out[2] = phi * p * p
			out[3] = phi * q * rho
			out[4] = phi * q * rho * z
			mr := phi * q * (math.Abs(beta) + math.Abs(s*z) + p*a*a)
			mag[0], mag[1], mag[2], mag[3], mag[4] = out[0], math.Abs(out[1]), out[2], mr, mr*math.Abs(z)
		}
		breaks := refMesh(z0, kappa, hard)
		fine, mag := glIntegrate(f, breaks, 2)
		coarse, _ := glIntegrate(f, breaks, 1)
		var e [5]float64
		for j := range e {
			// rule difference plus a few roundings of each term (the sums
			// are compensated)
			e[j] = math.Abs(fine[j]-coarse[j]) + 4*epsilon*mag[j]
		}
		eP, ePZ, eP2, eQR, eQRZ := fine[0], fine[1], fine[2], fine[3], fine[4]
		cw := (sg/a)*ePZ - eP2 // E[p_o r] = E[p_o](mu*_k - mu_r) + w' cw
		cq := (sg / a) * eQRZ  // E[q rho x] = mu*_k E[q rho] + w' cq
		lq := lam
		if hard {
			lq = 0
		}
		gO, gR := grad[o], grad[rh]
		var no, nr, nk float64
		for i := 0; i < d; i++ {
			epr := eP*dm[i] + wo[i]*cw
			er := dm[i] - wo[i]*eP
			bo, br := mk[i], mk[i]
			if dist {
				bo -= heads[o][i]
				br -= heads[rh][i]
			}
			gO[i] += -2 * pi * (epr + lq*(bo*eQR+wo[i]*cq))
			gR[i] += -2 * pi * (er - epr - lq*(br*eQR+wo[i]*cq))
			no += bo * bo
			nr += br * br
			nk += dm[i] * dm[i]
		}
		no, nr, nk = math.Sqrt(no), math.Sqrt(nr), math.Sqrt(nk)
		// propagated integral errors (Euclidean norm over both heads)
		eEpr := nk*e[0] + a*((sg/a)*e[1]+e[2])
		eqo := no*e[3] + sg*e[4]
		eqr := nr*e[3] + sg*e[4]
		errEst += 2 * pi * (eEpr + lq*eqo + a*e[0] + eEpr + lq*eqr)
		// assembly rounding: 4 eps per unit of term magnitude
		magT := nk*math.Abs(eP) + a*math.Abs(cw) + nk + a*math.Abs(eP) + lq*((no+nr)*math.Abs(eQR)+2*a*math.Abs(cq))
		errEst += 2 * pi * 4 * epsilon * magT
	}
	if math.IsNaN(errEst) || math.IsInf(errEst, 0) {
		return nil, 0, errors.New("reference gradient: non-finite result")
	}
	return grad, errEst, nil
}

// refZCut is the reference's Gaussian cut: the mass beyond 12 is 3.6e-33.
const refZCut = 12.0

// refMesh returns the panel ends: a uniform mesh of width 1/2 on
// [-12, 12], the step z0 when inside, and (softmax) z0 +- m/kappa for m in
// 1/4, 1, 4, 16, 64 where inside, so that panels near the logistic's
// transition are no wider than its scale.
func refMesh(z0, kappa float64, hard bool) []float64 {
	var b []float64
	for z := -refZCut; z <= refZCut; z += 0.5 {
		b = append(b, z)
	}
	add := func(z float64) {
		if z > -refZCut && z < refZCut {
			b = append(b, z)
		}
	}
	add(z0)
	if !hard && kappa > 0 {
		for _, m := range []float64{0.25, 1, 4, 16, 64} {
			add(z0 - m/kappa)
			add(z0 + m/kappa)
		}
	}
	sortSmall(b)
	// drop duplicates (a break may coincide with the grid)
	out := b[:1]
	for _, z := range b[1:] {
		if z > out[len(out)-1] {
			out = append(out, z)
		}
	}
	return out
}

// sortSmall sorts a short slice in place (insertion sort).
func sortSmall(v []float64) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// glIntegrate integrates f over the panels between consecutive breaks,
// each split into parts equal pieces, with the 20-point Gauss-Legendre
// rule, and returns the integrals and the integrals of the magnitudes.
func glIntegrate(f func(z float64, out, mag *[5]float64), breaks []float64, parts int) (val, mag [5]float64) {
	var o, m, comp [5]float64
	for i := 0; i+1 < len(breaks); i++ {
		h := (breaks[i+1] - breaks[i]) / float64(parts)
		for p := 0; p < parts; p++ {
			lo := breaks[i] + float64(p)*h
			mid, half := lo+h/2, h/2
			for n, x := range gl20x {
				for _, sgn := range [2]float64{-1, 1} {
					f(mid+sgn*half*x, &o, &m)
					wt := gl20w[n] * half
					for j := range val {
						// Neumaier's compensated sum
						y := wt * o[j]
						t := val[j] + y
						if math.Abs(val[j]) >= math.Abs(y) {
							comp[j] += (val[j] - t) + y
						} else {
							comp[j] += (y - t) + val[j]
						}
						val[j] = t
						mag[j] += wt * m[j]
					}
				}
			}
		}
	}
	for j := range val {
		val[j] += comp[j]
	}
	return val, mag
}

// 20-point Gauss-Legendre nodes (positive half) and weights on [-1, 1]
// (Abramowitz and Stegun, table 25.4).
var (
	gl20x = [10]float64{
		0.0765265211334973337546404, 0.2277858511416450780804962, 0.3737060887154195606725482,
		0.5108670019508270980043641, 0.6360536807265150254528367, 0.7463319064601507926143051,
		0.8391169718222188233945291, 0.9122344282513259058677524, 0.9639719272779137912676661,
		0.9931285991850949247861224,
	}
	gl20w = [10]float64{
		0.1527533871307258506980843, 0.1491729864726037467878287, 0.1420961093183820513292983,
		0.1316886384491766268984945, 0.1181945319615184173123774, 0.1019301198172404350367501,
		0.0832767415767047487247581, 0.0626720483341090635695065, 0.0406014298003869413310400,
		0.0176140071391521183118620,
	}
)
