package claims

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"pgregory.net/rapid"

	"attnclust/numerics"
	"attnclust/theory"
)

// This file holds what C1, C2 and C3 share: their a priori hypotheses
// (one convention for all three, chosen before any result was seen), the
// conditional generator that draws inside them, and the multi-start search
// for certified critical points near the true centroids whose nearest
// strict minimizer is the point theta^ the three claims are about.

// C13MinSeparation is the a priori realization of the paper's "separation
// large enough", shared by C1, C2 and C3: Delta = ||mu*_1 - mu*_2||/sigma
// >= 6, i.e. each centroid 3 sigma from the midpoint, so that a fraction
// Phi(-3) = 0.13% of each component lies beyond the midpoint hyperplane
// (docs/MODEL.md §8.4). It is a convention, not a measured threshold.
const C13MinSeparation = 6

// c13Level is the tail level of the convention, Phi(-3).
func c13Level() float64 { return 0.5 * math.Erfc(3/math.Sqrt2) }

// C13MinResolution returns the a priori lower bound on lambda sigma^2
// Delta^2 for the softmax variants, 2 ln((1 - Phi(-3))/Phi(-3)) = 13.21:
// with the heads on the centroids, the weight of the wrong head at a
// centroid is sigmoid(-lambda sigma^2 Delta^2 / 2), and the convention of
// C13MinSeparation asks it to be at most Phi(-3) (docs/MODEL.md §8.1). At
// Delta = 6 this is lambda sigma^2 >= 0.367; hardmax always satisfies it.
func C13MinResolution() float64 {
	p := c13Level()
	return 2 * math.Log((1-p)/p)
}

// c13Resolution returns lambda sigma^2 Delta^2 (+Inf for hardmax).
func c13Resolution(r Regime) float64 {
	if r.Hardmax() {
		return math.Inf(1)
	}
	return r.LambdaSigma2 * r.Separation * r.Separation
}

// c13InHypotheses reports whether r satisfies the a priori hypotheses
// shared by C1, C2 and C3 (see c13Hypotheses).
func c13InHypotheses(r Regime) bool {
	if r.Validate() != nil || r.Separation < C13MinSeparation || c13Resolution(r) < C13MinResolution() {
		return false
	}
	// dot: equal centroid norms (every geometry but unequal norms)
	return r.Variant != "dot" || r.Geometry != Unequal || r.NormRatio == 1
}

// c13Hypotheses are the a priori items shared by C1, C2 and C3.
func c13Hypotheses() []Hypothesis {
	return []Hypothesis{
		{Text: "Data: a two-component isotropic Gaussian mixture x ~ pi_1 N(mu*_1, sigma^2 I_d) + pi_2 N(mu*_2, sigma^2 I_d) in any dimension d, with any weights pi_1 in (0, 1); the layer has two heads (variant dot, distance, or their lambda -> infinity limit hardmax) and is trained on the population risk. The random regimes sample d in [2, 64], pi_1 in [0.2, 0.8] and sigma in [0.3, 3]: these ranges are a sampling choice, not hypotheses.",
			Short: "two-component isotropic mixture, two heads", Provenance: FromPaper, Ref: "docs/MODEL.md §1, §2, §3"},
		{Text: "Separation large enough, realized by one convention for C1, C2 and C3: Delta = ||mu*_1 - mu*_2|| / sigma >= 6 (each centroid 3 sigma from the midpoint; a fraction Phi(-3) = 0.13% of each component lies beyond the midpoint hyperplane). The paper's result is asymptotic in the separation; this level was fixed before any result was seen, and the separation at which each claim starts to hold is measured (thresholds), not assumed.",
			Short: "Delta >= 6", Provenance: Derived, Ref: "docs/MODEL.md §8.4"},
		{Text: "Softmax resolution at the same level (softmax variants; hardmax always satisfies it): lambda sigma^2 Delta^2 >= 2 ln((1 - Phi(-3)) / Phi(-3)) = 13.21, i.e. with the heads on the centroids the wrong head's attention weight at a centroid, sigmoid(-lambda sigma^2 Delta^2 / 2), is at most Phi(-3). At Delta = 6 this is lambda sigma^2 >= 0.367. Below it the layer is close to its lambda = 0 limit (the mean of the heads), where no minimizer separates the heads.",
			Short: "lambda sigma^2 Delta^2 >= 13.21 (softmax)", Provenance: Derived, Ref: "docs/MODEL.md §8.1"},
		{Text: "Dot variant: equal centroid norms ||mu*_1|| = ||mu*_2|| (orthogonal, antipodal or any angle). Dot scores lambda <x, mu_h> favour the longer head; the lambda -> infinity limit of the dot layer is the nearest-centroid quantizer only when the norms are equal.",
			Short: "dot: equal centroid norms", Provenance: Derived, Ref: "docs/MODEL.md §8.2"},
	}
}

