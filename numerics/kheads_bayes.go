package numerics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"attnclust/theory"
)

// AffineRule is a clustering rule with affine scores: a token x goes to
// the index h with the largest score <x, Dirs[h]> + Offsets[h] (ties, a
// set of probability zero unless two directions coincide, to the lowest
// index), and index h stands for mixture component h. Every cell of such
// a rule is an intersection of half-spaces. The nearest-head rule (the
// argmax-score rule of the Hardmax and Distance layers), the Bayes rule of
// an isotropic mixture and the nearest-centroid rule are affine rules.
type AffineRule struct {
	Dirs    [][]float64
	Offsets []float64
}

// NearestHeadRule returns the rule that assigns a token to its nearest
// head (scores <x, mu_h> - |mu_h|^2/2): the argmax-score rule of the
// Hardmax layer and of the Distance layer at any lambda > 0.
func NearestHeadRule(heads [][]float64) AffineRule {
	r := AffineRule{Dirs: theory.Clone(heads), Offsets: make([]float64, len(heads))}
	for h, mu := range heads {
		r.Offsets[h] = -theory.Inner(mu, mu) / 2
	}
	return r
}

// BayesRuleK returns the Bayes rule of an isotropic Gaussian mixture with
// any number of components: x goes to argmax_k pi_k N(x; mu_k, sigma^2 I),
// whose scores <x, mu_k> - |mu_k|^2/2 + sigma^2 log pi_k are affine.
func BayesRuleK(mix theory.Mixture) AffineRule {
	r := NearestHeadRule(mix.Centroids)
	s2 := mix.Sigma * mix.Sigma
	for k, pi := range mix.Weights {
		r.Offsets[k] += s2 * math.Log(pi)
	}
	return r
}

// validate checks that the rule has one finite direction of length d and
// one finite offset per component of mix.
func (r AffineRule) validate(mix theory.Mixture) error {
	if err := revalidateMixture(mix); err != nil {
		return err
	}
	if len(r.Dirs) != mix.K() || len(r.Offsets) != mix.K() {
		return fmt.Errorf("the rule has %d directions and %d offsets for %d components, want one each per component", len(r.Dirs), len(r.Offsets), mix.K())
	}
	if err := validateHeadsShape(r.Dirs, mix.K(), mix.Dim()); err != nil {
		return fmt.Errorf("directions: %w", err)
	}
	for h, e := range r.Offsets {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return fmt.Errorf("offset %d is not finite (%v)", h, e)
		}
	}
	return nil
}

// ruleExits describes how a token of one component leaves its cell: with
// x = mu_k + sigma z, z ~ N(0, I_d), index j scores at least as high as k
// exactly when <z, n_j> >= t_j (n_j a unit vector). certain is set when a
// direction equals that of k and its offset wins everywhere (the token is
// then always misassigned).
type ruleExits struct {
	normals [][]float64
	thr     []float64
	certain bool
}

// exits builds the exit events of component k.
func (r AffineRule) exits(mix theory.Mixture, k int) ruleExits {
	var out ruleExits
	mu := mix.Centroids[k]
	for j := range r.Dirs {
		if j == k {
			continue
		}
		n := make([]float64, len(mu))
		for i := range n {
			n[i] = r.Dirs[j][i] - r.Dirs[k][i]
		}
		// s_j - s_k = <mu_k, n> + e_j - e_k + sigma <z, n>.
		c := theory.Inner(mu, n) + r.Offsets[j] - r.Offsets[k]
		a := theory.Norm(n)
		if a == 0 {
			if c > 0 || c == 0 && j < k {
				out.certain = true
			}
			continue
		}
		theory.Scale(1/a, n)
		out.normals = append(out.normals, n)
		out.thr = append(out.thr, -c/(mix.Sigma*a))
	}
	return out
}

// UnionBound returns sum_k pi_k sum_{j != k} P_k(s_j(x) >= s_k(x)), the
// union bound on the rule's misclassification (each term a closed form
// Phi(-t); rounding a few ulps relative). It is exact when every
// component can leave its cell through one face only (two components).
func (r AffineRule) UnionBound(mix theory.Mixture) (float64, error) {
	if err := r.validate(mix); err != nil {
		return 0, fmt.Errorf("AffineRule.UnionBound: %w", err)
	}
	tot := 0.0
	for k, pi := range mix.Weights {
		ex := r.exits(mix, k)
		if ex.certain {
			tot += pi
			continue
		}
		for _, t := range ex.thr {
			tot += pi * theory.NormalQ(t)
		}
	}
	return tot, nil
}

// bayesStreamTag tags the random streams of AffineRule.Misclassification.
const bayesStreamTag = 0x6261

