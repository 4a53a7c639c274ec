package claims

import (
	"pgregory.net/rapid"

	"fmt"
	"math"

	"attnclust/numerics"
	"attnclust/theory"
)

// C4 is the in-context quantization claim of THEORY section 3: the
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
	C4FiniteLConverges  = "C4.finite-L-converges"
	C4FiniteLImproves   = "C4.finite-L-improves"
	c4ClaimID           = "C4"
	c4SeedTag           = 0xC4 << 32 // keeps C4's Monte Carlo seeds apart from other claims'
	c4StatisticalFactor = 3          // Monte Carlo verdicts need 3 standard errors
)

// Hypothesis bounds (see Statement for the derivation).
const (
	// c4MaxLamS2 bounds lambda sigma^2 (H1): the tilt noise
	// lambda sigma^3 xi then costs at most 1/4 of the input error.
	c4MaxLamS2 = 0.5
	// c4MaxBias bounds lambda sigma ||mu*_k|| / sqrt(d) (H2): the pull
	// lambda sigma^2 mu*_k toward the origin then costs at most 1/4 of the
	// input error.
	c4MaxBias = 0.5
	// c4MaxMis bounds Delta^2 U_k / d (H3), the misassignment share. The
	// proof needs it below (1 - 1/sqrt 2)^2 = 0.0857864; 0.085 leaves a
	// relative slack of 1e-3 in the final inequality, far above the
	// rounding of the closed-form bound U.
	c4MaxMis = 0.085
	// c4MaxLamS2D bounds lambda sigma^2 d (H4), so that the self term
	// j = i does not swamp the ladder's sequences (measured, see
	// Statement).
	c4MaxLamS2D = 6
)

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

// Ranges are THEORY 4's ranges with one variant ("distance"; C4 ignores
// Variant, so other variants would only repeat regimes) and lambda sigma^2
// from 0.01 instead of 0.1, so that d up to 64 meets H4.
func (C4) Ranges() Ranges {
	rg := FullRanges()
	rg.Variants = []string{"distance"}
	rg.LamS2Min = 0.01
	return rg
}

// InHypotheses reports whether r satisfies H1 to H4 of the statement. An
// invalid regime is outside the hypotheses.
func (C4) InHypotheses(r Regime) bool {
	s, ok := c4ShapeOf(r)
	return ok && s.limitHyp() && s.finiteHyp()
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

// limitHyp reports H1, H2 and H3 (they imply Q_inf < d sigma^2). NaN
// fields make it false.
func (s c4Shape) limitHyp() bool {
	return s.a <= c4MaxLamS2 &&
		s.bias[0] <= c4MaxBias && s.bias[1] <= c4MaxBias &&
		s.mis[0] < c4MaxMis && s.mis[1] < c4MaxMis
}

// finiteHyp reports H4.
func (s c4Shape) finiteHyp() bool { return s.a*s.d <= c4MaxLamS2D }

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
		c4MaxLamS2, c4MaxBias, c4MaxMis, c4MaxLamS2D,
		ln.L[0], ln.L[1], ln.L[2], ln.Samples, lq.L[0], lq.L[1], lq.L[2], lq.Samples,
		c4StatisticalFactor)
}

