package sweep

import (
	"attnclust/internal/claimtest"
	"bytes"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/theory"
)

// fakeClaim is the shared fake claim (see package claimtest).
type fakeClaim = claimtest.Fake

// fakeSuite is a suite of fake claims and numerics, with a clock that
// ticks on every call.
func fakeSuite() Suite {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var tick atomic.Int64
	return Suite{
		Claims: []claims.Claim{fakeClaim{ClaimID: "C1"}, fakeClaim{ClaimID: "C3"}, fakeClaim{ClaimID: "C4"}},
		Curves: func(env claims.Env, r claims.Regime, runs int) ([]claims.Curve, error) {
			c := claims.Curve{Scheme: "small-scale"}
			for i := 0; i <= 20; i++ {
				c.Iter = append(c.Iter, 10*i)
				c.Cos1 = append(c.Cos1, 1-math.Exp(-float64(i)))
				c.Cos2 = append(c.Cos2, 1-2*math.Exp(-float64(i)))
				c.Risk = append(c.Risk, math.Exp(-float64(i)))
			}
			return []claims.Curve{c}, nil
		},
		MinDist: func(env claims.Env, r claims.Regime) (float64, float64, error) {
			return math.Exp(-r.Separation*r.Separation/8) / (1 + r.LambdaSigma2), 1e-13, nil
		},
		QuantInf: func(theory.Mixture, float64) (numerics.Estimate, error) {
			return numerics.Estimate{Value: 0.0283, Err: 1e-15}, nil
		},
		QuantMC: func(_ theory.Mixture, _ float64, L, _ int, _ uint64) (numerics.Estimate, error) {
			return numerics.Estimate{Value: 0.0283 + 0.5/float64(L), Err: 0.001}, nil
		},
		Slices: func(c claims.Claim, quick bool) []claims.Regime {
			return []claims.Regime{{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Variant: "distance", LambdaSigma2: 1, Seed: 1}}
		},
		Thresholds: func(env claims.Env, c claims.Claim, slices []claims.Regime, workers int, progress func(done, total int)) []claims.Threshold {
			var out []claims.Threshold
			for _, s := range slices {
				out = append(out, claims.Threshold{Claim: c.ID(), Slice: s, Status: "bracketed", Lo: 4.99, Hi: 5.01})
			}
			return out
		},
		Summarize: func(c claims.Claim, rs []claims.Result) claims.Summary {
			return claims.Summary{Claim: c.ID(), RandomInHypotheses: len(rs) / 2, FailureRateUpper: claims.FailureRateUpper(0, len(rs)/2, 0.95)}
		},
		Now: func() time.Time { return t0.Add(time.Duration(tick.Add(1)) * 100 * time.Millisecond) },
	}
}

func TestSimplify(t *testing.T) {
	c := fakeClaim{ClaimID: "C1"}
	r := claims.Regime{Name: "C1-out-3", D: 17, Sigma: 2.37, Pi1: 0.31, Geometry: claims.Angle, Angle: 1.3,
		Separation: 3.71, Variant: "dot", LambdaSigma2: 0.347, Seed: 991}
	fail, ok := evalCheck(claims.Env{}, c, r, "C1.sep")
	if !ok || fail.Verdict != claims.Fails {
		t.Fatalf("fake claim does not fail: %+v", fail)
	}
	ce := simplify(claims.Env{}, c, fail, 30)
	want := claims.Regime{Name: "C1-out-3-shrunk", D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal,
		Separation: 4, Variant: "dot", LambdaSigma2: 0.3, Seed: 0}
	if diff := cmp.Diff(want, ce.Shrunk.Regime); diff != "" {
		t.Errorf("shrunk regime (-want +got), steps %v:\n%s", ce.Steps, diff)
	}
	if ce.Shrunk.Verdict != claims.Fails || ce.Shrunk.Spec == "" || ce.Kind != Simplified {
		t.Errorf("shrunk result %+v", ce.Shrunk)
	}
	if ce := simplify(claims.Env{}, c, fail, 2); ce.Evals != 2 {
		t.Errorf("budget 2: %d evaluations", ce.Evals)
	}
}

