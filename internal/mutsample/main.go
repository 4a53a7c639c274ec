// Command mutsample estimates a package's mutation efficacy from a uniform
// random sample of its gremlins mutants, for packages too slow to mutate in
// full (gremlins v0.6.0 runs every mutant).
//
// Usage:
//
//	go run ./internal/mutsample -pkg numerics -n 150 -seed 1 [-timeout-factor 10]
//
// It lists the package's mutants exactly as gremlins does (the RUNNABLE
// lines of `gremlins unleash --dry-run ./pkg`; NOT COVERED mutants are
// counted, not run), draws n of them uniformly without replacement with the
// seed, and runs each in a scratch copy of the module (never in the source
// tree): the token at the mutant's position is replaced by gremlins' table,
// `go test -count=1 -failfast ./pkg` runs with ATTNCLUST_RAPID_SEED=20261130
// and a timeout of timeout-factor times the unmutated run (timed with the
// package rebuilt, as for a mutant), and the file is restored. Each mutant
// is KILLED (exit 1, which includes a mutant that does not compile), LIVED
// (exit 0), TIMED OUT or NOT VIABLE (exit 2), as in gremlins.
//
// Standard output has one line per mutant and a summary: killed, lived,
// timed out, and the efficacy killed/(killed+lived) with its exact 95%
// Clopper-Pearson interval (Beta quantiles from gonum's distuv). The
// interval covers sampling error only: it treats the sampled mutants as
// a uniform draw from the runnable ones. A JSON file holds the same data.
// Progress goes to standard error. Exit status: 0 on success, 1 on a
// failure (gremlins or the unmutated tests fail), 2 on a bad flag.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// config holds the parsed flags.
type config struct {
	pkg           string
	n             int
	seed          uint64
	timeoutFactor float64
	gremlins      string
	jsonPath      string
	only          []Mutant
	timeout       time.Duration
	budget        time.Duration
	resume        string
}

// flagError is a bad command line; it names the flag.
type flagError struct{ msg string }

func (e flagError) Error() string { return e.msg }

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("mutsample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.pkg, "pkg", "", "package directory, relative to the module root (required), e.g. numerics")
	fs.IntVar(&c.n, "n", 100, "sample size; 0 runs every runnable mutant")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the sample")
	fs.Float64Var(&c.timeoutFactor, "timeout-factor", 10, "a mutant times out after this multiple of the unmutated run")
	fs.StringVar(&c.gremlins, "gremlins", "", "gremlins v0.6.0 binary (default: $GREMLINS, gremlins on PATH, or $(go env GOPATH)/bin/gremlins)")
	fs.StringVar(&c.jsonPath, "json", "", "JSON output file (default /tmp/attnclust-mutation/<pkg>-sample.json)")
	fs.DurationVar(&c.timeout, "timeout", 0, "fixed timeout per mutant; skips timing the unmutated run (default: timeout-factor times that run)")
	fs.DurationVar(&c.budget, "budget", 0, "start no mutant after this wall time (0: no limit); the mutants run are a prefix of the draw order, itself a uniform sample")
	fs.StringVar(&c.resume, "resume", "", "standard output of an earlier run: mutants listed there are not run again, their status is reused")
	only := fs.String("only", "", "run just these mutants instead of a sample: comma-separated TYPE@file:line:col")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err // the usage is printed already
		}
		return config{}, flagError{err.Error()}
	}
	if fs.NArg() > 0 {
		return config{}, flagError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	c.pkg = filepath.Clean(strings.TrimPrefix(c.pkg, "./"))
	if c.pkg == "." || c.pkg == "" || filepath.IsAbs(c.pkg) || strings.HasPrefix(c.pkg, "..") {
		return config{}, flagError{"-pkg: want a package directory relative to the module root, e.g. numerics"}
	}
	if c.n < 0 {
		return config{}, flagError{fmt.Sprintf("-n: want a sample size >= 0, got %d", c.n)}
	}
	if !(c.timeoutFactor >= 1) || c.timeoutFactor > 1000 {
		return config{}, flagError{fmt.Sprintf("-timeout-factor: want a number in [1, 1000], got %g", c.timeoutFactor)}
	}
	if c.budget < 0 {
		return config{}, flagError{fmt.Sprintf("-budget: want a positive duration, got %s", c.budget)}
	}
	if c.timeout < 0 {
		return config{}, flagError{fmt.Sprintf("-timeout: want a positive duration, got %s", c.timeout)}
	}
	if *only != "" {
		for _, s := range strings.Split(*only, ",") {
			m, err := parseMutantSpec(strings.TrimSpace(s))
			if err != nil {
				return config{}, flagError{"-only: " + err.Error()}
			}
			c.only = append(c.only, m)
		}
	}
	if c.jsonPath == "" {
		c.jsonPath = filepath.Join(os.TempDir(), "attnclust-mutation", strings.ReplaceAll(c.pkg, "/", "_")+"-sample.json")
	}
	return c, nil
}

