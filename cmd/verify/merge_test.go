package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"attnclust/claims"
	"attnclust/sweep"
)

// shardSuite is fakeSuite with threshold slices (so that the threshold
// units are sharded too).
func shardSuite() sweep.Suite {
	s := fakeSuite()
	s.Slices = func(c claims.Claim, quick bool) []claims.Regime {
		var out []claims.Regime
		for _, ls2 := range []float64{0.3, 1, 3} {
			out = append(out, claims.Regime{Name: fmt.Sprintf("%s|ls2=%g", c.ID(), ls2), D: 2, Sigma: 1, Pi1: 0.5,
				Geometry: claims.Orthogonal, Variant: "distance", LambdaSigma2: ls2, Seed: 1})
		}
		return out
	}
	s.Thresholds = func(env claims.Env, c claims.Claim, slices []claims.Regime, workers int, progress func(int, int)) []claims.Threshold {
		var out []claims.Threshold
		for _, sl := range slices {
			out = append(out, claims.Threshold{Claim: c.ID(), Slice: sl, Direction: claims.HoldsAbove, Status: claims.StatusBracketed,
				Lo: 4.97 + sl.LambdaSigma2/100, Hi: 5.01 + sl.LambdaSigma2/100, Evaluations: 11})
		}
		return out
	}
	return s
}

// runMerge runs the merge subcommand with a given suite.
func runMerge(s sweep.Suite, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cmdMerge(args, &out, &errb, s)
	return code, out.String(), errb.String()
}

// summaryOf drops the last stdout line (it names the output directory).
func summaryOf(stdout string) string {
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	return strings.Join(lines[:len(lines)-1], "\n")
}

// TestMergeByteIdentical: the fake suite run unsharded, and split into
// n = 1, 2 and 3 shards merged in a shuffled order (directories and
// files mixed, two shards sharing a directory), writes byte-identical
// REPORT.md, report.json and figures, the same summary and the same
// expected table; merge -check passes against the unsharded table.
func TestMergeByteIdentical(t *testing.T) {
	cat := writeCatalog(t)
	flags := []string{"-regimes", "6", "-outside", "5", "-seed", "3", "-quick", "-catalog", cat}
	full, exp := t.TempDir(), filepath.Join(t.TempDir(), "expected.json")
	code, stdout, stderr := runSuite(shardSuite(), append(flags, "-out", full, "-write-expected", exp)...)
	if code != exitOK {
		t.Fatalf("unsharded run: code %d, stderr %s", code, stderr)
	}
	wantTable, err := os.ReadFile(exp)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			shared := t.TempDir()
			var args []string
			for i := 1; i <= n; i++ {
				dir := t.TempDir()
				if i >= 2 {
					dir = shared // shards 2 and 3 in one directory
				}
				c, so, se := runSuite(shardSuite(), append(flags, "-shard", fmt.Sprintf("%d/%d", i, n), "-out", dir, "-workers", fmt.Sprint(1+i%2))...)
				if c != exitOK || !strings.Contains(so, shardFileName(i, n)) {
					t.Fatalf("shard %d/%d: code %d, stdout %q, stderr %s", i, n, c, so, se)
				}
				if i == 1 {
					args = append(args, filepath.Join(dir, shardFileName(i, n))) // a file
				} else if i == 2 {
					args = append(args, dir) // a directory (with shard 3 too)
				}
			}
			if _, err := os.Stat(filepath.Join(shared, "REPORT.md")); err == nil {
				t.Error("a shard run wrote REPORT.md")
			}
			rng.Shuffle(len(args), func(i, j int) { args[i], args[j] = args[j], args[i] })
			out, tab := t.TempDir(), filepath.Join(t.TempDir(), "expected.json")
			c, so, se := runMerge(shardSuite(), append([]string{"-out", out, "-check", exp, "-write-expected", tab}, args...)...)
			if c != exitOK {
				t.Fatalf("merge %v: code %d, stderr %s", args, c, se)
			}
			sameOutputs(t, full, out)
			if summaryOf(so) != summaryOf(stdout) {
				t.Errorf("merge summary:\n%s\nunsharded:\n%s", so, stdout)
			}
			if got, _ := os.ReadFile(tab); !bytes.Equal(got, wantTable) {
				t.Errorf("merge -write-expected:\n%s\nunsharded:\n%s", got, wantTable)
			}
		})
	}
}

