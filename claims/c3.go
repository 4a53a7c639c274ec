package claims

import (
	"pgregory.net/rapid"

	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"attnclust/numerics"
	"attnclust/theory"
)

// C3 is the claim "convergence from admissible initializations" (THEORY 4).
type C3 struct{}

// C3Tol is the tolerance, in units of sigma, on the distance between the
// end point of a flow (polished by Newton) and theta^, up to swapping the
// heads.
const C3Tol = 1e-6

// Runs per initialization scheme (Env.Quick selects the smaller counts).
const (
	c3Runs         = 4 // admissible schemes (asserted)
	c3RunsQuick    = 2
	c3MapRuns      = 8 // non-admissible schemes (mapped)
	c3MapRunsQuick = 3
)

// c3StallTol is the largest gradient norm, in units of sigma, at which a
// flow that stopped because its decrease was no longer certifiable still
// counts as having ended at a critical point: such stalls happen at
// ||grad|| ~ sqrt(RiskErr/step), below 1e-6 sigma for our objectives, so
// a stall far above 1e-4 sigma means the risk did not decrease along
// -grad at all (an inconsistent gradient).
const c3StallTol = 1e-4

// c3PolishSlack bounds ||flow end - polished point|| by c3PolishSlack
// (||grad|| + GradErr)/(min|eig| - EigErr): to first order Newton moves by
// ||H^-1 grad|| <= ||grad||/min|eig|; the factor 4 leaves room for the
// second-order term. A polish that moves farther means the flow end was
// not in the basin of the critical point Newton found.
const c3PolishSlack = 4

// c3FlowOptions are the gradient-flow settings of C3. Step0 = 0.5: the
// Hessian of R is about 2 pi_h I near theta^ (R is a squared error), so
// steps of order 1/2 are stable; the step then adapts (doubling after
// each accepted step, halving after each rejection). GradTol = 1e-6
// sigma: the gradient has units of length, and the certified decrease
// stalls near sqrt(RiskErr/step) ~ 3e-7 sigma at d = 64; Newton then
// polishes the end point. MaxIter = 2000: over 1524 successful runs on
// random regimes of H3 (within each scheme's hypotheses) the flows took a
// median of 22 accepted steps, 47 at the 99th percentile and 751 at most,
// so 2000 is a generous budget that still bounds the cost of a run that
// does not converge (~0.2 s at 50 microseconds per evaluation, about two
// evaluations per accepted step). Armijo = 0.3 (the numerics default,
// stated explicitly): with c = 1e-4 the adaptive step hovered just below
// the stability limit 2/L and flows at Delta = 8 ran out of the budget
// (INCONCLUSIVE); with 0.3 the same runs converge in a few dozen steps.
func c3FlowOptions(sigma float64) numerics.FlowOptions {
	return numerics.FlowOptions{Step0: 0.5, MaxIter: 2000, GradTol: 1e-6 * sigma, Armijo: 0.3}
}

// Per-scheme hypotheses on top of H3, on R* = max_k ||mu*_k||/sigma (how
// far the data sit from the origin, around which the small-scale and
// centroid-scale starts are drawn); see C3.Statement for the measurements.
const (
	C3SmallScaleMaxNorm    = 7
	C3CentroidScaleMaxNorm = 4
)

// c3NormRatio returns R* = max_k ||mu*_k||/sigma.
func c3NormRatio(mix theory.Mixture) float64 {
	return math.Max(theory.Norm(mix.Centroids[0]), theory.Norm(mix.Centroids[1])) / mix.Sigma
}

// c3SchemeHyp reports whether convergence from scheme s is asserted on
// mix (given H3): always for data-tokens and perturbed-centroids, for
// small-scale when R* <= 7, for centroid-scale when R* <= 4, never for
// the non-admissible schemes.
func c3SchemeHyp(s numerics.InitScheme, mix theory.Mixture) bool {
	switch s {
	case numerics.SmallScale:
		return c3NormRatio(mix) <= C3SmallScaleMaxNorm
	case numerics.CentroidScale:
		return c3NormRatio(mix) <= C3CentroidScaleMaxNorm
	case numerics.DataTokens, numerics.PerturbedCentroids:
		return true
	}
	return false
}

