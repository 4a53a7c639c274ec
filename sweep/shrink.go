package sweep

import (
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"

	"attnclust/claims"
)

// Shrinking limits: counterexamples shrunk per check inside the
// hypotheses (refutations of the claim as stated) and outside them (one
// per check suffices to show where the statement stops holding), and the
// claim evaluations spent on each.
const (
	shrinkInHyp       = 3
	shrinkInHypQuick  = 1
	shrinkBudget      = 20
	shrinkBudgetQuick = 10
	// boundarySteps is the number of bisection steps toward the
	// hypothesis boundary (each costs one claim evaluation): 2^-6 of the
	// way from the failing regime to the boundary point, finer than the
	// 3-digit rounding of most regimes.
	boundarySteps      = 6
	boundaryStepsQuick = 3
)

// ShrinkKind says how a counterexample was shrunk.
type ShrinkKind string

const (
	// Simplified: a FAILS inside the hypotheses, simplified greedily
	// (dimension, weights, scale, geometry, rounding) while it keeps
	// failing inside the hypotheses.
	Simplified ShrinkKind = "simplified"
	// TowardBoundary: a FAILS outside the hypotheses, moved toward the
	// hypothesis boundary in Delta and lambda sigma^2 while it keeps
	// failing: the failing regime nearest to the in-hypothesis region.
	TowardBoundary ShrinkKind = "toward-boundary"
)

// Counterexample is one FAILS on a random regime and its shrunk form.
type Counterexample struct {
	Claim string
	Kind  ShrinkKind
	// Original is the FAILS on the random regime; Shrunk the FAILS of the
	// same check on the regime shrinking reached (Original itself when no
	// move kept the failure).
	Original, Shrunk claims.Result
	// Steps are the moves kept, in order.
	Steps []string
	// Evals is the number of claim evaluations spent.
	Evals int
	// Same counts further counterexamples of the check that shrank to the
	// same regime.
	Same int
	// Boundary is, for TowardBoundary, the first regime inside the
	// hypotheses on the path from Shrunk (nil when the path never enters
	// them); AtBoundary the check's result there, and Pass the result at
	// the nearest evaluated regime beyond Shrunk on the path that does
	// not FAIL (nil when every evaluated one failed).
	Boundary   *claims.Regime
	AtBoundary *claims.Result
	Pass       *claims.Result
}

// shrinkTask is one FAILS to shrink.
type shrinkTask struct {
	claim claims.Claim
	kind  ShrinkKind
	fail  claims.Result
}

// counts reports whether a result's FAILS is a candidate for shrinking:
// claim and map roles, except statistical checks (re-running one on a
// nearby regime draws new samples: a FAILS there is not the same event,
// and C6's checks cost seconds each; measured, they took most of the
// shrinking phase's 79 s of the default run).
func counts(r claims.Result) bool {
	return (r.Role == claims.RoleClaim || r.Role == claims.RoleMap) && r.Kind != claims.KindStatistical
}

// shrinkTasks picks, for every check of every claim (except those that
// implement claims.Unshrunk), the FAILS on random
// regimes to shrink: up to shrinkInHyp inside the hypotheses (most
// negative margins first, simplified), and the one on a regime outside
// the claim's hypotheses nearest to their boundary (moved toward it).
func shrinkTasks(runs []ClaimRun, quick bool) []shrinkTask {
	limit := shrinkInHyp
	if quick {
		limit = shrinkInHypQuick
	}
	var tasks []shrinkTask
	for _, cr := range runs {
		if _, ok := cr.Claim.(claims.Unshrunk); ok {
			continue
		}
		rg := cr.Claim.Ranges()
		for _, check := range CheckOrder(cr.Results) {
			var in, out []claims.Result
			for i, r := range cr.Results {
				if r.Check != check || r.Verdict != claims.Fails || cr.Sources[i] == FromCatalog || !counts(r) {
					continue
				}
				switch {
				case r.InHypotheses:
					in = append(in, r)
				case !cr.Claim.InHypotheses(r.Regime):
					out = append(out, r)
				}
				// (a FAILS of a check whose own hypotheses are narrower
				// than the claim's, on a regime inside the claim's, has
				// no claim boundary to move toward: not shrunk)
			}
			sortFails(in)
			for _, f := range in[:min(len(in), limit)] {
				tasks = append(tasks, shrinkTask{cr.Claim, Simplified, f})
			}
			best, bestD := -1, math.Inf(1)
			for i, f := range out {
				if _, _, d, ok := boundaryPath(cr.Claim, rg, f.Regime); ok && d < bestD {
					best, bestD = i, d
				}
			}
			if best >= 0 {
				tasks = append(tasks, shrinkTask{cr.Claim, TowardBoundary, out[best]})
			}
		}
	}
	return tasks
}

