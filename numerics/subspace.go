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
// For a rotation-invariant risk (every model of THEORY 2: R(Q theta; Q mu*)
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

// CentroidBasis returns an orthonormal basis of the span of the centroids
// of a mixture, extended by one unit vector orthogonal to them when d
// allows (see Subspace), built by Gram-Schmidt against the coordinate
// axes for the extra vector. Vectors of norm below 1e-12 times the
// largest centroid norm are dropped.
func CentroidBasis(mix theory.Mixture) [][]float64 {
	d := mix.Dim()
	scale := 0.0
	for _, c := range mix.Centroids {
		scale = math.Max(scale, theory.Norm(c))
	}
	var basis [][]float64
	add := func(v []float64, tol float64) bool {
		w := append([]float64(nil), v...)
		for pass := 0; pass < 2; pass++ { // twice is enough (Kahan)
			for _, b := range basis {
				theory.AddScaled(w, -theory.Inner(w, b), b)
			}
		}
		n := theory.Norm(w)
		if n <= tol {
			return false
		}
		theory.Scale(1/n, w)
		basis = append(basis, w)
		return true
	}
	for _, c := range mix.Centroids {
		if len(basis) < d {
			add(c, 1e-12*scale)
		}
	}
	if len(basis) == 0 {
		e := make([]float64, d)
		e[0] = 1
		basis = append(basis, e)
	}
	for i := 0; i < d && len(basis) < len(mix.Centroids)+1 && len(basis) < d; i++ {
		e := make([]float64, d)
		e[i] = 1
		add(e, 0.5)
	}
	return basis
}