// c3Admissible are the schemes from which convergence is asserted, and
// c3Mapped the ones whose outcome is only mapped.
var (
	c3Admissible = []numerics.InitScheme{numerics.SmallScale, numerics.CentroidScale, numerics.DataTokens, numerics.PerturbedCentroids}
	c3Mapped     = []numerics.InitScheme{numerics.BothInOneRegion, numerics.EqualHeads}
)

// ID returns "C3".
func (C3) ID() string { return "C3" }

// Title is a one-line summary.
func (C3) Title() string {
	return "Convergence from admissible initializations: gradient flow with certified decrease from small-scale, centroid-scale, data-token and perturbed-centroid starts ends at theta^ (up to swapping heads)"
}

// Statement is the precise statement.
func (C3) Statement() string {
	return `**Setting.** As in C1 and C2: theta^ = (mu^_1, mu^_2) is the critical point reached
by damped Newton from the true centroids, certified (Newton converged, every
Hessian eigenvalue away from 0 beyond its error; location error loc =
(||grad|| + GradErr)/(min|eig| - EigErr)), else every check is INCONCLUSIVE.
Distances are in units of sigma. R* = max_k ||mu*_k||/sigma measures how far
the data sit from the origin, around which the small-scale and
centroid-scale starts are drawn.

**Procedure.** From each start, numerics.GradientFlow runs gradient descent
in the full dimension d with a *certified* monotone decrease of the risk (a
step is accepted only if R decreases by more than both evaluation errors
plus the Armijo term); Step0 = 0.5, GradTol = 1e-6 sigma, MaxIter = 2000
accepted steps (measured over 1524 successful runs: median 22, 99th
percentile 47, maximum 751). The end point is then polished by damped
Newton for the nearest critical point of any index, on the span of the
centroids and the end heads plus one orthogonal direction (exact for
rotation-invariant models, as in C1), which certifies it (location error
loc'); the polish must stay within 4 (||grad|| + GradErr)/(min|eig| -
EigErr) of the flow end (to first order Newton moves by ||H^-1 grad||), so
that it identifies the point the flow reached. If the polished point is a
certified saddle other than theta^, the flow is continued from its end with
no gradient tolerance (until the certified decrease stalls) to let it
escape if it can, and polished again. Starts are drawn by numerics.Init
with seeds derived from the regime's seed; TrainingCurves replays the same
runs.

**Hypotheses (H3).** Those of C2 (H2): Delta >= 3; lambda sigma^2 >= 1 or
hardmax; pi1 in [0.2, 0.8]; for the dot variant, equal centroid norms at an
angle of at least 90 degrees. Each scheme adds its own hypothesis (outside
it the check is mapped, not asserted):
- data-tokens (the heads are two tokens sampled from the data) and
  perturbed-centroids (head h uniform in the ball of radius delta/2 around
  mu*_h): none.
- small-scale (heads ~ 1e-3 N(0, I_d)): R* <= 7.
- centroid-scale (heads ~ N(0, I_d) c/sqrt(d), c the mean centroid norm):
  R* <= 4.
Why: starts centred at the origin can leave a *dead head*. When the data
are far from the origin, the attention logits are of order lambda R* sigma
times the heads' separation (dot, distance) or the Voronoi cells are decided
outright (hardmax), so one head can take all the attention while the other,
far from every centroid, receives an exponentially small gradient: the
descent stops on a plateau (gradient below tolerance, one head at the data
mean and the other 3 to 35 sigma away). This is a property of the flow, not
of our step sizes: plain fixed-step descent (steps 0.2 down to 0.01, time
40) ends on the same plateaus. Measured per run (3 runs per scheme on 1200
random regimes of H3, by R*): small-scale never failed for R* < 8 (2712
runs, 4 INCONCLUSIVE at the MaxIter budget) and failed in 2 of 456 runs for
R* in [8, 12) (dot at R* = 8.49, i.e. orthogonal centroids at Delta = 12;
the property test found another at lambda sigma^2 = 9.01; hardmax at 11.5)
and 53 of 126 beyond; centroid-scale never failed for R* < 5 (1653 runs, 5
INCONCLUSIVE), and failed in 1 of 435 runs for R* in [5, 6) (distance,
d = 2), 5 of 381 in [6, 7), 15 of 243 in [7, 8), 31 of 375 in [8, 9), 28 of
81 in [9, 12) and 114 of 126 beyond. Data-token starts never failed (1500
runs), nor did perturbed-centroid and both-in-one-region starts (4 runs on
each of 110 random regimes of H3). The bounds 7 and 4 leave a margin below
the first failures (8.49 and 5.41).

**Checks.**
- ` + "`C3.converges-<scheme>`" + ` for the admissible schemes small-scale, centroid-scale,
  data-tokens and perturbed-centroids, 4 runs each (2 with Env.Quick):
  every run ends at theta^ up to swapping the heads. margin = 1e-6 - max
  over runs of min over the two assignments of ||polished end -
  theta^||/sigma (stacked over heads); error = max over runs of
  (loc' + loc)/sigma. Why 1e-6: both points are certified to about 1e-10
  sigma or better, and distinct nondegenerate critical points are
  separated by far more than 1e-6 sigma (the nearest other one we found is
  the symmetric point, about delta away), so a distance below 1e-6 sigma
  means the same critical point and, with the certificates, a larger one
  means a different one. A run also counts as *not* reaching theta^ (a
  certified FAILS) when the flow's gradient fell below its tolerance at a
  point that Newton cannot certify as a nondegenerate critical point and
  that lies outside theta^'s basin (4 (||grad|| + GradErr)/(min|eig| -
  EigErr) + loc): a plateau, where the descent ends; the margin then uses
  the flow's end point. A run is INCONCLUSIVE when its flow hits MaxIter,
  when it stalls (decrease no longer certifiable) with ||grad|| > 1e-4
  sigma (the risk does not decrease along -grad: the note says so; e.g. a
  sign-flipped gradient has its very first step rejected), or when the
  polish fails elsewhere. A certified different end point outranks an
  INCONCLUSIVE run (FAILS, with the run and where its heads ended in the
  note).
- ` + "`C3.map-<scheme>`" + ` (mapped, never asserted) for the non-admissible schemes
  both-in-one-region (both heads within delta/2 of the same centroid) and
  equal-heads (mu_1 = mu_2 = a data token), 8 runs each (3 with Env.Quick):
  the fraction of runs that end at theta^, with a Wilson 95% confidence
  interval [lo, hi] over the decided runs (INCONCLUSIVE runs are left out
  and counted in the note). Verdict: the majority statement "most such
  starts reach theta^": margin = lo - 1/2 if lo > 1/2, hi - 1/2 if
  hi < 1/2, else 0 (INCONCLUSIVE), error 0; units "rate". Equal heads stay
  on the swap-symmetric subspace forever (both heads get the same gradient
  there), where the risk is the quadratic E||x - mu||^2, so the flow
  converges, in 2 steps, to the symmetric critical point (E x, E x), a
  saddle of the full risk: the note reports it and its smallest Hessian
  eigenvalue (THEORY 2.4's setting: -1.1 at lambda sigma^2 = 0.1, -11 at 1,
  -33 at 3). For hardmax the risk is not differentiable at equal heads, so
  that map is INCONCLUSIVE.

Measured at THEORY 2.4's setting (d = 3, both softmax variants, lambda
sigma^2 = 0.1 to 3): every admissible run and every both-in-one-region run
reached theta^, confirming THEORY's small-scale observation for every
scheme.`
}

