package claims

import (
	"pgregory.net/rapid"

	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"attnclust/numerics"
	"attnclust/theory"
)

// C2 is the claim "gradient alignment" (THEORY 4).
type C2 struct{}

// C2Radius is the documented radius rho_doc, in units of the half-gap
// delta: C2 asserts alignment on the admissible set A(C2Radius).
const C2Radius = 0.9

// Sample sizes of C2 (Env.Quick selects the smaller ones).
const (
	c2Points          = 40 // random points of A(rho_doc), THEORY 2.4's count
	c2PointsQuick     = 12
	c2RungPoints      = 10 // random points per rung of the radius ladder
	c2RungPointsQuick = 4
)

// The radius ladder of C2.radius: rho = c2LadderStep, 2 c2LadderStep, ...,
// c2LadderTop (in units of delta).
const (
	c2LadderStep = 0.1
	c2LadderTop  = 1.5
)

// ID returns "C2".
func (C2) ID() string { return "C2" }

// Title is a one-line summary.
func (C2) Title() string {
	return "Gradient alignment: on the admissible set (each head within 0.9 delta of its centroid) the negative gradient points toward the minimizer theta^"
}

// Statement is the precise statement.
func (C2) Statement() string {
	return `**Setting.** As in C1: theta^ = (mu^_1, mu^_2) is the critical point reached by
damped Newton from the true centroids theta* (on the centroids' plane plus
one orthogonal direction, exact by rotation invariance). delta =
||mu*_1 - mu*_2||/2 is the half-gap. The admissible set of radius rho is the
product of balls

    A(rho) = { theta = (mu_1, mu_2) : ||mu_h - mu*_h|| <= rho delta, h = 1, 2 }

in the full dimension d. For rho < 1 each ball lies inside its centroid's
Voronoi cell, so the heads are in different regions.

**Hypotheses (H2).** Delta >= 3; lambda sigma^2 >= 1 or hardmax; pi1 in
[0.2, 0.8]; for the dot variant, equal centroid norms at an angle of at
least 90 degrees (orthogonal, antipodal, or angle >= pi/2). These are C1's
hypotheses (H1) with Delta >= 3 instead of 4: C2 needs theta^ to be a
certified minimizer, not to lie within sigma/2 of the centroids. Why these
bounds (measured at rho = 0.9, 40 points, d in {2, 5, 30}, pi1 in
{0.2, 0.5, 0.8}, every geometry): with lambda sigma^2 = 1 sampled alignment
held down to Delta = 1 (dot) and 1.5 (distance), with lambda sigma^2 = 0.5
from Delta = 2, with 0.3 only from Delta = 3; below, theta^ turns into a
saddle or the alignment fails with cosines down to -1. Hardmax held down to
Delta = 1. The dot variant with a small angle between the centroids fails,
as in C1 (angle 0.8 rad, Delta = 4: minimum cosine 0.01 at lambda sigma^2 =
1 and -0.1 at 10; angle 0.6 rad, Delta = 12: -0.67). Delta >= 3 with
lambda sigma^2 >= 1 leaves a margin of a factor 2 in Delta over the first
failures. theta^ must be certified: Newton converged and every
Hessian eigenvalue is away from 0 beyond its error, else every check is
INCONCLUSIVE. Its location error (stacked over heads) is
loc = (||grad|| + GradErr)/(min_i |eig_i| - EigErr) (the Newton-Kantorovich
bound of C1, with min |eig| so that it also covers saddles).

**What is checked, and how far it goes.** Each alignment check is a
*sampled* check of a universally quantified statement: HOLDS means that no
violation was found at the sampled points (deterministic from the regime's
seed), each certified, not that the inequality was proved on all of A(rho).
Points are drawn uniformly in the product of balls: head h is
mu*_h + rho delta U^(1/d) times a uniform random direction of R^d (U uniform
in [0, 1]). At each point the model's gradient g = grad R(theta) is
evaluated with its error bound GradErr. Margins are cosines
(dimensionless): an inner product is positive iff the cosine is. Error of
one cosine: 2 GradErr/||g|| + 2 loc/||theta - theta^|| (a normalized
vector moves by at most twice the relative error of the vector) plus
rounding; the error of a minimum over points is max_i(err_i - cos_i) +
min_i cos_i, which bounds |computed min - exact min|. A point at which g
or theta - theta^ is within its error of 0 has an undetermined sign, and
the check is then INCONCLUSIVE.

**Checks.**
- ` + "`C2.alignment`" + ` (asserted): <grad R(theta), theta - theta^> > 0 at N = 40 random
  points of A(0.9) (12 with Env.Quick). margin = min over points of
  cos(grad R(theta), theta - theta^). If theta^ is a certified saddle or
  maximum (a Hessian eigenvalue negative beyond its error) the statement is
  false near theta^: along a negative-curvature direction w,
  <grad R(theta^ + e w), e w> = e^2 <H w, w> + O(e^3) < 0. The check then adds
  that witness point (w from the Hessian on the centroids' plane plus one
  orthogonal direction, e halved until the sign is certified), so a
  sign-flipped gradient FAILS with a cosine of -1. Why rho = 0.9: THEORY
  2.4 measured alignment at 40 random points with rho = 0.9, and rho < 1 is
  necessary for equal weights (see ` + "`C2.radius`" + `). Measured inside H2 (301 random
  regimes with 40 points each, and a grid at Delta = 3 and 4 over every
  geometry, pi1 in {0.2, 0.5, 0.8} and d in {2, 5, 30}): no violation; the
  minimum cosine was 0.66 (Delta = 3.6, pi1 = 0.8) and at least 0.8 for
  Delta >= 8.
- ` + "`C2.alignment-one-head`" + ` (asserted): head by head with the other head held at
  its optimum: for h = 1, 2 and the same random points,
  <grad_h R(theta), mu_h - mu^_h> > 0 at theta = (mu_h, mu^_k) (k the other
  head; mu^_k is the computed theta^, within loc ~ 1e-12 sigma of the
  exact one). margin = min over points and heads of
  cos(grad_h R, mu_h - mu^_h). Measured inside H2: at least 0.94 over
  the same 301 regimes (0.98 at THEORY 2.4's setting, lambda sigma^2 = 1).
- ` + "`C2.alignment-per-head`" + ` (mapped, never asserted): head by head with both heads
  moving: <grad_h R(theta), mu_h - mu^_h> > 0 for h = 1, 2 at the random
  points of A(0.9). This reading of "head by head" is **false** as a
  universal statement whenever the cross-Hessian block d^2R/dmu_1 dmu_2 at
  theta^ is nonzero, which it is at every finite separation (it decays like
  the overlap of the components, but does not vanish): take head k
  displaced by v and head h at mu^_h - e g/||g||, g = grad_h R(mu^_h,
  mu^_k + v) != 0; then <grad_h R, mu_h - mu^_h> = -e ||g|| + O(e^2) < 0.
  Random points find violations when one head is much closer to its target
  than the other (distance ratio below about 0.2 at Delta = 4, d = 2,
  pi1 = 1/2), and with unequal weights even at balanced points (pi1 = 0.2,
  Delta = 6.2: cosine -0.84 at a ratio of 0.99); at THEORY 2.4's setting the
  random points give -0.44 (dot) and -0.54 (distance) at lambda sigma^2 =
  0.1. The check reports the sampled minimum cosine as a map.
- ` + "`C2.per-head-witness`" + ` (mapped, never asserted): the construction above,
  certified: head k displaced by half the room left in its ball along the
  centroid-plane direction that maximizes ||g||, head h at mu^_h - e g/||g||
  with e = ||g||/(4 max|eig|), halved until the cosine's sign is certified.
  margin = the cosine at the witness (about -1); FAILS is a certified
  counterexample to the unrestricted head-by-head statement (it FAILS on
  every regime we tried, Delta up to 12). It is INCONCLUSIVE only when the
  coupling ||g|| is below the error level.
- ` + "`C2.radius`" + ` (asserted; a measurement): on the ladder rho = 0.1, 0.2, ..., 1.5,
  with 10 independent random points per rung (4 with Env.Quick),
  rho_fail = the smallest rung at which sampled alignment did not hold
  (certified), capped for the softmax variants by rho_sym =
  2 max(pi1, 1 - pi1): the symmetric point (E x, E x) (both heads at the
  data mean) is a critical point of either softmax variant (at equal heads
  p_h = 1/2 for every x and dT/dmu_h = I/2, so grad_h R = -E[x - mu] = 0),
  and it lies in A(rho) exactly when rho >= rho_sym, so the strict
  inequality is false there (and on an open set around it when it is a
  saddle); rungs >= rho_sym are not sampled. margin = rho_fail - 0.9 in
  units of delta, error 0 (each rung's status is certified; the ladder's
  resolution is 0.1). HOLDS iff sampled alignment held on every rung up to
  the documented radius (for pi1 = 1/2 the margin is then exactly 0.1:
  rho_fail = rho_sym = 1). If the first rung that did not hold is within
  its error of 0 and at or below 0.9, the result is INCONCLUSIVE. Values
  report rho_max (the last rung that held), rho_fail and rho_sym. Measured
  with 20 points per rung and no cap: alignment held up to 1.2 to 1.3
  (orthogonal, angle) and 1.4 to 2.0 (antipodal, unequal norms) before a
  random point violated it, i.e. the uncapped ladder overestimates the
  radius above 1 (the violation set near (E x, E x) is small).

Outside H2 the same checks map where alignment stops holding: small
lambda sigma^2 with small Delta (e.g. distance variant, lambda sigma^2 =
0.1, Delta = 1.3 to 4.3: FAILS), and the dot variant with small angles.`
}

