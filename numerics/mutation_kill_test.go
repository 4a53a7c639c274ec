package numerics

// Tests written to kill mutants that survived the sampled mutation run
// (internal/mutsample; fixtures/equivalent_mutants.md). Each checks a
// documented behaviour that the mutant breaks.

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/mat"

	"attnclust/theory"
)

// TestDrawSampleStreamPerChunk checks DrawSample's documented streams:
// token i comes from rand.NewPCG(seed, 3<<32 | i/1024), so the first token
// of each chunk is the first draw of a fresh stream. A sampler that kept
// one stream for every token (empirical.go's i%sampleChunk mutated to
// i*sampleChunk) still nests samples across n but breaks this contract.
// Equality is exact: the same generator and the same arithmetic.
func TestDrawSampleStreamPerChunk(t *testing.T) {
	mix := testMix(t, 0.4)
	const seed = 42
	s, err := DrawSample(mix, 2*sampleChunk+1, seed)
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range 3 {
		rng := rand.New(rand.NewPCG(seed, sampleStreamTag<<32|uint64(chunk)))
		x, z := mix.Sample(nil, rng.NormFloat64, rng.Float64)
		i := chunk * sampleChunk
		if diff := cmp.Diff(x, s.X[i]); diff != "" || z != s.Z[i] {
			t.Errorf("token %d (first of chunk %d): component %d, want %d; point (-stream +sample):\n%s", i, chunk, s.Z[i], z, diff)
		}
	}
}

// TestNormalMass checks P(lo < Z < hi) on every branch of normalMass,
// including an interval that straddles 0 with both ends finite (the
// branch the planar Hardmax cells reach only when a cell is bounded on
// both sides: a sign flipped there went unnoticed). The reference is
// (erf(hi/sqrt 2) - erf(lo/sqrt 2))/2, an independent formula; tol: both
// are accurate to a few ulps of the mass for these moderate arguments,
// and a wrong sign or tail would be off by at least Q(1) = 0.16.
func TestNormalMass(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct{ lo, hi float64 }{
		{-1, 1}, {-1.96, 1.96}, {-0.5, 2}, {-3, 0.25}, // straddle 0
		{0.5, 2}, {0, 1}, {1, inf}, // right of 0
		{-2, -0.5}, {-1, 0}, {-inf, -1}, // left of 0
		{-inf, 1}, {-1, inf}, {-inf, inf}, // one or no finite end
	}
	const tol = 1e-14
	for _, tc := range tests {
		want := (math.Erf(tc.hi/math.Sqrt2) - math.Erf(tc.lo/math.Sqrt2)) / 2
		if got := normalMass(tc.lo, tc.hi); math.Abs(got-want) > tol {
			t.Errorf("normalMass(%g, %g) = %.17g, want %.17g", tc.lo, tc.hi, got, want)
		}
	}
}

// TestTrimNegligibleKeepsOnePanel checks trimNegligible's documented floor:
// it drops negligible end panels but always keeps at least one panel (two
// breaks), even when every panel is negligible (a scale so large that any
// bound passes); with a zero scale nothing is negligible and the mesh is
// unchanged. A trimming loop that ran down to a single break would leave
// the integration with an empty mesh.
func TestTrimNegligibleKeepsOnePanel(t *testing.T) {
	c := cparams{beta: 1, s: 1, a2: 1, pbar: 0.5}
	g := stepIntegrand{c: c, kappa: 10, o: 0, dz: 0, ab: math.Abs(c.beta), pa2: c.pbar * c.a2}
	mesh := []float64{-2, -1, 0, 1, 2}
	for _, tc := range []struct {
		scale float64
		want  int // breaks left
	}{{1e300, 2}, {0, len(mesh)}} {
		var scale, skipped [nMom]float64
		for i := range scale {
			scale[i] = tc.scale
		}
		got := g.trimNegligible(append([]float64(nil), mesh...), &scale, &skipped)
		if len(got) != tc.want {
			t.Errorf("scale %g: %d breaks left %v, want %d", tc.scale, len(got), got, tc.want)
		}
	}
}

// funcPanel is a panelIntegrand built from nVec scalar functions.
type funcPanel [nVec]func(z float64) float64

func (f *funcPanel) panel(c, h float64, fv *panelVals) {
	for i, fi := range f {
		fv.c[i] = fi(c)
		for j := range nPairs {
			x := h * gk21.x[j]
			fv.lo[j][i], fv.hi[j][i] = fi(c-x), fi(c+x)
		}
	}
}

