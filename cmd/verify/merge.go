package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"attnclust/claims"
	"attnclust/report"
	"attnclust/sweep"
)

// mergeUsage documents the merge subcommand.
const mergeUsage = `usage: verify merge [flags] SHARD...

Joins the shards written by "verify run -shard i/n" (each SHARD a shard
file, or a directory whose shard-*-of-*.json files are all taken) into
the report the same run writes unsharded: the same REPORT.md,
report.json and figures, byte for byte. The run's flags (seed, regimes,
claims, catalog, quick, figures) come from the shards; every shard must
come from the same run, suite version, Go version and platform, and
each of 1..n must be given exactly once (exit 2 otherwise, naming the
problem).

flags:
  -out DIR           output directory (default "reports")
  -workers N         parallel rendering work, N >= 1, or 0 for GOMAXPROCS
  -check FILE        as for run: compare every verdict with FILE
  -write-expected FILE
                     as for run: write the named-regime verdicts to FILE
`

// shardFileName is the name of shard i of n in its -out directory.
func shardFileName(i, n int) string { return fmt.Sprintf("shard-%d-of-%d.json", i, n) }

// runInfo returns what a shard of cfg records about its run.
func runInfo(cfg runConfig, sc sweep.Config, allClaims int) sweep.RunInfo {
	return sweep.RunInfo{Seed: sc.Seed, InHyp: sc.InHyp, Outside: sc.Outside, ClaimIDs: sc.ClaimIDs,
		Quick: sc.Quick, Figures: sc.Figures, Catalog: sc.Catalog, CatalogPath: cfg.catalog,
		Command: cfg.command(allClaims), SuiteVersion: suiteVersion, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

// writeShard computes shard cfg.shardIndex of cfg.shardCount and writes
// it to cfg.out (through a temporary file, so that a shard file present
// is complete).
func writeShard(cfg runConfig, sc sweep.Config, s sweep.Suite, stdout, stderr io.Writer) int {
	t0 := time.Now()
	sh, err := sweep.ExecuteShard(sc, s, runInfo(cfg, sc, len(s.Claims)), cfg.shardIndex, cfg.shardCount, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "verify run: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	b, err := sh.Encode()
	if err == nil {
		err = os.MkdirAll(cfg.out, 0o755)
	}
	path := filepath.Join(cfg.out, shardFileName(cfg.shardIndex, cfg.shardCount))
	if err == nil {
		tmp := path + ".tmp"
		if err = os.WriteFile(tmp, b, 0o644); err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "verify run: -shard: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	fmt.Fprintf(stderr, "verify: time shard %d/%d %.2f s\n", cfg.shardIndex, cfg.shardCount, time.Since(t0).Seconds())
	fmt.Fprintf(stdout, "shard: %s (%d units)\n", path, len(sh.Units))
	return exitOK
}

// cmdMerge implements "verify merge".
func cmdMerge(args []string, stdout, stderr io.Writer, s sweep.Suite) int {
	fs := flag.NewFlagSet("verify merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	out := fs.String("out", defaultOut, "")
	workers := fs.Int("workers", 0, "")
	check := fs.String("check", "", "")
	writeExpected := fs.String("write-expected", "", "")
	// flags and shard arguments may be interleaved
	var paths []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, mergeUsage)
				return exitOK
			}
			fmt.Fprintf(stderr, "verify merge: %s (see verify help)\n", oneLine(err.Error()))
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	switch {
	case len(paths) == 0:
		fmt.Fprintln(stderr, "verify merge: no shards given (want SHARD... after the flags; see verify help)")
		return exitUsage
	case *workers < 0 || *workers > maxWorkers:
		fmt.Fprintf(stderr, "verify merge: -workers: want N >= 1, or 0 for GOMAXPROCS (at most %d), got %d\n", maxWorkers, *workers)
		return exitUsage
	case *out == "":
		fmt.Fprintln(stderr, "verify merge: -out: the output directory must not be empty")
		return exitUsage
	}
	var expected []claims.Expected
	if *check != "" {
		var err error
		if expected, err = loadExpected(*check); err != nil {
			fmt.Fprintf(stderr, "verify merge: -check: %s\n", oneLine(err.Error()))
			return exitUsage
		}
	}

	files, err := shardFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "verify merge: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	shards := make([]*sweep.Shard, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			shards[i], err = sweep.DecodeShard(b)
		}
		if err != nil {
			fmt.Fprintf(stderr, "verify merge: %s: %s\n", f, oneLine(err.Error()))
			return exitUsage
		}
		if v := shards[i].Run.SuiteVersion; v != suiteVersion {
			fmt.Fprintf(stderr, "verify merge: %s: computed by suite version %s, this program is version %s\n", f, v, suiteVersion)
			return exitUsage
		}
	}
	o, ri, err := sweep.Merge(shards, files, s, *workers)
	if err != nil {
		fmt.Fprintf(stderr, "verify merge: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	cfg := runConfig{seed: ri.Seed, regimes: ri.InHyp, outside: ri.Outside, claimIDs: ri.ClaimIDs, quick: ri.Quick,
		out: *out, workers: *workers, catalog: ri.CatalogPath, check: *check, writeExpected: *writeExpected, figures: ri.Figures}
	meta := report.Meta{SuiteVersion: ri.SuiteVersion, GoVersion: ri.GoVersion, Command: ri.Command, CatalogPath: ri.CatalogPath}
	return finishRun("verify merge", cfg, len(s.Claims), o, meta, expected, stdout, stderr)
}

// shardFiles expands the merge arguments: a directory stands for its
// shard-*-of-*.json files (at least one), a file for itself. The same
// file named twice is an error.
func shardFiles(paths []string) ([]string, error) {
	var files []string
	seen := map[string]string{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		var fs []string
		if st.IsDir() {
			fs, err = filepath.Glob(filepath.Join(p, "shard-*-of-*.json"))
			if err != nil {
				return nil, err
			}
			if len(fs) == 0 {
				return nil, fmt.Errorf("%s: no shard file (shard-i-of-n.json) in this directory", p)
			}
			sort.Strings(fs)
		} else {
			fs = []string{p}
		}
		for _, f := range fs {
			abs, err := filepath.Abs(f)
			if err != nil {
				return nil, err
			}
			if prev, dup := seen[abs]; dup {
				return nil, fmt.Errorf("%s given twice (as %s and %s)", abs, prev, f)
			}
			seen[abs] = f
			files = append(files, f)
		}
	}
	return files, nil
}