// Ranges samples the full ranges of THEORY 4.
func (C2) Ranges() Ranges { return FullRanges() }

// C2MinSeparation is the smallest separation Delta in H2.
const C2MinSeparation = 3

// InHypotheses reports whether r satisfies H2: C1's hypotheses with
// Delta >= 3 in place of Delta >= 4.
func (C2) InHypotheses(r Regime) bool {
	if r.Separation < C2MinSeparation || (!r.Hardmax() && r.LambdaSigma2 < 1) || r.Pi1 < 0.2 || r.Pi1 > 0.8 {
		return false
	}
	if r.Variant != "dot" {
		return true
	}
	return r.Geometry == Orthogonal || r.Geometry == Antipodal || (r.Geometry == Angle && r.Angle >= math.Pi/2)
}

// c23Finite replaces a result carrying a non-finite number (which JSON
// cannot encode) by an INCONCLUSIVE one that says which.
func c23Finite(res Result) Result {
	bad := ""
	if math.IsNaN(res.Margin) || math.IsInf(res.Margin, 0) || math.IsNaN(res.Err) || math.IsInf(res.Err, 0) {
		bad = fmt.Sprintf("margin %v, error bound %v", res.Margin, res.Err)
	}
	for _, q := range res.Values {
		if bad == "" && (math.IsNaN(q.Value) || math.IsInf(q.Value, 0) || math.IsNaN(q.Err) || math.IsInf(q.Err, 0)) {
			bad = fmt.Sprintf("%s = %v (error %v)", q.Name, q.Value, q.Err)
		}
	}
	if bad == "" {
		return res
	}
	out := inconclusive(res.Claim, res.Check, res.Regime, "non-finite quantity (%s), e.g. a sampled point where the sign is undetermined; %s", bad, res.Note)
	out.narrow, out.Spec = res.narrow, res.Spec
	return out
}

