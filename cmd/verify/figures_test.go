package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/theory"
)

func TestLogTicks(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks{}).Ticks(2, 3000) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "10 100 1000" {
		t.Errorf("labels %q", got)
	}
	labels = nil
	for _, tk := range (logTicks{}).Ticks(3e-8, 2) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "1e-7 1e-6 1e-5 1e-4 0.001 0.01 0.1 1" {
		t.Errorf("labels %q", got)
	}
	if len((logTicks{}).Ticks(0, 1)) != 0 {
		t.Error("ticks on a non-positive range")
	}
	var lin []string
	for _, tk := range (linearTicks{step: 0.05}).Ticks(0, 0.26) {
		lin = append(lin, tk.Label)
	}
	if got := strings.Join(lin, " "); got != "0 0.05 0.1 0.15 0.2 0.25" {
		t.Errorf("linear labels %q", got)
	}
}

func TestGridsAndHelpers(t *testing.T) {
	if g := distanceGrid(false); len(g) != 33 || g[0] != 2 || g[32] != 10 {
		t.Errorf("distance grid %v", g)
	}
	if g := distanceGrid(true); len(g) != 9 {
		t.Errorf("quick distance grid %v", g)
	}
	d, l := mapGrid(false)
	if fmt.Sprint(d, l) != "[1.5 2 3 4 5 6 8] [0.1 0.3 1 3 10]" {
		t.Errorf("map grid %v %v", d, l)
	}
	if n := quantSamples(3000, 2, false); n != 3333 {
		t.Errorf("samples at L=3000: %d", n)
	}
	if n := quantSamples(2, 2, false); n != 20000 {
		t.Errorf("samples at L=2: %d", n)
	}
	if r := mapRegime(1.5, 0.1); r.Name != "map-Delta1.5-ls20.1" || r.Validate() != nil {
		t.Errorf("map regime %+v", r)
	}
	if got := orList([]string{"C1", "C2", "C3"}); got != "C1, C2, or C3" {
		t.Errorf("orList = %q", got)
	}
	r := curvesRegime(nil)
	if r.Name != curvesRegimeName || r.Validate() != nil {
		t.Errorf("built-in curves regime %+v", r)
	}
	for _, c := range []struct {
		vs   []claims.Verdict
		want cellStatus
	}{
		{nil, cellNone},
		{[]claims.Verdict{claims.Holds, claims.Holds}, cellHolds},
		{[]claims.Verdict{claims.Holds, claims.Inconclusive}, cellInconclusive},
		{[]claims.Verdict{claims.Inconclusive, claims.Fails}, cellFails},
	} {
		var res []claims.Result
		for _, v := range c.vs {
			res = append(res, claims.Result{Verdict: v})
		}
		if got := statusOf(res); got != c.want {
			t.Errorf("statusOf(%v) = %v, want %v", c.vs, got, c.want)
		}
	}
}

// TestFiguresFailSoftly: a failing or panicking figure is reported in the
// report, and the run still succeeds.
func TestFiguresFailSoftly(t *testing.T) {
	s := fakeSuite()
	s.quantInf = func(theory.Mixture, float64) (numerics.Estimate, error) {
		return numerics.Estimate{}, errors.New("quadrature blew up")
	}
	s.minDist = func(claims.Env, claims.Regime) (float64, float64, error) { panic("boom") }
	s.curves = nil
	out := t.TempDir()
	code, _, stderr := runSuite(s, "-regimes", "1", "-catalog", writeCatalog(t), "-out", out)
	if code != exitOK {
		t.Fatalf("code %d, stderr %s", code, stderr)
	}
	md, _ := os.ReadFile(filepath.Join(out, "REPORT.md"))
	for _, want := range []string{"not drawn: Q_inf: quadrature blew up", "not drawn: internal error: boom",
		"not drawn: claims.TrainingCurves (C3) is not available"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("REPORT.md lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "figures", figMap)); err != nil {
		t.Errorf("the map should still be drawn: %v", err)
	}
}

// TestFakeSuiteDeterministic: two runs of the fake suite write the same
// bytes (figures included) whatever -workers is.
func TestFakeSuiteDeterministic(t *testing.T) {
	cat := writeCatalog(t)
	a, b := t.TempDir(), t.TempDir()
	if code, _, stderr := runSuite(fakeSuite(), "-regimes", "5", "-catalog", cat, "-out", a, "-workers", "1"); code != exitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr := runSuite(fakeSuite(), "-regimes", "5", "-catalog", cat, "-out", b, "-workers", "3"); code != exitOK {
		t.Fatal(stderr)
	}
	sameOutputs(t, a, b)
	if n := len(listFiles(t, filepath.Join(a, "figures"))); n != 4 {
		t.Errorf("%d figures, want 4", n)
	}
}
