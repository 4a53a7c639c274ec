package claims

import (
	"pgregory.net/rapid"

	"fmt"
	"math"
	"math/rand/v2"

	"attnclust/numerics"
	"attnclust/theory"
)

// C0 is the numerics sanity claim: on every regime, the model's risk and
// gradient agree with closed forms, with brute-force Monte Carlo in the
// full dimension, with finite differences, and respect docs/MODEL.md §3's
// invariances.
type C0 struct{}

// C0Accuracy is the accuracy C0 demands of a risk evaluation, relative to
// max(1, R): the foundation's target (docs/MODEL.md §4.2 and the quadrature's
// design), far below every margin the other claims use.
const C0Accuracy = 1e-12

// ID returns "C0".
func (C0) ID() string { return "C0" }

// Title is a one-line summary.
func (C0) Title() string {
	return "Numerics sanity: the risk and gradient agree with closed forms, full-dimensional Monte Carlo, finite differences and the model's invariances"
}

// Statement is the precise statement.
func (C0) Statement() string {
	return `**Setting.** On each regime, the model under test (by default the exact
one-dimensional reduction, docs/MODEL.md §4) is evaluated at a test point
theta = theta* + 0.3 sigma xi (xi standard normal per head, seeded by the
regime) and at transformed copies of it. tol = 1e-12 max(1, R) is the
accuracy the suite relies on everywhere (R the risk at the test point).

**Hypotheses.** None beyond a valid regime: C0 checks the numerics and must
hold everywhere. Every C0 result is a sanity check, reported apart from the
claims.

**Checks** (certified unless marked).
- error-budget: the certified error bound of the risk is within tol.
  Margin: tol minus that bound.
- grad-error-budget (estimated): the certified error bound of the gradient
  covers the gradient's actual deviation from an independent reference
  (the same one-dimensional reduction evaluated by fixed composite
  20-point Gauss-Legendre rules on a mesh refined around the logistic step,
  with no shared quadrature or error bookkeeping), and is within the target
  1e-12 (sigma + ||grad R|| + ||mu_1 - mu_2||). Margin: the smaller of
  bound minus deviation and target minus bound; error: the reference's
  error estimate (its difference from the rule with every panel halved,
  plus rounding allowances), an estimate, not a bound. It catches a bound
  smaller than the actual deviation; a conservative bound within the target
  passes, correctly (measured worst ratio of deviation to bound: 0.098,
  over the named regimes and 2000 sampled ones:
  ` + "`go test ./claims -run TestC0StatementGradRatio -v`" + `).
- lambda-zero (softmax variants): at lambda = 0 the risk equals the closed
  form sum_k pi_k ||mu*_k - (mu_1 + mu_2)/2||^2 + d sigma^2 (docs/MODEL.md
  §5.1). Margin: 1e-12 max(1, closed form) minus |R - closed form|; error:
  8 eps times the closed form (its rounding).
- hardmax-closed-form (hardmax, pi_1 = 1/2): at the closed-form critical
  point (docs/MODEL.md §5.2) the risk equals delta^2 + d sigma^2 - beta^2
  within 1e-12 max(1, closed form), and the gradient norm is at most
  1e-10 (sigma + ||mu*_1|| + ||mu*_2||) (a zero can only be certified to
  the rounding level of the terms that cancel). Margin: the smaller of the
  two slacks, each relative to its tolerance (dimensionless); error: the
  larger of the risk's and the gradient's certified bounds, each relative
  to its tolerance.
- monte-carlo (statistical): brute-force Monte Carlo in the full dimension
  d (20000 tokens, 5000 in the quick run, drawn from the true mixture with
  the regime's true layer) agrees with the model's risk and every gradient
  component. Margin: z* - max |z|, where z are the standardized deviations
  (deviation over standard error) and z* is the two-sided Bonferroni
  quantile for family-wise level 1e-6 over the 1 + 2d components (z* = 5.2
  at d = 2, 5.8 at d = 64). Under a correct model it fails with
  probability at most 1e-6 per regime (so a 100-regime property run
  flakes with probability 1e-4), while a planted bug that doubles lambda
  deviates by about 10 standard errors (9.7 at d = 3, a margin of -4.45:
  ` + "`go test ./claims -run TestPlantedBugsCaught -v`" + `).
- gradient-fd (estimated): the gradient agrees with Richardson-extrapolated
  central differences of the risk along 3 random unit directions v, with
  step h = 1e-3 sigma / (1 + lambda sigma (a + sigma)), a the distance
  between the heads (hardmax: h = 1e-3 min(sigma, a)). Margin: 1e-6 (1 +
  |<grad, v>| + R) minus the largest |difference|; error: the Richardson
  estimate |D(h) - D(h/2)| of the difference quotient's own error plus the
  gradient's certified bound. Why 1e-6: the quotient's truncation is
  O(h^4), and its rounding is about the risk's rounding error over h. The
  certified risk bound over h can exceed 1e-6 (1 + R) at extreme lambda
  sigma^2 (named regime saturated-softmax, lambda sigma^2 = 1e6), but the
  actual rounding does not: the check holds there.
- swap, rotation, translation (translation: distance and hardmax only): R
  is unchanged when the heads are swapped, when data and parameters are
  rotated by the same random orthogonal map (a Householder reflection),
  and when they are translated together (by 2 sigma times a standard
  normal vector). Margin: tol + input rounding - |R - R'|. The input
  rounding (0 for the swap, which is exact) is 8 d eps s^2 (1 + lambda
  sigma^2), s the largest of sigma and the norms of the centroids and heads
  (plus the shift's norm for the translation; lambda sigma^2 is taken as 1
  for hardmax): it bounds the change of R caused by rounding the
  transformed inputs (d-term inner products, each with relative error at
  most d eps, entering R with weights up to s^2 (1 + lambda sigma^2)).`
}

