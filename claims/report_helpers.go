package claims

// Helpers for cmd/verify's report and figures: thin exported wrappers
// around quantities the claims compute internally.

// MinimizerDistance returns the distance, in units of sigma, of the critical
// point theta^ that C1 finds (damped Newton started at the true centroids)
// to the true centroids, max_h ||mu^_h - mu*_h|| / sigma, and a bound on
// its numerical error (+Inf when the critical point is not certified
// nondegenerate). It returns an error when r is invalid or Newton does not
// converge.
func MinimizerDistance(env Env, r Regime) (dist, distErr float64, err error) {
	m, err := findMinimizer(env, r, nil)
	if err != nil {
		return 0, 0, err
	}
	return m.dist, m.distErr, nil
}
