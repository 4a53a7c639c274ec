package numerics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"gonum.org/v1/gonum/stat/distuv"

	"attnclust/theory"
)

// MaxHeadsK is the largest number of heads RiskK accepts: the reduced
// integral has at most MaxHeadsK - 1 dimensions, one Sobol coordinate each.
const MaxHeadsK = sobolMaxDim + 1

// KindStatistical names the kind of evidence of a RiskK result (the word
// used by package claims): a randomized estimate with a standard error and
// a confidence level, never a bound.
const KindStatistical = "statistical"

// rankTol is the relative tolerance below which a head difference is taken
// to lie in the span of the previous ones when the basis of the reduced
// space is built (equal heads, or heads on a lower-dimensional affine
// subspace). After two Gram-Schmidt passes an exactly dependent vector
// leaves a residual of a few ulps of the largest difference (below 1e-14
// relative for up to 9 heads); any residual above 1e-12 is kept as a new
// direction, which is always correct (it only adds a dimension). Dropping a
// residual of relative size at most 1e-12 evaluates the exact risk at heads
// moved by at most 1e-12 times the largest head difference, far below any
// statistical error this estimator reaches.
const rankTol = 1e-12

// minLayerPoints is the number of points per randomization that the
// default rule puts across the steepest softmax transition layer (see
// EvalK.LayerPoints); maxAutoPoints caps that choice (cost: 2^16 points
// times 32 randomizations is about 0.3 s of CPU per component and head
// pair at 150 ns a point). Measured with two heads at lambda = 50 against
// the certified reduction: 7 and 15 points per layer gave misses of at
// most 1.3 standard errors in five runs, so 32 keeps a margin.
const (
	minLayerPoints = 32
	autoPoints     = 4096
	maxAutoPoints  = 1 << 16
)

// kheadsStreamTag tags the random streams of RiskK (see riskStreamTag).
const kheadsStreamTag = 0x6b68

// OptionsK sets the randomized quasi-Monte Carlo rule of RiskK. The zero
// value selects the defaults.
type OptionsK struct {
	// Points is the number of Sobol points per randomization and per
	// mixture component: a power of two in [16, 2^24]. 0 chooses it per
	// evaluation: the smallest power of two >= 4096 that puts at least 32
	// points across the steepest softmax transition layer (see
	// EvalK.LayerPoints); when that would exceed 2^16 (lambda sigma B
	// above 2048), Eval returns an error instead of a value whose
	// standard error is not trustworthy (set Points to force a rule, and
	// read LayerPoints).
	Points int
	// Randomizations is the number R of independent scrambles, in
	// [2, 1024]; 0 means 32. The standard error has R - 1 degrees of
	// freedom.
	Randomizations int
	// Seed selects the scrambles; results are a deterministic function of
	// the inputs and Seed, whatever GOMAXPROCS is.
	Seed uint64
	// Level is the confidence level of the stated intervals, in
	// [0.5, 0.999999]; 0 means 0.99.
	Level float64
}

// withDefaults validates o and fills the defaults.
func (o OptionsK) withDefaults() (OptionsK, error) {
	if o.Randomizations == 0 {
		o.Randomizations = 32
	}
	if o.Level == 0 {
		o.Level = 0.99
	}
	if o.Points != 0 && o.Points < 16 || o.Points > 1<<24 || o.Points&(o.Points-1) != 0 {
		return o, fmt.Errorf("points: must be a power of two in [16, 2^24], got %d", o.Points)
	}
	if o.Randomizations < 2 || o.Randomizations > 1024 {
		return o, fmt.Errorf("randomizations: must be in [2, 1024], got %d", o.Randomizations)
	}
	if !(o.Level >= 0.5 && o.Level <= 0.999999) {
		return o, fmt.Errorf("level: must be in [0.5, 0.999999], got %v", o.Level)
	}
	return o, nil
}

