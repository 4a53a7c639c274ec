package claims

import (
	"math"

	"pgregory.net/rapid"

	"attnclust/numerics"
	"attnclust/theory"
)

// C10 is the clustering claim of C5 extended to K >= 3 components with K
// heads: at C7's minimizer theta^, the layer's clustering rule (a token
// goes to the head with the largest score, head h standing for component
// h) misclassifies at most a union bound built from C5's pairwise bound,
// exactly at the Bayes error for equal weights on a regular simplex, never
// below the Bayes error, and its hardmax limit is population k-means. Maps
// compare it with population k-means and with the nearest-centroid rule.
// See Statement.
//
// The zero value is the claim; plant (tests only) injects C7's planted
// bugs into the descent that finds theta^, and own (tests only) C10's own
// planted bugs into the evaluation of the layer's rule.
type C10 struct {
	plant c7Plant
	own   c10Plant
}

// c10Plant selects a planted bug in the evaluation of the layer's
// clustering rule; the zero value plants none.
type c10Plant struct {
	// swapHeads exchanges the components of heads 1 and 2 (a wrong
	// matching of heads to components).
	swapHeads bool
	// dropComponent (1 + index) evaluates the layer's misclassification
	// on the mixture without that component and without its head.
	dropComponent int
	// moveHead (1 + index) moves that head of theta^ by c10PlantMove
	// sigma toward the next head (index + 1 modulo K) after C7's descent
	// and C10's refinement, before any check: a minimizer that is not the
	// critical point, which its location estimate does not cover.
	moveHead int
}

// c10PlantMove is the size, in units of sigma, of the moveHead plant's
// move: far above every location estimate of the default run (at most a
// few hundredths of sigma), far below the sigma/2 that C7's claim allows.
const c10PlantMove = 0.3

// move applies the moveHead plant to heads (in place).
func (p c10Plant) move(heads [][]float64, sigma float64) {
	h := p.moveHead - 1
	if h < 0 || h >= len(heads) {
		return
	}
	to := heads[(h+1)%len(heads)]
	d := diff(to, heads[h])
	if n := theory.Norm(d); n > 0 {
		theory.AddScaled(heads[h], c10PlantMove*sigma/n, d)
	}
}

// Check IDs of C10.
const (
	C10RuleBound     = "C10.rule-bound"
	C10EqualSimplex  = "C10.equal-weights-simplex-bayes"
	C10BayesOptimal  = "C10.bayes-optimal"
	C10HardmaxKMeans = "C10.hardmax-is-kmeans"
	C10VsKMeans      = "C10.vs-kmeans-error"
	C10VsWeightBlind = "C10.vs-weight-blind"
)

// c10EqualTol is the relative tolerance of the equality E = B (equal
// weights, regular simplex) and the allowance of the sanity check
// E >= B (1 - tol). By symmetry the exact critical point's rule is the
// Bayes rule, so any tolerance above the numerical errors would do; 1e-2
// is chosen below the effects the checks are meant to see (the excess of
// the layer's rule over the Bayes error at unequal weights, measured on
// this claim's default run: 0.1 to 0.15 relative for pi_1 <= 0.15 or
// pi_1 >= 0.45, down to 2e-3 when pi_1 is within 0.04 of 1/K) and above
// the error figures of the equality (relative to B: the estimators'
// half-widths plus the first-order sensitivity to theta^'s location,
// 2.5e-3 to 1.1e-2 on the default run after the refinement of
// c10Polish; 4e-2 to 1.5e-1 with C7's location alone).
const c10EqualTol = 1e-2

// c10KMeansTol is the tolerance, in units of sigma, of hardmax-is-kmeans:
// theta^ (C7's descent from next to the centroids, which for hardmax is
// Lloyd's iteration) and population k-means's fixed point (Lloyd's
// iteration from the centroids on an independent rule) are the same
// critical point when the claim holds, so only their location errors
// separate them; sigma/100 is far below the heads' 0.5 sigma tolerance of
// C7 and far below the planted move of 0.3 sigma (c10PlantMove) that the
// check must see.
const c10KMeansTol = 0.01

