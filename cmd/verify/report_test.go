package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"attnclust/claims"
	"attnclust/report"
)

// listFiles returns the files under dir (relative paths), sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// sameOutputs fails unless dirs a and b hold the same files with the same
// bytes.
func sameOutputs(t *testing.T, a, b string) {
	t.Helper()
	fa, fb := listFiles(t, a), listFiles(t, b)
	if strings.Join(fa, ",") != strings.Join(fb, ",") {
		t.Fatalf("different files: %v and %v", fa, fb)
	}
	for _, f := range fa {
		ba, _ := os.ReadFile(filepath.Join(a, f))
		bb, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(ba, bb) {
			i := 0
			for i < len(ba) && i < len(bb) && ba[i] == bb[i] {
				i++
			}
			lo := max(0, i-80)
			t.Errorf("%s differs at byte %d:\n%q\nvs\n%q", f, i, ba[lo:min(len(ba), i+80)], bb[lo:min(len(bb), i+80)])
		}
	}
}

// TestRunPipeline runs the real suite in quick mode: twice with the same
// command, and once with -workers 1, and requires byte-identical
// REPORT.md, report.json and figures; then every eval spec of the report
// must be accepted by the eval subcommand.
func TestRunPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real suite (about 20 s)")
	}
	// A part of the catalog keeps the three runs cheap (about a third of
	// the quick run each) while still covering both kinds of components:
	// two-component regimes of each variant and the in-context layer,
	// and K = 3 and 4 regimes for the K-head claims.
	sub := subCatalog(t, "reference-distance", "reference-hardmax", "small-angle-dot", "in-context-reference", "k3-simplex-unequal-hardmax", "k4-random-distance")
	base := []string{"-quick", "-regimes", "3", "-outside", "3", "-seed", "5", "-catalog", sub}
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	workers := []string{"2", "2", "1"}
	for i, dir := range dirs {
		code, stdout, stderr := runArgs(append(append([]string{"run"}, base...), "-out", dir, "-workers", workers[i])...)
		if code != exitOK {
			t.Fatalf("run %d: code %d, stderr %s", i, code, stderr)
		}
		if !strings.Contains(stdout, "C3") {
			t.Errorf("run %d: stdout %q", i, stdout)
		}
	}
	t.Run("same command twice", func(t *testing.T) { sameOutputs(t, dirs[0], dirs[1]) })
	t.Run("workers 1 vs 2", func(t *testing.T) { sameOutputs(t, dirs[0], dirs[2]) })

	var rep struct {
		SchemaVersion   int             `json:"schema_version"`
		Results         []claims.Result `json:"results"`
		Counterexamples []struct {
			Original claims.Result `json:"original"`
			Shrunk   claims.Result `json:"shrunk"`
		} `json:"counterexamples"`
		Figures []struct {
			File  string `json:"file"`
			Drawn bool   `json:"drawn"`
			Note  string `json:"note"`
		} `json:"figures"`
		Claims []struct {
			ID string `json:"id"`
		} `json:"claims"`
	}
	b, err := os.ReadFile(filepath.Join(dirs[0], "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != 2 || len(rep.Claims) != len(claims.All()) || len(rep.Results) == 0 {
		t.Fatalf("report.json: schema %d, %d claims, %d results", rep.SchemaVersion, len(rep.Claims), len(rep.Results))
	}
	for _, f := range rep.Figures {
		if _, err := os.Stat(filepath.Join(dirs[0], f.File)); (err == nil) != f.Drawn {
			t.Errorf("figure %s: drawn %v, file error %v (note %q)", f.File, f.Drawn, err, f.Note)
		}
	}

	t.Run("specs reproduce", func(t *testing.T) {
		all := append([]claims.Result(nil), rep.Results...)
		for _, c := range rep.Counterexamples {
			all = append(all, c.Original, c.Shrunk)
		}
		seen := map[string]bool{}
		for _, r := range all {
			if r.Spec == "" || seen[r.Spec] {
				continue
			}
			seen[r.Spec] = true
			var out, errb bytes.Buffer
			if code := runWith([]string{"eval"}, strings.NewReader(r.Spec), &out, &errb, defaultBackend()); code != exitOK {
				t.Errorf("%s on %s: eval exit %d: %s\nspec: %s", r.Check, r.Regime.Name, code, errb.String(), r.Spec)
			}
		}
		if len(seen) == 0 {
			t.Error("no spec in report.json")
		}
		t.Logf("%d distinct specs evaluated", len(seen))
	})

	t.Run("report content", func(t *testing.T) {
		md, err := os.ReadFile(filepath.Join(dirs[0], "REPORT.md"))
		if err != nil {
			t.Fatal(err)
		}
		text := string(md)
		for _, c := range claims.All() {
			if !strings.Contains(text, "\n### "+c.ID()+": ") {
				t.Errorf("REPORT.md lacks the statement of %s", c.ID())
			}
		}
		if n := report.MainBodyLines(md); n > 300 {
			t.Errorf("main body has %d lines, want at most 300", n)
		}
		for _, f := range rep.Figures {
			if f.Drawn && !strings.Contains(text, "]("+f.File+")") {
				t.Errorf("REPORT.md does not show %s", f.File)
			}
		}
		if strings.Contains(text, dirs[0]) {
			t.Error("REPORT.md names the output directory")
		}
	})
}

// subCatalog writes the named regimes of the catalog to a file in a
// temporary directory and returns its path; a missing name fails the
// test.
func subCatalog(t *testing.T, names ...string) string {
	t.Helper()
	f, err := os.Open(catalogPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := claims.LoadCatalog(f)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]claims.Regime{}
	for _, r := range all {
		byName[r.Name] = r
	}
	var keep []claims.Regime
	for _, n := range names {
		r, ok := byName[n]
		if !ok {
			t.Fatalf("catalog has no regime %q", n)
		}
		keep = append(keep, r)
	}
	b, err := json.Marshal(struct {
		Regimes []claims.Regime `json:"regimes"`
	}{keep})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "regimes.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
