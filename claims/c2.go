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

// C2 is the claim "gradient alignment" (docs/MODEL.md §7.3).
type C2 struct{}

// C2Radius is the documented radius rho_doc, in units of the half-gap
// delta: C2 asserts alignment on the admissible set A(C2Radius).
const C2Radius = 0.9

// Sample sizes of C2 (Env.Quick selects the smaller ones).
const (
	c2Points          = 40 // random points of A(rho_doc), the original experiment's count (docs/MODEL.md §10)
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
	return `**Setting.** As in C1 (docs/MODEL.md §7.3): theta^ = (mu^_1, mu^_2) is the
certified strict minimizer nearest to the true centroids theta* found by
C1's search (when the search finds none, the critical point nearest to
the centroids, and alignment is then tested against it). delta =
||mu*_1 - mu*_2||/2 is the half-gap. The admissible set of radius rho is the
product of balls

    A(rho) = { theta = (mu_1, mu_2) : ||mu_h - mu*_h|| <= rho delta, h = 1, 2 }

in the full dimension d. For rho < 1 each ball lies inside its centroid's
Voronoi cell, so the heads are in different regions (§8.5); rho = 0.9 is
the statement's choice, the sampling radius of the original experiment.

**Hypotheses.** C1's a priori hypotheses (the same convention for C1, C2 and
C3; listed with provenance in the hypotheses table). theta^ must be a
certified nondegenerate critical point (gradient within its bound, every
Hessian eigenvalue away from 0 beyond its error), else every check is
INCONCLUSIVE. Its location error (stacked over heads) is
loc = (||grad|| + its bound)/(smallest |eigenvalue| - its error), an
estimate since the eigenvalue error is (§9).

**What is checked, and how far it goes.** Each alignment check is a
*sampled* check of a universally quantified statement: HOLDS means that no
violation was found at the sampled points (deterministic from the regime's
seed), each certified, not that the inequality was proved on all of A(rho).
Points are drawn uniformly in the product of balls: head h is
mu*_h + rho delta U^(1/d) times a uniform random direction of R^d (U uniform
in [0, 1]). At each point the gradient g = grad R(theta) is evaluated with
its rigorous bound. Margins are cosines (dimensionless): an inner product is
positive iff the cosine is. Error of one cosine: twice the relative error
of g plus twice that of theta - theta^ (a normalized vector moves by at
most twice the relative error of the vector) plus rounding; the error of a
minimum over points bounds |computed minimum - exact minimum|. A point at
which g or theta - theta^ is within its error of 0 has an undetermined
sign, and the check is then INCONCLUSIVE.

**Checks.**
- alignment (claim, sampled): <grad R(theta), theta - theta^> > 0 at 40
  random points of A(0.9) (12 in the quick run). Margin: the minimum over
  points of cos(grad R(theta), theta - theta^). If theta^ is a certified
  saddle or maximum, the statement is false near theta^: along a
  negative-curvature direction w, <grad R(theta^ + e w), e w> = e^2 <H w, w>
  + O(e^3) < 0. The check then adds that witness point (e halved until the
  sign is certified), so a sign-flipped gradient FAILS with a cosine of -1.
- alignment-one-head (claim, sampled): head by head with the other head held
  at theta^: for h = 1, 2 and the same random points,
  <grad_h R(theta), mu_h - mu^_h> > 0 at theta = (mu_h, mu^_k). Margin: the
  minimum over points and heads of cos(grad_h R, mu_h - mu^_h).
- alignment-per-head (map, sampled): head by head with both heads moving,
  <grad_h R(theta), mu_h - mu^_h> > 0 for h = 1, 2 at the random points.
  Reported as the sampled minimum cosine; never asserted, see the next check.
- per-head-witness (refuted reading): the head-by-head reading with both
  heads moving is false whenever the cross-Hessian block d^2R/dmu_1 dmu_2 at
  theta^ is nonzero, which it is at every finite separation: take head k
  displaced by v and head h at mu^_h - e g/||g||, g = grad_h R(mu^_h, mu^_k +
  v) != 0; then <grad_h R, mu_h - mu^_h> = -e ||g|| + O(e^2) < 0. The check
  builds that point (head k displaced by half the room left in its ball
  along the direction that maximizes ||g||, e = ||g||/(4 max|eigenvalue|),
  halved until the sign is certified). Its FAILS (a cosine of about -1) is
  the expected outcome, a certified counterexample to that reading; it is
  INCONCLUSIVE only when the coupling ||g|| is below the error level.
- radius (map, sampled): on the ladder rho = 0.1, 0.2, ..., 1.5, with 10
  random points per rung (4 in the quick run), rho_fail = the smallest rung
  at which sampled alignment did not hold, capped for the softmax variants
  by rho_sym = 2 max(pi1, 1 - pi1): the symmetric point (E x, E x) (both
  heads at the data mean) is a critical point of either softmax variant (at
  equal heads p_h = 1/2 for every x and dT/dmu_h = I/2, so grad_h R =
  -E[x - mu] = 0), and it lies in A(rho) exactly when rho >= rho_sym, so
  the strict inequality is false there; rungs >= rho_sym are not sampled.
  Margin: rho_fail - 0.9 in units of delta (the ladder's resolution is 0.1).
  It measures how far alignment extends beyond the asserted radius.

Outside the hypotheses the same checks map where alignment stops holding:
small lambda sigma^2 with small Delta, and the dot variant with centroids
at a small angle (thresholds table of the report).`
}

// Ranges samples the full ranges of docs/MODEL.md §7 (the map).
func (C2) Ranges() Ranges { return FullRanges() }

// InHypotheses reports whether r satisfies C2's a priori hypotheses (the
// same as C1's).
func (C2) InHypotheses(r Regime) bool { return c13InHypotheses(r) }