// Misclassification returns a statistical estimate of the probability
// that the rule assigns a token to an index other than its component's,
// sum_k pi_k P_k(x leaves cell k), by the ALOE importance-sampling
// estimator for a union of Gaussian half-spaces (Owen, Maximov and
// Chertkov, "Importance sampling the union of rare events", 2019): for
// component k with exit events A_j of probabilities p_j = Phi(-t_j) and
// P = sum_j p_j, draw j with probability p_j / P, z from N(0, I)
// conditioned on A_j, and average P / S(z), S(z) the number of events
// that contain z (at least 1). The estimator is unbiased, lies in
// [P / (K - 1), P], and its relative standard deviation per draw is at
// most (K - 2)/2 whatever the separation (the draw conditioned on an
// exit inverts the Gaussian tail in logarithms, accurate for tails far
// below 1e-16: see normalUpperQuantile), where plain sampling of the
// indicator sees no exit at all once P is below 1 / (number of points)
// (at pairwise distances of 8 sigma, P is about 3e-5).
//
// The per-draw values 1/S lie in [1/J, 1] (J = K - 1 exits) and differ
// from 1 only where two exits overlap; when overlaps are rarer than one
// in the N = Points x Randomizations draws of a component, most
// replicates see none, their spread (the standard error) is near 0 and
// the mean overestimates by up to P (1 - 1/J) times the overlap
// probability (measured: 2e-5 relative at 4096 x 8 draws on a 0.27 error
// rate, with a standard error 200 times smaller). HalfWidth therefore adds
// to t times SE the allowance sum_k pi_k P_k (1 - 1/J) log(1/(1 - Level))
// / N: the bias left by an overlap probability that a sample of N draws
// without any overlap does not exclude at Level. SE is the plain standard
// error of the replicates.
//
// opts.Points is the number of draws per randomization and component
// (0 means 4096), opts.Randomizations the number R of independent
// replicates (the standard error has R - 1 degrees of freedom), opts.Seed
// the streams and opts.Level the interval (Student t). The result is a
// deterministic function of its inputs. A component whose exits all have
// probability below the smallest double contributes 0 with no error.
func (r AffineRule) Misclassification(mix theory.Mixture, opts OptionsK) (StatEstimate, error) {
	if err := r.validate(mix); err != nil {
		return StatEstimate{}, fmt.Errorf("AffineRule.Misclassification: %w", err)
	}
	o, err := opts.withDefaults()
	if err != nil {
		return StatEstimate{}, fmt.Errorf("AffineRule.Misclassification: options: %w", err)
	}
	n := o.Points
	if n == 0 {
		n = autoPoints
	}
	R := o.Randomizations
	reps := make([]float64, R)
	// allowance: see the doc comment (rare overlaps).
	allowance := 0.0
	nTot := float64(n * R)
	for k, pi := range mix.Weights {
		ex := r.exits(mix, k)
		if ex.certain {
			for i := range reps {
				reps[i] += pi
			}
			continue
		}
		J := len(ex.thr)
		if J == 0 {
			continue
		}
		p := make([]float64, J)
		tot := 0.0
		for j, t := range ex.thr {
			p[j] = theory.NormalQ(t)
			tot += p[j]
		}
		if tot == 0 {
			continue
		}
		cum := make([]float64, J)
		c := 0.0
		for j := range p {
			c += p[j] / tot
			cum[j] = c
		}
		// Work in an orthonormal basis of the span of the normals: z
		// matters only through <z, n_j>.
		basis := spanBasis(ex.normals)
		m := len(basis)
		nu := make([][]float64, J)
		for j, nj := range ex.normals {
			nu[j] = make([]float64, m)
			for i, q := range basis {
				nu[j][i] = theory.Inner(q, nj)
			}
		}
		allowance += pi * tot * (1 - 1/float64(J)) * -math.Log(1-o.Level) / nTot
		g := make([]float64, m)
		for rep := range R {
			rng := rand.New(rand.NewPCG(o.Seed, bayesStreamTag<<40|uint64(rep)<<16|uint64(k)))
			sum := 0.0
			for range n {
				// u in (0, 1]: the first j with cum[j] >= u > 0 has
				// p[j] > 0 (cum[J-1] may round below 1: then the last
				// exit of positive probability).
				u := 1 - rng.Float64()
				j, _ := slices.BinarySearch(cum, u)
				j = min(j, J-1)
				for p[j] == 0 {
					j--
				}
				for i := range g {
					g[i] = rng.NormFloat64()
				}
				// The coordinate along n_j from N(0, 1) conditioned on
				// >= t_j, by inversion of the upper tail: Q^{-1}(V Q(t_j)),
				// V uniform on (0, 1], in logarithms so that tails below
				// the smallest double stay exact (see normalUpperQuantile);
				// never below t_j (rounding).
				v := 1 - rng.Float64()
				s := math.Max(ex.thr[j], upperTailQuantile(v, p[j]))
				theory.AddScaled(g, s-theory.Inner(g, nu[j]), nu[j])
				S := 1 // event j holds by construction (also under rounding)
				for i := range J {
					if i != j && theory.Inner(g, nu[i]) >= ex.thr[i] {
						S++
					}
				}
				sum += 1 / float64(S)
			}
			reps[rep] += pi * tot * sum / float64(n)
		}
	}
	mean := 0.0
	for _, x := range reps {
		mean += x
	}
	mean /= float64(R)
	v := 0.0
	for _, x := range reps {
		v += (x - mean) * (x - mean)
	}
	se := math.Sqrt(v / float64(R-1) / float64(R))
	tq := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(R - 1)}.Quantile((1 + o.Level) / 2)
	return StatEstimate{Value: mean, SE: se, HalfWidth: tq*se + allowance, Randomizations: R, Level: o.Level}, nil
}

