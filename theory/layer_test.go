package theory

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

// drawVec draws a vector of length d with entries in [-r, r].
func drawVec(t *rapid.T, d int, r float64, label string) []float64 {
	return rapid.SliceOfN(rapid.Float64Range(-r, r), d, d).Draw(t, label)
}

// drawHeads draws k vectors of length d with entries in [-r, r].
func drawHeads(t *rapid.T, k, d int, r float64, label string) [][]float64 {
	hs := make([][]float64, k)
	for h := range hs {
		hs[h] = drawVec(t, d, r, label)
	}
	return hs
}

// TestLossGradFiniteDifference checks the analytic LossGrad of the softmax
// variants against central finite differences of Loss at random points.
func TestLossGradFiniteDifference(t *testing.T) {
	for _, v := range []Variant{Dot, Distance} {
		t.Run(v.String(), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				d := rapid.IntRange(1, 4).Draw(t, "d")
				k := rapid.IntRange(1, 3).Draw(t, "K")
				// Entries in [-2, 2] and lambda in [0, 2] keep scores
				// below 2*16*... = O(30), so the loss's third derivative
				// stays O(1e4) and the finite difference stays accurate.
				lambda := rapid.Float64Range(0, 2).Draw(t, "lambda")
				x := drawVec(t, d, 2, "x")
				heads := drawHeads(t, k, d, 2, "mu")
				l := Prototype{Variant: v, Lambda: lambda}

				grad := make([][]float64, k)
				for h := range grad {
					grad[h] = make([]float64, d)
				}
				loss := l.LossGrad(x, heads, grad)
				// LossGrad's returned loss must be the same as Loss's;
				// both are one evaluation of the same formula, so only
				// rounding (a few ulps of the loss) separates them.
				if want := l.Loss(x, heads); math.Abs(loss-want) > 1e-13*(1+want) {
					t.Fatalf("LossGrad loss %v, Loss %v", loss, want)
				}
				const step = 1e-6
				for h := range heads {
					for i := range heads[h] {
						p := Clone(heads)
						m := Clone(heads)
						p[h][i] += step
						m[h][i] -= step
						fd := (l.Loss(x, p) - l.Loss(x, m)) / (2 * step)
						// Truncation error step^2/6 |f'''| <= 1e-12/6 * 1e4
						// and rounding error eps |f| / step <= 1e-16 * 64 / 1e-6;
						// both are below 1e-8, so 1e-6 (1 + |f|) has a wide
						// margin and still catches any wrong term.
						if tol := 1e-6 * (1 + loss); math.Abs(fd-grad[h][i]) > tol {
							t.Fatalf("dLoss/dmu[%d][%d]: analytic %v, finite difference %v (tol %v)", h, i, grad[h][i], fd, tol)
						}
					}
				}
			})
		})
	}
}

// TestSoftmaxHugeScores checks that probabilities, outputs, losses and
// gradients stay finite when scores are of order 1e14 (lambda = 1e8,
// |x| = 1e3), where a naive exp would overflow.
func TestSoftmaxHugeScores(t *testing.T) {
	x := []float64{1e3, 0, 0}
	heads := [][]float64{{1e3, 1, 0}, {-1e3, 0, 2}, {999, 0, 0}}
	for _, v := range []Variant{Dot, Distance} {
		l := Prototype{Variant: v, Lambda: 1e8}
		p := l.Probs(x, heads)
		for h, ph := range p {
			if math.IsNaN(ph) || ph < 0 || ph > 1 {
				t.Fatalf("%v: p[%d] = %v, want a probability", v, h, ph)
			}
		}
		out := l.Output(x, heads)
		grad := [][]float64{make([]float64, 3), make([]float64, 3), make([]float64, 3)}
		loss := l.LossGrad(x, heads, grad)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			t.Errorf("%v: loss %v", v, loss)
		}
		for _, o := range out {
			if math.IsNaN(o) || math.IsInf(o, 0) {
				t.Errorf("%v: output %v", v, out)
			}
		}
		for _, g := range grad {
			for _, gi := range g {
				if math.IsNaN(gi) || math.IsInf(gi, 0) {
					t.Errorf("%v: gradient %v", v, grad)
				}
			}
		}
	}
	// Identity layer: scores lambda <x_i, x_j> up to 1e14.
	xs := [][]float64{{1e3, 0}, {-1e3, 5}, {999, 1}}
	out := Identity{Lambda: 1e8}.Output(xs, 0)
	for _, o := range out {
		if math.IsNaN(o) || math.IsInf(o, 0) {
			t.Fatalf("identity output %v", out)
		}
	}
	// Scores 1e14, 1e14 - 1e8*(...) ...: token 0 dominates all others by
	// at least 1e8 * 1e3 in score, so the output is token 0 to rounding.
	if diff := cmp.Diff(xs[0], out, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("identity output with dominant self score (-want +got):\n%s", diff)
	}
}

