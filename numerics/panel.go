package numerics

import "math"

// The moment quadrature's inner loop. The generic IntegrateVec calls its
// integrand once per node through a closure and handles any number of
// components; the reduction always integrates the same nVec components, so
// it evaluates a whole Gauss-Kronrod panel at once through a concrete
// integrand (one indirect call per panel, none per node), sums the nodes
// with fixed-size arrays and keeps its subintervals in a reusable
// workspace (no allocation per call in steady state). The rule, the error
// estimate and the stopping rule are exactly IntegrateVec's (QUADPACK's
// G10/K21 estimate, floored at 50 eps times the integral of |f|), so the
// values and bounds are those of IntegrateVec on the same mesh.

// nVec is the number of components integrated per node: the nMom moments
// and three nonnegative rounding magnitudes (of mQR, mQRZ and mF).
const nVec = nMom + 3

// nNodes is the number of nodes of the 21-point Kronrod rule; nPairs the
// number of symmetric pairs besides the centre.
const (
	nNodes = 21
	nPairs = nNodes / 2
)

// panelVals holds the integrand at the nodes of one panel: c at the
// centre, lo[j] and hi[j] at c - h xk[j] and c + h xk[j] (xk the positive
// Kronrod nodes of gk21Rule, decreasing; the Gauss nodes are the odd j).
type panelVals struct {
	c      [nVec]float64
	lo, hi [nPairs][nVec]float64
}

// gk21 is gk21Rule in fixed-size arrays (so that the panel loops need no
// bounds checks): the positive nodes x and Kronrod weights wk of the
// pairs, the centre's Kronrod weight wkc, and the Gauss weights wg of the
// pairs j = 1, 3, ..., 9 (the 10-point Gauss rule has no centre node).
var gk21 = struct {
	x, wk [nPairs]float64
	wkc   float64
	wg    [nPairs / 2]float64
}{
	x:   [nPairs]float64(gk21Rule.xk[:nPairs]),
	wk:  [nPairs]float64(gk21Rule.wk[:nPairs]),
	wkc: gk21Rule.wk[nPairs],
	wg:  [nPairs / 2]float64(gk21Rule.wg),
}

// panelIntegrand evaluates the nVec components at the 21 Kronrod nodes of
// the panel with centre c and half-length h (node layout of panelVals).
type panelIntegrand interface {
	panel(c, h float64, fv *panelVals)
}

// momInterval is one subinterval with its Kronrod values, QUADPACK error
// estimates and integrals of |f| (the last two for the nMom moments only;
// the magnitudes are integrated along without a tolerance).
type momInterval struct {
	a, b     float64
	val      [nVec]float64
	err, abs [nMom]float64
}

// momWork is the reusable scratch of one moment integration. The zero
// value is ready to use; it must not be shared by concurrent calls.
type momWork struct {
	ivs    []momInterval
	fv     panelVals
	breaks [32]float64
	// the integrands, kept here so that passing them as a panelIntegrand
	// does not allocate
	step   stepIntegrand
	smooth smoothIntegrand
}

// momMaxIntervals caps the number of subintervals of one integration (as
// MaxIntervals in IntegrateVec; measured use is below 40).
const momMaxIntervals = 400

// applyPanel evaluates ig on [iv.a, iv.b] with the G10/K21 pair and fills
// iv: the same arithmetic as gkRule.apply (QUADPACK qk21 estimate,
// floored at 50 eps times the integral of |f|) for the nMom moments, the
// Kronrod value alone for the magnitudes.
func applyPanel(ig panelIntegrand, iv *momInterval, fv *panelVals) {
	c := (iv.a + iv.b) / 2
	h := (iv.b - iv.a) / 2
	ig.panel(c, h, fv)
	ah := fabs(h)
	wk, wg := &gk21.wk, &gk21.wg
	for i := nMom; i < nVec; i++ {
		resk := fv.c[i] * gk21.wkc
		for j := 0; j < nPairs; j++ {
			resk += wk[j] * (fv.lo[j][i] + fv.hi[j][i])
		}
		iv.val[i] = resk * h
	}
	for i := 0; i < nMom; i++ {
		fc := fv.c[i]
		// two accumulators each (even and odd pairs) shorten the
		// dependency chains; the Gauss rule uses the odd pairs
		resk := fc * gk21.wkc
		resabs := fabs(resk)
		var resk1, resabs1, resg float64
		for jj := 0; jj < nPairs/2; jj++ {
			j := 2 * jj
			f1, f2 := fv.lo[j][i], fv.hi[j][i]
			g1, g2 := fv.lo[j+1][i], fv.hi[j+1][i]
			s, t := f1+f2, g1+g2
			resk += wk[j] * s
			resk1 += wk[j+1] * t
			resabs += wk[j] * (fabs(f1) + fabs(f2))
			resabs1 += wk[j+1] * (fabs(g1) + fabs(g2))
			resg += wg[jj] * t
		}
		resk += resk1
		resabs += resabs1
		reskh := resk / 2
		resasc := gk21.wkc * fabs(fc-reskh)
		resasc1 := 0.0
		for jj := 0; jj < nPairs/2; jj++ {
			j := 2 * jj
			resasc += wk[j] * (fabs(fv.lo[j][i]-reskh) + fabs(fv.hi[j][i]-reskh))
			resasc1 += wk[j+1] * (fabs(fv.lo[j+1][i]-reskh) + fabs(fv.hi[j+1][i]-reskh))
		}
		resasc = (resasc + resasc1) * ah
		e := fabs((resk - resg) * h)
		if resasc != 0 && e != 0 {
			if t := 200 * e / resasc; t < 1 {
				e = resasc * t * math.Sqrt(t) // (200 e/resasc)^1.5
			} else {
				e = resasc
			}
		}
		ra := resabs * ah
		if fl := 50 * epsilon * ra; fl > e {
			e = fl
		}
		iv.val[i] = resk * h
		iv.err[i] = e
		iv.abs[i] = ra
	}
}

