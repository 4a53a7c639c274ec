package sweep

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/theory"
)

// bitsEqual compares floats bit for bit (so -0 != 0), any NaN equal to
// any NaN: the shard codec must keep every float exactly.
var bitsEqual = cmp.Comparer(func(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
})

// TestCodecRoundTrip: random results, counterexamples and thresholds,
// with infinities, NaN, -0, subnormals, extreme integers, nil and empty
// slices, read back equal bit for bit.
func TestCodecRoundTrip(t *testing.T) {
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64,
		math.MaxFloat64, -math.MaxFloat64, 1e-310, 0.1, 1.0 / 3}
	flt := rapid.Custom(func(t *rapid.T) float64 {
		if rapid.Bool().Draw(t, "special") {
			return rapid.SampledFrom(special).Draw(t, "s")
		}
		return math.Float64frombits(rapid.Uint64().Draw(t, "bits"))
	})
	str := rapid.StringMatching(`[a-z"\\<>&\x00-\x1f\x{00e9}\x{2028}]{0,8}`)
	regime := rapid.Custom(func(t *rapid.T) claims.Regime {
		return claims.Regime{Name: str.Draw(t, "name"), D: rapid.Int().Draw(t, "d"), Sigma: flt.Draw(t, "sigma"),
			Pi1: flt.Draw(t, "pi1"), Geometry: claims.Geometry(str.Draw(t, "g")), Separation: flt.Draw(t, "sep"),
			Angle: flt.Draw(t, "angle"), Variant: str.Draw(t, "v"), LambdaSigma2: flt.Draw(t, "ls2"), Seed: rapid.Uint64().Draw(t, "seed")}
	})
	result := rapid.Custom(func(t *rapid.T) claims.Result {
		r := claims.Result{Claim: str.Draw(t, "claim"), Check: str.Draw(t, "check"), Regime: regime.Draw(t, "regime"),
			Verdict: claims.Verdict(rapid.IntRange(0, 2).Draw(t, "verdict")), Margin: flt.Draw(t, "margin"), Err: flt.Draw(t, "err"),
			InHypotheses: rapid.Bool().Draw(t, "in"), Note: str.Draw(t, "note"), Role: claims.RoleMap, Level: flt.Draw(t, "level")}
		switch rapid.IntRange(0, 2).Draw(t, "values") {
		case 1:
			r.Values = []claims.Quantity{}
		case 2:
			r.Values = []claims.Quantity{{Name: str.Draw(t, "qn"), Value: flt.Draw(t, "qv"), Err: flt.Draw(t, "qe")}}
		}
		return r
	})
	rapid.Check(t, func(t *rapid.T) {
		ce := Counterexample{Claim: "C1", Kind: TowardBoundary, Original: result.Draw(t, "orig"), Shrunk: result.Draw(t, "shrunk"),
			Steps: rapid.SliceOf(str).Draw(t, "steps"), Evals: rapid.Int().Draw(t, "evals")}
		if rapid.Bool().Draw(t, "ptr") {
			b, r := regime.Draw(t, "boundary"), result.Draw(t, "at")
			ce.Boundary, ce.AtBoundary = &b, &r
		}
		th := claims.Threshold{Claim: "C2", Slice: regime.Draw(t, "slice"), Lo: flt.Draw(t, "lo"), Hi: flt.Draw(t, "hi"),
			NonMonotone: rapid.SliceOf(flt).Draw(t, "nm")}
		if rapid.Bool().Draw(t, "nil-nm") {
			th.NonMonotone = nil
		}
		type bundle struct {
			CE  Counterexample
			Th  claims.Threshold
			Rs  [][]claims.Result
			M   map[string]float64
			Est numerics.Estimate
		}
		in := bundle{CE: ce, Th: th, Rs: [][]claims.Result{nil, {}, {result.Draw(t, "r")}},
			M: map[string]float64{str.Draw(t, "k"): flt.Draw(t, "mv")}, Est: numerics.Estimate{Value: flt.Draw(t, "ev"), Err: flt.Draw(t, "ee")}}
		b, err := encodeExact(in)
		if err != nil {
			t.Fatal(err)
		}
		var out bundle
		if err := decodeExact(b, &out); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if diff := cmp.Diff(in, out, bitsEqual, cmpopts.IgnoreUnexported(claims.Result{})); diff != "" {
			t.Fatalf("round trip (-in +out):\n%s\n%s", diff, b)
		}
		// nil and empty stay apart
		if (out.Th.NonMonotone == nil) != (in.Th.NonMonotone == nil) || out.Rs[0] != nil || out.Rs[1] == nil {
			t.Fatalf("nil/empty slices not kept: %s", b)
		}
	})
}