// Ranges samples the full ranges of THEORY 4.
func (C3) Ranges() Ranges { return FullRanges() }

// InHypotheses reports whether r satisfies H3 (= H2).
func (C3) InHypotheses(r Regime) bool { return C2{}.InHypotheses(r) }

// c3Start draws the start of run i of scheme s (the same in Check and
// TrainingCurves).
func c3Start(s numerics.InitScheme, mix theory.Mixture, seed uint64, i int) ([][]float64, error) {
	rng := rand.New(rand.NewPCG(mix64(seed, 0xC3<<8|uint64(s)), uint64(i)))
	return numerics.Init(s, mix, rng, numerics.InitOptions{})
}

// c3Run is the outcome of one flow.
type c3Run struct {
	index      int         // run number (see c3Start)
	start, end [][]float64 // flow start and end
	polished   [][]float64 // certified critical point near the end
	crit       numerics.Critical
	loc        float64 // location error of polished
	dist, err  float64 // distance to theta^ up to swap, and its error (units of sigma)
	move       float64 // ||end - polished||/sigma
	iter       int     // accepted flow steps
	endGrad    float64 // ||grad||/sigma at the flow end
	// plateau marks a flow whose gradient fell below its tolerance far
	// from theta^ at a point that is not a nondegenerate critical point
	// (polished is then the flow end itself).
	plateau      bool
	inconclusive string // why the run is undecided ("" if decided)
}

