package claims

import (
	"fmt"
	"math"

	"pgregory.net/rapid"

	"attnclust/theory"
)

// C1 is the claim "stationary points at the centroids" (docs/MODEL.md
// §7.2): a certified strict local minimizer exists near the true
// centroids, and the centroids become stationary as the separation grows.
type C1 struct{}

// C1Radius is the radius, in units of sigma, within which C1 asserts a
// strict local minimizer around the true centroids (per head). It is
// chosen a priori: moving a head by r sigma raises the expected squared
// error of its component's tokens, E||x - mu_h||^2 = d sigma^2 +
// ||mu_h - mu*_h||^2, by r^2 sigma^2, and r = 1/2 makes that a quarter of
// the noise variance of a single coordinate; under the separation
// convention (each centroid 3 sigma from the midpoint) it keeps each head
// deep inside its own centroid's Voronoi cell.
const C1Radius = 0.5

// c1RoundingRel is the rounding level of a gradient relative to the
// problem's length scale sigma + ||mu*_1|| + ||mu*_2||: the reduction's
// integrals carry about 1e-15 relative rounding and a gradient is a
// difference of terms of the size of the scale, so gradients below 1e-14
// of the scale are not resolved (their certified bounds may be smaller,
// but their decrease says nothing about the model).
const c1RoundingRel = 1e-14

// c1HardmaxTol is the tolerance, in units of sigma, of
// C1.hardmax-closed-form: far above the location error of a certified
// critical point (~1e-12 sigma) and far below the distance between
// distinct critical points met anywhere in the suite (~0.1 sigma).
const c1HardmaxTol = 1e-6

// ID returns "C1".
func (C1) ID() string { return "C1" }

// Title is a one-line summary.
func (C1) Title() string {
	return "Stationary points at the centroids: a certified strict local minimizer exists within sigma/2 of the true centroids, and the centroids become stationary as the separation grows"
}

// Statement is the precise statement.
func (C1) Statement() string {
	return `**Setting.** The two-component mixture and the two-head layer (variant dot,
distance or hardmax) with population risk R (docs/MODEL.md §1 to §3).
theta* = (mu*_1, mu*_2) are the true centroids. Distances are in units of
sigma, gradients in units of sigma, curvatures are dimensionless.

**Hypotheses.** Listed with their provenance in the hypotheses table
(docs/MODEL.md §7.2): the paper's setting, Delta >= 6 (the a priori
realization of "separation large enough", §8.4), the softmax resolution
lambda sigma^2 Delta^2 >= 13.21 (§8.1) and, for the dot variant, equal
centroid norms (§8.2). Measured boundaries are reported, not assumed.

**Search.** Newton's method for the nearest nondegenerate critical point of
any index is started from 7 points: the centroids, the hardmax critical
point of §5.2 (equal weights), both heads translated by sigma/4 along the
centroid axis (both ways), one head lengthened and the other shortened by
sigma/4 (both ways: dot scores favour the longer head, §8.2), and one random
perturbation of size sigma/4. It works on the centroids' span plus one
orthogonal direction, which is exact by rotation invariance and shows every
distinct Hessian eigenvalue (§4). Points reached from several starts are merged. Each point is certified: the
gradient norm with its rigorous bound, and every Hessian eigenvalue with
the differenced Hessian's error (a Richardson estimate, so the index and
the location bound are *estimated*, not proven: §9). The location bound
(Newton-Kantorovich) is (||grad|| + its bound) / (smallest |eigenvalue| -
its error). theta^ = (mu^_1, mu^_2) is the certified strict minimizer
nearest to the centroids; C2 and C3 are about the same point.

**Checks.**
- minimizer (claim): a certified strict local minimizer exists near the
  centroids. Margin: the smallest Hessian eigenvalue at theta^, error the
  Hessian's error. Every distinct critical point within sigma/2 is listed
  with its distance and index, so a saddle next to the centroids is
  reported even when a minimizer sits nearby (named regime small-angle-dot).
  If no start reaches a minimizer, the margin is the smallest eigenvalue of
  the critical point nearest to the centroids and a FAILS means: no
  minimizer from these starts, and the points found are certified
  non-minimizers (evidence from a finite search, kind sampled).
- radius (claim): max_h ||mu^_h - mu*_h|| <= sigma/2. Margin: 1/2 minus the
  distance; error: the location bound. Why sigma/2 (chosen before any
  measurement): moving a head by r sigma raises the squared error of its
  component's tokens by r^2 sigma^2, a quarter of one coordinate's noise
  variance at r = 1/2; with each centroid 3 sigma from the midpoint, a head
  within sigma/2 stays deep in its own centroid's region.
- cosine (claim): cos(mu^_h, mu*_h) >= sqrt(1 - (sigma/(2 ||mu*_h||))^2) for
  each head, the alignment the radius implies (the paper measures cosine
  similarity). Error: the location bound over ||mu*_h||.
- grad-decay (claim): ||grad R(theta*)|| at the true centroids decreases
  along Delta, Delta + 1, Delta + 2 (other parameters fixed). Margin: the
  smaller of the two decreases; error: the sum of the rigorous gradient
  bounds. When a gradient on the ladder is below 1e-14 of the problem's
  length scale (sigma + ||mu*_1|| + ||mu*_2||) it is at the rounding level
  of the integrals and the check is INCONCLUSIVE, whatever its bound says.
  The gradient's outward component along the centroid axis is reported at
  each rung: where it changes sign, the gradient passes near 0 and the
  decrease fails (a finding: at moderate lambda sigma^2 the minimizer's
  offset from the centroids changes sign as Delta grows).
- dist-decay-separation (claim): the distance of theta^ to theta* decreases
  from Delta to 1.5 Delta (at 1.5 Delta, theta^ is continued by Newton from
  the centroids and from theta^'s offsets, or found by the full search when
  neither gives a minimizer).
- dist-decay-lambda (map, not asserted: the paper says nothing about the
  temperature): the distance decreases from lambda sigma^2 to 2 lambda
  sigma^2. It does not always: at large Delta it first grows with lambda,
  then decreases towards the hardmax value; with unequal weights it can grow.
- hardmax-closed-form (claim; hardmax with equal weights): theta^ equals the
  closed form m* +- beta u of §5.2. Margin: 1e-6 minus the deviation; the
  deviation and its location bound are reported first (tolerance 1e-6
  sigma: far above the location error of a certified point, about 1e-12
  sigma, far below the distance between distinct critical points).

The same checks run outside the hypotheses, as a map. What the map shows
(figure b of the report, thresholds table): the minimizer's offset from the
centroids decays like exp(-c Delta^2) with a temperature-dependent
prefactor; at small lambda sigma^2 the offset changes sign as Delta grows,
so its size is not monotone in Delta there.`
}