// Ranges samples the full ranges of docs/MODEL.md §7.
func (C0) Ranges() Ranges { return FullRanges() }

// InHypotheses is true for every valid regime: C0 has no hypotheses
// beyond the paper's setting, which every valid regime realizes.
func (C0) InHypotheses(r Regime) bool { return r.Validate() == nil }

// testPoint returns theta* + 0.3 sigma xi.
func testPoint(mix theory.Mixture, r Regime) [][]float64 {
	rng := rand.New(rand.NewPCG(r.Seed, 0xc0))
	heads := theory.Clone(mix.Centroids)
	for _, h := range heads {
		for i := range h {
			h[i] += 0.3 * r.Sigma * rng.NormFloat64()
		}
	}
	return heads
}

// Check runs C0's checks on r. Every result has role sanity; kinds are
// set by c0Kinds.
func (c C0) Check(env Env, r Regime) []Result {
	return c0Kinds(c.check(env, r))
}

// c0Level is the confidence level of C0.monte-carlo: its family-wise
// error rate is 1e-6.
const c0Level = 1 - 1e-6

// c0Kinds sets role sanity on every result and the kind from the check:
// Monte Carlo is statistical (level 1 - 1e-6); finite differences and the
// reference gradient rest on error estimates; the rest compare quantities
// with certified bounds (the invariances and closed forms add exact or
// rigorously bounded rounding terms).
func c0Kinds(res []Result) []Result {
	for i := range res {
		res[i].Role, res[i].Kind = RoleSanity, KindCertified
		switch res[i].Check {
		case "C0.monte-carlo":
			res[i].Kind, res[i].Level = KindStatistical, c0Level
		case "C0.gradient-fd", "C0.grad-error-budget":
			res[i].Kind = KindEstimated
		}
	}
	return res
}

