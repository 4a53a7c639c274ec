package evalspec

// Tests prompted by the survivors of the sampled mutation run of evalspec
// (fixtures/equivalent_mutants.md, section "Sampled runs", evalspec).

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"attnclust/theory"
)

// TestDescribeEllipsisOnlyWhenCut: a string quoted in a message ends in
// "..." only when it was cut, so a value of exactly the cap's length is
// quoted whole and without an ellipsis.
func TestDescribeEllipsisOnlyWhenCut(t *testing.T) {
	for _, n := range []int{maxDescribe - 1, maxDescribe, maxDescribe + 1} {
		v := strings.Repeat("a", n)
		_, err := Decode([]byte(fmt.Sprintf(`{"layer":"prototype","variant":"dot","d":%q}`, v)))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "d" {
			t.Fatalf("length %d: error %v, want a field error on d", n, err)
		}
		quoted := fmt.Sprintf("%q", v[:min(n, maxDescribe)])
		cut := n > maxDescribe
		if !strings.Contains(fe.Msg, quoted) || strings.HasSuffix(fe.Msg, "...") != cut {
			t.Errorf("length %d (cap %d): message %q, want %s quoted%s", n, maxDescribe, fe.Msg, quoted,
				map[bool]string{true: " and an ellipsis", false: " without an ellipsis"}[cut])
		}
	}
}

// TestValidateEdges: values at the edge of a rule are accepted by that
// rule (the error, if any, comes from a later rule), and each rule gives
// its own reason.
func TestValidateEdges(t *testing.T) {
	third := 1.0 / 3
	proto := func(k, d int) Spec {
		w := make([]float64, k)
		rows := make([][]float64, k)
		for i := range w {
			w[i], rows[i] = 1/float64(k), []float64{float64(i), 0}
		}
		if k == 3 {
			w = []float64{third, third, 1 - 2*third}
		}
		lam := 1.0
		// centroids of length 2, not d: the rule on the number and
		// length of the centroids comes after the rule on d, so its
		// error shows that d itself passed.
		return Spec{Layer: LayerPrototype, Variant: "dot", D: d, Sigma: 1, Weights: w, Centroids: rows, Lambda: &lam, Heads: rows}
	}
	ident := func(L int) Spec {
		lam := 1.0
		return Spec{Layer: LayerIdentity, D: 2, Sigma: 1, Weights: []float64{0.5, 0.5},
			Centroids: [][]float64{{3, 0}, {0, 3}}, Lambda: &lam, L: &L}
	}
	for _, tc := range []struct {
		name  string
		spec  Spec
		field string // the field the error names
	}{
		// d up to MaxDimK is allowed with K >= 3 components.
		{"K = 3, d = MaxDimK", proto(3, MaxDimK), "centroids[0]"},
		{"K = 3, d = MaxDimK + 1", proto(3, MaxDimK+1), "d"},
		// the cap MaxDimK applies to K >= 3 only; K = 2 goes to MaxDim.
		{"K = 2, d = MaxDimK + 1", proto(2, MaxDimK+1), "centroids[0]"},
		// L = MaxL is a valid length: the error is the absent samples.
		{"L = MaxL", ident(MaxL), "samples"},
		{"L = MaxL + 1", ident(MaxL + 1), "L"},
	} {
		err := tc.spec.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: error %v, want a field error on %q", tc.name, err, tc.field)
		}
	}
}

// TestRuleMessages: sigma = 0 is refused as not positive (not as
// underflowing), and a missing lambda names the variant of a prototype
// spec only.
func TestRuleMessages(t *testing.T) {
	_, err := Decode([]byte(`{"layer":"prototype","variant":"dot","d":2,"sigma":0}`))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "sigma" || !strings.Contains(fe.Msg, "> 0") || strings.Contains(fe.Msg, "underflow") {
		t.Errorf("sigma = 0: error %v, want the positivity rule", err)
	}
	noLambda := func(s Spec) string {
		s.Lambda = nil
		err := s.Validate()
		if !errors.As(err, &fe) || fe.Field != "lambda" {
			t.Fatalf("error %v, want a field error on lambda", err)
		}
		return fe.Msg
	}
	lam := 1.0
	proto := Spec{Layer: LayerPrototype, Variant: "distance", D: 2, Sigma: 1, Weights: []float64{0.5, 0.5},
		Centroids: [][]float64{{3, 0}, {0, 3}}, Lambda: &lam, Heads: [][]float64{{1, 0}, {0, 1}}}
	if m := noLambda(proto); !strings.Contains(m, `layer "prototype" with variant "distance"`) {
		t.Errorf("prototype without lambda: %q, want the variant named", m)
	}
	L := 0
	ident := Spec{Layer: LayerIdentity, D: 2, Sigma: 1, Weights: []float64{0.5, 0.5},
		Centroids: [][]float64{{3, 0}, {0, 3}}, Lambda: &lam, L: &L}
	if m := noLambda(ident); strings.Contains(m, "variant") {
		t.Errorf("identity without lambda: %q names a variant", m)
	}
}

