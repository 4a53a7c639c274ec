package claims

import (
	"pgregory.net/rapid"

	"fmt"
	"math"

	"attnclust/numerics"
	"attnclust/theory"
)

// C4 is the in-context quantization claim (docs/MODEL.md §6): the
// parameter-free attention layer (key, query and value the identity, score
// scale lambda) moves each token toward its own centroid, so that its output
// is a better estimate of the token's centroid than the token itself, and
// finite-length sequences approach the L -> infinity limit. See Statement
// for the precise reading, the hypotheses and the measurements behind them.
//
// C4 uses only the regime's mixture and LambdaSigma2: the trained layer,
// Regime.Variant and Env.Model play no part.
type C4 struct{}

// Check IDs of C4.
const (
	C4LimitImproves     = "C4.limit-improves"
	C4SufficientBound   = "C4.sufficient-condition"
	C4FiniteLConverges  = "C4.finite-L-converges"
	C4FiniteLImproves   = "C4.finite-L-improves"
	c4ClaimID           = "C4"
	c4SeedTag           = 0xC4 << 32 // keeps C4's Monte Carlo seeds apart from other claims'
	c4StatisticalFactor = 3          // Monte Carlo verdicts need 3 standard errors
)

// A priori hypotheses of C4 (see Hypotheses).
const (
	// c4MinSeparation realizes the paper's "well separated tokens" by the
	// convention shared with C1 to C3 (docs/MODEL.md §8.4): Delta >= 6,
	// each centroid 3 sigma from the midpoint, overlap Phi(-3) = 0.13%.
	c4MinSeparation = 6.0
	// c4MaxLamS2 is the derived necessary bound lambda sigma^2 < 1
	// (strict): Q_inf >= (lambda sigma^2)^2 d sigma^2 on every regime
	// (docs/MODEL.md §8.3).
	c4MaxLamS2 = 1.0
	// c4InLamS2Min is the lower end of lambda sigma^2 drawn by the
	// conditional generator: the lower end 0.1 of the sampled ranges (a
	// sampling choice, not a hypothesis).
	c4InLamS2Min = 0.1
	// c4InLamS2Max is the upper end drawn: the largest 3-digit value
	// below the necessary bound 1.
	c4InLamS2Max = 0.99
)

// Constants of the derived sufficient condition S1-S3 (checked by
// C4.sufficient-condition, not a hypothesis).
const (
	// c4SufLamS2 bounds lambda sigma^2 (S1): the tilt noise
	// lambda sigma^3 xi then costs at most 1/4 of the input error.
	c4SufLamS2 = 0.5
	// c4SufBias bounds lambda sigma ||mu*_k|| / sqrt(d) (S2): the pull
	// lambda sigma^2 mu*_k toward the origin then costs at most 1/4 of the
	// input error.
	c4SufBias = 0.5
	// c4SufMis bounds Delta^2 U_k / d (S3), the misassignment share. The
	// proof needs it below (1 - 1/sqrt 2)^2 = 0.0857864; 0.085 leaves a
	// relative slack of 1e-3 in the final inequality, far above the
	// rounding of the closed-form bound U.
	c4SufMis = 0.085
	// c4SelfTermLamS2D is the measured boundary lambda sigma^2 d <= 6 of
	// the finite-L ladder (a measured item: above it the self term keeps
	// Q_L at d sigma^2 on the ladder and the finite-L checks are
	// INCONCLUSIVE). It does not restrict the hypotheses.
	c4SelfTermLamS2D = 6
	// c4BoundRel is the relative rounding allowance on the Minkowski
	// bound B: a dozen elementary operations, the largest error being an
	// exponential whose argument |x| <= 745 carries eps |x| <= 1.7e-13
	// relative; 1e-12 covers it with margin.
	c4BoundRel = 1e-12
)

// c4Level is the confidence level of C4's statistical verdicts: a
// one-sided 3-standard-error test, Phi(3).
var c4Level = theory.NormalCDF(c4StatisticalFactor)

// c4Ladder is the finite-L ladder L1 < L2 < L3 and the number of
// Monte Carlo sequences per rung.
type c4Ladder struct {
	L       [3]int
	Samples int
}