// StatEstimate is a statistical estimate of a scalar: Value is the mean of
// Randomizations independent unbiased replicates, SE the standard error of
// that mean (sample standard deviation over sqrt(R)), and
// [Value - HalfWidth, Value + HalfWidth] a confidence interval at Level
// (Student t with R - 1 degrees of freedom, which assumes the replicates
// are close to normal: each is itself an average over many points). It is
// never a bound.
type StatEstimate struct {
	Value          float64
	SE             float64
	HalfWidth      float64
	Randomizations int
	Level          float64
}

// EvalK is a randomized quasi-Monte Carlo evaluation of the population
// risk of a Prototype layer with any number of heads, and of its gradient.
// Its kind is KindStatistical: every error figure is a standard error.
type EvalK struct {
	// Risk is the population risk E ||x - T(x)||^2.
	Risk StatEstimate
	// Grad is dR/dmu_h, one row of length d per head; GradSE the standard
	// error of each entry.
	Grad   [][]float64
	GradSE [][]float64
	// GradNormSE = sqrt(sum of GradSE^2) is the root-mean-square size of
	// the error of the stacked gradient in Euclidean norm.
	GradNormSE float64
	// Mass[h] = E[p_h(x)] is the attention mass of head h over the
	// mixture (for Hardmax: the mixture probability of its Voronoi cell);
	// MassSE its standard error. The masses sum to 1 up to their
	// statistical error (the rule's weights average to 1 only in
	// expectation).
	Mass   []float64
	MassSE []float64
	// Misclass is the probability that the head with the largest score
	// differs from the label when head h stands for component h; set only
	// when there are as many heads as components (HasMisclass).
	Misclass    StatEstimate
	HasMisclass bool
	// LayerPoints is n / (lambda sigma B), with B the largest distance
	// from a component's reference head to another head: about the number
	// of points per randomization across the steepest softmax transition
	// layer, whose width is of order 1 / (lambda sigma B) in standard
	// normal units (+Inf for Hardmax, whose integrand has jumps instead,
	// and without head differences). With few points in the layer the
	// replicates are dominated by those points and the standard error
	// itself becomes unreliable (with an unweighted inverse-CDF map a
	// 9-standard-error miss was measured at 7 points; see
	// minLayerPoints for the current rule).
	LayerPoints float64
	// Points and Randomizations describe the rule; Level and TQuantile
	// (the two-sided Student t quantile with R - 1 degrees of freedom) the
	// intervals: a quantity's interval is its value +- TQuantile times its
	// standard error.
	Points, Randomizations int
	Level, TQuantile       float64
}

// Kind returns KindStatistical.
func (EvalK) Kind() string { return KindStatistical }

// RiskK is the population risk R(mu_1..mu_H) = E ||x - T(x)||^2 of a
// Prototype layer with H heads (1 <= H <= MaxHeadsK) on a Gaussian mixture
// with any number of components, evaluated through an exact reduction to
// an integral of dimension m <= H - 1 (the span of the head differences;
// see docs/MODEL.md for the derivation) computed by randomized
// quasi-Monte Carlo. Its results are statistical (EvalK), not certified:
// they are never to be mixed into theory.Eval's bounds. It is safe for
// concurrent use. When the head differences span at most two dimensions
// (for example three heads), HardmaxPlanar (error bounds, as the two-head
// path) and SoftmaxPlanar (error estimates) evaluate the same reduction
// deterministically.
//
// Cost per evaluation: O(K H d (H + R)) vector work plus K R Points
// evaluations of an integrand of size O(H m), independent of d.
type RiskK struct {
	mix   theory.Mixture
	layer theory.Prototype
	opts  OptionsK
	tq    float64
	// plant injects a deliberate error (tests of the checks only).
	plant kheadsPlant
}

// kheadsPlant selects a planted bug; the zero value plants none.
type kheadsPlant struct {
	flipHead      int // 1 + index of a head whose gradient sign is flipped
	dropComponent int // 1 + index of a mixture component left out
}