// TestSoftmaxNormalizedAtHugeScores checks that the attention
// probabilities sum to one to working precision when the scores are huge
// and two heads tie (x is at distance 1 from heads 0 and 2, so the
// Distance scores of those heads are equal, about 5e13).
//
// Regression test: softmax computed as exp(s_i - lse) with lse = m +
// log(sum exp(s_j - m)) loses the log(sum) part to the rounding of lse
// (ulp(5e13) ~ 0.008), so the probabilities came out as 0.4989 instead of
// 0.5. Dividing by the sum instead, exp(s_i - m) / sum, keeps them exact.
func TestSoftmaxNormalizedAtHugeScores(t *testing.T) {
	x := []float64{1e3, 0, 0}
	heads := [][]float64{{1e3, 1, 0}, {-1e3, 0, 2}, {999, 0, 0}}
	for _, v := range []Variant{Dot, Distance} {
		p := Prototype{Variant: v, Lambda: 1e8}.Probs(x, heads)
		sum := 0.0
		for _, ph := range p {
			sum += ph
		}
		// A sum of three numbers in [0, 1] each exact to an ulp: a few
		// ulps of 1.
		if math.Abs(sum-1) > 4e-16 {
			t.Errorf("%v: probabilities %v sum to %.17g, want 1 (softmax through exp(s - lse) loses accuracy when |s| is large)", v, p, sum)
		}
	}
}

// TestHardmaxNearestHead checks that the Hardmax output is the head
// nearest to x, found by brute force.
func TestHardmaxNearestHead(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 5).Draw(t, "d")
		k := rapid.IntRange(1, 4).Draw(t, "K")
		x := drawVec(t, d, 5, "x")
		heads := drawHeads(t, k, d, 5, "mu")
		best, bestD := 0, math.Inf(1)
		for h, mu := range heads {
			if dd := Dist(x, mu); dd < bestD {
				best, bestD = h, dd
			}
		}
		// Skip near-ties, where rounding in the two ways of computing the
		// distance may legitimately pick different heads: the relative
		// rounding of a squared distance is a few ulps, so a relative gap
		// of 1e-9 is ample.
		for h, mu := range heads {
			if h != best && Dist(x, mu)-bestD <= 1e-9*(1+bestD) {
				return
			}
		}
		got := Prototype{Variant: Hardmax}.Output(x, heads)
		// The output is one head times a probability of exactly one,
		// plus zeros: it must equal that head exactly.
		if diff := cmp.Diff(heads[best], got); diff != "" {
			t.Fatalf("hardmax output is not the nearest head %d (-want +got):\n%s", best, diff)
		}
		p := Prototype{Variant: Hardmax}.Probs(x, heads)
		for h, ph := range p {
			want := 0.0
			if h == best {
				want = 1
			}
			if ph != want {
				t.Fatalf("hardmax p[%d] = %v, want %v", h, ph, want)
			}
		}
	})
}

// TestIdentityConvexCombination checks that the identity layer's output
// lies in the convex hull of the tokens: along random directions its
// projection lies between the extreme projections of the tokens, and the
// weights implied at lambda = 0 are uniform.
func TestIdentityConvexCombination(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 4).Draw(t, "d")
		n := rapid.IntRange(1, 6).Draw(t, "L")
		lambda := rapid.Float64Range(0, 10).Draw(t, "lambda")
		xs := drawHeads(t, n, d, 3, "x")
		i := rapid.IntRange(0, n-1).Draw(t, "i")
		out := Identity{Lambda: lambda}.Output(xs, i)
		for trial := 0; trial < 4; trial++ {
			v := drawVec(t, d, 1, "direction")
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, x := range xs {
				p := Inner(x, v)
				lo, hi = math.Min(lo, p), math.Max(hi, p)
			}
			p := Inner(out, v)
			// Rounding of a convex combination of numbers of size at
			// most 3*sqrt(4)*... <= 12: a few ulps of 12 is below 1e-13.
			if p < lo-1e-12 || p > hi+1e-12 {
				t.Fatalf("projection %v of the output outside the tokens' range [%v, %v]", p, lo, hi)
			}
		}
	})
}