// TestPrototypeKResultCheckEveryField: check rejects a non-finite number
// in any field, not only in the first one it looks at (a valid risk must
// not hide a NaN gradient or misclassification).
func TestPrototypeKResultCheckEveryField(t *testing.T) {
	good := func() *PrototypeKResult {
		return &PrototypeKResult{Risk: 0.5, RiskErr: ptr(1e-3), Grad: [][]float64{{1, 2}, {3, 4}, {5, 6}}, GradErr: ptr(1e-3),
			Misclassification: 0.1, MisclassificationErr: ptr(1e-3), BayesError: 0.05, BayesErrorSE: ptr(1e-3)}
	}
	if err := good().check(2); err != nil {
		t.Fatalf("valid result rejected: %v", err)
	}
	for name, mod := range map[string]func(r *PrototypeKResult){
		"NaN gradient entry":      func(r *PrototypeKResult) { r.Grad[2][1] = math.NaN() },
		"short gradient row":      func(r *PrototypeKResult) { r.Grad[1] = r.Grad[1][:1] },
		"NaN misclassification":   func(r *PrototypeKResult) { r.Misclassification = math.NaN() },
		"negative Bayes error SE": func(r *PrototypeKResult) { r.BayesErrorSE = ptr(-1.0) },
	} {
		r := good()
		mod(r)
		var ne *NumericalError
		if err := r.check(2); !errors.As(err, &ne) {
			t.Errorf("%s: error %v, want a numerical failure", name, err)
		}
	}
}

// TestBayesMCAtDistanceCap: scaled centroid distances up to 1e150 (the
// cap that keeps products of two coordinates finite) are estimated, not
// refused; beyond it they are refused.
func TestBayesMCAtDistanceCap(t *testing.T) {
	for _, tc := range []struct {
		far float64
		ok  bool
	}{{1e150, true}, {2e150, false}} {
		// d = 1: the scaled distances are |far| exactly (the norm of a
		// one-entry vector is its magnitude).
		mix, err := theory.NewMixture([]float64{0.25, 0.5, 0.25}, [][]float64{{0}, {tc.far}, {-tc.far}}, 1)
		if err != nil {
			t.Fatal(err)
		}
		v, _, ok := bayesMC(mix, 100, 1)
		if ok != tc.ok || (ok && v != 0) {
			// components 1e150 sigma apart are never confused: 0 exactly
			t.Errorf("distance %g: value %v, ok %v, want ok %v", tc.far, v, ok, tc.ok)
		}
	}
}

// TestBayesMCStandardError: the reported standard error is the standard
// deviation of the estimate, measured over independent seeds. With K = 8
// equal weights sum_j pi_j^2 = 1/8, so an error formula that dropped the
// squared weights would be sqrt(8) = 2.8 times too large.
func TestBayesMCStandardError(t *testing.T) {
	const K, n, runs = 8, 1000, 60
	cents := make([][]float64, K)
	w := make([]float64, K)
	for k := range cents {
		cents[k] = make([]float64, K)
		cents[k][k] = 1.5 // pairwise distance 1.5 sqrt 2: each p_j near 0.5
		w[k] = 1.0 / K
	}
	mix, err := theory.NewMixture(w, cents, 1)
	if err != nil {
		t.Fatal(err)
	}
	var sum, sum2, seSum float64
	for seed := uint64(1); seed <= runs; seed++ {
		v, se, ok := bayesMC(mix, n, seed)
		if !ok {
			t.Fatal("not finite")
		}
		sum += v
		sum2 += v * v
		seSum += se
	}
	mean := sum / runs
	sd := math.Sqrt((sum2 - runs*mean*mean) / (runs - 1))
	ratio := sd / (seSum / runs)
	// The sample standard deviation of 60 runs has a relative spread of
	// about 1/sqrt(2*59) = 0.092: [0.6, 1.5] is more than 4 spreads from
	// 1 on either side; the dropped weights would give 0.35.
	if ratio < 0.6 || ratio > 1.5 {
		t.Errorf("spread over %d seeds %v, mean reported standard error %v: ratio %v, want near 1", runs, sd, seSum/runs, ratio)
	}
}