// c3Dist returns min over the two assignments of the stacked distance
// between a and b.
func c3Dist(a, b [][]float64) float64 {
	direct := math.Hypot(theory.Dist(a[0], b[0]), theory.Dist(a[1], b[1]))
	swapped := math.Hypot(theory.Dist(a[0], b[1]), theory.Dist(a[1], b[0]))
	return math.Min(direct, swapped)
}

// c3Flow runs one flow from start, polishes its end and compares it with
// theta^ (when a is not nil).
func c3Flow(obj theory.Objective, mix theory.Mixture, start [][]float64, a *c2Anchor) c3Run {
	sigma := mix.Sigma
	run := c3Run{start: start}
	opts := c3FlowOptions(sigma)
	fl, err := numerics.GradientFlow(obj, start, opts)
	if err != nil {
		run.inconclusive = fmt.Sprintf("flow: %v", err)
		return run
	}
	run.iter = fl.Iter
	for attempt := 0; ; attempt++ {
		run.end = fl.Heads
		if !fl.Converged {
			if strings.Contains(fl.Reason, "MaxIter") {
				run.inconclusive = "flow did not converge within its budget: " + fl.Reason
				return run
			}
			if fl.GradNorm > c3StallTol*sigma {
				run.inconclusive = fmt.Sprintf("flow stalled after %d steps with ||grad|| = %.3g sigma, far above the certification floor: the risk does not decrease along -grad (gradient inconsistent with the risk?): %s", fl.Iter, fl.GradNorm/sigma, fl.Reason)
				return run
			}
		}
		crit, pol, err := criticalNear(obj, mix, fl.Heads)
		if err != nil {
			run.inconclusive = fmt.Sprintf("polish: %v", err)
			return run
		}
		run.crit, run.polished, run.loc = crit, pol, locErr(crit)
		run.endGrad = fl.GradNorm / sigma
		if math.IsInf(run.loc, 0) {
			// Not a nondegenerate critical point. If the flow's gradient is
			// below its tolerance far outside theta^'s basin, the descent
			// has ended on a plateau (decided: not at theta^).
			if a != nil && fl.GradNorm <= opts.GradTol+fl.GradErr {
				d := c3Dist(fl.Heads, a.heads)
				basin := c3PolishSlack*(fl.GradNorm+fl.GradErr)/(c3MinAbsEig(a.crit)-a.crit.EigErr) + a.loc
				if d > basin {
					run.plateau, run.polished = true, fl.Heads
					run.dist, run.err = d/sigma, a.loc/sigma
					return run
				}
			}
			run.inconclusive = "polish did not certify a critical point: " + crit.Reason
			return run
		}
		run.move = math.Hypot(theory.Dist(fl.Heads[0], pol[0]), theory.Dist(fl.Heads[1], pol[1])) / sigma
		if lo := c3MinAbsEig(crit) - crit.EigErr; run.move*sigma > c3PolishSlack*(fl.GradNorm+fl.GradErr)/lo+run.loc {
			run.inconclusive = fmt.Sprintf("polish moved %.3g sigma from the flow end (||grad|| = %.3g): the end was not in that critical point's basin", run.move, fl.GradNorm/sigma)
			return run
		}
		if a != nil {
			run.dist = c3Dist(pol, a.heads) / sigma
			run.err = (run.loc + a.loc) / sigma
		}
		// A certified saddle other than theta^: let the flow try to escape.
		if attempt == 0 && crit.Saddle() && (a == nil || run.dist-run.err > C3Tol) {
			more := opts
			more.GradTol = math.SmallestNonzeroFloat64 // run to the certification floor
			fl2, err := numerics.GradientFlow(obj, fl.Heads, more)
			if err != nil {
				run.inconclusive = fmt.Sprintf("continued flow: %v", err)
				return run
			}
			run.iter += fl2.Iter
			fl = fl2 // stopped by the certification floor or MaxIter: decided above
			continue
		}
		return run
	}
}

