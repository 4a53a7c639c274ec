package claims

import (
	"fmt"
	"math"

	"attnclust/numerics"
	"attnclust/theory"
)

// minimizer is the critical point reached by damped Newton from the true
// centroids, with its certificate, in full coordinates.
type minimizer struct {
	heads [][]float64
	crit  numerics.Critical
	// dist is max_h ||mu^_h - mu*_h|| / sigma and distErr a bound on its
	// error: by the Newton-Kantorovich argument for a nondegenerate
	// critical point, the exact one lies within
	// (||grad|| + GradErr) / (min_i |eig_i| - EigErr) of the computed one
	// (to first order in the gradient).
	dist, distErr float64
}

// locErr bounds the distance from a computed critical point to the exact
// one (see minimizer.distErr); +Inf when the search did not converge or
// the Hessian is not certified nonsingular.
func locErr(c numerics.Critical) float64 {
	smin := math.Inf(1)
	for _, e := range c.Eigenvalues {
		smin = math.Min(smin, math.Abs(e))
	}
	lo := smin - c.EigErr
	if !c.Converged || !(lo > 0) {
		return math.Inf(1)
	}
	return (c.GradNorm + c.GradErr) / lo
}

// findMinimizer runs Newton (for the nearest critical point of any index) on the restriction of the regime's risk to the
// centroids' plane plus one orthogonal direction (numerics.Subspace: exact
// for rotation-invariant models, which C0 checks), starting at start
// (nil: the true centroids).
func findMinimizer(env Env, r Regime, start [][]float64) (minimizer, error) {
	mix, _, obj, err := env.objective(r)
	if err != nil {
		return minimizer{}, err
	}
	sub, err := numerics.NewSubspace(obj, numerics.CentroidBasis(mix))
	if err != nil {
		return minimizer{}, err
	}
	if start == nil {
		start = mix.Centroids
	}
	scale := r.Sigma + theory.Norm(mix.Centroids[0]) + theory.Norm(mix.Centroids[1])
	crit, err := numerics.FindCritical(sub, sub.Project(start), numerics.CriticalOptions{
		// 1e-11 of the problem's length scale: far below every margin the
		// claims use, and above the gradient's rounding level (~1e-14).
		GradTol: 1e-11 * scale,
		MaxIter: 60,
		// the nondegenerate critical point in Newton's basin around the
		// centroids, whatever its index: C1 then asks whether it is a
		// minimizer, rather than letting the search wander to another one.
		Target: numerics.TargetAny,
	})
	if err != nil {
		return minimizer{}, err
	}
	m := minimizer{heads: sub.Embed(crit.Heads), crit: crit}
	for h := range m.heads {
		m.dist = math.Max(m.dist, theory.Dist(m.heads[h], mix.Centroids[h])/r.Sigma)
	}
	m.distErr = locErr(crit) / r.Sigma
	if !crit.Converged {
		return m, fmt.Errorf("Newton from the centroids did not converge: %s", crit.Reason)
	}
	return m, nil
}
