package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBadFlagsExitTwoNamingTheFlag(t *testing.T) {
	tests := []struct {
		args []string
		flag string
	}{
		{[]string{}, "-pkg"},
		{[]string{"-pkg", "/abs"}, "-pkg"},
		{[]string{"-pkg", "../x"}, "-pkg"},
		{[]string{"-pkg", "theory", "-n", "-1"}, "-n"},
		{[]string{"-pkg", "theory", "-timeout-factor", "0.5"}, "-timeout-factor"},
		{[]string{"-pkg", "theory", "-only", "quant.go:1:2"}, "-only"},
		{[]string{"-pkg", "theory", "-only", "FLIP@quant.go:1:2"}, "-only"},
		{[]string{"-pkg", "theory", "-seed", "x"}, "-seed"},
		{[]string{"-pkg", "theory", "-timeout", "-3s"}, "-timeout"},
		{[]string{"-pkg", "no-such-dir"}, "-pkg"},
	}
	for _, tc := range tests {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", tc.args, code, errb.String())
			continue
		}
		if !strings.Contains(errb.String(), tc.flag) {
			t.Errorf("%v: stderr %q does not name %s", tc.args, errb.String(), tc.flag)
		}
	}
}

// TestHelpExitsZero: -h prints the usage (naming every flag) and is not an
// error: exit 0 and no "mutsample:" error line.
func TestHelpExitsZero(t *testing.T) {
	for _, arg := range []string{"-h", "-help"} {
		var out, errb bytes.Buffer
		if code := run([]string{arg}, &out, &errb); code != 0 {
			t.Errorf("%s: exit %d, want 0 (stderr %q)", arg, code, errb.String())
		}
		if s := errb.String(); !strings.Contains(s, "-pkg") || !strings.Contains(s, "-only") || strings.Contains(s, "\nmutsample:") || strings.HasPrefix(s, "mutsample:") {
			t.Errorf("%s: stderr %q, want the usage without an error line", arg, s)
		}
	}
}

func TestParseMutantSpec(t *testing.T) {
	m, err := parseMutantSpec("CONDITIONALS_BOUNDARY@quant.go:49:8")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Mutant{ConditionalsBoundary, "quant.go", 49, 8}); m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
}

func TestSummary(t *testing.T) {
	s := summary(Report{Package: "numerics", Runnable: 2490, Killed: 142, Lived: 8, Efficacy: 142.0 / 150,
		CILower: 0.8977, CIUpper: 0.9767, Outcomes: make([]Outcome, 150)})
	for _, want := range []string{"runnable 2490", "killed 142 lived 8", "efficacy 94.7% (142/150)", "[89.8%, 97.7%]"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}
}
