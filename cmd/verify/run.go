package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/theory"
)

// runUsage documents the run subcommand's flags.
const runUsage = `usage: verify [run] [flags]

Checks every claim on -regimes seeded random regimes per claim (drawn from
the claim's ranges) and on every named regime of -catalog, shrinks the
counterexamples, draws the figures and writes to -out:
  REPORT.md      summary, per-claim sections, catalog verdicts, figures
  report.json    the same, machine-readable (schema in REPORT.md)
  figures/*.svg  training curves, minimizer distance, hold map, quantization
  timings.txt    wall times (the only output that is not reproducible)
The same flags and seed write byte-identical REPORT.md, report.json and
figures, whatever -workers is.

flags:
  -seed N            random-regime seed, an unsigned 64-bit integer (default 1)
  -regimes N         random regimes per claim, 0 <= N <= 100000
                     (default 20, or 4 with -quick)
  -claims LIST       comma-separated claim IDs to run, e.g. C1,C3 (default all)
  -quick             smaller sweep: fewer regimes, Env.Quick, small figures
  -out DIR           output directory (default "reports")
  -workers N         parallel checks, N >= 1, or 0 for GOMAXPROCS (default 0)
  -catalog FILE      named regimes (default "fixtures/regimes.json"; "" for none)
  -check FILE        after the run, compare the named-regime verdicts with the
                     expected table FILE; print each difference on stderr and
                     exit 1 if there is any (rows of claims not run are
                     ignored). Verdicts can depend on -quick: compare with a
                     table written in the same mode (fixtures/
                     expected_verdicts.json is computed in quick mode)
  -write-expected FILE
                     write this run's named-regime verdicts as an expected
                     table; a non-HOLDS row keeps the reason FILE already
                     gives it when its verdict is unchanged
  -figures           draw the figures (default true; -figures=false skips them)
`

// Limits on the run flags.
const (
	maxRegimes = 100_000
	maxWorkers = 4096
)

// Defaults of the run flags.
const (
	defaultRegimes      = 20
	defaultQuickRegimes = 4
	defaultCatalog      = "fixtures/regimes.json"
	defaultOut          = "reports"
)

// suite is what the run and list subcommands need besides their flags:
// the claims and the numerics behind the figures. defaultSuite wires the
// real ones; tests substitute fakes.
type suite struct {
	// claims are the known claims, in ID order.
	claims []claims.Claim
	// curves computes C3's training curves for figure (a); nil while C3
	// does not provide them (the figure is then skipped with a note).
	curves curvesFunc
	// minDist is the distance of C1's minimizer to the centroids, for
	// figure (b).
	minDist func(env claims.Env, r claims.Regime) (dist, distErr float64, err error)
	// quantInf and quantMC evaluate the in-context quantization error, for
	// figure (d).
	quantInf func(mix theory.Mixture, lambda float64) (numerics.Estimate, error)
	quantMC  func(mix theory.Mixture, lambda float64, L, samples int, seed uint64) (numerics.Estimate, error)
	// now is the clock of the progress lines and timings.txt (it must be
	// safe for concurrent use); it never reaches REPORT.md or report.json.
	now func() time.Time
}

// defaultSuite returns the real claims and numerics (with be's
// quantization back end).
func defaultSuite(be backend) suite {
	return suite{
		claims:   claims.All(),
		curves:   defaultCurves(),
		minDist:  claims.MinimizerDistance,
		quantInf: be.quantInf,
		quantMC:  be.quantMC,
		now:      time.Now,
	}
}

// runConfig is the parsed and validated flags of the run subcommand.
type runConfig struct {
	seed          uint64
	regimes       int
	claimIDs      []string // selected claims, in suite order
	quick         bool
	out           string
	workers       int
	catalog       string
	check         string
	writeExpected string
	figures       bool
}