// c10LloydPoints is the number of points per randomization of the
// independent randomized rule on which C10 runs population k-means with
// four or five heads: twice C7's c7MinPoints (and another seed), so that
// k-means's fixed point does not share theta^'s statistical error and
// its own location estimate is smaller than theta^'s (measured on the
// default run: 0.0015 to 0.007 sigma, against 0.003 to 0.013 with 2048
// points; Lloyd's iteration from the centroids stops after one or two
// steps, about 0.1 s of CPU per regime). The quick run uses c7MinPoints.
const c10LloydPoints = 2 * c7MinPoints

// c10LloydSeed tags the seed of that rule (any value other than C7's).
const c10LloydSeed = 0x6c6c6f7964

// c10RuleLevel is the level of each interval of the importance-sampling
// estimator: bayes-optimal combines two of them (E and B), so each is at
// 1 - 0.01/2 and both hold together with probability at least 0.99
// (Bonferroni), the level the check states.
const c10RuleLevel = 1 - (1-c7Level)/2

// c10Points is the number of draws per randomization and component of the
// importance-sampling misclassification estimator (K >= 4); with eight
// randomizations its relative 99% half-width is below 2e-3 on the default
// run, and its cost (under 0.1 s of CPU per regime for four rules) is
// negligible beside C7's descent.
const c10Points = 4096

// c10EqualPoints replaces c10Points for E and B on the equality check's
// regimes with four or five components: their half-widths, about 0.12%
// of B each with 4096 draws, are a quarter of the error budget there;
// four times the draws halve them (under 0.2 s of CPU per regime).
const c10EqualPoints = 4 * c10Points

// c10PolishPoints, c10PolishRandomizations and c10PolishSteps set the
// finer randomized rule with which C10 refines C7's minimizer on the
// regimes of the equality check with four or five components (equal
// weights on a simplex): with C7's rule (2048 points, 8 randomizations)
// the location estimate, 0.005 to 0.03 sigma, gives E a first-order
// sensitivity of 4% to 15% of B, above the equality's 1% tolerance
// (measured on the default run). Eight times the points and twice the
// randomizations divide the standard errors by 4 and the t quantile goes
// from 3.5 to 2.9; two steps suffice (measured: a third step left every
// error figure within 5%, the statistical part dominates). Cost: about
// 0.6 s of CPU per such regime, which the quick run skips (its equality
// results are then INCONCLUSIVE).
const (
	c10PolishPoints         = 1 << 14
	c10PolishRandomizations = 16
	c10PolishSteps          = 2
)

// c10Polish refines heads by C7's preconditioned descent (mu_h <- mu_h -
// g_h / (2 m_h)) on the finer rule and returns them with C7's location
// estimate (c7LocSafety times the stacked ||g_h|| + t SE over 2 pi_h,
// plus the last step).
func c10Polish(mix theory.Mixture, layer theory.Prototype, heads [][]float64, seed uint64) ([][]float64, float64, error) {
	rk, err := numerics.NewRiskK(mix, layer, numerics.OptionsK{Points: c10PolishPoints, Randomizations: c10PolishRandomizations, Seed: seed ^ 0x706f6c, Level: c7Level})
	if err != nil {
		return nil, 0, err
	}
	heads = theory.Clone(heads)
	last := 0.0
	for it := 0; ; it++ {
		ev, err := rk.Eval(heads)
		if err != nil {
			return nil, 0, err
		}
		if it == c10PolishSteps {
			s := 0.0
			for h := range heads {
				se := 0.0
				for _, x := range ev.GradSE[h] {
					se += x * x
				}
				s += math.Pow((theory.Norm(ev.Grad[h])+ev.TQuantile*math.Sqrt(se))/(2*mix.Weights[h]), 2)
			}
			return heads, c7LocSafety*math.Sqrt(s) + last, nil
		}
		step := 0.0
		for h := range heads {
			m := mix.Weights[h]
			if ev.Mass[h] > 0 {
				m = ev.Mass[h]
			}
			theory.AddScaled(heads[h], -1/(2*m), ev.Grad[h])
			step += math.Pow(theory.Norm(ev.Grad[h])/(2*m), 2)
		}
		last = math.Sqrt(step)
	}
}

