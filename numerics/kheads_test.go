package numerics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gonum.org/v1/gonum/mat"

	"attnclust/theory"
)

// kRandomOrthogonal returns a Haar-ish random orthogonal d x d matrix (the
// Q factor of a Gaussian matrix).
func kRandomOrthogonal(d int, rng *rand.Rand) *mat.Dense {
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// kApply returns q v.
func kApply(q *mat.Dense, v []float64) []float64 {
	out := mat.NewVecDense(len(v), nil)
	out.MulVec(q, mat.NewVecDense(len(v), append([]float64(nil), v...)))
	return out.RawVector().Data
}

// kSetup returns a K-component mixture in dimension d with random unequal
// weights, centroids N(0, (2.5 sigma)^2 I) (so that components overlap
// moderately), and H heads: perturbed centroids (noise 0.3 sigma) for the
// first min(H, K), random points for the rest.
func kSetup(t testing.TB, K, H, d int, sigma float64, seed uint64) (theory.Mixture, [][]float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, uint64(100*K+H)))
	w := make([]float64, K)
	sum := 0.0
	for k := range w {
		w[k] = 0.5 + rng.Float64()
		sum += w[k]
	}
	for k := range w {
		w[k] /= sum
	}
	w[K-1] = 1
	for k := range K - 1 {
		w[K-1] -= w[k]
	}
	cents := make([][]float64, K)
	for k := range cents {
		cents[k] = make([]float64, d)
		for i := range d {
			cents[k][i] = 2.5 * sigma * rng.NormFloat64()
		}
	}
	mix, err := theory.NewMixture(w, cents, sigma)
	if err != nil {
		t.Fatal(err)
	}
	heads := make([][]float64, H)
	for h := range heads {
		heads[h] = make([]float64, d)
		for i := range d {
			if h < K {
				heads[h][i] = cents[h][i] + 0.3*sigma*rng.NormFloat64()
			} else {
				heads[h][i] = 2 * sigma * rng.NormFloat64()
			}
		}
	}
	return mix, heads
}