// c13Generator draws regimes inside the a priori hypotheses directly
// (no rejection): d in [2, 64], Delta in [6, 12], sigma in [0.3, 3]
// (log-uniform), pi_1 in [0.2, 0.8], the variants dot, distance and
// hardmax, every geometry the hypotheses allow (dot: orthogonal, antipodal
// and angle in [pi/6, pi]; distance and hardmax: also unequal norms with
// ratio in [0.5, 2]), and for the softmax variants lambda sigma^2
// log-uniform in [max(0.1, 13.21 / Delta^2), 10]. Values are rounded to 3
// significant digits (rounded up where rounding would leave the
// hypotheses).
func c13Generator() *rapid.Generator[Regime] {
	full := FullRanges()
	return rapid.Custom(func(t *rapid.T) Regime {
		r := Regime{
			D:          rapid.IntRange(full.DMin, full.DMax).Draw(t, "d"),
			Separation: round3(rapid.Float64Range(C13MinSeparation, full.SepMax).Draw(t, "separation")),
			Sigma:      round3(logRange(full.SigmaMin, full.SigmaMax).Draw(t, "sigma")),
			Pi1:        round3(rapid.Float64Range(full.Pi1Min, full.Pi1Max).Draw(t, "pi1")),
			Variant:    rapid.SampledFrom(full.Variants).Draw(t, "variant"),
			Seed:       rapid.Uint64Range(0, 1<<20).Draw(t, "seed"),
		}
		geoms := full.Geometries
		if r.Variant == "dot" {
			geoms = []Geometry{Orthogonal, Antipodal, Angle}
		}
		r.Geometry = rapid.SampledFrom(geoms).Draw(t, "geometry")
		if !r.Hardmax() {
			lo := math.Max(full.LamS2Min, C13MinResolution()/(r.Separation*r.Separation))
			r.LambdaSigma2 = round3(logRange(lo, full.LamS2Max).Draw(t, "lambda_sigma2"))
			if r.LambdaSigma2 < lo {
				// round3 moves a value by at most 0.5%: 1.006 lo rounds to
				// at least 1.0009 lo
				r.LambdaSigma2 = round3(1.006 * lo)
			}
		}
		switch r.Geometry {
		case Angle:
			r.Angle = math.Min(round3(rapid.Float64Range(full.AngleMin, full.AngleMax).Draw(t, "angle")), math.Pi)
		case Unequal:
			r.NormRatio = round3(logRange(full.NormRatioMin, full.NormRatioMax).Draw(t, "norm_ratio"))
		}
		return r
	})
}

// critPoint is one certified critical point of the risk found by the
// search, in full coordinates, with head h labelled by the centroid it
// started next to.
type critPoint struct {
	heads [][]float64
	crit  numerics.Critical
	// dist is max_h ||mu_h - mu*_h|| / sigma; perHead the two distances.
	dist    float64
	perHead [2]float64
	// distErr bounds the error of every distance above (units of sigma):
	// locErr(crit)/sigma, +Inf when the point is not certified
	// nondegenerate.
	distErr float64
	// start names the first start that reached the point; hits counts the
	// starts that did.
	start string
	hits  int
}

// index names the point's certified type from its Hessian eigenvalues
// (each within EigErr): "strict minimizer", "saddle (k negative
// eigenvalues)", "maximum" or "degenerate" (an eigenvalue within its error
// of 0).
func (p critPoint) index() string {
	neg := 0
	for _, e := range p.crit.Eigenvalues {
		switch {
		case e < -p.crit.EigErr:
			neg++
		case e <= p.crit.EigErr:
			return "degenerate"
		}
	}
	switch {
	case neg == 0:
		return "strict minimizer"
	case neg == len(p.crit.Eigenvalues):
		return "maximum"
	}
	return fmt.Sprintf("saddle (%d negative eigenvalues)", neg)
}

// describe is a one-line description of the point for notes.
func (p critPoint) describe() string {
	return fmt.Sprintf("%s at %.3g and %.3g sigma from mu*_1, mu*_2 (smallest Hessian eigenvalue %.4g +- %.2g, risk %.10g; reached from %d start(s), first %s)",
		p.index(), p.perHead[0], p.perHead[1], p.crit.MinEig, p.crit.EigErr, p.crit.Risk, p.hits, p.start)
}

