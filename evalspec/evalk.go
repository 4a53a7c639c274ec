package evalspec

import (
	"math"
	"math/rand/v2"

	"attnclust/numerics"
	"attnclust/theory"
)

// Kinds of the error figures of a PrototypeKResult (the words of package
// claims and docs/MODEL.md §9).
const (
	// KindCertified: the _err figures are bounds (quadrature error
	// estimates of smooth integrands plus explicit tail and rounding
	// bounds, as for K = 2).
	KindCertified = "certified"
	// KindEstimated: the _err figures are quadrature error estimates,
	// not bounds.
	KindEstimated = "estimated"
	// KindStatistical: the figures are standard errors (_se) of a
	// randomized estimate; intervals at Level are value +- t * se.
	KindStatistical = numerics.KindStatistical
)

// bayesSamples is the number of Monte Carlo tokens per component of the
// statistical Bayes error (unequal weights with K >= 3): 2^17 tokens give
// a standard error below 0.0014 for any error rate (sqrt(1/4 / 2^17)),
// which resolves the Bayes error to the third decimal (measured: 10 ms of
// CPU for K = 3; the cost grows as K^3).
const bayesSamples = 1 << 17

// bayesSeed fixes the random stream of the statistical Bayes error, so
// that the same spec always gets the same answer.
const bayesSeed = 0x62617965

// PrototypeKResult is the answer to a prototype spec with K >= 3
// components (and heads). Which error fields are present depends on the
// evaluation path, named by Kind:
//
//   - hardmax, K = 3: the planar rule (numerics.HardmaxPlanar), Kind
//     "certified", fields risk_err and grad_err as for K = 2;
//   - dot or distance, K = 3: the planar nested quadrature
//     (numerics.SoftmaxPlanar), Kind "estimated", fields risk_err and
//     grad_err (error estimates, not bounds);
//   - K >= 4: randomized quasi-Monte Carlo (numerics.RiskK, 32
//     randomizations, seed 0), Kind "statistical", fields risk_se,
//     grad_se and level.
//
// Misclassification (head h standing for component h, each token going
// to the head of largest score, which for hardmax and distance at any
// lambda > 0, and by convention at lambda = 0, is the nearest head) has
// misclassification_err (a bound, hardmax or distance with K = 3) or
// misclassification_se (otherwise). The Bayes error has bayes_error_err
// (a bound: equal weights and K = 3, where the Bayes rule is the
// nearest-centroid rule) or bayes_error_se (otherwise: randomized
// quasi-Monte Carlo of the nearest-centroid rule with equal weights,
// plain Monte Carlo over 2^17 tokens per component of the weighted rule
// otherwise). Level is present whenever some _se field is, and
// TQuantile is the two-sided Student t quantile of the randomized
// quasi-Monte Carlo intervals at that level (value +- TQuantile * se).
type PrototypeKResult struct {
	// Layer is LayerPrototype.
	Layer string `json:"layer"`
	// Variant is the spec's variant.
	Variant string `json:"variant"`
	// Kind is the kind of the risk and gradient error figures:
	// KindCertified, KindEstimated or KindStatistical.
	Kind string `json:"kind"`
	// Risk is the population risk R at the heads (squared token units).
	Risk float64 `json:"risk"`
	// RiskErr bounds (certified) or estimates (estimated) |Risk - R|.
	RiskErr *float64 `json:"risk_err,omitempty"`
	// RiskSE is the standard error of Risk (statistical).
	RiskSE *float64 `json:"risk_se,omitempty"`
	// Grad is dR/dmu_h, one row of length d per head (token units).
	Grad [][]float64 `json:"grad"`
	// GradErr bounds or estimates the Euclidean norm of the error of the
	// stacked gradient.
	GradErr *float64 `json:"grad_err,omitempty"`
	// GradSE is the root-mean-square Euclidean norm of the statistical
	// error of the stacked gradient (sqrt of the sum of the squared
	// standard errors of the entries).
	GradSE *float64 `json:"grad_se,omitempty"`
	// Misclassification is the probability that a token's largest-score
	// head is not the head of its component (in [0, 1]).
	Misclassification float64 `json:"misclassification"`
	// MisclassificationErr is an error bound of Misclassification.
	MisclassificationErr *float64 `json:"misclassification_err,omitempty"`
	// MisclassificationSE is its standard error.
	MisclassificationSE *float64 `json:"misclassification_se,omitempty"`
	// BayesError is the misclassification probability of the Bayes
	// classifier of the mixture (the smallest of any rule).
	BayesError float64 `json:"bayes_error"`
	// BayesErrorErr is an error bound of BayesError.
	BayesErrorErr *float64 `json:"bayes_error_err,omitempty"`
	// BayesErrorSE is its standard error.
	BayesErrorSE *float64 `json:"bayes_error_se,omitempty"`
	// Level is the confidence level attached to the _se fields (0.99).
	Level *float64 `json:"level,omitempty"`
	// TQuantile is the Student t quantile of the randomized rules at
	// Level (31 degrees of freedom); intervals are value +- TQuantile se.
	TQuantile *float64 `json:"t_quantile,omitempty"`
}