// c4LadderFor returns the ladder of env: 20, 100, 500 with 2000
// sequences, or 10, 40, 160 with 400 sequences under Env.Quick. Measured
// cost of a whole C4 check (CPU time; QuantMC spreads it over the cores):
// 64 ms at d = 2, 0.24 s at d = 16, 0.73 s at d = 64 (about 0.37 s on 2
// cores); under Env.Quick 5, 16 and 49 ms.
func c4LadderFor(env Env) c4Ladder {
	if env.Quick {
		return c4Ladder{L: [3]int{10, 40, 160}, Samples: 400}
	}
	return c4Ladder{L: [3]int{20, 100, 500}, Samples: 2000}
}

// c4Seed is the Monte Carlo seed of rung L on regime seed s.
func c4Seed(s uint64, L int) uint64 { return mix64(s, c4SeedTag|uint64(L)) }

// ID returns "C4".
func (C4) ID() string { return c4ClaimID }

// Title is a one-line summary.
func (C4) Title() string {
	return "In-context quantization: the identity attention layer brings tokens closer to their centroids (Q_inf < d sigma^2), and Q_L approaches Q_inf as L grows"
}

// Ranges are the sampled ranges with one variant ("distance"; C4 ignores
// the variant, so other variants would only repeat regimes) and lambda
// sigma^2 from 0.01 instead of 0.1, so that the outside sample also maps
// small lambda sigma^2 d in high dimension.
func (C4) Ranges() Ranges {
	rg := FullRanges()
	rg.Variants = []string{"distance"}
	rg.LamS2Min = 0.01
	return rg
}

// Hypotheses lists C4's hypotheses with their provenance: the paper's
// setting, the separation convention, the derived necessary bound on
// lambda sigma^2, and the measured boundaries (which do not restrict).
func (C4) Hypotheses() []Hypothesis {
	return []Hypothesis{
		{Text: "The layer: key, query and value are the identity and the scores are scaled by lambda > 0 (lambda = 1 is the paper's identity layer); each token's output averages all L tokens of its sequence, itself included; nothing is learned.",
			Short: "identity key, query and value", Provenance: FromPaper, Ref: "docs/MODEL.md §6"},
		{Text: "The data: the tokens of a sequence are drawn independently from a two-component isotropic Gaussian mixture, N(mu*_k, sigma^2 I_d) with weights pi_1, pi_2; the centroids may change from one sequence to the next.",
			Short: "two-component isotropic mixture", Provenance: FromPaper, Ref: "docs/MODEL.md §1, §6"},
		{Text: "The tokens are well separated: Delta = ||mu*_1 - mu*_2|| / sigma >= 6, i.e. each centroid 3 sigma from the midpoint (overlap Phi(-3) = 0.13%), the convention shared by C1 to C4 for the paper's \"separation large enough\".",
			Short: "Delta >= 6", Provenance: Derived, Ref: "docs/MODEL.md §8.4"},
		{Text: "lambda sigma^2 < 1. Necessary: the limit output contains the tilt term lambda sigma^2 x, and Q_inf >= (lambda sigma^2)^2 d sigma^2 in every regime, so Q_inf < d sigma^2 is impossible when lambda sigma^2 >= 1.",
			Short: "lambda sigma^2 < 1 (necessary)", Provenance: Derived, Ref: "docs/MODEL.md §8.3"},
		{Text: "Where the limit improves on the input: the separation threshold above which (or below which: the pull toward the origin grows with the centroids' norms) Q_inf < d sigma^2, per slice of lambda sigma^2, geometry and weights.",
			Provenance: Measured, Ref: "go run ./cmd/verify (thresholds table, claim C4)"},
		{Text: "Finite sequences: the self term keeps a token's output near the token unless L is large against exp(lambda sigma^2 d (1 - lambda sigma^2 / 2)); on the ladder used here the finite-L checks are INCONCLUSIVE, not FAILS, once lambda sigma^2 d > 6.",
			Provenance: Measured, Ref: "go test ./claims -run TestC4Mapping -v (regime self-term)"},
	}
}