// planarBayesTol is the relative tolerance of the quadrature of
// MisclassificationPlanar: the integrand is a probability (Phi of affine
// functions of g1 times phi(g1)), smooth between the breakpoints, and
// 1e-10 relative to the integral itself (not to 1) keeps small error
// rates (1e-7 at 10 sigma) accurate to far below any use, at a cost of a
// few hundred evaluations.
const planarBayesTol = 1e-10

// planarBayesMaxIntervals caps the subintervals of MisclassificationPlanar's
// quadrature (see the comment at its call).
const planarBayesMaxIntervals = 400

// upperTailQuantile returns Q^-1(v p) for v, p in (0, 1], Q(s) = P(Z > s)
// for a standard normal Z: by math.Erfcinv where v p > 5e-9 (one call),
// else normalUpperQuantile(log v + log p), so that the product never
// underflows.
func upperTailQuantile(v, p float64) float64 {
	if y := v * p; y > 5e-9 {
		return math.Sqrt2 * math.Erfcinv(2*y)
	}
	return normalUpperQuantile(math.Log(v) + math.Log(p))
}

// normalUpperQuantile returns s with Q(s) = P(Z > s) = exp(logy) for a
// standard normal Z and logy <= 0. math.Erfcinv(2y) computes Erfinv(1 -
// 2y), and 1 - 2y carries an absolute rounding error of 1.1e-16, so its
// relative accuracy in y is about 1.1e-16 / (2y): 1e-8 at 2y = 1e-8, none
// below 1e-16 (s then caps near 8.3, and is +Inf below 2^-53). It is used
// alone where 2y > 1e-8 (a relative error of 1e-8 in the tail moves the
// conditioned draw by 1e-8 / s, far below any statistical error, and costs
// one call). Below, in logarithms, the start sqrt(L - log L) with L =
// -2 log(y sqrt(2 pi)) (from Q(s) ~ phi(s)/s) is refined by Newton steps
// on log Q(s) - logy, s <- s + (log Q(s) - logy) Q(s) / phi(s), which
// converge monotonically (log Q is concave) and quadratically; they stop
// when the step is below 1e-8 (1 + |s|), after which the error is at the
// rounding level, or after 8 steps (measured: 2 to 3). Q(s) is then exact
// to a few ulps of log y relative, down to logy about -1e300. It returns
// -Inf for logy = 0 (y = 1), +Inf for logy = -Inf, NaN for NaN or
// positive logy.
func normalUpperQuantile(logy float64) float64 {
	switch {
	case math.IsNaN(logy) || logy > 0:
		return math.NaN()
	case logy == 0:
		return math.Inf(-1)
	case math.IsInf(logy, -1):
		return math.Inf(1)
	}
	if logy > math.Log(5e-9) {
		return math.Sqrt2 * math.Erfcinv(2*math.Exp(logy))
	}
	L := -2 * (logy + 0.5*math.Log(2*math.Pi))
	s := math.Sqrt(L - math.Log(L))
	for range 8 {
		lq := logNormalQ(s)
		lphi := -s*s/2 - 0.5*math.Log(2*math.Pi)
		step := (lq - logy) * math.Exp(lq-lphi)
		s += step
		if math.Abs(step) <= 1e-8*(1+math.Abs(s)) {
			break
		}
	}
	return s
}

// logNormalQ returns log Q(s), Q(s) = P(Z > s) for a standard normal Z,
// with full relative accuracy in Q: through erfc below s = 30 (Q(30) is
// 5e-198, far from underflow) and beyond by Laplace's continued fraction
// Q(s) = phi(s) / (s + 1/(s + 2/(s + 3/(s + ...)))) evaluated backward
// from 40 terms (at s >= 30 its truncation error is far below rounding).
func logNormalQ(s float64) float64 {
	if s < 30 {
		return math.Log(theory.NormalQ(s))
	}
	t := s
	for k := 40; k >= 1; k-- {
		t = s + float64(k)/t
	}
	return -s*s/2 - 0.5*math.Log(2*math.Pi) - math.Log(t)
}