// c2Anchor is theta^ with its certificate, as C2 and C3 use it.
type c2Anchor struct {
	heads [][]float64
	crit  numerics.Critical
	// loc bounds the distance (stacked over heads) from the computed to
	// the exact critical point; +Inf when not certified.
	loc float64
	// dist is max_h ||mu^_h - mu*_h||, in parameter units.
	dist [2]float64
}

// c2FindAnchor runs findMinimizer from the centroids and certifies theta^
// as a nondegenerate critical point.
func c2FindAnchor(env Env, r Regime, mix theory.Mixture) (c2Anchor, error) {
	m, err := findMinimizer(env, r, nil)
	if err != nil {
		return c2Anchor{}, err
	}
	a := c2Anchor{heads: m.heads, crit: m.crit, loc: locErr(m.crit)}
	if math.IsInf(a.loc, 0) {
		return a, fmt.Errorf("theta^ not certified: smallest |Hessian eigenvalue| within its error %.2g of 0 (eigenvalues %.3g)", m.crit.EigErr, m.crit.Eigenvalues)
	}
	for h := range a.dist {
		a.dist[h] = theory.Dist(a.heads[h], mix.Centroids[h])
	}
	return a, nil
}

// maxAbsEig returns max_i |eig_i| + EigErr, a bound on the Hessian's norm.
func (a c2Anchor) maxAbsEig() float64 {
	m := 0.0
	for _, l := range a.crit.Eigenvalues {
		m = math.Max(m, math.Abs(l))
	}
	return m + a.crit.EigErr
}

