package numerics

import (
	"fmt"
	"math"
	"slices"

	"attnclust/theory"
)

// HardmaxPlanar is the population risk of the Hardmax layer (the
// population k-means objective over Voronoi cells) when the head
// differences span at most two dimensions, which includes every
// configuration of three heads, for a mixture with any number of
// components. It evaluates the reduction of RiskK deterministically: in
// the reduced plane each Voronoi cell is a convex polygon, its
// intersection with a line g1 = const is an interval in g2 whose Gaussian
// moments are closed forms (Phi and phi), and the remaining integral over
// g1 is adaptive Gauss-Kronrod (IntegrateVec) with breakpoints at every
// g1 where a cell's interval changes form (the intersections of the
// bisector lines, and the bisectors parallel to the g2 axis), over
// [-hardmaxPlanarCut, hardmaxPlanarCut] with the tails bounded
// explicitly. It implements theory.Objective and is safe for concurrent
// use.
//
// Accuracy: RiskErr and GradErr add the QUADPACK error estimates (as for
// the two-head path, an estimate for integrands smooth between the
// breakpoints, which these are: products of phi(g1) with Phi and phi of
// affine functions of g1), the explicit tail bounds, and a bound on the
// rounding of the O(d) inner products that form the reduced inputs
// (d eps relative each, uncompensated) and of the assembly.
//
// Cost: O(K H d) vector work plus K one-dimensional quadratures of 3H
// components, independent of d.
type HardmaxPlanar struct {
	r     *RiskK
	heads int
}

// hardmaxPlanarCut is the half-width of the g1 range; beyond it the
// integrands (bounded by phi(g1) (|c| + 1 + |g1|) in the units below)
// carry at most 2 (Q(12) + phi(12)) < 1e-31 each, which is added to the
// error.
const hardmaxPlanarCut = 12.0

// hardmaxPlanarTol is the relative tolerance of the g1 quadrature: the
// integrands are probabilities and first moments of size at most about
// 1 + |c|, and 1e-13 of them is below any use of the result while leaving
// the QUADPACK estimate a margin over the rounding floor (50 eps).
const hardmaxPlanarTol = 1e-13

// NewHardmaxPlanar validates mix and the number of heads (2..MaxHeadsK)
// and returns the objective.
func NewHardmaxPlanar(mix theory.Mixture, heads int) (*HardmaxPlanar, error) {
	if heads < 1 || heads > MaxHeadsK {
		return nil, fmt.Errorf("NewHardmaxPlanar: heads: must be in [1, %d], got %d", MaxHeadsK, heads)
	}
	r, err := NewRiskK(mix, theory.Prototype{Variant: theory.Hardmax}, OptionsK{Points: 16, Randomizations: 2})
	if err != nil {
		return nil, fmt.Errorf("NewHardmaxPlanar: %w", err)
	}
	return &HardmaxPlanar{r: r, heads: heads}, nil
}

// Dim returns the token dimension d.
func (p *HardmaxPlanar) Dim() int { return p.r.mix.Dim() }

// Heads returns the number of heads.
func (p *HardmaxPlanar) Heads() int { return p.heads }

// Eval returns the hardmax risk and its gradient with error bounds. The
// gradient of head h is -2 P(cell h) (cell mean - mu_h); ties go to the
// lowest index (a head equal to an earlier one has an empty cell and a
// zero gradient). It returns an error when the head differences span more
// than two dimensions (use RiskK), on invalid heads, or when the
// quadrature does not converge.
func (p *HardmaxPlanar) Eval(heads [][]float64) (theory.Eval, error) {
	ev, _, _, err := p.evalMass(heads)
	return ev, err
}

// Misclassification returns the probability that the nearest head is not
// the head with the index of the token's component (one head per
// component), with an error bound. The nearest head is also the head of
// largest score of the Distance variant at any lambda > 0, so this is the
// misclassification rate of RiskK for Hardmax and Distance, here
// deterministic.
func (p *HardmaxPlanar) Misclassification(heads [][]float64) (Estimate, error) {
	if len(heads) != p.r.mix.K() {
		return Estimate{}, fmt.Errorf("HardmaxPlanar.Misclassification: %d heads for %d components, want one head per component", len(heads), p.r.mix.K())
	}
	_, _, miss, err := p.evalMass(heads)
	return miss, err
}

