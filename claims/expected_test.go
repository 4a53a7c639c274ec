package claims

import (
	"bytes"
	"os"
	"sort"
	"testing"
)

// expectedSeed and expectedRandom fix the seeded random regimes of the
// expected table: expectedRandom regimes per claim from Sample and as
// many from SampleIn, seed expectedSeed (both deterministic).
const (
	expectedSeed   = 1
	expectedRandom = 2
)

// catalogResults runs every claim on every named regime of the catalog
// it applies to (Applies)
// and, when random is set, on its seeded random regimes.
func catalogResults(t *testing.T, env Env, random bool) []Result {
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
			if Applies(c, regimes[n]) { // as the sweep does
				jobs = append(jobs, Job{Claim: c, Regime: regimes[n]})
			}
		}
		if random {
			for _, r := range append(Sample(c, expectedRandom, expectedSeed), SampleIn(c, expectedRandom, expectedSeed)...) {
				jobs = append(jobs, Job{Claim: c, Regime: r})
			}
		}
	}
	var out []Result
	for _, rs := range Run(env, jobs, 0, nil) {
		out = append(out, rs...)
	}
	return out
}

// TestExpectedVerdicts recomputes, in quick mode, the verdict of every
// check of every claim on the named regimes of fixtures/regimes.json and
// compares them with their rows of fixtures/expected_verdicts.json: a
// verdict that changes (to or from INCONCLUSIVE included) fails the test.
// The table is written by the quick run (go run ./cmd/verify -quick -out
// /tmp/r -write-expected fixtures/expected_verdicts.json), which also
// checks its seeded random regimes with -check; review its reasons before
// committing.
func TestExpectedVerdicts(t *testing.T) {
	res := catalogResults(t, Env{Quick: true}, false)
	const path = "../fixtures/expected_verdicts.json"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with: go run ./cmd/verify -quick -out /tmp/r -write-expected fixtures/expected_verdicts.json)", err)
	}
	exp, err := LoadExpected(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// The table also holds the quick run's seeded random regimes (checked
	// by that run's -check); this test recomputes the named ones.
	named := loadCatalogT(t)
	var rows []Expected
	for _, e := range exp {
		if _, ok := named[e.Regime]; ok {
			rows = append(rows, e)
		}
	}
	if len(rows) == 0 {
		t.Fatal("the expected table has no rows for the named regimes")
	}
	for _, d := range CompareExpected(res, rows) {
		t.Error(d)
	}
}
