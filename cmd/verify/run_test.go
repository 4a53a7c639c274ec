package main

import (
	"pgregory.net/rapid"

	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/theory"
)

// catalogPath is the real catalog, seen from the package directory.
var catalogPath = filepath.Join("..", "..", "fixtures", "regimes.json")

// runArgs runs the command with the real back end.
func runArgs(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// runSuite runs the run subcommand with a given suite.
func runSuite(s suite, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cmdRun(args, &out, &errb, s)
	return code, out.String(), errb.String()
}

// ---- a fake claim, so that the shrinker, -check and the figures can be
// tested fast and without depending on the real claims' verdicts.

// fakeClaim FAILS its check "<id>.sep" when the separation is below 5
// (margin Delta - 5), and HOLDS "<id>.ok" everywhere.
type fakeClaim struct{ id string }

func (f fakeClaim) ID() string                        { return f.id }
func (f fakeClaim) Title() string                     { return "Fake claim " + f.id }
func (f fakeClaim) Statement() string                 { return "## A heading\n\nFake statement of " + f.id + "." }
func (f fakeClaim) Ranges() claims.Ranges             { return claims.FullRanges() }
func (f fakeClaim) InHypotheses(r claims.Regime) bool { return r.D >= 2 }
func (f fakeClaim) Hypotheses() []claims.Hypothesis {
	return []claims.Hypothesis{{Text: "d >= 2", Provenance: claims.Derived}}
}
func (f fakeClaim) InHypothesesGenerator() *rapid.Generator[claims.Regime] {
	return f.Ranges().Generator()
}
func (f fakeClaim) Check(env claims.Env, r claims.Regime) []claims.Result {
	mix, err := r.Mixture()
	if err != nil {
		return nil
	}
	l, _ := r.Layer()
	spec := claims.PrototypeSpec(mix, l, mix.Centroids)
	margin := r.Separation - 5
	v := claims.Decide(margin, 1e-9)
	return []claims.Result{
		{Claim: f.id, Check: f.id + ".sep", Regime: r, Verdict: v, Margin: margin, Err: 1e-9, Units: "Delta", Spec: spec},
		{Claim: f.id, Check: f.id + ".ok", Regime: r, Verdict: claims.Holds, Margin: 1, Err: 0.5 + r.Pi1, Units: "unit"},
	}
}

func fakeSuite() suite {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var tick atomic.Int64
	return suite{
		claims: []claims.Claim{fakeClaim{"C1"}, fakeClaim{"C3"}, fakeClaim{"C4"}},
		curves: func(env claims.Env, r claims.Regime, runs int) ([]trainingCurve, error) {
			var out []trainingCurve
			for s, name := range []string{"small-scale", "data-tokens", "equal-heads"} {
				c := trainingCurve{Scheme: name}
				for i := 0; i <= 20; i++ {
					c.Iter = append(c.Iter, 10*i)
					c.Cos1 = append(c.Cos1, 1-math.Exp(-float64(i)/float64(s+2)))
					c.Cos2 = append(c.Cos2, 1-2*math.Exp(-float64(i)/float64(s+3)))
					c.Risk = append(c.Risk, math.Exp(-float64(i)))
				}
				out = append(out, c)
			}
			return out, nil
		},
		minDist: func(env claims.Env, r claims.Regime) (float64, float64, error) {
			return math.Exp(-r.Separation*r.Separation/8) / (1 + r.LambdaSigma2), 1e-13, nil
		},
		quantInf: func(theory.Mixture, float64) (numerics.Estimate, error) {
			return numerics.Estimate{Value: 0.0283, Err: 1e-15}, nil
		},
		quantMC: func(_ theory.Mixture, _ float64, L, _ int, _ uint64) (numerics.Estimate, error) {
			return numerics.Estimate{Value: 0.0283 + 0.5/float64(L), Err: 0.001}, nil
		},
		now: func() time.Time { return t0.Add(time.Duration(tick.Add(1)) * 100 * time.Millisecond) },
	}
}

// writeCatalog writes a small catalog and returns its path.
func writeCatalog(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "catalog.json")
	data := `{"regimes": [
  {"name": "near", "d": 3, "sigma": 1, "pi1": 0.5, "geometry": "orthogonal", "separation": 3, "variant": "distance", "lambda_sigma2": 1, "seed": 1},
  {"name": "far", "d": 2, "sigma": 1, "pi1": 0.5, "geometry": "antipodal", "separation": 8, "variant": "hardmax", "seed": 2}
]}`
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// ---- flags

func TestRunFlagErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"regimes": [{"name": "x", "d": 0}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string // substring of the one-line error
	}{
		{[]string{"-regimes", "-1"}, "-regimes"},
		{[]string{"-regimes", "x"}, "-regimes"},
		{[]string{"-regimes", "1000001"}, "-regimes"},
		{[]string{"-workers", "-1"}, "-workers"},
		{[]string{"-seed", "-1"}, "-seed"},
		{[]string{"-seed", "abc"}, "-seed"},
		{[]string{"-claims", "C1,C9"}, `unknown claim "C9"`},
		{[]string{"-claims", ""}, "-claims"},
		{[]string{"-claims", "C1,,C2"}, "-claims"},
		{[]string{"-out", ""}, "-out"},
		{[]string{"-bogus"}, "-bogus"},
		{[]string{"-quick", "extra"}, `unexpected argument "extra"`},
		{[]string{"-catalog", filepath.Join(dir, "missing.json")}, "-catalog"},
		{[]string{"-catalog", bad}, "-catalog"},
		{[]string{"-catalog", catalogPath, "-check", filepath.Join(dir, "missing.json")}, "-check"},
		{[]string{"-catalog", catalogPath, "-check", bad}, "-check"},
	}
	for _, tc := range cases {
		for _, prefix := range [][]string{nil, {"run"}} {
			args := append(append([]string{}, prefix...), tc.args...)
			code, stdout, stderr := runArgs(append(args, "-out", filepath.Join(dir, "out"))...)
			if tc.args[0] == "-out" {
				code, stdout, stderr = runArgs(args...)
			}
			if code != exitUsage {
				t.Errorf("%q: code %d, want %d (stderr %q)", args, code, exitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("%q: stdout %q", args, stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("%q: stderr %q, want one line containing %q", args, stderr, tc.want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("a rejected command wrote its output directory")
	}
}

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"run", "-h"}, {"run", "-help"}} {
		code, stdout, _ := runArgs(args...)
		if code != exitOK || !strings.Contains(stdout, "-write-expected") {
			t.Errorf("%q: code %d, stdout %q", args, code, stdout)
		}
	}
	code, stdout, _ := runArgs("help")
	for _, s := range []string{"run [flags]", "list", "eval", "-regimes", "-check"} {
		if code != exitOK || !strings.Contains(stdout, s) {
			t.Errorf("help does not mention %q", s)
		}
	}
}

func TestParseRunFlagsDefaults(t *testing.T) {
	s := suite{claims: claims.All()}
	cfg, err := parseRunFlags(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.seed != 1 || cfg.regimes != defaultRegimes || cfg.quick || cfg.out != "reports" || cfg.workers != 0 ||
		cfg.catalog != defaultCatalog || !cfg.figures || len(cfg.claimIDs) != 5 {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, _ = parseRunFlags([]string{"-quick"}, s)
	if cfg.regimes != defaultQuickRegimes {
		t.Errorf("-quick: regimes %d", cfg.regimes)
	}
	cfg, _ = parseRunFlags([]string{"-quick", "-regimes", "7", "-claims", "C3, C1,C3"}, s)
	if cfg.regimes != 7 || strings.Join(cfg.claimIDs, ",") != "C1,C3" {
		t.Errorf("-quick -regimes 7 -claims: %+v", cfg)
	}
	if got := cfg.command(5); got != "go run ./cmd/verify run -seed 1 -regimes 7 -claims C1,C3 -quick" {
		t.Errorf("command = %q", got)
	}
}

// ---- the pipeline with a fake claim

func TestShrinkSimplifies(t *testing.T) {
	c := fakeClaim{"C1"}
	r := claims.Regime{Name: "C1-random-3", D: 17, Sigma: 2.37, Pi1: 0.31, Geometry: claims.Angle, Angle: 1.3,
		Separation: 3.71, Variant: "dot", LambdaSigma2: 0.347, Seed: 991}
	fail := claims.Run(claims.Env{}, []claims.Job{{Claim: c, Regime: r}}, 1, nil)[0][0]
	if fail.Verdict != claims.Fails {
		t.Fatalf("fake claim does not fail: %+v", fail)
	}
	ce := shrink(claims.Env{}, c, fail, 30, 2)
	got := ce.shrunk.Regime
	want := claims.Regime{Name: "C1-random-3-shrunk", D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal,
		Separation: 4, Variant: "dot", LambdaSigma2: 0.3, Seed: 0}
	if got != want {
		t.Errorf("shrunk to %+v, want %+v (steps %v)", got, want, ce.steps)
	}
	if ce.shrunk.Verdict != claims.Fails || ce.shrunk.Check != "C1.sep" || ce.shrunk.Spec == "" {
		t.Errorf("shrunk result %+v", ce.shrunk)
	}

	// a failure that no simplification keeps stays as it was
	r2 := claims.Regime{Name: "C1-random-4", D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 4.96,
		Variant: "hardmax", Seed: 0}
	fail2 := claims.Run(claims.Env{}, []claims.Job{{Claim: c, Regime: r2}}, 1, nil)[0][0]
	ce2 := shrink(claims.Env{}, c, fail2, 30, 1)
	if len(ce2.steps) != 0 || ce2.shrunk.Regime != r2 {
		t.Errorf("unshrinkable: steps %v, shrunk %+v", ce2.steps, ce2.shrunk.Regime)
	}

	// the budget bounds the work
	ce3 := shrink(claims.Env{}, c, fail, 2, 2)
	if ce3.evals != 2 {
		t.Errorf("budget 2: %d evaluations", ce3.evals)
	}
}

func TestRunFakeSuite(t *testing.T) {
	cat := writeCatalog(t)
	out := t.TempDir()
	exp := filepath.Join(t.TempDir(), "expected.json")
	code, stdout, stderr := runSuite(fakeSuite(), "-regimes", "6", "-seed", "3", "-catalog", cat, "-out", out, "-write-expected", exp)
	if code != exitOK {
		t.Fatalf("code %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "C1") || !strings.Contains(stdout, "REPORT.md") {
		t.Errorf("stdout %q", stdout)
	}
	md, err := os.ReadFile(filepath.Join(out, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	for _, s := range []string{
		"## Summary", "[C1](#c1)", `<a id="c1"></a>`, "Fake statement of C1.", "##### A heading",
		"`C1.sep`", "`C1.ok`", "Counterexamples", "-shrunk", "```json", "go run ./cmd/verify eval",
		"## Named regimes", "| near |", "**FAILS**", "## Figures", "![Training curves (C3)](figures/training_curves.svg)",
		"figures/minimizer_distance.svg", "figures/hold_map.svg", "figures/quantization.svg",
		"## Reproduction", "go run ./cmd/verify run -seed 3 -regimes 6 -catalog", suiteVersion, "## report.json schema",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("REPORT.md lacks %q", s)
		}
	}
	for _, s := range []string{out, "timings", "0.1 s"} {
		if strings.Contains(text, s) && s != "timings" {
			t.Errorf("REPORT.md contains %q", s)
		}
	}
	for _, f := range []string{figCurves, figDistance, figMap, figQuant} {
		b, err := os.ReadFile(filepath.Join(out, "figures", f))
		if err != nil || !bytes.HasPrefix(bytes.TrimSpace(b), []byte("<?xml")) {
			t.Errorf("figure %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "timings.txt")); err != nil {
		t.Error(err)
	}

	rep := readJSON(t, filepath.Join(out, "report.json"))
	if rep["schema_version"] != 1.0 || rep["suite_version"] != suiteVersion || rep["seed"] != 3.0 || rep["regimes_per_claim"] != 6.0 {
		t.Errorf("report.json header: %v %v %v %v", rep["schema_version"], rep["suite_version"], rep["seed"], rep["regimes_per_claim"])
	}
	results := rep["results"].([]any)
	if len(results) != 3*(6+2)*2 {
		t.Errorf("%d results, want %d", len(results), 3*8*2)
	}
	cexs := rep["counterexamples"].([]any)
	if len(cexs) == 0 {
		t.Fatal("no counterexample")
	}
	shrunk := cexs[0].(map[string]any)["shrunk"].(map[string]any)
	if shrunk["verdict"] != "FAILS" || shrunk["spec"] == "" {
		t.Errorf("shrunk counterexample %v", shrunk)
	}
	c0 := rep["claims"].([]any)[0].(map[string]any)
	if c0["id"] != "C1" || len(c0["checks"].([]any)) != 2 {
		t.Errorf("claims[0] = %v", c0)
	}

	// the expected table round-trips through -check
	code, _, stderr = runSuite(fakeSuite(), "-regimes", "0", "-catalog", cat, "-out", t.TempDir(), "-check", exp)
	if code != exitOK {
		t.Fatalf("-check with the table just written: code %d, stderr %s", code, stderr)
	}
	tab, err := os.ReadFile(exp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tab), `"reason": "margin -2 < -error 1e-09 (Delta)"`) {
		t.Errorf("expected table lacks the FAILS reason:\n%s", tab)
	}
	// a wrong row is reported, and so is a missing one
	broken := strings.Replace(string(tab), `"check": "C1.ok",
      "verdict": "HOLDS"`, `"check": "C1.ok",
      "verdict": "INCONCLUSIVE",
      "reason": "planted"`, 1)
	if broken == string(tab) {
		t.Fatalf("could not plant a difference in:\n%s", tab)
	}
	if err := os.WriteFile(exp, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runSuite(fakeSuite(), "-regimes", "0", "-catalog", cat, "-out", t.TempDir(), "-check", exp)
	if code != exitFailure || !strings.Contains(stderr, "C1.ok on far: expected INCONCLUSIVE, got HOLDS") {
		t.Errorf("-check with a wrong row: code %d, stderr %s", code, stderr)
	}
	// rows of claims not selected are ignored
	code, _, stderr = runSuite(fakeSuite(), "-regimes", "0", "-claims", "C3", "-catalog", cat, "-out", t.TempDir(), "-check", exp)
	if code != exitOK {
		t.Errorf("-claims C3 -check: code %d, stderr %s", code, stderr)
	}
}

func TestRunRemovesStaleFigures(t *testing.T) {
	cat := writeCatalog(t)
	out := t.TempDir()
	if code, _, stderr := runSuite(fakeSuite(), "-regimes", "1", "-catalog", cat, "-out", out); code != exitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr := runSuite(fakeSuite(), "-regimes", "1", "-claims", "C1", "-catalog", cat, "-out", out); code != exitOK {
		t.Fatal(stderr)
	}
	for f, want := range map[string]bool{figCurves: false, figDistance: true, figMap: true, figQuant: false} {
		_, err := os.Stat(filepath.Join(out, "figures", f))
		if (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", f, err == nil, want)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "REPORT.md"))
	if !strings.Contains(string(md), "not drawn: it needs C3, not selected by -claims") {
		t.Error("REPORT.md does not say why figure (a) is missing")
	}
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	p := newProgress(&buf, func() time.Time { return now })
	for i := 1; i <= 30; i++ {
		now = t0.Add(time.Duration(i) * 300 * time.Millisecond)
		p.update(i, 30)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// 9 s in steps of 0.3 s, at most one line a second
	if len(lines) < 7 || len(lines) > 9 || lines[0] != "verify: 4/30 checks done (1.2 s)" {
		t.Errorf("progress lines: %q", lines)
	}
	p.terminal = true
	p.start = now
	buf.Reset()
	now = now.Add(1500 * time.Millisecond)
	p.update(1, 2)
	p.phase("x")
	if buf.Len() != 0 {
		t.Errorf("a terminal got progress within 2 s: %q", buf.String())
	}
}

func TestSortFailsAndRound(t *testing.T) {
	fs := []claims.Result{
		{Margin: -1, Regime: claims.Regime{Name: "a"}},
		{Margin: -0.1, InHypotheses: true, Regime: claims.Regime{Name: "b"}},
		{Margin: -3, Regime: claims.Regime{Name: "c"}},
		{Margin: -0.2, InHypotheses: true, Regime: claims.Regime{Name: "d"}},
	}
	sortFails(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Regime.Name)
	}
	if strings.Join(got, "") != "dbca" {
		t.Errorf("order %v", got)
	}
	for _, c := range []struct {
		x    float64
		d    int
		want float64
	}{{3.71, 1, 4}, {3.71, 2, 3.7}, {0.347, 1, 0.3}, {0.0456, 2, 0.046}, {12, 1, 10}} {
		if got := roundSig(c.x, c.d); got != c.want {
			t.Errorf("roundSig(%v, %d) = %v, want %v", c.x, c.d, got, c.want)
		}
	}
}

func TestNestHeadings(t *testing.T) {
	in := "# Top\ntext # not\n## Sub\n```\n# code\n```\n####### seven\n#nospace"
	want := "#### Top\ntext # not\n##### Sub\n```\n# code\n```\n####### seven\n#nospace"
	if got := nestHeadings(in); got != want {
		t.Errorf("nestHeadings:\n%s\nwant\n%s", got, want)
	}
}

func TestMappedOnlyChecks(t *testing.T) {
	c := fakeClaim{"C2"}
	in := claims.Regime{Name: "in", D: 2}
	out := claims.Regime{Name: "out", D: 1}
	res := []claims.Result{
		{Check: "C2.a", Regime: in, InHypotheses: true},
		{Check: "C2.witness", Regime: in, InHypotheses: false},
		{Check: "C2.witness", Regime: out, InHypotheses: false},
		{Check: "C2.only-out", Regime: out},
	}
	if got := fmt.Sprint(mappedOnlyChecks(c, res)); got != "[C2.witness]" {
		t.Errorf("mappedOnlyChecks = %s", got)
	}
}

// TestRunCheckRealClaims runs C1 on the real catalog against a table with
// one wrong row: exit 1, and the difference is listed.
func TestRunCheckRealClaims(t *testing.T) {
	exp := filepath.Join(t.TempDir(), "expected.json")
	table := `{"verdicts": [
  {"regime": "theory-2.4-distance", "check": "C1.radius", "verdict": "FAILS", "reason": "planted"},
  {"regime": "theory-2.4-distance", "check": "C9.nothing", "verdict": "HOLDS"}
]}`
	if err := os.WriteFile(exp, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runArgs("run", "-claims", "C1", "-regimes", "0", "-quick", "-figures=false",
		"-catalog", catalogPath, "-out", t.TempDir(), "-check", exp)
	if code != exitFailure {
		t.Fatalf("code %d, want %d; stderr %s", code, exitFailure, stderr)
	}
	if !strings.Contains(stderr, "C1.radius on theory-2.4-distance: expected FAILS, got HOLDS") {
		t.Errorf("stderr does not list the wrong row:\n%s", stderr)
	}
	if strings.Contains(stderr, "C9.nothing") {
		t.Errorf("a row of a claim not run is reported:\n%s", stderr)
	}
	if !strings.Contains(stderr, "not in the expected table") {
		t.Errorf("stderr does not list the results missing from the table:\n%s", stderr)
	}
}