// ID returns "C10".
func (C10) ID() string { return "C10" }

// Title is a one-line summary.
func (C10) Title() string {
	return "K > 2 components: at the minimizer, the layer's clustering rule errs at most a union of pairwise bounds, at the Bayes rate for equal weights on a regular simplex, and its hardmax limit is population k-means"
}

// Statement is the precise statement.
func (C10) Statement() string {
	return `**Setting.** C7's setting (docs/MODEL.md §7.8): an isotropic Gaussian
mixture with K = 3, 4 or 5 components and the layer with K heads; theta^
is C7's minimizer found from next to the true centroids theta*, with its
location estimate (an estimate of its distance to the critical point, not
a bound). The layer clusters a token by the head with the largest score,
head h standing for component h; for the distance and hardmax variants
this is the nearest head, so each cell is an intersection of K - 1
half-spaces bounded by bisectors of the heads. E(theta^) is its
misclassification, B the Bayes error (the rule x -> argmax_k pi_k N(x;
mu*_k, sigma^2 I), whose cells are also intersections of half-spaces),
E_km the error of the nearest-head rule at population k-means's fixed
point, W the error of the nearest-centroid rule (which ignores the
weights). With three components every rule is evaluated by a
deterministic quadrature in the plane of the exit directions (error
estimates); with four or five by importance sampling of the union of
exits (the estimator of Owen, Maximov and Chertkov: draw one exit in
proportion to its probability, then a token beyond it, and weight by the
inverse number of exits it crosses), a Student t interval over eight
randomizations at level 0.995 each, whose width stays relative however
rare the errors. When C7's descent leaves a component there is no theta^
and every check is INCONCLUSIVE.

**Hypotheses.** C7's a priori hypotheses (docs/MODEL.md §7.8), no others.
That theta^ lies within sigma/2 of the centroids is C7's claim, not a
hypothesis here: the checks use theta^'s measured distance.

**Kinds.** Every result whose error figure contains a location estimate
(theta^'s, k-means's, or the first-order change of E under a move of
theta^ by its location estimate) is estimated; so is every result with
three components. The only statistical result is bayes-optimal with four
or five components: its error is the two intervals of E and B, each at
level 0.995, so both hold together with probability at least 0.99.

**Checks.**
- rule-bound (claim): with r = max_h ||mu^_h - mu*_h|| / sigma plus the
  location estimate, and for each pair the half distance a_hj =
  Delta_hj / 2 (units of sigma), E(theta^) <= sum_h pi_h sum_(j != h)
  Phi(-g(a_hj, r)) with C5's g(a, r) = (a^2 - a r - r^2/4)/(a + r): a token
  of component h is misclassified only if it crosses one of the K - 1
  bisectors of its cell, and C5's bound holds for each (derivation in
  docs/MODEL.md §7.11). Margin relative to the bound; error: E's error
  figure plus the first-order sensitivity of E to a move of theta^ by its
  location estimate. INCONCLUSIVE when some g <= 0.
- equal-weights-simplex-bayes (claim; equal weights and a regular
  simplex): |E - B| <= 10^-2 B. By symmetry the critical point's heads
  form a regular simplex with the same centre, so its rule is the
  nearest-centroid rule, which is the Bayes rule for equal weights
  (docs/MODEL.md §7.11). Error: both error figures plus the sensitivity,
  relative to B. With four or five components C7's location estimate
  (0.005 to 0.03 sigma) makes the sensitivity 4% to 15% of B; on these
  regimes theta^ is always replaced by two more descent steps on a rule
  with eight times the points and twice the randomizations, with its own
  location estimate formed as C7 does, and E and B are estimated with four
  times the draws (not in the quick run, whose equality results are then
  mostly INCONCLUSIVE).
- hardmax-is-kmeans (claim; hardmax): theta^ equals population k-means's
  fixed point (Lloyd's iteration from theta*): margin 1/100 minus
  max_h ||mu^_h - mu_km,h|| / sigma. With three components k-means runs on
  the planar rule; with four or five on a randomized rule independent of
  C7's (another seed, twice the points; the quick run C7's number), so
  that the two points come from different maps. Error: both location
  estimates.

**Sanity.** bayes-optimal: E >= B (1 - 10^-2). This holds for any rule,
so it is checked at theta^ itself: the error is that of the two
estimates only.

**Map** (asserted nowhere). vs-kmeans-error (distance): (E_km - E) / B,
positive when the layer clusters better than population k-means.
vs-weight-blind (unequal weights): (W - E) / B, positive when the layer
beats the nearest-centroid rule.`
}

