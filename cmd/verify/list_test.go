package main

import (
	"strings"
	"testing"

	"attnclust/claims"
)

func TestList(t *testing.T) {
	code, stdout, stderr := runArgs("list")
	if code != exitOK || stderr != "" {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	for _, c := range claims.All() {
		head := c.ID() + ": " + oneLine(c.Title())
		if !strings.Contains(stdout, head+"\n\n") {
			t.Errorf("list lacks %q", head)
		}
		if !strings.Contains(stdout, strings.TrimSpace(c.Statement())) {
			t.Errorf("list lacks the statement of %s", c.ID())
		}
	}

	code, stdout, _ = runArgs("list", "-short")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != exitOK || len(lines) != len(claims.All()) || !strings.HasPrefix(lines[1], "C1\t") {
		t.Errorf("list -short: code %d, %q", code, stdout)
	}

	code, stdout, _ = runArgs("list", "-h")
	if code != exitOK || !strings.Contains(stdout, "usage: verify list") {
		t.Errorf("list -h: code %d, %q", code, stdout)
	}
	for _, args := range [][]string{{"list", "extra"}, {"list", "-bogus"}} {
		code, stdout, stderr := runArgs(args...)
		if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}
