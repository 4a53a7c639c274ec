package numerics

import (
	"fmt"
	"math"

	"attnclust/theory"
)

// Subspace is an objective restricted to heads in the span of an
// orthonormal basis: its parameters are the coordinates c_h in R^m of each
// head, mu_h = B c_h, and its gradient is B^T grad R. It implements
// theory.Objective with Dim() = m.
//
// For a rotation-invariant risk (every model of docs/MODEL.md §2: R(Q theta; Q mu*)
// = R(theta; mu*)) whose centroids lie in span(B), the gradient at heads in
// span(B) lies in span{mu*_k, mu_h} subset span(B), so critical points of
// the restriction are critical points of the full risk. If moreover B
// contains a unit vector orthogonal to the centroids' span, the Hessian of
// the restriction has every distinct eigenvalue of the full Hessian: the
// full Hessian commutes with the rotations fixing span{mu*_k, mu_h}, so it
// acts on the orthogonal complement as (one K x K block) tensor identity,
// and that block is seen along the extra vector. Critical points and
// their certificates then cost O(m) instead of O(d) gradient evaluations.
type Subspace struct {
	obj   theory.Objective
	basis [][]float64 // m orthonormal vectors of length d
}

// NewSubspace returns the restriction of obj to span(basis). The basis
// vectors must have length obj.Dim() and be orthonormal to within 1e-12.
func NewSubspace(obj theory.Objective, basis [][]float64) (*Subspace, error) {
	d := obj.Dim()
	if len(basis) == 0 || len(basis) > d {
		return nil, fmt.Errorf("NewSubspace: need 1..%d basis vectors, got %d", d, len(basis))
	}
	for i, b := range basis {
		if len(b) != d {
			return nil, fmt.Errorf("NewSubspace: basis[%d] has length %d, want %d", i, len(b), d)
		}
		for j := 0; j <= i; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(theory.Inner(b, basis[j])-want) > 1e-12 {
				return nil, fmt.Errorf("NewSubspace: basis is not orthonormal at (%d, %d)", i, j)
			}
		}
	}
	return &Subspace{obj: obj, basis: theory.Clone(basis)}, nil
}

// Dim returns the subspace dimension m.
func (s *Subspace) Dim() int { return len(s.basis) }

// Heads returns the number of heads of the underlying objective.
func (s *Subspace) Heads() int { return s.obj.Heads() }

// Embed maps subspace coordinates to full heads, mu_h = B c_h.
func (s *Subspace) Embed(coords [][]float64) [][]float64 {
	d := s.obj.Dim()
	out := make([][]float64, len(coords))
	for h, c := range coords {
		out[h] = make([]float64, d)
		for i, b := range s.basis {
			theory.AddScaled(out[h], c[i], b)
		}
	}
	return out
}

// Project maps full heads to their subspace coordinates, c_h = B^T mu_h.
func (s *Subspace) Project(heads [][]float64) [][]float64 {
	out := make([][]float64, len(heads))
	for h, mu := range heads {
		out[h] = make([]float64, len(s.basis))
		for i, b := range s.basis {
			out[h][i] = theory.Inner(b, mu)
		}
	}
	return out
}

// Eval evaluates the full objective at the embedded heads and projects
// the gradient. The projection does not increase the gradient error.
func (s *Subspace) Eval(coords [][]float64) (theory.Eval, error) {
	if len(coords) != s.Heads() {
		return theory.Eval{}, fmt.Errorf("Subspace.Eval: got %d heads, want %d", len(coords), s.Heads())
	}
	for h, c := range coords {
		if len(c) != len(s.basis) {
			return theory.Eval{}, fmt.Errorf("Subspace.Eval: heads[%d] has length %d, want %d", h, len(c), len(s.basis))
		}
	}
	ev, err := s.obj.Eval(s.Embed(coords))
	if err != nil {
		return theory.Eval{}, err
	}
	ev.Grad = s.Project(ev.Grad)
	return ev, nil
}

// SpanBasis returns an orthonormal basis of span(vs) (Gram-Schmidt, each
// vector orthogonalized twice, which is enough in floating point; residuals
// of norm <= tol are dropped as rounding noise), extended, when the span
// is not all of R^d, by the coordinate axis farthest from it (whose
// residual has norm at least sqrt((d - k)/d) for a k-dimensional span).
// With that extra direction a Subspace sees every distinct eigenvalue of a
// rotation-invariant risk's Hessian (see Subspace). All vectors must have
// the same length d >= 1.
func SpanBasis(vs [][]float64, tol float64) [][]float64 {
	d := len(vs[0])
	var basis [][]float64
	add := func(v []float64, tol float64) {
		if len(basis) >= d {
			return
		}
		w := append([]float64(nil), v...)
		for pass := 0; pass < 2; pass++ {
			for _, b := range basis {
				theory.AddScaled(w, -theory.Inner(w, b), b)
			}
		}
		if n := theory.Norm(w); n > tol {
			theory.Scale(1/n, w)
			basis = append(basis, w)
		}
	}
	for _, v := range vs {
		add(v, tol)
	}
	if len(basis) < d {
		best, bestRes := 0, -1.0
		for i := 0; i < d; i++ {
			res := 1.0
			for _, b := range basis {
				res -= b[i] * b[i]
			}
			if res > bestRes {
				best, bestRes = i, res
			}
		}
		e := make([]float64, d)
		e[best] = 1
		add(e, 1e-3)
	}
	return basis
}

// CentroidBasis returns SpanBasis of the centroids of a mixture, dropping
// components below 1e-12 times the largest centroid norm.
func CentroidBasis(mix theory.Mixture) [][]float64 {
	scale := 0.0
	for _, c := range mix.Centroids {
		scale = math.Max(scale, theory.Norm(c))
	}
	return SpanBasis(mix.Centroids, 1e-12*scale)
}
