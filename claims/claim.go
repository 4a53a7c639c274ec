package claims

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"pgregory.net/rapid"

	"attnclust/evalspec"
	"attnclust/numerics"
	"attnclust/theory"
)

// Claim is one executable claim (docs/MODEL.md §7).
type Claim interface {
	// ID is the stable identifier: "C" followed by the claim number.
	ID() string
	// Title is a one-line summary.
	Title() string
	// Statement is the precise statement in Markdown: hypotheses, the
	// quantity checked, its tolerance and the reason for it, and what each
	// check ID means.
	Statement() string
	// Ranges are the regimes the report samples (the full ranges of
	// docs/MODEL.md §7, or narrower when a claim needs it).
	Ranges() Ranges
	// Hypotheses lists the claim's hypotheses, each with its provenance.
	Hypotheses() []Hypothesis
	// InHypotheses reports whether r satisfies the a priori hypotheses
	// (the items of Hypotheses with provenance paper or derived).
	InHypotheses(r Regime) bool
	// InHypothesesGenerator draws regimes inside the a priori hypotheses
	// directly (a conditional generator, not rejection from Ranges).
	InHypothesesGenerator() *rapid.Generator[Regime]
	// Check runs every check of the claim on r. It never panics on a
	// valid regime; numerical failures give INCONCLUSIVE results.
	Check(env Env, r Regime) []Result
}

// Env is what a check may use besides the regime.
type Env struct {
	// Model evaluates the trained layer's population risk. Nil means the
	// exact one-dimensional reduction, numerics.Reduced.
	Model theory.Model
	// Quant evaluates the in-context quantization error at L = infinity.
	// Nil means numerics.QuantInf.
	Quant func(mix theory.Mixture, lambda float64) (numerics.Estimate, error)
	// QuantMC estimates the finite-L quantization error by Monte Carlo.
	// Nil means numerics.QuantMC.
	QuantMC func(mix theory.Mixture, lambda float64, L, samples int, seed uint64) (numerics.Estimate, error)
	// Quick selects smaller sample counts and ladders (for CI); verdict
	// semantics are unchanged.
	Quick bool
	// KMemo, when not nil, remembers C7's minimizer per regime so that
	// the K-head claims (C7 to C10), which all start from it, compute it
	// once per run. It changes no result (the minimizer is a
	// deterministic function of the regime); nil computes it afresh.
	KMemo *KMemo
}

func (e Env) model() theory.Model {
	if e.Model == nil {
		return numerics.Reduced{}
	}
	return e.Model
}

func (e Env) quant(mix theory.Mixture, lambda float64) (numerics.Estimate, error) {
	if e.Quant == nil {
		return numerics.QuantInf(mix, lambda)
	}
	return e.Quant(mix, lambda)
}

func (e Env) quantMC(mix theory.Mixture, lambda float64, L, samples int, seed uint64) (numerics.Estimate, error) {
	if e.QuantMC == nil {
		return numerics.QuantMC(mix, lambda, L, samples, seed)
	}
	return e.QuantMC(mix, lambda, L, samples, seed)
}

// objective builds the regime's mixture, layer and objective.
func (e Env) objective(r Regime) (theory.Mixture, theory.Prototype, theory.Objective, error) {
	mix, err := r.Mixture()
	if err != nil {
		return theory.Mixture{}, theory.Prototype{}, nil, err
	}
	l, err := r.Layer()
	if err != nil {
		return theory.Mixture{}, theory.Prototype{}, nil, err
	}
	obj, err := e.model().Objective(mix, l)
	if err != nil {
		return theory.Mixture{}, theory.Prototype{}, nil, err
	}
	return mix, l, obj, nil
}

// Unshrunk is implemented by a claim whose failures the sweep does not
// shrink: one evaluation of its checks costs so much that the tens of
// evaluations shrinking spends per failure would exceed the claim's own
// cost several times over. UnshrunkReason says why, in words for the
// report; the failing regimes are then reported as drawn.
type Unshrunk interface {
	UnshrunkReason() string
}

// Applies reports whether claim c is stated for the number of components
// of r: a claim whose Ranges list numbers of components (Ranges.Ks)
// applies to exactly those, and any other claim to the two-component
// regimes (K = 0 or 2) only. The sweep runs a named regime of the catalog
// on the claims it applies to.
func Applies(c Claim, r Regime) bool {
	ks := c.Ranges().Ks
	if len(ks) == 0 {
		return r.K <= 2
	}
	for _, k := range ks {
		if r.K == k {
			return true
		}
	}
	return false
}

// All returns the claims in ID order.
func All() []Claim {
	return []Claim{C0{}, C1{}, C2{}, C3{}, C4{}, C5{}, C6{}, C7{}, C8{}, C9{}, C10{}}
}