// Ranges samples the full ranges of docs/MODEL.md §7 (the map).
func (C1) Ranges() Ranges { return FullRanges() }

// InHypotheses reports whether r satisfies C1's a priori hypotheses (the
// paper and derived items of Hypotheses).
func (C1) InHypotheses(r Regime) bool { return c13InHypotheses(r) }

// Hypotheses lists C1's hypotheses with their provenance: the a priori
// items shared with C2 and C3, then what the suite measured.
func (C1) Hypotheses() []Hypothesis {
	return append(c13Hypotheses(),
		Hypothesis{Text: "Over 300 regimes drawn inside the a priori hypotheses, a certified strict minimizer lay within the radius on all 300; the worst distance of theta^ to the centroids was 0.30 sigma (Delta = 6.03, pi_1 = 0.218, lambda sigma^2 = 0.368, at the edge of the resolution hypothesis). The radius sigma/2 was not chosen from it (an earlier statement's sigma/2 came after measuring 0.46 sigma at Delta = 4).",
			Provenance: Measured, Ref: "go test ./claims -run TestC13Sweep -c13.sweep=300 -c13.only=C1 -v -timeout 60m"},
		Hypothesis{Text: "The gradient at the centroids is not monotone in Delta at moderate lambda sigma^2: it passes near 0 where the minimizer's offset from the centroids changes sign (2 of the 300 regimes; e.g. distance variant, lambda sigma^2 = 0.457, Delta = 6 and 7), so the gradient-decay check fails there.",
			Provenance: Measured, Ref: "go test ./claims -run TestC1GradDecaySignChange -v"},
		Hypothesis{Text: "The distance of theta^ to the centroids is not monotone in the temperature (mapped: it grew from lambda sigma^2 to 2 lambda sigma^2 on 8 of the 206 softmax regimes of the same sweep).",
			Provenance: Measured, Ref: "go test ./claims -run TestC13Sweep -c13.sweep=300 -c13.only=C1 -v -timeout 60m"},
		Hypothesis{Text: "Dot variant, centroids at a small angle (far from the origin compared with their separation): the critical point next to the centroids can be a saddle, with a pair of mirror-image strict minimizers nearby; all are listed.",
			Provenance: Measured, Ref: "named regime small-angle-dot: go test ./claims -run TestC1SearchSmallAngleDot -v"},
		Hypothesis{Text: "The separation above which every claim check holds, per variant, geometry, weight and temperature.",
			Provenance: Measured, Ref: "go run ./cmd/verify (thresholds table)"},
	)
}