// NewRiskK validates mix, layer and opts and returns the objective.
func NewRiskK(mix theory.Mixture, layer theory.Prototype, opts OptionsK) (*RiskK, error) {
	if err := revalidateMixture(mix); err != nil {
		return nil, fmt.Errorf("NewRiskK: %w", err)
	}
	if err := layer.Validate(); err != nil {
		return nil, fmt.Errorf("NewRiskK: layer: %w", err)
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("NewRiskK: options: %w", err)
	}
	r := &RiskK{mix: mix, layer: layer, opts: o}
	r.tq = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(o.Randomizations - 1)}.Quantile((1 + o.Level) / 2)
	return r, nil
}

// Dim returns the token dimension d.
func (r *RiskK) Dim() int { return r.mix.Dim() }

// Options returns the rule's options with defaults filled in.
func (r *RiskK) Options() OptionsK { return r.opts }

// Eval returns the risk, its gradient with respect to every head, the
// attention masses and (with as many heads as components) the
// misclassification rate, each with its standard error. heads must have
// 1..MaxHeadsK rows of length d with finite entries.
func (r *RiskK) Eval(heads [][]float64) (EvalK, error) {
	return r.eval(heads, runtime.GOMAXPROCS(0))
}

// Misclassification returns the statistical estimate of the probability
// that the head with the largest attention score is not the head with the
// index of the token's component. It needs as many heads as components.
func (r *RiskK) Misclassification(heads [][]float64) (StatEstimate, error) {
	if len(heads) != r.mix.K() {
		return StatEstimate{}, fmt.Errorf("RiskK.Misclassification: %d heads for %d components, want one head per component", len(heads), r.mix.K())
	}
	ev, err := r.Eval(heads)
	if err != nil {
		return StatEstimate{}, err
	}
	return ev.Misclass, nil
}

// kReduced is the reduction of one mixture component at given heads:
// x = mu*_k + sigma z, reference head ref (the one with the largest score
// at mu*_k), V = span{mu_h - mu_ref} with orthonormal basis q (m vectors
// of length d), b[h] = q^T (mu_h - mu_ref) (b[ref] = 0), cV = q^T (mu*_k -
// mu_ref), cPerp = the part of mu*_k - mu_ref orthogonal to V, and the
// reduced score offsets e[h]: the score differences are
// s_h - s_ref = lambda (<y, b_h> + e_h) with y = cV + sigma g, g ~ N(0, I_m).
type kReduced struct {
	ref   int
	muRef []float64
	q     [][]float64
	b     [][]float64
	cV    []float64
	cPerp []float64
	e     []float64
}

// reduce builds the reduction of component k.
func (r *RiskK) reduce(k int, heads [][]float64) kReduced {
	H, d := len(heads), r.mix.Dim()
	cent := r.mix.Centroids[k]
	ref, best := 0, math.Inf(-1)
	for h, mu := range heads {
		var s float64
		switch r.layer.Variant {
		case theory.Dot:
			s = theory.Inner(cent, mu)
		default: // Distance and Hardmax share the argmax of <x, mu> - |mu|^2/2
			s = theory.Inner(cent, mu) - theory.Inner(mu, mu)/2
		}
		if s > best {
			ref, best = h, s
		}
	}
	red := kReduced{ref: ref, muRef: heads[ref], b: make([][]float64, H), e: make([]float64, H)}
	scale := 0.0
	diffs := make([][]float64, H)
	for h, mu := range heads {
		v := make([]float64, d)
		for i := range v {
			v[i] = mu[i] - heads[ref][i]
		}
		diffs[h] = v
		scale = math.Max(scale, theory.Norm(v))
	}
	for h := range heads {
		if h == ref || scale == 0 {
			continue
		}
		v := append([]float64(nil), diffs[h]...)
		orthogonalize(v, red.q)
		if n := theory.Norm(v); n > rankTol*scale {
			theory.Scale(1/n, v)
			red.q = append(red.q, v)
		}
	}
	m := len(red.q)
	for h := range heads {
		red.b[h] = make([]float64, m)
		if h == ref {
			continue
		}
		for j, qj := range red.q {
			red.b[h][j] = theory.Inner(qj, diffs[h])
		}
	}
	c := make([]float64, d)
	for i := range c {
		c[i] = cent[i] - heads[ref][i]
	}
	red.cV = make([]float64, m)
	for j, qj := range red.q {
		red.cV[j] = theory.Inner(qj, c)
	}
	orthogonalize(c, red.q)
	red.cPerp = c
	for h := range heads {
		switch r.layer.Variant {
		case theory.Dot:
			red.e[h] = theory.Inner(heads[ref], diffs[h])
		default:
			red.e[h] = -theory.Inner(red.b[h], red.b[h]) / 2
		}
	}
	return red
}

