package sweep

import (
	"fmt"
	"io"
	"os"
	"time"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/theory"
)

// Config is what one run does. The zero value runs nothing; cmd/verify
// fills it from its flags.
type Config struct {
	// Seed seeds every random regime (and the Monte Carlo of the
	// quantization figure).
	Seed uint64
	// InHyp is the number of random regimes per claim drawn inside the
	// claim's a priori hypotheses (the evidence for the claim); Outside
	// the number drawn from the claim's full ranges (the map of where the
	// statement stops holding; some of them may fall inside the
	// hypotheses). Both are >= 0.
	InHyp, Outside int
	// ClaimIDs selects the claims to run, in any order; nil runs all.
	ClaimIDs []string
	// Quick selects the claims' quick settings, smaller figure grids and
	// smaller shrinking budgets (for CI); verdict semantics are unchanged.
	Quick bool
	// Workers is the number of parallel checks; 0 means GOMAXPROCS.
	Workers int
	// Figures selects the figure computations (the distance, hold-map,
	// quantization and training-curve data).
	Figures bool
	// Catalog holds the named regimes every selected claim also runs on.
	Catalog []claims.Regime
}

// Selected reports whether claim id is selected.
func (c Config) Selected(id string) bool {
	if c.ClaimIDs == nil {
		return true
	}
	for _, x := range c.ClaimIDs {
		if x == id {
			return true
		}
	}
	return false
}

// CurvesFunc computes runsPerScheme training curves per initialization
// scheme on regime r (claims.TrainingCurves).
type CurvesFunc func(env claims.Env, r claims.Regime, runsPerScheme int) ([]claims.Curve, error)

// Suite is what a run needs besides its Config: the claims, the numerics
// behind the figures and the evidence contract of package claims.
// DefaultSuite wires the real ones; tests substitute fakes. A nil
// function field falls back to the package-claims default where one
// exists (SampleIn, Slices, Thresholds, Summarize, Now) and otherwise
// skips what needs it (a figure, with a note).
type Suite struct {
	// Claims are the known claims, in ID order.
	Claims []claims.Claim
	// Curves computes C3's training curves (figure of training curves).
	Curves CurvesFunc
	// MinDist is the distance, in sigma, of C1's minimizer to the
	// centroids, and a bound on its error.
	MinDist func(env claims.Env, r claims.Regime) (dist, distErr float64, err error)
	// QuantInf and QuantMC evaluate the in-context quantization error at
	// L = infinity (certified) and at finite L (Monte Carlo).
	QuantInf func(mix theory.Mixture, lambda float64) (numerics.Estimate, error)
	QuantMC  func(mix theory.Mixture, lambda float64, L, samples int, seed uint64) (numerics.Estimate, error)
	// SampleIn draws n regimes inside c's a priori hypotheses from seed
	// (nil: claims.SampleIn).
	SampleIn func(c claims.Claim, n int, seed uint64) []claims.Regime
	// Slices and Thresholds measure the separation thresholds (nil:
	// claims.ThresholdSlices and claims.MeasureThresholds). Thresholds
	// must measure each slice on its own, returning one threshold per
	// slice in order: a shard (ExecuteShard) passes it a subset.
	Slices     func(c claims.Claim, quick bool) []claims.Regime
	Thresholds func(env claims.Env, c claims.Claim, slices []claims.Regime, workers int, progress func(done, total int)) []claims.Threshold
	// Summarize reduces a claim's in-hypothesis results to regime counts
	// (nil: claims.Summarize).
	Summarize func(c claims.Claim, results []claims.Result) claims.Summary
	// Now is the clock of the progress lines and the timings (safe for
	// concurrent use; nil: time.Now). It never reaches an Outcome's
	// content other than Outcome.Timings.
	Now func() time.Time

	// eng computes, records or replays the units of work (nil: compute
	// them all; see ExecuteShard and Merge).
	eng *engine
}

// DefaultSuite returns the real claims and numerics, with the given
// quantization back end (nil functions mean package numerics').
func DefaultSuite(quantInf func(theory.Mixture, float64) (numerics.Estimate, error),
	quantMC func(theory.Mixture, float64, int, int, uint64) (numerics.Estimate, error)) Suite {
	if quantInf == nil {
		quantInf = numerics.QuantInf
	}
	if quantMC == nil {
		quantMC = numerics.QuantMC
	}
	return Suite{
		Claims:   claims.All(),
		Curves:   claims.TrainingCurves,
		MinDist:  claims.MinimizerDistance,
		QuantInf: quantInf,
		QuantMC:  quantMC,
	}
}