// ThresholdChecks lists the checks that decide C1's separation threshold:
// the existence of a certified strict minimizer near the centroids, its
// radius and its alignment (and the hardmax closed form), statements at
// one separation; the decay checks compare with larger separations, where
// the quantities reach the rounding level (see ThresholdChecker).
func (C1) ThresholdChecks() []string {
	return []string{"C1.minimizer", "C1.radius", "C1.cosine", "C1.hardmax-closed-form"}
}

// InHypothesesGenerator draws regimes inside C1's a priori hypotheses
// directly (see c13Generator).
func (C1) InHypothesesGenerator() *rapid.Generator[Regime] { return c13Generator() }

// c1Set sets the role and kind of a result; non-claim roles are mapped,
// never asserted.
func c1Set(res Result, role Role, kind Kind) Result {
	res.Role, res.Kind = role, kind
	if role != RoleClaim {
		res.narrow = true
	}
	return res
}

// Check runs C1's checks on r.
func (c C1) Check(env Env, r Regime) []Result {
	id := c.ID()
	var out []Result
	mix, l, _, err := env.objective(r)
	if err != nil {
		return []Result{c1Set(inconclusive(id, id+".minimizer", r, "%v", err), RoleClaim, KindEstimated)}
	}
	s, err := searchCritical(env, r)
	var m minimizer
	if err == nil {
		m, err = s.theta()
	}
	if err != nil {
		out = append(out, c1Set(inconclusive(id, id+".minimizer", r, "%v", err), RoleClaim, KindEstimated))
	} else {
		out = append(out, c.minimizerResult(r, mix, l, s, m)...)
	}
	out = append(out, c.gradDecay(env, r))
	if err == nil && m.crit.Minimizer() {
		rs := r
		rs.Separation *= 1.5
		out = append(out, c.decay(env, r, mix.Centroids, m, rs, id+".dist-decay-separation", "distance/sigma at 1.5 Delta", RoleClaim))
		if !r.Hardmax() {
			rl := r
			rl.LambdaSigma2 *= 2
			out = append(out, c.decay(env, r, mix.Centroids, m, rl, id+".dist-decay-lambda", "distance/sigma at 2 lambda", RoleMap))
		}
	} else {
		why := "no certified strict minimizer near the centroids (see C1.minimizer)"
		out = append(out, c1Set(inconclusive(id, id+".dist-decay-separation", r, "%s", why), RoleClaim, KindEstimated))
		if !r.Hardmax() {
			out = append(out, c1Set(inconclusive(id, id+".dist-decay-lambda", r, "%s", why), RoleMap, KindEstimated))
		}
	}
	return out
}