// InHypotheses reports whether r satisfies C4's a priori hypotheses
// (provenance paper or derived): a valid regime with lambda sigma^2 in
// (0, 1) and Delta >= 6. An invalid regime is outside the hypotheses.
func (C4) InHypotheses(r Regime) bool {
	return r.Validate() == nil && r.LambdaSigma2 > 0 && r.LambdaSigma2 < c4MaxLamS2 && r.Separation >= c4MinSeparation
}

// InHypothesesGenerator draws regimes inside C4's a priori hypotheses
// directly: Delta in [6, 12], lambda sigma^2 log-uniform in [0.1, 0.99],
// and the sampled ranges for everything else (d from 2 to 64, sigma from
// 0.3 to 3, pi1 from 0.2 to 0.8, the four geometries), variant
// "distance" (ignored by C4). Draws are rounded to 3 significant digits
// like Ranges.Generator; rounding keeps them inside (6 rounds to 6, 0.99
// to 0.99).
func (C4) InHypothesesGenerator() *rapid.Generator[Regime] {
	rg := FullRanges()
	rg.Variants = []string{"distance"}
	rg.SepMin = c4MinSeparation
	rg.LamS2Min, rg.LamS2Max = c4InLamS2Min, c4InLamS2Max
	return rg.Generator()
}

// c4Shape is the dimensionless description of a regime that C4's
// hypotheses are stated in (component index k = 0, 1 for mu*_1, mu*_2).
type c4Shape struct {
	a     float64    // lambda sigma^2
	d     float64    // dimension
	delta float64    // Delta = ||mu*_1 - mu*_2|| / sigma
	tau   float64    // lambda sigma ||mu*_1 - mu*_2|| = a Delta, the spread of the assignment logit
	g     [2]float64 // assignment logit at mu*_k: lambda <mu*_k, mu*_k - mu*_o> + log(pi_k/pi_o)
	bias  [2]float64 // lambda sigma ||mu*_k|| / sqrt(d)
	mis   [2]float64 // Delta^2 U(g_k, tau) / d
}

// c4ShapeOf computes the shape of r from its mixture (the same centroids
// the checks use); ok is false for an invalid regime.
func c4ShapeOf(r Regime) (s c4Shape, ok bool) {
	mix, err := r.Mixture()
	if err != nil {
		return c4Shape{}, false
	}
	lam, sg := r.Lambda(), r.Sigma
	v := make([]float64, r.D) // mu*_1 - mu*_2
	for i := range v {
		v[i] = mix.Centroids[0][i] - mix.Centroids[1][i]
	}
	s = c4Shape{a: r.LambdaSigma2, d: float64(r.D), delta: theory.Norm(v) / sg, tau: lam * sg * theory.Norm(v)}
	for k, sign := range [2]float64{1, -1} { // mu*_k - mu*_o = sign v
		mk := mix.Centroids[k]
		s.g[k] = lam*sign*theory.Inner(mk, v) + math.Log(mix.Weights[k]/mix.Weights[1-k])
		s.bias[k] = lam * sg * theory.Norm(mk) / math.Sqrt(s.d)
		s.mis[k] = s.delta * s.delta * c4MisBound(s.g[k], s.tau) / s.d
	}
	return s, true
}

// sufficient reports S1, S2 and S3 (they imply Q_inf < d sigma^2). NaN
// fields make it false.
func (s c4Shape) sufficient() bool {
	return s.a <= c4SufLamS2 &&
		s.bias[0] <= c4SufBias && s.bias[1] <= c4SufBias &&
		s.mis[0] < c4SufMis && s.mis[1] < c4SufMis
}

// c4Bound returns the Minkowski bound
//
//	B = sum_k pi_k (lambda sigma^2 sqrt(||mu*_k||^2 + d sigma^2) + ||v|| sqrt(U_k))^2 >= Q_inf
//
// of the derived sufficient condition (see Statement).
func c4Bound(r Regime, mix theory.Mixture, s c4Shape) float64 {
	b := 0.0
	for k, mk := range mix.Centroids {
		root := r.LambdaSigma2*math.Sqrt(theory.Inner(mk, mk)+s.d*r.Sigma*r.Sigma) +
			s.delta*r.Sigma*math.Sqrt(c4MisBound(s.g[k], s.tau))
		b += mix.Weights[k] * root * root
	}
	return b
}