// TestCodecRefuses: types the codec cannot write exactly, and JSON that
// does not match the type, are errors naming the path.
func TestCodecRefuses(t *testing.T) {
	if _, err := encodeExact(struct{ F func() }{}); err == nil || !strings.Contains(err.Error(), "$.F") {
		t.Errorf("func field: err %v", err)
	}
	if _, err := encodeExact(map[int]int{1: 1}); err == nil {
		t.Error("int map key accepted")
	}
	for _, tc := range []struct{ in, want string }{
		{`{"Value":1}`, `missing field "Err"`},
		{`{"Value":1,"Err":2,"X":3}`, `unknown field "X"`},
		{`{"Value":"inf","Err":2}`, `$.Value`},
		{`{"Value":1,"Err":true}`, `$.Err: want a number`},
		{`{"Value":1,"Err":2} {}`, `trailing data`},
	} {
		var e numerics.Estimate
		if err := decodeExact([]byte(tc.in), &e); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.want)
		}
	}
}

// troubledSuite is fakeSuite whose figure units also fail: the minimizer
// distance errs at Delta = 3, Q_L has an infinite error at every length,
// and the training curves panic; a merge must replay these exactly.
func troubledSuite() Suite {
	s := fakeSuite()
	md := s.MinDist
	s.MinDist = func(env claims.Env, r claims.Regime) (float64, float64, error) {
		if r.Separation == 3 {
			return math.NaN(), math.Inf(1), errors.New("no certified minimizer")
		}
		return md(env, r)
	}
	s.QuantMC = func(_ theory.Mixture, _ float64, L, _ int, _ uint64) (numerics.Estimate, error) {
		return numerics.Estimate{Value: 1 / float64(L), Err: math.Inf(1)}, nil
	}
	s.Curves = func(claims.Env, claims.Regime, int) ([]claims.Curve, error) { panic("curves exploded") }
	return s
}

// runShards runs every shard of cfg, sends each through its file form,
// and returns them in a shuffled order.
func runShards(t *testing.T, cfg Config, s Suite, n int, rng *rand.Rand) ([]*Shard, []string) {
	t.Helper()
	var shards []*Shard
	var names []string
	for i := 1; i <= n; i++ {
		sh, err := ExecuteShard(cfg, s, runInfoOf(cfg), i, n, nil)
		if err != nil {
			t.Fatalf("shard %d/%d: %v", i, n, err)
		}
		b, err := sh.Encode()
		if err != nil {
			t.Fatalf("encode shard %d/%d: %v", i, n, err)
		}
		back, err := DecodeShard(b)
		if err != nil {
			t.Fatalf("decode shard %d/%d: %v", i, n, err)
		}
		shards = append(shards, back)
		names = append(names, fmt.Sprintf("shard-%d.json", i))
	}
	rng.Shuffle(n, func(i, j int) { shards[i], shards[j] = shards[j], shards[i]; names[i], names[j] = names[j], names[i] })
	return shards, names
}

var outcomeOpts = cmp.Options{cmp.Comparer(func(a, b claims.Claim) bool { return a.ID() == b.ID() }),
	cmpopts.IgnoreUnexported(claims.Result{}), bitsEqual, cmpopts.IgnoreFields(Outcome{}, "Timings")}