func (c C0) check(env Env, r Regime) []Result {
	id := c.ID()
	mix, l, obj, err := env.objective(r)
	if err != nil {
		return []Result{inconclusive(id, id+".error-budget", r, "%v", err)}
	}
	theta := testPoint(mix, r)
	ev, err := obj.Eval(theta)
	if err != nil {
		return []Result{inconclusive(id, id+".error-budget", r, "%v", err)}
	}
	spec := PrototypeSpec(mix, l, theta)
	tol := C0Accuracy * math.Max(1, ev.Risk)
	var out []Result
	add := func(res Result) {
		if res.Spec == "" {
			res.Spec = spec
		}
		out = append(out, res)
	}
	add(result(id, id+".error-budget", r, tol-ev.RiskErr, 0, "risk",
		Quantity{"risk", ev.Risk, ev.RiskErr}, Quantity{"tol", tol, 0}))

	// closed forms
	if !r.Hardmax() {
		l0 := l
		l0.Lambda = 0
		if o0, err := env.model().Objective(mix, l0); err != nil {
			add(inconclusive(id, id+".lambda-zero", r, "%v", err))
		} else if e0, err := o0.Eval(theta); err != nil {
			add(inconclusive(id, id+".lambda-zero", r, "%v", err))
		} else {
			cf := theory.RiskLambdaZero(mix, theta)
			res := result(id, id+".lambda-zero", r, C0Accuracy*math.Max(1, cf)-math.Abs(e0.Risk-cf), 8*epsilon*cf, "risk",
				Quantity{"risk(lambda=0)", e0.Risk, e0.RiskErr}, Quantity{"closed form", cf, 8 * epsilon * cf})
			l0spec := PrototypeSpec(mix, l0, theta)
			res.Spec = l0spec
			add(res)
		}
	} else if r.Pi1 == 0.5 {
		cfHeads, cfRisk, err := theory.HardmaxCritical(mix)
		if err != nil {
			add(inconclusive(id, id+".hardmax-closed-form", r, "%v", err))
		} else if eh, err := obj.Eval(cfHeads); err != nil {
			add(inconclusive(id, id+".hardmax-closed-form", r, "%v", err))
		} else {
			gn := math.Hypot(theory.Norm(eh.Grad[0]), theory.Norm(eh.Grad[1]))
			gtol := 1e-10 * (r.Sigma + theory.Norm(mix.Centroids[0]) + theory.Norm(mix.Centroids[1]))
			rtol := C0Accuracy * math.Max(1, cfRisk)
			m := math.Min((rtol-math.Abs(eh.Risk-cfRisk))/rtol, (gtol-gn)/gtol)
			res := result(id, id+".hardmax-closed-form", r, m, math.Max(eh.RiskErr/rtol, eh.GradErr/gtol), "fraction of tolerance",
				Quantity{"risk", eh.Risk, eh.RiskErr}, Quantity{"closed form risk", cfRisk, 0},
				Quantity{"grad norm", gn, eh.GradErr}, Quantity{"grad tol", gtol, 0})
			res.Spec = PrototypeSpec(mix, l, cfHeads)
			add(res)
		}
	}

	add(c.gradBudget(r, mix, l, theta, ev))
	add(c.monteCarlo(env, r, mix, l, theta, ev))
	add(c.finiteDifference(r, obj, theta, ev))

	// invariances
	inv := func(check string, mix2 theory.Mixture, heads2 [][]float64, inputErr float64) {
		o2, err := env.model().Objective(mix2, l)
		if err != nil {
			add(inconclusive(id, check, r, "%v", err))
			return
		}
		e2, err := o2.Eval(heads2)
		if err != nil {
			add(inconclusive(id, check, r, "%v", err))
			return
		}
		res := result(id, check, r, tol+inputErr-math.Abs(e2.Risk-ev.Risk), 0, "risk",
			Quantity{"risk", ev.Risk, ev.RiskErr}, Quantity{"transformed risk", e2.Risk, e2.RiskErr},
			Quantity{"input rounding", inputErr, 0})
		res.Spec = PrototypeSpec(mix2, l, heads2)
		add(res)
	}
	scale := r.Sigma
	for _, v := range append(theory.Clone(mix.Centroids), theta...) {
		scale = math.Max(scale, theory.Norm(v))
	}
	lam := l.Lambda
	if r.Hardmax() {
		lam = 1 / (r.Sigma * r.Sigma)
	}
	inErr := 8 * float64(r.D) * epsilon * scale * scale * (1 + lam*r.Sigma*r.Sigma)
	inv(id+".swap", mix, [][]float64{theta[1], theta[0]}, 0)

	rng := rand.New(rand.NewPCG(r.Seed, 0xc1))
	v := make([]float64, r.D)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	theory.Scale(1/theory.Norm(v), v)
	refl := func(x []float64) []float64 { // Householder I - 2 v v^T
		y := append([]float64(nil), x...)
		theory.AddScaled(y, -2*theory.Inner(v, x), v)
		return y
	}
	if rmix, err := theory.NewMixture(mix.Weights, [][]float64{refl(mix.Centroids[0]), refl(mix.Centroids[1])}, mix.Sigma); err == nil {
		inv(id+".rotation", rmix, [][]float64{refl(theta[0]), refl(theta[1])}, inErr)
	}
	if l.Variant != theory.Dot {
		shift := make([]float64, r.D)
		for i := range shift {
			shift[i] = 2 * r.Sigma * rng.NormFloat64()
		}
		tr := func(x []float64) []float64 {
			y := append([]float64(nil), x...)
			theory.AddScaled(y, 1, shift)
			return y
		}
		sc := scale + theory.Norm(shift)
		if tmix, err := theory.NewMixture(mix.Weights, [][]float64{tr(mix.Centroids[0]), tr(mix.Centroids[1])}, mix.Sigma); err == nil {
			inv(id+".translation", tmix, [][]float64{tr(theta[0]), tr(theta[1])}, 8*float64(r.D)*epsilon*sc*sc*(1+lam*r.Sigma*r.Sigma))
		}
	}
	return out
}