// sortFails orders FAILS results by margin (most negative first), then by
// regime name.
func sortFails(fs []claims.Result) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Margin != fs[j].Margin {
			return fs[i].Margin < fs[j].Margin
		}
		return fs[i].Regime.Name < fs[j].Regime.Name
	})
}

// CheckOrder lists the check IDs of results in order of first
// appearance.
func CheckOrder(results []claims.Result) []string {
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

// shrinkAll shrinks the tasks on up to workers goroutines (each task is
// sequential) and merges the counterexamples of one check that shrink to
// the same regime. The result is in task order and does not depend on
// workers.
func shrinkAll(env claims.Env, e *engine, tasks []shrinkTask, workers int, quick bool) []Counterexample {
	budget, steps := shrinkBudget, boundarySteps
	if quick {
		budget, steps = shrinkBudgetQuick, boundaryStepsQuick
	}
	done := e.shrink(tasks, workers, func(i int) Counterexample {
		t := tasks[i]
		if t.kind == Simplified {
			return simplify(env, t.claim, t.fail, budget)
		}
		return towardBoundary(env, t.claim, t.fail, steps)
	})
	var merged []Counterexample
	for _, c := range done {
		dup := false
		for j := range merged {
			if merged[j].Shrunk.Check == c.Shrunk.Check && merged[j].Kind == c.Kind && sameRegime(merged[j].Shrunk.Regime, c.Shrunk.Regime) {
				merged[j].Same++
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
// re-raised in the caller once every call has ended.
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

// simplification is one way to simplify a regime.
type simplification struct {
	name  string
	apply func(r claims.Regime) claims.Regime
}

// simplifications returns the simplifier's moves in the order it tries
// them.
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
		{"d = 2", func(r claims.Regime) claims.Regime { r.D = min(r.D, 2); return r }},
		{"d = 3", func(r claims.Regime) claims.Regime { r.D = min(r.D, 3); return r }},
		{"pi1 = 0.5", func(r claims.Regime) claims.Regime { r.Pi1 = 0.5; return r }},
		{"sigma = 1", func(r claims.Regime) claims.Regime { r.Sigma = 1; return r }},
		{"orthogonal centroids", func(r claims.Regime) claims.Regime {
			r.Geometry, r.Angle, r.NormRatio = claims.Orthogonal, 0, 0
			return r
		}},
		{"Delta to 1 digit", roundSep(1)},
		{"Delta to 2 digits", roundSep(2)},
		{"lambda sigma^2 to 1 digit", roundLam(1)},
		{"lambda sigma^2 to 2 digits", roundLam(2)},
		{"seed 0", func(r claims.Regime) claims.Regime { r.Seed = 0; return r }},
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

// evalCheck runs c on r (one goroutine) and returns the result of check,
// if any.
func evalCheck(env claims.Env, c claims.Claim, r claims.Regime, check string) (claims.Result, bool) {
	out := claims.Run(env, []claims.Job{{Claim: c, Regime: r}}, 1, nil)
	for _, res := range out[0] {
		if res.Check == check {
			return res, true
		}
	}
	return claims.Result{}, false
}

// failsLike reports whether r FAILS like fail (inside the hypotheses if
// fail was).
func failsLike(r, fail claims.Result) bool {
	return r.Verdict == claims.Fails && (r.InHypotheses || !fail.InHypotheses)
}

// simplify applies the simplifications greedily, in order, keeping each
// one under which the check still FAILS (inside the hypotheses if fail
// was), until a pass keeps none or budget evaluations are spent.
func simplify(env claims.Env, c claims.Claim, fail claims.Result, budget int) Counterexample {
	cur := fail.Regime
	cur.Name = fail.Regime.Name + "-shrunk"
	ce := Counterexample{Claim: c.ID(), Kind: Simplified, Original: fail, Shrunk: fail}
	for progress := true; progress && ce.Evals < budget; {
		progress = false
		for _, s := range simplifications() {
			if ce.Evals >= budget {
				break
			}
			r := s.apply(cur)
			if r == cur || r.Validate() != nil {
				continue
			}
			res, ok := evalCheck(env, c, r, fail.Check)
			ce.Evals++
			if ok && failsLike(res, fail) {
				cur, ce.Shrunk = r, res
				ce.Steps = append(ce.Steps, s.name)
				progress = true
			}
		}
	}
	return ce
}

// boundaryPath finds where the path from r toward larger Delta and larger
// lambda sigma^2 (within c's ranges rg) enters c's a priori hypotheses. It
// tries three directions (Delta alone, lambda sigma^2 alone, both
// together, lambda sigma^2 on a log scale) and returns the one whose
// entry point is nearest to r in the normalized distance
// |Delta change| / (range of Delta) + |log lambda sigma^2 change| / (log
// range): the path as a function of s in [0, 1], the entry parameter s*,
// that distance, and ok = false when no direction enters the hypotheses.
func boundaryPath(c claims.Claim, rg claims.Ranges, r claims.Regime) (path func(s float64) claims.Regime, sStar, dist float64, ok bool) {
	sepSpan := math.Max(rg.SepMax-rg.SepMin, 1e-9)
	lamSpan := math.Max(math.Log(rg.LamS2Max/rg.LamS2Min), 1e-9)
	type dir struct{ dSep, dLam bool }
	dirs := []dir{{true, false}}
	if !r.Hardmax() && r.LambdaSigma2 > 0 {
		dirs = append(dirs, dir{false, true}, dir{true, true})
	}
	dist = math.Inf(1)
	for _, d := range dirs {
		sep1, lam1 := r.Separation, r.LambdaSigma2
		if d.dSep {
			sep1 = math.Max(r.Separation, rg.SepMax)
		}
		if d.dLam {
			lam1 = math.Max(r.LambdaSigma2, rg.LamS2Max)
		}
		p := func(s float64) claims.Regime {
			q := r
			q.Separation = round3(r.Separation + s*(sep1-r.Separation))
			if d.dLam {
				q.LambdaSigma2 = round3(r.LambdaSigma2 * math.Pow(lam1/r.LambdaSigma2, s))
			}
			return q
		}
		if !c.InHypotheses(p(1)) {
			continue
		}
		// Bisect the entry point of the a priori region (assumed to be
		// entered once along the path; 40 halvings reach the 3-digit
		// rounding of the path's regimes).
		lo, hi := 0.0, 1.0
		for range 40 {
			mid := (lo + hi) / 2
			if c.InHypotheses(p(mid)) {
				hi = mid
			} else {
				lo = mid
			}
		}
		e := p(hi)
		dd := math.Abs(e.Separation-r.Separation)/sepSpan + math.Abs(math.Log(math.Max(e.LambdaSigma2, 1e-300)/math.Max(r.LambdaSigma2, 1e-300)))/lamSpan
		if r.Hardmax() {
			dd = math.Abs(e.Separation-r.Separation) / sepSpan
		}
		if dd < dist {
			path, sStar, dist, ok = p, hi, dd, true
		}
	}
	return path, sStar, dist, ok
}

// round3 rounds to 3 significant digits.
func round3(x float64) float64 { return roundSig(x, 3) }

// towardBoundary moves a FAILS outside the hypotheses toward the
// hypothesis boundary along boundaryPath: it evaluates the check at the
// entry point (a FAILS there is a failure inside the hypotheses), then
// bisects between the failing regime and the entry point for steps
// evaluations, keeping the failing regime nearest to the boundary.
func towardBoundary(env claims.Env, c claims.Claim, fail claims.Result, steps int) Counterexample {
	ce := Counterexample{Claim: c.ID(), Kind: TowardBoundary, Original: fail, Shrunk: fail}
	path, sStar, _, ok := boundaryPath(c, c.Ranges(), fail.Regime)
	if !ok {
		return ce
	}
	name := fail.Regime.Name + "-boundary"
	b := path(sStar)
	b.Name = name + "-entry"
	ce.Boundary = &b
	res, got := evalCheck(env, c, b, fail.Check)
	ce.Evals++
	if got {
		ce.AtBoundary = &res
		if res.Verdict == claims.Fails {
			ce.Shrunk = res
			ce.Steps = append(ce.Steps, "moved to the hypothesis boundary")
			return ce
		}
		ce.Pass = &res
	}
	lo, hi := 0.0, sStar
	for range steps {
		mid := (lo + hi) / 2
		r := path(mid)
		if sameRegime(r, path(lo)) || sameRegime(r, path(hi)) {
			break // the 3-digit rounding resolves no finer step
		}
		r.Name = name
		res, got := evalCheck(env, c, r, fail.Check)
		ce.Evals++
		if got && failsLike(res, fail) {
			lo, ce.Shrunk = mid, res
		} else {
			hi = mid
			if got {
				rr := res
				ce.Pass = &rr
			}
		}
	}
	if lo > 0 {
		ce.Steps = append(ce.Steps, "moved toward the hypothesis boundary")
	}
	return ce
}
