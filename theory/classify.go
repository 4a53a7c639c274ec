package theory

import (
	"fmt"
	"math"
)

// Clustering by the trained layer: a token is assigned to the head with the
// largest score s_h(x) (the head it attends to most). With two heads the
// rule is a half-space test on t = <x, w>, w = mu_1 - mu_2, so its
// misclassification under a two-component isotropic mixture has a closed
// form in Phi. The functions below give that closed form, the Bayes error
// of the mixture, and the population k-means (Lloyd) fixed point, whose
// rule is again a half-space.

// Assign returns the index of the head with the largest score s_h(x) of
// layer l (for Hardmax: the nearest head). Ties go to the lowest index;
// they are a null event under a Gaussian mixture unless lambda = 0 or two
// heads coincide. heads must be non-empty rows of the length of x.
func Assign(l Prototype, x []float64, heads [][]float64) int {
	s := l.Scores(nil, x, heads)
	best := 0
	for h := range s {
		if s[h] > s[best] {
			best = h
		}
	}
	return best
}

// HalfSpace is the two-head assignment rule "head 1 (index 0) when
// <x, W> > C, head 2 otherwise". The boundary <x, W> = C has probability 0
// under a Gaussian mixture unless W = 0; ties go to head 1 when W = 0 and
// C < 0, to head 2 when W = 0 and C >= 0 (see HalfSpaceOf for the layer's
// convention).
type HalfSpace struct {
	W []float64 // normal vector (mu_1 - mu_2 for the layer)
	C float64   // offset
	// TieHead1 selects head 1 for every x when W = 0 (a degenerate rule);
	// ignored when W != 0.
	TieHead1 bool
}

// HalfSpaceOf returns the half-space rule of the two-head layer l at
// heads: with w = mu_1 - mu_2, head 1 wins when
//
//	dot:      lambda <x, w> > 0                        (C = 0)
//	distance: lambda (<x, w> - (||mu_1||^2 - ||mu_2||^2)/2) > 0
//	hardmax:  ||x - mu_1|| < ||x - mu_2||               (same C as distance)
//
// For the softmax variants with lambda = 0 every score is 0 and the tie
// goes to head 1 (Assign's convention): the returned rule has W = 0 and
// TieHead1 set. It returns an error unless there are exactly 2 heads of
// equal length and the layer is valid.
func HalfSpaceOf(l Prototype, heads [][]float64) (HalfSpace, error) {
	if err := l.Validate(); err != nil {
		return HalfSpace{}, err
	}
	if len(heads) != 2 || len(heads[0]) != len(heads[1]) || len(heads[0]) == 0 {
		return HalfSpace{}, fmt.Errorf("half-space rule needs 2 heads of equal length >= 1")
	}
	w := make([]float64, len(heads[0]))
	for i := range w {
		w[i] = heads[0][i] - heads[1][i]
	}
	hs := HalfSpace{W: w}
	if l.Variant != Dot {
		// (||mu_1||^2 - ||mu_2||^2)/2 = <mu_1 - mu_2, mu_1 + mu_2>/2,
		// which does not cancel when the heads have nearly equal norms.
		for i := range w {
			hs.C += w[i] * (heads[0][i] + heads[1][i]) / 2
		}
	}
	if l.Variant != Hardmax && l.Lambda == 0 {
		return HalfSpace{W: make([]float64, len(w)), TieHead1: true}, nil
	}
	if Norm(w) == 0 {
		// every score equal: Assign picks head 1
		hs.TieHead1 = true
	}
	return hs, nil
}

// HeadProbs returns, for each component k of the two-component mixture
// mix, the probability that the rule sends a token of component k to head
// 1: P(<x, W> > C | z = k) = Q((C - m_k)/(sigma ||W||)) with
// m_k = <mu*_k, W> and Q the standard normal upper tail (through erfc: full
// relative accuracy in the far tail). A rule with W = 0 gives 1 or 0 for
// every component according to TieHead1.
func (hs HalfSpace) HeadProbs(mix Mixture) ([]float64, error) {
	if mix.K() != 2 {
		return nil, fmt.Errorf("half-space misclassification needs a 2-component mixture, got %d", mix.K())
	}
	if len(hs.W) != mix.Dim() {
		return nil, fmt.Errorf("rule normal has length %d, mixture dimension is %d", len(hs.W), mix.Dim())
	}
	a := Norm(hs.W)
	out := make([]float64, 2)
	for k, c := range mix.Centroids {
		if a == 0 {
			if hs.TieHead1 {
				out[k] = 1
			}
			continue
		}
		out[k] = NormalQ((hs.C - Inner(c, hs.W)) / (mix.Sigma * a))
	}
	return out, nil
}