const epsilon = 0x1p-52

// gradBudget builds C0.grad-error-budget: the model's certified gradient
// error bound covers its actual deviation from the independent reference
// refGradient (margin = GradErr - ||grad - reference||, error = the
// reference's error estimate), and is within the accuracy target
// C0GradAccuracy (1 + ||grad||): the margin is the smaller of the two
// slacks.
func (c C0) gradBudget(r Regime, mix theory.Mixture, l theory.Prototype, theta [][]float64, ev theory.Eval) Result {
	id := c.ID() + ".grad-error-budget"
	ref, refErr, err := refGradient(mix, l, theta)
	if err != nil {
		return inconclusive(c.ID(), id, r, "%v", err)
	}
	dev2, g2 := 0.0, 0.0
	for h := range ref {
		for i := range ref[h] {
			e := ev.Grad[h][i] - ref[h][i]
			dev2 += e * e
			g2 += ev.Grad[h][i] * ev.Grad[h][i]
		}
	}
	dev, gn := math.Sqrt(dev2), math.Sqrt(g2)
	tolG := C0GradAccuracy * (r.Sigma + gn + theory.Dist(theta[0], theta[1]))
	margin := math.Min(ev.GradErr-dev, tolG-ev.GradErr)
	res := result(c.ID(), id, r, margin, refErr, "gradient (data units)",
		Quantity{"gradient error bound", ev.GradErr, 0},
		Quantity{"deviation from the reference", dev, refErr},
		Quantity{"gradient norm", gn, ev.GradErr},
		Quantity{"accuracy target", tolG, 0})
	switch res.Verdict {
	case Fails:
		if dev > ev.GradErr {
			res.Note = fmt.Sprintf("the gradient deviates from the independent reference by %.3g, more than its certified bound %.3g", dev, ev.GradErr)
		} else {
			res.Note = fmt.Sprintf("the certified gradient bound %.3g exceeds the accuracy target %.3g", ev.GradErr, tolG)
		}
	case Inconclusive:
		res.Note = fmt.Sprintf("deviation %.3g from the reference against the bound %.3g: within the reference's error estimate %.2g", dev, ev.GradErr, refErr)
	}
	return res
}

// C0GradAccuracy is the accuracy C0 demands of a gradient evaluation,
// relative to sigma + ||grad R|| + ||mu_1 - mu_2|| (data units; the
// gradient's terms carry the head difference times attention moments, so
// their rounding scales with it): the same 1e-12 as C0Accuracy for the
// risk.
const C0GradAccuracy = 1e-12

// monteCarlo compares the model with brute-force Monte Carlo.
func (c C0) monteCarlo(env Env, r Regime, mix theory.Mixture, l theory.Prototype, theta [][]float64, ev theory.Eval) Result {
	id := c.ID() + ".monte-carlo"
	n := 20000
	if env.Quick {
		n = 5000
	}
	mc, err := numerics.RiskMC(mix, l, theta, n, r.Seed^0x3c)
	if err != nil {
		return inconclusive(c.ID(), id, r, "%v", err)
	}
	comps := 1 + 2*r.D
	// two-sided Bonferroni quantile for family-wise level 1e-6
	zstar := -normalQuantile(1e-6 / (2 * float64(comps)))
	worst, errZ := math.Abs(ev.Risk-mc.Risk)/mc.RiskSE, ev.RiskErr/mc.RiskSE
	which := "risk"
	for h := range theta {
		for i := range theta[h] {
			if mc.GradSE[h][i] == 0 {
				continue
			}
			z := math.Abs(ev.Grad[h][i]-mc.Grad[h][i]) / mc.GradSE[h][i]
			if z > worst {
				worst, which = z, fmt.Sprintf("grad[%d][%d]", h, i)
			}
			errZ = math.Max(errZ, ev.GradErr/mc.GradSE[h][i])
		}
	}
	res := result(c.ID(), id, r, zstar-worst, errZ, "standard errors",
		Quantity{"risk", ev.Risk, ev.RiskErr}, Quantity{"risk (Monte Carlo)", mc.Risk, mc.RiskSE},
		Quantity{"max |z|", worst, 0}, Quantity{"z*", zstar, 0})
	res.Note = fmt.Sprintf("largest deviation at %s; %d tokens", which, n)
	return res
}