// Ranges returns C7's ranges.
func (C10) Ranges() Ranges { return C7{}.Ranges() }

// Hypotheses lists C7's hypotheses: C10 has no others (the union bound
// and the symmetry argument behind its checks are derivations, in
// Statement and docs/MODEL.md §7.11, not hypotheses on the regime).
func (C10) Hypotheses() []Hypothesis { return C7{}.Hypotheses() }

// InHypotheses reports whether r satisfies C7's a priori hypotheses.
func (C10) InHypotheses(r Regime) bool { return C7{}.InHypotheses(r) }

// InHypothesesGenerator draws from C7's generator and, one time in three,
// makes the regime a regular simplex with equal weights pi_1 = 1/K (to
// exercise the equal-weights check; the simplex's smallest distance is
// the separation, at least the close pair's, so C7's resolution condition
// still holds).
func (C10) InHypothesesGenerator() *rapid.Generator[Regime] {
	g := C7{}.InHypothesesGenerator()
	return rapid.Custom(func(t *rapid.T) Regime {
		r := g.Draw(t, "c7-regime")
		if rapid.IntRange(0, 2).Draw(t, "equal-simplex") == 0 {
			r.Geometry, r.NormRatio, r.Pi1 = Simplex, 0, 1/float64(r.K)
		}
		return r
	})
}

// kRule is one affine rule's misclassification with its error figure.
type kRule struct {
	value, err float64
}

// c10Rules evaluates misclassifications for one regime: with three
// components by the planar quadrature, otherwise by importance sampling
// (seeded by the regime, half-width at c10RuleLevel).
type c10Rules struct {
	mix    theory.Mixture
	seed   uint64
	points int // draws per randomization and component (0: c10Points)
}

func (c c10Rules) eval(rule numerics.AffineRule) (kRule, error) {
	if c.mix.K() == 3 {
		e, err := rule.MisclassificationPlanar(c.mix)
		return kRule{e.Value, e.Err}, err
	}
	n := c.points
	if n == 0 {
		n = c10Points
	}
	e, err := rule.Misclassification(c.mix, numerics.OptionsK{Points: n, Randomizations: 8, Seed: c.seed, Level: c10RuleLevel})
	return kRule{e.Value, e.HalfWidth}, err
}

// kMisclassSensitivity bounds, to first order in eps, |E(theta) -
// E(heads)| over theta within Euclidean distance eps (stacked) of heads,
// for the nearest-head rule (docs/MODEL.md §7.11). The exit set of
// component k is bounded by the bisectors of heads (k, j); moving the
// heads moves each bisector with normal speed at most |dm| + |<p - m,
// dw^>| at a point p of it (m the heads' midpoint, w^ the unit normal),
// and the rate of change of P_k(exit) is at most the integral of that
// speed against the Gaussian density on the bisectors. On a bisector at
// distance s sigma from mu*_k the density is phi(s) times a standard
// Gaussian in the plane, so the integral is at most
// phi(s) (|dm| + |dw^| (||mu*_k - m|| + sigma sqrt(2/pi))) / sigma, with
// |dm| <= eps/sqrt2 and |dw^| <= sqrt2 eps / ||w|| (first order) as in
// C5; phi is taken at max(0, |s| - ds) to cover the move of the plane.
func kMisclassSensitivity(mix theory.Mixture, heads [][]float64, eps float64) float64 {
	if eps == 0 {
		return 0
	}
	if math.IsInf(eps, 0) || math.IsNaN(eps) {
		return math.Inf(1)
	}
	sg := mix.Sigma
	tot := 0.0
	for k, c := range mix.Centroids {
		for j := range heads {
			if j == k {
				continue
			}
			w := diff(heads[j], heads[k])
			a := theory.Norm(w)
			if a == 0 {
				return math.Inf(1)
			}
			mid := make([]float64, len(w))
			for i := range mid {
				mid[i] = (heads[j][i] + heads[k][i]) / 2
			}
			s := theory.Inner(diff(mid, c), w) / (a * sg)
			ds := eps * math.Sqrt2 * (0.5 + theory.Dist(mid, c)/a) / sg
			speed := eps * math.Sqrt2 * (0.5 + (theory.Dist(mid, c)+sg*math.Sqrt(2/math.Pi))/a) / sg
			tot += mix.Weights[k] * theory.NormalPDF(math.Max(0, math.Abs(s)-ds)) * speed
		}
	}
	return tot
}