// search is the outcome of searchCritical.
type search struct {
	// points are the distinct converged critical points, nearest to the
	// centroids first.
	points []critPoint
	// starts is the number of starts tried; failed lists why the others
	// did not give a converged critical point.
	starts int
	failed []string
}

// minimizer returns the certified strict minimizer nearest to the
// centroids (ok = false when none was found).
func (s search) minimizer() (critPoint, bool) {
	for _, p := range s.points {
		if p.crit.Minimizer() {
			return p, true
		}
	}
	return critPoint{}, false
}

// within returns the points whose distance to the centroids may be at
// most radius (units of sigma): dist - distErr <= radius.
func (s search) within(radius float64) []critPoint {
	var out []critPoint
	for _, p := range s.points {
		if p.dist-p.distErr <= radius || (math.IsInf(p.distErr, 0) && p.dist <= radius) {
			out = append(out, p)
		}
	}
	return out
}

// summary lists every point within radius, one per line, for notes.
func (s search) summary(radius float64) string {
	var parts []string
	for _, p := range s.within(radius) {
		parts = append(parts, p.describe())
	}
	if len(parts) == 0 {
		return fmt.Sprintf("no critical point found within %.3g sigma of the centroids", radius)
	}
	return fmt.Sprintf("critical points within %.3g sigma of the centroids: %s", radius, strings.Join(parts, "; "))
}

// c13StartShift is the size, in units of sigma, of the shifted starts of
// the search: half of C1's radius, so that the starts cover the ball in
// which C1 asserts a minimizer without leaving it.
const c13StartShift = C1Radius / 2

// searchStart is one named start of the search.
type searchStart struct {
	name  string
	heads [][]float64
}

// searchStarts returns the starts of the search on mix: the centroids;
// the hardmax closed-form critical point (equal weights only); both heads
// translated together by +-s along the centroid axis u; one head
// lengthened and the other shortened by s (both ways); and one random
// perturbation of each head of norm s in the centroids' span plus one
// orthogonal direction (deterministic from seed). s = c13StartShift sigma.
// With equal weights the reflection exchanging the centroids can leave the
// risk unchanged; the centroids and the hardmax point are symmetric under
// it, so Newton from them stays on its symmetric set, while the other
// starts break the symmetry and can reach a pair of mirror-image minimizers
// next to a symmetric saddle (named regime small-angle-dot).
func searchStarts(mix theory.Mixture, seed uint64) ([]searchStart, error) {
	p, err := mix.Pair()
	if err != nil {
		return nil, err
	}
	s := c13StartShift * mix.Sigma
	shifted := func(name string, a, b float64, v []float64) searchStart {
		h := theory.Clone(mix.Centroids)
		theory.AddScaled(h[0], a, v)
		theory.AddScaled(h[1], b, v)
		return searchStart{name, h}
	}
	out := []searchStart{{"the centroids", theory.Clone(mix.Centroids)}}
	if hc, _, err := theory.HardmaxCritical(mix); err == nil {
		out = append(out, searchStart{"the hardmax critical point", hc})
	}
	out = append(out, shifted("both heads translated along +u", s, s, p.U),
		shifted("both heads translated along -u", -s, -s, p.U))
	// one head lengthened and the other shortened by s along their own
	// directions, and the reverse: dot scores favour the longer head
	// (docs/MODEL.md §8.2), which can break the symmetry this way
	for _, sgn := range []float64{1, -1} {
		h := theory.Clone(mix.Centroids)
		n0, n1 := theory.Norm(h[0]), theory.Norm(h[1])
		if n0 == 0 || n1 == 0 {
			break
		}
		theory.AddScaled(h[0], sgn*s/n0, mix.Centroids[0])
		theory.AddScaled(h[1], -sgn*s/n1, mix.Centroids[1])
		name := "head 1 lengthened and head 2 shortened"
		if sgn < 0 {
			name = "head 1 shortened and head 2 lengthened"
		}
		out = append(out, searchStart{name, h})
	}
	basis := numerics.CentroidBasis(mix)
	rng := rand.New(rand.NewPCG(mix64(seed, 0xC1), mix64(seed, 0xC1A)))
	h := theory.Clone(mix.Centroids)
	for k := range h {
		w := make([]float64, len(h[k]))
		for _, b := range basis {
			theory.AddScaled(w, rng.NormFloat64(), b)
		}
		if n := theory.Norm(w); n > 0 {
			theory.AddScaled(h[k], s/n, w)
		}
	}
	out = append(out, searchStart{"a random perturbation", h})
	return out, nil
}