// orthogonalize removes from v its components along the orthonormal
// vectors q, in two modified Gram-Schmidt passes (the second restores
// orthogonality to rounding level when v is nearly in their span).
func orthogonalize(v []float64, q [][]float64) {
	for range 2 {
		for _, qj := range q {
			theory.AddScaled(v, -theory.Inner(qj, v), qj)
		}
	}
}

// kStats indexes the reduced integrals of one component, accumulated in a
// flat vector: E[|w|^2 - |y|^2], E[p_h], E[p_h w], E[p_h rho_h], E[p_h rho_h y], and
// E[1{argmax != label}], with w = y - sum_h p_h b_h and
// rho_h = <b_h - sum_j p_j b_j, w>.
type kStats struct{ H, m int }

func (s kStats) size() int       { return 2 + 2*s.H + 2*s.H*s.m }
func (s kStats) p(h int) int     { return 1 + h }
func (s kStats) pw(h, j int) int { return 1 + s.H + h*s.m + j }
func (s kStats) q(h int) int     { return 1 + s.H + s.H*s.m + h }
func (s kStats) qy(h, j int) int { return 1 + 2*s.H + s.H*s.m + h*s.m + j }
func (s kStats) miss() int       { return s.size() - 1 }

// integrate returns the averages of the reduced integrand of component k
// over one scrambled Sobol point set (or the exact values when m = 0).
func (r *RiskK) integrate(red kReduced, label, n int, rng *rand.Rand, base [][sobolBits]uint32) []float64 {
	H, m := len(red.b), len(red.q)
	st := kStats{H, m}
	acc := make([]float64, st.size())
	lam := r.layer.Lambda
	hard := r.layer.Variant == theory.Hardmax
	sigma := r.mix.Sigma
	y := make([]float64, m)
	p := make([]float64, H)
	bp := make([]float64, m)
	w := make([]float64, m)
	point := func(g []float64, wt float64) {
		for j := range m {
			y[j] = red.cV[j] + sigma*g[j]
		}
		// Scores relative to the reference head, then softmax or argmax.
		best, smax := 0, math.Inf(-1)
		for h := range H {
			s := theory.Inner(y, red.b[h]) + red.e[h]
			if !hard {
				s *= lam
			}
			p[h] = s
			if s > smax {
				best, smax = h, s
			}
		}
		if hard {
			clear(p)
			p[best] = 1
		} else {
			sum := 0.0
			for h := range H {
				p[h] = math.Exp(p[h] - smax)
				sum += p[h]
			}
			for h := range H {
				p[h] /= sum
			}
		}
		clear(bp)
		for h := range H {
			theory.AddScaled(bp, p[h], red.b[h])
		}
		// |w|^2 - |y|^2 = |Bp|^2 - 2 <y, Bp>: the quadratic growth of
		// |w|^2 in g is integrated exactly in assemble (control variate).
		cv := 0.0
		for j := range m {
			w[j] = y[j] - bp[j]
			cv += bp[j] * (bp[j] - 2*y[j])
		}
		acc[0] += wt * cv
		for h := range H {
			acc[st.p(h)] += wt * p[h]
			for j := range m {
				acc[st.pw(h, j)] += wt * p[h] * w[j]
			}
			if hard || p[h] == 0 {
				continue
			}
			rho := 0.0
			for j := range m {
				rho += (red.b[h][j] - bp[j]) * w[j]
			}
			qh := wt * p[h] * rho
			acc[st.q(h)] += qh
			for j := range m {
				acc[st.qy(h, j)] += qh * y[j]
			}
		}
		if best != label {
			acc[st.miss()] += wt
		}
	}
	if m == 0 {
		point(nil, 1)
		return acc
	}
	newScrambledSobol(base, rng).weightedGaussianPoints(n, rng, point)
	for i := range acc {
		acc[i] /= float64(n)
	}
	return acc
}

