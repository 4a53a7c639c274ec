package numerics

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"

	"gonum.org/v1/gonum/mat"

	"attnclust/theory"
)

// Hessian returns the Hessian of the risk obj with respect to the stacked
// head parameters theta = (mu_1, ..., mu_K) (head 0's d coordinates first,
// then head 1's, ...), an n x n matrix with n = K d, together with an
// estimated bound errBound on the Frobenius norm of H - (exact Hessian).
// Since the spectral norm is at most the Frobenius norm, errBound also
// bounds every eigenvalue error (Weyl's inequality).
//
// Method. Column i is the central difference of the analytic gradient,
//
//	D_h e_i = (grad R(theta + h_i e_i) - grad R(theta - h_i e_i)) / (2 h_i),
//	h_i = cbrt(max(eps, GradErr)) * max(S, |theta_i|),
//
// with eps the float64 machine epsilon, S = ||theta||/sqrt(n) the
// parameters' scale (1 when theta = 0), so that the steps scale with the
// problem (the same relative step at sigma = 1e-8 as at sigma = 1), and
// GradErr the gradient error bound reported at theta; the cube root
// balances the O(h^2) truncation error against the O(GradErr/h) error
// from the inexact gradient. The same
// difference with step 2 h_i gives D_2h, and H is the symmetrized (D_h +
// D_h^T)/2. The error bound is the sum of
//
//   - truncation: entrywise max(|D_h - D_2h|/3, |D_h - D_h^T|/2),
//     symmetrized, times a safety factor of 2, in Frobenius norm. |D_h -
//     D_2h|/3 is the Richardson estimate of D_h's O(h^2) error term; the
//     asymmetry is a lower bound on the error since the exact Hessian is
//     symmetric. This part is an asymptotic estimate: it is reliable when
//     the gradient's third derivative varies little over [theta - 2h,
//     theta + 2h], and is not a rigorous enclosure;
//   - gradient error: sqrt(sum_i ((E_i+ + E_i-)/(2 h_i))^2), with E_i+- the
//     GradErr reported at theta +- h_i e_i. This part is rigorous given
//     rigorous gradient bounds.
//
// Cost: 4 n + 1 gradient evaluations, spread over runtime.GOMAXPROCS
// goroutines (obj must be safe for concurrent use, as theory.Objective
// requires). The result does not depend on the number of goroutines.
//
// It returns an error when heads does not have obj.Heads() rows of length
// obj.Dim() with finite entries, or when any gradient evaluation fails.
func Hessian(obj theory.Objective, heads [][]float64) (H *mat.SymDense, errBound float64, err error) {
	if obj == nil {
		return nil, 0, errors.New("Hessian: objective is nil")
	}
	d, k := obj.Dim(), obj.Heads()
	if err := validateHeadsShape(heads, k, d); err != nil {
		return nil, 0, fmt.Errorf("Hessian: %w", err)
	}
	base, err := obj.Eval(heads)
	if err != nil {
		return nil, 0, fmt.Errorf("Hessian: gradient at theta: %w", err)
	}
	theta := flattenHeads(heads)
	n := len(theta)
	scale := theory.Norm(theta) / math.Sqrt(float64(n))
	if !(scale > 0) {
		scale = 1
	}
	level := math.Cbrt(math.Max(machEps, base.GradErr))
	steps := make([]float64, n)
	for i, x := range theta {
		steps[i] = level * math.Max(scale, math.Abs(x))
		// Use the step actually representable at theta, so that theta + h
		// is exact and the difference divides by the offset taken.
		steps[i] = (x + steps[i]) - x
	}

	dh := make([]float64, n*n)  // column i of D_h at dh[i*n : (i+1)*n]
	d2h := make([]float64, n*n) // same for D_2h
	colRound := make([]float64, n)
	colErr := make([]error, n)
	parallelChunks(n, runtime.GOMAXPROCS(0), func(i int) {
		var gs [4][]float64
		var errs [4]float64
		for j, m := range [4]float64{1, -1, 2, -2} {
			p := theory.Clone(heads)
			p[i/d][i%d] = theta[i] + m*steps[i]
			ev, err := obj.Eval(p)
			if err != nil {
				colErr[i] = fmt.Errorf("Hessian: gradient at theta %+g h e_%d (head %d, coordinate %d, h = %g): %w", m, i, i/d, i%d, steps[i], err)
				return
			}
			if len(ev.Grad) != k {
				colErr[i] = fmt.Errorf("Hessian: objective returned %d gradient rows, want %d", len(ev.Grad), k)
				return
			}
			gs[j] = flattenHeads(ev.Grad)
			if len(gs[j]) != n {
				colErr[i] = fmt.Errorf("Hessian: objective returned a gradient of %d entries, want %d", len(gs[j]), n)
				return
			}
			errs[j] = ev.GradErr
		}
		h := steps[i]
		for r := range n {
			dh[i*n+r] = (gs[0][r] - gs[1][r]) / (2 * h)
			d2h[i*n+r] = (gs[2][r] - gs[3][r]) / (4 * h)
		}
		colRound[i] = (errs[0] + errs[1]) / (2 * h)
	})
	for _, e := range colErr {
		if e != nil {
			return nil, 0, e
		}
	}

	H = mat.NewSymDense(n, nil)
	trunc2, round2 := 0.0, 0.0
	for i := range n {
		round2 += colRound[i] * colRound[i]
		for j := i; j < n; j++ {
			a, b := dh[j*n+i], dh[i*n+j] // D_h[i][j] (column j, row i) and D_h[j][i]
			H.SetSym(i, j, (a+b)/2)
			ri := math.Abs(a-d2h[j*n+i]) / 3
			rj := math.Abs(b-d2h[i*n+j]) / 3
			e := math.Max((ri+rj)/2, math.Abs(a-b)/2)
			if i == j {
				trunc2 += e * e
			} else {
				trunc2 += 2 * e * e
			}
		}
	}
	errBound = 2*math.Sqrt(trunc2) + math.Sqrt(round2)
	if math.IsNaN(errBound) || math.IsInf(errBound, 0) {
		return nil, 0, fmt.Errorf("Hessian: non-finite error bound %v (gradient not finite near theta?)", errBound)
	}
	return H, errBound, nil
}