// searchCritical runs criticalNear from every start of searchStarts on
// the regime's risk, keeps the converged critical points, merges those
// that are the same point (stacked distance within both location errors
// plus 1e-9 of the problem's scale, far below any distance between
// distinct critical points we met, ~0.1 sigma at least) and sorts them by
// distance to the centroids. It returns an error only when the regime or
// its objective is invalid.
func searchCritical(env Env, r Regime) (search, error) {
	mix, _, obj, err := env.objective(r)
	if err != nil {
		return search{}, err
	}
	starts, err := searchStarts(mix, r.Seed)
	if err != nil {
		return search{}, err
	}
	scale := mix.Sigma + theory.Norm(mix.Centroids[0]) + theory.Norm(mix.Centroids[1])
	out := search{starts: len(starts)}
	for _, st := range starts {
		crit, heads, err := criticalNear(obj, mix, st.heads)
		switch {
		case err != nil:
			out.failed = append(out.failed, fmt.Sprintf("from %s: %v", st.name, err))
			continue
		case !crit.Converged:
			out.failed = append(out.failed, fmt.Sprintf("from %s: %s", st.name, crit.Reason))
			continue
		}
		p := critPoint{heads: heads, crit: crit, distErr: locErr(crit) / r.Sigma, start: st.name, hits: 1}
		for h := range 2 {
			p.perHead[h] = theory.Dist(heads[h], mix.Centroids[h]) / r.Sigma
			p.dist = math.Max(p.dist, p.perHead[h])
		}
		merged := false
		for i := range out.points {
			q := &out.points[i]
			tol := 1e-9 * scale
			if e := (p.distErr + q.distErr) * r.Sigma; !math.IsInf(e, 0) {
				tol += e
			}
			if math.Hypot(theory.Dist(q.heads[0], heads[0]), theory.Dist(q.heads[1], heads[1])) <= tol {
				q.hits++
				// keep the better-certified representative
				if p.crit.GradNorm < q.crit.GradNorm {
					p.hits, p.start = q.hits, q.start
					*q = p
				}
				merged = true
				break
			}
		}
		if !merged {
			out.points = append(out.points, p)
		}
	}
	sort.SliceStable(out.points, func(i, j int) bool { return out.points[i].dist < out.points[j].dist })
	return out, nil
}

// locErr bounds the distance (stacked over heads) from a computed critical
// point to the exact one: by the Newton-Kantorovich argument for a
// nondegenerate critical point, the exact one lies within
// (||grad|| + GradErr) / (min_i |eig_i| - EigErr) of the computed one (to
// first order in the gradient). EigErr is the differenced Hessian's error
// estimate (Richardson), so this bound is an estimate too. It is +Inf when
// the search did not converge or the Hessian is not certified
// nonsingular.
func locErr(c numerics.Critical) float64 {
	if len(c.Eigenvalues) == 0 {
		return math.Inf(1)
	}
	smin := math.Inf(1)
	for _, e := range c.Eigenvalues {
		smin = math.Min(smin, math.Abs(e))
	}
	lo := smin - c.EigErr
	if !c.Converged || !(lo > 0) {
		return math.Inf(1)
	}
	return (c.GradNorm + c.GradErr) / lo
}

// criticalNear runs Newton (for the nearest nondegenerate critical point
// of any index) from start on the restriction of obj to the span of the
// centroids and the start heads plus one orthogonal direction
// (numerics.SpanBasis, numerics.Subspace: exact for rotation-invariant
// models, which C0 checks), and returns the certified critical point in
// full coordinates.
func criticalNear(obj theory.Objective, mix theory.Mixture, start [][]float64) (numerics.Critical, [][]float64, error) {
	scale := mix.Sigma + theory.Norm(mix.Centroids[0]) + theory.Norm(mix.Centroids[1])
	// components below 1e-10 of the problem's scale are rounding noise
	sub, err := numerics.NewSubspace(obj, numerics.SpanBasis(append(theory.Clone(mix.Centroids), theory.Clone(start)...), 1e-10*scale))
	if err != nil {
		return numerics.Critical{}, nil, err
	}
	crit, err := numerics.FindCritical(sub, sub.Project(start), numerics.CriticalOptions{
		// 1e-11 of the problem's length scale: far below every margin the
		// claims use, and above the gradient's rounding level (~1e-14).
		GradTol: 1e-11 * scale,
		MaxIter: 60,
		// the nondegenerate critical point in Newton's basin around the
		// start, whatever its index: the search then asks which of the
		// points it found are minimizers, rather than letting one search
		// wander to a minimizer far away.
		Target: numerics.TargetAny,
	})
	if err != nil {
		return numerics.Critical{}, nil, err
	}
	return crit, sub.Embed(crit.Heads), nil
}