func (s Suite) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s Suite) sampleIn(c claims.Claim, n int, seed uint64) []claims.Regime {
	if s.SampleIn == nil {
		return claims.SampleIn(c, n, seed)
	}
	return s.SampleIn(c, n, seed)
}

func (s Suite) slices(c claims.Claim, quick bool) []claims.Regime {
	if s.Slices == nil {
		return claims.ThresholdSlices(c, quick)
	}
	return s.Slices(c, quick)
}

func (s Suite) thresholds(env claims.Env, c claims.Claim, slices []claims.Regime, workers int, progress func(done, total int)) []claims.Threshold {
	if s.Thresholds == nil {
		return claims.MeasureThresholds(env, c, slices, workers, progress)
	}
	return s.Thresholds(env, c, slices, workers, progress)
}

func (s Suite) summarize(c claims.Claim, results []claims.Result) claims.Summary {
	if s.Summarize == nil {
		return claims.Summarize(c, results)
	}
	return s.Summarize(c, results)
}

// Source says where a regime of a claim run comes from.
type Source int

const (
	// FromInHyp: drawn inside the claim's a priori hypotheses.
	FromInHyp Source = iota
	// FromOutside: drawn from the claim's full ranges (the map sample).
	FromOutside
	// FromCatalog: a named regime of the catalog.
	FromCatalog
)

// String returns "in-hypotheses", "outside-sample" or "named".
func (s Source) String() string {
	return [...]string{"in-hypotheses", "outside-sample", "named"}[s]
}

// ClaimRun is one claim's part of a run.
type ClaimRun struct {
	Claim claims.Claim
	// InHyp and Outside are the claim's random regimes (names
	// "<ID>-in-<i>" and "<ID>-out-<i>").
	InHyp, Outside []claims.Regime
	// Results are the results on the in-hypothesis sample, then the
	// outside sample, then the catalog, in job order; Sources[i] says
	// where Results[i]'s regime comes from.
	Results []claims.Result
	Sources []Source
	// Summary is the regime-level evidence of the in-hypothesis sample.
	Summary claims.Summary
	// Slices and Thresholds are the measured separation thresholds.
	Slices     []claims.Regime
	Thresholds []claims.Threshold
}

// Timing is one measured wall time of a run (never part of a report's
// content: wall times vary from run to run).
type Timing struct {
	What string
	D    time.Duration
}

// Outcome is everything one run produced.
type Outcome struct {
	Config Config
	// Runs are the selected claims' runs, in the suite's ID order.
	Runs []ClaimRun
	// Counterexamples are the shrunk FAILS, in claim and check order.
	Counterexamples []Counterexample
	// Figures are the data behind the figures (zero when not computed).
	Figures Figures
	// Timings are the wall times of the phases.
	Timings []Timing
}

// Run returns the run of claim id, or nil.
func (o *Outcome) Run(id string) *ClaimRun {
	for i := range o.Runs {
		if o.Runs[i].Claim.ID() == id {
			return &o.Runs[i]
		}
	}
	return nil
}

// NamedResults returns the results on the catalog's regimes, in run
// order.
func (o *Outcome) NamedResults() []claims.Result {
	var out []claims.Result
	for _, cr := range o.Runs {
		for i, r := range cr.Results {
			if cr.Sources[i] == FromCatalog {
				out = append(out, r)
			}
		}
	}
	return out
}

// AllResults returns every result of the run, on the named regimes and on
// the seeded random ones (named "<ID>-in-<i>" and "<ID>-out-<i>"), in run
// order: what -check compares with the expected table.
func (o *Outcome) AllResults() []claims.Result {
	var out []claims.Result
	for _, cr := range o.Runs {
		out = append(out, cr.Results...)
	}
	return out
}