// TestMergeMatchesExecute: for n = 1, 2, 3 and 7 shards, in a shuffled
// order, the merged outcome equals the unsharded one exactly (timings
// aside), with failing and panicking figure units; every unit of the
// checks lands in exactly one shard.
func TestMergeMatchesExecute(t *testing.T) {
	cat := []claims.Regime{{Name: "near", D: 3, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 3, Variant: "distance", LambdaSigma2: 1, Seed: 1}}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, suite := range []struct {
		name string
		s    func() Suite
	}{{"fake", fakeSuite}, {"troubled", troubledSuite}} {
		cfg := Config{Seed: 3, InHyp: 5, Outside: 6, Quick: true, Figures: true, Catalog: cat, Workers: 2}
		want := Execute(cfg, suite.s(), nil)
		if len(want.Counterexamples) == 0 {
			t.Fatal("no counterexample: the shrink replay is not exercised")
		}
		if suite.name == "troubled" && (want.Figures.Notes[FigCurves] == "" || !math.IsInf(want.Figures.Quant.Points[0].SE, 1)) {
			t.Fatalf("troubled suite: notes %v", want.Figures.Notes)
		}
		for _, n := range []int{1, 2, 3, 7} {
			t.Run(fmt.Sprintf("%s/%d", suite.name, n), func(t *testing.T) {
				shards, names := runShards(t, cfg, suite.s(), n, rng)
				got, info, err := Merge(shards, names, suite.s(), 1)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got, outcomeOpts, cmpopts.IgnoreFields(Config{}, "Workers")); diff != "" {
					t.Errorf("merged outcome differs (-unsharded +merged):\n%s", diff)
				}
				if info.Seed != 3 {
					t.Errorf("run info %+v", info)
				}
				owner := map[string]int{}
				for _, sh := range shards {
					for _, u := range sh.Units {
						if j, dup := owner[u.Key]; dup {
							t.Errorf("unit %s in shards %d and %d", u.Key, j, sh.Index)
						}
						owner[u.Key] = sh.Index
					}
				}
				jobs := 3 * (5 + 6 + 1)
				for j := range jobs {
					if _, ok := owner[fmt.Sprintf("check/%d", j)]; !ok {
						t.Errorf("check/%d in no shard", j)
					}
				}
				if n <= jobs {
					for _, sh := range shards {
						if len(sh.Units) == 0 {
							t.Errorf("shard %d/%d computes nothing", sh.Index, n)
						}
					}
				}
			})
		}
	}
}

// TestMergeErrors: missing, duplicate, mismatched and incomplete shards
// are refused with a message naming the problem.
func TestMergeErrors(t *testing.T) {
	cfg := Config{Seed: 3, InHyp: 2, Outside: 2, ClaimIDs: []string{"C1", "C3", "C4"}, Quick: true, Figures: true, Workers: 2}
	s := fakeSuite()
	rng := rand.New(rand.NewPCG(3, 4))
	shards, names := runShards(t, cfg, s, 3, rng)
	by := map[int]*Shard{}
	for _, sh := range shards {
		by[sh.Index] = sh
	}
	other := cfg
	other.Seed = 4
	o2, err := ExecuteShard(other, s, runInfoOf(other), 2, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	two, err := ExecuteShard(cfg, s, runInfoOf(cfg), 2, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	trimmed := *by[2]
	trimmed.Units = nil
	for _, u := range by[2].Units {
		if !strings.HasPrefix(u.Key, "check/") {
			trimmed.Units = append(trimmed.Units, u)
		}
	}
	newer := *by[3]
	newer.Version = ShardVersion + 1
	for _, tc := range []struct {
		name   string
		shards []*Shard
		want   string
	}{
		{"none", nil, "no shards"},
		{"missing", []*Shard{by[1], by[3]}, "missing shard(s) 2/3 (got 2 of 3)"},
		{"duplicate", []*Shard{by[1], by[2], by[2], by[3]}, "duplicate shard 2/3: b and c"},
		{"other run", []*Shard{by[1], o2, by[3]}, "a and b are shards of different runs (they differ in seed: 3 vs 4)"},
		{"other count", []*Shard{by[1], two, by[3]}, "a is shard 1/3 but b is shard 2/2"},
		{"version", []*Shard{by[1], by[2], &newer}, "c: format \"attnclust-shard\" version 2"},
		{"incomplete", []*Shard{by[1], &trimmed, by[3]}, "no recorded value for unit check/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Merge(tc.shards, []string{"a", "b", "c", "d"}, s, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
	if _, _, err := Merge(shards, names, Suite{Claims: []claims.Claim{fakeClaim{ClaimID: "C1"}}}, 1); err == nil || !strings.Contains(err.Error(), "does not know") {
		t.Errorf("unknown claim: err %v", err)
	}
	if _, err := DecodeShard([]byte(`{"format":"x"}`)); err == nil || !strings.Contains(err.Error(), "not a shard file") {
		t.Errorf("other format: err %v", err)
	}
}

func TestParseShardSpec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		i, n int
		bad  bool
	}{
		{"1/1", 1, 1, false}, {"3/7", 3, 7, false},
		{"0/3", 0, 0, true}, {"4/3", 0, 0, true}, {"3", 0, 0, true}, {"a/b", 0, 0, true},
		{"1/3x", 0, 0, true}, {"-1/3", 0, 0, true}, {"1/0", 0, 0, true}, {"1/1000000", 0, 0, true},
	} {
		i, n, err := ParseShardSpec(tc.in)
		if (err != nil) != tc.bad || i != tc.i || n != tc.n {
			t.Errorf("%q: %d/%d, err %v", tc.in, i, n, err)
		}
	}
}
