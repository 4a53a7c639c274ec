package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"attnclust/evalspec"
	"attnclust/numerics"
	"attnclust/theory"
)

// backend is the numerical back end that eval (and run) call. The default
// wires package numerics; tests substitute fakes to exercise failure
// paths.
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

// spec returns be as the back end of package evalspec (nil fields there
// mean package numerics).
func (be backend) spec() evalspec.Backend {
	return evalspec.Backend{NewRisk: be.newRisk, QuantInf: be.quantInf, QuantMC: be.quantMC}
}

// cmdEval implements "verify eval [-spec FILE] [-workers N]": one spec in,
// one JSON line out; or JSON Lines in, one line out per spec (see
// evalUsage for the rule that tells them apart).
func cmdEval(args []string, stdin io.Reader, stdout, stderr io.Writer, be backend) int {
	fs := flag.NewFlagSet("verify eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	specPath := fs.String("spec", "", "read the spec(s) from `FILE` instead of stdin (\"-\" also means stdin)")
	workers := fs.Int("workers", 0, "evaluate JSON Lines with `N` goroutines (0 means GOMAXPROCS; the output does not depend on it)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: verify eval [-spec FILE] [-workers N] < spec.json")
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
	if *workers < 0 {
		fmt.Fprintf(stderr, "verify eval: -workers: must be >= 0 (0 means GOMAXPROCS), got %d\n", *workers)
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

	batch, in, err := evalspec.Sniff(in)
	if err != nil {
		fmt.Fprintf(stderr, "verify eval: reading input: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	if batch {
		return evalLines(in, stdout, stderr, evalspec.Options{Workers: *workers, Backend: be.spec()})
	}
	data, err := io.ReadAll(in)
	if err != nil {
		fmt.Fprintf(stderr, "verify eval: reading input: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	out, err := evalspec.EvaluateJSON(data, be.spec())
	if err != nil {
		fmt.Fprintf(stderr, "verify eval: %s\n", oneLine(err.Error()))
		var ne *evalspec.NumericalError
		if errors.As(err, &ne) {
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

// evalLines answers JSON Lines. Exit status: 2 if any line was rejected,
// else 1 if any evaluation failed or reading or writing failed, else 0;
// one summary line on stderr unless every line was answered.
func evalLines(in io.Reader, stdout, stderr io.Writer, opt evalspec.Options) int {
	sum, err := evalspec.EvaluateLines(in, stdout, opt)
	if err != nil {
		fmt.Fprintf(stderr, "verify eval: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	if sum.Rejected+sum.Failed == 0 {
		return exitOK
	}
	fmt.Fprintf(stderr, "verify eval: %d of %d specs rejected, %d failed (first at line %d)\n",
		sum.Rejected, sum.Specs, sum.Failed, sum.FirstBad)
	if sum.Rejected > 0 {
		return exitUsage
	}
	return exitFailure
}