// c2CosErr returns cos(g, v) and a bound on its error when g is known to
// within eg and v to within ev (Euclidean norms): each normalized vector
// moves by at most twice the relative error of the vector, so
// |computed - exact| <= 2 eg/||g|| + 2 ev/||v||, plus (2n + 8) eps for the
// rounding of the inner product and norms of n-vectors.
// When g or v is within its error of 0, the sign is undetermined: it
// returns cosine 0 with an infinite error.
func c2CosErr(g, v []float64, eg, ev float64) (float64, float64) {
	ng, nv := theory.Norm(g), theory.Norm(v)
	if !(ng > eg) || !(nv > ev) {
		return 0, math.Inf(1)
	}
	c := theory.Inner(g, v) / (ng * nv)
	c = math.Max(-1, math.Min(1, c))
	return c, 2*eg/ng + 2*ev/nv + float64(2*len(g)+8)*c2Eps
}

// c2Eps is the float64 machine epsilon.
const c2Eps = 0x1p-52

// c2MinAgg aggregates a minimum of certified values: with value c_i and
// error e_i per item, the exact minimum lies within err() of min_i c_i,
// err = max_i(e_i - c_i) + min_i c_i (exact min >= min_i (c_i - e_i), and
// <= c_j + e_j for the computed argmin j).
type c2MinAgg struct {
	min, slack float64 // min_i c_i and max_i (e_i - c_i)
	arg        int     // index of the computed minimum, -1 if empty
	n          int
}

func c2NewMinAgg() c2MinAgg { return c2MinAgg{min: math.Inf(1), slack: math.Inf(-1), arg: -1} }

func (m *c2MinAgg) add(c, e float64, idx int) {
	m.n++
	if c < m.min {
		m.min, m.arg = c, idx
	}
	m.slack = math.Max(m.slack, e-c)
}

func (m c2MinAgg) err() float64 {
	if m.n == 0 {
		return math.Inf(1)
	}
	return m.slack + m.min
}

// status is +1 (certified positive), -1 (certified negative) or 0.
func (m c2MinAgg) status() int {
	switch Decide(m.min, m.err()) {
	case Holds:
		return 1
	case Fails:
		return -1
	}
	return 0
}

// c2UnitBallPairs draws n pairs of points uniform in the unit ball of R^d:
// a uniform direction (normalized Gaussian) times U^(1/d).
func c2UnitBallPairs(rng *rand.Rand, d, n int) [][2][]float64 {
	out := make([][2][]float64, n)
	for i := range out {
		for h := range 2 {
			u := make([]float64, d)
			for {
				for j := range u {
					u[j] = rng.NormFloat64()
				}
				if theory.Norm(u) > 0 {
					break
				}
			}
			theory.Scale(math.Pow(rng.Float64(), 1/float64(d))/theory.Norm(u), u)
			out[i][h] = u
		}
	}
	return out
}

