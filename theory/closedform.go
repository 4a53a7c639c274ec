package theory

import (
	"fmt"
	"math"
)

// RiskLambdaZero returns the population risk when every head receives the
// same attention weight (lambda = 0 in the softmax variants): the output
// is the mean of the heads, mbar, and
//
//	R = sum_k pi_k ||mu*_k - mbar||^2 + d sigma^2.
func RiskLambdaZero(mix Mixture, heads [][]float64) float64 {
	d := mix.Dim()
	mbar := make([]float64, d)
	for _, mu := range heads {
		AddScaled(mbar, 1/float64(len(heads)), mu)
	}
	r := float64(d) * mix.Sigma * mix.Sigma
	for k, c := range mix.Centroids {
		r += mix.Weights[k] * sqDist(c, mbar)
	}
	return r
}

// HardmaxBeta returns beta = E[s | s > 0] for s ~ N(delta, sigma^2):
//
//	beta = delta (2 Phi(delta/sigma) - 1) + 2 sigma phi(delta/sigma),
//
// the half-distance between the heads at the centroid-aligned critical
// point of the hardmax risk (docs/MODEL.md §5.2). It is written as
// delta (1 - 2 Q) + 2 sigma phi with Q = Phi(-delta/sigma) so that it keeps
// full accuracy; beta - delta = 2 sigma phi - 2 delta Q > 0 is returned
// separately by HardmaxBias without cancellation.
func HardmaxBeta(delta, sigma float64) float64 {
	return delta + HardmaxBias(delta, sigma)
}

// HardmaxBias returns beta - delta = 2 sigma phi(delta/sigma) - 2 delta
// Phi(-delta/sigma) >= 0, the distance from each head of the hardmax
// critical point to its centroid. For delta/sigma > 5 it uses the
// continued-fraction form of the Mills ratio to avoid cancellation.
func HardmaxBias(delta, sigma float64) float64 {
	x := delta / sigma
	if x <= 5 {
		return 2 * sigma * (NormalPDF(x) - x*NormalQ(x))
	}
	// phi(x) - x Q(x) = phi(x) (1 - x M(x)) with the Mills ratio
	// M(x) = Q(x)/phi(x) = 1/(x + 1/(x + 2/(x + 3/(x + ...)))). For x > 5,
	// 60 levels converge to machine precision.
	// With tail = x + 2/(x + 3/(x + ...)), M = 1/(x + 1/tail) and
	// 1 - x M = (1/tail)/(x + 1/tail), free of cancellation.
	tail := x
	for n := 60; n >= 2; n-- {
		tail = x + float64(n)/tail
	}
	inv := 1 / tail
	return 2 * sigma * NormalPDF(x) * inv / (x + inv)
}

// HardmaxCritical returns the centroid-aligned critical point of the
// hardmax risk of a two-component mixture with equal weights (docs/MODEL.md §5.2):
// mu^_1 = m* + beta u, mu^_2 = m* - beta u, and the risk there,
// delta^2 + d sigma^2 - beta^2. It returns an error unless K = 2, the
// weights are equal, and delta > 0.
func HardmaxCritical(mix Mixture) (heads [][]float64, risk float64, err error) {
	p, err := mix.Pair()
	if err != nil {
		return nil, 0, err
	}
	if math.Abs(mix.Weights[0]-mix.Weights[1]) > 2*WeightSumTol {
		return nil, 0, fmt.Errorf("hardmax closed form needs equal weights, got %v", mix.Weights)
	}
	if p.Delta == 0 {
		return nil, 0, fmt.Errorf("hardmax closed form needs distinct centroids")
	}
	s := mix.Sigma
	bias := HardmaxBias(p.Delta, s)
	beta := p.Delta + bias
	h1 := append([]float64(nil), p.Mid...)
	h2 := append([]float64(nil), p.Mid...)
	AddScaled(h1, beta, p.U)
	AddScaled(h2, -beta, p.U)
	d := float64(mix.Dim())
	// delta^2 - beta^2 = -(beta - delta)(beta + delta), no cancellation.
	risk = d*s*s - bias*(beta+p.Delta)
	return [][]float64{h1, h2}, risk, nil
}