// TestMergeRefuses: missing, duplicate, mismatched and foreign shards,
// and bad arguments, exit 2 with one line naming the problem.
func TestMergeRefuses(t *testing.T) {
	flags := []string{"-regimes", "2", "-outside", "2", "-seed", "3", "-quick", "-catalog", ""}
	dir := t.TempDir()
	for i := 1; i <= 3; i++ {
		if c, _, se := runSuite(shardSuite(), append(flags, "-shard", fmt.Sprintf("%d/3", i), "-out", dir)...); c != exitOK {
			t.Fatalf("shard %d: %s", i, se)
		}
	}
	other := t.TempDir()
	if c, _, se := runSuite(shardSuite(), "-regimes", "2", "-outside", "2", "-seed", "4", "-quick", "-catalog", "", "-shard", "2/3", "-out", other); c != exitOK {
		t.Fatal(se)
	}
	f := func(i int) string { return filepath.Join(dir, shardFileName(i, 3)) }
	copyDir := t.TempDir()
	b, err := os.ReadFile(f(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(copyDir, shardFileName(2, 3)), b, 0o644); err != nil {
		t.Fatal(err)
	}
	oldVersion := filepath.Join(t.TempDir(), "old.json")
	if err := os.WriteFile(oldVersion, bytes.Replace(b, []byte(`"suite_version":"`+suiteVersion+`"`), []byte(`"suite_version":"0.0.1"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage.json")
	if err := os.WriteFile(garbage, []byte(`{"format":"attnclust-shard","version":1,"run":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no shards", nil, "no shards given"},
		{"missing", []string{f(1), f(3)}, "missing shard(s) 2/3 (got 2 of 3)"},
		{"duplicate copy", []string{dir, copyDir}, "duplicate shard 2/3: "},
		{"same file twice", []string{dir, f(2)}, "given twice"},
		{"other run", []string{f(1), filepath.Join(other, shardFileName(2, 3)), f(3)}, "are shards of different runs (they differ in seed: 3 vs 4)"},
		{"other version", []string{f(1), oldVersion, f(3)}, "computed by suite version 0.0.1"},
		{"not a shard", []string{f(1), garbage}, "garbage.json: reading shard: $.run: missing field"},
		{"empty directory", []string{empty}, "no shard file"},
		{"no such file", []string{filepath.Join(empty, "nope")}, "no such file"},
		{"bad flag", []string{"-nope", dir}, "flag provided but not defined: -nope"},
		{"bad workers", []string{"-workers", "-1", dir}, "-workers: want N >= 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runMerge(shardSuite(), append([]string{"-out", t.TempDir()}, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("code %d, stderr %q, want exit 2 and %q", code, stderr, tc.want)
			}
		})
	}
	// and the three shards do merge
	if code, _, stderr := runMerge(shardSuite(), "-out", t.TempDir(), dir); code != exitOK {
		t.Errorf("merge of the three shards: code %d, stderr %s", code, stderr)
	}
}

func TestShardFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-shard", "0/3"}, "-shard: want 1 <= i <= n"},
		{[]string{"-shard", "4/3"}, "-shard: want 1 <= i <= n"},
		{[]string{"-shard", "x"}, "-shard: want i/n"},
		{[]string{"-shard", "1/2", "-check", "x.json"}, "give them to verify merge"},
		{[]string{"-shard", "1/2", "-write-expected", "x.json"}, "give them to verify merge"},
	} {
		code, _, stderr := runSuite(shardSuite(), append(tc.args, "-out", t.TempDir(), "-catalog", "")...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: code %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
	if code, stdout, _ := runArgs("merge", "-h"); code != exitOK || !strings.Contains(stdout, "usage: verify merge") {
		t.Errorf("merge -h: code %d, stdout %q", code, stdout)
	}
}

// TestMergeRealClaims: the real C2 (quick settings, threshold slices,
// hold map, shrunk counterexamples) split into 2 shards merges into the
// unsharded run's files, byte for byte.
func TestMergeRealClaims(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real claim (about 3 s of CPU)")
	}
	flags := []string{"-quick", "-regimes", "2", "-outside", "4", "-seed", "2", "-claims", "C2", "-catalog", ""}
	full := t.TempDir()
	if code, _, stderr := runArgs(append([]string{"run", "-out", full}, flags...)...); code != exitOK {
		t.Fatalf("unsharded: code %d, stderr %s", code, stderr)
	}
	md, err := os.ReadFile(filepath.Join(full, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "### C2.") {
		t.Fatal("no counterexample in the report: the shrink replay is not exercised (change the seed)")
	}
	shards := t.TempDir()
	for _, s := range []string{"2/2", "1/2"} {
		if code, _, stderr := runArgs(append([]string{"run", "-shard", s, "-out", shards}, flags...)...); code != exitOK {
			t.Fatalf("shard %s: code %d, stderr %s", s, code, stderr)
		}
	}
	out := t.TempDir()
	if code, _, stderr := runArgs("merge", "-out", out, shards); code != exitOK {
		t.Fatalf("merge: code %d, stderr %s", code, stderr)
	}
	sameOutputs(t, full, out)
}
