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
	if len(c.Eigenvalues) == 0 {
		return math.Inf(1)
	}
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

// criticalNear runs Newton (for the nearest nondegenerate critical point
// of any index) from start on the restriction of obj to the span of the
// centroids and the start heads plus one orthogonal direction
// (numerics.SpanBasis, numerics.Subspace: exact for rotation-invariant
// models, which C0 checks), and returns the certified critical point in
// full coordinates.
func criticalNear(obj theory.Objective, mix theory.Mixture, start [][]float64) (numerics.Critical, [][]float64, error) {
	scale := mix.Sigma + theory.Norm(mix.Centroids[0]) + theory.Norm(mix.Centroids[1])
	// components below 1e-10 of the problem's scale are rounding noise
	sub, err := numerics.NewSubspace(obj, numerics.SpanBasis(append(theory.Clone(mix.Centroids), theory.Clone(start)...), 1e-10*scale))
	if err != nil {
		return numerics.Critical{}, nil, err
	}
	crit, err := numerics.FindCritical(sub, sub.Project(start), numerics.CriticalOptions{
		// 1e-11 of the problem's length scale: far below every margin the
		// claims use, and above the gradient's rounding level (~1e-14).
		GradTol: 1e-11 * scale,
		MaxIter: 60,
		// the nondegenerate critical point in Newton's basin around the
		// start, whatever its index: C1 then asks whether it is a
		// minimizer, rather than letting the search wander to another one.
		Target: numerics.TargetAny,
	})
	if err != nil {
		return numerics.Critical{}, nil, err
	}
	return crit, sub.Embed(crit.Heads), nil
}

// findMinimizer returns the certified critical point criticalNear reaches
// from start (nil: the true centroids) on the regime's risk.
func findMinimizer(env Env, r Regime, start [][]float64) (minimizer, error) {
	mix, _, obj, err := env.objective(r)
	if err != nil {
		return minimizer{}, err
	}
	if start == nil {
		start = mix.Centroids
	}
	crit, heads, err := criticalNear(obj, mix, start)
	if err != nil {
		return minimizer{}, err
	}
	m := minimizer{heads: heads, crit: crit}
	for h := range m.heads {
		m.dist = math.Max(m.dist, theory.Dist(m.heads[h], mix.Centroids[h])/r.Sigma)
	}
	m.distErr = locErr(crit) / r.Sigma
	if !crit.Converged {
		return m, fmt.Errorf("Newton from the centroids did not converge: %s", crit.Reason)
	}
	return m, nil
}
