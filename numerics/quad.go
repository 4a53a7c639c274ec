package numerics

import (
	"fmt"
	"math"
)

// gkRule is a Gauss-Kronrod pair on [-1, 1]: the positive Kronrod nodes
// xk (the last one is 0), their weights wk, and the weights wg of the
// embedded Gauss rule, whose nodes are xk[1], xk[3], ... (and 0 when the
// Gauss rule has an odd number of nodes, centerWG != 0). Exactness of both
// rules on polynomials is tested.
type gkRule struct {
	xk, wk, wg []float64
	centerWG   float64
}

// gk15 is QUADPACK's qk15 pair (Gauss 7, Kronrod 15): exact for degree 13
// and 22.
var gk15Rule = gkRule{
	xk: []float64{
		0.991455371120812639206854697526329,
		0.949107912342758524526189684047851,
		0.864864423359769072789712788640926,
		0.741531185599394439863864773280788,
		0.586087235467691130294144845693013,
		0.405845151377397166906606412076961,
		0.207784955007898467600689403773245,
		0,
	},
	wk: []float64{
		0.022935322010529224963732008058970,
		0.063092092629978553290700663189204,
		0.104790010322250183839876322541518,
		0.140653259715525918745189590510238,
		0.169004726639267902826583426598550,
		0.190350578064785409913256402421014,
		0.204432940075298892414161999234649,
		0.209482141084727828012999174891714,
	},
	wg: []float64{
		0.129484966168869693270611432679082,
		0.279705391489276667901467771423780,
		0.381830050505118944950369775488975,
	},
	centerWG: 0.417959183673469387755102040816327,
}

// gk21Rule is QUADPACK's qk21 pair (Gauss 10, Kronrod 21): exact for
// degree 19 and 31.
var gk21Rule = gkRule{
	xk: []float64{
		0.995657163025808080735527280689003,
		0.973906528517171720077964012084452,
		0.930157491355708226001207180059508,
		0.865063366688984510732096688423493,
		0.780817726586416897063717578345042,
		0.679409568299024406234327365114874,
		0.562757134668604683339000099272694,
		0.433395394129247190799265943165784,
		0.294392862701460198131126603103866,
		0.148874338981631210884826001129720,
		0,
	},
	wk: []float64{
		0.011694638867371874278064396062192,
		0.032558162307964727478818972459390,
		0.054755896574351996031381300244580,
		0.075039674810919952767043140916190,
		0.093125454583697605535065465083366,
		0.109387158802297641899210590325805,
		0.123491976262065851077600525452290,
		0.134709217311473325928054001771707,
		0.142775938577060080797094273138717,
		0.147739104901338491374841515972068,
		0.149445554002916905664936468389821,
	},
	wg: []float64{
		0.066671344308688137593568809893332,
		0.149451349150580593145776339657697,
		0.219086362515982043995534934228163,
		0.269266719309996355091226921569469,
		0.295524224714752870173892994651338,
	},
}

const epsilon = 0x1p-52 // machine epsilon of float64

// maxVec is the largest number of components IntegrateVec accepts.
const maxVec = 10

// QuadResult is the outcome of an adaptive vector quadrature.
type QuadResult struct {
	Value []float64 // integral of each component
	// Err is the estimated absolute error of each component: the QUADPACK
	// estimate of the Gauss-Kronrod difference, floored by 50 eps times
	// the integral of |f| on each subinterval (the rounding level).
	Err []float64
	// Abs is the integral of |f| of each component, the scale against
	// which the relative tolerance is measured.
	Abs       []float64
	Intervals int  // number of subintervals used
	Evals     int  // number of calls of f
	Converged bool // every component met its tolerance
}

// gkScratch holds the function values of one panel; it is allocated once
// per integration so that the closure call does not force allocations.
type gkScratch struct {
	fc, f1, f2 [maxVec]float64
	fv1, fv2   [16][maxVec]float64
}

type gkInterval struct {
	a, b     float64
	val, err [maxVec]float64
	abs      [maxVec]float64
}

