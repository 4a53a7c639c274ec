package numerics

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

// refMoments computes the six expectations of logistic.go by an
// independent method: no step decomposition and no tail bounds, the full
// integrands on [-14, 14] (Gaussian mass beyond is below 1e-44) with a
// composite 10-point Gauss rule on a fixed, very fine mesh that is graded
// geometrically around the step point (from 1e-4/kappa outwards) and
// uniform (0.02) elsewhere. It returns the values and the integrals of
// their absolute values (the rounding scale of the reference).
func refMoments(kappa, eta float64, c cparams) (val, abs [nMom]float64) {
	z0 := 0.0 // kappa = 0: no step, the mesh is centred at 0
	if kappa > 0 {
		z0 = -eta / kappa
	}
	// A step far outside [-14, 14] only matters through its tail: mesh
	// around the nearest point of the window instead (v = z - o), and form
	// the logistic argument from the unshifted z there.
	far := math.Abs(z0) > 15
	if far {
		z0 = math.Copysign(15, z0)
	}
	// mesh in v = z - z0
	lo, hi := -14-z0, 14-z0
	pts := []float64{lo, hi}
	for x := -14.0; x <= 14; x += 0.02 {
		if x-z0 > lo && x-z0 < hi {
			pts = append(pts, x-z0)
		}
	}
	if kappa > 0 && !far && lo < 0 && hi > 0 {
		pts = append(pts, 0)
		for g := 1e-4 / kappa; g < 80/kappa; g *= 1.25 {
			for _, v := range []float64{-g, g} {
				if v > lo && v < hi {
					pts = append(pts, v)
				}
			}
		}
	}
	sortSmall(pts)
	var comp [nMom]float64 // Neumaier compensation
	add := func(i int, x float64) {
		t := val[i] + x
		if math.Abs(val[i]) >= math.Abs(x) {
			comp[i] += (val[i] - t) + x
		} else {
			comp[i] += (x - t) + val[i]
		}
		val[i] = t
	}
	out := make([]float64, nMom)
	f := func(v float64) {
		z := z0 + v
		u := kappa * v
		if kappa == 0 {
			u = eta
		} else if far {
			u = kappa*z + eta
		}
		p := 1 / (1 + math.Exp(-u))
		pc := 1 / (1 + math.Exp(u))
		phi := math.Exp(-z*z/2) * invSqrt2Pi
		t := c.beta + c.s*z
		rho := t - c.a2*p
		q := p * pc
		out[mP] = phi * p
		out[mPZ] = phi * p * z
		out[mP2] = phi * p * p
		out[mQR] = phi * q * rho
		out[mQRZ] = phi * q * rho * z
		// p - pbar without cancellation when p and pbar are both near 1
		dp := p - c.pbar
		if c.pbar > 0.5 {
			dp = (1 - c.pbar) - pc
		}
		out[mF] = phi * (-2*dp*(t-c.pbar*c.a2) + c.a2*dp*dp)
	}
	rl := &gk21Rule
	for k := 1; k < len(pts); k++ {
		a, b := pts[k-1], pts[k]
		if b <= a {
			continue
		}
		m, h := (a+b)/2, (b-a)/2
		for j := 1; j < len(rl.xk)-1; j += 2 {
			for _, sg := range []float64{-1, 1} {
				f(m + sg*h*rl.xk[j])
				for i := 0; i < nMom; i++ {
					add(i, h*rl.wg[j/2]*out[i])
					abs[i] += h * rl.wg[j/2] * math.Abs(out[i])
				}
			}
		}
	}
	for i := range val {
		val[i] += comp[i]
	}
	return val, abs
}

// TestSoftMomentsHonest is the honesty property of the quadrature: over
// random logistic slopes kappa from 1e-3 to 1e8 and step points across and
// beyond the Gaussian bulk, the true error of every moment (against the
// independent fine reference) never exceeds the reported bound. The
// reference's own rounding (at most ~4 eps times the integral of |f|,
// compensated sums of products) is added as slack.
func TestSoftMomentsHonest(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		kappa := math.Pow(10, rapid.Float64Range(-3, 8).Draw(t, "log10kappa"))
		z0 := rapid.Float64Range(-9, 9).Draw(t, "z0")
		if rapid.Bool().Draw(t, "farStep") { // steps far outside the Gaussian bulk
			z0 = math.Copysign(math.Pow(10, rapid.Float64Range(1, 9).Draw(t, "log10z0")), z0)
		}
		c := cparams{
			beta: rapid.Float64Range(-20, 20).Draw(t, "beta"),
			s:    rapid.Float64Range(0, 10).Draw(t, "s"),
			a2:   rapid.Float64Range(0, 50).Draw(t, "a2"),
			pbar: rapid.Float64Range(0, 1).Draw(t, "pbar"),
		}
		m := softMoments(kappa, -z0*kappa, c)
		if !m.converged {
			t.Fatalf("did not converge")
		}
		ref, abs := refMoments(kappa, -z0*kappa, c)
		for i := 0; i < nMom; i++ {
			d := math.Abs(m.val[i] - ref[i])
			if d > m.err[i]+8*epsilon*abs[i] {
				t.Fatalf("moment %d: |%.17g - ref %.17g| = %.3g > bound %.3g", i, m.val[i], ref[i], d, m.err[i])
			}
		}
	})
}

// TestMomentsLimits pins special cases: kappa = 0 is in closed form; the
// hardmax moments equal the soft ones as kappa -> infinity.
func TestMomentsLimits(t *testing.T) {
	c := cparams{beta: 1.5, s: 2, a2: 3}
	m := softMoments(0, 0.3, c)
	ref, abs := refMoments(0, 0.3, c)
	for i := 0; i < nMom; i++ {
		if math.Abs(m.val[i]-ref[i]) > m.err[i]+8*epsilon*abs[i] {
			t.Errorf("kappa=0 moment %d: %.17g vs %.17g", i, m.val[i], ref[i])
		}
	}
	h := hardMoments(0.7, c)
	s := softMoments(1e12, -0.7e12, c)
	for _, i := range []int{mP, mPZ, mP2, mF} {
		// soft - hard = O(1/kappa) = 1e-12 times O(1) coefficients
		if math.Abs(h.val[i]-s.val[i]) > 1e-10 {
			t.Errorf("moment %d: hard %.17g soft %.17g", i, h.val[i], s.val[i])
		}
	}
}
