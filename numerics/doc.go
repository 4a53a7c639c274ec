// Package numerics evaluates the population quantities of package theory
// with certified error bounds: adaptive Gauss-Kronrod quadrature with error
// estimates, the exact one-dimensional reduction of the two-head risk and
// its gradient (docs/MODEL.md §4), the in-context quantization error (docs/MODEL.md §6),
// brute-force Monte Carlo estimators with standard errors, differenced
// Hessians, a certified critical-point finder and a monotone gradient flow.
//
// All functions are safe for concurrent use; randomness comes only from
// explicit seeds, so results are reproducible.
package numerics

// Estimate is a numerical value with an error figure. For deterministic
// computations (quadrature) Err is a bound on |Value - exact|; for Monte
// Carlo estimates Err is the standard error of the mean.
type Estimate struct {
	Value float64
	Err   float64
}