// minimizerResult builds C1.minimizer, C1.radius, C1.cosine and (hardmax,
// equal weights) C1.hardmax-closed-form from the search.
func (c C1) minimizerResult(r Regime, mix theory.Mixture, l theory.Prototype, s search, m minimizer) []Result {
	id := c.ID()
	var out []Result
	spec := PrototypeSpec(mix, l, m.heads)
	within := s.within(C1Radius)
	nMin := 0
	for _, p := range within {
		if p.crit.Minimizer() {
			nMin++
		}
	}
	cr := m.crit
	vals := []Quantity{{"min_eig", cr.MinEig, cr.EigErr}, {"grad_norm", cr.GradNorm, cr.GradErr},
		{"risk", cr.Risk, cr.RiskErr}, {"distance/sigma", m.dist, m.distErr},
		{"starts", float64(s.starts), 0}, {"distinct critical points", float64(len(s.points)), 0},
		{"critical points within radius", float64(len(within)), 0}, {"strict minimizers within radius", float64(nMin), 0}}
	for i, p := range within {
		neg := 0
		for _, e := range p.crit.Eigenvalues {
			if e < -p.crit.EigErr {
				neg++
			}
		}
		vals = append(vals, Quantity{fmt.Sprintf("point %d: distance/sigma", i+1), p.dist, p.distErr},
			Quantity{fmt.Sprintf("point %d: min_eig", i+1), p.crit.MinEig, p.crit.EigErr},
			Quantity{fmt.Sprintf("point %d: negative eigenvalues", i+1), float64(neg), 0})
	}
	res := result(id, id+".minimizer", r, cr.MinEig, cr.EigErr, "Hessian eigenvalue", vals...)
	res.Spec = spec
	kind := KindEstimated
	res.Note = m.note + "; " + s.summary(C1Radius)
	if !cr.Minimizer() {
		kind = KindSampled
		res.Note += fmt.Sprintf(" (a FAILS here is evidence from %d starts, not a proof that no minimizer exists)", s.starts)
	}
	if len(s.failed) > 0 {
		res.Note += fmt.Sprintf("; %d start(s) did not converge (first: %s)", len(s.failed), s.failed[0])
	}
	out = append(out, c1Set(res, RoleClaim, kind))

	if !cr.Minimizer() {
		why := "no certified strict minimizer was found (see C1.minimizer)"
		out = append(out, c1Set(inconclusive(id, id+".radius", r, "%s", why), RoleClaim, KindEstimated),
			c1Set(inconclusive(id, id+".cosine", r, "%s", why), RoleClaim, KindEstimated))
		if r.Hardmax() && r.Pi1 == 0.5 {
			out = append(out, c1Set(inconclusive(id, id+".hardmax-closed-form", r, "%s", why), RoleClaim, KindEstimated))
		}
		return out
	}

	res = result(id, id+".radius", r, C1Radius-m.dist, m.distErr, "sigma",
		Quantity{"distance/sigma", m.dist, m.distErr}, Quantity{"radius/sigma", C1Radius, 0})
	res.Spec = spec
	out = append(out, c1Set(res, RoleClaim, KindEstimated))

	// cosine: the alignment the radius implies, per head
	margin, cerr := math.Inf(1), 0.0
	var cvals []Quantity
	for h := range m.heads {
		n := theory.Norm(mix.Centroids[h])
		if n == 0 {
			margin, cerr = math.NaN(), math.Inf(1)
			break
		}
		q := math.Min(1, C1Radius*r.Sigma/n)
		thr := math.Sqrt(1 - q*q)
		cs := theory.Cosine(m.heads[h], mix.Centroids[h])
		// a head moved by e changes its direction by at most e/||mu*_h||
		// (to first order); 1e-15 covers the cosine's rounding
		e := m.distErr*r.Sigma/n + 1e-15
		if cs-thr < margin {
			margin = cs - thr
		}
		cerr = math.Max(cerr, e)
		cvals = append(cvals, Quantity{fmt.Sprintf("cos head %d", h+1), cs, e}, Quantity{fmt.Sprintf("threshold head %d", h+1), thr, 0})
	}
	res = result(id, id+".cosine", r, margin, cerr, "cosine", cvals...)
	res.Spec = spec
	out = append(out, c1Set(res, RoleClaim, KindEstimated))

	if r.Hardmax() && r.Pi1 == 0.5 {
		cf, _, err := theory.HardmaxCritical(mix)
		if err != nil {
			out = append(out, c1Set(inconclusive(id, id+".hardmax-closed-form", r, "%v", err), RoleClaim, KindEstimated))
		} else {
			dev := math.Hypot(theory.Dist(m.heads[0], cf[0]), theory.Dist(m.heads[1], cf[1])) / r.Sigma
			res := result(id, id+".hardmax-closed-form", r, c1HardmaxTol-dev, m.distErr, "sigma",
				Quantity{"deviation/sigma", dev, m.distErr}, Quantity{"tolerance/sigma", c1HardmaxTol, 0})
			res.Note = fmt.Sprintf("theta^ is %.3g sigma (location bound %.2g) from the closed form; tolerance %.0g sigma", dev, m.distErr, c1HardmaxTol)
			res.Spec = spec
			out = append(out, c1Set(res, RoleClaim, KindEstimated))
		}
	}
	return out
}