// c4MisBound returns the closed-form upper bound
//
//	U(g, tau) = Phi(-g/tau) + exp(-2g + 2tau^2) Phi(g/tau - 2tau) = E[min(1, exp(-2s))]
//
// on E[sigmoid(-s)^2] for s ~ N(g, tau^2) (sigmoid(-s) <= min(1, e^-s)),
// capped at 1. When g/tau - 2tau < -20 the second term is replaced by its
// Mills-ratio bound phi(g/tau) / (2tau - g/tau) (Phi(y) <= phi(y)/|y| for
// y < 0, and exp(-2g + 2tau^2) phi(g/tau - 2tau) = phi(g/tau)), which
// avoids 0 * inf. tau = 0 gives sigmoid(-g)^2 exactly.
func c4MisBound(g, tau float64) float64 {
	if tau == 0 {
		w := theory.Sigmoid(-g)
		return w * w
	}
	y := g/tau - 2*tau
	var t2 float64
	if y > -20 {
		// Phi(y) > 1e-89 here, so its logarithm is finite; an overflow of
		// the exponential gives +Inf and the cap below returns 1.
		t2 = math.Exp(-2*g + 2*tau*tau + math.Log(theory.NormalCDF(y)))
	} else {
		t2 = theory.NormalPDF(g/tau) / -y
	}
	return math.Min(1, theory.NormalQ(g/tau)+t2)
}

// Statement is the precise statement in Markdown.
func (C4) Statement() string {
	lq, ln := c4LadderFor(Env{Quick: true}), c4LadderFor(Env{})
	return fmt.Sprintf(c4Statement,
		c4MinSeparation, c4SufLamS2, c4SufBias, c4SufMis, c4SelfTermLamS2D,
		ln.L[0], ln.L[1], ln.L[2], ln.Samples, lq.L[0], lq.L[1], lq.L[2], lq.Samples,
		c4StatisticalFactor, 100*c4Level)
}