// evalMass is Eval that also returns the cell masses P(cell h) over the
// mixture (with the quadrature's error, below hardmaxPlanarTol relative)
// and, when there are as many heads as components, the misclassification
// rate sum_k pi_k (1 - P_k(cell k)) with its error bound.
func (p *HardmaxPlanar) evalMass(heads [][]float64) (theory.Eval, []float64, Estimate, error) {
	d := p.r.mix.Dim()
	if err := validateHeadsShape(heads, p.heads, d); err != nil {
		return theory.Eval{}, nil, Estimate{}, fmt.Errorf("HardmaxPlanar.Eval: %w", err)
	}
	H := len(heads)
	mass := make([]float64, H)
	var miss Estimate
	ev := theory.Eval{Grad: make([][]float64, H)}
	for h := range ev.Grad {
		ev.Grad[h] = make([]float64, d)
	}
	gradErr := make([]float64, H)
	inputScale, roundScale := 0.0, 0.0
	sigma := p.r.mix.Sigma
	for k, pi := range p.r.mix.Weights {
		red := p.r.reduce(k, heads)
		m := len(red.q)
		if m > 2 {
			return theory.Eval{}, nil, Estimate{}, fmt.Errorf("HardmaxPlanar.Eval: the head differences span %d dimensions, at most 2 supported", m)
		}
		var b [][2]float64
		var c [2]float64
		copy(c[:], red.cV)
		for h := range H {
			var bh [2]float64
			copy(bh[:], red.b[h])
			b = append(b, bh)
		}
		val, err, e := planarCellMoments(b, c, sigma)
		if e != nil {
			return theory.Eval{}, nil, Estimate{}, fmt.Errorf("HardmaxPlanar.Eval: component %d: %w", k, e)
		}
		if H == p.r.mix.K() {
			miss.Value += pi * (1 - val[3*k])
			miss.Err += pi * err[3*k]
		}
		cPerp2 := theory.Inner(red.cPerp, red.cPerp)
		cn := math.Hypot(c[0], c[1])
		cPerpN := math.Sqrt(cPerp2)
		risk := cPerp2 + sigma*sigma*float64(d) + cn*cn
		riskErr := 0.0
		scale := cPerp2 + sigma*sigma*float64(d) + cn*cn
		for h := range H {
			P := val[3*h]
			mass[h] += pi * P
			ey := [2]float64{c[0]*P + sigma*val[3*h+1], c[1]*P + sigma*val[3*h+2]}
			bn2 := b[h][0]*b[h][0] + b[h][1]*b[h][1]
			risk += bn2*P - 2*(b[h][0]*ey[0]+b[h][1]*ey[1])
			eP := err[3*h]
			eY := cn*eP + sigma*math.Hypot(err[3*h+1], err[3*h+2])
			bn := math.Sqrt(bn2)
			riskErr += bn2*eP + 2*bn*eY
			scale += bn2*math.Abs(P) + 2*bn*math.Hypot(ey[0], ey[1])
			// grad_h += -2 pi [cPerp P + Q (ey - b_h P)].
			g := ev.Grad[h]
			theory.AddScaled(g, -2*pi*P, red.cPerp)
			v := [2]float64{ey[0] - b[h][0]*P, ey[1] - b[h][1]*P}
			for j, qj := range red.q {
				theory.AddScaled(g, -2*pi*v[j], qj)
			}
			gradErr[h] += 2 * pi * ((cPerpN+bn)*eP + eY)
			mag := 2 * pi * (cPerpN*math.Abs(P) + math.Hypot(ey[0], ey[1]) + bn*math.Abs(P))
			roundScale += mag
			inputScale += mag
		}
		ev.Risk += pi * risk
		ev.RiskErr += pi * riskErr
		inputScale += pi * scale
		roundScale += pi * scale
	}
	// The reduced inputs are inner products of length d, each with
	// relative error at most d eps (plain summation): a relative
	// perturbation of at most about 4 d eps of every term (products of
	// two such inputs), bounded through the sum of term magnitudes; the
	// assembly adds a few eps of the same magnitudes.
	fd := float64(d)
	ev.RiskErr += (4*fd + 16) * epsilon * inputScale
	ge := 0.0
	for _, e := range gradErr {
		ge += e * e
	}
	ev.GradErr = math.Sqrt(ge) + (4*fd+16)*epsilon*roundScale
	if math.IsNaN(ev.Risk) || math.IsInf(ev.Risk, 0) || math.IsNaN(ev.GradErr) || math.IsInf(ev.GradErr, 0) {
		return theory.Eval{}, nil, Estimate{}, fmt.Errorf("HardmaxPlanar.Eval: non-finite result (risk %v, gradient error %v)", ev.Risk, ev.GradErr)
	}
	miss.Err += 4 * epsilon * float64(p.r.mix.K())
	return ev, mass, miss, nil
}

// halfPlane is the half-plane a1 g1 + a2 g2 >= t of the reduced plane.
type halfPlane struct{ a1, a2, t float64 }

