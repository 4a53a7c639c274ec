package claims

import (
	"math"
	"testing"

	"attnclust/numerics"
)

// TestLocErr pins the Newton-Kantorovich location bound
// (||grad|| + GradErr) / (min |eig| - EigErr) term by term: dropping the
// gradient norm, the gradient error or the eigenvalue error changes one
// of the rows, and a Hessian that is not certified nonsingular (or a
// search that did not converge) has no bound.
func TestLocErr(t *testing.T) {
	tests := []struct {
		name string
		c    numerics.Critical
		want float64
	}{
		{"gradient norm dominates", numerics.Critical{Converged: true, GradNorm: 1e-8, GradErr: 1e-14, Eigenvalues: []float64{2, 0.5}, EigErr: 0.1}, (1e-8 + 1e-14) / 0.4},
		{"gradient error dominates", numerics.Critical{Converged: true, GradNorm: 1e-16, GradErr: 1e-9, Eigenvalues: []float64{-3, 1}, EigErr: 0.5}, (1e-16 + 1e-9) / 0.5},
		{"smallest |eigenvalue| of a saddle", numerics.Critical{Converged: true, GradNorm: 2e-10, GradErr: 0, Eigenvalues: []float64{-0.2, 4}, EigErr: 0.1}, 2e-10 / 0.1},
		{"not certified nonsingular", numerics.Critical{Converged: true, GradNorm: 1e-10, Eigenvalues: []float64{0.05, 1}, EigErr: 0.05}, math.Inf(1)},
		{"not converged", numerics.Critical{Converged: false, GradNorm: 1e-10, Eigenvalues: []float64{1, 1}}, math.Inf(1)},
		{"no eigenvalues", numerics.Critical{Converged: true}, math.Inf(1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := locErr(tc.c)
			// exact arithmetic on the same few operations: a few ulps
			if math.IsInf(tc.want, 1) != math.IsInf(got, 1) || (!math.IsInf(got, 1) && math.Abs(got-tc.want) > 4e-16*tc.want) {
				t.Errorf("locErr = %.17g, want %.17g", got, tc.want)
			}
		})
	}
}