// c10Bound returns the rule bound sum_h pi_h sum_(j != h) Phi(-g(a_hj, r))
// for distance r (units of sigma), its rounding bound, and the smallest
// g (the bound is vacuous when it is <= 0).
func c10Bound(mix theory.Mixture, r float64) (bound, boundErr, gMin float64) {
	gMin = math.Inf(1)
	for h, ch := range mix.Centroids {
		for j, cj := range mix.Centroids {
			if j == h {
				continue
			}
			delta := theory.Dist(ch, cj) / mix.Sigma
			g := c5BoundMargin(delta, r, "distance", 0)
			gMin = math.Min(gMin, g)
			q := theory.NormalQ(g)
			bound += mix.Weights[h] * q
			boundErr += mix.Weights[h] * closedFormErr(q, g)
		}
	}
	return bound, boundErr, gMin
}

// equalSimplex reports whether r is a regular simplex with equal weights.
func equalSimplex(r Regime, mix theory.Mixture) bool {
	return r.Geometry == Simplex && equalWeights(mix)
}

// c10Check is one check of C10 with its role, kind and level.
type c10Check struct {
	id    string
	role  Role
	kind  Kind
	level float64
}

// c10Applicable lists the checks that apply to r, in the order Check
// emits them, with their roles and kinds: every result whose error figure
// contains a location estimate (theta^'s, k-means's, or the first-order
// sensitivity to one) is estimated, and so is everything with three
// components (planar quadratures); only bayes-optimal with four or five
// components is statistical, at level 0.99 (two intervals at
// c10RuleLevel).
func c10Applicable(r Regime) []c10Check {
	equal, simplex := false, r.Geometry == Simplex
	if mix, err := r.Mixture(); err == nil {
		equal = equalWeights(mix)
	}
	est := func(id string, role Role) c10Check { return c10Check{id: id, role: role, kind: KindEstimated} }
	out := []c10Check{est(C10RuleBound, RoleClaim)}
	if equal && simplex {
		out = append(out, est(C10EqualSimplex, RoleClaim))
	}
	if r.K > 3 {
		out = append(out, c10Check{id: C10BayesOptimal, role: RoleSanity, kind: KindStatistical, level: c7Level})
	} else {
		out = append(out, est(C10BayesOptimal, RoleSanity))
	}
	if r.Hardmax() {
		out = append(out, est(C10HardmaxKMeans, RoleClaim))
	} else {
		out = append(out, est(C10VsKMeans, RoleMap))
	}
	if !equal {
		out = append(out, est(C10VsWeightBlind, RoleMap))
	}
	return out
}