// c2BallPoint returns theta = theta* + rho delta u (head by head).
func c2BallPoint(mix theory.Mixture, rho, delta float64, u [2][]float64) [][]float64 {
	th := theory.Clone(mix.Centroids)
	for h := range th {
		theory.AddScaled(th[h], rho*delta, u[h])
	}
	return th
}

// c2Sub returns a - b.
func c2Sub(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}

// c2Stack concatenates the heads.
func c2Stack(heads [][]float64) []float64 {
	var out []float64
	for _, h := range heads {
		out = append(out, h...)
	}
	return out
}

// c2Alignment is the cosine data at one point.
type c2Alignment struct {
	cos, err         float64    // cos(g, theta - theta^)
	headCos, headErr [2]float64 // cos(g_h, mu_h - mu^_h)
}

// c2AlignAt evaluates the gradient at theta and the cosines with theta - theta^.
func c2AlignAt(obj theory.Objective, theta [][]float64, a c2Anchor) (c2Alignment, error) {
	ev, err := obj.Eval(theta)
	if err != nil {
		return c2Alignment{}, err
	}
	var al c2Alignment
	v := make([][]float64, 2)
	for h := range 2 {
		v[h] = c2Sub(theta[h], a.heads[h])
		al.headCos[h], al.headErr[h] = c2CosErr(ev.Grad[h], v[h], ev.GradErr, a.loc)
	}
	al.cos, al.err = c2CosErr(c2Stack(ev.Grad), c2Stack(v), ev.GradErr, a.loc)
	return al, nil
}

// Check runs C2's checks on r.
func (c C2) Check(env Env, r Regime) []Result {
	id := c.ID()
	failAll := func(err error) []Result {
		var out []Result
		for _, ch := range []string{".alignment", ".alignment-per-head", ".alignment-one-head", ".per-head-witness", ".radius"} {
			res := inconclusive(id, id+ch, r, "%v", err)
			res.narrow = ch == ".alignment-per-head" || ch == ".per-head-witness"
			out = append(out, res)
		}
		return out
	}
	mix, l, obj, err := env.objective(r)
	if err != nil {
		return failAll(err)
	}
	a, err := c2FindAnchor(env, r, mix)
	if err != nil {
		return failAll(err)
	}
	delta := r.Delta()
	n, nr := c2Points, c2RungPoints
	if env.Quick {
		n, nr = c2PointsQuick, c2RungPointsQuick
	}
	rng := rand.New(rand.NewPCG(mix64(r.Seed, 0xC2), mix64(r.Seed, 0xC2A)))
	pts := c2UnitBallPairs(rng, r.D, n)
	eigVals := Quantity{"theta^ min eig", a.crit.MinEig, a.crit.EigErr}
	locQ := Quantity{"theta^ location error/sigma", a.loc / r.Sigma, 0}

	var out []Result
	// C2.alignment and C2.alignment-per-head on the same random points.
	all, per := c2NewMinAgg(), c2NewMinAgg()
	var points [][][]float64
	var failure error
	for i, u := range pts {
		th := c2BallPoint(mix, C2Radius, delta, u)
		al, err := c2AlignAt(obj, th, a)
		if err != nil {
			failure = fmt.Errorf("gradient at random point %d: %w", i, err)
			break
		}
		points = append(points, th)
		all.add(al.cos, al.err, i)
		for h := range 2 {
			per.add(al.headCos[h], al.headErr[h], i)
		}
	}
	witnessNote := ""
	if failure == nil && a.crit.MinEig+a.crit.EigErr < 0 {
		th, al, note, err := c2CurvatureWitness(obj, mix, a, C2Radius*delta)
		switch {
		case err != nil:
			failure = err
		case th != nil:
			points = append(points, th)
			all.add(al.cos, al.err, len(points)-1)
			witnessNote = note
		default:
			witnessNote = note
		}
	}
	if failure != nil {
		out = append(out, inconclusive(id, id+".alignment", r, "%v", failure))
		res := inconclusive(id, id+".alignment-per-head", r, "%v", failure)
		res.narrow = true
		out = append(out, res)
	} else {
		res := result(id, id+".alignment", r, all.min, all.err(), "cosine",
			Quantity{"min cos(grad, theta - theta^)", all.min, all.err()},
			Quantity{"points", float64(all.n), 0}, Quantity{"rho/delta", C2Radius, 0}, eigVals, locQ)
		res.Spec = PrototypeSpec(mix, l, points[all.arg])
		res.Note = c2SampledNote(res.Verdict, all.n, witnessNote)
		out = append(out, res)

		res = result(id, id+".alignment-per-head", r, per.min, per.err(), "cosine",
			Quantity{"min_h cos(grad_h, mu_h - mu^_h)", per.min, per.err()},
			Quantity{"points", float64(len(pts)), 0}, Quantity{"rho/delta", C2Radius, 0})
		res.Spec = PrototypeSpec(mix, l, points[per.arg])
		res.Note = "mapped, not asserted: the head-by-head statement with both heads moving is false near theta^ whenever the heads are coupled (see C2.per-head-witness)"
		res.narrow = true
		out = append(out, res)
	}

	out = append(out, c.oneHead(obj, mix, l, r, a, pts))
	out = append(out, c.witness(obj, mix, l, r, a))
	out = append(out, c.radius(obj, mix, r, a, nr, rng))
	for i := range out {
		out[i] = c23Finite(out[i])
	}
	return out
}

