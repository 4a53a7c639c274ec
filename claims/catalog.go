package claims

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// catalogFile is the JSON form of fixtures/regimes.json.
type catalogFile struct {
	Regimes []Regime `json:"regimes"`
}

// LoadCatalog decodes a regime catalog ({"regimes": [...]}), rejecting
// unknown fields, unnamed or duplicate regimes and invalid ones, with
// errors that name the regime and the field.
func LoadCatalog(r io.Reader) ([]Regime, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f catalogFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("catalog: trailing data after the JSON object")
	}
	seen := map[string]bool{}
	for i, reg := range f.Regimes {
		if reg.Name == "" {
			return nil, fmt.Errorf("catalog: regimes[%d]: field \"name\" is required", i)
		}
		if seen[reg.Name] {
			return nil, fmt.Errorf("catalog: regimes[%d]: duplicate name %q", i, reg.Name)
		}
		seen[reg.Name] = true
		if err := reg.Validate(); err != nil {
			return nil, fmt.Errorf("catalog: regime %q: %w", reg.Name, err)
		}
	}
	return f.Regimes, nil
}

// Expected is one row of the expected-verdict table: the verdict of one
// check of one claim on one named regime, with a one-line reason (required
// for FAILS and INCONCLUSIVE).
type Expected struct {
	Regime  string  `json:"regime"`
	Check   string  `json:"check"`
	Verdict Verdict `json:"verdict"`
	Reason  string  `json:"reason,omitempty"`
}

type expectedFile struct {
	Comment  string     `json:"comment,omitempty"`
	Verdicts []Expected `json:"verdicts"`
}

// LoadExpected decodes an expected-verdict table
// ({"verdicts": [{"regime", "check", "verdict", "reason"}]}).
func LoadExpected(r io.Reader) ([]Expected, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f expectedFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("expected verdicts: %w", err)
	}
	seen := map[string]bool{}
	for i, e := range f.Verdicts {
		k := e.Regime + "|" + e.Check
		if e.Regime == "" || e.Check == "" {
			return nil, fmt.Errorf("expected verdicts: verdicts[%d]: regime and check are required", i)
		}
		if seen[k] {
			return nil, fmt.Errorf("expected verdicts: verdicts[%d]: duplicate entry for %s on %s", i, e.Check, e.Regime)
		}
		seen[k] = true
		if e.Verdict != Holds && strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("expected verdicts: verdicts[%d] (%s on %s): a %s needs a one-line reason", i, e.Check, e.Regime, e.Verdict)
		}
	}
	return f.Verdicts, nil
}

// MarshalExpected encodes a table in the format LoadExpected reads, sorted
// by regime then check, with comment at the top.
func MarshalExpected(comment string, rows []Expected) ([]byte, error) {
	rows = append([]Expected(nil), rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Regime != rows[j].Regime {
			return rows[i].Regime < rows[j].Regime
		}
		return rows[i].Check < rows[j].Check
	})
	b, err := json.MarshalIndent(expectedFile{Comment: comment, Verdicts: rows}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// CompareExpected lists, one line each, every difference between the
// results and the expected table: a verdict that differs (including a
// change to or from INCONCLUSIVE, e.g. a regression HOLDS ->
// INCONCLUSIVE), an expected row with no result, and a result with no
// expected row. Every result with a regime name is compared: the named
// regimes of the catalog and the seeded random regimes alike (Sample and
// SampleIn are deterministic per seed, so their names identify them
// across runs). It returns nil when they agree.
func CompareExpected(results []Result, exp []Expected) []string {
	got := map[string]Result{}
	for _, r := range results {
		if r.Regime.Name != "" {
			got[r.Regime.Name+"|"+r.Check] = r
		}
	}
	var diffs []string
	want := map[string]bool{}
	for _, e := range exp {
		k := e.Regime + "|" + e.Check
		want[k] = true
		r, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s on %s: expected %s, no result", e.Check, e.Regime, e.Verdict))
		case r.Verdict != e.Verdict:
			diffs = append(diffs, fmt.Sprintf("%s on %s: expected %s, got %s (margin %.3g, err %.2g %s) %s",
				e.Check, e.Regime, e.Verdict, r.Verdict, r.Margin, r.Err, r.Units, r.Note))
		}
	}
	var extra []string
	for k, r := range got {
		if !want[k] {
			extra = append(extra, fmt.Sprintf("%s on %s: got %s, not in the expected table", r.Check, r.Regime.Name, r.Verdict))
		}
	}
	sort.Strings(extra)
	return append(diffs, extra...)
}

// ExpectedRows turns results into expected-table rows, in result order.
// Every non-HOLDS row carries a one-line reason: the reason previous (the
// table being regenerated, may be nil) gives the same regime, check and
// verdict when it has one (reviewed reasons survive a regeneration), else
// the result's note, else its margin against its error bound. Results
// without a regime name are skipped; a check reported twice on one regime
// keeps its first result, and dups says which were dropped.
func ExpectedRows(results []Result, previous []Expected) (rows []Expected, dups []string) {
	old := map[string]Expected{}
	for _, e := range previous {
		old[e.Regime+"|"+e.Check] = e
	}
	seen := map[string]bool{}
	for _, r := range results {
		if r.Regime.Name == "" {
			continue
		}
		k := r.Regime.Name + "|" + r.Check
		if seen[k] {
			dups = append(dups, fmt.Sprintf("%s reported twice on %s: keeping the first result", r.Check, r.Regime.Name))
			continue
		}
		seen[k] = true
		row := Expected{Regime: r.Regime.Name, Check: r.Check, Verdict: r.Verdict}
		if r.Verdict != Holds {
			row.Reason = reasonOf(r)
			if o, ok := old[k]; ok && o.Verdict == r.Verdict && strings.TrimSpace(o.Reason) != "" {
				row.Reason = o.Reason
			}
		}
		rows = append(rows, row)
	}
	return rows, dups
}

// reasonOf is the default reason of a non-HOLDS row: the result's note on
// one line, or its margin against its error bound.
func reasonOf(r Result) string {
	if n := strings.TrimSpace(r.Note); n != "" {
		return strings.NewReplacer("\r\n", "; ", "\n", "; ", "\r", "; ").Replace(n)
	}
	units := ""
	if r.Units != "" {
		units = " (" + r.Units + ")"
	}
	if r.Verdict == Fails {
		return fmt.Sprintf("margin %.3g < -error %.2g%s", r.Margin, r.Err, units)
	}
	return fmt.Sprintf("margin %.3g within error %.2g%s", r.Margin, r.Err, units)
}
