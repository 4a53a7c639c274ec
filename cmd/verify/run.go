package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"attnclust/claims"
	"attnclust/report"
	"attnclust/sweep"
)

// runUsage documents the run subcommand's flags.
const runUsage = `usage: verify [run] [flags]

Checks every claim on -regimes random regimes per claim drawn inside its
hypotheses, on -outside regimes drawn from its full ranges (the map of
where it stops holding) and on every named regime of -catalog; measures
the separation thresholds; shrinks the counterexamples (toward the
hypothesis boundary for failures outside the hypotheses); computes the
figures and writes to -out:
  REPORT.md      verdicts, findings, thresholds, figures, then appendices
  report.json    the same, machine-readable (schema in REPORT.md)
  figures/*.svg  training curves, minimizer distance, hold maps,
                 thresholds, quantization
A file whose content is unchanged is not rewritten. The same flags and
seed write byte-identical files whatever -workers is; progress and wall
times go to the standard error only.

flags:
  -seed N            random-regime seed, an unsigned 64-bit integer (default 1)
  -regimes N         random regimes per claim inside its hypotheses,
                     0 <= N <= 100000 (default 50, or 6 with -quick)
  -outside N         random regimes per claim from its full ranges,
                     0 <= N <= 100000 (default 20, or 4 with -quick)
  -claims LIST       comma-separated claim IDs to run, e.g. C1,C3 (default all)
  -quick             smaller sweep: fewer regimes, the claims' quick settings,
                     smaller figure grids
  -out DIR           output directory (default "reports")
  -workers N         parallel checks, N >= 1, or 0 for GOMAXPROCS (default 0)
  -catalog FILE      named regimes (default "fixtures/regimes.json"; "" for none)
  -check FILE        after the run, compare every verdict (named and seeded
                     random regimes) with the expected table FILE; print
                     each difference on stderr (a change to or from
                     INCONCLUSIVE included) and exit 1 if there is any
                     (rows of claims not run are ignored). Compare with a
                     table written with the same flags (fixtures/
                     expected_verdicts.json: -quick, seed 1)
  -write-expected FILE
                     write every verdict of this run as an expected table;
                     a non-HOLDS row keeps the reason FILE already gives it
                     when its verdict is unchanged
  -figures           compute and draw the figures (default true;
                     -figures=false skips them)
  -shard i/n         compute only shard i of n (1 <= i <= n) of the run and
                     write it to -out as shard-i-of-n.json instead of the
                     report; "verify merge" joins the n shards into the
                     report the unsharded run writes (byte for byte). Not
                     with -check or -write-expected (give them to merge)
`

// Limits on the run flags.
const (
	maxRegimes = 100_000
	maxWorkers = 4096
)

// Defaults of the run flags.
const (
	defaultRegimes      = 50
	defaultQuickRegimes = 6
	defaultOutside      = 20
	defaultQuickOutside = 4
	defaultCatalog      = "fixtures/regimes.json"
	defaultOut          = "reports"
)

// runConfig is the parsed and validated flags of the run subcommand.
type runConfig struct {
	seed          uint64
	regimes       int
	outside       int
	claimIDs      []string // selected claims, in suite order
	quick         bool
	out           string
	workers       int
	catalog       string
	check         string
	writeExpected string
	figures       bool
	// shardIndex (1-based) and shardCount select one shard (-shard i/n);
	// shardCount 0 runs everything.
	shardIndex, shardCount int
}

