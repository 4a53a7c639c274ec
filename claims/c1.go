package claims

import (
	"pgregory.net/rapid"

	"math"

	"attnclust/theory"
)

// C1 is the claim "stationary points at the centroids" (THEORY 4).
type C1 struct{}

// C1Radius is the radius, in units of sigma, within which C1 asserts a
// local minimizer around the true centroids (per head).
const C1Radius = 0.5

// C1Cosine is the lower bound C1 asserts on cos(mu^_h, mu*_h).
const C1Cosine = 0.95

// ID returns "C1".
func (C1) ID() string { return "C1" }

// Title is a one-line summary.
func (C1) Title() string {
	return "Stationary points at the centroids: a certified local minimizer sits near the true centroids and approaches them as separation and lambda grow"
}

// Statement is the precise statement.
func (C1) Statement() string {
	return `**Setting.** Two-component mixture (THEORY 1) and the two-head layer of
THEORY 2 (variant dot, distance or hardmax) with population risk R. theta* =
(mu*_1, mu*_2) are the true centroids; theta^ = (mu^_1, mu^_2) is the critical
point reached by damped Newton started at theta* (on the centroids' plane
plus one orthogonal direction, which is exact by rotation invariance and
yields every distinct Hessian eigenvalue; see numerics.Subspace). Distances
are in units of sigma, gradients in units of sigma, curvatures are
dimensionless (R is in sigma^2).

**Hypotheses (H1).** Delta = ||mu*_1 - mu*_2||/sigma >= 4; lambda sigma^2 >= 1
or hardmax; pi1 in [0.2, 0.8]; and, for the dot variant, equal centroid
norms with an angle of at least 90 degrees between them (orthogonal,
antipodal, or angle >= pi/2). Dot scores lambda <x, mu_h> are not
translation invariant: they favour the longer head, and when the centroids
are far from the origin compared with their separation (small angle) the
critical point next to the centroids turns into a saddle (measured: angle
0.5 rad, Delta = 5, pi1 = 1/2, lambda sigma^2 = 1: Hessian eigenvalue -0.118).
The lambda -> infinity limit of dot is nearest-centroid only when
||mu*_1|| = ||mu*_2|| (THEORY 2.3).

**Checks.**
- ` + "`C1.minimizer`" + `: Newton (for the nearest nondegenerate critical point of
  any index) converges (||grad R(theta^)|| <= 1e-11 scale + GradErr) and
  theta^ is a strict local minimizer: margin = smallest Hessian eigenvalue,
  error = the differenced Hessian's error estimate (Richardson, times 2,
  plus the rigorous rounding term; Weyl's inequality carries it to every
  eigenvalue).
- ` + "`C1.radius`" + `: max_h ||mu^_h - mu*_h|| <= sigma/2. margin = 0.5 - distance/sigma;
  error = (||grad|| + GradErr)/(lambda_min - EigErr), the Newton-Kantorovich
  bound on the distance from the computed to the exact critical point.
  Why sigma/2: the minimizer is biased away from the centroids by an amount
  that vanishes only exponentially in Delta; THEORY 2.4 measures 0.063 sigma
  at lambda sigma^2 = 1 and 0.40 sigma at 0.3 (Delta = 4.24), and we measured
  up to 0.46 sigma at Delta = 4, lambda sigma^2 = 1 with pi1 = 0.2 (the
  lighter component's head is pulled toward the heavier one). Half the
  noise scale is the resolution at which "at the centroids" is meaningful
  for points drawn with noise sigma.
- ` + "`C1.cosine`" + `: min_h cos(mu^_h, mu*_h) >= 0.95 (alignment with the centroid
  direction from the origin; under H1 ||mu*_h|| >= delta >= 2 sigma, so the
  radius bound alone gives cos >= 0.968); error = distance error / ||mu*_h||.
- ` + "`C1.grad-decay`" + `: ||grad R(theta*)|| at the true centroids decreases along the
  separation ladder Delta, 1.5 Delta, 2 Delta (other parameters fixed):
  margin = min of the successive decreases, error = sum of gradient bounds.
- ` + "`C1.dist-decay-separation`" + `: the distance of theta^ to theta* decreases from
  Delta to 1.5 Delta: margin = dist(Delta) - dist(1.5 Delta).
- ` + "`C1.dist-decay-lambda`" + ` (softmax variants): it decreases from lambda sigma^2 to
  2 lambda sigma^2: margin = dist(lambda) - dist(2 lambda). Asserted only
  for pi1 = 1/2 and Delta <= 8; elsewhere it is mapped, not asserted,
  because it is false there: with pi1 = 1/2 (distance variant, orthogonal)
  the distance at lambda sigma^2 = 1, 2 is 7.45e-7, 7.84e-7 sigma at
  Delta = 10 and 2.24e-9, 3.05e-9 sigma at Delta = 12 (it decreases again
  beyond lambda sigma^2 = 2, towards the hardmax value); with unequal
  weights we measured increases such as 4.6e-6 sigma at Delta = 8.8,
  pi1 = 0.22, dot antipodal, lambda sigma^2 5 -> 10.
- ` + "`C1.hardmax-closed-form`" + ` (hardmax, pi1 = 1/2): theta^ equals THEORY 2.3's
  closed form m* +- beta u: margin = 1e-6 - ||theta^ - closed form||/sigma
  (1e-6: far above Newton's location error, ~1e-12, and far below any
  other scale of the problem).

Outside H1 the same checks map where the statement stops holding (small
Delta, small lambda sigma^2, dot with unequal norms or small angles). One
mechanism worth knowing: the offset of mu^_1 from mu*_1 along u is the
balance of an outward bias (the truncation effect of THEORY 2.3, which
decays like exp(-Delta^2/8)) and an inward pull of the soft attention
toward the other centroid (whose logistic tails decay only exponentially
in lambda sigma^2 Delta); at small lambda sigma^2 the bias wins at moderate
Delta and the pull at large Delta, so the offset changes sign and the
distance is not monotone in Delta
(measured, distance variant, pi1 = 1/2: at lambda sigma^2 = 0.3 the offset
is +3.0e-2, +9.6e-3, +7.4e-4, -1.9e-3 sigma at Delta = 6.5, 7, 7.5, 8, so
C1.dist-decay-separation FAILS there; see figure (b) of the report).`
}