const c4Statement = `**Layer** (docs/MODEL.md §6). A sequence of L independent tokens from the
regime's mixture; key, query and value are the identity and the scores are
scaled by lambda:

    out_i = sum_{j=1..L} softmax_j(lambda <x_i, x_j>) x_j      (the self term j = i included)

Nothing is learned; the centroids may change from one sequence to the
next. C4 uses only the regime's mixture and lambda sigma^2: the trained
layer and its variant play no part (a hardmax regime, whose lambda sigma^2
is 0, is the uniform average and lies outside the hypotheses).

**Quantities.** Input error E ||x_1 - mu*_{z_1}||^2 = d sigma^2. Finite-L
error Q_L = E ||out_1 - mu*_{z_1}||^2, estimated by Monte Carlo with its
standard error. As L -> infinity, out_1 tends to the exponentially tilted
mean out_inf(x) = sum_k w_k(x) mu*_k + lambda sigma^2 x with w_k(x)
proportional to pi_k exp(lambda <x, mu*_k>), and Q_inf = E ||out_inf(x_1) -
mu*_{z_1}||^2 is computed by the exact one-dimensional reduction with a
certified error bound (docs/MODEL.md §6).

**Claim.** For well-separated tokens the layer quantizes: Q_inf < d sigma^2,
and finite-L errors approach Q_inf as L grows.

**Hypotheses** (a priori; each listed with its provenance in the report):
the layer and data above (paper); Delta >= %[1]v, the separation
convention shared by C1 to C4 (derived, docs/MODEL.md §8.4); lambda sigma^2
< 1, a necessary condition (derived, docs/MODEL.md §8.3): writing a token of
component k as x = mu*_k + sigma xi and v = mu*_o - mu*_k,

    out_inf(x) - mu*_k = (lambda sigma^2 mu*_k + w_o(x) v) + lambda sigma^3 xi,

and the cross term E[w_o(x) <v, xi>] = lambda sigma ||v||^2 E[w_o (1 - w_o)]
is non-negative (Gaussian integration by parts), so Q_inf >= (lambda
sigma^2)^2 d sigma^2 in every regime. Random regimes inside the hypotheses
are drawn with lambda sigma^2 from 0.1 to 0.99, Delta from 6 to 12 and the
sampled ranges for the rest (a sampling choice, not a hypothesis).
Measured, not hypotheses: the separation thresholds of the limit claim
per slice, and the self-term boundary of the finite-L checks below.

**Derived sufficient condition** (checked, not assumed). With s = lambda <x,
mu*_k - mu*_o> + log(pi_k/pi_o) ~ N(g_k, tau^2), g_k = lambda <mu*_k, mu*_k -
mu*_o> + log(pi_k/pi_o), tau = lambda sigma^2 Delta, w_o = sigmoid(-s) <=
min(1, e^-s), so E[w_o^2] <= U(g_k, tau) = Phi(-g_k/tau) + exp(-2 g_k + 2
tau^2) Phi(g_k/tau - 2 tau). Minkowski's inequality gives, per component,
sqrt(E ||out_inf - mu*_k||^2) <= lambda sigma^2 sqrt(||mu*_k||^2 + d sigma^2)
+ ||v|| sqrt(U(g_k, tau)), hence Q_inf <= B, the weighted sum of the squares.
Under S1: lambda sigma^2 <= %[2]v, S2: lambda sigma ||mu*_k|| <= %[3]v sqrt(d)
and S3: Delta^2 U(g_k, tau) < %[4]v d for both k, the bound is below
0.7072 + 0.2916 < 1 times sigma sqrt(d) per component, so B < d sigma^2.

**Checks.** Margins are in squared data units (the units of d sigma^2);
HOLDS when the margin exceeds its error, FAILS when it is below minus its
error.

- limit-improves (claim, certified): Q_inf < d sigma^2. Margin
  d sigma^2 - Q_inf, error the certified bound on Q_inf.
- sufficient-condition (map, certified; it verifies a derivation, not the
  paper's claim): the derivation above holds numerically: Q_inf <= B on
  every regime and, where S1 to S3 hold, B < d sigma^2. Margin B - Q_inf
  (and d sigma^2 - B where S1 to S3 hold, the smaller of the two); error
  the bound on Q_inf plus a rounding allowance of 1e-12 B. Where one term of the Minkowski sum vanishes
  (lambda = 0, or negligible misassignment at large separation) the bound
  is attained to rounding and the check is INCONCLUSIVE by construction.
- finite-L-converges (claim, statistical): on the ladder L1 < L2 < L3
  (%[6]v, %[7]v, %[8]v with %[9]v sequences per rung; %[10]v, %[11]v,
  %[12]v with %[13]v in the quick run), |Q_L3 - Q_inf| < |Q_L1 - Q_inf|.
  Margin |Q_L1 - Q_inf| - |Q_L3 - Q_inf|; error %[14]v combined standard
  errors plus twice the error of Q_inf, so a HOLDS or FAILS by chance has
  one-sided probability at most 0.13%% (level %.3[15]f%%). Each rung has its
  own seed, derived from the regime's seed and L; the note lists them.
- finite-L-improves (map, statistical, same level): Q_L1 < d sigma^2 at
  the smallest L of the ladder. It charts where finite sequences
  do not yet help: the self term has weight exp(lambda ||x_1||^2) against
  exp(lambda <x_1, x_j>) for another token of the same component, a ratio
  of about exp(lambda sigma^2 d), so out_1 stays near x_1 unless L is large
  against exp(lambda sigma^2 d (1 - lambda sigma^2 / 2)). Measured: once
  lambda sigma^2 d > %[5]v both finite-L checks are INCONCLUSIVE on the
  ladder, not FAILS (test regime self-term: d = 64, Delta = 2, lambda
  sigma^2 = 0.3; ` + "`go test ./claims -run TestC4Mapping -v`" + `).

Numerical failures (an error or a non-finite value) give INCONCLUSIVE,
never a panic.

**Worked example** (the named regime in-context-reference): d = 2, sigma =
0.3, orthogonal centroids of norm 2, equal weights, lambda = 1 (lambda
sigma^2 = 0.09): d sigma^2 = 0.18, Q_inf = 0.028354; reproduce with
` + "`go run ./cmd/verify eval -spec fixtures/eval_identity.json`" + ` (a spec
of this regime).
`