func riskKOrFail(t testing.TB, mix theory.Mixture, l theory.Prototype, o OptionsK, heads [][]float64) EvalK {
	t.Helper()
	r, err := NewRiskK(mix, l, o)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := r.Eval(heads)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// compareWithMC lists the quantities (risk, each gradient entry) on which
// the reduced estimate and brute-force Monte Carlo differ by more than z
// combined standard errors sqrt(SE_a^2 + SE_b^2) (the two estimates are
// independent). It is the check that the planted-bug tests must trip.
func compareWithMC(ev EvalK, mc MCResult, z float64) []string {
	var bad []string
	if s := math.Hypot(ev.Risk.SE, mc.RiskSE); math.Abs(ev.Risk.Value-mc.Risk) > z*s {
		bad = append(bad, fmt.Sprintf("risk %.8g vs Monte Carlo %.8g (%.1f SE)", ev.Risk.Value, mc.Risk, math.Abs(ev.Risk.Value-mc.Risk)/s))
	}
	for h := range ev.Grad {
		for i := range ev.Grad[h] {
			s := math.Hypot(ev.GradSE[h][i], mc.GradSE[h][i])
			if diff := math.Abs(ev.Grad[h][i] - mc.Grad[h][i]); diff > z*s {
				bad = append(bad, fmt.Sprintf("grad[%d][%d] %.6g vs Monte Carlo %.6g (%.1f SE)", h, i, ev.Grad[h][i], mc.Grad[h][i], diff/s))
			}
		}
	}
	return bad
}

// TestRiskKMatchesMonteCarlo compares the reduction with brute-force Monte
// Carlo in the full dimension d = K + 2 (so that the centroids leave the
// span of the head differences) for K = 3, 4, 5 components and heads, all
// three variants: the risk and every gradient entry agree within 4
// combined standard errors. Seeded, so deterministic; with up to 36
// compared entries per case a 4-SE excursion happens by chance with
// probability about 36 * 6.3e-5 = 2e-3 per case.
func TestRiskKMatchesMonteCarlo(t *testing.T) {
	samples := 20000
	for _, K := range []int{3, 4, 5} {
		for _, v := range []theory.Variant{theory.Dot, theory.Distance, theory.Hardmax} {
			t.Run(fmt.Sprintf("K=%d/%v", K, v), func(t *testing.T) {
				d := K + 2
				mix, heads := kSetup(t, K, K, d, 0.9, 7)
				l := theory.Prototype{Variant: v, Lambda: 0.8}
				ev := riskKOrFail(t, mix, l, OptionsK{Seed: 3}, heads)
				mc, err := RiskMC(mix, l, heads, samples, 11)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range compareWithMC(ev, mc, 4) {
					t.Error(b)
				}
				t.Logf("risk %.10g +- %.2g (Monte Carlo %.6g +- %.2g), gradient norm SE %.2g", ev.Risk.Value, ev.Risk.SE, mc.Risk, mc.RiskSE, ev.GradNormSE)
			})
		}
	}
}

// TestRiskKPlantedBugs checks that the Monte Carlo comparison above detects
// a flipped gradient sign on one head and a dropped mixture component.
func TestRiskKPlantedBugs(t *testing.T) {
	mix, heads := kSetup(t, 3, 3, 5, 0.9, 7)
	l := theory.Prototype{Variant: theory.Distance, Lambda: 0.8}
	mc, err := RiskMC(mix, l, heads, 10000, 11)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		plant kheadsPlant
	}{
		{"none", kheadsPlant{}},
		{"flip head 2", kheadsPlant{flipHead: 2}},
		{"drop component 1", kheadsPlant{dropComponent: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRiskK(mix, l, OptionsK{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			r.plant = tc.plant
			ev, err := r.Eval(heads)
			if err != nil {
				t.Fatal(err)
			}
			bad := compareWithMC(ev, mc, 4)
			if (tc.plant == kheadsPlant{}) != (len(bad) == 0) {
				t.Errorf("planted %+v: discrepancies %q", tc.plant, bad)
			}
		})
	}
}

// TestRiskKAgreesWithK2Reduction compares the K-head estimate with the
// certified two-head reduction (NewRisk) for two components and two heads:
// every quantity agrees within 4 standard errors plus the certified bound
// (the risk bound; the gradient's norm bound for each entry).
func TestRiskKAgreesWithK2Reduction(t *testing.T) {
	for _, v := range []theory.Variant{theory.Dot, theory.Distance, theory.Hardmax} {
		for _, lam := range []float64{0.3, 2, 50} {
			if v == theory.Hardmax && lam != 2 {
				continue
			}
			t.Run(fmt.Sprintf("%v/lambda=%g", v, lam), func(t *testing.T) {
				mix, heads := kSetup(t, 2, 2, 5, 1.1, 5)
				l := theory.Prototype{Variant: v, Lambda: lam}
				ev := riskKOrFail(t, mix, l, OptionsK{Seed: 9, Randomizations: 16}, heads)
				rk2, err := NewRisk(mix, l)
				if err != nil {
					t.Fatal(err)
				}
				cert, err := rk2.Eval(heads)
				if err != nil {
					t.Fatal(err)
				}
				if diff := math.Abs(ev.Risk.Value - cert.Risk); diff > 4*ev.Risk.SE+cert.RiskErr {
					t.Errorf("risk %.15g +- %.2g vs certified %.15g (%.1f SE)", ev.Risk.Value, ev.Risk.SE, cert.Risk, diff/ev.Risk.SE)
				}
				for h := range heads {
					for i := range heads[h] {
						if diff := math.Abs(ev.Grad[h][i] - cert.Grad[h][i]); diff > 4*ev.GradSE[h][i]+cert.GradErr {
							t.Errorf("grad[%d][%d] %.12g +- %.2g vs certified %.12g", h, i, ev.Grad[h][i], ev.GradSE[h][i], cert.Grad[h][i])
						}
					}
				}
				t.Logf("risk SE %.2g (relative %.2g), gradient norm SE %.2g, |risk - certified| = %.2g", ev.Risk.SE, ev.Risk.SE/ev.Risk.Value, ev.GradNormSE, math.Abs(ev.Risk.Value-cert.Risk))
			})
		}
	}
}

// TestRiskKLambdaZero compares with the closed form at lambda = 0, where
// every head gets weight 1/H: R = sum_k pi_k |mu*_k - mbar|^2 + d sigma^2
// and dR/dmu_h = -(2/H) sum_k pi_k (mu*_k - mbar). Within 4 standard
// errors plus 1e-12 (the closed form's rounding, relative to its size).
func TestRiskKLambdaZero(t *testing.T) {
	for _, v := range []theory.Variant{theory.Dot, theory.Distance} {
		for _, KH := range [][2]int{{3, 3}, {4, 6}, {2, 5}} {
			t.Run(fmt.Sprintf("%v/K=%d/H=%d", v, KH[0], KH[1]), func(t *testing.T) {
				mix, heads := kSetup(t, KH[0], KH[1], 6, 0.7, 21)
				ev := riskKOrFail(t, mix, theory.Prototype{Variant: v}, OptionsK{Seed: 1, Points: 1024}, heads)
				want := theory.RiskLambdaZero(mix, heads)
				if diff := math.Abs(ev.Risk.Value - want); diff > 4*ev.Risk.SE+1e-12*want {
					t.Errorf("risk %.15g +- %.2g, closed form %.15g", ev.Risk.Value, ev.Risk.SE, want)
				}
				H := float64(len(heads))
				mbar := make([]float64, mix.Dim())
				for _, mu := range heads {
					theory.AddScaled(mbar, 1/H, mu)
				}
				g := make([]float64, mix.Dim())
				for k, c := range mix.Centroids {
					for i := range g {
						g[i] -= 2 / H * mix.Weights[k] * (c[i] - mbar[i])
					}
				}
				for h := range heads {
					for i := range g {
						if diff := math.Abs(ev.Grad[h][i] - g[i]); diff > 4*ev.GradSE[h][i]+1e-12*theory.Norm(g) {
							t.Errorf("grad[%d][%d] %.15g +- %.2g, closed form %.15g", h, i, ev.Grad[h][i], ev.GradSE[h][i], g[i])
						}
					}
				}
			})
		}
	}
}

// TestRiskKEqualHeads checks the rank-deficient case: all heads equal
// (no integral is left, the result is exact up to rounding) and
// two of three heads equal (a one-dimensional integral), against Monte
// Carlo within 4 combined standard errors.
func TestRiskKEqualHeads(t *testing.T) {
	mix, heads := kSetup(t, 3, 3, 4, 1, 2)
	l := theory.Prototype{Variant: theory.Distance, Lambda: 1.5}
	same := [][]float64{heads[0], heads[0], heads[0]}
	ev := riskKOrFail(t, mix, l, OptionsK{}, same)
	want := theory.RiskLambdaZero(mix, same) // all heads equal: T(x) = mu_1
	// Every replicate is the same closed-form value: the only error is
	// the rounding of a few dozen terms (and of the replicate mean).
	if ev.Risk.SE > 1e-13*want || math.Abs(ev.Risk.Value-want) > 1e-13*want {
		t.Errorf("equal heads: risk %.17g +- %v, want %.17g (up to rounding)", ev.Risk.Value, ev.Risk.SE, want)
	}
	two := [][]float64{heads[0], heads[1], append([]float64(nil), heads[0]...)}
	ev = riskKOrFail(t, mix, l, OptionsK{}, two)
	mc, err := RiskMC(mix, l, two, 20000, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range compareWithMC(ev, mc, 4) {
		t.Error(b)
	}
}

// TestRiskKInvariances: rotating the whole configuration, or translating
// it (distance and hardmax variants), leaves the reduced integrals
// unchanged up to rounding (same seed, same reference heads, same
// Gram-Schmidt order), so the risk agrees and the gradient rotates to
// 1e-9 relative (rounding of O(d) inner products, ~1e-15, amplified by the
// softmax at lambda sigma |b| ~ 10: far below 1e-9). Permuting the heads
// changes the basis, so the results agree only statistically: within
// 4 (SE_a + SE_b), which bounds 4 standard deviations of the difference
// whatever the correlation of the two estimates.
func TestRiskKInvariances(t *testing.T) {
	const K, d = 4, 6
	for _, v := range []theory.Variant{theory.Dot, theory.Distance, theory.Hardmax} {
		t.Run(v.String(), func(t *testing.T) {
			mix, heads := kSetup(t, K, K, d, 0.8, 31)
			l := theory.Prototype{Variant: v, Lambda: 2}
			o := OptionsK{Seed: 4, Points: 1024, Randomizations: 8}
			ev := riskKOrFail(t, mix, l, o, heads)
			scale := ev.Risk.Value
			rng := rand.New(rand.NewPCG(8, 8))
			q := kRandomOrthogonal(d, rng)
			shift := []float64{1.5, -2, 0.5, 3, -1, 0.25}
			type transform struct {
				name string
				f    func([]float64) []float64
			}
			tfs := []transform{{"rotation", func(x []float64) []float64 { return kApply(q, x) }}}
			if v != theory.Dot {
				tfs = append(tfs, transform{"translation", func(x []float64) []float64 {
					y := append([]float64(nil), x...)
					theory.AddScaled(y, 1, shift)
					return y
				}})
			}
			for _, tf := range tfs {
				cents := make([][]float64, K)
				th := make([][]float64, K)
				for k := range K {
					cents[k] = tf.f(mix.Centroids[k])
					th[k] = tf.f(heads[k])
				}
				m2, err := theory.NewMixture(mix.Weights, cents, mix.Sigma)
				if err != nil {
					t.Fatal(err)
				}
				ev2 := riskKOrFail(t, m2, l, o, th)
				if diff := math.Abs(ev2.Risk.Value - ev.Risk.Value); diff > 1e-9*scale {
					t.Errorf("%s: risk %.15g vs %.15g", tf.name, ev2.Risk.Value, ev.Risk.Value)
				}
				for h := range K {
					want := ev.Grad[h]
					if tf.name == "rotation" {
						want = kApply(q, want)
					}
					for i := range d {
						if diff := math.Abs(ev2.Grad[h][i] - want[i]); diff > 1e-9*scale {
							t.Errorf("%s: grad[%d][%d] %.15g vs %.15g", tf.name, h, i, ev2.Grad[h][i], want[i])
						}
					}
				}
			}
			perm := []int{2, 0, 3, 1}
			ph := make([][]float64, K)
			for h := range K {
				ph[h] = heads[perm[h]]
			}
			ev3 := riskKOrFail(t, mix, l, o, ph)
			if diff := math.Abs(ev3.Risk.Value - ev.Risk.Value); diff > 4*(ev.Risk.SE+ev3.Risk.SE) {
				t.Errorf("permutation: risk %.12g +- %.2g vs %.12g +- %.2g", ev3.Risk.Value, ev3.Risk.SE, ev.Risk.Value, ev.Risk.SE)
			}
			for h := range K {
				for i := range d {
					a, b := ev3.Grad[h][i], ev.Grad[perm[h]][i]
					if diff := math.Abs(a - b); diff > 4*(ev3.GradSE[h][i]+ev.GradSE[perm[h]][i]) {
						t.Errorf("permutation: grad[%d][%d] %.10g vs %.10g", h, i, a, b)
					}
				}
			}
		})
	}
}

// bruteForce2D integrates the risk and gradient of a d = 2 configuration
// by the trapezoid rule on [-L, L]^2 in the standardized variable z of
// each component, step hstep. For a Gaussian times an analytic integrand
// the trapezoid error decays like exp(-2 pi a / hstep) (a the half-width
// of the strip of analyticity, about 1/(lambda sigma |b|) for the
// softmax), and the truncation at L = 9 loses a mass below 1e-17.
func bruteForce2D(mix theory.Mixture, l theory.Prototype, heads [][]float64, hstep float64) (float64, [][]float64) {
	const L = 9.0
	n := int(math.Round(L / hstep))
	risk := 0.0
	grad := [][]float64{make([]float64, 2), make([]float64, 2), make([]float64, 2)}
	g := [][]float64{make([]float64, 2), make([]float64, 2), make([]float64, 2)}
	x := make([]float64, 2)
	for k, c := range mix.Centroids {
		for i := -n; i <= n; i++ {
			for j := -n; j <= n; j++ {
				z1, z2 := float64(i)*hstep, float64(j)*hstep
				w := mix.Weights[k] * hstep * hstep * math.Exp(-(z1*z1+z2*z2)/2) / (2 * math.Pi)
				x[0], x[1] = c[0]+mix.Sigma*z1, c[1]+mix.Sigma*z2
				risk += w * l.LossGrad(x, heads, g)
				for h := range g {
					theory.AddScaled(grad[h], w, g[h])
				}
			}
		}
	}
	return risk, grad
}

// TestRiskKBruteForce2D compares K = 3 heads and components in d = 2 at
// moderate lambda with the 2-D trapezoid reference (whose own error is
// measured by halving the step and is below 1e-10): agreement within
// 4 standard errors plus that difference.
func TestRiskKBruteForce2D(t *testing.T) {
	cents := [][]float64{{2, 0}, {-1, 1.8}, {-1.2, -1.5}}
	mix, err := theory.NewMixture([]float64{0.3, 0.3, 0.4}, cents, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	heads := [][]float64{{1.7, 0.3}, {-0.8, 1.5}, {-1.5, -1.1}}
	for _, v := range []theory.Variant{theory.Distance, theory.Dot} {
		t.Run(v.String(), func(t *testing.T) {
			l := theory.Prototype{Variant: v, Lambda: 1}
			r1, g1 := bruteForce2D(mix, l, heads, 0.1)
			r2, g2 := bruteForce2D(mix, l, heads, 0.2)
			refErr := math.Abs(r1 - r2)
			for h := range g1 {
				for i := range g1[h] {
					refErr = math.Max(refErr, math.Abs(g1[h][i]-g2[h][i]))
				}
			}
			if refErr > 1e-10 {
				t.Fatalf("trapezoid reference not converged: step halving moves it by %.2g", refErr)
			}
			ev := riskKOrFail(t, mix, l, OptionsK{Seed: 12}, heads)
			if diff := math.Abs(ev.Risk.Value - r1); diff > 4*ev.Risk.SE+refErr {
				t.Errorf("risk %.14g +- %.2g vs trapezoid %.14g", ev.Risk.Value, ev.Risk.SE, r1)
			}
			for h := range g1 {
				for i := range g1[h] {
					if diff := math.Abs(ev.Grad[h][i] - g1[h][i]); diff > 4*ev.GradSE[h][i]+refErr {
						t.Errorf("grad[%d][%d] %.12g +- %.2g vs trapezoid %.12g", h, i, ev.Grad[h][i], ev.GradSE[h][i], g1[h][i])
					}
				}
			}
			t.Logf("risk %.14g +- %.2g, trapezoid %.14g (step error %.1g)", ev.Risk.Value, ev.Risk.SE, r1, refErr)
		})
	}
}

// TestRiskKMisclassification: two components with equal weights and the
// heads at the centroids; the largest score (distance or hardmax) picks
// the nearest head, the Bayes rule, whose error is Phi(-delta/sigma).
// Within 4 standard errors.
func TestRiskKMisclassification(t *testing.T) {
	mix, _ := kSetup(t, 2, 2, 3, 1, 41)
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, mix.Centroids, 1.3)
	if err != nil {
		t.Fatal(err)
	}
	p, err := mix.Pair()
	if err != nil {
		t.Fatal(err)
	}
	want := p.BayesError(mix.Sigma)
	for _, v := range []theory.Variant{theory.Distance, theory.Hardmax} {
		r, err := NewRiskK(mix, theory.Prototype{Variant: v, Lambda: 3}, OptionsK{Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Misclassification(mix.Centroids)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got.Value-want) > 4*got.SE {
			t.Errorf("%v: misclassification %.10g +- %.2g, Bayes error %.10g", v, got.Value, got.SE, want)
		}
	}
	r, err := NewRiskK(mix, theory.Prototype{Variant: theory.Hardmax}, OptionsK{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Misclassification(append(theory.Clone(mix.Centroids), mix.Centroids[0])); err == nil {
		t.Error("three heads for two components: want an error")
	}
}

// TestLloydPopulation: for two equal-weight components the population
// Lloyd iteration (deterministic planar path) converges to the
// centroid-aligned hardmax critical point of closed form (docs/MODEL.md
// §5.2): the distance is within twice the iteration's own a-posteriori
// estimate (last step times rho / (1 - rho)), plus the closed form's
// rounding (1e-14 of the heads' size). For three components the
// deterministic and the randomized paths reach the same fixed point within
// 4 times the randomized step error plus both distance estimates, and the
// randomized path's final gradient is consistent with its last step.
func TestLloydPopulation(t *testing.T) {
	mix, _ := kSetup(t, 2, 2, 3, 1, 43)
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, mix.Centroids, 1.2)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := theory.HardmaxCritical(mix)
	if err != nil {
		t.Fatal(err)
	}
	start := theory.Clone(mix.Centroids)
	start[0][0] += 0.5
	start[1][1] -= 0.4
	res, err := LloydPopulation(mix, start, OptionsK{}, LloydOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Converged || res.Certified == nil {
		t.Fatalf("not converged on the deterministic path after %d iterations (step %.2g)", res.Iterations, res.LastStep)
	}
	dist := math.Hypot(theory.Dist(res.Heads[0], want[0]), theory.Dist(res.Heads[1], want[1]))
	if dist > 2*res.DistanceBound+1e-14*(theory.Norm(want[0])+theory.Norm(want[1])) {
		t.Errorf("fixed point %v is %.2g from the closed form %v (estimate %.2g)", res.Heads, dist, want, res.DistanceBound)
	}
	t.Logf("K=2: %d iterations, contraction %.3g, distance to closed form %.2g (estimate %.2g)", res.Iterations, res.Contraction, dist, res.DistanceBound)

	mix3, heads3 := kSetup(t, 3, 3, 4, 0.8, 44)
	det, err := LloydPopulation(mix3, heads3, OptionsK{}, LloydOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err = LloydPopulation(mix3, heads3, OptionsK{Seed: 6, Points: 1024, Randomizations: 16}, LloydOptions{Statistical: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Converged || len(res.Dead) > 0 || !det.Converged || len(det.Dead) > 0 {
		t.Fatalf("K=3: converged %v/%v after %d/%d iterations, dead heads %v/%v", det.Converged, res.Converged, det.Iterations, res.Iterations, det.Dead, res.Dead)
	}
	dist = 0
	for h := range det.Heads {
		dist += math.Pow(theory.Dist(det.Heads[h], res.Heads[h]), 2)
	}
	dist = math.Sqrt(dist)
	if dist > 4*res.StepSE+res.LastStep+res.DistanceBound+det.DistanceBound {
		t.Errorf("K=3: deterministic and randomized fixed points %.3g apart (randomized step error %.2g, last step %.2g)", dist, res.StepSE, res.LastStep)
	}
	for h := range res.Heads {
		for i, g := range res.Eval.Grad[h] {
			if math.Abs(g) > 4*res.Eval.GradSE[h][i]+2*res.Eval.Mass[h]*res.LastStep {
				t.Errorf("K=3: gradient entry [%d][%d] = %.3g +- %.2g at the fixed point", h, i, g, res.Eval.GradSE[h][i])
			}
		}
	}
	t.Logf("K=3: deterministic %d iterations (contraction %.3g), randomized %d; fixed points %.2g apart (randomized step error %.2g)", det.Iterations, det.Contraction, res.Iterations, dist, res.StepSE)
}

// TestRiskKDeterministic: results depend on the seed only, not on the
// number of goroutines.
func TestRiskKDeterministic(t *testing.T) {
	mix, heads := kSetup(t, 3, 4, 5, 1, 3)
	r, err := NewRiskK(mix, theory.Prototype{Variant: theory.Distance, Lambda: 1}, OptionsK{Seed: 7, Points: 256, Randomizations: 6})
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.eval(heads, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.eval(heads, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("1 vs 3 workers (-+):\n%s", diff)
	}
}

// TestSobolNet checks the net property of the point sets: the first 2^p
// points of every coordinate hit each interval [i/2^p, (i+1)/2^p) exactly
// once, and every pair of coordinates hits each box of a 2^a x 2^b grid
// (a + b = p - t) the same number of times for the quality parameter t of
// the pair; scrambling preserves both. A wrong direction number breaks the
// second property. For Sobol coordinates built on primitive polynomials
// of degrees e_1, e_2 (degree 1 for the first coordinate) the pair is a
// (t, 2)-net with t <= (e_1 - 1) + (e_2 - 1) (Niederreiter), the bound
// checked here.
func TestSobolNet(t *testing.T) {
	const p = 10
	n := 1 << p
	base := sobolDirections(sobolMaxDim)
	deg := []int{1}
	for _, row := range sobolPoly {
		deg = append(deg, int(row.s))
	}
	for _, scr := range []bool{false, true} {
		dirs, shift := base, make([]uint32, len(base))
		if scr {
			sc := newScrambledSobol(base, rand.New(rand.NewPCG(1, 2)))
			dirs, shift = sc.dirs, sc.shift
		}
		pts := make([][]uint32, n)
		x := append([]uint32(nil), shift...)
		for i := range n {
			if i > 0 {
				c := bitsTrailing(i)
				for j := range x {
					x[j] ^= dirs[j][c]
				}
			}
			pts[i] = append([]uint32(nil), x...)
		}
		for j := range base {
			seen := make([]int, n)
			for _, pt := range pts {
				seen[pt[j]>>(32-p)]++
			}
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("scrambled=%v: coordinate %d: interval %d hit %d times", scr, j, i, c)
				}
			}
		}
		for j1 := range base {
			for j2 := j1 + 1; j2 < len(base); j2++ {
				tq := deg[j1] + deg[j2] - 2
				for a := 0; a <= p-tq; a++ {
					b := p - tq - a
					cnt := make(map[[2]uint32]int)
					for _, pt := range pts {
						cnt[[2]uint32{pt[j1] >> (32 - a), pt[j2] >> (32 - b)}]++
					}
					for box, c := range cnt {
						if c != 1<<tq || len(cnt) != 1<<(p-tq) {
							t.Fatalf("scrambled=%v: coordinates %d,%d: box %v of the %d x %d grid hit %d times", scr, j1, j2, box, 1<<a, 1<<b, c)
						}
					}
				}
			}
		}
	}
}

func bitsTrailing(i int) int {
	c := 0
	for i&1 == 0 {
		i >>= 1
		c++
	}
	return c
}

// TestRiskKErrors: invalid inputs are errors, never panics.
func TestRiskKErrors(t *testing.T) {
	mix, heads := kSetup(t, 3, 3, 2, 1, 1)
	l := theory.Prototype{Variant: theory.Distance, Lambda: 1}
	for _, tc := range []struct {
		name string
		o    OptionsK
		l    theory.Prototype
	}{
		{"points not a power of two", OptionsK{Points: 1000}, l},
		{"too few points", OptionsK{Points: 8}, l},
		{"one randomization", OptionsK{Randomizations: 1}, l},
		{"level 1", OptionsK{Level: 1}, l},
		{"negative lambda", OptionsK{}, theory.Prototype{Variant: theory.Distance, Lambda: -1}},
	} {
		if _, err := NewRiskK(mix, tc.l, tc.o); err == nil {
			t.Errorf("%s: want an error", tc.name)
		}
	}
	if _, err := NewRiskK(theory.Mixture{}, l, OptionsK{}); err == nil {
		t.Error("zero mixture: want an error")
	}
	r, err := NewRiskK(mix, l, OptionsK{Points: 16, Randomizations: 2})
	if err != nil {
		t.Fatal(err)
	}
	many := make([][]float64, MaxHeadsK+1)
	for h := range many {
		many[h] = []float64{float64(h), 0}
	}
	for _, tc := range []struct {
		name  string
		heads [][]float64
	}{
		{"no heads", nil},
		{"wrong length", [][]float64{{1, 2, 3}}},
		{"NaN", [][]float64{{math.NaN(), 0}, heads[1]}},
		{"too many heads", many},
	} {
		if _, err := r.Eval(tc.heads); err == nil {
			t.Errorf("%s: want an error", tc.name)
		}
	}
	steep, err := NewRiskK(mix, theory.Prototype{Variant: theory.Distance, Lambda: 1e4}, OptionsK{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := steep.Eval(heads); err == nil {
		t.Error("lambda = 1e4 with the default rule: want an error (transition layers too thin)")
	}
	forced, err := NewRiskK(mix, theory.Prototype{Variant: theory.Distance, Lambda: 1e4}, OptionsK{Points: 64, Randomizations: 2})
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := forced.Eval(heads); err != nil || !(ev.LayerPoints < 1) {
		t.Errorf("lambda = 1e4 with 64 points: want a value reporting under one point per layer, got %v points per layer, error %v", ev.LayerPoints, err)
	}
	if _, err := LloydPopulation(mix, heads, OptionsK{}, LloydOptions{Tol: -1}); err == nil {
		t.Error("negative tolerance: want an error")
	}
}

// agreesWithRQMC checks a deterministic evaluation got against the
// randomized rule's ev: the risk and every gradient entry within 4
// standard errors plus got's own error figure (the same 4-SE level as the
// Monte Carlo cross-checks).
func agreesWithRQMC(t *testing.T, got theory.Eval, ev EvalK) {
	t.Helper()
	if diff := math.Abs(got.Risk - ev.Risk.Value); diff > 4*ev.Risk.SE+got.RiskErr {
		t.Errorf("risk %.15g +- %.2g vs quasi-Monte Carlo %.15g +- %.2g", got.Risk, got.RiskErr, ev.Risk.Value, ev.Risk.SE)
	}
	for h := range got.Grad {
		for i := range got.Grad[h] {
			if diff := math.Abs(got.Grad[h][i] - ev.Grad[h][i]); diff > 4*ev.GradSE[h][i]+got.GradErr {
				t.Errorf("grad[%d][%d] %.12g vs quasi-Monte Carlo %.12g +- %.2g", h, i, got.Grad[h][i], ev.Grad[h][i], ev.GradSE[h][i])
			}
		}
	}
}