// MisclassificationPlanar returns the rule's misclassification
// deterministically when, for every component, the directions'
// differences from its own direction span at most two dimensions (every
// rule with three indices): for component k, in the plane of its exit
// normals, the exit set at fixed g1 is a union of half-lines in g2,
// (-inf, H] and [L, inf), whose Gaussian mass is a closed form; the
// integral over g1 is adaptive Gauss-Kronrod (IntegrateVec) on
// [-12, 12] with breakpoints where two exit lines cross or a line is
// parallel to the g2 axis. The exit probability itself is integrated (not
// one minus the cell's mass), so small error rates keep their relative
// accuracy. Err adds the QUADPACK estimates (an estimate for integrands
// smooth between breakpoints, as HardmaxPlanar's), the tails beyond
// |g1| = 12 (below 4e-33) and rounding. It returns an error when a
// component's exits span more than two dimensions.
func (r AffineRule) MisclassificationPlanar(mix theory.Mixture) (Estimate, error) {
	if err := r.validate(mix); err != nil {
		return Estimate{}, fmt.Errorf("AffineRule.MisclassificationPlanar: %w", err)
	}
	var out Estimate
	for k, pi := range mix.Weights {
		ex := r.exits(mix, k)
		if ex.certain {
			out.Value += pi
			continue
		}
		basis := spanBasis(ex.normals)
		if len(basis) > 2 {
			return Estimate{}, fmt.Errorf("AffineRule.MisclassificationPlanar: component %d: the exits span %d dimensions, at most 2 supported", k, len(basis))
		}
		// Exit line j: a1 g1 + a2 g2 >= t.
		lines := make([]halfPlane, len(ex.thr))
		for j, nj := range ex.normals {
			var a [2]float64
			for i, q := range basis {
				a[i] = theory.Inner(q, nj)
			}
			lines[j] = halfPlane{a[0], a[1], ex.thr[j]}
		}
		if len(lines) == 0 {
			continue
		}
		const L = 12.0
		breaks := halfPlaneBreaks(lines, L)
		f := func(g1 float64, o []float64) {
			lo, hi := math.Inf(1), math.Inf(-1) // exit set [lo, inf) and (-inf, hi]
			for _, l := range lines {
				rr := l.t - l.a1*g1
				switch {
				case l.a2 > 0:
					lo = math.Min(lo, rr/l.a2)
				case l.a2 < 0:
					hi = math.Max(hi, rr/l.a2)
				case rr <= 0:
					o[0] = theory.NormalPDF(g1) // the whole line exits
					return
				}
			}
			var pr float64
			if hi >= lo {
				pr = 1
			} else {
				pr = theory.NormalQ(lo) + theory.NormalCDF(hi)
			}
			o[0] = theory.NormalPDF(g1) * pr
		}
		// Abs 1e-300: no absolute floor in effect (the tolerance is
		// relative to the exit probability, which may be 1e-20 and must
		// keep its digits), only a positive one so that an integrand that
		// underflows to 0 everywhere (exits beyond 37 sigma) converges.
		// MaxIntervals 400: at most four exit lines give at most ten
		// breakpoints, and on each piece the integrand is smooth;
		// measured: at most 16 subintervals over this package's rule
		// tests (squares and pentagons at sides 6 to 20 sigma, random
		// three- to five-component rules) and C10's claim tests, so 400
		// leaves a wide margin before an honest non-convergence error.
		res, err := IntegrateVec(f, 1, breaks, QuadTol{Rel: planarBayesTol, Abs: 1e-300, MaxIntervals: planarBayesMaxIntervals})
		if err != nil {
			return Estimate{}, fmt.Errorf("AffineRule.MisclassificationPlanar: component %d: %w", k, err)
		}
		if !res.Converged {
			return Estimate{}, fmt.Errorf("AffineRule.MisclassificationPlanar: component %d: quadrature did not converge (%d intervals, error estimate %v)", k, res.Intervals, res.Err[0])
		}
		out.Value += pi * res.Value[0]
		out.Err += pi * (res.Err[0] + 2*theory.NormalQ(L) + 16*epsilon*res.Value[0])
	}
	return out, nil
}

// spanBasis returns an orthonormal basis of the span of vs (Gram-Schmidt,
// dropping a vector whose residual norm is at most rankTol).
func spanBasis(vs [][]float64) [][]float64 {
	var basis [][]float64
	for _, u := range vs {
		v := append([]float64(nil), u...)
		orthogonalize(v, basis)
		if a := theory.Norm(v); a > rankTol {
			theory.Scale(1/a, v)
			basis = append(basis, v)
		}
	}
	return basis
}