// Ranges samples the full ranges of THEORY 4.
func (C1) Ranges() Ranges { return FullRanges() }

// InHypotheses reports whether r satisfies H1.
func (C1) InHypotheses(r Regime) bool {
	if r.Separation < 4 || (!r.Hardmax() && r.LambdaSigma2 < 1) || r.Pi1 < 0.2 || r.Pi1 > 0.8 {
		return false
	}
	if r.Variant != "dot" {
		return true
	}
	return r.Geometry == Orthogonal || r.Geometry == Antipodal || (r.Geometry == Angle && r.Angle >= math.Pi/2)
}

// Check runs C1's checks on r.
func (c C1) Check(env Env, r Regime) []Result {
	id := c.ID()
	var out []Result
	mix, l, obj, err := env.objective(r)
	if err != nil {
		return []Result{inconclusive(id, id+".minimizer", r, "%v", err)}
	}
	m, err := findMinimizer(env, r, nil)
	if err != nil {
		out = append(out, inconclusive(id, id+".minimizer", r, "%v", err))
	} else {
		spec := PrototypeSpec(mix, l, m.heads)
		cr := m.crit
		res := result(id, id+".minimizer", r, cr.MinEig, cr.EigErr, "Hessian eigenvalue",
			Quantity{"min_eig", cr.MinEig, cr.EigErr}, Quantity{"grad_norm", cr.GradNorm, cr.GradErr},
			Quantity{"risk", cr.Risk, cr.RiskErr})
		res.Spec = spec
		out = append(out, res)

		res = result(id, id+".radius", r, C1Radius-m.dist, m.distErr, "sigma",
			Quantity{"distance/sigma", m.dist, m.distErr}, Quantity{"radius/sigma", C1Radius, 0})
		res.Spec = spec
		out = append(out, res)

		cmin, cerr := 1.0, 0.0
		for h := range m.heads {
			n := theory.Norm(mix.Centroids[h])
			if n == 0 {
				cmin, cerr = math.NaN(), math.Inf(1)
				break
			}
			cmin = math.Min(cmin, theory.Cosine(m.heads[h], mix.Centroids[h]))
			cerr = math.Max(cerr, m.distErr*r.Sigma/n+1e-15)
		}
		res = result(id, id+".cosine", r, cmin-C1Cosine, cerr, "cosine",
			Quantity{"min_cos", cmin, cerr}, Quantity{"threshold", C1Cosine, 0})
		res.Spec = spec
		out = append(out, res)

		if r.Hardmax() && r.Pi1 == 0.5 {
			cf, _, err := theory.HardmaxCritical(mix)
			if err != nil {
				out = append(out, inconclusive(id, id+".hardmax-closed-form", r, "%v", err))
			} else {
				dev := math.Hypot(theory.Dist(m.heads[0], cf[0]), theory.Dist(m.heads[1], cf[1])) / r.Sigma
				out = append(out, result(id, id+".hardmax-closed-form", r, 1e-6-dev, m.distErr, "sigma",
					Quantity{"deviation/sigma", dev, m.distErr}))
			}
		}
	}

	// gradient at the true centroids along the separation ladder
	grads := make([]float64, 0, 3)
	gerr := 0.0
	for _, f := range []float64{1, 1.5, 2} {
		rr := r
		rr.Separation = r.Separation * f
		mx, _, ob, err := env.objective(rr)
		if err != nil {
			out = append(out, inconclusive(id, id+".grad-decay", r, "%v", err))
			grads = nil
			break
		}
		ev, err := ob.Eval(mx.Centroids)
		if err != nil {
			out = append(out, inconclusive(id, id+".grad-decay", r, "%v", err))
			grads = nil
			break
		}
		grads = append(grads, math.Hypot(theory.Norm(ev.Grad[0]), theory.Norm(ev.Grad[1]))/r.Sigma)
		gerr += ev.GradErr / r.Sigma
	}
	_ = obj
	if grads != nil {
		margin := math.Min(grads[0]-grads[1], grads[1]-grads[2])
		out = append(out, result(id, id+".grad-decay", r, margin, gerr, "sigma",
			Quantity{"grad(Delta)/sigma", grads[0], 0}, Quantity{"grad(1.5 Delta)/sigma", grads[1], 0},
			Quantity{"grad(2 Delta)/sigma", grads[2], 0}))
	}

	// distance of the minimizer along the separation and lambda ladders
	if err == nil || m.heads != nil {
		decay := func(check string, rr Regime, name string, narrow bool) {
			m2, err2 := findMinimizer(env, rr, nil)
			switch {
			case err2 != nil:
				out = append(out, inconclusive(id, check, r, "on the ladder (%s): %v", rr, err2))
				return
			case math.IsInf(m.distErr, 0) || math.IsInf(m2.distErr, 0):
				out = append(out, inconclusive(id, check, r, "the critical point is not certified nondegenerate at both ends of the ladder, so its location has no error bound"))
				return
			}
			res := result(id, check, r, m.dist-m2.dist, m.distErr+m2.distErr, "sigma",
				Quantity{"distance/sigma", m.dist, m.distErr}, Quantity{name, m2.dist, m2.distErr})
			res.narrow = narrow
			out = append(out, res)
		}
		rs := r
		rs.Separation *= 1.5
		decay(id+".dist-decay-separation", rs, "distance/sigma at 1.5 Delta", false)
		if !r.Hardmax() {
			rl := r
			rl.LambdaSigma2 *= 2
			decay(id+".dist-decay-lambda", rl, "distance/sigma at 2 lambda", r.Pi1 != 0.5 || r.Separation > 8)
		}
	}
	return out
}

// Hypotheses lists C1's hypotheses with their provenance.
func (C1) Hypotheses() []Hypothesis { return nil }

// InHypothesesGenerator draws regimes inside C1's a priori hypotheses.
func (c C1) InHypothesesGenerator() *rapid.Generator[Regime] { return c.Ranges().Generator() }
