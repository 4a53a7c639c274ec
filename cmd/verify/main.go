// Command verify is the command-line front end of the attnclust
// theory-verification suite for "Attention-based clustering"
// (Maulen-Soto, Marion, Boyer, arXiv:2505.13112).
//
// Usage:
//
//	verify [run] [flags]       check every claim and write the report (default)
//	verify list [-short]       print each claim's ID, title and statement
//	verify eval [-spec FILE]   evaluate one spec (JSON on stdin or in FILE)
//	verify merge [flags] SHARD...
//	                           join the shards of "run -shard i/n" into the report
//	verify help                print the usage text
//
// The run subcommand (the default: no subcommand, or a first argument that
// is a flag) parses its flags and wires package sweep (which checks every
// claim on seeded random regimes inside and outside its hypotheses and on
// the named regimes, measures thresholds, shrinks counterexamples and
// computes the figure data) to package report (which renders REPORT.md,
// report.json and figures/*.svg); see runUsage for its flags. The same
// flags and seed give byte-identical files, whatever the number of
// workers; progress and wall times go to stderr.
//
// With -shard i/n, run computes only shard i of n of the work (the
// claim-regime jobs, threshold slices, shrinking and figure cells, dealt
// round-robin) and writes it as one JSON file; the merge subcommand joins
// the n shard files into exactly the files the unsharded run writes. See
// mergeUsage and package sweep (ExecuteShard, Merge).
//
// The eval subcommand reads one JSON object describing a mixture and a
// layer and prints one JSON object with the evaluated quantities; see
// evalUsage for the contract. Every "spec" in a report reproduces through
// it.
//
// Exit status: 0 on success (a claim that FAILS is a finding, not an
// error), 2 on bad input (one line on stderr naming the offending flag or
// field), 1 on a numerical or internal failure, on a failed write, or when
// run -check finds a difference with the expected verdicts.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"attnclust/sweep"
)

// suiteVersion is the version of the verification suite, printed in every
// report so that a report names the code that produced it.
const suiteVersion = "0.1.0"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes shared by all subcommands.
const (
	exitOK      = 0 // success
	exitFailure = 1 // numerical failure or internal error
	exitUsage   = 2 // bad input: flags, arguments or spec
)

// run is the testable entry point: it dispatches args (without the program
// name) to a subcommand, reading from stdin and writing to stdout and
// stderr, and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(args, stdin, stdout, stderr, defaultBackend())
}

// defaultSuite returns the real claims and numerics, with be's
// quantization back end.
func defaultSuite(be backend) sweep.Suite {
	return sweep.DefaultSuite(be.quantInf, be.quantMC)
}

// runWith is run with the numerical back end injected, so that tests can
// exercise failure paths without depending on the real numerics.
func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer, be backend) (code int) {
	defer func() {
		// Last resort: never let a panic escape as a stack trace.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "verify: internal error: %s\n", oneLine(fmt.Sprint(r)))
			code = exitFailure
		}
	}()

	// Subcommand dispatch. "run" is the default: no arguments, or a first
	// argument that is a flag (other than a help flag), go to it.
	if len(args) == 0 {
		return cmdRun(nil, stdout, stderr, defaultSuite(be))
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr, defaultSuite(be))
	case "list":
		return cmdList(args[1:], stdout, stderr, defaultSuite(be))
	case "eval":
		return cmdEval(args[1:], stdin, stdout, stderr, be)
	case "merge":
		return cmdMerge(args[1:], stdout, stderr, defaultSuite(be))
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	if strings.HasPrefix(args[0], "-") {
		return cmdRun(args, stdout, stderr, defaultSuite(be))
	}
	fmt.Fprintf(stderr, "verify: unknown subcommand %q (want run, list, eval, merge or help)\n", args[0])
	return exitUsage
}

// usageText is the top-level usage message.
const usageText = `usage: verify [subcommand] [flags]

subcommands:
  run [flags]         (default) check every claim on seeded random regimes and
                      on the named catalog, write REPORT.md, report.json
                      and figures/*.svg
  list [-short]       print each claim's ID, title and statement
  eval [-spec FILE]   evaluate one JSON spec read from stdin (or FILE) and
                      print one JSON object on stdout
  merge [flags] SHARD...
                      join the shard files of "run -shard i/n" into the
                      report the unsharded run writes
  help                print this text

exit status: 0 success, 2 bad input (flags, arguments or spec),
1 numerical or internal failure, a failed write, or a -check difference.

` + runUsage + "\n" + mergeUsage + "\n" + evalUsage

// oneLine flattens a message to a single line, so that every diagnostic
// is exactly one line on stderr.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "; ")
	s = strings.ReplaceAll(s, "\n", "; ")
	return strings.ReplaceAll(s, "\r", "; ")
}
