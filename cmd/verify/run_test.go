package main

import (
	"attnclust/internal/claimtest"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/sweep"
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
func runSuite(s sweep.Suite, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cmdRun(args, &out, &errb, s)
	return code, out.String(), errb.String()
}

// fakeClaim is the shared fake claim (see package claimtest).
type fakeClaim = claimtest.Fake

func fakeSuite() sweep.Suite {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return sweep.Suite{
		Claims: []claims.Claim{fakeClaim{ClaimID: "C1"}, fakeClaim{ClaimID: "C3"}, fakeClaim{ClaimID: "C4"}},
		Curves: func(env claims.Env, r claims.Regime, runs int) ([]claims.Curve, error) {
			c := claims.Curve{Scheme: "small-scale"}
			for i := 0; i <= 20; i++ {
				c.Iter = append(c.Iter, 10*i)
				c.Cos1 = append(c.Cos1, 1-math.Exp(-float64(i)))
				c.Cos2 = append(c.Cos2, 1-2*math.Exp(-float64(i)))
			}
			return []claims.Curve{c}, nil
		},
		MinDist: func(env claims.Env, r claims.Regime) (float64, float64, error) {
			return math.Exp(-r.Separation*r.Separation/8) / (1 + r.LambdaSigma2), 1e-13, nil
		},
		QuantInf: func(theory.Mixture, float64) (numerics.Estimate, error) {
			return numerics.Estimate{Value: 0.0283, Err: 1e-15}, nil
		},
		QuantMC: func(_ theory.Mixture, _ float64, L, _ int, _ uint64) (numerics.Estimate, error) {
			return numerics.Estimate{Value: 0.0283 + 0.5/float64(L), Err: 0.001}, nil
		},
		Slices:     func(claims.Claim, bool) []claims.Regime { return nil },
		Thresholds: func(claims.Env, claims.Claim, []claims.Regime, int, func(int, int)) []claims.Threshold { return nil },
		Summarize: func(c claims.Claim, rs []claims.Result) claims.Summary {
			return claims.Summary{Claim: c.ID(), RandomInHypotheses: len(rs) / 2, FailureRateUpper: claims.FailureRateUpper(0, len(rs)/2, 0.95)}
		},
		Now: func() time.Time { return t0 },
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
		{[]string{"-outside", "-1"}, "-outside"},
		{[]string{"-outside", "1.5"}, "-outside"},
		{[]string{"-workers", "-1"}, "-workers"},
		{[]string{"-seed", "-1"}, "-seed"},
		{[]string{"-seed", "abc"}, "-seed"},
		{[]string{"-claims", "C1,C99"}, `unknown claim "C99"`},
		{[]string{"-claims", ""}, "-claims"},
		{[]string{"-claims", "C1,,C2"}, "-claims"},
		{[]string{"-out", ""}, "-out"},
		{[]string{"-bogus"}, "-bogus"},
		{[]string{"-figures=maybe"}, "-figures"},
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
		if code != exitOK || !strings.Contains(stdout, "-write-expected") || !strings.Contains(stdout, "-outside") {
			t.Errorf("%q: code %d, stdout %q", args, code, stdout)
		}
	}
	code, stdout, _ := runArgs("help")
	for _, s := range []string{"run [flags]", "list", "eval", "-regimes", "-outside", "-check"} {
		if code != exitOK || !strings.Contains(stdout, s) {
			t.Errorf("help does not mention %q", s)
		}
	}
}

func TestParseRunFlagsDefaults(t *testing.T) {
	s := sweep.Suite{Claims: claims.All()}
	cfg, err := parseRunFlags(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.seed != 1 || cfg.regimes != defaultRegimes || cfg.outside != defaultOutside || cfg.quick || cfg.out != "reports" ||
		cfg.workers != 0 || cfg.catalog != defaultCatalog || !cfg.figures || len(cfg.claimIDs) != len(s.Claims) || cfg.shardCount != 0 {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, _ = parseRunFlags([]string{"-quick"}, s)
	if cfg.regimes != defaultQuickRegimes || cfg.outside != defaultQuickOutside {
		t.Errorf("-quick: regimes %d, outside %d", cfg.regimes, cfg.outside)
	}
	cfg, _ = parseRunFlags([]string{"-quick", "-regimes", "7", "-outside", "0", "-claims", "C3, C1,C3"}, s)
	if cfg.regimes != 7 || cfg.outside != 0 || strings.Join(cfg.claimIDs, ",") != "C1,C3" {
		t.Errorf("-quick -regimes 7 -claims: %+v", cfg)
	}
	if got := cfg.command(5); got != "go run ./cmd/verify run -seed 1 -regimes 7 -outside 0 -claims C1,C3 -quick" {
		t.Errorf("command = %q", got)
	}
}

// ---- the pipeline with fake claims

func TestRunFakeSuite(t *testing.T) {
	cat := writeCatalog(t)
	out := t.TempDir()
	exp := filepath.Join(t.TempDir(), "expected.json")
	code, stdout, stderr := runSuite(fakeSuite(), "-regimes", "6", "-outside", "5", "-seed", "3", "-quick", "-catalog", cat, "-out", out, "-write-expected", exp)
	if code != exitOK {
		t.Fatalf("code %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "C1") || !strings.Contains(stdout, "REPORT.md") {
		t.Errorf("stdout %q", stdout)
	}
	for _, s := range []string{"verify: time total", "file(s) changed"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	if strings.Contains(stderr, "REPORT.md style") {
		t.Errorf("the fake report has style problems:\n%s", stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	for _, s := range []string{"## Verdicts", "## Findings", "## Figures", "Fake statement of C1.", "## Appendix D. Counterexamples",
		"```json", "go run ./cmd/verify run -seed 3 -regimes 6 -outside 5 -quick -catalog", "| near |"} {
		if !strings.Contains(text, s) {
			t.Errorf("REPORT.md lacks %q", s)
		}
	}
	if strings.Contains(text, out) {
		t.Error("REPORT.md names the output directory")
	}
	if _, err := os.Stat(filepath.Join(out, "timings.txt")); err == nil {
		t.Error("the run wrote timings.txt")
	}
	rep := readJSON(t, filepath.Join(out, "report.json"))
	if rep["schema_version"] != 2.0 || rep["suite_version"] != suiteVersion || rep["seed"] != 3.0 || rep["in_hypotheses_per_claim"] != 6.0 || rep["outside_per_claim"] != 5.0 {
		t.Errorf("report.json header: %v %v %v %v %v", rep["schema_version"], rep["suite_version"], rep["seed"], rep["in_hypotheses_per_claim"], rep["outside_per_claim"])
	}
	if n := len(rep["results"].([]any)); n != 3*(6+5+2)*2 {
		t.Errorf("%d results, want %d", n, 3*13*2)
	}

	// a second run with the same command changes no file
	_, _, stderr = runSuite(fakeSuite(), "-regimes", "6", "-outside", "5", "-seed", "3", "-quick", "-catalog", cat, "-out", out, "-workers", "1")
	if !strings.Contains(stderr, "verify: 0 file(s) changed") {
		t.Errorf("second run rewrote files:\n%s", stderr)
	}

	// the expected table round-trips through -check
	code, _, stderr = runSuite(fakeSuite(), "-regimes", "6", "-outside", "5", "-seed", "3", "-quick", "-catalog", cat, "-out", t.TempDir(), "-check", exp)
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
	code, _, stderr = runSuite(fakeSuite(), "-regimes", "6", "-outside", "5", "-seed", "3", "-quick", "-catalog", cat, "-out", t.TempDir(), "-check", exp)
	if code != exitFailure || !strings.Contains(stderr, "expected INCONCLUSIVE, got HOLDS") || !strings.Contains(stderr, "1 difference(s)") {
		t.Errorf("-check with a wrong row: code %d, stderr %s", code, stderr)
	}
	code, _, stderr = runSuite(fakeSuite(), "-regimes", "6", "-outside", "5", "-seed", "3", "-quick", "-claims", "C3", "-catalog", cat, "-out", t.TempDir(), "-check", exp)
	if code != exitOK {
		t.Errorf("-claims C3 -check: code %d, stderr %s", code, stderr)
	}
}

func TestRunRemovesStaleFigures(t *testing.T) {
	cat := writeCatalog(t)
	out := t.TempDir()
	if code, _, stderr := runSuite(fakeSuite(), "-regimes", "1", "-quick", "-catalog", cat, "-out", out); code != exitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr := runSuite(fakeSuite(), "-regimes", "1", "-quick", "-claims", "C1", "-catalog", cat, "-out", out); code != exitOK {
		t.Fatal(stderr)
	}
	for f, want := range map[string]bool{"training_curves.svg": false, "minimizer_distance.svg": true, "hold_map_c1.svg": true,
		"hold_map_c3.svg": false, "quantization.svg": false} {
		_, err := os.Stat(filepath.Join(out, "figures", f))
		if (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", f, err == nil, want)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "REPORT.md"))
	if !strings.Contains(string(md), "not drawn: it needs C3, not selected") {
		t.Error("REPORT.md does not say why the training curves are missing")
	}
}

// TestRunCheckRealClaims runs C1 on the real catalog against a table with
// one wrong row: exit 1, and the difference is listed.
func TestRunCheckRealClaims(t *testing.T) {
	exp := filepath.Join(t.TempDir(), "expected.json")
	table := `{"verdicts": [
  {"regime": "reference-distance", "check": "C1.radius", "verdict": "FAILS", "reason": "planted"},
  {"regime": "reference-distance", "check": "C9.nothing", "verdict": "HOLDS"}
]}`
	if err := os.WriteFile(exp, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runArgs("run", "-claims", "C1", "-regimes", "0", "-outside", "0", "-quick", "-figures=false",
		"-catalog", catalogPath, "-out", t.TempDir(), "-check", exp)
	if code != exitFailure {
		t.Fatalf("code %d, want %d; stderr %s", code, exitFailure, stderr)
	}
	if !strings.Contains(stderr, "C1.radius on reference-distance: expected FAILS, got HOLDS") {
		t.Errorf("stderr does not list the wrong row:\n%s", stderr)
	}
	if strings.Contains(stderr, "C9.nothing") {
		t.Errorf("a row of a claim not run is reported:\n%s", stderr)
	}
	if !strings.Contains(stderr, "not in the expected table") {
		t.Errorf("stderr does not list the results missing from the table:\n%s", stderr)
	}
}