// Check runs C4.limit-improves, C4.sufficient-condition,
// C4.finite-L-converges and C4.finite-L-improves on r, in that order. It never panics on a valid
// regime; numerical failures give INCONCLUSIVE results.
func (C4) Check(env Env, r Regime) []Result {
	ids := []string{C4LimitImproves, C4SufficientBound, C4FiniteLConverges, C4FiniteLImproves}
	all := func(format string, args ...any) []Result {
		out := make([]Result, len(ids))
		for i, id := range ids {
			out[i] = inconclusive(c4ClaimID, id, r, format, args...)
		}
		return c4RolesKinds(out)
	}
	mix, err := r.Mixture()
	if err != nil {
		return all("%v", err)
	}
	lam := r.Lambda()
	if !(lam >= 0) || math.IsInf(lam, 0) {
		return all("lambda = LambdaSigma2/sigma^2 = %v must be finite and >= 0", lam)
	}
	input := float64(r.D) * r.Sigma * r.Sigma // d sigma^2, exact up to rounding
	inputQ := Quantity{Name: "d sigma^2", Value: input}

	// Q_inf, shared by the first two checks.
	qinf, qerr := env.quant(mix, lam)
	if qerr == nil && (!c4Finite(qinf.Value) || !(qinf.Err >= 0) || math.IsInf(qinf.Err, 0)) {
		qerr = fmt.Errorf("QuantInf returned %v +- %v", qinf.Value, qinf.Err)
	}
	infQ := Quantity{Name: "Q_inf", Value: qinf.Value, Err: qinf.Err}

	out := make([]Result, 0, len(ids))
	if qerr != nil {
		out = append(out, inconclusive(c4ClaimID, C4LimitImproves, r, "Q_inf: %v", qerr),
			inconclusive(c4ClaimID, C4SufficientBound, r, "Q_inf: %v", qerr))
	} else {
		out = append(out, c4Limit(r, mix, lam, input, inputQ, infQ), c4Sufficient(r, mix, lam, input, inputQ, infQ))
	}

	// The ladder.
	ld := c4LadderFor(env)
	var q [3]numerics.Estimate
	var seeds [3]uint64
	var mcErr error
	for i, L := range ld.L {
		seeds[i] = c4Seed(r.Seed, L)
		e, err := env.quantMC(mix, lam, L, ld.Samples, seeds[i])
		if err == nil && (!c4Finite(e.Value) || !(e.Err >= 0) || math.IsInf(e.Err, 0)) {
			err = fmt.Errorf("returned %v +- %v", e.Value, e.Err)
		}
		if err != nil {
			mcErr = fmt.Errorf("Q_L at L = %d: %w", L, err)
			break
		}
		q[i] = e
	}
	seedNote := fmt.Sprintf("Monte Carlo: %d sequences per rung, seeds L=%d: %d, L=%d: %d, L=%d: %d",
		ld.Samples, ld.L[0], seeds[0], ld.L[1], seeds[1], ld.L[2], seeds[2])
	ladderQ := func(i int) Quantity {
		return Quantity{Name: fmt.Sprintf("Q_L (L=%d)", ld.L[i]), Value: q[i].Value, Err: q[i].Err}
	}

	// C4.finite-L-converges.
	switch {
	case qerr != nil:
		out = append(out, inconclusive(c4ClaimID, C4FiniteLConverges, r, "Q_inf: %v", qerr))
	case mcErr != nil:
		out = append(out, inconclusive(c4ClaimID, C4FiniteLConverges, r, "%v", mcErr))
	default:
		gap1 := math.Abs(q[0].Value - qinf.Value)
		gap3 := math.Abs(q[2].Value - qinf.Value)
		margin := gap1 - gap3
		// 3 combined standard errors (the two rungs are independent),
		// plus twice the certified error of Q_inf, which enters both gaps.
		e := c4StatisticalFactor*math.Hypot(q[0].Err, q[2].Err) + 2*qinf.Err
		res := result(c4ClaimID, C4FiniteLConverges, r, margin, e,
			"squared data units (as d sigma^2); statistical: err = 3 combined Monte Carlo standard errors + 2 err(Q_inf)",
			infQ, ladderQ(0), ladderQ(1), ladderQ(2),
			Quantity{Name: "|Q_L1 - Q_inf|", Value: gap1, Err: q[0].Err + qinf.Err},
			Quantity{Name: "|Q_L3 - Q_inf|", Value: gap3, Err: q[2].Err + qinf.Err},
			inputQ)
		res.Note = seedNote
		switch res.Verdict {
		case Fails:
			res.Note = fmt.Sprintf("Q_L moves away from Q_inf: |Q_L3 - Q_inf| = %.4g exceeds |Q_L1 - Q_inf| = %.4g by more than 3 standard errors; ", gap3, gap1) + seedNote
		case Inconclusive:
			res.Note = fmt.Sprintf("no significant approach to Q_inf between L = %d and L = %d (improvement %.3g, 3 SE = %.3g)%s; ",
				ld.L[0], ld.L[2], margin, e, c4SelfTermNote(r)) + seedNote
		}
		res.Spec = IdentitySpec(mix, lam, ld.L[2], ld.Samples, seeds[2])
		out = append(out, res)
	}

	// C4.finite-L-improves.
	if mcErr != nil {
		out = append(out, inconclusive(c4ClaimID, C4FiniteLImproves, r, "%v", mcErr))
	} else {
		margin := input - q[0].Value
		e := c4StatisticalFactor * q[0].Err // 3 standard errors; d sigma^2 is exact
		res := result(c4ClaimID, C4FiniteLImproves, r, margin, e,
			"squared data units (as d sigma^2); statistical: err = 3 Monte Carlo standard errors",
			inputQ, ladderQ(0),
			Quantity{Name: "Q_L1/(d sigma^2)", Value: q[0].Value / input, Err: q[0].Err / input},
			Quantity{Name: "lambda sigma^2 d", Value: r.LambdaSigma2 * float64(r.D)})
		res.Note = seedNote
		switch res.Verdict {
		case Fails:
			res.Note = fmt.Sprintf("at L = %d the layer's output is farther from the centroid than the token: Q_L/(d sigma^2) = %.4g; ", ld.L[0], q[0].Value/input) + seedNote
		case Inconclusive:
			res.Note = fmt.Sprintf("at L = %d no significant improvement over the input (Q_L/(d sigma^2) = %.4g +- %.2g)%s; ",
				ld.L[0], q[0].Value/input, q[0].Err/input, c4SelfTermNote(r)) + seedNote
		}
		res.Spec = IdentitySpec(mix, lam, ld.L[0], ld.Samples, seeds[0])
		out = append(out, res)
	}
	return c4RolesKinds(out)
}