// TestTowardBoundary moves a FAILS at Delta = 2 toward the hypotheses
// (Delta >= 6): the check fails below Delta = 5, so the failing regime
// nearest to the boundary is just below 5 and the first passing one just
// above.
func TestTowardBoundary(t *testing.T) {
	c := fakeClaim{ClaimID: "C1"}
	r := claims.Regime{Name: "C1-out-1", D: 3, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 2,
		Variant: "distance", LambdaSigma2: 1, Seed: 4}
	fail, _ := evalCheck(claims.Env{}, c, r, "C1.sep")
	ce := towardBoundary(claims.Env{}, c, fail, boundarySteps)
	if ce.Boundary == nil || ce.Boundary.Separation != 6 || ce.Boundary.LambdaSigma2 != 1 {
		t.Fatalf("boundary %+v, want Delta 6 and lambda sigma^2 unchanged", ce.Boundary)
	}
	if ce.AtBoundary == nil || ce.AtBoundary.Verdict != claims.Holds {
		t.Errorf("at the boundary: %+v", ce.AtBoundary)
	}
	// the path is 4 long (Delta 2 to 6); 6 halvings resolve 4/64 = 0.0625
	got := ce.Shrunk.Regime.Separation
	if ce.Shrunk.Verdict != claims.Fails || !(got < 5 && got > 5-4.0/64-0.01) {
		t.Errorf("shrunk to Delta %v (%v), want just below 5", got, ce.Shrunk.Verdict)
	}
	if ce.Pass == nil || !(ce.Pass.Regime.Separation >= 5 && ce.Pass.Regime.Separation-got <= 4.0/64+0.01) {
		t.Errorf("pass %+v", ce.Pass)
	}
	if ce.Evals != 1+boundarySteps {
		t.Errorf("%d evaluations, want %d", ce.Evals, 1+boundarySteps)
	}
	// a regime whose path never enters the hypotheses is left as it was
	r.D = 1
	r.Geometry = claims.Antipodal
	fail, _ = evalCheck(claims.Env{}, c, r, "C1.sep")
	if ce := towardBoundary(claims.Env{}, c, fail, boundarySteps); ce.Boundary != nil || ce.Evals != 0 {
		t.Errorf("unreachable boundary: %+v", ce)
	}
}

func TestBoundaryPathPrefersNearestDirection(t *testing.T) {
	// hypotheses lambda sigma^2 >= 1 or Delta >= 11: from Delta 3,
	// lambda sigma^2 0.8, raising lambda sigma^2 is the shorter way.
	c := lamClaim{fakeClaim{ClaimID: "C2"}}
	r := claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 3, Variant: "distance", LambdaSigma2: 0.8}
	path, s, _, ok := boundaryPath(c, c.Ranges(), r)
	if !ok {
		t.Fatal("no path")
	}
	e := path(s)
	if e.Separation != 3 || e.LambdaSigma2 != 1 {
		t.Errorf("entry %+v, want Delta 3 and lambda sigma^2 1", e)
	}
}

type lamClaim struct{ fakeClaim }

func (lamClaim) InHypotheses(r claims.Regime) bool { return r.LambdaSigma2 >= 1 || r.Separation >= 11 }

// TestExecuteDeterministic runs the fake suite with 1 and 3 workers and
// requires the same outcome (timings aside).
func TestExecuteDeterministic(t *testing.T) {
	cat := []claims.Regime{{Name: "near", D: 3, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 3, Variant: "distance", LambdaSigma2: 1, Seed: 1}}
	cfg := Config{Seed: 3, InHyp: 5, Outside: 6, Quick: true, Figures: true, Catalog: cat}
	var outs []*Outcome
	for _, w := range []int{1, 3} {
		cfg.Workers = w
		var log bytes.Buffer
		o := Execute(cfg, fakeSuite(), &log)
		o.Timings, o.Config.Workers = nil, 0
		outs = append(outs, o)
		if !strings.Contains(log.String(), "checks") {
			t.Errorf("no progress line: %q", log.String())
		}
	}
	opts := cmp.Options{cmp.Comparer(func(a, b claims.Claim) bool { return a.ID() == b.ID() }),
		cmpopts.IgnoreUnexported(claims.Result{})}
	if diff := cmp.Diff(outs[0], outs[1], opts); diff != "" {
		t.Errorf("outcome depends on workers (-1 +3):\n%s", diff)
	}
	o := outs[0]
	if len(o.Runs) != 3 {
		t.Fatalf("%d runs", len(o.Runs))
	}
	cr := o.Runs[0]
	if len(cr.InHyp) != 5 || len(cr.Outside) != 6 || len(cr.Results) != 2*(5+6+1) || len(cr.Sources) != len(cr.Results) {
		t.Errorf("run sizes: %d in, %d out, %d results, %d sources", len(cr.InHyp), len(cr.Outside), len(cr.Results), len(cr.Sources))
	}
	for _, r := range cr.InHyp {
		if !strings.HasPrefix(r.Name, "C1-in-") {
			t.Errorf("in-hypothesis regime named %q", r.Name)
		}
	}
	if cr.Summary.RandomInHypotheses != 5 || len(cr.Thresholds) != 1 {
		t.Errorf("summary %+v, thresholds %+v", cr.Summary, cr.Thresholds)
	}
	if len(o.NamedResults()) != 3*2 {
		t.Errorf("%d named results", len(o.NamedResults()))
	}
	var kinds []ShrinkKind
	for _, ce := range o.Counterexamples {
		kinds = append(kinds, ce.Kind)
	}
	if len(o.Counterexamples) == 0 {
		t.Error("no counterexample")
	}
	f := o.Figures
	// the fake suite has no C5, C6 or C7: their figures carry a note
	for _, k := range []string{FigClustering, FigClouds, FigComplexity, FigTraining, FigK3} {
		if f.Notes[k] == "" {
			t.Errorf("figure %s: no note", k)
		}
		delete(f.Notes, k)
	}
	if len(f.Curves) == 0 || len(f.Distances) != 4 || len(f.Maps) != 2 || f.Quant == nil || len(f.Notes) != 0 {
		t.Errorf("figure data: %d curves, %d distance series, %d maps, quant %v, notes %v", len(f.Curves), len(f.Distances), len(f.Maps), f.Quant != nil, f.Notes)
	}
	for _, m := range f.Maps {
		for _, p := range m.Panels {
			if p.Variant == "distance" && p.Geometry == claims.Orthogonal && len(p.Thresholds) != 1 {
				t.Errorf("map %s panel %s/%s: %d thresholds", m.Claim, p.Variant, p.Geometry, len(p.Thresholds))
			}
		}
	}
}

