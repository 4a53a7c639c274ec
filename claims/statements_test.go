package claims_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"attnclust/claims"
	"attnclust/report"
)

// checkIDRe matches a check identifier such as "C4.limit-improves": in a
// statement, checks are named by the part after the claim's ID, and the
// full identifiers appear only in the report's tables.
var checkIDRe = regexp.MustCompile(`\bC[0-9]+\.[a-z]`)

// statementChecks returns, per claim ID, the check IDs the statement must
// describe: every check of the expected-verdict fixture, plus the exported
// check IDs of the claims absent from it (C5 and C6 do not run on the
// named regimes).
func statementChecks(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("../fixtures/expected_verdicts.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exp, err := claims.LoadExpected(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			c, _, _ := strings.Cut(id, ".")
			out[c] = append(out[c], id)
		}
	}
	for _, e := range exp {
		add(e.Check)
	}
	for _, id := range []string{
		claims.C4LimitImproves, claims.C4SufficientBound, claims.C4FiniteLConverges, claims.C4FiniteLImproves,
		claims.C5RuleBound, claims.C5ExcessDecays, claims.C5EqualWeights, claims.C5HardmaxKMeans,
		claims.C5BayesOptimal, claims.C5VsKMeans, claims.C5VsWeightBlind, claims.C5RiskDistortion,
		claims.C6MEstimator, claims.C6Rate, claims.C6SGDNoise, claims.C6Schemes, claims.C6Baselines,
	} {
		add(id)
	}
	return out
}

// names reports whether statement s names the check with short name n:
// literally, or as a family "prefix-<...>" together with the suffix (C3
// describes its four converges-<scheme> checks at once).
func names(s, n string) bool {
	if strings.Contains(s, n) {
		return true
	}
	for i := range n {
		if n[i] == '-' && strings.Contains(s, n[:i]+"-<") && strings.Contains(s, n[i+1:]) {
			return true
		}
	}
	return false
}

// TestStatementsLint: every claim's title and statement, as the report
// renders them, pass the report's style rules (no THEORY citation, no code
// span other than a command, no code identifier in prose), use no check
// identifier ("C0.swap"), start their headings at level 1 (the report
// nests them under the claim's level-3 heading, so a statement's first
// heading must become level 4), and name every check of the claim.
func TestStatementsLint(t *testing.T) {
	want := statementChecks(t)
	for _, c := range claims.All() {
		s := c.Statement()
		for _, text := range []string{c.Title(), s} {
			for _, p := range report.Lint([]byte(text)) {
				t.Errorf("%s: %s", c.ID(), p)
			}
			if m := checkIDRe.FindString(text); m != "" {
				t.Errorf("%s: check identifier %q... in prose (name the check without its claim ID)", c.ID(), m)
			}
		}
		if strings.Contains(c.Title(), "\n") {
			t.Errorf("%s: title spans several lines", c.ID())
		}
		level, fence := 0, false
		for _, line := range strings.Split(s, "\n") {
			l := strings.TrimSpace(line)
			if strings.HasPrefix(l, "```") {
				fence = !fence
			}
			h := len(l) - len(strings.TrimLeft(l, "#"))
			if fence || h == 0 || h == len(l) || l[h] != ' ' {
				continue
			}
			if h > level+1 {
				t.Errorf("%s: heading level %d after %d (the report nests statements under a level-3 heading): %q", c.ID(), h, level, l)
			}
			level = h
		}
		if len(want[c.ID()]) == 0 {
			t.Errorf("%s: no check known to the test", c.ID())
		}
		for _, id := range want[c.ID()] {
			if n := strings.TrimPrefix(id, c.ID()+"."); !names(s, n) {
				t.Errorf("%s: statement does not name the check %s", c.ID(), n)
			}
		}
	}
}