const c4Statement = `## C4 — in-context quantization by the identity attention layer

**Layer.** A sequence X = (x_1, ..., x_L) of L independent tokens from the
regime's mixture (labels z_1, ..., z_L); key, query and value are the
identity, and the scores are scaled by lambda = LambdaSigma2 / sigma^2:

    out_i = sum_{j=1..L} softmax_j(lambda <x_i, x_j>) x_j      (j runs over all tokens, the self term j = i included)

No parameter is learned; the centroids may change from one sequence to the
next. Regime.Variant and the trained layer play no part in C4.

**Quantities.**

- Input error: E ||x_1 - mu*_{z_1}||^2 = d sigma^2.
- Finite-L error: Q_L = E ||out_1 - mu*_{z_1}||^2 (expectation over the
  whole sequence), estimated by Monte Carlo (numerics.QuantMC) with its
  standard error SE.
- Limit: as L -> infinity, numerator and denominator of out_1 are sample
  means, and exp(lambda <x, y>) tilts the component N(mu*_k, sigma^2 I) in
  y to N(mu*_k + lambda sigma^2 x, sigma^2 I), so

      out_inf(x) = sum_k w_k(x) mu*_k + lambda sigma^2 x,   w_k(x) proportional to pi_k exp(lambda <x, mu*_k>)
      Q_inf      = E ||out_inf(x_1) - mu*_{z_1}||^2

  computed by numerics.QuantInf (one-dimensional reduction of THEORY 3)
  with a certified error bound.

**Leading terms of Q_inf.** Write x = mu*_k + sigma xi for a token of
component k, o for the other component, v_k = mu*_o - mu*_k, and

    s = lambda <x, mu*_k - mu*_o> + log(pi_k/pi_o) ~ N(g_k, tau^2),
    g_k = lambda <mu*_k, mu*_k - mu*_o> + log(pi_k/pi_o),   tau = lambda sigma ||mu*_1 - mu*_2|| = lambda sigma^2 Delta.

Then w_o(x) = sigmoid(-s) and the error splits into three parts,

    out_inf(x) - mu*_k = lambda sigma^2 mu*_k     (bias: a pull toward the origin)
                       + lambda sigma^3 xi         (tilt noise)
                       + w_o(x) v_k                (soft misassignment)

so that E ||.||^2 = (lambda sigma^2)^2 ||mu*_k||^2 + (lambda sigma^2)^2 d sigma^2
+ ||v_k||^2 E[w_o^2] + 2 lambda sigma^2 E[w_o <v_k, x>]. Relative to the
input error d sigma^2 the bias and the tilt noise cost
(lambda sigma ||mu*_k||)^2 / d and (lambda sigma^2)^2: they do not shrink with the separation, so
the identity layer does not improve on its input when lambda sigma^2 is
large (the part of the tilt noise orthogonal to v_k is independent of the
rest, so Q_inf >= (lambda sigma^2)^2 (d - 1) sigma^2 for every regime), nor
when the centroids are far from the origin compared with sqrt(d) / (lambda
sigma): the layer is not translation invariant, and the regimes place the
centroids by geometry around the origin (orthogonal: ||mu*_k|| = Delta
sigma / sqrt 2; antipodal: Delta sigma / 2; angle theta: Delta sigma /
(2 sin(theta/2)); unequal with ratio r: Delta sigma / sqrt(1 + r^2) and
r Delta sigma / sqrt(1 + r^2)). The third is the misassignment: small
when the assignment logit is large against its spread (g_k >> tau and
g_k >> 1). For the equal-norm geometries g_k = lambda sigma^2 Delta^2 / 2
+- log(pi_1/pi_2); for unequal norms the smaller centroid has the smaller
logit, lambda sigma^2 Delta^2 min(1, r^2) / (1 + r^2) + log(pi_k/pi_o).

**Hypotheses H** (all computed from the regime's fields; U is defined below):

- H1: lambda sigma^2 <= %[1]v.
- H2: lambda sigma ||mu*_k|| <= %[2]v sqrt(d) for k = 1, 2.
- H3: Delta^2 U(g_k, tau) < %[3]v d for k = 1, 2, where
  U(g, tau) = Phi(-g/tau) + exp(-2g + 2 tau^2) Phi(g/tau - 2 tau) = E[min(1, exp(-2s))] >= E[w_o^2].
- H4: lambda sigma^2 d <= %[4]v (needed only by the finite-L checks).

**H1-H3 imply Q_inf < d sigma^2 (proof).** By Minkowski's inequality in
L^2, for each k, sqrt(E ||out_inf - mu*_k||^2) <= lambda sigma^2
sqrt(||mu*_k||^2 + d sigma^2) + ||v_k|| sqrt(E[w_o^2]). Divided by
sigma sqrt(d), the first term is sqrt((lambda sigma^2)^2 + (lambda sigma
||mu*_k||)^2 / d) <= sqrt(1/4 + 1/4) by H1 and H2, and the second is
sqrt(Delta^2 E[w_o^2] / d) < sqrt(0.085) by H3, because sigmoid(-s) <=
min(1, e^-s). Their sum is below 0.7072 + 0.2916 < 1, so every component's
error, hence Q_inf, is below d sigma^2. C4.limit-improves therefore checks
a proven inequality: it tests the numerics (the planted-bug tests show that
it catches a wrong Q_inf), and maps how far the inequality extends outside
H.

Measured (QuantInf on a grid of 9504 regimes: 6 geometries, d in {2, 4, 8,
16, 32, 64}, Delta in [1, 12], lambda sigma^2 in [0.1, 10], pi_1 in {0.2,
0.5, 0.8}): Q_inf < d sigma^2 in 5117 regimes and never for lambda sigma^2
>= 1; the Minkowski bound above is below d sigma^2 in 4278 of them and was
never below the computed Q_inf (an independent check of QuantInf); H1-H3
hold in 1474, all with Q_inf < d sigma^2. Only 6 grid regimes satisfy
H1-H2 and fail; all have unequal norms and a soft assignment that H3
excludes, the worst being ratio 0.5, d = 2, Delta = 6, lambda sigma^2 =
0.1, pi_1 = 0.8: Q_inf / (d sigma^2) = 1.60 (the tokens of the small,
light centroid are pulled to the heavy, far one).

**Why H4: the self term.** In out_1 the self term has weight
exp(lambda ||x_1||^2), against exp(lambda <x_1, x_j>) for another token
of the same component; their ratio is about exp(lambda sigma^2 d), while
the L pi_k tokens of that component weigh together about L pi_k
exp((lambda sigma^2)^2 (d + ||mu*_k||^2 / sigma^2) / 2) typical ones (the
log-normal spread of the weights favours the sum). Unless L is large
against exp(lambda sigma^2 d (1 - lambda sigma^2 / 2)), out_1 stays close
to x_1 and Q_L stays close to d sigma^2, however small Q_inf is. Measured (2000
sequences, orthogonal, Delta = 2, Q / (d sigma^2) +- SE):

| d  | lambda sigma^2 | Q_inf  | Q_20            | Q_100           | Q_500           |
|----|----------------|--------|-----------------|-----------------|-----------------|
| 32 | 0.1            | 0.0313 | 0.432 +- 0.007  | 0.148 +- 0.004  | 0.052 +- 0.001  |
| 32 | 0.3            | 0.106  | 0.980 +- 0.006  | 0.936 +- 0.007  | 0.792 +- 0.009  |
| 64 | 0.2            | 0.048  | 1.002 +- 0.004  | 0.999 +- 0.004  | 0.979 +- 0.005  |
| 64 | 0.5            | 0.262  | 1.003 +- 0.004  | 1.005 +- 0.004  | 1.002 +- 0.004  |

Validation of H4 with the final checks, on 300 regimes drawn from C4's
ranges inside H1-H3 (159 of them also satisfy H4), quick and full ladders:
inside H all three checks HOLD on both ladders, with convergence margins of
at least 8 (quick) and 15 (full) standard errors; outside H4 (141 regimes,
lambda sigma^2 d > 6) the finite-L checks never FAILED but
were INCONCLUSIVE in 86 (quick) and 52 (full) regimes for the convergence
and 117 and 91 for finite-L-improves, with margins down to -2 standard
errors: Q_L1 and Q_L3 are both d sigma^2 to within noise. H4 keeps the
statistical checks away from that no-signal zone, where a 3-standard-error
test would report FAILS by chance in 0.13%% of regimes.

**Checks.** Verdicts follow Decide(margin, err): HOLDS when margin > err,
FAILS when margin < -err. Every margin is in squared data units (the
units of d sigma^2); Values list the numbers that decided it.

- C4.limit-improves: Q_inf < d sigma^2. margin = d sigma^2 - Q_inf; err =
  the certified bound on Q_inf from QuantInf (quadrature, truncation,
  rounding). Deterministic; the Spec (L = 0) reproduces Q_inf.
- C4.finite-L-converges: on the ladder L1 < L2 < L3 (%[5]v, %[6]v, %[7]v
  with %[8]v sequences per rung; under Env.Quick %[9]v, %[10]v, %[11]v with
  %[12]v), |Q_L3 - Q_inf| < |Q_L1 - Q_inf|. margin = |Q_L1 - Q_inf| -
  |Q_L3 - Q_inf|; err = %[13]v sqrt(SE_1^2 + SE_3^2) + 2 err(Q_inf). This
  check is statistical: HOLDS means the improvement exceeds %[13]v combined
  standard errors (a chance HOLDS or FAILS has one-sided probability
  0.13%% when the true margin is 0). Q_L2 is reported to show the path.
  Each rung uses its own seed, mixed from Regime.Seed and L, so a verdict
  is reproducible; the Spec reproduces Q_L3 and the Note gives all seeds.
- C4.finite-L-improves: Q_L1 < d sigma^2 at the smallest L of the ladder.
  margin = d sigma^2 - Q_L1; err = %[13]v SE_1 (statistical, as above). A
  mapping check: it may FAIL outside H and says where finite sequences do
  not yet help. Measured with the full ladder (2000 sequences; Q / (d
  sigma^2) +- SE):
  - self term (large lambda sigma^2 d): orthogonal, d = 64, Delta = 2,
    lambda sigma^2 = 0.3: Q_inf = 0.098 but Q_20 = 0.999 +- 0.004 and
    Q_500 = 0.998 +- 0.004: no improvement at any L of the ladder
    (INCONCLUSIVE, as is finite-L-converges);
  - few tokens, soft assignment, even where the limit holds: angle pi/6,
    d = 2, Delta = 6, lambda sigma^2 = 0.1, pi_1 = 0.5: Q_inf = 0.998,
    Q_20 = 1.30 +- 0.03 (FAILS; Q_100 = 1.06, Q_500 = 1.04);
  - wherever Q_inf > d sigma^2, by misassignment (unequal norms 0.5,
    d = 2, Delta = 8, lambda sigma^2 = 0.1, pi_1 = 0.8: Q_inf = 2.06,
    Q_20 = 2.06 +- 0.10, FAILS) or by the bias (angle pi/6, d = 2,
    Delta = 8, lambda sigma^2 = 0.3: Q_inf = 10.8, Q_20 = 1.94 +- 0.06,
    FAILS); at lambda sigma^2 = 1 (orthogonal, d = 8, Delta = 4; Q_inf =
    2.03) Q_20 = 1.03 +- 0.01 is INCONCLUSIVE.
  Inside H it HELD on all 159 validation regimes; at the H4 boundary in
  high dimension the quick ladder can leave it INCONCLUSIVE (orthogonal,
  d = 60, Delta = 8, lambda sigma^2 = 0.1, pi_1 = 0.3: Q_10 = 0.975 +-
  0.010, while the full ladder gives Q_20 = 0.903 +- 0.006, HOLDS).

Numerical failures (an error or a non-finite value from QuantInf or
QuantMC, or an invalid regime) give INCONCLUSIVE, never a panic.

**Regimes.** THEORY 4's ranges restricted to the "distance" variant (C4
ignores the variant; any regime, hardmax included, is checked with its
LambdaSigma2 field as given, so a generated hardmax regime, whose
LambdaSigma2 is 0, is the uniform-average layer lambda = 0), with lambda
sigma^2 drawn from 0.01 instead of 0.1: H4 needs lambda sigma^2 <= 6/d,
below THEORY's 0.1 when d > 60, and small lambda sigma^2 is where high
dimensions are inside H.
Outside H the checks still run and map where the claim stops holding.

**Worked example (THEORY 3).** d = 2, sigma = 0.3, mu* = (2, 0), (0, 2),
pi = (1/2, 1/2), lambda = 1 (lambda sigma^2 = 0.09, inside H): d sigma^2
= 0.18, Q_inf = 0.028354, Q_500 = 0.0296 +- 0.0003 (THEORY: 0.0298), and
Q_50 = 0.04112 +- 0.0001 (two independent simulations; THEORY's 0.0440 is
not reproduced).
`

