package numerics

import (
	"fmt"
	"math"

	"attnclust/theory"
)

// QuantInf returns the L -> infinity in-context quantization error
// Q_inf = E ||out_inf(x) - mu*_z||^2 of the identity layer with score
// scale lambda >= 0 on a two-component mixture (docs/MODEL.md §6), where
// out_inf(x) = sum_j w_j(x) mu*_j + lambda sigma^2 x is the exponentially
// tilted mean and w_j(x) is proportional to pi_j exp(lambda <x, mu*_j>).
// Err is a certified bound (quadrature, truncation and assembly rounding).
//
// Per component k the error is expanded around the reference centroid r
// that out_inf favours at mu*_k (the other centroid o has weight <= 1/2
// there), so that the terms stay small:
//
//	e = c + lambda sigma^3 xi + w_o v,  c = mu*_r - mu*_k + lambda sigma^2 mu*_k,
//	v = mu*_o - mu*_r, t = <x, v> ~ N(<mu*_k, v>, sigma^2 ||v||^2),
//	w_o = sigmoid(lambda t + log(pi_o/pi_r)),
//	E||e||^2 = ||c||^2 + lambda^2 sigma^6 d
//	           + E[2 w_o (<c, v> + lambda sigma^2 (t - <mu*_k, v>)) + w_o^2 ||v||^2].
func QuantInf(mix theory.Mixture, lambda float64) (Estimate, error) {
	if mix.K() != 2 {
		return Estimate{}, fmt.Errorf("QuantInf: mixture has %d components, need 2", mix.K())
	}
	if !(lambda >= 0) || math.IsInf(lambda, 0) {
		return Estimate{}, fmt.Errorf("QuantInf: lambda must be finite and >= 0, got %v", lambda)
	}
	d := mix.Dim()
	sg := mix.Sigma
	ls2 := lambda * sg * sg
	var q, qerr float64
	v := make([]float64, d)
	cv := make([]float64, d)
	for k, mk := range mix.Centroids {
		// pick the reference r: the other centroid's weight at mu*_k <= 1/2.
		o, r := 0, 1
		eta := func() float64 {
			for i := range v {
				v[i] = mix.Centroids[o][i] - mix.Centroids[r][i]
			}
			return lambda*dot2(mk, v) + math.Log(mix.Weights[o]/mix.Weights[r])
		}
		e := eta()
		if e > 0 {
			o, r = 1, 0
			e = eta()
		}
		for i := range cv {
			cv[i] = mix.Centroids[r][i] - mk[i] + ls2*mk[i]
		}
		v2 := norm2sq(v)
		s := sg * math.Sqrt(v2)
		// E[2 w (<c,v> + ls2 s z) + w^2 |v|^2] = E[-2 w (beta + s' z) + a2 w^2]
		// with beta = -<c,v>, s' = -ls2 s, a2 = |v|^2.
		cp := cparams{beta: -dot2(cv, v), s: -ls2 * s, a2: v2}
		m := softMoments(lambda*s, e, cp)
		if !m.converged {
			return Estimate{}, fmt.Errorf("QuantInf: quadrature did not converge (component %d)", k)
		}
		c2 := norm2sq(cv)
		tilt := ls2 * ls2 * sg * sg * float64(d)
		qk := c2 + tilt + m.val[mF]
		q += mix.Weights[k] * qk
		qerr += mix.Weights[k] * (m.err[mF] + 4*epsilon*(c2+tilt+math.Abs(m.val[mF])))
	}
	qerr += 4 * epsilon * q
	if math.IsNaN(q) || math.IsInf(q, 0) {
		return Estimate{}, fmt.Errorf("QuantInf: non-finite result")
	}
	return Estimate{Value: q, Err: qerr}, nil
}
