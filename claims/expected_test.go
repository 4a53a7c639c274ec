package claims

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite fixtures/expected_verdicts.json from the current results (review the reasons before committing)")

// catalogResults runs every claim on every named regime of the catalog.
func catalogResults(t *testing.T, env Env) []Result {
	t.Helper()
	regimes := loadCatalogT(t)
	names := make([]string, 0, len(regimes))
	for n := range regimes {
		names = append(names, n)
	}
	sort.Strings(names)
	var jobs []Job
	for _, c := range All() {
		for _, n := range names {
			jobs = append(jobs, Job{Claim: c, Regime: regimes[n]})
		}
	}
	var out []Result
	for _, rs := range Run(env, jobs, 0, nil) {
		out = append(out, rs...)
	}
	return out
}

// TestExpectedVerdicts recomputes the verdict of every check of every
// claim on the named regimes of fixtures/regimes.json and compares them
// with fixtures/expected_verdicts.json: a verdict that changes fails the
// test, listing each difference. Run with -update to regenerate the table
// (then review its reasons: every FAILS row must carry a one-line reason).
func TestExpectedVerdicts(t *testing.T) {
	res := catalogResults(t, Env{Quick: true})
	const path = "../fixtures/expected_verdicts.json"
	if *update {
		var rows []Expected
		for _, r := range res {
			e := Expected{Regime: r.Regime.Name, Check: r.Check, Verdict: r.Verdict}
			if r.Verdict != Holds {
				e.Reason = r.Note
				if e.Reason == "" {
					e.Reason = fmt.Sprintf("margin %.3g %s against error bound %.2g", r.Margin, r.Units, r.Err)
				}
			}
			rows = append(rows, e)
		}
		old := map[string]string{}
		if f, err := os.Open(path); err == nil {
			if prev, err := LoadExpected(f); err == nil {
				for _, e := range prev {
					old[e.Regime+"|"+e.Check] = e.Reason
				}
			}
			f.Close()
		}
		for i, e := range rows { // keep hand-written reasons
			if r, ok := old[e.Regime+"|"+e.Check]; ok && r != "" && e.Verdict != Holds {
				rows[i].Reason = r
			}
		}
		b, err := MarshalExpected("Expected verdicts of every check on the named regimes of fixtures/regimes.json, computed with Env{Quick: true} (go test ./claims -run TestExpectedVerdicts -update) and reviewed: each non-HOLDS row says why.", rows)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	exp, err := LoadExpected(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range CompareExpected(res, exp) {
		t.Error(d)
	}
}