// Error returns the misclassification probability of the rule when head
// h is matched with component h: pi_1 P(head 2 | z = 1) + pi_2 P(head 1 |
// z = 2), each term a normal tail in closed form (see HeadProbs). The
// complementary probabilities are computed as tails too (Q(-s) rather than
// 1 - Q(s)), so small errors keep full relative accuracy.
func (hs HalfSpace) Error(mix Mixture) (float64, error) {
	p, err := hs.HeadProbs(mix)
	if err != nil {
		return 0, err
	}
	a := Norm(hs.W)
	if a == 0 {
		return mix.Weights[0]*(1-p[0]) + mix.Weights[1]*p[1], nil
	}
	c1 := Inner(mix.Centroids[0], hs.W)
	miss1 := NormalCDF((hs.C - c1) / (mix.Sigma * a)) // P(<x,W> <= C | z = 1)
	return mix.Weights[0]*miss1 + mix.Weights[1]*p[1], nil
}

// Misclassification returns the probability that the two-head layer l at
// heads sends a token to the head of the other component, with head h
// matched to component h (no permutation): pi_1 P(x goes to head 2 | z = 1)
// + pi_2 P(x goes to head 1 | z = 2), in closed form (HalfSpace.Error).
// The assignment is Assign's (largest score, ties to head 1); it does not
// depend on lambda > 0. Errors: mix not 2 components, heads not 2 rows of
// length d, invalid layer.
func Misclassification(mix Mixture, l Prototype, heads [][]float64) (float64, error) {
	if mix.K() != 2 {
		return 0, fmt.Errorf("misclassification needs a 2-component mixture, got %d", mix.K())
	}
	if len(heads) != 2 || len(heads[0]) != mix.Dim() || len(heads[1]) != mix.Dim() {
		return 0, fmt.Errorf("misclassification needs 2 heads of length %d", mix.Dim())
	}
	hs, err := HalfSpaceOf(l, heads)
	if err != nil {
		return 0, err
	}
	return hs.Error(mix)
}

// ClusteringError returns the misclassification of the layer's rule under
// the better of the two matchings of heads to components, min(e, 1 - e)
// with e = Misclassification (with two heads every token goes to exactly
// one head, so the swapped matching errs with probability 1 - e), and
// whether the heads were swapped.
func ClusteringError(mix Mixture, l Prototype, heads [][]float64) (err float64, swapped bool, e error) {
	m, e := Misclassification(mix, l, heads)
	if e != nil {
		return 0, false, e
	}
	if 1-m < m {
		return 1 - m, true, nil
	}
	return m, false, nil
}

// BayesRule returns the Bayes classifier of a two-component isotropic
// mixture as a half-space rule: component 1 when
// pi_1 phi(x; mu*_1) > pi_2 phi(x; mu*_2), i.e. <x, v> > c with
// v = mu*_1 - mu*_2 and c = <v, mu*_1 + mu*_2>/2 + sigma^2 log(pi_2/pi_1).
// Coinciding centroids give the constant rule "the heavier component"
// (component 1 on equal weights).
func BayesRule(mix Mixture) (HalfSpace, error) {
	if mix.K() != 2 {
		return HalfSpace{}, fmt.Errorf("Bayes rule: needs a 2-component mixture, got %d", mix.K())
	}
	d := mix.Dim()
	v := make([]float64, d)
	c := 0.0
	for i := range v {
		v[i] = mix.Centroids[0][i] - mix.Centroids[1][i]
		c += v[i] * (mix.Centroids[0][i] + mix.Centroids[1][i]) / 2
	}
	if Norm(v) == 0 {
		return HalfSpace{W: v, TieHead1: mix.Weights[0] >= mix.Weights[1]}, nil
	}
	c += mix.Sigma * mix.Sigma * math.Log(mix.Weights[1]/mix.Weights[0])
	return HalfSpace{W: v, C: c}, nil
}

// BayesError returns the misclassification probability of the Bayes rule
// of a two-component isotropic mixture (the smallest of any classifier),
// in closed form: with Delta = ||mu*_1 - mu*_2|| / sigma and
// b = log(pi_2/pi_1)/Delta,
//
//	pi_1 Phi(-Delta/2 + b) + pi_2 Phi(-Delta/2 - b),
//
// which is Phi(-Delta/2) for equal weights; min(pi_1, pi_2) when the
// centroids coincide. Full relative accuracy in the far tail. Errors:
// K != 2.
func BayesError(mix Mixture) (float64, error) {
	hs, err := BayesRule(mix)
	if err != nil {
		return 0, err
	}
	if Norm(hs.W) == 0 {
		return math.Min(mix.Weights[0], mix.Weights[1]), nil
	}
	return hs.Error(mix)
}

