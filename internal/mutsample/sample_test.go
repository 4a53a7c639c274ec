package main

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mutants(n int) []Mutant {
	out := make([]Mutant, n)
	for i := range out {
		out[i] = Mutant{Type: ArithmeticBase, File: fmt.Sprintf("f%02d.go", i/5), Line: i%5 + 1, Col: 3}
	}
	return out
}

func TestParseDryRun(t *testing.T) {
	// A dry-run log as gremlins v0.6.0 prints it: a spinner, indented
	// result lines in worker order, and a summary.
	log := "\r⠋ Gathering coverage... \r\x1b[K    RUNNABLE CONDITIONALS_BOUNDARY at vec.go:23:7\n" +
		"    NOT COVERED ARITHMETIC_BASE at flow.go:166:16\n" +
		"    RUNNABLE ARITHMETIC_BASE at classify.go:71:47\n" +
		"    RUNNABLE INVERT_NEGATIVES at classify.go:64:22\n" +
		"    RUNNABLE ARITHMETIC_BASE at classify.go:64:22\n" +
		"\nDry run completed in 79 milliseconds\nRunnable: 4, Not covered: 1\n"
	run, nc, err := ParseDryRun([]byte(log))
	if err != nil {
		t.Fatal(err)
	}
	wantRun := []Mutant{
		{ArithmeticBase, "classify.go", 64, 22}, {InvertNegatives, "classify.go", 64, 22},
		{ArithmeticBase, "classify.go", 71, 47}, {ConditionalsBoundary, "vec.go", 23, 7},
	}
	if diff := cmp.Diff(wantRun, run); diff != "" {
		t.Errorf("runnable (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Mutant{{ArithmeticBase, "flow.go", 166, 16}}, nc); diff != "" {
		t.Errorf("not covered (-want +got):\n%s", diff)
	}
	if _, _, err := ParseDryRun([]byte("go: cannot find main module\n")); err == nil {
		t.Error("want an error for output without result lines")
	}
}

func TestSampleDeterministic(t *testing.T) {
	all := mutants(100)
	a := Sample(all, 15, 1)
	b := Sample(all, 15, 1)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different samples:\n%s", diff)
	}
	// The draw depends on the set, not on the order gremlins printed it in.
	rev := slices.Clone(all)
	slices.Reverse(rev)
	if diff := cmp.Diff(a, Sample(rev, 15, 1)); diff != "" {
		t.Errorf("input order changed the sample:\n%s", diff)
	}
	if cmp.Equal(a, Sample(all, 15, 2)) {
		t.Error("seeds 1 and 2 drew the same 15 of 100 (chance about 4e-19)")
	}
	if len(a) != 15 {
		t.Fatalf("len %d, want 15", len(a))
	}
	// Nested: the sample of size 6 is the first 6 of the sample of size 15.
	if diff := cmp.Diff(a[:6], Sample(all, 6, 1)); diff != "" {
		t.Errorf("samples are not nested (-prefix of n=15 +n=6):\n%s", diff)
	}
	seen := map[Mutant]bool{}
	for _, m := range a {
		if seen[m] {
			t.Errorf("%s drawn twice", m)
		}
		seen[m] = true
		if !slices.Contains(all, m) {
			t.Errorf("%s is not one of the mutants", m)
		}
	}
}

func TestSampleAll(t *testing.T) {
	all := mutants(12)
	for _, n := range []int{0, 12, 50} {
		if diff := cmp.Diff(all, Sample(all, n, 7)); diff != "" {
			t.Errorf("n = %d: want every mutant (-want +got):\n%s", n, diff)
		}
	}
}

// TestSampleUniform draws 3 of 10 with 3000 seeds: each mutant's count is
// Binomial(3000, 0.3) under uniform sampling, mean 900 and standard
// deviation 25.1; a bound of 6 standard deviations fails for a biased
// sampler (one that favoured the first or last mutants would be off by
// hundreds) while a uniform one exceeds it with probability about 2e-8
// (the counts are fixed by the seeds, so the test is deterministic).
func TestSampleUniform(t *testing.T) {
	all := mutants(10)
	counts := map[Mutant]int{}
	const seeds = 3000
	for s := range uint64(seeds) {
		for _, m := range Sample(all, 3, s) {
			counts[m]++
		}
	}
	mean, sd := seeds*0.3, math.Sqrt(seeds*0.3*0.7)
	for _, m := range all {
		if d := math.Abs(float64(counts[m]) - mean); d > 6*sd {
			t.Errorf("%s drawn %d times, want %.0f +- %.0f", m, counts[m], mean, 6*sd)
		}
	}
}

func TestParseOutcomesRoundTrip(t *testing.T) {
	out := "KILLED ARITHMETIC_BASE at c0.go:229:43 (25.4s)\n" +
		"TIMED OUT INCREMENT_DECREMENT at c2.go:702:17 (272.0s)\n" +
		"LIVED CONDITIONALS_BOUNDARY at c4.go:241:7 (50.5s build failed)\n" +
		"package claims: runnable 1933\nkilled 1 lived 1\n"
	want := []Outcome{
		{Mutant{ArithmeticBase, "c0.go", 229, 43}, Killed, 25.4, false},
		{Mutant{IncrementDecrement, "c2.go", 702, 17}, TimedOut, 272, false},
		{Mutant{ConditionalsBoundary, "c4.go", 241, 7}, Lived, 50.5, false},
	}
	if diff := cmp.Diff(want, ParseOutcomes([]byte(out))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