func ptr(x float64) *float64 { return &x }

// evalPrototypeK evaluates a prototype spec with K >= 3 components.
func evalPrototypeK(s *Spec, mix theory.Mixture, layer theory.Prototype) (*PrototypeKResult, error) {
	K := mix.K()
	res := &PrototypeKResult{Layer: LayerPrototype, Variant: s.Variant}
	var stat *numerics.EvalK // a RiskK evaluation at the heads, when made
	statAt := func() (*numerics.EvalK, error) {
		if stat != nil {
			return stat, nil
		}
		r, err := numerics.NewRiskK(mix, layer, numerics.OptionsK{})
		if err != nil {
			return nil, &FieldError{Msg: "rejected by the risk evaluation: " + err.Error(), Err: err}
		}
		ev, err := r.Eval(s.Heads)
		if err != nil {
			return nil, numericalf("randomized risk evaluation: %v", err)
		}
		stat = &ev
		res.Level, res.TQuantile = ptr(ev.Level), ptr(ev.TQuantile)
		return stat, nil
	}
	nearest := layer.Variant == theory.Hardmax || layer.Variant == theory.Distance

	// Risk and gradient.
	switch {
	case K == 3 && layer.Variant == theory.Hardmax:
		p, err := numerics.NewHardmaxPlanar(mix, K)
		if err != nil {
			return nil, &FieldError{Msg: "rejected by the risk evaluation: " + err.Error(), Err: err}
		}
		ev, err := p.Eval(s.Heads)
		if err != nil {
			return nil, numericalf("planar hardmax risk evaluation: %v", err)
		}
		res.Kind, res.Risk, res.RiskErr, res.Grad, res.GradErr = KindCertified, ev.Risk, ptr(ev.RiskErr), ev.Grad, ptr(ev.GradErr)
	case K == 3:
		p, err := numerics.NewSoftmaxPlanar(mix, layer, K)
		if err != nil {
			return nil, &FieldError{Msg: "rejected by the risk evaluation: " + err.Error(), Err: err}
		}
		ev, err := p.Eval(s.Heads)
		if err != nil {
			return nil, numericalf("planar softmax risk evaluation: %v", err)
		}
		res.Kind, res.Risk, res.RiskErr, res.Grad, res.GradErr = KindEstimated, ev.Risk, ptr(ev.RiskErr), ev.Grad, ptr(ev.GradErr)
	default:
		ev, err := statAt()
		if err != nil {
			return nil, err
		}
		res.Kind, res.Risk, res.RiskSE, res.Grad, res.GradSE = KindStatistical, ev.Risk.Value, ptr(ev.Risk.SE), ev.Grad, ptr(ev.GradNormSE)
	}

	// Misclassification of the heads.
	if K == 3 && nearest {
		p, err := numerics.NewHardmaxPlanar(mix, K)
		if err != nil {
			return nil, numericalf("misclassification: %v", err)
		}
		m, err := p.Misclassification(s.Heads)
		if err != nil {
			return nil, numericalf("misclassification: %v", err)
		}
		res.Misclassification, res.MisclassificationErr = m.Value, ptr(m.Err)
	} else {
		ev, err := statAt()
		if err != nil {
			return nil, err
		}
		if !ev.HasMisclass {
			return nil, numericalf("misclassification: not returned by the randomized evaluation")
		}
		res.Misclassification, res.MisclassificationSE = ev.Misclass.Value, ptr(ev.Misclass.SE)
	}

	// Bayes error of the mixture.
	b, berr, statistical, err := bayesErrorK(mix)
	if err != nil {
		return nil, err
	}
	res.BayesError = b
	if statistical {
		res.BayesErrorSE = ptr(berr)
		if res.Level == nil {
			res.Level = ptr(0.99)
		}
	} else {
		res.BayesErrorErr = ptr(berr)
	}
	if err := res.check(s.D); err != nil {
		return nil, err
	}
	return res, nil
}

// check rejects non-finite numbers, negative error figures and misshapen
// gradients returned by the numerics.
func (r *PrototypeKResult) check(d int) error {
	for _, e := range []struct {
		name string
		v    float64
		errs []*float64
	}{
		{"risk", r.Risk, []*float64{r.RiskErr, r.RiskSE}},
		{"grad", 0, []*float64{r.GradErr, r.GradSE}},
		{"misclassification", r.Misclassification, []*float64{r.MisclassificationErr, r.MisclassificationSE}},
		{"bayes_error", r.BayesError, []*float64{r.BayesErrorErr, r.BayesErrorSE}},
	} {
		for _, p := range e.errs {
			if p == nil {
				continue
			}
			if err := checkEstimate(e.name, e.v, *p); err != nil {
				return err
			}
		}
	}
	for h, g := range r.Grad {
		if len(g) != d {
			return numericalf("risk evaluation returned gradient row %d of length %d, want %d", h, len(g), d)
		}
		for i, x := range g {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return numericalf("risk evaluation returned grad[%d][%d] = %v", h, i, x)
			}
		}
	}
	return nil
}