// c3Heads describes where each head is: its distance to the nearest
// centroid, in units of sigma (a head far from every centroid receives
// almost no attention: a "dead head").
func c3Heads(mix theory.Mixture, heads [][]float64) string {
	var parts []string
	for h, mu := range heads {
		d1, d2 := theory.Dist(mu, mix.Centroids[0]), theory.Dist(mu, mix.Centroids[1])
		k := 1
		if d2 < d1 {
			k, d1 = 2, d2
		}
		parts = append(parts, fmt.Sprintf("head %d is %.3g sigma from centroid %d", h+1, d1/mix.Sigma, k))
	}
	return strings.Join(parts, ", ")
}

// c3MinAbsEig returns min_i |eig_i| of a critical point's Hessian.
func c3MinAbsEig(c numerics.Critical) float64 {
	m := math.Inf(1)
	for _, l := range c.Eigenvalues {
		m = math.Min(m, math.Abs(l))
	}
	return m
}

// Check runs C3's checks on r.
func (c C3) Check(env Env, r Regime) []Result {
	id := c.ID()
	checkID := func(s numerics.InitScheme) string {
		if s.NonAdmissible() {
			return id + ".map-" + s.String()
		}
		return id + ".converges-" + s.String()
	}
	all := append(append([]numerics.InitScheme(nil), c3Admissible...), c3Mapped...)
	failAll := func(format string, args ...any) []Result {
		var out []Result
		for _, s := range all {
			res := inconclusive(id, checkID(s), r, format, args...)
			res.narrow = s.NonAdmissible()
			out = append(out, res)
		}
		return out
	}
	mix, l, obj, err := env.objective(r)
	if err != nil {
		return failAll("%v", err)
	}
	a, err := c2FindAnchor(env, r, mix)
	if err != nil {
		return failAll("%v", err)
	}
	runs, mapRuns := c3Runs, c3MapRuns
	if env.Quick {
		runs, mapRuns = c3RunsQuick, c3MapRunsQuick
	}
	var out []Result
	for _, s := range c3Admissible {
		res := c.converges(obj, mix, l, r, a, s, runs)
		if !c3SchemeHyp(s, mix) {
			res.narrow = true
			res.Note = fmt.Sprintf("mapped, not asserted (R* = max ||mu*_k||/sigma = %.3g is beyond this scheme's hypothesis): %s", c3NormRatio(mix), res.Note)
		}
		out = append(out, res)
	}
	for _, s := range c3Mapped {
		out = append(out, c.mapScheme(obj, mix, l, r, a, s, mapRuns))
	}
	for i := range out {
		out[i] = c23Finite(out[i])
	}
	return out
}