// Check runs C10's checks on r. It returns no results for a regime with
// fewer than three components (the two-component regimes of the catalog
// are C5's). When theta^ or a misclassification cannot be computed, every
// applicable check that has no result yet is INCONCLUSIVE with the reason.
func (c C10) Check(env Env, r Regime) []Result {
	if r.K < 3 {
		return nil
	}
	id := c.ID()
	checks := c10Applicable(r)
	var out []Result
	done := map[string]bool{}
	add := func(res Result) {
		for _, ch := range checks {
			if ch.id == res.Check {
				res.Role, res.Kind, res.Level = ch.role, ch.kind, ch.level
			}
		}
		res.narrow = res.Role == RoleMap
		done[res.Check] = true
		out = append(out, res)
	}
	// rest reports every applicable check without a result yet as
	// INCONCLUSIVE.
	rest := func(format string, args ...any) []Result {
		for _, ch := range checks {
			if !done[ch.id] {
				add(inconclusive(id, ch.id, r, format, args...))
			}
		}
		return out
	}
	run, err := C7{plant: c.plant}.run(env, r)
	if err != nil {
		return rest("%v", err)
	}
	if run.escaped {
		return rest("C7's descent from next to the centroids left a component (a head went further from its centroid than half the smallest centroid distance and than 2 sigma): there is no minimizer next to the centroids to cluster with")
	}
	mix, sg := run.mix, run.mix.Sigma
	ev := c10Rules{mix: mix, seed: r.Seed}
	if r.K > 3 && equalSimplex(r, mix) && !env.Quick {
		// The equality E = B needs a finer location than C7's and finer
		// estimates of E and B (see c10PolishPoints). The refined point
		// and its own location estimate replace C7's whatever their
		// sizes (keeping the smaller of two noisy estimates would bias
		// the error figure down); C7's are kept only when the refinement
		// fails.
		if h, loc, err := c10Polish(mix, run.layer, run.heads, r.Seed); err == nil {
			run.heads, run.loc = h, loc
		}
		ev.points = c10EqualPoints
	}
	c.own.move(run.heads, sg)
	spec := PrototypeSpec(mix, run.layer, run.heads)
	addSpec := func(res Result) {
		res.Spec = spec
		add(res)
	}
	e, err := c.own.layerError(ev, run.heads)
	if err != nil {
		return rest("misclassification at the minimizer: %v", err)
	}
	b, err := ev.eval(numerics.BayesRuleK(mix))
	if err != nil {
		return rest("Bayes error: %v", err)
	}
	// theta^'s location estimate is stacked (token units).
	sens := kMisclassSensitivity(mix, run.heads, run.loc)
	eErr := e.err + sens
	eq := Quantity{Name: "misclassification", Value: e.value, Err: eErr}
	bq := Quantity{Name: "Bayes error", Value: b.value, Err: b.err}

	// rule bound
	dist := maxHeadDist(run.heads, mix.Centroids, sg, nil)
	rr := dist + run.loc/sg
	bound, boundErr, gMin := c10Bound(mix, rr)
	if gMin <= 0 || math.IsInf(rr, 0) {
		addSpec(inconclusive(id, C10RuleBound, r, "the bound is vacuous: distance %.3g sigma (location estimate %.2g) too large for the smallest pair", dist, run.loc/sg))
	} else {
		addSpec(result(id, C10RuleBound, r, (bound-e.value)/bound, (eErr+boundErr)/bound, "relative to the bound",
			eq, Quantity{Name: "bound", Value: bound, Err: boundErr},
			Quantity{Name: "r (distance/sigma + location estimate)", Value: rr}, bq))
	}

	// equal weights on a regular simplex: the Bayes rule
	ebErr := (eErr + b.err) / b.value
	if equalSimplex(r, mix) {
		addSpec(result(id, C10EqualSimplex, r, c10EqualTol-math.Abs(e.value-b.value)/b.value, ebErr, "relative to B", eq, bq))
	}
	// E >= B holds for any rule, at theta^ itself: no location error.
	addSpec(result(id, C10BayesOptimal, r, (e.value-b.value)/b.value+c10EqualTol, (e.err+b.err)/b.value, "relative to B",
		Quantity{Name: "misclassification", Value: e.value, Err: e.err}, bq))

	// population k-means
	if run.layer.Variant == theory.Hardmax {
		maxIter := 40 // as C7's descent (quick 15)
		if env.Quick {
			maxIter = 15
		}
		// With three heads Lloyd's iteration runs on the planar rule;
		// with more on a randomized rule independent of C7's (another
		// seed, twice the points), so that theta^ and k-means's fixed
		// point are found on different maps and the comparison does not
		// compare one map with itself. Either way both location
		// estimates count.
		o := numerics.OptionsK{Points: c10LloydPoints, Randomizations: 8, Seed: r.Seed ^ c10LloydSeed, Level: c7Level}
		if env.Quick {
			o.Points = c7MinPoints // the quick run's budget (still another rule: another seed)
		}
		km, err := numerics.LloydPopulation(mix, mix.Centroids, o, numerics.LloydOptions{MaxIter: maxIter})
		if err != nil {
			return rest("population k-means: %v", err)
		}
		errDev := (run.loc + lloydLoc(km, true)) / sg
		dev := maxHeadDist(run.heads, km.Heads, sg, nil)
		addSpec(result(id, C10HardmaxKMeans, r, c10KMeansTol-dev, errDev, "sigma",
			Quantity{Name: "max distance between the heads and the k-means heads (sigma)", Value: dev, Err: errDev},
			Quantity{Name: "location estimate of the heads (sigma)", Value: run.loc / sg},
			Quantity{Name: "location estimate of the k-means heads (sigma)", Value: lloydLoc(km, true) / sg}))
	} else if run.km != nil {
		ek, err := ev.eval(numerics.NearestHeadRule(run.km))
		if err != nil {
			addSpec(inconclusive(id, C10VsKMeans, r, "k-means error: %v", err))
		} else {
			ekErr := ek.err + kMisclassSensitivity(mix, run.km, run.kmLoc)
			addSpec(result(id, C10VsKMeans, r, (ek.value-e.value)/b.value, (ekErr+eErr)/b.value, "relative to B",
				eq, Quantity{Name: "k-means misclassification", Value: ek.value, Err: ekErr}, bq))
		}
	}
	if !equalWeights(mix) {
		w, err := ev.eval(numerics.NearestHeadRule(mix.Centroids))
		if err != nil {
			addSpec(inconclusive(id, C10VsWeightBlind, r, "nearest-centroid error: %v", err))
		} else {
			addSpec(result(id, C10VsWeightBlind, r, (w.value-e.value)/b.value, (w.err+eErr)/b.value, "relative to B",
				eq, Quantity{Name: "nearest-centroid misclassification", Value: w.value, Err: w.err}, bq))
		}
	}
	return rest("population k-means was not computed")
}