// c2SampledNote says what a sampled verdict means.
func c2SampledNote(v Verdict, n int, extra string) string {
	s := fmt.Sprintf("sampled check at %d points (not exhaustive)", n)
	if v == Fails {
		s = fmt.Sprintf("certified violation among %d sampled points", n)
	}
	if extra != "" {
		s += "; " + extra
	}
	return s
}

// oneHead checks C2.alignment-one-head: head h at the random point, the
// other head at theta^.
func (c C2) oneHead(obj theory.Objective, mix theory.Mixture, l theory.Prototype, r Regime, a c2Anchor, pts [][2][]float64) Result {
	id := c.ID()
	agg := c2NewMinAgg()
	var points [][][]float64
	for i, u := range pts {
		full := c2BallPoint(mix, C2Radius, r.Delta(), u)
		for h := range 2 {
			th := theory.Clone(a.heads)
			th[h] = full[h]
			al, err := c2AlignAt(obj, th, a)
			if err != nil {
				return inconclusive(id, id+".alignment-one-head", r, "gradient at random point %d, head %d: %v", i, h+1, err)
			}
			points = append(points, th)
			agg.add(al.headCos[h], al.headErr[h], len(points)-1)
		}
	}
	res := result(id, id+".alignment-one-head", r, agg.min, agg.err(), "cosine",
		Quantity{"min_h cos(grad_h, mu_h - mu^_h), other head at theta^", agg.min, agg.err()},
		Quantity{"points", float64(agg.n), 0}, Quantity{"rho/delta", C2Radius, 0})
	res.Spec = PrototypeSpec(mix, l, points[agg.arg])
	res.Note = c2SampledNote(res.Verdict, agg.n, "")
	return res
}