// eval is Eval with an explicit number of worker goroutines.
func (r *RiskK) eval(heads [][]float64, workers int) (EvalK, error) {
	d := r.mix.Dim()
	if err := validateHeadsShape(heads, 0, d); err != nil {
		return EvalK{}, fmt.Errorf("RiskK.Eval: %w", err)
	}
	H := len(heads)
	if H > MaxHeadsK {
		return EvalK{}, fmt.Errorf("RiskK.Eval: %d heads, at most %d supported", H, MaxHeadsK)
	}
	K := r.mix.K()
	reds := make([]kReduced, K)
	maxM := 0
	for k := range K {
		reds[k] = r.reduce(k, heads)
		maxM = max(maxM, len(reds[k].q))
	}
	spread := 0.0 // largest distance between two heads
	for _, red := range reds {
		for _, b := range red.b {
			spread = math.Max(spread, theory.Norm(b))
		}
	}
	steep := r.layer.Lambda * r.mix.Sigma * spread // transition layers per unit of g
	n := r.opts.Points
	if n == 0 {
		n = autoPoints
		for r.layer.Variant != theory.Hardmax && float64(n) < minLayerPoints*steep {
			if n == maxAutoPoints {
				return EvalK{}, fmt.Errorf("RiskK.Eval: lambda sigma B = %.3g is too steep for the default rule (%d points would put %.3g points across a softmax transition layer, want %d); set the number of points explicitly, or use the hardmax variant", steep, n, float64(n)/steep, minLayerPoints)
			}
			n *= 2
		}
	}
	layerPts := math.Inf(1)
	if r.layer.Variant != theory.Hardmax && steep > 0 {
		layerPts = float64(n) / steep
	}
	var base [][sobolBits]uint32
	if maxM > 0 {
		base = sobolDirections(maxM)
	}
	R := r.opts.Randomizations
	// Replicate layout: risk, stacked gradient (H d), masses (H), miss.
	width := 1 + H*d + H + 1
	reps := make([][]float64, R)
	hasMiss := H == K
	parallelChunks(R, workers, func(rep int) {
		out := make([]float64, width)
		for k := range K {
			if r.plant.dropComponent == k+1 {
				continue
			}
			red := reds[k]
			rng := rand.New(rand.NewPCG(r.opts.Seed, kheadsStreamTag<<40|uint64(rep)<<16|uint64(k)))
			var b [][sobolBits]uint32
			if m := len(red.q); m > 0 {
				b = base[:m]
			}
			acc := r.integrate(red, k, n, rng, b)
			r.assemble(out, red, acc, r.mix.Weights[k], H, d)
		}
		reps[rep] = out
	})
	res := EvalK{
		Points: n, LayerPoints: layerPts, Randomizations: R, Level: r.opts.Level, TQuantile: r.tq,
		Grad: make([][]float64, H), GradSE: make([][]float64, H),
		Mass: make([]float64, H), MassSE: make([]float64, H), HasMisclass: hasMiss,
	}
	mean, se := make([]float64, width), make([]float64, width)
	for i := range width {
		s := 0.0
		for _, o := range reps {
			s += o[i]
		}
		mu := s / float64(R)
		v := 0.0
		for _, o := range reps {
			v += (o[i] - mu) * (o[i] - mu)
		}
		mean[i], se[i] = mu, math.Sqrt(v/float64(R-1)/float64(R))
		if math.IsNaN(mu) || math.IsInf(mu, 0) || math.IsNaN(se[i]) || math.IsInf(se[i], 0) {
			return EvalK{}, fmt.Errorf("RiskK.Eval: non-finite result (entry %d: %v +- %v)", i, mu, se[i])
		}
	}
	res.Risk = r.stat(mean[0], se[0])
	for h := range H {
		res.Grad[h] = mean[1+h*d : 1+(h+1)*d]
		res.GradSE[h] = se[1+h*d : 1+(h+1)*d]
		for _, s := range res.GradSE[h] {
			res.GradNormSE += s * s
		}
		if r.plant.flipHead == h+1 {
			theory.Scale(-1, res.Grad[h])
		}
		res.Mass[h], res.MassSE[h] = mean[1+H*d+h], se[1+H*d+h]
	}
	res.GradNormSE = math.Sqrt(res.GradNormSE)
	if hasMiss {
		res.Misclass = r.stat(mean[width-1], se[width-1])
	}
	return res, nil
}