// command returns the command line that reproduces the report's content:
// every flag that changes it, and none that does not (-out, -workers,
// -check, -write-expected).
func (c runConfig) command(allClaims int) string {
	parts := []string{"go run ./cmd/verify run", "-seed", strconv.FormatUint(c.seed, 10),
		"-regimes", strconv.Itoa(c.regimes), "-outside", strconv.Itoa(c.outside)}
	if len(c.claimIDs) != allClaims {
		parts = append(parts, "-claims", strings.Join(c.claimIDs, ","))
	}
	if c.quick {
		parts = append(parts, "-quick")
	}
	if c.catalog != defaultCatalog {
		parts = append(parts, "-catalog", shellQuote(c.catalog))
	}
	if !c.figures {
		parts = append(parts, "-figures=false")
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./,=:+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// errHelp is returned by parseRunFlags for -h.
var errHelp = errors.New("help requested")

// parseRunFlags parses and validates the run flags. Its errors are one
// line each and name the flag.
func parseRunFlags(args []string, s sweep.Suite) (runConfig, error) {
	fs := flag.NewFlagSet("verify run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var cfg runConfig
	fs.Uint64Var(&cfg.seed, "seed", 1, "")
	fs.IntVar(&cfg.regimes, "regimes", defaultRegimes, "")
	fs.IntVar(&cfg.outside, "outside", defaultOutside, "")
	claimList := fs.String("claims", "", "")
	fs.BoolVar(&cfg.quick, "quick", false, "")
	fs.StringVar(&cfg.out, "out", defaultOut, "")
	fs.IntVar(&cfg.workers, "workers", 0, "")
	fs.StringVar(&cfg.catalog, "catalog", defaultCatalog, "")
	fs.StringVar(&cfg.check, "check", "", "")
	fs.StringVar(&cfg.writeExpected, "write-expected", "", "")
	fs.BoolVar(&cfg.figures, "figures", true, "")
	shard := fs.String("shard", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, errHelp
		}
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (run takes flags only)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if cfg.quick && !set["regimes"] {
		cfg.regimes = defaultQuickRegimes
	}
	if cfg.quick && !set["outside"] {
		cfg.outside = defaultQuickOutside
	}
	switch {
	case cfg.regimes < 0 || cfg.regimes > maxRegimes:
		return cfg, fmt.Errorf("-regimes: want 0 <= N <= %d, got %d", maxRegimes, cfg.regimes)
	case cfg.outside < 0 || cfg.outside > maxRegimes:
		return cfg, fmt.Errorf("-outside: want 0 <= N <= %d, got %d", maxRegimes, cfg.outside)
	case cfg.workers < 0 || cfg.workers > maxWorkers:
		return cfg, fmt.Errorf("-workers: want N >= 1, or 0 for GOMAXPROCS (at most %d), got %d", maxWorkers, cfg.workers)
	case cfg.out == "":
		return cfg, errors.New("-out: the output directory must not be empty")
	}
	if set["shard"] {
		i, n, err := sweep.ParseShardSpec(*shard)
		if err != nil {
			return cfg, fmt.Errorf("-shard: %w", err)
		}
		cfg.shardIndex, cfg.shardCount = i, n
		if cfg.check != "" || cfg.writeExpected != "" {
			return cfg, errors.New("-shard: -check and -write-expected apply to the whole run: give them to verify merge")
		}
	}
	ids, err := selectClaims(*claimList, set["claims"], s.Claims)
	if err != nil {
		return cfg, err
	}
	cfg.claimIDs = ids
	return cfg, nil
}

// selectClaims parses the -claims list against the known claims and
// returns the selected IDs in the suite's order (all when the flag was not
// given).
func selectClaims(list string, given bool, known []claims.Claim) ([]string, error) {
	var ids []string
	if !given {
		for _, c := range known {
			ids = append(ids, c.ID())
		}
		return ids, nil
	}
	want := map[string]bool{}
	for _, f := range strings.Split(list, ",") {
		id := strings.TrimSpace(f)
		if id == "" {
			return nil, fmt.Errorf("-claims: empty claim ID in %q (want e.g. C1,C3)", list)
		}
		found := false
		for _, c := range known {
			found = found || c.ID() == id
		}
		if !found {
			return nil, fmt.Errorf("-claims: unknown claim %q (known: %s)", id, strings.Join(claimIDs(known), ", "))
		}
		want[id] = true
	}
	for _, c := range known {
		if want[c.ID()] {
			ids = append(ids, c.ID())
		}
	}
	return ids, nil
}

func claimIDs(cs []claims.Claim) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID()
	}
	return ids
}

// cmdRun implements "verify run" (the default subcommand).
func cmdRun(args []string, stdout, stderr io.Writer, s sweep.Suite) int {
	cfg, err := parseRunFlags(args, s)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, runUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "verify run: %s (see verify help)\n", oneLine(err.Error()))
		return exitUsage
	}

	// Read every input before the (long) run, so that a bad file fails fast.
	var catalog []claims.Regime
	if cfg.catalog != "" {
		catalog, err = loadCatalog(cfg.catalog)
		if err != nil {
			fmt.Fprintf(stderr, "verify run: -catalog: %s\n", oneLine(err.Error()))
			return exitUsage
		}
	}
	var expected []claims.Expected
	if cfg.check != "" {
		expected, err = loadExpected(cfg.check)
		if err != nil {
			fmt.Fprintf(stderr, "verify run: -check: %s\n", oneLine(err.Error()))
			return exitUsage
		}
	}

	sc := sweep.Config{Seed: cfg.seed, InHyp: cfg.regimes, Outside: cfg.outside, ClaimIDs: cfg.claimIDs,
		Quick: cfg.quick, Workers: cfg.workers, Figures: cfg.figures, Catalog: catalog}
	if cfg.shardCount > 0 {
		return writeShard(cfg, sc, s, stdout, stderr)
	}
	o := sweep.Execute(sc, s, stderr)
	meta := report.Meta{SuiteVersion: suiteVersion, GoVersion: runtime.Version(),
		Command: cfg.command(len(s.Claims)), CatalogPath: cfg.catalog}
	return finishRun("verify run", cfg, len(s.Claims), o, meta, expected, stdout, stderr)
}