// TestIdentityLambdaZeroMean checks that at lambda = 0 the identity layer
// outputs the plain mean of the tokens.
func TestIdentityLambdaZeroMean(t *testing.T) {
	xs := [][]float64{{1, 2}, {3, -4}, {0.5, 7}, {-2, 0}}
	want := []float64{0.625, 1.25}
	got := Identity{Lambda: 0}.Output(xs, 2)
	// A mean of four short decimals: rounding only.
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("identity output at lambda=0 (-want +got):\n%s", diff)
	}
}

// TestPrototypeLambdaZeroMean checks that at lambda = 0 both softmax
// variants output the mean of the heads whatever the query, and that the
// loss matches that output.
func TestPrototypeLambdaZeroMean(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 5).Draw(t, "d")
		k := rapid.IntRange(1, 4).Draw(t, "K")
		x := drawVec(t, d, 10, "x")
		heads := drawHeads(t, k, d, 10, "mu")
		mean := make([]float64, d)
		for _, mu := range heads {
			AddScaled(mean, 1/float64(k), mu)
		}
		for _, v := range []Variant{Dot, Distance} {
			l := Prototype{Variant: v, Lambda: 0}
			got := l.Output(x, heads)
			// Weights are exp(0 - log K) = 1/K up to an ulp, applied to
			// entries of size <= 10: absolute error below 1e-13.
			if diff := cmp.Diff(mean, got, cmpopts.EquateApprox(0, 1e-13)); diff != "" {
				t.Fatalf("%v: output at lambda=0 is not the mean of the heads (-want +got):\n%s", v, diff)
			}
			want := 0.0
			for i := range x {
				want += (x[i] - mean[i]) * (x[i] - mean[i])
			}
			// Loss of size up to 5*400; relative rounding of a sum of
			// squares of slightly perturbed terms.
			if diff := cmp.Diff(want, l.Loss(x, heads), cmpopts.EquateApprox(1e-12, 1e-12)); diff != "" {
				t.Fatalf("%v: loss at lambda=0 (-want +got):\n%s", v, diff)
			}
		}
	})
}

// TestLayerInvariances checks two exact symmetries of the pointwise loss:
// permuting the heads leaves it unchanged, and for Distance and Hardmax a
// common translation of the query and the heads leaves it unchanged.
func TestLayerInvariances(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 4).Draw(t, "d")
		lambda := rapid.Float64Range(0, 3).Draw(t, "lambda")
		x := drawVec(t, d, 3, "x")
		heads := drawHeads(t, 2, d, 3, "mu")
		shift := drawVec(t, d, 3, "shift")
		swapped := [][]float64{heads[1], heads[0]}
		for _, v := range []Variant{Dot, Distance, Hardmax} {
			l := Prototype{Variant: v, Lambda: lambda}
			a, b := l.Loss(x, heads), l.Loss(x, swapped)
			// Hardmax ties go to the lowest index, which a swap changes;
			// the loss is continuous there, so both agree anyway. The
			// tolerance covers the rounding of a sum of O(1) terms in a
			// different order.
			if math.Abs(a-b) > 1e-12*(1+a) {
				t.Fatalf("%v: loss %v changes to %v when heads are swapped", v, a, b)
			}
			if v == Dot {
				continue
			}
			xs := append([]float64(nil), x...)
			AddScaled(xs, 1, shift)
			hs := Clone(heads)
			for _, mu := range hs {
				AddScaled(mu, 1, shift)
			}
			c := l.Loss(xs, hs)
			// Scores change by a common constant lambda(<x,s>+...) of
			// size <= 3*36, whose rounding perturbs the probabilities by
			// ~1e-14 relative; the loss is O(100).
			if math.Abs(a-c) > 1e-10*(1+a) {
				t.Fatalf("%v: loss %v changes to %v under a common translation", v, a, c)
			}
		}
	})
}