// Execute runs the checks, the threshold measurements and the shrinking,
// and computes the figure data. Progress lines (phases and counts) go to
// progress when it is not nil.
func Execute(cfg Config, s Suite, progress io.Writer) *Outcome {
	env := claims.Env{Quick: cfg.Quick, KMemo: claims.NewKMemo()}
	out := &Outcome{Config: cfg}
	start := s.now()
	prog := newProgress(progress, s.now)

	// One pool for every claim's jobs, so that a slow job of one claim
	// overlaps with the others.
	var jobs []claims.Job
	var owner []int
	var sources []Source
	for _, c := range s.Claims {
		if !cfg.Selected(c.ID()) {
			continue
		}
		k := len(out.Runs)
		cr := ClaimRun{Claim: c, InHyp: s.sampleIn(c, cfg.InHyp, cfg.Seed)}
		for i := range cr.InHyp {
			cr.InHyp[i].Name = fmt.Sprintf("%s-in-%d", c.ID(), i)
		}
		cr.Outside = claims.Sample(c, cfg.Outside, cfg.Seed)
		for i := range cr.Outside {
			cr.Outside[i].Name = fmt.Sprintf("%s-out-%d", c.ID(), i)
		}
		add := func(rs []claims.Regime, src Source) {
			for _, r := range rs {
				jobs = append(jobs, claims.Job{Claim: c, Regime: r})
				owner = append(owner, k)
				sources = append(sources, src)
			}
		}
		add(cr.InHyp, FromInHyp)
		add(cr.Outside, FromOutside)
		var named []claims.Regime
		for _, r := range cfg.Catalog {
			if claims.Applies(c, r) {
				named = append(named, r)
			}
		}
		add(named, FromCatalog)
		out.Runs = append(out.Runs, cr)
	}
	prog.phase(fmt.Sprintf("checking %d claim(s) on %d regime-claim pairs", len(out.Runs), len(jobs)))
	t0 := s.now()
	res := s.eng.runJobs("check", env, jobs, cfg.Workers, prog.update("checks"))
	for i, rs := range res {
		cr := &out.Runs[owner[i]]
		for _, r := range rs {
			cr.Results = append(cr.Results, r)
			cr.Sources = append(cr.Sources, sources[i])
		}
	}
	out.Timings = append(out.Timings, Timing{fmt.Sprintf("checks (%d jobs)", len(jobs)), s.now().Sub(t0)})

	for k := range out.Runs {
		cr := &out.Runs[k]
		var in []claims.Result
		for i, r := range cr.Results {
			if cr.Sources[i] == FromInHyp {
				in = append(in, r)
			}
		}
		cr.Summary = s.summarize(cr.Claim, in)
	}

	t0 = s.now()
	for k := range out.Runs {
		cr := &out.Runs[k]
		cr.Slices = s.slices(cr.Claim, cfg.Quick)
		if len(cr.Slices) == 0 {
			continue
		}
		prog.phase(fmt.Sprintf("thresholds of %s on %d slice(s)", cr.Claim.ID(), len(cr.Slices)))
		cr.Thresholds = s.eng.thresholds(s, env, cr.Claim, cr.Slices, cfg.Workers, prog.update("slices of "+cr.Claim.ID()))
	}
	out.Timings = append(out.Timings, Timing{"thresholds", s.now().Sub(t0)})

	t0 = s.now()
	tasks := shrinkTasks(out.Runs, cfg.Quick)
	if len(tasks) > 0 {
		prog.phase(fmt.Sprintf("shrinking %d counterexample(s)", len(tasks)))
	}
	out.Counterexamples = shrinkAll(env, s.eng, tasks, cfg.Workers, cfg.Quick)
	out.Timings = append(out.Timings, Timing{fmt.Sprintf("shrinking (%d counterexamples)", len(tasks)), s.now().Sub(t0)})

	if cfg.Figures {
		out.Figures = computeFigures(env, cfg, s, out, prog)
	}
	out.Timings = append(out.Timings, Timing{"total", s.now().Sub(start)})
	prog.phase(fmt.Sprintf("done: %d checks", len(jobs)))
	return out
}

// progress prints "verify: checks 37/120 (12.3 s)" lines on w, at most
// one a second, and phase lines. On a terminal it stays silent for the
// first two seconds, so that short runs print nothing. A nil w prints
// nothing.
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

// update returns a callback reporting done of total items of what
// (throttled to one line a second, plus the last one).
func (p *progress) update(what string) func(done, total int) {
	return func(done, total int) {
		if p.w == nil {
			return
		}
		t := p.now()
		if (p.terminal && t.Sub(p.start) < 2*time.Second) || (t.Sub(p.last) < time.Second && done < total) {
			return
		}
		p.last = t
		fmt.Fprintf(p.w, "verify: %s %d/%d (%.1f s)\n", what, done, total, t.Sub(p.start).Seconds())
	}
}

// phase announces a step of the run.
func (p *progress) phase(msg string) {
	if p.w == nil {
		return
	}
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