// normalQuantile returns Phi^{-1}(p) for p in (0, 1/2] by bisection on
// the complementary error function (60 halvings of [-40, 0] reach 4e-17).
func normalQuantile(p float64) float64 {
	lo, hi := -40.0, 0.0
	for i := 0; i < 60; i++ {
		m := (lo + hi) / 2
		if theory.NormalCDF(m) < p {
			lo = m
		} else {
			hi = m
		}
	}
	return (lo + hi) / 2
}

// finiteDifference compares directional derivatives of the risk with the
// gradient along 3 random unit directions.
func (c C0) finiteDifference(r Regime, obj theory.Objective, theta [][]float64, ev theory.Eval) Result {
	id := c.ID() + ".gradient-fd"
	rng := rand.New(rand.NewPCG(r.Seed, 0xfd))
	a := theory.Dist(theta[0], theta[1])
	lam := r.Lambda()
	h := 1e-3 * r.Sigma / (1 + lam*r.Sigma*(a+r.Sigma))
	if r.Hardmax() {
		h = 1e-3 * math.Min(r.Sigma, a)
	}
	risk := func(t float64, v [][]float64) (float64, error) {
		p := theory.Clone(theta)
		for k := range p {
			theory.AddScaled(p[k], t, v[k])
		}
		e, err := obj.Eval(p)
		return e.Risk, err
	}
	margin, errb := math.Inf(1), 0.0
	var worst Quantity
	for trial := 0; trial < 3; trial++ {
		v := [][]float64{make([]float64, r.D), make([]float64, r.D)}
		nv := 0.0
		for k := range v {
			for i := range v[k] {
				v[k][i] = rng.NormFloat64()
				nv += v[k][i] * v[k][i]
			}
		}
		for k := range v {
			theory.Scale(1/math.Sqrt(nv), v[k])
		}
		cd := func(s float64) (float64, error) {
			p, err := risk(s, v)
			if err != nil {
				return 0, err
			}
			m, err := risk(-s, v)
			return (p - m) / (2 * s), err
		}
		d1, err1 := cd(h)
		d2, err2 := cd(h / 2)
		if err1 != nil || err2 != nil {
			return inconclusive(c.ID(), id, r, "evaluation near the test point failed: %v %v", err1, err2)
		}
		fd := (4*d2 - d1) / 3
		g := theory.Inner(ev.Grad[0], v[0]) + theory.Inner(ev.Grad[1], v[1])
		tolFD := 1e-6 * (1 + math.Abs(g) + ev.Risk)
		if m := tolFD - math.Abs(fd-g); m < margin {
			margin, worst = m, Quantity{"directional derivative (difference)", fd, math.Abs(d2 - d1)}
			errb = math.Abs(d2-d1) + ev.GradErr
			_ = worst
		}
	}
	return result(c.ID(), id, r, margin, errb, "derivative", worst)
}

// Hypotheses lists C0's hypotheses with their provenance: only the
// paper's setting, which every valid regime realizes.
func (C0) Hypotheses() []Hypothesis {
	return []Hypothesis{{
		Text:  "Any valid regime of the paper's setting: a two-component isotropic Gaussian mixture and the two-head layer (dot, distance or hardmax scores); C0 checks the numerics, not the paper, and must hold everywhere.",
		Short: "a valid regime of the model", Provenance: FromPaper, Ref: "docs/MODEL.md §1, §2",
	}}
}

// InHypothesesGenerator draws from the full sampled ranges: every valid
// regime is inside C0's hypotheses.
func (c C0) InHypothesesGenerator() *rapid.Generator[Regime] { return c.Ranges().Generator() }