// witness builds C2.per-head-witness (mapped): a certified counterexample
// to head-by-head alignment with both heads moving.
func (c C2) witness(obj theory.Objective, mix theory.Mixture, l theory.Prototype, r Regime, a c2Anchor) Result {
	id := c.ID()
	check := id + ".per-head-witness"
	fail := func(format string, args ...any) Result {
		res := inconclusive(id, check, r, format, args...)
		res.narrow = true
		return res
	}
	room := C2Radius * r.Delta()
	basis := numerics.CentroidBasis(mix)
	type cand struct {
		theta [][]float64
		g     []float64
		gErr  float64
		h     int
	}
	var best cand
	bestRatio := -1.0
	for h := range 2 {
		k := 1 - h
		s := (room - a.dist[k]) / 2
		if !(s > 0) {
			continue
		}
		for _, b := range basis {
			for _, sgn := range []float64{1, -1} {
				th := theory.Clone(a.heads)
				theory.AddScaled(th[k], sgn*s, b)
				ev, err := obj.Eval(th)
				if err != nil {
					return fail("gradient at the displaced point: %v", err)
				}
				if ratio := theory.Norm(ev.Grad[h]) / (ev.GradErr + a.loc*a.maxAbsEig()); ratio > bestRatio {
					bestRatio = ratio
					best = cand{theta: th, g: ev.Grad[h], gErr: ev.GradErr, h: h}
				}
			}
		}
	}
	if best.theta == nil {
		return fail("theta^ lies outside A(%.2g)", C2Radius)
	}
	gn := theory.Norm(best.g)
	h := best.h
	e := math.Min(gn/(4*a.maxAbsEig()), room-a.dist[h])
	var last c2Alignment
	var lastTheta [][]float64
	for range 40 {
		if !(e > 0) || e < 100*a.loc {
			break
		}
		th := theory.Clone(best.theta)
		theory.AddScaled(th[h], -e/gn, best.g)
		al, err := c2AlignAt(obj, th, a)
		if err != nil {
			return fail("gradient at the witness: %v", err)
		}
		last, lastTheta = al, th
		if al.headCos[h] < -al.headErr[h] {
			break
		}
		e /= 2
	}
	if lastTheta == nil {
		return fail("coupling ||grad_h|| = %.3g too small against the location error %.2g", gn, a.loc)
	}
	res := result(id, check, r, last.headCos[h], last.headErr[h], "cosine",
		Quantity{"cos(grad_h, mu_h - mu^_h) at the witness", last.headCos[h], last.headErr[h]},
		Quantity{"head h", float64(h + 1), 0},
		Quantity{"coupling ||grad_h||/sigma at (mu^_h, mu^_k + v)", gn / r.Sigma, best.gErr / r.Sigma},
		Quantity{"e/sigma", e / r.Sigma, 0})
	res.Spec = PrototypeSpec(mix, l, lastTheta)
	res.narrow = true
	switch res.Verdict {
	case Fails:
		res.Note = "certified counterexample to head-by-head alignment with both heads moving (mapped, not asserted)"
	default:
		res.Note = "witness construction did not certify a violation (coupling below the error level?)"
	}
	return res
}

// c2CurvatureWitness returns a point theta^ + e w of A(radius) along the
// most negative curvature direction w of the Hessian at theta^ (on the
// centroids' plane plus one orthogonal direction), with e halved until
// the alignment cosine there is certified negative. It returns a nil
// point, with a note, when none could be certified.
func c2CurvatureWitness(obj theory.Objective, mix theory.Mixture, a c2Anchor, radius float64) ([][]float64, c2Alignment, string, error) {
	sp, err := numerics.NewSubspace(obj, numerics.CentroidBasis(mix))
	if err != nil {
		return nil, c2Alignment{}, "", err
	}
	H, _, err := numerics.Hessian(sp, sp.Project(a.heads))
	if err != nil {
		return nil, c2Alignment{}, "", fmt.Errorf("Hessian at theta^: %w", err)
	}
	var es mat.EigenSym
	if !es.Factorize(H, true) {
		return nil, c2Alignment{}, "", fmt.Errorf("Hessian at theta^: eigendecomposition failed")
	}
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	j := 0
	for i := range vals {
		if vals[i] < vals[j] {
			j = i
		}
	}
	m := sp.Dim()
	coords := [][]float64{make([]float64, m), make([]float64, m)}
	for i := range 2 * m {
		coords[i/m][i%m] = vecs.At(i, j)
	}
	w := sp.Embed(coords)
	room := radius - math.Max(a.dist[0], a.dist[1])
	if !(room > 0) {
		return nil, c2Alignment{}, "theta^ lies outside the admissible set: no curvature witness", nil
	}
	e := room / 2
	var last c2Alignment
	for range 40 {
		if e < 100*a.loc {
			break
		}
		th := theory.Clone(a.heads)
		for h := range th {
			theory.AddScaled(th[h], e, w[h])
		}
		al, err := c2AlignAt(obj, th, a)
		if err != nil {
			return nil, c2Alignment{}, "", fmt.Errorf("gradient at the curvature witness: %w", err)
		}
		last = al
		if al.cos < -al.err {
			return th, al, fmt.Sprintf("theta^ is not a minimizer (eigenvalue %.3g): witness theta^ + %.3g w along the most negative curvature direction has cosine %.3g", vals[j], e, al.cos), nil
		}
		e /= 2
	}
	return nil, last, fmt.Sprintf("theta^ is not a minimizer (eigenvalue %.3g) but no certified curvature witness was found", vals[j]), nil
}

