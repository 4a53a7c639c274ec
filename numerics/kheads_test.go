package numerics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

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
	samples := 40000
	if testing.Short() {
		samples = 10000
	}
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
				ev := riskKOrFail(t, mix, l, OptionsK{Seed: 9}, heads)
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