// equalWeights reports whether every weight is 1/K: the weights are
// (1 - pi_1)/(K - 1) in floating point, and 1e-12 separates 1/K rounded
// from any other weight the regimes draw (three digits).
func equalWeights(mix theory.Mixture) bool {
	for _, w := range mix.Weights {
		if math.Abs(w-1/float64(mix.K())) > 1e-12 {
			return false
		}
	}
	return true
}

// lloydLoc is the location estimate of Lloyd's fixed point as C7 forms it:
// the last step, the contraction-based distance estimate and, when stat is
// set (distance to the true fixed point rather than to the fixed point of
// the randomized map), three standard errors of the step; +Inf when the
// iteration did not converge.
func lloydLoc(km numerics.LloydResult, stat bool) float64 {
	if !km.Converged {
		return math.Inf(1)
	}
	loc := km.LastStep
	if stat {
		loc += 3 * km.StepSE
	}
	if km.DistanceBound > 0 && !math.IsInf(km.DistanceBound, 0) {
		loc += km.DistanceBound
	}
	return loc
}

// layerError evaluates the layer's nearest-head rule at heads, with the
// planted bug if any.
func (p c10Plant) layerError(ev c10Rules, heads [][]float64) (kRule, error) {
	heads = theory.Clone(heads)
	if p.swapHeads {
		heads[0], heads[1] = heads[1], heads[0]
	}
	if k := p.dropComponent - 1; k >= 0 && k < ev.mix.K() {
		var w []float64
		var cents, hs [][]float64
		for j := range ev.mix.Weights {
			if j != k {
				w = append(w, ev.mix.Weights[j]/(1-ev.mix.Weights[k]))
				cents = append(cents, ev.mix.Centroids[j])
				hs = append(hs, heads[j])
			}
		}
		m, err := theory.NewMixture(w, cents, ev.mix.Sigma)
		if err != nil {
			return kRule{}, err
		}
		ev.mix, heads = m, hs
	}
	return ev.eval(numerics.NearestHeadRule(heads))
}
