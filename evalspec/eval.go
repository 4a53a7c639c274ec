package evalspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"attnclust/numerics"
	"attnclust/theory"
)

// Backend is the numerical back end of Evaluate. A nil field means the
// implementation of package numerics; tests substitute fakes.
type Backend struct {
	// NewRisk returns the population risk of layer on mix (numerics.NewRisk).
	// It must only validate its arguments: an error means bad input.
	NewRisk func(mix theory.Mixture, layer theory.Prototype) (theory.Objective, error)
	// QuantInf is the quantization error of the identity layer in the
	// L -> infinity limit, with a certified bound (numerics.QuantInf).
	QuantInf func(mix theory.Mixture, lambda float64) (numerics.Estimate, error)
	// QuantMC is the Monte Carlo estimate of the quantization error at
	// finite L, with its standard error (numerics.QuantMC).
	QuantMC func(mix theory.Mixture, lambda float64, L, samples int, seed uint64) (numerics.Estimate, error)
}

func (b Backend) newRisk(mix theory.Mixture, layer theory.Prototype) (theory.Objective, error) {
	if b.NewRisk == nil {
		r, err := numerics.NewRisk(mix, layer)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return b.NewRisk(mix, layer)
}

func (b Backend) quantInf(mix theory.Mixture, lambda float64) (numerics.Estimate, error) {
	if b.QuantInf == nil {
		return numerics.QuantInf(mix, lambda)
	}
	return b.QuantInf(mix, lambda)
}

func (b Backend) quantMC(mix theory.Mixture, lambda float64, L, samples int, seed uint64) (numerics.Estimate, error) {
	if b.QuantMC == nil {
		return numerics.QuantMC(mix, lambda, L, samples, seed)
	}
	return b.QuantMC(mix, lambda, L, samples, seed)
}

// PrototypeResult is the answer to a prototype spec. All numbers are
// finite; the error figures are >= 0.
type PrototypeResult struct {
	// Layer is LayerPrototype.
	Layer string `json:"layer"`
	// Variant is the spec's variant.
	Variant string `json:"variant"`
	// Risk is the population risk R at the heads (squared token units).
	Risk float64 `json:"risk"`
	// RiskErr is a certified bound on |Risk - R|.
	RiskErr float64 `json:"risk_err"`
	// Grad is dR/dmu_h, one row of length d per head (token units).
	Grad [][]float64 `json:"grad"`
	// GradErr is a certified bound on the Euclidean norm of the error of
	// the whole gradient (all heads stacked).
	GradErr float64 `json:"grad_err"`
	// Misclassification is the probability that a token goes to the head
	// of the other component (head h standing for component h, each token
	// going to the head of largest score; it does not depend on
	// lambda > 0), in closed form (theory.Misclassification), in [0, 1].
	Misclassification float64 `json:"misclassification"`
	// BayesError is the misclassification probability of the Bayes
	// classifier of the mixture, in closed form (theory.BayesError).
	BayesError float64 `json:"bayes_error"`
}

// IdentityResult is the answer to an identity spec. All numbers are
// finite and >= 0.
type IdentityResult struct {
	// Layer is LayerIdentity.
	Layer string `json:"layer"`
	// QuantError is the quantization error E||T(x) - mu*_z||^2 of the
	// identity layer (squared token units): exact for L = 0 (the
	// L -> infinity limit), a Monte Carlo mean for L > 0.
	QuantError float64 `json:"quant_error"`
	// QuantErrorErr is a certified bound on the error of QuantError for
	// L = 0, and its standard error for L > 0 (a statistical figure).
	QuantErrorErr float64 `json:"quant_error_err"`
	// InputError is d sigma^2, the error of the raw token x as an estimate
	// of its centroid (the identity layer quantizes when QuantError is
	// below it).
	InputError float64 `json:"input_error"`
}

// Result is the answer to one spec: exactly one of Prototype, PrototypeK
// and Identity is non-nil, according to the spec's layer and number of
// components.
type Result struct {
	// Prototype is the answer to a prototype spec with K = 2, nil
	// otherwise.
	Prototype *PrototypeResult
	// PrototypeK is the answer to a prototype spec with K >= 3, nil
	// otherwise.
	PrototypeK *PrototypeKResult
	// Identity is the answer to an identity spec, nil otherwise.
	Identity *IdentityResult
}

// MarshalJSON writes the non-nil member: prototype results with K = 2 as
// {"layer","variant","risk","risk_err","grad","grad_err",
// "misclassification","bayes_error"}, with K >= 3 as PrototypeKResult
// documents, identity results as
// {"layer","quant_error","quant_error_err","input_error"}.
func (r Result) MarshalJSON() ([]byte, error) {
	switch {
	case r.Prototype != nil:
		return json.Marshal(r.Prototype)
	case r.PrototypeK != nil:
		return json.Marshal(r.PrototypeK)
	case r.Identity != nil:
		return json.Marshal(r.Identity)
	}
	return nil, errors.New("evalspec: empty Result")
}

// AppendJSON appends the JSON of r and a newline to dst: the output line
// of "verify eval".
func (r Result) AppendJSON(dst []byte) ([]byte, error) {
	b, err := r.MarshalJSON()
	if err != nil {
		return dst, err
	}
	return append(append(dst, b...), '\n'), nil
}

// NumericalError is a spec that was valid but could not be evaluated: the
// numerics returned an error, or a non-finite value or error figure.
type NumericalError struct{ Err error }

// Error returns "numerical failure: " and the cause.
func (e *NumericalError) Error() string { return "numerical failure: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *NumericalError) Unwrap() error { return e.Err }

func numericalf(format string, args ...any) error {
	return &NumericalError{fmt.Errorf(format, args...)}
}

// Evaluate validates s and computes its answer with be (the zero Backend
// uses package numerics). It returns a *FieldError for an invalid spec
// (or one the back end rejects as input) and a *NumericalError when the
// evaluation fails; it never returns a non-finite number. It is safe for
// concurrent use when be is.
func Evaluate(s Spec, be Backend) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	return evaluate(&s, be)
}

// evaluate is Evaluate on a spec already validated.
func evaluate(s *Spec, be Backend) (Result, error) {
	mix, err := theory.NewMixture(s.Weights, s.Centroids, s.Sigma)
	if err != nil {
		return Result{}, &FieldError{Msg: err.Error(), Err: err}
	}
	if s.Layer == LayerPrototype && mix.K() > 2 {
		layer, err := specLayer(s)
		if err != nil {
			return Result{}, err
		}
		p, err := evalPrototypeK(s, mix, layer)
		return Result{PrototypeK: p}, err
	}
	if s.Layer == LayerPrototype {
		p, err := evalPrototype(s, mix, be)
		return Result{Prototype: p}, err
	}
	q, err := evalIdentity(s, mix, be)
	return Result{Identity: q}, err
}

// EvaluateJSON decodes one spec from data, evaluates it and returns its
// output line (JSON and a newline), as "verify eval" prints it.
func EvaluateJSON(data []byte, be Backend) ([]byte, error) {
	s, err := Decode(data) // validates
	if err != nil {
		return nil, err
	}
	res, err := evaluate(&s, be)
	if err != nil {
		return nil, err
	}
	out, err := res.AppendJSON(nil)
	if err != nil {
		return nil, numericalf("encoding the result: %v", err)
	}
	return out, nil
}

// specLayer returns the prototype layer of a validated spec.
func specLayer(s *Spec) (theory.Prototype, error) {
	v, _ := theory.ParseVariant(s.Variant) // checked by Validate
	layer := theory.Prototype{Variant: v}
	if s.Lambda != nil && v != theory.Hardmax {
		layer.Lambda = *s.Lambda
	}
	if err := layer.Validate(); err != nil {
		return theory.Prototype{}, &FieldError{Msg: err.Error(), Err: err}
	}
	return layer, nil
}

func evalPrototype(s *Spec, mix theory.Mixture, be Backend) (*PrototypeResult, error) {
	layer, err := specLayer(s)
	if err != nil {
		return nil, err
	}
	obj, err := be.newRisk(mix, layer)
	if err != nil {
		// NewRisk only validates its arguments.
		return nil, &FieldError{Msg: "rejected by the risk evaluation: " + err.Error(), Err: err}
	}
	ev, err := obj.Eval(s.Heads)
	if err != nil {
		return nil, numericalf("risk evaluation: %v", err)
	}
	if err := checkEstimate("risk", ev.Risk, ev.RiskErr); err != nil {
		return nil, err
	}
	if err := checkEstimate("grad", 0, ev.GradErr); err != nil {
		return nil, err
	}
	if len(ev.Grad) != len(s.Heads) {
		return nil, numericalf("risk evaluation returned %d gradient rows, want %d", len(ev.Grad), len(s.Heads))
	}
	for h, g := range ev.Grad {
		if len(g) != s.D {
			return nil, numericalf("risk evaluation returned gradient row %d of length %d, want %d", h, len(g), s.D)
		}
		for i, x := range g {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, numericalf("risk evaluation returned grad[%d][%d] = %v", h, i, x)
			}
		}
	}
	miss, err := theory.Misclassification(mix, layer, s.Heads)
	if err != nil {
		return nil, numericalf("misclassification: %v", err)
	}
	bayes, err := theory.BayesError(mix)
	if err != nil {
		return nil, numericalf("Bayes error: %v", err)
	}
	if err := checkEstimate("misclassification", miss, 0); err != nil {
		return nil, err
	}
	if err := checkEstimate("bayes_error", bayes, 0); err != nil {
		return nil, err
	}
	return &PrototypeResult{
		Layer:             LayerPrototype,
		Variant:           s.Variant,
		Risk:              ev.Risk,
		RiskErr:           ev.RiskErr,
		Grad:              ev.Grad,
		GradErr:           ev.GradErr,
		Misclassification: miss,
		BayesError:        bayes,
	}, nil
}