// converges builds C3.converges-<scheme>.
func (c C3) converges(obj theory.Objective, mix theory.Mixture, l theory.Prototype, r Regime, a c2Anchor, s numerics.InitScheme, n int) Result {
	id := c.ID()
	check := id + ".converges-" + s.String()
	worst, worstErr, maxMove, maxIter := math.Inf(-1), 0.0, 0.0, 0
	var worstRun, failRun *c3Run
	undecided := ""
	for i := range n {
		start, err := c3Start(s, mix, r.Seed, i)
		if err != nil {
			return inconclusive(id, check, r, "initialization %d: %v", i, err)
		}
		run := c3Flow(obj, mix, start, &a)
		run.index = i
		if run.inconclusive != "" {
			if undecided == "" {
				undecided = fmt.Sprintf("run %d: %s", i, run.inconclusive)
			}
			continue
		}
		if run.dist > worst {
			worst, worstRun = run.dist, &run
		}
		worstErr = math.Max(worstErr, run.err)
		maxMove = math.Max(maxMove, run.move)
		maxIter = max(maxIter, run.iter)
		if C3Tol-run.dist < -run.err && (failRun == nil || run.dist-run.err > failRun.dist-failRun.err) {
			failRun = &run
		}
	}
	if failRun == nil && undecided != "" {
		return inconclusive(id, check, r, "%s", undecided)
	}
	res := result(id, check, r, C3Tol-worst, worstErr, "sigma",
		Quantity{"max distance to theta^ (up to swap)/sigma", worst, worstErr},
		Quantity{"tolerance/sigma", C3Tol, 0},
		Quantity{"runs", float64(n), 0},
		Quantity{"max accepted flow steps", float64(maxIter), 0},
		Quantity{"max ||flow end - polished||/sigma", maxMove, 0})
	if failRun != nil {
		res = result(id, check, r, C3Tol-failRun.dist, failRun.err, "sigma", res.Values...)
		res.Note = fmt.Sprintf("run %d ended at a different critical point, %.3g sigma from theta^ (smallest Hessian eigenvalue %.3g, risk %.10g vs %.10g at theta^); %s", failRun.index, failRun.dist, failRun.crit.MinEig, failRun.crit.Risk, a.crit.Risk, c3Heads(mix, failRun.end))
		if failRun.plateau {
			res.Note = fmt.Sprintf("run %d stopped on a plateau %.3g sigma from theta^: ||grad|| = %.3g sigma is below the flow's tolerance but the point is not a nondegenerate critical point; %s (a dead head)", failRun.index, failRun.dist, failRun.endGrad, c3Heads(mix, failRun.end))
		}
		if undecided != "" {
			res.Note += "; also " + undecided
		}
		worstRun = failRun
	} else {
		res.Note = fmt.Sprintf("all %d runs ended at theta^", n)
	}
	res.Spec = PrototypeSpec(mix, l, worstRun.polished)
	return res
}

// mapScheme builds C3.map-<scheme> (mapped, never asserted).
func (c C3) mapScheme(obj theory.Objective, mix theory.Mixture, l theory.Prototype, r Regime, a c2Anchor, s numerics.InitScheme, n int) Result {
	id := c.ID()
	check := id + ".map-" + s.String()
	reached, decided := 0, 0
	var reasons []string
	var other *c3Run
	symDist := 0.0
	mean := make([]float64, mix.Dim())
	for k, w := range mix.Weights {
		theory.AddScaled(mean, w, mix.Centroids[k])
	}
	for i := range n {
		start, err := c3Start(s, mix, r.Seed, i)
		if err != nil {
			res := inconclusive(id, check, r, "initialization %d: %v", i, err)
			res.narrow = true
			return res
		}
		run := c3Flow(obj, mix, start, &a)
		if run.inconclusive != "" {
			reasons = append(reasons, run.inconclusive)
			continue
		}
		decided++
		if C3Tol-run.dist > run.err {
			reached++
		} else if other == nil || run.dist > other.dist {
			other = &run
			symDist = c3Dist(run.polished, [][]float64{mean, mean}) / r.Sigma
		}
	}
	if decided == 0 {
		res := inconclusive(id, check, r, "no run decided (%d runs): %s", n, reasons[0])
		res.narrow = true
		return res
	}
	lo, hi := c3Wilson(reached, decided)
	margin := 0.0
	switch {
	case lo > 0.5:
		margin = lo - 0.5
	case hi < 0.5:
		margin = hi - 0.5
	}
	rate := float64(reached) / float64(decided)
	res := result(id, check, r, margin, 0, "rate",
		Quantity{"rate reaching theta^", rate, 0},
		Quantity{"wilson95 lower", lo, 0}, Quantity{"wilson95 upper", hi, 0},
		Quantity{"decided runs", float64(decided), 0}, Quantity{"runs", float64(n), 0})
	res.narrow = true
	res.Note = fmt.Sprintf("mapped, not asserted: %d of %d decided runs reached theta^ (rate %.3g, Wilson 95%% CI [%.3g, %.3g])", reached, decided, rate, lo, hi)
	if other != nil {
		kind := "a critical point of undetermined index"
		switch {
		case other.plateau:
			kind = fmt.Sprintf("a plateau (||grad|| = %.3g sigma, not a nondegenerate critical point: %s)", other.endGrad, c3Heads(mix, other.end))
		case other.crit.Minimizer():
			kind = "a local minimizer"
		case other.crit.Saddle():
			kind = "a saddle"
		}
		res.Note += fmt.Sprintf("; the others ended at %s other than theta^ (farthest: %.3g sigma from theta^, %.3g sigma from the symmetric point (E x, E x), smallest Hessian eigenvalue %.3g)", kind, other.dist, symDist, other.crit.MinEig)
		res.Values = append(res.Values, Quantity{"other end: distance to (E x, E x)/sigma", symDist, other.err},
			Quantity{"other end: min eig", other.crit.MinEig, other.crit.EigErr})
		res.Spec = PrototypeSpec(mix, l, other.polished)
	}
	if len(reasons) > 0 {
		res.Note += fmt.Sprintf("; %d runs undecided (first: %s)", len(reasons), reasons[0])
	}
	return res
}