// gradDecay builds C1.grad-decay: the gradient at the true centroids
// along the ladder Delta, Delta + 1, Delta + 2. It also reports the
// gradient's outward component along the centroid axis,
// <grad_1 R, u> - <grad_2 R, u>, at each rung: when it changes sign
// (certified) between two rungs, the gradient passes near 0 there (the
// minimizer's offset from the centroids changes sign, docs/MODEL.md §7.2),
// and the note says so.
func (c C1) gradDecay(env Env, r Regime) Result {
	id := c.ID()
	check := id + ".grad-decay"
	var grads, axial, axialErr []float64
	gerr := 0.0
	var vals []Quantity
	rounding := ""
	for k := range 3 {
		rr := r
		rr.Separation = r.Separation + float64(k)
		mx, _, ob, err := env.objective(rr)
		if err != nil {
			return c1Set(inconclusive(id, check, r, "%v", err), RoleClaim, KindCertified)
		}
		ev, err := ob.Eval(mx.Centroids)
		if err != nil {
			return c1Set(inconclusive(id, check, r, "%v", err), RoleClaim, KindCertified)
		}
		p, err := mx.Pair()
		if err != nil {
			return c1Set(inconclusive(id, check, r, "%v", err), RoleClaim, KindCertified)
		}
		g := math.Hypot(theory.Norm(ev.Grad[0]), theory.Norm(ev.Grad[1])) / r.Sigma
		scale := (mx.Sigma + theory.Norm(mx.Centroids[0]) + theory.Norm(mx.Centroids[1])) / r.Sigma
		if g < c1RoundingRel*scale && rounding == "" {
			rounding = fmt.Sprintf("the gradient at Delta = %.3g is %.3g sigma, below the rounding level %.0g of the problem's scale (%.3g sigma): its decrease is not resolved", rr.Separation, g, c1RoundingRel, scale)
		}
		// |<g_1 - g_2, u>| <= ||g_1|| + ||g_2|| errors <= sqrt2 GradErr
		// (stacked norm), plus the rounding of two inner products
		ax := (theory.Inner(ev.Grad[0], p.U) - theory.Inner(ev.Grad[1], p.U)) / r.Sigma
		axErr := math.Sqrt2*ev.GradErr/r.Sigma + float64(4*len(p.U)+4)*0x1p-52*g
		grads = append(grads, g)
		axial, axialErr = append(axial, ax), append(axialErr, axErr)
		gerr += ev.GradErr / r.Sigma
		vals = append(vals, Quantity{fmt.Sprintf("grad(Delta + %d)/sigma", k), g, ev.GradErr / r.Sigma})
	}
	for k := range 3 {
		vals = append(vals, Quantity{fmt.Sprintf("outward axial component at Delta + %d, /sigma", k), axial[k], axialErr[k]})
	}
	margin := math.Min(grads[0]-grads[1], grads[1]-grads[2])
	res := result(id, check, r, margin, gerr, "sigma", vals...)
	if rounding != "" {
		res.Verdict = Inconclusive
		res.Note = rounding
	} else if k := c1SignChange(axial, axialErr); k >= 0 {
		res.Note = fmt.Sprintf("the gradient's outward component along the centroid axis changes sign between Delta + %d and Delta + %d (certified): the centroids' offset from the minimizer changes sign there and the gradient passes near 0", k, k+1)
	}
	return c1Set(res, RoleClaim, KindCertified)
}

// c1SignChange returns the first k at which xs[k] and xs[k+1] have
// certified opposite signs (|x| > err for both), or -1.
func c1SignChange(xs, errs []float64) int {
	for k := 0; k+1 < len(xs); k++ {
		if math.Abs(xs[k]) > errs[k] && math.Abs(xs[k+1]) > errs[k+1] && (xs[k] > 0) != (xs[k+1] > 0) {
			return k
		}
	}
	return -1
}

// decay compares the distance of theta^ on r (centroids base) with that
// of the minimizer continued from it on the ladder regime rr.
func (c C1) decay(env Env, r Regime, base [][]float64, m minimizer, rr Regime, check, name string, role Role) Result {
	id := c.ID()
	m2, err := continueMinimizer(env, rr, base, m)
	switch {
	case err != nil:
		return c1Set(inconclusive(id, check, r, "on the ladder (%s): %v", rr, err), role, KindEstimated)
	case !m2.crit.Minimizer():
		return c1Set(inconclusive(id, check, r, "on the ladder (%s): %s", rr, m2.note), role, KindEstimated)
	case math.IsInf(m.distErr, 0) || math.IsInf(m2.distErr, 0):
		return c1Set(inconclusive(id, check, r, "the minimizer is not certified nondegenerate at both ends of the ladder, so its location has no error bound"), role, KindEstimated)
	}
	res := result(id, check, r, m.dist-m2.dist, m.distErr+m2.distErr, "sigma",
		Quantity{"distance/sigma", m.dist, m.distErr}, Quantity{name, m2.dist, m2.distErr})
	if role == RoleMap {
		res.Note = "mapped, not asserted"
	}
	return c1Set(res, role, KindEstimated)
}
