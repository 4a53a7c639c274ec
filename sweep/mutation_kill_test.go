package sweep

// Tests prompted by the survivors of the sampled mutation run of sweep
// (fixtures/equivalent_mutants.md, section "Sampled runs", sweep).

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"attnclust/claims"
)

// countingClaim is the fake claim counting its evaluations.
type countingClaim struct {
	fakeClaim
	n *atomic.Int64
}

func (c countingClaim) Check(env claims.Env, r claims.Regime) []claims.Result {
	c.n.Add(1)
	return c.fakeClaim.Check(env, r)
}

// TestMergeEvaluatesNoClaim: the shards shrink their own counterexamples
// and record them; a merge replays every unit, shrinking included, and
// evaluates no claim.
func TestMergeEvaluatesNoClaim(t *testing.T) {
	cfg := Config{Seed: 3, InHyp: 2, Outside: 6, Quick: true, Workers: 1}
	shards, names := runShards(t, cfg, fakeSuite(), 2, rand.New(rand.NewPCG(7, 8)))
	shrinkUnits := 0
	for _, sh := range shards {
		for _, u := range sh.Units {
			if strings.HasPrefix(u.Key, "shrink/") {
				shrinkUnits++
			}
		}
	}
	if shrinkUnits == 0 {
		t.Fatal("no shard recorded a shrink unit")
	}
	var n atomic.Int64
	s := fakeSuite()
	s.Claims = []claims.Claim{countingClaim{fakeClaim{ClaimID: "C1"}, &n}, countingClaim{fakeClaim{ClaimID: "C3"}, &n},
		countingClaim{fakeClaim{ClaimID: "C4"}, &n}}
	got, _, err := Merge(shards, names, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Counterexamples) == 0 {
		t.Fatal("merged outcome has no counterexample")
	}
	if n.Load() != 0 {
		t.Errorf("the merge evaluated claims %d times, want 0 (every unit replayed)", n.Load())
	}
}

// TestIncompleteListsCount: the lists of missing units and shards name
// the first few and count the others only when there are others.
func TestIncompleteListsCount(t *testing.T) {
	for n, want := range map[int]string{3: "", 4: " (and 1 more)"} {
		e := &engine{mode: modeReplay}
		for i := range n {
			e.errs = append(e.errs, fmt.Sprintf("unit %d missing", i))
		}
		err := e.replayErr()
		if err == nil || strings.Count(err.Error(), "missing") != 3 || !strings.HasSuffix(err.Error(), "missing"+want) {
			t.Errorf("%d missing units: %v, want 3 listed%s", n, err, want)
		}
	}
	// 10 of 11 shards missing: all ten are listed, none is "more".
	cfg := Config{Seed: 3, InHyp: 1, Outside: 1, ClaimIDs: []string{"C1"}, Quick: true, Workers: 1}
	sh, err := ExecuteShard(cfg, fakeSuite(), runInfoOf(cfg), 1, 11, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Merge([]*Shard{sh}, []string{"a"}, fakeSuite(), 1)
	want := "missing shard(s) 2/11, 3/11, 4/11, 5/11, 6/11, 7/11, 8/11, 9/11, 10/11, 11/11 (got 1 of 11)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err %v, want %q", err, want)
	}
}