// c3Wilson returns the Wilson score 95% confidence interval for k successes
// out of n trials (n > 0).
func c3Wilson(k, n int) (lo, hi float64) {
	const z = 1.959963984540054 // 97.5% standard normal quantile
	p, nf := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nf
	center := (p + z*z/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return math.Max(0, center-half), math.Min(1, center+half)
}

// Curve is the training curve of one gradient flow of C3: at each
// recorded iterate, the cosine similarity of each head to its centroid
// and the risk. Heads are labelled by where they end: Cos1 follows the
// head that ends nearer to mu*_1 (so both cosines tend to the values at
// theta^ for a successful run).
type Curve struct {
	Scheme string
	Run    int
	Iter   []int
	Cos1   []float64
	Cos2   []float64
	Risk   []float64
}

// TrainingCurves replays the gradient flows of C3 on r (the same starts
// as Check, runsPerScheme runs of every scheme, admissible and mapped) and
// records every iterate. It is deterministic. Runs whose flow cannot start
// (hardmax at equal heads, where the risk is not differentiable) are
// omitted; an error is returned when the regime's objective cannot be
// built or a start cannot be drawn.
func TrainingCurves(env Env, r Regime, runsPerScheme int) ([]Curve, error) {
	mix, _, obj, err := env.objective(r)
	if err != nil {
		return nil, err
	}
	var out []Curve
	for _, s := range append(append([]numerics.InitScheme(nil), c3Admissible...), c3Mapped...) {
		for i := range runsPerScheme {
			start, err := c3Start(s, mix, r.Seed, i)
			if err != nil {
				return nil, fmt.Errorf("TrainingCurves: %v run %d: %w", s, i, err)
			}
			opts := c3FlowOptions(r.Sigma)
			opts.Record = 1
			fl, err := numerics.GradientFlow(obj, start, opts)
			if err != nil {
				continue // the flow cannot start (documented above)
			}
			c := Curve{Scheme: s.String(), Run: i}
			end := fl.Heads
			swap := theory.Dist(end[0], mix.Centroids[1])+theory.Dist(end[1], mix.Centroids[0]) <
				theory.Dist(end[0], mix.Centroids[0])+theory.Dist(end[1], mix.Centroids[1])
			for _, p := range fl.Path {
				h1, h2 := p.Heads[0], p.Heads[1]
				if swap {
					h1, h2 = h2, h1
				}
				c.Iter = append(c.Iter, p.Iter)
				c.Cos1 = append(c.Cos1, theory.Cosine(h1, mix.Centroids[0]))
				c.Cos2 = append(c.Cos2, theory.Cosine(h2, mix.Centroids[1]))
				c.Risk = append(c.Risk, p.Risk)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// Hypotheses lists C3's hypotheses with their provenance.
func (C3) Hypotheses() []Hypothesis { return nil }

// InHypothesesGenerator draws regimes inside C3's a priori hypotheses.
func (c C3) InHypothesesGenerator() *rapid.Generator[Regime] { return c.Ranges().Generator() }
