package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"attnclust/sweep"
)

// listUsage documents the list subcommand.
const listUsage = `usage: verify list [-short]

Prints each claim's ID, title and precise statement (Markdown), in ID
order; with -short, one line per claim (ID and title).
`

// cmdList implements "verify list".
func cmdList(args []string, stdout, stderr io.Writer, s sweep.Suite) int {
	fs := flag.NewFlagSet("verify list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	short := fs.Bool("short", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, listUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "verify list: %s (see verify help)\n", oneLine(err.Error()))
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "verify list: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	for i, c := range s.Claims {
		if *short {
			fmt.Fprintf(stdout, "%s\t%s\n", c.ID(), oneLine(c.Title()))
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s: %s\n\n%s\n", c.ID(), oneLine(c.Title()), strings.TrimSpace(c.Statement()))
	}
	return exitOK
}