// apply applies the rule to the n-vector function f on [iv.a, iv.b] and
// fills iv's value, error and absolute-value integral (QUADPACK qk21/qk15
// error estimate, floored at 50 eps times the integral of |f|).
func (rl *gkRule) apply(f func(z float64, out []float64), n int, iv *gkInterval, sc *gkScratch) {
	fc, f1, f2 := sc.fc[:n], sc.f1[:n], sc.f2[:n]
	var resg, resk, resabs [maxVec]float64
	nk := len(rl.xk) - 1 // index of the center node
	c := (iv.a + iv.b) / 2
	h := (iv.b - iv.a) / 2
	f(c, fc)
	for i := 0; i < n; i++ {
		resg[i] = fc[i] * rl.centerWG
		resk[i] = fc[i] * rl.wk[nk]
		resabs[i] = math.Abs(resk[i])
	}
	for j := 0; j < nk; j++ {
		x := h * rl.xk[j]
		f(c-x, f1)
		f(c+x, f2)
		for i := 0; i < n; i++ {
			s := f1[i] + f2[i]
			resk[i] += rl.wk[j] * s
			resabs[i] += rl.wk[j] * (math.Abs(f1[i]) + math.Abs(f2[i]))
			if j%2 == 1 {
				resg[i] += rl.wg[j/2] * s
			}
			sc.fv1[j][i], sc.fv2[j][i] = f1[i], f2[i]
		}
	}
	ah := math.Abs(h)
	for i := 0; i < n; i++ {
		reskh := resk[i] / 2
		resasc := rl.wk[nk] * math.Abs(fc[i]-reskh)
		for j := 0; j < nk; j++ {
			resasc += rl.wk[j] * (math.Abs(sc.fv1[j][i]-reskh) + math.Abs(sc.fv2[j][i]-reskh))
		}
		resasc *= ah
		e := math.Abs((resk[i] - resg[i]) * h)
		if resasc != 0 && e != 0 {
			if t := 200 * e / resasc; t < 1 {
				e = resasc * t * math.Sqrt(t) // (200 e/resasc)^1.5
			} else {
				e = resasc
			}
		}
		ra := resabs[i] * ah
		if fl := 50 * epsilon * ra; fl > e {
			e = fl
		}
		iv.val[i] = resk[i] * h
		iv.err[i] = e
		iv.abs[i] = ra
	}
}

// QuadTol sets the stopping rule of IntegrateVec: component i has
// converged when its summed error estimate is at most
// max(Abs, Rel * (Scale[i] + integral of |f_i|)). Scale (may be nil)
// lets a caller add the magnitude of a closed-form part computed beside
// the integral, so that the tolerance is relative to the whole quantity.
type QuadTol struct {
	Rel, Abs     float64
	Scale        []float64
	MaxIntervals int // cap on subintervals; 0 means 200
	// Checked is the number of leading components held to the tolerance;
	// the others are integrated along (for example magnitudes used in an
	// error bound). 0 means all.
	Checked int
	// ScaleFrom, when not nil, adds to the scale of component i the
	// current integral of component ScaleFrom[i] (a nonnegative magnitude
	// integrated along; -1 for none): the tolerance then also covers the
	// rounding level of an integrand that is a difference of larger terms.
	ScaleFrom []int
	Rule15    bool // use the 15-point pair instead of the default 21-point
}