// Hypotheses lists C2's hypotheses with their provenance: C1's a priori
// items, the admissible set, then what the suite measured.
func (C2) Hypotheses() []Hypothesis {
	return append(c13Hypotheses(),
		Hypothesis{Text: "Admissible set: each head within rho delta of its own centroid with rho = 0.9. Any rho < 1 keeps each head inside its own centroid's Voronoi cell; 0.9 is the statement's choice (the sampling radius of the original experiment), not a fitted value.",
			Short: "heads within 0.9 delta of their centroids (admissible set)", Provenance: Derived, Ref: "docs/MODEL.md §8.5"},
		Hypothesis{Text: "Dot variant with centroids at an angle below 90 degrees: sampled alignment can fail inside the a priori hypotheses (1 of 200 regimes drawn inside them: angle 0.694 rad, Delta = 12, pi_1 = 0.8, lambda sigma^2 = 0.124, cosine -0.256; another at angle 0.691 rad, Delta = 9.54, cosine -0.27). An earlier statement excluded angles below 90 degrees after seeing such failures.",
			Provenance: Measured, Ref: "go test ./claims -run 'TestC13Sweep|TestC2DotSmallAngle' -c13.sweep=200 -c13.only=C2 -v -timeout 60m"},
		Hypothesis{Text: "The separation above which every claim check of C2 holds, per variant, geometry, weight and temperature (an earlier statement assumed Delta >= 3 and lambda sigma^2 >= 1, from where failures stopped).",
			Provenance: Measured, Ref: "go run ./cmd/verify (thresholds table)"},
	)
}

// InHypothesesGenerator draws regimes inside C2's a priori hypotheses
// directly (see c13Generator).
func (C2) InHypothesesGenerator() *rapid.Generator[Regime] { return c13Generator() }

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
	// note says how C1's search chose theta^.
	note string
	// mirror is the image of theta^ under the reflection that exchanges
	// the centroids, when that reflection leaves the risk unchanged (nil
	// otherwise; see c2Mirror).
	mirror [][]float64
}

// c2FindAnchor runs C1's search (findMinimizer) and certifies theta^ as a
// nondegenerate critical point.
func c2FindAnchor(env Env, r Regime, mix theory.Mixture) (c2Anchor, error) {
	m, err := findMinimizer(env, r, nil)
	if err != nil {
		return c2Anchor{}, err
	}
	a := c2Anchor{heads: m.heads, crit: m.crit, loc: locErr(m.crit), note: m.note}
	if math.IsInf(a.loc, 0) {
		return a, fmt.Errorf("theta^ not certified: smallest |Hessian eigenvalue| within its error %.2g of 0 (eigenvalues %.3g)", m.crit.EigErr, m.crit.Eigenvalues)
	}
	for h := range a.dist {
		a.dist[h] = theory.Dist(a.heads[h], mix.Centroids[h])
	}
	a.mirror = c2Mirror(r, mix, a.heads)
	return a, nil
}

// c2Mirror returns (S mu_2, S mu_1) for heads (mu_1, mu_2), with S the
// reflection across the perpendicular bisector of the centroids,
// S x = x - 2 <x - m*, u> u, when S leaves the risk unchanged: equal
// weights, and for the dot variant equal centroid norms (then <m*, u> = 0
// and S is linear, which dot scores need; distance and hardmax are
// invariant under every isometry). S exchanges the centroids, so the
// image of a critical point is a critical point with the same risk and
// index: theta^ may have such a twin at the same distance from the
// centroids (named regime small-angle-dot). It returns nil otherwise.
func c2Mirror(r Regime, mix theory.Mixture, heads [][]float64) [][]float64 {
	if mix.Weights[0] != mix.Weights[1] {
		return nil
	}
	p, err := mix.Pair()
	if err != nil || p.Delta == 0 {
		return nil
	}
	if r.Variant == "dot" {
		n1, n2 := theory.Norm(mix.Centroids[0]), theory.Norm(mix.Centroids[1])
		// equal norms up to the rounding of the regime's construction
		if math.Abs(n1-n2) > 1e-12*(n1+n2) {
			return nil
		}
	}
	refl := func(x []float64) []float64 {
		y := append([]float64(nil), x...)
		w := append([]float64(nil), x...)
		theory.AddScaled(w, -1, p.Mid)
		theory.AddScaled(y, -2*theory.Inner(w, p.U), p.U)
		return y
	}
	return [][]float64{refl(heads[1]), refl(heads[0])}
}

// distTo returns the distance (stacked over heads, up to swapping them)
// from p to theta^ or to its mirror image, whichever is nearer.
func (a c2Anchor) distTo(p [][]float64) float64 {
	d := c3Dist(p, a.heads)
	if a.mirror != nil {
		d = math.Min(d, c3Dist(p, a.mirror))
	}
	return d
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

// c2RoleKind returns the role and kind of a C2 check.
func c2RoleKind(check string) (Role, Kind) {
	switch check {
	case "C2.alignment", "C2.alignment-one-head":
		return RoleClaim, KindSampled
	case "C2.per-head-witness":
		// certified sign at one point, but relative to theta^, whose
		// location bound rests on the Hessian's error estimate
		return RoleRefuted, KindEstimated
	}
	return RoleMap, KindSampled // alignment-per-head, radius
}

// Check runs C2's checks on r.
func (c C2) Check(env Env, r Regime) []Result {
	out := c.check(env, r)
	for i := range out {
		out[i].Role, out[i].Kind = c2RoleKind(out[i].Check)
		if out[i].Role != RoleClaim {
			out[i].narrow = true
		}
	}
	return out
}

func (c C2) check(env Env, r Regime) []Result {
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
		if !a.crit.Minimizer() {
			res.Note += "; " + a.note
		}
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