// c4RolesKinds sets the role, kind and level of every C4 result from its
// check ID, and returns res.
func c4RolesKinds(res []Result) []Result {
	for i := range res {
		switch res[i].Check {
		case C4LimitImproves:
			res[i].Role, res[i].Kind = RoleClaim, KindCertified
		case C4SufficientBound:
			res[i].Role, res[i].Kind = RoleMap, KindCertified
		case C4FiniteLConverges:
			res[i].Role, res[i].Kind, res[i].Level = RoleClaim, KindStatistical, c4Level
		default: // C4.finite-L-improves
			res[i].Role, res[i].Kind, res[i].Level = RoleMap, KindStatistical, c4Level
		}
	}
	return res
}

// c4Sufficient builds the C4.sufficient-condition result: Q_inf <= B on
// every regime and B < d sigma^2 where S1 to S3 hold.
func c4Sufficient(r Regime, mix theory.Mixture, lam, input float64, inputQ, infQ Quantity) Result {
	s, ok := c4ShapeOf(r)
	if !ok {
		return inconclusive(c4ClaimID, C4SufficientBound, r, "invalid regime")
	}
	b := c4Bound(r, mix, s)
	bErr := c4BoundRel * b
	margin := b - infQ.Value
	suff := s.sufficient()
	if suff {
		margin = math.Min(margin, input-b)
	}
	flag := 0.0
	if suff {
		flag = 1
	}
	res := result(c4ClaimID, C4SufficientBound, r, margin, infQ.Err+bErr,
		"squared data units (as d sigma^2); err = certified bound on Q_inf + 1e-12 B",
		inputQ, infQ, Quantity{Name: "B (Minkowski bound)", Value: b, Err: bErr},
		Quantity{Name: "B/(d sigma^2)", Value: b / input},
		Quantity{Name: "S1-S3 hold (1 = yes)", Value: flag},
		Quantity{Name: "S1: lambda sigma^2", Value: s.a},
		Quantity{Name: "S2: max_k lambda sigma ||mu*_k||/sqrt(d)", Value: math.Max(s.bias[0], s.bias[1])},
		Quantity{Name: "S3: max_k Delta^2 U_k/d", Value: math.Max(s.mis[0], s.mis[1])})
	switch res.Verdict {
	case Fails:
		if b < infQ.Value {
			res.Note = fmt.Sprintf("the derivation is contradicted: Q_inf = %.6g exceeds its bound B = %.6g", infQ.Value, b)
		} else {
			res.Note = fmt.Sprintf("S1 to S3 hold but B = %.6g is not below d sigma^2 = %.6g", b, input)
		}
	case Inconclusive:
		res.Note = fmt.Sprintf("B = %.6g is within the error bound of Q_inf = %.6g: Minkowski's inequality is an equality when one of its terms vanishes (lambda = 0, or no misassignment at large separation)", b, infQ.Value)
	}
	res.Spec = IdentitySpec(mix, lam, 0, 0, 0)
	return res
}