// IntegrateVec integrates the n-vector function f (n <= 10) over
// [breaks[0], breaks[len(breaks)-1]], starting from the subintervals given
// by the sorted breakpoints and bisecting adaptively, always the
// subinterval with the largest error in the component furthest from its
// tolerance. f must write its n values into out and must be finite on the
// open subintervals (the rule never evaluates f at an endpoint). The
// estimate is QUADPACK's, which is conservative for integrands smooth on
// each subinterval at the scale of the subinterval: as with any rule that
// samples f, a feature narrower than the node spacing of the initial mesh
// can go unseen, so callers must put breakpoints at known kinks and peaks
// (the reduction does, at the logistic step and on a graded mesh around
// it). Rel below 50 eps cannot be reached and reports Converged = false. It returns an error only for invalid arguments.
func IntegrateVec(f func(z float64, out []float64), n int, breaks []float64, tol QuadTol) (QuadResult, error) {
	if n < 1 || n > maxVec {
		return QuadResult{}, fmt.Errorf("IntegrateVec: n = %d components, want 1..%d", n, maxVec)
	}
	if len(breaks) < 2 {
		return QuadResult{}, fmt.Errorf("IntegrateVec: need at least 2 breakpoints, got %d", len(breaks))
	}
	for i := 1; i < len(breaks); i++ {
		if !(breaks[i] >= breaks[i-1]) || math.IsInf(breaks[i], 0) || math.IsInf(breaks[i-1], 0) {
			return QuadResult{}, fmt.Errorf("IntegrateVec: breakpoints must be finite and sorted, got %v", breaks)
		}
	}
	maxIv := tol.MaxIntervals
	if maxIv <= 0 {
		maxIv = 200
	}
	ivs := make([]gkInterval, 0, len(breaks)+32)
	sc := new(gkScratch)
	rule := &gk21Rule
	if tol.Rule15 {
		rule = &gk15Rule
	}
	evals := 0
	for i := 1; i < len(breaks); i++ {
		if breaks[i] == breaks[i-1] {
			continue
		}
		iv := gkInterval{a: breaks[i-1], b: breaks[i]}
		rule.apply(f, n, &iv, sc)
		evals += 2*len(rule.xk) - 1
		ivs = append(ivs, iv)
	}
	res := QuadResult{Value: make([]float64, n), Err: make([]float64, n), Abs: make([]float64, n)}
	for {
		for i := 0; i < n; i++ {
			res.Value[i], res.Err[i], res.Abs[i] = 0, 0, 0
		}
		for k := range ivs {
			for i := 0; i < n; i++ {
				res.Value[i] += ivs[k].val[i]
				res.Err[i] += ivs[k].err[i]
				res.Abs[i] += ivs[k].abs[i]
			}
		}
		worst, worstRatio := -1, 1.0
		nc := n
		if tol.Checked > 0 && tol.Checked < n {
			nc = tol.Checked
		}
		for i := 0; i < nc; i++ {
			sc := res.Abs[i]
			if tol.Scale != nil {
				sc += math.Abs(tol.Scale[i])
			}
			if tol.ScaleFrom != nil && tol.ScaleFrom[i] >= 0 {
				sc += math.Abs(res.Value[tol.ScaleFrom[i]])
			}
			t := math.Max(tol.Abs, tol.Rel*sc)
			if res.Err[i] > t {
				r := math.Inf(1)
				if t > 0 {
					r = res.Err[i] / t
				}
				if r > worstRatio {
					worst, worstRatio = i, r
				}
			}
		}
		if worst < 0 {
			res.Converged = true
			break
		}
		if len(ivs) >= maxIv {
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
		ivs[kmax] = gkInterval{a: a, b: m}
		rule.apply(f, n, &ivs[kmax], sc)
		right := gkInterval{a: m, b: b}
		rule.apply(f, n, &right, sc)
		ivs = append(ivs, right)
		evals += 4*len(rule.xk) - 2
	}
	res.Intervals, res.Evals = len(ivs), evals
	return res, nil
}

// Integrate is the scalar form of IntegrateVec over [a, b]: it returns
// the integral and its estimated absolute error, with Converged reporting
// whether max(absTol, relTol * integral of |f|) was met.
func Integrate(f func(float64) float64, a, b, absTol, relTol float64) (Estimate, bool, error) {
	r, err := IntegrateVec(func(z float64, out []float64) { out[0] = f(z) }, 1, []float64{a, b}, QuadTol{Rel: relTol, Abs: absTol})
	if err != nil {
		return Estimate{}, false, err
	}
	return Estimate{Value: r.Value[0], Err: r.Err[0]}, r.Converged, nil
}