// command returns the command line that reproduces the report's content:
// every flag that changes it, and none that does not (-out, -workers,
// -check, -write-expected).
func (c runConfig) command(allClaims int) string {
	parts := []string{"go run ./cmd/verify run", "-seed", strconv.FormatUint(c.seed, 10),
		"-regimes", strconv.Itoa(c.regimes)}
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
func parseRunFlags(args []string, s suite) (runConfig, error) {
	fs := flag.NewFlagSet("verify run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var cfg runConfig
	fs.Uint64Var(&cfg.seed, "seed", 1, "")
	fs.IntVar(&cfg.regimes, "regimes", defaultRegimes, "")
	claimList := fs.String("claims", "", "")
	fs.BoolVar(&cfg.quick, "quick", false, "")
	fs.StringVar(&cfg.out, "out", defaultOut, "")
	fs.IntVar(&cfg.workers, "workers", 0, "")
	fs.StringVar(&cfg.catalog, "catalog", defaultCatalog, "")
	fs.StringVar(&cfg.check, "check", "", "")
	fs.StringVar(&cfg.writeExpected, "write-expected", "", "")
	fs.BoolVar(&cfg.figures, "figures", true, "")
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
	switch {
	case cfg.regimes < 0 || cfg.regimes > maxRegimes:
		return cfg, fmt.Errorf("-regimes: want 0 <= N <= %d, got %d", maxRegimes, cfg.regimes)
	case cfg.workers < 0 || cfg.workers > maxWorkers:
		return cfg, fmt.Errorf("-workers: want N >= 1, or 0 for GOMAXPROCS (at most %d), got %d", maxWorkers, cfg.workers)
	case cfg.out == "":
		return cfg, errors.New("-out: the output directory must not be empty")
	}
	ids, err := selectClaims(*claimList, set["claims"], s.claims)
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
func cmdRun(args []string, stdout, stderr io.Writer, s suite) int {
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

	rep := execute(cfg, s, catalog, stderr)
	if err := writeOutputs(rep); err != nil {
		fmt.Fprintf(stderr, "verify run: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	fmt.Fprint(stdout, rep.summaryText())

	named := rep.namedResults()
	if cfg.writeExpected != "" {
		b, dups, err := expectedTable(rep, named)
		for _, d := range dups {
			fmt.Fprintf(stderr, "verify run: -write-expected: %s\n", d)
		}
		if err == nil {
			err = os.WriteFile(cfg.writeExpected, b, 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "verify run: -write-expected: %s\n", oneLine(err.Error()))
			return exitFailure
		}
	}
	if cfg.check != "" {
		diffs := claims.CompareExpected(named, selectedExpected(expected, cfg.claimIDs))
		for _, d := range diffs {
			fmt.Fprintf(stderr, "verify run: -check: %s\n", oneLine(d))
		}
		if len(diffs) > 0 {
			fmt.Fprintf(stderr, "verify run: -check: %d difference(s) with %s\n", len(diffs), cfg.check)
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

// expectedTable encodes the named-regime verdicts as an expected table
// (the format of fixtures/expected_verdicts.json). A non-HOLDS row takes
// the reason of the same row in the table at -write-expected when it
// exists with the same verdict (reviewed reasons survive a regeneration),
// and reasonOf otherwise. A check reported twice on one regime keeps its
// first result; dups lists the dropped ones.
func expectedTable(rep *report, named []claims.Result) (b []byte, dups []string, err error) {
	old := map[string]claims.Expected{}
	if prev, err := loadExpected(rep.cfg.writeExpected); err == nil {
		for _, e := range prev {
			old[e.Regime+"|"+e.Check] = e
		}
	}
	seen := map[string]bool{}
	var rows []claims.Expected
	for _, r := range named {
		k := r.Regime.Name + "|" + r.Check
		if seen[k] {
			dups = append(dups, fmt.Sprintf("%s reported twice on %s: keeping the first result", r.Check, r.Regime.Name))
			continue
		}
		seen[k] = true
		row := claims.Expected{Regime: r.Regime.Name, Check: r.Check, Verdict: r.Verdict}
		if r.Verdict != claims.Holds {
			row.Reason = reasonOf(r)
			if o, ok := old[k]; ok && o.Verdict == r.Verdict && strings.TrimSpace(o.Reason) != "" {
				row.Reason = o.Reason
			}
		}
		rows = append(rows, row)
	}
	comment := fmt.Sprintf("Expected verdicts on the named regimes of %s, generated by `%s -write-expected FILE` (suite %s%s); review every reason before committing.",
		rep.cfg.catalog, rep.cfg.command(len(rep.suite.claims)), suiteVersion, map[bool]string{true: ", quick mode", false: ""}[rep.cfg.quick])
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

// reasonOf is the one-line reason of a non-HOLDS verdict: the result's
// note, or how its margin compares with its error bound.
func reasonOf(r claims.Result) string {
	if n := strings.TrimSpace(r.Note); n != "" {
		return oneLine(n)
	}
	units := ""
	if r.Units != "" {
		units = " (" + r.Units + ")"
	}
	if r.Verdict == claims.Fails {
		return fmt.Sprintf("margin %.3g < -error %.2g%s", r.Margin, r.Err, units)
	}
	return fmt.Sprintf("margin %.3g within error %.2g%s", r.Margin, r.Err, units)
}

// progress prints "verify: 37/120 checks done (12.3 s)" lines on w, at
// most one a second. On a terminal it stays silent for the first two
// seconds, so that short runs print nothing.
type progress struct {
	w           io.Writer
	now         func() time.Time
	start, last time.Time
	terminal    bool
}

func newProgress(w io.Writer, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, now: now, start: t, last: t, terminal: isTerminal(w)}
}

// update reports done of total checks (throttled).
func (p *progress) update(done, total int) {
	t := p.now()
	if (p.terminal && t.Sub(p.start) < 2*time.Second) || t.Sub(p.last) < time.Second {
		return
	}
	p.last = t
	fmt.Fprintf(p.w, "verify: %d/%d checks done (%.1f s)\n", done, total, t.Sub(p.start).Seconds())
}

// phase announces a step of the run after the checks (throttle-free, but
// silent on a terminal during the first two seconds).
func (p *progress) phase(msg string) {
	t := p.now()
	if p.terminal && t.Sub(p.start) < 2*time.Second {
		return
	}
	fmt.Fprintf(p.w, "verify: %s (%.1f s)\n", msg, t.Sub(p.start).Seconds())
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// writeOutputs writes REPORT.md, report.json, the figures and timings.txt
// into the output directory. Figures that this run did not draw are
// removed, so that the directory never shows a stale one.
func writeOutputs(rep *report) error {
	dir := rep.cfg.out
	figDir := filepath.Join(dir, "figures")
	if err := os.MkdirAll(figDir, 0o755); err != nil {
		return err
	}
	for _, f := range rep.figures {
		p := filepath.Join(figDir, f.File)
		if f.svg == nil {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			continue
		}
		if err := os.WriteFile(p, f.svg, 0o644); err != nil {
			return err
		}
	}
	md := rep.markdown()
	js, err := rep.jsonBytes()
	if err != nil {
		return fmt.Errorf("encoding report.json: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"REPORT.md", md}, {"report.json", js}, {"timings.txt", rep.timingsText()}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// report is everything one run produced; report.go renders it.
type report struct {
	cfg     runConfig
	suite   suite
	catalog []claims.Regime
	runs    []claimRun
	cexs    []counterexample
	hmap    *holdMap // nil when figure (c) was not computed
	figures []figureOut
	timings []timing
}

// claimRun is one claim's results.
type claimRun struct {
	claim  claims.Claim
	random []claims.Regime
	// results holds the results on the random regimes, then on the
	// catalog, in job order.
	results []claims.Result
}

// timing is one line of timings.txt.
type timing struct {
	what string
	d    time.Duration
}

// Shrinking limits: counterexamples shrunk per check inside the
// hypotheses (refutations of the claim as stated), and outside them when
// there is none inside (one suffices to show where the statement stops
// holding); and claim evaluations spent on each.
const (
	shrinkInHyp       = 3
	shrinkInHypQuick  = 1
	shrinkOutside     = 1
	shrinkBudget      = 20
	shrinkBudgetQuick = 10
)

// execute runs the checks, shrinks the counterexamples and draws the
// figures. Progress goes to stderr.
func execute(cfg runConfig, s suite, catalog []claims.Regime, stderr io.Writer) *report {
	env := claims.Env{Quick: cfg.quick}
	rep := &report{cfg: cfg, suite: s, catalog: catalog}
	start := s.now()
	prog := newProgress(stderr, s.now)

	// One pool for every claim's jobs, so that a slow job of one claim
	// overlaps with the others; each job records its own wall time.
	sel := rep.selected()
	var jobs []claims.Job
	var owner []int // index in sel of each job's claim
	durs := make([]time.Duration, len(sel)*(cfg.regimes+len(catalog)))
	t0 := s.now()
	for k, c := range sel {
		random := claims.Sample(c, cfg.regimes, cfg.seed)
		rep.runs = append(rep.runs, claimRun{claim: c, random: random})
		for _, r := range append(append([]claims.Regime(nil), random...), catalog...) {
			jobs = append(jobs, claims.Job{Claim: timedClaim{Claim: c, d: &durs[len(jobs)], now: s.now}, Regime: r})
			owner = append(owner, k)
		}
	}
	out := claims.Run(env, jobs, cfg.workers, prog.update)
	for i, rs := range out {
		rep.runs[owner[i]].results = append(rep.runs[owner[i]].results, rs...)
	}
	perClaim := make([]time.Duration, len(sel))
	for i, d := range durs {
		perClaim[owner[i]] += d
	}
	for k, c := range sel {
		rep.timings = append(rep.timings, timing{fmt.Sprintf("claim %s (%d regimes; sum of job times)", c.ID(), cfg.regimes+len(catalog)), perClaim[k]})
	}
	rep.timings = append(rep.timings, timing{fmt.Sprintf("checks (%d jobs)", len(jobs)), s.now().Sub(t0)})
	done := len(jobs)

	t0 = s.now()
	tasks := shrinkTasks(rep.runs, cfg.quick)
	if len(tasks) > 0 {
		prog.phase(fmt.Sprintf("%d checks done; shrinking %d counterexample(s)", done, len(tasks)))
	}
	rep.cexs = shrinkAll(env, tasks, cfg.workers, cfg.quick)
	rep.timings = append(rep.timings, timing{fmt.Sprintf("shrinking (%d counterexamples)", len(tasks)), s.now().Sub(t0)})

	rep.figures = makeFigures(env, rep, prog)
	rep.timings = append(rep.timings, timing{"total", s.now().Sub(start)})
	prog.phase(fmt.Sprintf("done: %d checks", done))
	return rep
}

// timedClaim is a claim whose Check records its wall time in *d (now
// must be safe for concurrent use).
type timedClaim struct {
	claims.Claim
	d   *time.Duration
	now func() time.Time
}

// Check runs the claim's Check and records its duration.
func (t timedClaim) Check(env claims.Env, r claims.Regime) []claims.Result {
	t0 := t.now()
	defer func() { *t.d = t.now().Sub(t0) }()
	return t.Claim.Check(env, r)
}

// selected returns the claims selected by -claims, in ID order.
func (rep *report) selected() []claims.Claim {
	var out []claims.Claim
	for _, c := range rep.suite.claims {
		for _, id := range rep.cfg.claimIDs {
			if c.ID() == id {
				out = append(out, c)
			}
		}
	}
	return out
}

// namedResults returns the results on the catalog's regimes, in run order.
func (rep *report) namedResults() []claims.Result {
	names := map[string]bool{}
	for _, r := range rep.catalog {
		names[r.Name] = true
	}
	var out []claims.Result
	for _, cr := range rep.runs {
		for _, r := range cr.results {
			if names[r.Regime.Name] {
				out = append(out, r)
			}
		}
	}
	return out
}

// isRandom reports whether a result is on one of the claim's random
// regimes (rather than a named one).
func (cr claimRun) isRandom(r claims.Result) bool {
	for _, g := range cr.random {
		if g.Name == r.Regime.Name {
			return true
		}
	}
	return false
}

// counterexample is a FAILS on a random regime and its shrunk form.
type counterexample struct {
	claim    claims.Claim
	original claims.Result
	// shrunk is the FAILS of the same check on the simplest regime found
	// (original itself when no simplification kept the failure).
	shrunk claims.Result
	// steps are the simplifications kept, in order.
	steps []string
	// evals is the number of claim evaluations spent.
	evals int
	// same counts further counterexamples of the check that shrank to the
	// same regime (they are not listed separately).
	same int
}

// shrinkTask is one FAILS to shrink.
type shrinkTask struct {
	claim claims.Claim
	fail  claims.Result
}

// shrinkTasks picks, for every check, the FAILS on random regimes to
// shrink: up to shrinkInHyp of those inside the claim's hypotheses (1 with
// -quick), or, when there is none, shrinkOutside of the others; the
// largest violations first.
func shrinkTasks(runs []claimRun, quick bool) []shrinkTask {
	limit := shrinkInHyp
	if quick {
		limit = shrinkInHypQuick
	}
	var tasks []shrinkTask
	for _, cr := range runs {
		for _, check := range checkOrder(cr.results) {
			var fails []claims.Result
			for _, r := range cr.results {
				if r.Check == check && r.Verdict == claims.Fails && cr.isRandom(r) {
					fails = append(fails, r)
				}
			}
			sortFails(fails)
			n := min(len(fails), shrinkOutside)
			if len(fails) > 0 && fails[0].InHypotheses {
				n = 0
				for n < len(fails) && n < limit && fails[n].InHypotheses {
					n++
				}
			}
			for _, f := range fails[:n] {
				tasks = append(tasks, shrinkTask{claim: cr.claim, fail: f})
			}
		}
	}
	return tasks
}

// sortFails orders FAILS results: inside the hypotheses first, then by
// margin (most negative first), then by regime name; stable.
func sortFails(fs []claims.Result) {
	less := func(a, b claims.Result) bool {
		if a.InHypotheses != b.InHypotheses {
			return a.InHypotheses
		}
		if a.Margin != b.Margin {
			return a.Margin < b.Margin
		}
		return a.Regime.Name < b.Regime.Name
	}
	for i := 1; i < len(fs); i++ { // insertion sort: few elements, stable
		for j := i; j > 0 && less(fs[j], fs[j-1]); j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// checkOrder lists the check IDs of results in order of first appearance.
func checkOrder(results []claims.Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range results {
		if !seen[r.Check] {
			seen[r.Check] = true
			out = append(out, r.Check)
		}
	}
	return out
}

// shrinkAll shrinks every task in turn (each one evaluates its candidate
// simplifications on up to workers goroutines) and merges the
// counterexamples of one check that shrink to the same regime. The result
// is in task order and does not depend on workers.
func shrinkAll(env claims.Env, tasks []shrinkTask, workers int, quick bool) []counterexample {
	budget := shrinkBudget
	if quick {
		budget = shrinkBudgetQuick
	}
	var merged []counterexample
	for _, t := range tasks {
		c := shrink(env, t.claim, t.fail, budget, workers)
		dup := false
		for j := range merged {
			if merged[j].shrunk.Check == c.shrunk.Check && sameRegime(merged[j].shrunk.Regime, c.shrunk.Regime) {
				merged[j].same++
				dup = true
				break
			}
		}
		if !dup {
			merged = append(merged, c)
		}
	}
	return merged
}

// sameRegime compares regimes ignoring their names.
func sameRegime(a, b claims.Regime) bool {
	a.Name, b.Name = "", ""
	return a == b
}

// parallelFor calls fn(i) for i in [0, n) on up to workers goroutines (0:
// GOMAXPROCS). fn must write only to state owned by i. A panic in fn is
// re-raised in the caller (the first one, once every call has ended), so
// that the caller's recover sees it.
func parallelFor(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	next := make(chan int)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed bool
		first  any
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				func() {
					defer func() {
						if p := recover(); p != nil {
							mu.Lock()
							if !failed {
								failed, first = true, p
							}
							mu.Unlock()
						}
					}()
					fn(i)
				}()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if failed {
		panic(first)
	}
}

// simplification is one way the shrinker tries to simplify a regime.
type simplification struct {
	name  string
	apply func(r claims.Regime) claims.Regime
}

// simplifications returns the shrinker's moves in the order it tries them.
func simplifications() []simplification {
	roundSep := func(digits int) func(claims.Regime) claims.Regime {
		return func(r claims.Regime) claims.Regime { r.Separation = roundSig(r.Separation, digits); return r }
	}
	roundLam := func(digits int) func(claims.Regime) claims.Regime {
		return func(r claims.Regime) claims.Regime {
			if !r.Hardmax() {
				r.LambdaSigma2 = roundSig(r.LambdaSigma2, digits)
			}
			return r
		}
	}
	return []simplification{
		{"d=2", func(r claims.Regime) claims.Regime { r.D = min(r.D, 2); return r }},
		{"d=3", func(r claims.Regime) claims.Regime { r.D = min(r.D, 3); return r }},
		{"pi1=0.5", func(r claims.Regime) claims.Regime { r.Pi1 = 0.5; return r }},
		{"sigma=1", func(r claims.Regime) claims.Regime { r.Sigma = 1; return r }},
		{"geometry=orthogonal", func(r claims.Regime) claims.Regime {
			r.Geometry, r.Angle, r.NormRatio = claims.Orthogonal, 0, 0
			return r
		}},
		{"separation to 1 digit", roundSep(1)},
		{"separation to 2 digits", roundSep(2)},
		{"lambda*sigma^2 to 1 digit", roundLam(1)},
		{"lambda*sigma^2 to 2 digits", roundLam(2)},
		{"seed=0", func(r claims.Regime) claims.Regime { r.Seed = 0; return r }},
	}
}

// roundSig rounds x to the given number of significant digits (through
// the decimal form, so the result prints short).
func roundSig(x float64, digits int) float64 {
	y, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', digits, 64), 64)
	if err != nil || !(y > 0) {
		return x
	}
	return y
}

// shrink simplifies the regime of fail greedily, keeping a
// simplification when the same check still FAILS on the simplified regime
// (inside the hypotheses if fail was), until no simplification is kept or
// budget claim evaluations are spent. Each pass evaluates every applicable
// simplification of the current regime in parallel (up to workers); when
// several keep the failure, their composition is tried first, and
// otherwise the first of them in simplifications() order is kept. The
// outcome depends only on the inputs, not on workers or scheduling.
func shrink(env claims.Env, c claims.Claim, fail claims.Result, budget, workers int) counterexample {
	cur := fail.Regime
	cur.Name = fail.Regime.Name + "-shrunk"
	ce := counterexample{claim: c, original: fail, shrunk: fail}
	type cand struct {
		s simplification
		r claims.Regime
	}
	for ce.evals < budget {
		var cands []cand
		for _, s := range simplifications() {
			if r := s.apply(cur); r != cur && r.Validate() == nil {
				cands = append(cands, cand{s, r})
			}
		}
		cands = cands[:min(len(cands), budget-ce.evals)]
		if len(cands) == 0 {
			break
		}
		rs := make([]claims.Regime, len(cands))
		for i, cd := range cands {
			rs[i] = cd.r
		}
		res, ok := failsAgain(env, c, rs, fail, workers)
		ce.evals += len(cands)
		var kept []int
		for i := range cands {
			if ok[i] {
				kept = append(kept, i)
			}
		}
		if len(kept) == 0 {
			break
		}
		if len(kept) > 1 && ce.evals < budget {
			comp := cur
			for _, i := range kept {
				comp = cands[i].s.apply(comp)
			}
			if comp.Validate() == nil {
				cres, cok := failsAgain(env, c, []claims.Regime{comp}, fail, workers)
				ce.evals++
				if cok[0] {
					cur, ce.shrunk = comp, cres[0]
					for _, i := range kept {
						ce.steps = append(ce.steps, cands[i].s.name)
					}
					continue
				}
			}
		}
		cur, ce.shrunk = cands[kept[0]].r, res[kept[0]]
		ce.steps = append(ce.steps, cands[kept[0]].s.name)
	}
	return ce
}

// failsAgain checks c on each regime (up to workers at a time) and
// reports, for each, whether fail's check FAILS again (inside the
// hypotheses, if fail was), with that result.
func failsAgain(env claims.Env, c claims.Claim, rs []claims.Regime, fail claims.Result, workers int) ([]claims.Result, []bool) {
	jobs := make([]claims.Job, len(rs))
	for i, r := range rs {
		jobs[i] = claims.Job{Claim: c, Regime: r}
	}
	out := claims.Run(env, jobs, workers, nil)
	res, ok := make([]claims.Result, len(rs)), make([]bool, len(rs))
	for i, rr := range out {
		for _, r := range rr {
			if r.Check == fail.Check && r.Verdict == claims.Fails && (r.InHypotheses || !fail.InHypotheses) {
				res[i], ok[i] = r, true
				break
			}
		}
	}
	return res, ok
}