// TestFigureGrids: the separations of the distance and clustering
// figures are the documented grids (2 to 10 and 1 to 8, by 0.25, or by 1
// in quick mode).
func TestFigureGrids(t *testing.T) {
	grid := func(lo, hi, step float64) []float64 {
		var out []float64
		for k := 0; k <= int((hi-lo)/step); k++ {
			out = append(out, lo+float64(k)*step)
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		got, want []float64
	}{
		{"distance quick", distanceGrid(true), grid(2, 10, 1)},
		{"distance", distanceGrid(false), grid(2, 10, 0.25)},
		{"clustering quick", ClusteringGrid(true), grid(1, 8, 1)},
		{"clustering", ClusteringGrid(false), grid(1, 8, 0.25)},
	} {
		if diff := cmp.Diff(tc.want, tc.got); diff != "" {
			t.Errorf("%s grid (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestDistancePointsResolved: a distance well above twice its error
// bound is marked resolved; an error marks the point unresolved.
func TestDistancePointsResolved(t *testing.T) {
	cfg := Config{Quick: true, Workers: 1}
	for _, tc := range []struct {
		name  string
		suite Suite
	}{{"fake", fakeSuite()}, {"troubled", troubledSuite()}} {
		for _, sr := range computeDistances(claims.Env{Quick: true}, cfg, tc.suite) {
			for _, p := range sr.Points {
				// the fake distances are at least exp(-12.5)/4 = 9e-7,
				// against an error bound of 1e-13; the troubled suite
				// errs at Delta = 3
				want := !(tc.name == "troubled" && p.Delta == 3)
				if p.OK != want {
					t.Errorf("%s, lambda sigma^2 %v, Delta %v: distance %v +- %v, OK %v, want %v", tc.name, sr.LamS2, p.Delta, p.Dist, p.Err, p.OK, want)
				}
			}
		}
	}
}

// TestMapRegimeNameExact: a map cell's regime name carries its
// separation and temperature exactly (they read back to the same
// numbers), so that cells never share a name.
func TestMapRegimeNameExact(t *testing.T) {
	p := MapPanel{Variant: "dot", Geometry: claims.Orthogonal, Pi1: 0.3}
	for _, delta := range []float64{1.5, 2.25, 6} {
		for _, ls2 := range []float64{0.1, 0.25, 0.35, 10} {
			name := MapRegime(p, delta, ls2).Name
			_, lsText, ok1 := strings.Cut(name, "-ls")
			dText, _, ok2 := strings.Cut(strings.SplitN(name, "-Delta", 2)[1], "-ls")
			gotLs, err1 := strconv.ParseFloat(lsText, 64)
			gotD, err2 := strconv.ParseFloat(dText, 64)
			if !ok1 || !ok2 || err1 != nil || err2 != nil || gotLs != ls2 || gotD != delta {
				t.Errorf("Delta %v, lambda sigma^2 %v: name %q", delta, ls2, name)
			}
		}
	}
}

// mapFailClaim is the fake claim whose map-role check FAILS everywhere.
type mapFailClaim struct{ fakeClaim }

func (c mapFailClaim) Check(env claims.Env, r claims.Regime) []claims.Result {
	rs := c.fakeClaim.Check(env, r)
	for i := range rs {
		if rs[i].Role == claims.RoleMap {
			rs[i].Verdict, rs[i].Margin = claims.Fails, -1
		}
	}
	return rs
}

// TestMapCellsCountClaimChecksOnly: a hold-map cell is painted by the
// claim-role checks: a map-role check that FAILS does not turn a cell
// whose claim check HOLDS into a failure.
func TestMapCellsCountClaimChecksOnly(t *testing.T) {
	out := &Outcome{Runs: []ClaimRun{{Claim: mapFailClaim{fakeClaim{ClaimID: "C1"}}}}}
	maps := computeMaps(claims.Env{Quick: true}, Config{Quick: true, Workers: 1}, nil, out)
	if len(maps) != 1 {
		t.Fatalf("%d maps", len(maps))
	}
	m := maps[0]
	for _, p := range m.Panels {
		for j := range m.LamS2 {
			for i, delta := range m.Deltas {
				// the claim check FAILS below Delta = 5 and HOLDS above
				want := CellHolds
				if delta < 5 {
					want = CellFails
				}
				if got := p.Cells[j][i]; got != want {
					t.Errorf("%s %s, Delta %v, lambda sigma^2 %v: cell %v, want %v", p.Variant, p.Geometry, delta, m.LamS2[j], got, want)
				}
			}
		}
	}
}

// TestQuantInput: the quantization figure's reference line is the input
// error d sigma^2 of its mixture.
func TestQuantInput(t *testing.T) {
	q, err := computeQuant(Config{Quick: true, Workers: 1}, fakeSuite())
	if err != nil {
		t.Fatal(err)
	}
	mix, err := QuantMixture()
	if err != nil {
		t.Fatal(err)
	}
	want := float64(mix.Dim()) * mix.Sigma * mix.Sigma
	if mix.Sigma == 1 || math.Abs(q.Input-want) > 1e-15*want { // rounding of two products
		t.Errorf("input error %v, want d sigma^2 = %v (sigma %v)", q.Input, want, mix.Sigma)
	}
}

// TestTrainingAxes: the Delta and d axes of the SGD-curve figure hold one
// curve per separation and per dimension, each the data-token curve of
// its regime.
func TestTrainingAxes(t *testing.T) {
	cfg := Config{Seed: 1, ClaimIDs: []string{"C6"}, Quick: true, Figures: true, Workers: 2}
	o := Execute(cfg, realFigureSuite(), nil)
	td := o.Figures.Training
	if td == nil || len(td.ByDelta) != len(trainingDeltas) || len(td.ByDim) != len(trainingDims) {
		t.Fatalf("training data %+v, notes %v", td, o.Figures.Notes)
	}
	// the first curve of the Delta axis, recomputed
	n, steps, every := trainingPlan(cfg.Quick)
	r := SampleRegime()
	r.Separation = trainingDeltas[0]
	cs, err := claims.SampleTrainingCurves(claims.Env{Quick: true}, r, n, steps, every, mix64(cfg.Seed, 0x5107+1))
	if err != nil {
		t.Fatal(err)
	}
	var want *claims.TrainingCurve
	for i := range cs {
		if cs[i].Scheme == TrainingAxisScheme {
			want = &cs[i]
		}
	}
	if want == nil {
		t.Fatalf("no %s curve", TrainingAxisScheme)
	}
	got := td.ByDelta[0]
	if got.Scheme != fmt.Sprintf("Delta = %g", trainingDeltas[0]) {
		t.Errorf("label %q", got.Scheme)
	}
	if diff := cmp.Diff(want.Points, got.Points, bitsEqual); diff != "" {
		t.Errorf("Delta axis curve is not the %s curve (-want +got):\n%s", TrainingAxisScheme, diff)
	}
}

// TestShrinkTasksPerCheck: each check gets its own worst FAILS (one in
// quick mode), from random regimes only, in check order; the roles that
// count are claim and map.
func TestShrinkTasksPerCheck(t *testing.T) {
	c := fakeClaim{ClaimID: "C1"}
	in := func(check, name string, margin float64, src Source) (claims.Result, Source) {
		return claims.Result{Claim: "C1", Check: check, Regime: claims.Regime{Name: name, D: 2, Separation: 7}, Verdict: claims.Fails,
			Margin: margin, InHypotheses: true, Role: claims.RoleClaim, Kind: claims.KindCertified}, src
	}
	cr := ClaimRun{Claim: c}
	for _, x := range []struct {
		check, name string
		margin      float64
		src         Source
	}{
		{"C1.a", "a1", -1, FromInHyp}, {"C1.b", "b1", -2, FromInHyp}, {"C1.a", "cat", -9, FromCatalog},
		{"C1.c", "c1", -3, FromInHyp}, {"C1.a", "a2", -2, FromInHyp}, {"C1.b", "b2", -1, FromInHyp},
	} {
		r, s := in(x.check, x.name, x.margin, x.src)
		cr.Results, cr.Sources = append(cr.Results, r), append(cr.Sources, s)
	}
	var got []string
	for _, task := range shrinkTasks([]ClaimRun{cr}, true) {
		got = append(got, task.fail.Check+"/"+task.fail.Regime.Name+"/"+string(task.kind))
	}
	want := []string{"C1.a/a2/simplified", "C1.b/b1/simplified", "C1.c/c1/simplified"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		role claims.Role
		kind claims.Kind
		want bool
	}{
		{claims.RoleClaim, claims.KindCertified, true}, {claims.RoleMap, claims.KindCertified, true},
		{claims.RoleMap, claims.KindStatistical, false}, {claims.RoleRefuted, claims.KindCertified, false},
		{claims.RoleSanity, claims.KindCertified, false}, {"", claims.KindCertified, false},
	} {
		if got := counts(claims.Result{Role: tc.role, Kind: tc.kind}); got != tc.want {
			t.Errorf("counts(role %q, kind %q) = %v, want %v", tc.role, tc.kind, got, tc.want)
		}
	}
}

// TestShrinkAllKinds: each task is shrunk the way its kind says.
func TestShrinkAllKinds(t *testing.T) {
	c := fakeClaim{ClaimID: "C1"}
	out := claims.Regime{Name: "out", D: 3, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 2, Variant: "distance", LambdaSigma2: 1, Seed: 4}
	fail, ok := evalCheck(claims.Env{}, c, out, "C1.sep")
	if !ok || fail.Verdict != claims.Fails {
		t.Fatalf("fake claim does not fail: %+v", fail)
	}
	ces := shrinkAll(claims.Env{}, nil, []shrinkTask{{c, TowardBoundary, fail}, {c, Simplified, fail}}, 1, true)
	if len(ces) != 2 || ces[0].Kind != TowardBoundary || ces[0].Boundary == nil || ces[1].Kind != Simplified || ces[1].Boundary != nil {
		t.Errorf("counterexamples %+v, want one moved toward the boundary, then one simplified", ces)
	}
}

// TestParallelForDefaultWorkers: workers <= 0 means GOMAXPROCS workers,
// and every index is run once.
func TestParallelForDefaultWorkers(t *testing.T) {
	for _, workers := range []int{0, -1, 1, 3} {
		var hits [17]atomic.Int64
		done := make(chan struct{})
		go func() {
			parallelFor(len(hits), workers, func(i int) { hits[i].Add(1) })
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second): // far above the microseconds the calls take
			t.Fatalf("workers %d: parallelFor did not return", workers)
		}
		for i := range hits {
			if hits[i].Load() != 1 {
				t.Errorf("workers %d: index %d run %d times", workers, i, hits[i].Load())
			}
		}
	}
}

// TestBoundaryPathDistance: the distance to the hypotheses is the change
// of Delta over the range of Delta (plus the log change of lambda sigma^2
// over its log range, here none).
func TestBoundaryPathDistance(t *testing.T) {
	c := fakeClaim{ClaimID: "C1"} // hypotheses d >= 2 and Delta >= 6
	rg := c.Ranges()
	r := claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 3, Variant: "distance", LambdaSigma2: 1}
	path, s, dist, ok := boundaryPath(c, rg, r)
	if !ok {
		t.Fatal("no path")
	}
	e := path(s)
	want := (6 - 3) / (rg.SepMax - rg.SepMin)
	// the entry point is rounded to 3 digits: Delta 6 exactly
	if e.Separation != 6 || e.LambdaSigma2 != 1 || math.Abs(dist-want) > 1e-12 {
		t.Errorf("entry %+v, distance %v, want Delta 6, lambda sigma^2 1 and distance %v", e, dist, want)
	}
}

// TestTowardBoundaryNoMove: when no regime nearer to the hypotheses
// fails, the counterexample is the original FAILS and claims no move.
func TestTowardBoundaryNoMove(t *testing.T) {
	c := fakeClaim{ClaimID: "C1"} // FAILS below Delta = 5
	r := claims.Regime{Name: "edge", D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 4.99, Variant: "distance", LambdaSigma2: 1}
	fail, _ := evalCheck(claims.Env{}, c, r, "C1.sep")
	ce := towardBoundary(claims.Env{}, c, fail, boundarySteps)
	if ce.Shrunk.Regime != fail.Regime || len(ce.Steps) != 0 || ce.Pass == nil {
		t.Errorf("shrunk to %+v, steps %q, pass %v; want the original, no step, a pass", ce.Shrunk.Regime, ce.Steps, ce.Pass != nil)
	}
}

// TestProgressNoShrinkPhase: a run without FAILS announces no shrinking
// phase; one with FAILS does.
func TestProgressNoShrinkPhase(t *testing.T) {
	for _, tc := range []struct {
		outside int
		want    bool
	}{{0, false}, {3, true}} {
		var buf bytes.Buffer
		cfg := Config{Seed: 1, InHyp: 2, Outside: tc.outside, ClaimIDs: []string{"C1"}, Quick: true, Workers: 1}
		Execute(cfg, fakeSuite(), &buf)
		if got := strings.Contains(buf.String(), "shrinking"); got != tc.want {
			t.Errorf("%d outside regimes: progress %q, want a shrinking phase: %v", tc.outside, buf.String(), tc.want)
		}
	}
}

// TestTrainingFailureNoteKeepsCause: when the SGD curves fail (here a
// merge replays a recorded failure), the figure's note gives the cause.
func TestTrainingFailureNoteKeepsCause(t *testing.T) {
	cfg := Config{Seed: 1, ClaimIDs: []string{"C6"}, Quick: true, Figures: true, Workers: 2}
	sh, err := ExecuteShard(cfg, realFigureSuite(), runInfoOf(cfg), 1, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	none, err := encodeExact([]claims.TrainingCurve(nil))
	if err != nil {
		t.Fatal(err)
	}
	planted := false
	for i, u := range sh.Units {
		if u.Key == "sample-training/0" {
			sh.Units[i].Value, sh.Units[i].Err, planted = none, "planted training failure", true
		}
	}
	if !planted {
		t.Fatal("no unit sample-training/0")
	}
	o, _, err := Merge([]*Shard{sh}, []string{"a"}, realFigureSuite(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if note := o.Figures.Notes[FigTraining]; !strings.Contains(note, "planted training failure") {
		t.Errorf("note %q, want the recorded cause", note)
	}
}
