package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"attnclust/numerics"
	"attnclust/theory"
)

// backend is the numerical back end that eval calls. The default wires
// package numerics; tests substitute fakes to exercise failure paths.
type backend struct {
	newRisk  func(mix theory.Mixture, layer theory.Prototype) (theory.Objective, error)
	quantInf func(mix theory.Mixture, lambda float64) (numerics.Estimate, error)
	quantMC  func(mix theory.Mixture, lambda float64, L, samples int, seed uint64) (numerics.Estimate, error)
}

// defaultBackend returns the back end of package numerics.
func defaultBackend() backend {
	return backend{
		newRisk: func(mix theory.Mixture, layer theory.Prototype) (theory.Objective, error) {
			r, err := numerics.NewRisk(mix, layer)
			if err != nil {
				return nil, err
			}
			return r, nil
		},
		quantInf: numerics.QuantInf,
		quantMC:  numerics.QuantMC,
	}
}

// prototypeResult is the output of eval for the prototype layer.
type prototypeResult struct {
	Layer   string      `json:"layer"`
	Variant string      `json:"variant"`
	Risk    float64     `json:"risk"`
	RiskErr float64     `json:"risk_err"`
	Grad    [][]float64 `json:"grad"`
	GradErr float64     `json:"grad_err"`
}

// identityResult is the output of eval for the identity layer.
type identityResult struct {
	Layer         string  `json:"layer"`
	QuantError    float64 `json:"quant_error"`
	QuantErrorErr float64 `json:"quant_error_err"`
	InputError    float64 `json:"input_error"`
}

// failure is a numerical failure (exit 1); any other error from evaluate
// is bad input (exit 2).
type failure struct{ err error }

func (f *failure) Error() string { return "numerical failure: " + f.err.Error() }

func numericalf(format string, args ...any) error {
	return &failure{fmt.Errorf(format, args...)}
}

// cmdEval implements "verify eval [-spec FILE]".
func cmdEval(args []string, stdin io.Reader, stdout, stderr io.Writer, be backend) int {
	fs := flag.NewFlagSet("verify eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	specPath := fs.String("spec", "", "read the spec from `FILE` instead of stdin (\"-\" also means stdin)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: verify eval [-spec FILE] < spec.json")
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), evalUsage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage // the flag package has printed the error and usage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "verify eval: unexpected argument %q (the spec is read from stdin or -spec FILE)\n", fs.Arg(0))
		return exitUsage
	}

	in := stdin
	if *specPath != "" && *specPath != "-" {
		f, err := os.Open(*specPath)
		if err != nil {
			fmt.Fprintf(stderr, "verify eval: -spec: %s\n", oneLine(err.Error()))
			return exitUsage
		}
		defer f.Close()
		in = f
	}

	out, err := evaluate(in, be)
	if err != nil {
		fmt.Fprintf(stderr, "verify eval: %s\n", oneLine(err.Error()))
		var f *failure
		if errors.As(err, &f) {
			return exitFailure
		}
		return exitUsage
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "verify eval: writing output: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	return exitOK
}

// evaluate parses one spec from r, evaluates it with be and returns the
// JSON output line. Errors of type *failure are numerical failures; all
// others reject the input.
func evaluate(r io.Reader, be backend) ([]byte, error) {
	s, err := parseSpec(r)
	if err != nil {
		return nil, err
	}
	mix, err := theory.NewMixture(s.weights, s.centroids, s.sigma)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	var result any
	switch s.layer {
	case layerPrototype:
		result, err = evalPrototype(s, mix, be)
	default:
		result, err = evalIdentity(s, mix, be)
	}
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(result); err != nil {
		return nil, numericalf("encoding the result: %v", err)
	}
	return buf.Bytes(), nil
}

func evalPrototype(s *spec, mix theory.Mixture, be backend) (*prototypeResult, error) {
	layer := theory.Prototype{Variant: s.variant, Lambda: s.lambda}
	if err := layer.Validate(); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	obj, err := be.newRisk(mix, layer)
	if err != nil {
		// NewRisk only validates its arguments.
		return nil, fmt.Errorf("spec: rejected by numerics.NewRisk: %w", err)
	}
	ev, err := obj.Eval(s.heads)
	if err != nil {
		return nil, numericalf("risk evaluation: %v", err)
	}
	if err := checkEstimate("risk", ev.Risk, ev.RiskErr); err != nil {
		return nil, err
	}
	if err := checkEstimate("grad", 0, ev.GradErr); err != nil {
		return nil, err
	}
	if len(ev.Grad) != 2 {
		return nil, numericalf("risk evaluation returned %d gradient rows, want 2", len(ev.Grad))
	}
	for h, g := range ev.Grad {
		if len(g) != s.d {
			return nil, numericalf("risk evaluation returned gradient row %d of length %d, want %d", h, len(g), s.d)
		}
		for i, x := range g {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, numericalf("risk evaluation returned grad[%d][%d] = %v", h, i, x)
			}
		}
	}
	return &prototypeResult{
		Layer:   layerPrototype,
		Variant: s.variant.String(),
		Risk:    ev.Risk,
		RiskErr: ev.RiskErr,
		Grad:    ev.Grad,
		GradErr: ev.GradErr,
	}, nil
}

func evalIdentity(s *spec, mix theory.Mixture, be backend) (*identityResult, error) {
	var (
		q   numerics.Estimate
		err error
	)
	if s.L == 0 {
		q, err = be.quantInf(mix, s.lambda)
	} else {
		q, err = be.quantMC(mix, s.lambda, s.L, s.samples, s.seed)
	}
	if err != nil {
		return nil, numericalf("quantization error (L = %d): %v", s.L, err)
	}
	if err := checkEstimate("quant_error", q.Value, q.Err); err != nil {
		return nil, err
	}
	return &identityResult{
		Layer:         layerIdentity,
		QuantError:    q.Value,
		QuantErrorErr: q.Err,
		InputError:    float64(s.d) * s.sigma * s.sigma,
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