// momScaleFrom maps each moment to the magnitude whose integral is added
// to its tolerance scale (-1 for none): the rounding level of mQR, mQRZ and
// mF, which are differences of larger terms.
var momScaleFrom = [nMom]int{-1, -1, -1, nMom, nMom + 1, nMom + 2}

// integrateMoments integrates the nMom moments and their 3 rounding
// magnitudes (components nMom..nMom+2 of ig) over the mesh breaks (sorted,
// at most len(ws.breaks) points), bisecting adaptively the subinterval
// with the largest error in the moment furthest from its tolerance, until
// every moment's summed error is at most max(momAbs, momRel (scale_i +
// integral of |f_i| + magnitude_i)), with scale the closed-form part (nil
// for none). It returns the values and error bounds, the magnitudes'
// rounding allowance (8 eps per unit of term size: a handful of roundings,
// each at most eps relative) included. ws may be nil (then it allocates).
func integrateMoments(ig panelIntegrand, breaks []float64, scale *[nMom]float64, ws *momWork) (val, err [nMom]float64, converged bool, evals int) {
	if ws == nil {
		ws = new(momWork)
	}
	ivs := ws.ivs[:0]
	for i := 1; i < len(breaks); i++ {
		if breaks[i] == breaks[i-1] {
			continue
		}
		ivs = append(ivs, momInterval{a: breaks[i-1], b: breaks[i]})
		applyPanel(ig, &ivs[len(ivs)-1], &ws.fv)
		evals += nNodes
	}
	var sum [nVec]float64
	for {
		var serr, sabs [nMom]float64
		sum = [nVec]float64{}
		for k := range ivs {
			iv := &ivs[k]
			for i := 0; i < nVec; i++ {
				sum[i] += iv.val[i]
			}
			for i := 0; i < nMom; i++ {
				serr[i] += iv.err[i]
				sabs[i] += iv.abs[i]
			}
		}
		worst, worstRatio := -1, 1.0
		for i := 0; i < nMom; i++ {
			sc := sabs[i]
			if scale != nil {
				sc += math.Abs(scale[i])
			}
			if j := momScaleFrom[i]; j >= 0 {
				sc += math.Abs(sum[j])
			}
			t := math.Max(momAbs, momRel*sc)
			if serr[i] > t {
				if r := serr[i] / t; r > worstRatio {
					worst, worstRatio = i, r
				}
			}
		}
		if worst < 0 {
			converged = true
			for i := 0; i < nMom; i++ {
				err[i] = serr[i]
			}
			break
		}
		if len(ivs) >= momMaxIntervals {
			break
		}
		kmax := 0
		for k := range ivs {
			if ivs[k].err[worst] > ivs[kmax].err[worst] {
				kmax = k
			}
		}
		a, b := ivs[kmax].a, ivs[kmax].b
		m := (a + b) / 2
		if !(m > a && m < b) {
			break // cannot bisect further in floating point
		}
		ivs[kmax] = momInterval{a: a, b: m}
		applyPanel(ig, &ivs[kmax], &ws.fv)
		ivs = append(ivs, momInterval{a: m, b: b})
		applyPanel(ig, &ivs[len(ivs)-1], &ws.fv)
		evals += 2 * nNodes
	}
	ws.ivs = ivs[:0]
	if !converged {
		return val, err, false, evals
	}
	copy(val[:], sum[:nMom])
	err[mQR] += 8 * epsilon * sum[nMom]
	err[mQRZ] += 8 * epsilon * sum[nMom+1]
	err[mF] += 8 * epsilon * sum[nMom+2]
	return val, err, true, evals
}

// fabs is |x| by a sign test: the integrands keep their sign over most
// panels, so the branch is predicted, and x stays in a floating-point
// register (math.Abs goes through an integer register on amd64).
func fabs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
