package main

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
)

// Mutant is one gremlins mutant: a type applied at a position of a file of
// the package (the file is relative to the package directory, line and
// column are 1-based, the column counts bytes).
type Mutant struct {
	Type string `json:"type"`
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// String renders m as gremlins prints it: "<TYPE> at <file>:<line>:<col>".
func (m Mutant) String() string {
	return fmt.Sprintf("%s at %s:%d:%d", m.Type, m.File, m.Line, m.Col)
}

// dryRunLine matches a result line of `gremlins unleash --dry-run`; the
// log also holds a progress spinner, so lines are matched anywhere.
var dryRunLine = regexp.MustCompile(`(RUNNABLE|NOT COVERED) ([A-Z_]+) at ([^ :\s]+):(\d+):(\d+)`)

// ParseDryRun extracts the RUNNABLE and NOT COVERED mutants from the output
// of `gremlins unleash --dry-run`. Both lists are sorted by file, line,
// column and type (gremlins prints them in the order its workers finish),
// and duplicates are dropped, so the sample drawn from them depends only on
// the set of mutants. It returns an error when the output has no result
// line at all (gremlins failed, or the package has no code).
func ParseDryRun(out []byte) (runnable, notCovered []Mutant, err error) {
	for _, m := range dryRunLine.FindAllSubmatch(out, -1) {
		line, err1 := strconv.Atoi(string(m[4]))
		col, err2 := strconv.Atoi(string(m[5]))
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("bad position in %q", m[0])
		}
		mu := Mutant{Type: string(m[2]), File: string(m[3]), Line: line, Col: col}
		if string(m[1]) == "RUNNABLE" {
			runnable = append(runnable, mu)
		} else {
			notCovered = append(notCovered, mu)
		}
	}
	if len(runnable)+len(notCovered) == 0 {
		return nil, nil, fmt.Errorf("no RUNNABLE or NOT COVERED line in gremlins' output")
	}
	sortMutants(runnable)
	sortMutants(notCovered)
	return slices.Compact(runnable), slices.Compact(notCovered), nil
}

func sortMutants(ms []Mutant) {
	slices.SortFunc(ms, func(a, b Mutant) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col), cmp.Compare(a.Type, b.Type))
	})
}

// Sample draws n of the mutants uniformly without replacement, with a
// generator seeded by seed (PCG, math/rand/v2), and returns them in the
// order drawn, so that every prefix of the result is itself a uniform
// sample (a run stopped early stays unbiased) and the sample of size m < n
// is the first m of the sample of size n. The draw is a deterministic
// function of the sorted input, n and seed. n <= 0 or n >= len(ms)
// returns all of them, sorted like ParseDryRun's lists.
func Sample(ms []Mutant, n int, seed uint64) []Mutant {
	all := slices.Clone(ms)
	sortMutants(all)
	if n <= 0 || n >= len(all) {
		return all
	}
	r := rand.New(rand.NewPCG(seed, 0x6d757473616d706c)) // second word: "mutsampl"
	perm := r.Perm(len(all))
	out := make([]Mutant, n)
	for i := range n {
		out[i] = all[perm[i]]
	}
	return out
}

// outcomeLine matches a per-mutant line of mutsample's standard output.
var outcomeLine = regexp.MustCompile(`(?m)^(KILLED|LIVED|TIMED OUT|NOT VIABLE) ([A-Z_]+) at ([^ :\s]+):(\d+):(\d+) \(([0-9.]+)s`)

// ParseOutcomes reads the per-mutant lines of an earlier run's standard
// output (for -resume); other lines are ignored.
func ParseOutcomes(out []byte) []Outcome {
	var res []Outcome
	for _, m := range outcomeLine.FindAllSubmatch(out, -1) {
		line, _ := strconv.Atoi(string(m[4]))
		col, _ := strconv.Atoi(string(m[5]))
		secs, _ := strconv.ParseFloat(string(m[6]), 64)
		res = append(res, Outcome{Mutant: Mutant{Type: string(m[2]), File: string(m[3]), Line: line, Col: col},
			Status: string(m[1]), Seconds: secs})
	}
	return res
}