// finishRun renders and writes the report of o, prints the summary, and
// applies -write-expected and -check; name prefixes its diagnostics. It
// returns the exit code.
func finishRun(name string, cfg runConfig, allClaims int, o *sweep.Outcome, meta report.Meta, expected []claims.Expected, stdout, stderr io.Writer) int {
	doc, err := report.Render(o, meta)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(err.Error()))
		return exitFailure
	}
	if lint := report.Lint(doc.Markdown); len(lint) > 0 {
		fmt.Fprintf(stderr, "verify: REPORT.md style: %d problem(s), first: %s\n", len(lint), lint[0])
	}
	changed, err := report.Write(cfg.out, doc)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(err.Error()))
		return exitFailure
	}
	for _, t := range o.Timings {
		fmt.Fprintf(stderr, "verify: time %-45s %8.2f s\n", t.What, t.D.Seconds())
	}
	fmt.Fprintf(stderr, "verify: %d file(s) changed in %s\n", len(changed), cfg.out)
	fmt.Fprint(stdout, report.Summary(o))
	fmt.Fprintf(stdout, "report: %s\n", strings.TrimSuffix(cfg.out, "/")+"/REPORT.md")

	// every result of the run (named and seeded random regimes alike) is
	// compared and written: the random regimes are reproducible from the
	// seed, and a verdict that changes anywhere is a difference
	named := o.AllResults()
	if cfg.writeExpected != "" {
		b, dups, err := expectedTable(cfg, allClaims, named)
		for _, d := range dups {
			fmt.Fprintf(stderr, "%s: -write-expected: %s\n", name, d)
		}
		if err == nil {
			err = os.WriteFile(cfg.writeExpected, b, 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: -write-expected: %s\n", name, oneLine(err.Error()))
			return exitFailure
		}
	}
	if cfg.check != "" {
		diffs := claims.CompareExpected(named, selectedExpected(expected, cfg.claimIDs))
		for _, d := range diffs {
			fmt.Fprintf(stderr, "%s: -check: %s\n", name, oneLine(d))
		}
		if len(diffs) > 0 {
			fmt.Fprintf(stderr, "%s: -check: %d difference(s) with %s\n", name, len(diffs), cfg.check)
			return exitFailure
		}
	}
	return exitOK
}

func loadCatalog(path string) ([]claims.Regime, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return claims.LoadCatalog(f)
}

func loadExpected(path string) ([]claims.Expected, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return claims.LoadExpected(f)
}

// claimOfCheck returns the claim ID of a check ID ("C1.radius" -> "C1").
func claimOfCheck(check string) string {
	id, _, _ := strings.Cut(check, ".")
	return id
}

// selectedExpected keeps the expected rows of the selected claims.
func selectedExpected(exp []claims.Expected, ids []string) []claims.Expected {
	var out []claims.Expected
	for _, e := range exp {
		for _, id := range ids {
			if claimOfCheck(e.Check) == id {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// expectedTable encodes the run's verdicts as an expected table (the
// format of fixtures/expected_verdicts.json) with claims.ExpectedRows,
// keeping the reviewed reasons of the table at -write-expected; dups lists
// the checks reported twice on one regime (the first is kept).
func expectedTable(cfg runConfig, allClaims int, named []claims.Result) (b []byte, dups []string, err error) {
	prev, _ := loadExpected(cfg.writeExpected) // a missing or unreadable table has no reasons to keep
	rows, dups := claims.ExpectedRows(named, prev)
	comment := fmt.Sprintf("Expected verdicts of every check on the named regimes of %s and on the seeded random regimes of the same run, generated by `%s -write-expected FILE` (suite %s%s); review every reason before committing.",
		cfg.catalog, cfg.command(allClaims), suiteVersion, map[bool]string{true: ", quick mode", false: ""}[cfg.quick])
	b, err = claims.MarshalExpected(comment, rows)
	if err != nil {
		return nil, dups, err
	}
	b, err = unescapeHTML(b)
	return b, dups, err
}

// unescapeHTML re-encodes an expected table without encoding/json's HTML
// escapes (\u003c for "<"), so that reasons such as "margin -2 < -error
// 1e-09" read as written. The order and layout are MarshalExpected's.
func unescapeHTML(b []byte) ([]byte, error) {
	var f struct {
		Comment  string            `json:"comment,omitempty"`
		Verdicts []claims.Expected `json:"verdicts"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