// TestApplyPanelMatchesIntegrateVecRule checks panel.go's documented
// contract: applyPanel does the arithmetic of gkRule.apply (the rule of
// IntegrateVec), so the values, QUADPACK error estimates and integrals of
// |f| agree. The integrands have endpoint singularities or kinks, so that
// the error estimate comes from the QUADPACK heuristic (not from the
// 50 eps floor), which any slip in the integral of |f - mean| changes by
// a factor of order 1. tol: the two loops sum the same terms in different
// orders (a few ulps of each sum, 1e-13 relative with margin for the
// values); the estimate (200 e/resasc)^1.5 resasc amplifies the rounding
// of the difference e of the two rules, a few ulps of the integral of
// |f|, by 1.5: the error tolerance is 1e-12 plus 16 eps times that
// integral over e (below 1e-9 here, where e is 1e-6 to 1e-3 of it).
func TestApplyPanelMatchesIntegrateVecRule(t *testing.T) {
	f := awkwardMoments()
	for i := nMom; i < nVec; i++ {
		f[i] = func(z float64) float64 { return z * z }
	}
	const tol = 1e-13
	for _, ab := range [][2]float64{{0, 1}} {
		iv := momInterval{a: ab[0], b: ab[1]}
		var fv panelVals
		applyPanel(&f, &iv, &fv)
		want := gkInterval{a: ab[0], b: ab[1]}
		var sc gkScratch
		gk21Rule.apply(func(z float64, out []float64) {
			for i := range out {
				out[i] = f[i](z)
			}
		}, nVec, &want, &sc)
		for i := range nVec {
			if !relClose(iv.val[i], want.val[i], tol) {
				t.Errorf("[%g, %g] component %d: value %.17g, IntegrateVec's rule %.17g", ab[0], ab[1], i, iv.val[i], want.val[i])
			}
		}
		for i := range nMom {
			errTol := 1e-12 + 16*epsilon*want.abs[i]/want.err[i]
			if !relClose(iv.err[i], want.err[i], errTol) || !relClose(iv.abs[i], want.abs[i], tol) {
				t.Errorf("[%g, %g] component %d: error %.17g and |f| integral %.17g, IntegrateVec's rule %.17g and %.17g",
					ab[0], ab[1], i, iv.err[i], iv.abs[i], want.err[i], want.abs[i])
			}
			if want.err[i] <= 50*epsilon*want.abs[i] {
				t.Errorf("[%g, %g] component %d: error estimate at the rounding floor; the integrand does not exercise the heuristic", ab[0], ab[1], i)
			}
		}
	}
}

func relClose(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

// TestSGDBatchOfOne checks that a minibatch of one token, the smallest
// valid batch (plain stochastic gradient descent), is accepted by SGD and
// by SGDStationaryMSE, and that batch 0 is refused by the latter (SGD
// maps 0 to its default). For B = 1 and 1x1 matrices the stationary MSE
// is the scalar AR(1) variance eta^2 s / (1 - (1 - eta h)^2) (the
// formula in SGDStationaryMSE's doc comment); tol: a few roundings of a
// four-operation formula.
func TestSGDBatchOfOne(t *testing.T) {
	m := testMix(t, 0.5)
	l := theory.Prototype{Variant: theory.Dot, Lambda: 1}
	s, err := DrawSample(m, 50, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SGD(l, s, m.Centroids, SGDOptions{Batch: 1, Steps: 20, Step: 0.05, Seed: 1}); err != nil {
		t.Errorf("SGD with batch 1: %v", err)
	}
	H := mat.NewSymDense(1, []float64{2})
	S := mat.NewSymDense(1, []float64{3})
	got, err := SGDStationaryMSE(H, S, 0.1, 1)
	if err != nil {
		t.Fatalf("SGDStationaryMSE with batch 1: %v", err)
	}
	want := 0.01 * 3 / (1 - 0.8*0.8)
	if math.Abs(got-want) > 1e-14*want {
		t.Errorf("SGDStationaryMSE batch 1: got %.17g, want %.17g", got, want)
	}
	if _, err := SGDStationaryMSE(H, S, 0.1, 0); err == nil {
		t.Error("SGDStationaryMSE accepted batch 0")
	}
}

// awkwardMoments returns a panel whose nMom moments are integrands that
// are hard for Gauss-Kronrod on [0, 1] (endpoint singularities of the
// derivative, a kink at 0.3, a narrow peak at 0.6, a near-logarithmic
// singularity at 0), each with a closed-form integral; the other entries
// are nil, for the caller to set.
func awkwardMoments() funcPanel {
	return funcPanel{
		func(z float64) float64 { return math.Sqrt(z) },
		func(z float64) float64 { return -math.Sqrt(1 - z) },
		func(z float64) float64 { return math.Abs(z - 0.3) },
		func(z float64) float64 { return 1 / (1 + 400*(z-0.6)*(z-0.6)) },
		func(z float64) float64 { return math.Pow(z, 0.25) - 0.4 },
		func(z float64) float64 { return math.Log(z + 1e-3) },
	}
}