// parseMutantSpec reads TYPE@file:line:col.
func parseMutantSpec(s string) (Mutant, error) {
	typ, pos, ok := strings.Cut(s, "@")
	if !ok {
		return Mutant{}, fmt.Errorf("%q: want TYPE@file:line:col", s)
	}
	parts := strings.Split(pos, ":")
	if len(parts) != 3 {
		return Mutant{}, fmt.Errorf("%q: want TYPE@file:line:col", s)
	}
	line, err1 := strconv.Atoi(parts[1])
	col, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || line < 1 || col < 1 {
		return Mutant{}, fmt.Errorf("%q: line and column must be positive integers", s)
	}
	if _, ok := tokenMutations()[typ]; !ok {
		return Mutant{}, fmt.Errorf("%q: unknown mutant type %q", s, typ)
	}
	return Mutant{Type: typ, File: parts[0], Line: line, Col: col}, nil
}

// Report is the JSON output.
type Report struct {
	Package         string    `json:"package"`
	Seed            uint64    `json:"seed"`
	Requested       int       `json:"requested"`
	Drawn           int       `json:"drawn"`
	StoppedEarly    bool      `json:"stopped_early,omitempty"`
	Runnable        int       `json:"runnable"`
	NotCovered      int       `json:"not_covered"`
	TimeoutFactor   float64   `json:"timeout_factor"`
	BaselineSeconds float64   `json:"baseline_seconds"`
	TimeoutSeconds  float64   `json:"timeout_seconds"`
	Outcomes        []Outcome `json:"outcomes"`
	Killed          int       `json:"killed"`
	Lived           int       `json:"lived"`
	TimedOut        int       `json:"timed_out"`
	NotViable       int       `json:"not_viable"`
	Efficacy        float64   `json:"efficacy"`
	CILower         float64   `json:"ci95_lower"`
	CIUpper         float64   `json:"ci95_upper"`
	CIMethod        string    `json:"ci_method"`
	WallSeconds     float64   `json:"wall_seconds"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // -h asked for the usage, which is not an error
		}
		fmt.Fprintln(stderr, "mutsample:", err)
		return 2
	}
	if err := execute(c, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "mutsample:", err)
		var fe flagError
		if errors.As(err, &fe) {
			return 2
		}
		return 1
	}
	return 0
}

func findGremlins(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if g := os.Getenv("GREMLINS"); g != "" {
		return g, nil
	}
	if g, err := exec.LookPath("gremlins"); err == nil {
		return g, nil
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return "", fmt.Errorf("locating gremlins: go env GOPATH: %w", err)
	}
	g := filepath.Join(strings.TrimSpace(string(out)), "bin", "gremlins")
	if _, err := os.Stat(g); err != nil {
		return "", fmt.Errorf("gremlins not found (set -gremlins or install github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0): %w", err)
	}
	return g, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	return filepath.Dir(gomod), nil
}

func execute(c config, stdout, stderr io.Writer) error {
	start := time.Now()
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if st, err := os.Stat(filepath.Join(root, c.pkg)); err != nil || !st.IsDir() {
		return flagError{fmt.Sprintf("-pkg: %s is not a directory of the module at %s", c.pkg, root)}
	}
	scratch, err := os.MkdirTemp("", "mutsample-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	fmt.Fprintf(stderr, "copying %s to %s\n", root, scratch)
	if err := copyModule(root, scratch); err != nil {
		return fmt.Errorf("copying the module: %w", err)
	}

	rep := Report{Package: c.pkg, Seed: c.seed, Requested: c.n, TimeoutFactor: c.timeoutFactor,
		CIMethod: "exact Clopper-Pearson, Beta quantiles from gonum stat/distuv"}
	sample := c.only
	if sample == nil {
		g, err := findGremlins(c.gremlins)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "listing mutants: %s unleash --dry-run ./%s\n", g, c.pkg)
		cmd := exec.Command(g, "unleash", "--dry-run", "./"+c.pkg)
		cmd.Dir = scratch
		cmd.Env = append(os.Environ(), "ATTNCLUST_RAPID_SEED="+RapidSeed)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("gremlins --dry-run ./%s: %w\n%s", c.pkg, err, tail(out, 2000))
		}
		runnable, notCovered, err := ParseDryRun(out)
		if err != nil {
			return fmt.Errorf("gremlins --dry-run ./%s: %w", c.pkg, err)
		}
		rep.Runnable, rep.NotCovered = len(runnable), len(notCovered)
		sample = Sample(runnable, c.n, c.seed)
	}
	rep.Drawn = len(sample)
	done := map[Mutant]Outcome{}
	if c.resume != "" {
		prev, err := os.ReadFile(c.resume)
		if err != nil {
			return fmt.Errorf("-resume: %w", err)
		}
		for _, o := range ParseOutcomes(prev) {
			done[o.Mutant] = o
		}
	}
	base, timeout := time.Duration(0), c.timeout
	if timeout == 0 {
		if base, err = baseline(scratch, c.pkg); err != nil {
			return err
		}
		timeout = time.Duration(c.timeoutFactor * float64(base))
	}
	rep.BaselineSeconds, rep.TimeoutSeconds = base.Seconds(), timeout.Seconds()
	fmt.Fprintf(stderr, "package %s: %d runnable, %d not covered; running %d (seed %d); baseline %.1fs, timeout %.1fs\n",
		c.pkg, rep.Runnable, rep.NotCovered, len(sample), c.seed, base.Seconds(), timeout.Seconds())

	for i, m := range sample {
		if c.budget > 0 && time.Since(start) > c.budget {
			rep.StoppedEarly = true
			fmt.Fprintf(stderr, "budget %s spent: stopping after %d of %d mutants\n", c.budget, i, len(sample))
			break
		}
		o, ok := done[m]
		if !ok {
			if o, err = runMutant(scratch, c.pkg, m, timeout); err != nil {
				return err
			}
		}
		rep.Outcomes = append(rep.Outcomes, o)
		note := ""
		if o.BuildFailed {
			note = " build failed"
		}
		fmt.Fprintf(stdout, "%s %s (%.1fs%s)\n", o.Status, o.Mutant, o.Seconds, note)
		fmt.Fprintf(stderr, "[%d/%d] %s %s\n", i+1, len(sample), o.Status, o.Mutant)
		switch o.Status {
		case Killed:
			rep.Killed++
		case Lived:
			rep.Lived++
		case TimedOut:
			rep.TimedOut++
		case NotViable:
			rep.NotViable++
		}
	}
	rep.WallSeconds = time.Since(start).Seconds()
	if d := rep.Killed + rep.Lived; d > 0 {
		rep.Efficacy = float64(rep.Killed) / float64(d)
		rep.CILower, rep.CIUpper = ClopperPearson(rep.Killed, d, 0.95)
	}
	fmt.Fprint(stdout, summary(rep))
	if err := os.MkdirAll(filepath.Dir(c.jsonPath), 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.jsonPath, append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", c.jsonPath)
	return nil
}

// summary renders the closing lines of the report.
func summary(r Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s: runnable %d, not covered %d, ran %d of %d drawn (seed %d)\n",
		r.Package, r.Runnable, r.NotCovered, len(r.Outcomes), r.Drawn, r.Seed)
	if r.StoppedEarly {
		fmt.Fprintln(&b, "stopped early (budget): the mutants run are the first of the draw order, a uniform sample of that size")
	}
	fmt.Fprintf(&b, "killed %d lived %d timed-out %d not-viable %d\n", r.Killed, r.Lived, r.TimedOut, r.NotViable)
	if d := r.Killed + r.Lived; d > 0 {
		fmt.Fprintf(&b, "efficacy %.1f%% (%d/%d), 95%% Clopper-Pearson interval [%.1f%%, %.1f%%]\n",
			100*r.Efficacy, r.Killed, d, 100*r.CILower, 100*r.CIUpper)
	} else {
		fmt.Fprintln(&b, "efficacy n/a (no mutant killed or lived)")
	}
	return b.String()
}