// equalWeights reports whether all weights are equal (then the Bayes rule
// is the nearest-centroid rule).
func equalWeights(w []float64) bool {
	for _, x := range w {
		if x != w[0] {
			return false
		}
	}
	return true
}

// bayesErrorK returns the Bayes error of a mixture with K >= 3
// components, its error figure, and whether that figure is a standard
// error (statistical) rather than a bound. With equal weights the Bayes
// rule is the nearest centroid: for K = 3 its misclassification is
// HardmaxPlanar's (a bound), otherwise RiskK's at the centroids
// (statistical). With unequal weights the rule is argmax_k <x, mu*_k> -
// |mu*_k|^2/2 + sigma^2 log pi_k, a power diagram that no nearest-head
// evaluation represents; it is estimated by bayesMC.
func bayesErrorK(mix theory.Mixture) (val, errFig float64, statistical bool, err error) {
	if equalWeights(mix.Weights) {
		if mix.K() == 3 {
			p, err := numerics.NewHardmaxPlanar(mix, mix.K())
			if err != nil {
				return 0, 0, false, numericalf("Bayes error: %v", err)
			}
			m, err := p.Misclassification(mix.Centroids)
			if err != nil {
				return 0, 0, false, numericalf("Bayes error: %v", err)
			}
			return m.Value, m.Err, false, nil
		}
		r, err := numerics.NewRiskK(mix, theory.Prototype{Variant: theory.Hardmax}, numerics.OptionsK{})
		if err != nil {
			return 0, 0, false, numericalf("Bayes error: %v", err)
		}
		m, err := r.Misclassification(mix.Centroids)
		if err != nil {
			return 0, 0, false, numericalf("Bayes error: %v", err)
		}
		return m.Value, m.SE, true, nil
	}
	v, se, ok := bayesMC(mix, bayesSamples, bayesSeed)
	if !ok {
		return 0, 0, false, numericalf("Bayes error: centroid distances over sigma overflow")
	}
	return v, se, true, nil
}

// bayesMC estimates the Bayes error of mix by plain Monte Carlo with n
// tokens per component, in the span of the centroid differences scaled by
// 1/sigma: with a_k the coordinates of (mu*_k - mu*_1)/sigma in an
// orthonormal basis of that span, a token of component j is a_j + g,
// g ~ N(0, I_m), and the Bayes rule picks argmax_k <z, a_k> - |a_k|^2/2 +
// log pi_k (the score differences of the full-dimensional rule divided by
// sigma^2; the noise orthogonal to the span cancels). It returns
// sum_j pi_j (misses_j / n) and the standard error sqrt(sum_j pi_j^2
// v_j / n), where v_j = p_j (1 - p_j) floored at 1/n, so that a component
// with no observed miss does not claim zero uncertainty. ok is false when
// the scaled centroid coordinates are not finite (distances over sigma
// beyond the float64 range).
func bayesMC(mix theory.Mixture, n int, seed uint64) (val, se float64, ok bool) {
	K, d := mix.K(), mix.Dim()
	var q [][]float64
	diffs := make([][]float64, K)
	scale := 0.0
	for k := range diffs {
		v := make([]float64, d)
		for i := range v {
			v[i] = (mix.Centroids[k][i] - mix.Centroids[0][i]) / mix.Sigma
		}
		diffs[k] = v
		scale = math.Max(scale, theory.Norm(v))
	}
	for k := 1; k < K; k++ {
		v := append([]float64(nil), diffs[k]...)
		for pass := 0; pass < 2; pass++ { // two Gram-Schmidt passes
			for _, qj := range q {
				theory.AddScaled(v, -theory.Inner(v, qj), qj)
			}
		}
		// A residual below 1e-12 of the largest difference is rounding
		// of an exactly dependent vector (see numerics.rankTol).
		if nv := theory.Norm(v); nv > 1e-12*scale {
			for i := range v {
				v[i] /= nv
			}
			q = append(q, v)
		}
	}
	m := len(q)
	a := make([][]float64, K)
	off := make([]float64, K)
	for k := range a {
		a[k] = make([]float64, m)
		for j, qj := range q {
			a[k][j] = theory.Inner(qj, diffs[k])
		}
		off[k] = -theory.Inner(a[k], a[k])/2 + math.Log(mix.Weights[k])
		if math.IsNaN(off[k]) || math.IsInf(off[k], 0) || scale > 1e150 {
			return 0, 0, false
		}
	}
	rng := rand.New(rand.NewPCG(seed, uint64(K)))
	z := make([]float64, m)
	var v2 float64
	for j := range K {
		miss := 0
		for range n {
			for i := range z {
				z[i] = a[j][i] + rng.NormFloat64()
			}
			best, arg := math.Inf(-1), -1
			for k := range K {
				if s := theory.Inner(z, a[k]) + off[k]; s > best {
					best, arg = s, k
				}
			}
			if arg != j {
				miss++
			}
		}
		p := float64(miss) / float64(n)
		val += mix.Weights[j] * p
		v2 += mix.Weights[j] * mix.Weights[j] * math.Max(p*(1-p), 1/float64(n)) / float64(n)
	}
	return val, math.Sqrt(v2), true
}