func (r *RiskK) stat(v, se float64) StatEstimate {
	return StatEstimate{Value: v, SE: se, HalfWidth: r.tq * se, Randomizations: r.opts.Randomizations, Level: r.opts.Level}
}

// assemble adds pi times the contribution of one component, computed from
// its reduced integrals acc, to the replicate out (layout of eval):
//
//	risk_k = |cPerp|^2 + sigma^2 (d - m) + E|w|^2
//	       = |cPerp|^2 + |cV|^2 + sigma^2 d + E[|w|^2 - |y|^2],
//	grad_h = -2 [ cPerp E[p_h] + Q E[p_h w] + lambda E[p_h rho_h g_h] ],
//
// with E[p_h rho_h g_h] = cPerp E[q_h] + Q (E[q_h y] - b_h E[q_h]) for
// Distance (g_h = x - mu_h) and (mu_ref + cPerp) E[q_h] + Q E[q_h y] for
// Dot (g_h = x), q_h = p_h rho_h; Hardmax has no lambda term.
func (r *RiskK) assemble(out []float64, red kReduced, acc []float64, pi float64, H, d int) {
	m := len(red.q)
	st := kStats{H, m}
	sigma := r.mix.Sigma
	// E|w|^2 = E|y|^2 + E[|w|^2 - |y|^2], E|y|^2 = |cV|^2 + m sigma^2.
	out[0] += pi * (theory.Inner(red.cPerp, red.cPerp) + theory.Inner(red.cV, red.cV) + sigma*sigma*float64(d) + acc[0])
	lam := r.layer.Lambda
	hard := r.layer.Variant == theory.Hardmax
	vec := make([]float64, m)
	for h := range H {
		g := out[1+h*d : 1+(h+1)*d]
		cp := acc[st.p(h)]
		for j := range m {
			vec[j] = acc[st.pw(h, j)]
		}
		if !hard {
			qh := acc[st.q(h)]
			cp += lam * qh
			for j := range m {
				vec[j] += lam * acc[st.qy(h, j)]
				if r.layer.Variant == theory.Distance {
					vec[j] -= lam * red.b[h][j] * qh
				}
			}
			if r.layer.Variant == theory.Dot {
				theory.AddScaled(g, -2*pi*lam*qh, red.muRef)
			}
		}
		theory.AddScaled(g, -2*pi*cp, red.cPerp)
		for j, qj := range red.q {
			theory.AddScaled(g, -2*pi*vec[j], qj)
		}
		out[1+H*d+h] += pi * acc[st.p(h)]
	}
	out[len(out)-1] += pi * acc[st.miss()]
}