// halfPlaneBreaks returns the sorted, distinct breakpoints in g1 of the
// planar rules over the half-planes hs on [-L, L]: -L, 0 and L, the g1 of
// every bounding line parallel to the g2 axis and of every intersection
// of two bounding lines, inside (-L, L). Between two breakpoints the
// interval in g2 cut by the half-planes keeps its form, so integrands
// built from it are smooth there.
func halfPlaneBreaks(hs []halfPlane, L float64) []float64 {
	breaks := []float64{-L, 0, L}
	add := func(x float64) {
		if x > -L && x < L {
			breaks = append(breaks, x)
		}
	}
	for i, l1 := range hs {
		if l1.a2 == 0 && l1.a1 != 0 {
			add(l1.t / l1.a1)
		}
		for _, l2 := range hs[i+1:] {
			if det := l1.a1*l2.a2 - l1.a2*l2.a1; det != 0 {
				add((l1.t*l2.a2 - l2.t*l1.a2) / det)
			}
		}
	}
	slices.Sort(breaks)
	return slices.Compact(breaks)
}

// planarCellMoments returns, for each head h, the Gaussian moments of its
// Voronoi cell in the reduced plane, g ~ N(0, I_2), y = c + sigma g:
// val[3h] = P(cell h), val[3h+1] = E[g1 1{cell h}], val[3h+2] =
// E[g2 1{cell h}], with their error estimates (quadrature plus tails).
// Cell h is {g : <y, b_h> - |b_h|^2/2 >= <y, b_j> - |b_j|^2/2 for all j},
// ties to the lowest index.
func planarCellMoments(b [][2]float64, c [2]float64, sigma float64) (val, errs []float64, err error) {
	H := len(b)
	cells := make([][]halfPlane, H)
	empty := make([]bool, H)
	for h := range H {
		for j := range H {
			if j == h {
				continue
			}
			if b[h] == b[j] {
				if j < h {
					empty[h] = true
				}
				continue
			}
			dh := [2]float64{b[h][0] - b[j][0], b[h][1] - b[j][1]}
			hp := halfPlane{
				a1: sigma * dh[0], a2: sigma * dh[1],
				t: (b[h][0]*b[h][0]+b[h][1]*b[h][1]-b[j][0]*b[j][0]-b[j][1]*b[j][1])/2 - (c[0]*dh[0] + c[1]*dh[1]),
			}
			cells[h] = append(cells[h], hp)
		}
	}
	const L = hardmaxPlanarCut
	// Tails |g1| > L: each integrand is at most phi(g1) (1 + |g1|).
	tail := 2 * (theory.NormalQ(L) + theory.NormalPDF(L))
	val, errs = make([]float64, 3*H), make([]float64, 3*H)
	for h := range H {
		if empty[h] {
			continue
		}
		cell := cells[h]
		// Breakpoints: where the cell's interval in g2 changes form, at
		// the intersections of its bounding lines and at its bounding
		// lines parallel to the g2 axis.
		breaks := halfPlaneBreaks(cell, L)
		f := func(g1 float64, out []float64) {
			out[0], out[1], out[2] = 0, 0, 0
			lo, hi := math.Inf(-1), math.Inf(1)
			for _, hp := range cell {
				r := hp.t - hp.a1*g1
				switch {
				case hp.a2 > 0:
					lo = math.Max(lo, r/hp.a2)
				case hp.a2 < 0:
					hi = math.Min(hi, r/hp.a2)
				case r > 0:
					return // a bound parallel to the g2 axis excludes g1
				}
			}
			if !(lo < hi) {
				return
			}
			phi1 := theory.NormalPDF(g1)
			m0 := normalMass(lo, hi)
			out[0] = phi1 * m0
			out[1] = phi1 * g1 * m0
			out[2] = phi1 * (theory.NormalPDF(lo) - theory.NormalPDF(hi))
		}
		res, e := IntegrateVec(f, 3, breaks, QuadTol{Rel: hardmaxPlanarTol, Abs: 1e-300, MaxIntervals: 400})
		if e != nil {
			return nil, nil, e
		}
		if !res.Converged {
			return nil, nil, fmt.Errorf("cell %d: quadrature did not converge (%d intervals, error estimates %v)", h, res.Intervals, res.Err)
		}
		for i := range 3 {
			val[3*h+i] = res.Value[i]
			errs[3*h+i] = res.Err[i] + tail
		}
	}
	return val, errs, nil
}

// normalMass returns P(lo < Z < hi) for a standard normal Z, lo < hi
// (either may be infinite), from the tail on the side that keeps full
// relative accuracy.
func normalMass(lo, hi float64) float64 {
	switch {
	case lo >= 0:
		return theory.NormalQ(lo) - theory.NormalQ(hi)
	case hi <= 0:
		return theory.NormalQ(-hi) - theory.NormalQ(-lo)
	default:
		return 1 - theory.NormalQ(-lo) - theory.NormalQ(hi)
	}
}