// MinEigen returns the smallest eigenvalue of the symmetric matrix H. It
// returns an error when H is nil, empty or not finite, or when the
// eigendecomposition fails.
func MinEigen(H *mat.SymDense) (float64, error) {
	ev, err := Eigenvalues(H)
	if err != nil {
		return 0, fmt.Errorf("MinEigen: %w", err)
	}
	return ev[0], nil
}

// Eigenvalues returns all eigenvalues of the symmetric matrix H in
// ascending order. Each is accurate to a few ulps of the spectral norm of
// H (LAPACK dsyev). It returns an error when H is nil, empty or not
// finite, or when the eigendecomposition fails.
func Eigenvalues(H *mat.SymDense) ([]float64, error) {
	vals, _, err := eigenSym(H, false)
	return vals, err
}

// eigenSym returns the eigenvalues of H in ascending order and, when
// vectors is true, the matching orthonormal eigenvectors as columns.
func eigenSym(H *mat.SymDense, vectors bool) ([]float64, *mat.Dense, error) {
	if H == nil {
		return nil, nil, errors.New("eigenvalues: matrix is nil")
	}
	n := H.SymmetricDim()
	if n == 0 {
		return nil, nil, errors.New("eigenvalues: matrix is empty")
	}
	for i := range n {
		for j := i; j < n; j++ {
			if v := H.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("eigenvalues: entry (%d, %d) is %v", i, j, v)
			}
		}
	}
	var es mat.EigenSym
	if !es.Factorize(H, vectors) {
		return nil, nil, errors.New("eigenvalues: symmetric eigendecomposition did not converge")
	}
	vals := es.Values(nil)
	var vecs *mat.Dense
	if vectors {
		vecs = mat.NewDense(n, n, nil)
		es.VectorsTo(vecs)
	}
	if !sort.Float64sAreSorted(vals) {
		// LAPACK returns ascending order; keep the guarantee explicit.
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return vals[idx[a]] < vals[idx[b]] })
		sv := make([]float64, n)
		var sm *mat.Dense
		if vectors {
			sm = mat.NewDense(n, n, nil)
		}
		for c, j := range idx {
			sv[c] = vals[j]
			if vectors {
				for r := range n {
					sm.Set(r, c, vecs.At(r, j))
				}
			}
		}
		vals, vecs = sv, sm
	}
	return vals, vecs, nil
}

// machEps is the float64 machine epsilon, 2^-52.
const machEps = 0x1p-52

// flattenHeads stacks K rows into one vector, row 0 first.
func flattenHeads(heads [][]float64) []float64 {
	var out []float64
	for _, mu := range heads {
		out = append(out, mu...)
	}
	return out
}

// unflattenHeads splits theta into k rows of length d (copies).
func unflattenHeads(theta []float64, k, d int) [][]float64 {
	out := make([][]float64, k)
	for h := range out {
		out[h] = append([]float64(nil), theta[h*d:(h+1)*d]...)
	}
	return out
}