// ByID returns the claim with the given ID.
func ByID(id string) (Claim, error) {
	for _, c := range All() {
		if c.ID() == id {
			return c, nil
		}
	}
	var ids []string
	for _, c := range All() {
		ids = append(ids, c.ID())
	}
	return nil, fmt.Errorf("unknown claim %q (want one of %s)", id, strings.Join(ids, ", "))
}

// Sample returns n regimes drawn from c's ranges, deterministically from
// seed (rapid's Example with seeds derived from seed and the index).
func Sample(c Claim, n int, seed uint64) []Regime {
	g := c.Ranges().Generator()
	out := make([]Regime, n)
	for i := range out {
		out[i] = g.Example(int(mix64(seed, uint64(i)) >> 2))
		out[i].Name = fmt.Sprintf("%s-random-%d", c.ID(), i)
	}
	return out
}

// mix64 is SplitMix64 of a and b: a well-spread seed for item b of run a.
func mix64(a, b uint64) uint64 {
	z := a + 0x9e3779b97f4a7c15*(b+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Job is one claim to check on one regime.
type Job struct {
	Claim  Claim
	Regime Regime
}

// Run checks every job with up to workers goroutines (0 means GOMAXPROCS)
// and returns the results in job order, so the output does not depend on
// the number of workers or on scheduling. progress, if not nil, is called
// after each job with the number done (from the calling goroutines, one
// at a time).
func Run(env Env, jobs []Job, workers int, progress func(done, total int)) [][]Result {
	out := make([][]Result, len(jobs))
	parallelFor(len(jobs), workers, func(i int) { out[i] = safeCheck(env, jobs[i]) }, progress)
	return out
}

// parallelFor calls fn(i) for i in [0, n) on up to workers goroutines (0
// means GOMAXPROCS); fn must write only its own index's output, so that
// results do not depend on scheduling. progress, if not nil, is called
// after each call with the number done, one call at a time.
func parallelFor(n, workers int, fn func(i int), progress func(done, total int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	done := 0
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
				if progress != nil {
					mu.Lock()
					done++
					progress(done, n)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// safeCheck runs one job and turns an unexpected panic into an
// INCONCLUSIVE result rather than losing the whole run.
func safeCheck(env Env, j Job) (res []Result) {
	defer func() {
		if p := recover(); p != nil {
			res = []Result{inconclusive(j.Claim.ID(), j.Claim.ID()+".panic", j.Regime, "internal error: %v", p)}
		}
	}()
	res = j.Claim.Check(env, j.Regime)
	for i := range res {
		res[i].InHypotheses = j.Claim.InHypotheses(j.Regime) && !res[i].narrow
	}
	return res
}

// EvalSpec is the input of "verify eval": it reproduces one risk
// evaluation or one quantization error. It is evalspec.Spec; see package
// evalspec for its fields, rules, decoder and evaluator.
type EvalSpec = evalspec.Spec

// PrototypeSpec returns the eval spec (compact JSON) of the risk of layer
// l on mix at heads.
func PrototypeSpec(mix theory.Mixture, l theory.Prototype, heads [][]float64) string {
	return marshalSpec(evalspec.Prototype(mix, l, heads))
}

// IdentitySpec returns the eval spec (compact JSON) of the quantization
// error (L = 0 for the L -> infinity limit).
func IdentitySpec(mix theory.Mixture, lambda float64, L, samples int, seed uint64) string {
	return marshalSpec(evalspec.Identity(mix, lambda, L, samples, seed))
}

// marshalSpec returns the JSON of s, or "" if s holds a number that JSON
// cannot represent (not validated: a spec outside the caps still records
// what was evaluated).
func marshalSpec(s EvalSpec) string {
	b, err := json.Marshal(s)
	if err != nil {
		return ""
	}
	return string(b)
}

// CheckProperty runs claim c under rapid on regimes drawn from g and fails
// the test when any check FAILS on a regime inside the hypotheses; rapid
// then shrinks the regime to a minimal counterexample. It returns nothing;
// use it inside a test function.
func CheckProperty(t *rapid.T, env Env, c Claim, g *rapid.Generator[Regime]) {
	r := g.Draw(t, "regime")
	if !c.InHypotheses(r) {
		t.Skip("outside the hypotheses")
	}
	for _, res := range c.Check(env, r) {
		if res.Verdict == Fails && !res.narrow {
			t.Fatalf("%s FAILS on %s: margin %.3g (err %.2g) %s; %s\nspec: %s", res.Check, r, res.Margin, res.Err, res.Units, res.Note, res.Spec)
		}
	}
}