func TestExecuteSelectsAndSkips(t *testing.T) {
	cfg := Config{Seed: 1, InHyp: 1, ClaimIDs: []string{"C4"}, Quick: true, Figures: true}
	o := Execute(cfg, fakeSuite(), nil)
	if len(o.Runs) != 1 || o.Runs[0].Claim.ID() != "C4" {
		t.Fatalf("runs %v", len(o.Runs))
	}
	if o.Figures.Quant == nil || o.Figures.Notes[FigCurves] == "" || o.Figures.Notes[FigMaps] == "" {
		t.Errorf("figures: quant %v, notes %v", o.Figures.Quant != nil, o.Figures.Notes)
	}
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	p := newProgress(&buf, func() time.Time { return now })
	up := p.update("checks")
	for i := 1; i <= 30; i++ {
		now = t0.Add(time.Duration(i) * 300 * time.Millisecond)
		up(i, 30)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// 9 s in steps of 0.3 s: at most one line a second, plus the last
	if len(lines) < 7 || len(lines) > 10 || lines[0] != "verify: checks 4/30 (1.2 s)" || lines[len(lines)-1] != "verify: checks 30/30 (9.0 s)" {
		t.Errorf("progress lines: %q", lines)
	}
	p.terminal, p.start = true, now
	buf.Reset()
	now = now.Add(1500 * time.Millisecond)
	up(1, 2)
	p.phase("x")
	if buf.Len() != 0 {
		t.Errorf("a terminal got progress within 2 s: %q", buf.String())
	}
}

func TestMappedOnlyChecks(t *testing.T) {
	c := fakeClaim{ClaimID: "C2"}
	in := claims.Regime{Name: "in", D: 2, Separation: 7}
	out := claims.Regime{Name: "out", D: 1}
	res := []claims.Result{
		{Check: "C2.a", Regime: in, InHypotheses: true},
		{Check: "C2.witness", Regime: in},
		{Check: "C2.witness", Regime: out},
		{Check: "C2.only-out", Regime: out},
		{Check: "C2.roled", Regime: in, Role: claims.RoleMap},
	}
	if diff := cmp.Diff([]string{"C2.witness"}, mappedOnlyChecks(c, res)); diff != "" {
		t.Errorf("mappedOnlyChecks (-want +got):\n%s", diff)
	}
}

func TestRoundSig(t *testing.T) {
	for _, c := range []struct {
		x    float64
		d    int
		want float64
	}{{3.71, 1, 4}, {3.71, 2, 3.7}, {0.347, 1, 0.3}, {0.0456, 2, 0.046}, {12, 1, 10}} {
		if got := roundSig(c.x, c.d); got != c.want {
			t.Errorf("roundSig(%v, %d) = %v, want %v", c.x, c.d, got, c.want)
		}
	}
}

// TestRealClaimsSetRoleAndKind runs every real claim on one named regime
// and requires every result to carry a role and a kind (and a level when
// statistical). The claims set them once the evidence contract is
// implemented; until then the report renders them as unspecified.
func TestRealClaimsSetRoleAndKind(t *testing.T) {
	r := claims.Regime{Name: "probe", D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 5,
		Variant: "distance", LambdaSigma2: 2, Seed: 1}
	for _, c := range claims.All() {
		for _, res := range claims.Run(claims.Env{Quick: true}, []claims.Job{{Claim: c, Regime: r}}, 1, nil)[0] {
			if res.Role == "" || res.Kind == "" || (res.Kind == claims.KindStatistical && !(res.Level > 0 && res.Level < 1)) {
				t.Errorf("%s: role %q, kind %q, level %v", res.Check, res.Role, res.Kind, res.Level)
			}
		}
		if len(c.Hypotheses()) == 0 && c.ID() != "C0" {
			t.Errorf("%s lists no hypotheses", c.ID())
		}
	}
}