// radius runs the C2.radius ladder.
func (c C2) radius(obj theory.Objective, mix theory.Mixture, r Regime, a c2Anchor, n int, rng *rand.Rand) Result {
	id := c.ID()
	check := id + ".radius"
	pts := c2UnitBallPairs(rng, r.D, n)
	rhoSym := math.Inf(1)
	if !r.Hardmax() {
		rhoSym = 2 * math.Max(r.Pi1, 1-r.Pi1)
	}
	top := c2LadderTop + c2LadderStep
	rhoMax, rhoFail := 0.0, math.Min(top, rhoSym)
	uncertain := false
	rungs := 0
	for k := 1; ; k++ {
		rho := float64(k) * c2LadderStep
		if rho > c2LadderTop+1e-9 || rho >= rhoSym-1e-12 {
			break
		}
		rungs++
		agg := c2NewMinAgg()
		for i, u := range pts {
			al, err := c2AlignAt(obj, c2BallPoint(mix, rho, r.Delta(), u), a)
			if err != nil {
				return inconclusive(id, check, r, "gradient at rho = %.2g, point %d: %v", rho, i, err)
			}
			agg.add(al.cos, al.err, i)
		}
		if st := agg.status(); st != 1 {
			rhoFail, uncertain = rho, st == 0
			break
		}
		rhoMax = rho
	}
	vals := []Quantity{{"rho_max/delta (last rung that held)", rhoMax, 0},
		{"rho_fail/delta", rhoFail, 0},
		{"points per rung", float64(n), 0},
		{"rungs", float64(rungs), 0}}
	if !math.IsInf(rhoSym, 0) {
		vals = append(vals, Quantity{"rho_sym/delta", rhoSym, 0})
	}
	res := result(id, check, r, rhoFail-C2Radius, 0, "delta", vals...)
	switch {
	case uncertain && res.Margin <= 0:
		res.Verdict = Inconclusive
		res.Note = fmt.Sprintf("the sign of the alignment at rho = %.2g is within its error of 0", rhoFail)
	case rhoFail == rhoSym:
		res.Note = fmt.Sprintf("sampled alignment held on every rung below rho_sym = %.3g, where A(rho) reaches the symmetric critical point", rhoSym)
	case rhoFail > c2LadderTop:
		res.Note = "sampled alignment held on the whole ladder (a lower bound: the sample may miss small violation sets)"
	default:
		res.Note = fmt.Sprintf("first sampled violation at rho = %.2g delta", rhoFail)
	}
	return res
}

// Hypotheses lists C2's hypotheses with their provenance.
func (C2) Hypotheses() []Hypothesis { return nil }

// InHypothesesGenerator draws regimes inside C2's a priori hypotheses.
func (c C2) InHypothesesGenerator() *rapid.Generator[Regime] { return c.Ranges().Generator() }