// Check runs C4.limit-improves, C4.finite-L-converges and
// C4.finite-L-improves on r, in that order. It never panics on a valid
// regime; numerical failures give INCONCLUSIVE results.
func (C4) Check(env Env, r Regime) []Result {
	ids := []string{C4LimitImproves, C4FiniteLConverges, C4FiniteLImproves}
	all := func(format string, args ...any) []Result {
		out := make([]Result, len(ids))
		for i, id := range ids {
			out[i] = inconclusive(c4ClaimID, id, r, format, args...)
		}
		return out
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
		out = append(out, inconclusive(c4ClaimID, C4LimitImproves, r, "Q_inf: %v", qerr))
	} else {
		out = append(out, c4Limit(r, mix, lam, input, inputQ, infQ))
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
	return out
}

// c4Limit builds the C4.limit-improves result from a valid Q_inf.
func c4Limit(r Regime, mix theory.Mixture, lam, input float64, inputQ, infQ Quantity) Result {
	res := result(c4ClaimID, C4LimitImproves, r, input-infQ.Value, infQ.Err,
		"squared data units (as d sigma^2); err = certified quadrature bound on Q_inf",
		inputQ, infQ,
		Quantity{Name: "Q_inf/(d sigma^2)", Value: infQ.Value / input, Err: infQ.Err / input})
	if s, ok := c4ShapeOf(r); ok {
		res.Values = append(res.Values,
			Quantity{Name: "H1: lambda sigma^2", Value: s.a},
			Quantity{Name: "H2: lambda sigma ||mu*_1||/sqrt(d)", Value: s.bias[0]},
			Quantity{Name: "H2: lambda sigma ||mu*_2||/sqrt(d)", Value: s.bias[1]},
			Quantity{Name: "H3: Delta^2 U_1/d", Value: s.mis[0]},
			Quantity{Name: "H3: Delta^2 U_2/d", Value: s.mis[1]},
			Quantity{Name: "H4: lambda sigma^2 d", Value: s.a * s.d})
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
// when H4 fails, and says nothing otherwise.
func c4SelfTermNote(r Regime) string {
	if ad := r.LambdaSigma2 * float64(r.D); ad > c4MaxLamS2D {
		return fmt.Sprintf(": lambda sigma^2 d = %.3g > %v, the self term keeps out_1 near x_1 (H4 fails)", ad, c4MaxLamS2D)
	}
	return ""
}

// c4Finite reports whether x is neither NaN nor infinite.
func c4Finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Hypotheses lists C4's hypotheses with their provenance.
func (C4) Hypotheses() []Hypothesis { return nil }

// InHypothesesGenerator draws regimes inside C4's a priori hypotheses.
func (c C4) InHypothesesGenerator() *rapid.Generator[Regime] { return c.Ranges().Generator() }