func evalIdentity(s *Spec, mix theory.Mixture, be Backend) (*IdentityResult, error) {
	var (
		q   numerics.Estimate
		err error
	)
	lambda := *s.Lambda // required for the identity layer (Validate)
	if *s.L == 0 {
		q, err = be.quantInf(mix, lambda)
	} else {
		q, err = be.quantMC(mix, lambda, *s.L, s.Samples, *s.Seed)
	}
	if err != nil {
		return nil, numericalf("quantization error (L = %d): %v", *s.L, err)
	}
	if err := checkEstimate("quant_error", q.Value, q.Err); err != nil {
		return nil, err
	}
	return &IdentityResult{
		Layer:         LayerIdentity,
		QuantError:    q.Value,
		QuantErrorErr: q.Err,
		InputError:    float64(s.D) * s.Sigma * s.Sigma,
	}, nil
}

// checkEstimate rejects a non-finite value or a negative or non-finite
// error figure returned by the numerics.
func checkEstimate(name string, value, errFig float64) error {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return numericalf("%s is %v", name, value)
	}
	if !(errFig >= 0) || math.IsInf(errFig, 0) {
		return numericalf("%s error figure is %v, want finite and >= 0", name, errFig)
	}
	return nil
}

// marshalLine encodes v as one JSON line without HTML escaping (so that
// "->" in a message stays readable).
func marshalLine(dst []byte, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// v is a struct of strings and ints: not reached.
		return append(dst, "{\"error\":\"internal error: encoding a message\"}\n"...)
	}
	return append(dst, buf.Bytes()...)
}