// LloydOptions controls PopulationLloyd. Zero values select defaults.
type LloydOptions struct {
	// Tol is the convergence tolerance on max_h ||mu_h(new) - mu_h|| in
	// units of sigma (plus a rounding floor of 8e-16 times the largest
	// centroid or start norm). Default 1e-13 (a few hundred ulps of the
	// problem's scale; Lloyd contracts linearly, so the fixed point is
	// within Tol/(1 - rate) of the last iterate).
	Tol float64
	// MaxIter bounds the iterations. Default 10000.
	MaxIter int
}

// PopulationLloyd runs Lloyd's k-means iteration on the population of the
// two-component isotropic mixture mix (the limit of infinitely many
// tokens): each head moves to the mean of its Voronoi cell,
//
//	mu_1 <- E[x 1{<x,w> > c}] / P(<x,w> > c),   mu_2 <- E[x 1{<x,w> <= c}] / P(<x,w> <= c),
//
// with w = mu_1 - mu_2, c = <w, mu_1 + mu_2>/2, computed in closed form
// per component (t = <x, w> ~ N(m_k, sigma^2 ||w||^2),
// E[(x - mu*_k) 1{t > c}] = sigma (w/||w||) phi(s_k), s_k = (c - m_k)/(sigma ||w||)).
// A fixed point is a critical point of the hardmax (k-means) population
// risk; from the true centroids with equal weights it is docs/MODEL.md §5.2's
// m* +- beta u. It returns the heads, the number of iterations and an
// error when the iteration does not converge within MaxIter, when a cell
// becomes empty (probability 0 in floating point), or for invalid input.
func PopulationLloyd(mix Mixture, start [][]float64, opts LloydOptions) ([][]float64, int, error) {
	if mix.K() != 2 {
		return nil, 0, fmt.Errorf("population Lloyd: needs a 2-component mixture, got %d", mix.K())
	}
	d := mix.Dim()
	if len(start) != 2 || len(start[0]) != d || len(start[1]) != d {
		return nil, 0, fmt.Errorf("population Lloyd: start needs 2 heads of length %d", d)
	}
	if opts.Tol == 0 {
		opts.Tol = 1e-13
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 10000
	}
	heads := Clone(start)
	sg := mix.Sigma
	// the heads' own rounding (a few ulps of their norms) floors the
	// attainable move
	floor := 0.0
	for _, c := range append(Clone(mix.Centroids), heads...) {
		floor = math.Max(floor, 8e-16*Norm(c))
	}
	for it := 1; it <= opts.MaxIter; it++ {
		hs, err := HalfSpaceOf(Prototype{Variant: Hardmax}, heads)
		if err != nil {
			return nil, it, err
		}
		a := Norm(hs.W)
		if a == 0 {
			return nil, it, fmt.Errorf("population Lloyd: heads coincide at iteration %d", it)
		}
		dir := append([]float64(nil), hs.W...)
		Scale(1/a, dir)
		next := [][]float64{make([]float64, d), make([]float64, d)}
		var mass [2]float64
		for k, c := range mix.Centroids {
			s := (hs.C - Inner(c, hs.W)) / (sg * a)
			up, lo := NormalQ(s), NormalCDF(s) // P(head 1), P(head 2)
			ph := NormalPDF(s)
			pi := mix.Weights[k]
			mass[0] += pi * up
			mass[1] += pi * lo
			AddScaled(next[0], pi*up, c)
			AddScaled(next[0], pi*sg*ph, dir)
			AddScaled(next[1], pi*lo, c)
			AddScaled(next[1], -pi*sg*ph, dir)
		}
		if !(mass[0] > 0) || !(mass[1] > 0) {
			return nil, it, fmt.Errorf("population Lloyd: an empty cell at iteration %d", it)
		}
		move := 0.0
		for h := range next {
			Scale(1/mass[h], next[h])
			move = math.Max(move, Dist(next[h], heads[h]))
		}
		heads = next
		if move <= opts.Tol*sg+floor {
			return heads, it, nil
		}
	}
	return heads, opts.MaxIter, fmt.Errorf("population Lloyd: no convergence in %d iterations", opts.MaxIter)
}