// minimizer is theta^, the point C1, C2 and C3 are about, with its
// certificate, in full coordinates.
type minimizer struct {
	heads [][]float64
	crit  numerics.Critical
	// dist is max_h ||mu^_h - mu*_h|| / sigma and distErr a bound on its
	// error (see locErr; an estimate).
	dist, distErr float64
	// note says how theta^ was chosen (and what else was found).
	note string
}

// findMinimizer returns theta^ on the regime's risk. With start == nil it
// runs the search (searchCritical) and returns the certified strict
// minimizer nearest to the centroids; when the search found none, it
// returns the converged critical point nearest to the centroids with a
// note saying so (C2 and C3 then test their statements against it, and
// C1.minimizer reports the absence). With start != nil it returns the
// critical point criticalNear reaches from start. It returns an error
// when the regime is invalid or no critical point converged.
func findMinimizer(env Env, r Regime, start [][]float64) (minimizer, error) {
	if start == nil {
		s, err := searchCritical(env, r)
		if err != nil {
			return minimizer{}, err
		}
		return s.theta()
	}
	mix, _, obj, err := env.objective(r)
	if err != nil {
		return minimizer{}, err
	}
	crit, heads, err := criticalNear(obj, mix, start)
	if err != nil {
		return minimizer{}, err
	}
	m := minimizer{heads: heads, crit: crit, distErr: locErr(crit) / r.Sigma}
	for h := range m.heads {
		m.dist = math.Max(m.dist, theory.Dist(m.heads[h], mix.Centroids[h])/r.Sigma)
	}
	if !crit.Converged {
		return m, fmt.Errorf("Newton from the start did not converge: %s", crit.Reason)
	}
	return m, nil
}

// theta returns theta^ from a search (see findMinimizer).
func (s search) theta() (minimizer, error) {
	if p, ok := s.minimizer(); ok {
		note := fmt.Sprintf("theta^ is the certified strict minimizer nearest to the centroids among %d distinct critical points found from %d starts", len(s.points), s.starts)
		return minimizer{heads: p.heads, crit: p.crit, dist: p.dist, distErr: p.distErr, note: note}, nil
	}
	if len(s.points) == 0 {
		return minimizer{}, fmt.Errorf("no start of the search converged to a critical point (%s)", strings.Join(s.failed, "; "))
	}
	p := s.points[0]
	note := fmt.Sprintf("no certified strict minimizer found from %d starts; theta^ is the critical point nearest to the centroids, a %s", s.starts, p.index())
	return minimizer{heads: p.heads, crit: p.crit, dist: p.dist, distErr: p.distErr, note: note}, nil
}

// continueMinimizer returns theta^ on the ladder regime rr, continued from
// theta^ = m on the base regime whose centroids are base: Newton from rr's
// centroids and from rr's centroids plus theta^'s offsets (mu^_h - mu*_h),
// keeping the certified strict minimizer nearest to rr's centroids. When
// neither start gives one, it falls back to the full search
// (findMinimizer). Two starts instead of the search's seven keep the
// ladders of C1 cheap; the fallback keeps the answer the same as the
// search's whenever continuation does not find a minimizer.
func continueMinimizer(env Env, rr Regime, base [][]float64, m minimizer) (minimizer, error) {
	mix, _, obj, err := env.objective(rr)
	if err != nil {
		return minimizer{}, err
	}
	shifted := theory.Clone(mix.Centroids)
	for h := range shifted {
		theory.AddScaled(shifted[h], 1, m.heads[h])
		theory.AddScaled(shifted[h], -1, base[h])
	}
	var best *minimizer
	for _, st := range [][][]float64{theory.Clone(mix.Centroids), shifted} {
		crit, heads, err := criticalNear(obj, mix, st)
		if err != nil || !crit.Minimizer() {
			continue
		}
		c := minimizer{heads: heads, crit: crit, distErr: locErr(crit) / rr.Sigma,
			note: "theta^ continued along the ladder (Newton from the centroids and from the base minimizer's offsets)"}
		for h := range heads {
			c.dist = math.Max(c.dist, theory.Dist(heads[h], mix.Centroids[h])/rr.Sigma)
		}
		if best == nil || c.dist < best.dist {
			best = &c
		}
	}
	if best != nil {
		return *best, nil
	}
	return findMinimizer(env, rr, nil)
}
