package claims

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLoadCatalogRejects covers every rule of the regime-file validator:
// each bad catalog gives an error naming the regime and the field.
func TestLoadCatalogRejects(t *testing.T) {
	ok := `"d":2,"sigma":1,"pi1":0.5,"geometry":"orthogonal","separation":4,"variant":"distance","lambda_sigma2":1,"seed":1`
	cases := []struct{ name, json, want string }{
		{"malformed", `{"regimes":[`, "catalog"},
		{"unknown field", `{"regimes":[{"name":"a",` + ok + `,"lamda":1}]}`, "lamda"},
		{"trailing", `{"regimes":[]} {}`, "trailing"},
		{"unnamed", `{"regimes":[{` + ok + `}]}`, `"name"`},
		{"duplicate", `{"regimes":[{"name":"a",` + ok + `},{"name":"a",` + ok + `}]}`, "duplicate"},
		{"d", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"d":2`, `"d":0`, 1) + `}]}`, "d must"},
		{"sigma", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"sigma":1`, `"sigma":-1`, 1) + `}]}`, "sigma"},
		{"pi1", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"pi1":0.5`, `"pi1":1`, 1) + `}]}`, "pi1"},
		{"separation", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"separation":4`, `"separation":0`, 1) + `}]}`, "separation"},
		{"geometry", `{"regimes":[{"name":"a",` + strings.Replace(ok, `orthogonal`, `square`, 1) + `}]}`, "geometry"},
		{"angle", `{"regimes":[{"name":"a",` + strings.Replace(ok, `orthogonal`, `angle`, 1) + `,"angle":4}]}`, "angle"},
		{"norm ratio", `{"regimes":[{"name":"a",` + strings.Replace(ok, `orthogonal`, `unequal`, 1) + `}]}`, "norm_ratio"},
		{"d for geometry", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"d":2`, `"d":1`, 1) + `}]}`, "d >= 2"},
		{"variant", `{"regimes":[{"name":"a",` + strings.Replace(ok, `distance`, `cosine`, 1) + `}]}`, "variant"},
		{"lambda", `{"regimes":[{"name":"a",` + strings.Replace(ok, `"lambda_sigma2":1`, `"lambda_sigma2":-1`, 1) + `}]}`, "lambda_sigma2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadCatalog(strings.NewReader(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
	if rs, err := LoadCatalog(strings.NewReader(`{"regimes":[{"name":"a",` + ok + `}]}`)); err != nil || len(rs) != 1 {
		t.Errorf("valid catalog: %v %v", rs, err)
	}
}

// TestLoadExpectedRejects covers the expected-table validator.
func TestLoadExpectedRejects(t *testing.T) {
	cases := []struct{ name, json, want string }{
		{"unknown verdict", `{"verdicts":[{"regime":"a","check":"C1.x","verdict":"MAYBE"}]}`, "unknown verdict"},
		{"missing check", `{"verdicts":[{"regime":"a","verdict":"HOLDS"}]}`, "required"},
		{"duplicate", `{"verdicts":[{"regime":"a","check":"C1.x","verdict":"HOLDS"},{"regime":"a","check":"C1.x","verdict":"HOLDS"}]}`, "duplicate"},
		{"FAILS without reason", `{"verdicts":[{"regime":"a","check":"C1.x","verdict":"FAILS"}]}`, "reason"},
		{"unknown field", `{"verdicts":[],"extra":1}`, "extra"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadExpected(strings.NewReader(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

// TestDecideNeverHoldsWithoutBound: HOLDS only when margin > bound, and
// never with a NaN, negative or infinite bound.
func TestDecideNeverHoldsWithoutBound(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		m, e float64
		want Verdict
	}{
		{1, 0.5, Holds}, {0.5, 0.5, Inconclusive}, {-1, 0.5, Fails}, {-0.5, 0.5, Inconclusive},
		{1, -1, Inconclusive}, {1, inf, Inconclusive}, {nan, 0, Inconclusive}, {1, nan, Inconclusive},
	}
	for _, c := range cases {
		if got := Decide(c.m, c.e); got != c.want {
			t.Errorf("Decide(%v, %v) = %v, want %v", c.m, c.e, got, c.want)
		}
	}
	r := result("C", "C.x", Regime{}, 1, inf, "u")
	if r.Verdict != Inconclusive || r.Note == "" {
		t.Errorf("infinite bound: %+v", r)
	}
}

// TestCompareExpectedSeesEverything: a regression HOLDS -> INCONCLUSIVE
// (and the reverse) is a difference, on named and seeded random regimes
// alike; missing and extra rows are reported; agreement gives nil.
func TestCompareExpectedSeesEverything(t *testing.T) {
	res := func(regime, check string, v Verdict) Result {
		return Result{Check: check, Regime: Regime{Name: regime}, Verdict: v}
	}
	exp := []Expected{
		{Regime: "named", Check: "C1.a", Verdict: Holds},
		{Regime: "C1-random-0", Check: "C1.a", Verdict: Holds},
		{Regime: "C1-in-0", Check: "C1.a", Verdict: Inconclusive, Reason: "r"},
		{Regime: "gone", Check: "C1.a", Verdict: Holds},
	}
	got := []Result{
		res("named", "C1.a", Inconclusive),       // HOLDS -> INCONCLUSIVE
		res("C1-random-0", "C1.a", Inconclusive), // the same on a random regime
		res("C1-in-0", "C1.a", Holds),            // INCONCLUSIVE -> HOLDS
		res("C1-random-1", "C1.a", Holds),        // no expected row
		res("", "C1.a", Fails),                   // unnamed: not comparable, ignored
	}
	d := CompareExpected(got, exp)
	want := []string{"C1.a on named: expected HOLDS, got INCONCLUSIVE", "C1.a on C1-random-0: expected HOLDS, got INCONCLUSIVE",
		"C1.a on C1-in-0: expected INCONCLUSIVE, got HOLDS", "C1.a on gone: expected HOLDS, no result", "C1.a on C1-random-1: got HOLDS, not in the expected table"}
	if len(d) != len(want) {
		t.Fatalf("got %d differences, want %d:\n%s", len(d), len(want), strings.Join(d, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(d[i], w) {
			t.Errorf("difference %d: %q, want prefix %q", i, d[i], w)
		}
	}
	rows, dups := ExpectedRows([]Result{res("named", "C1.a", Holds), res("named", "C1.b", Inconclusive), res("", "C1.a", Fails),
		res("named", "C1.b", Fails), res("named", "C1.c", Fails)},
		[]Expected{{Regime: "named", Check: "C1.b", Verdict: Inconclusive, Reason: "reviewed"}, {Regime: "named", Check: "C1.c", Verdict: Inconclusive, Reason: "stale"}})
	if len(rows) != 3 || rows[0].Reason != "" || rows[1].Reason != "reviewed" || rows[2].Reason == "" || rows[2].Reason == "stale" || len(dups) != 1 {
		t.Errorf("ExpectedRows: %+v, dups %v", rows, dups)
	}
	if d := CompareExpected(got[:1], []Expected{{Regime: "named", Check: "C1.a", Verdict: Inconclusive, Reason: "r"}}); d != nil {
		t.Errorf("agreement gives %v", d)
	}
}

// TestMarshalExpectedRoundTrip: the table is written sorted by regime then
// check (so regenerating it gives a stable diff) and reads back as the
// same rows, reasons included.
func TestMarshalExpectedRoundTrip(t *testing.T) {
	rows := []Expected{
		{Regime: "b", Check: "C1.radius", Verdict: Holds},
		{Regime: "a", Check: "C2.alignment", Verdict: Fails, Reason: "margin -1 against 1e-9"},
		{Regime: "b", Check: "C1.cosine", Verdict: Inconclusive, Reason: "at the rounding level"},
		{Regime: "a", Check: "C1.radius", Verdict: Holds},
	}
	b, err := MarshalExpected("a comment", rows)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadExpected(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := []Expected{rows[3], rows[1], rows[2], rows[0]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if rows[0].Regime != "b" {
		t.Error("MarshalExpected sorted its caller's slice in place")
	}
	if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.Contains(b, []byte(`"a comment"`)) {
		t.Errorf("format: %s", b)
	}
}
