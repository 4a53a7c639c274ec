// Command verify is the command-line front end of the attnclust
// theory-verification suite for "Attention-based clustering"
// (Maulen-Soto, Marion, Boyer, arXiv:2505.13112).
//
// Usage:
//
//	verify eval [-spec FILE]   evaluate one spec (JSON on stdin or in FILE)
//	verify help                print the usage text
//
// The eval subcommand reads one JSON object describing a mixture and a
// layer and prints one JSON object with the evaluated quantities; see
// evalUsage for the contract. Exit status: 0 on success, 2 on bad input
// (one line on stderr naming the offending field), 1 on a numerical or
// internal failure (one line on stderr).
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

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

	// Subcommand dispatch. When the "run" subcommand exists it becomes the
	// default: an empty args, or args starting with a flag, go to it.
	if len(args) == 0 {
		fmt.Fprintln(stderr, "verify: missing subcommand")
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	switch args[0] {
	case "eval":
		return cmdEval(args[1:], stdin, stdout, stderr, be)
	// case "run":  (to be added; default subcommand)
	// case "list": (to be added)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	default:
		fmt.Fprintf(stderr, "verify: unknown subcommand %q\n", args[0])
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
}

// usageText is the top-level usage message.
const usageText = `usage: verify <subcommand> [flags]

subcommands:
  eval [-spec FILE]   evaluate one JSON spec read from stdin (or FILE) and
                      print one JSON object on stdout
  help                print this text

exit status: 0 success, 2 bad input (flags, arguments or spec),
1 numerical or internal failure.

` + evalUsage

// oneLine flattens a message to a single line, so that every diagnostic
// is exactly one line on stderr.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "; ")
	s = strings.ReplaceAll(s, "\n", "; ")
	return strings.ReplaceAll(s, "\r", "; ")
}