// c4Limit builds the C4.limit-improves result from a valid Q_inf.
func c4Limit(r Regime, mix theory.Mixture, lam, input float64, inputQ, infQ Quantity) Result {
	res := result(c4ClaimID, C4LimitImproves, r, input-infQ.Value, infQ.Err,
		"squared data units (as d sigma^2); err = certified quadrature bound on Q_inf",
		inputQ, infQ,
		Quantity{Name: "Q_inf/(d sigma^2)", Value: infQ.Value / input, Err: infQ.Err / input})
	if s, ok := c4ShapeOf(r); ok {
		res.Values = append(res.Values,
			Quantity{Name: "lambda sigma^2", Value: s.a},
			Quantity{Name: "lambda sigma^2 d", Value: s.a * s.d},
			Quantity{Name: "(lambda sigma^2)^2 d sigma^2 (lower bound on Q_inf)", Value: s.a * s.a * input})
	}
	switch res.Verdict {
	case Fails:
		res.Note = fmt.Sprintf("the L -> infinity output is worse than the input: Q_inf/(d sigma^2) = %.4g", infQ.Value/input)
	case Inconclusive:
		res.Note = fmt.Sprintf("Q_inf = %.6g is within its error bound %.2g of d sigma^2", infQ.Value, infQ.Err)
	}
	res.Spec = IdentitySpec(mix, lam, 0, 0, 0)
	return res
}

// c4SelfTermNote explains a statistical INCONCLUSIVE by the self term
// beyond the measured boundary lambda sigma^2 d > 6, and says nothing
// otherwise.
func c4SelfTermNote(r Regime) string {
	if ad := r.LambdaSigma2 * float64(r.D); ad > c4SelfTermLamS2D {
		return fmt.Sprintf(": lambda sigma^2 d = %.3g > %v, the self term keeps out_1 near x_1 (measured boundary)", ad, c4SelfTermLamS2D)
	}
	return ""
}

// c4Finite reports whether x is neither NaN nor infinite.
func c4Finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
