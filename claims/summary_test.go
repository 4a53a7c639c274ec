package claims

import (
	"math"
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// binomCDFExact returns P(Bin(n, p) <= k) in exact rational arithmetic
// (p is converted exactly from its float64 value), independent of the
// log-gamma sum FailureRateUpper uses.
func binomCDFExact(k, n int, p float64) *big.Rat {
	pr := new(big.Rat).SetFloat64(p)
	qr := new(big.Rat).Sub(big.NewRat(1, 1), pr)
	sum := new(big.Rat)
	for i := 0; i <= k; i++ {
		term := new(big.Rat).SetInt(new(big.Int).Binomial(int64(n), int64(i)))
		for j := 0; j < i; j++ {
			term.Mul(term, pr)
		}
		for j := 0; j < n-i; j++ {
			term.Mul(term, qr)
		}
		sum.Add(sum, term)
	}
	return sum
}

// TestFailureRateUpperExact checks the Clopper-Pearson bound against the
// exact binomial CDF: at the returned p_u, P(Bin(n, p) <= k) crosses
// alpha = 1 - conf, i.e. it is above alpha at p_u (1 - 1e-9) and below at
// p_u (1 + 1e-9). 1e-9 relative: the bisection reaches float64
// resolution and the log-space CDF is accurate to ~1e-13 relative, while
// the CDF's relative slope in p is at most n k-ish (< 1e4 here), so the
// crossing is located far better than 1e-9.
func TestFailureRateUpperExact(t *testing.T) {
	alpha := big.NewRat(5, 100)
	for _, c := range []struct{ k, n int }{
		{0, 1}, {0, 20}, {0, 50}, {1, 20}, {2, 20}, {1, 50}, {5, 50}, {3, 10}, {10, 100}, {49, 50},
	} {
		pu := FailureRateUpper(c.k, c.n, 0.95)
		if !(pu > 0 && pu < 1) {
			t.Errorf("k=%d n=%d: bound %v", c.k, c.n, pu)
			continue
		}
		below := binomCDFExact(c.k, c.n, pu*(1-1e-9))
		above := binomCDFExact(c.k, c.n, pu*(1+1e-9))
		if below.Cmp(alpha) <= 0 || above.Cmp(alpha) >= 0 {
			b, _ := below.Float64()
			a, _ := above.Float64()
			t.Errorf("k=%d n=%d: p_u = %v does not cross 0.05: CDF %v below, %v above", c.k, c.n, pu, b, a)
		}
	}
	// k = 0 closed form and published values of the one-sided 95%
	// Clopper-Pearson bound: 1/20 -> 0.2161, 0/20 -> 0.1391 ("rule of
	// three" scale 3/n = 0.15 is its approximation).
	for _, c := range []struct {
		k, n int
		want float64
	}{{0, 20, 1 - math.Pow(0.05, 1.0/20)}, {0, 20, 0.1391}, {1, 20, 0.2161}} {
		// 5e-5: the published values have 4 decimals
		if got := FailureRateUpper(c.k, c.n, 0.95); math.Abs(got-c.want) > 5e-5 {
			t.Errorf("FailureRateUpper(%d, %d) = %v, want %v", c.k, c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		k, n int
		conf float64
		want float64
	}{{0, 0, 0.95, 1}, {3, 3, 0.95, 1}, {5, 3, 0.95, 1}} {
		if got := FailureRateUpper(c.k, c.n, c.conf); got != c.want {
			t.Errorf("FailureRateUpper(%d, %d, %v) = %v, want %v", c.k, c.n, c.conf, got, c.want)
		}
	}
	for _, c := range []struct {
		k, n int
		conf float64
	}{{-1, 3, 0.95}, {0, -1, 0.95}, {0, 3, 1}, {0, 3, 0}, {0, 3, math.NaN()}} {
		if got := FailureRateUpper(c.k, c.n, c.conf); !math.IsNaN(got) {
			t.Errorf("FailureRateUpper(%d, %d, %v) = %v, want NaN", c.k, c.n, c.conf, got)
		}
	}
}

// TestFailureRateUpperMonotone: the bound increases with k and decreases
// with n (a property of the exact binomial tail).
func TestFailureRateUpperMonotone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 200).Draw(t, "n")
		k := rapid.IntRange(0, n-1).Draw(t, "k")
		u := FailureRateUpper(k, n, 0.95)
		if k+1 < n && !(FailureRateUpper(k+1, n, 0.95) > u) {
			t.Fatalf("not increasing in k at k=%d n=%d", k, n)
		}
		if !(FailureRateUpper(k, n+1, 0.95) < u) {
			t.Fatalf("not decreasing in n at k=%d n=%d", k, n)
		}
		if !(u > float64(k)/float64(n)) {
			t.Fatalf("bound %v below the observed rate %d/%d", u, k, n)
		}
	})
}

// TestRegimeOutcome: only claim-role checks count, FAILS wins, and a
// regime with no claim-role check is INCONCLUSIVE.
func TestRegimeOutcome(t *testing.T) {
	res := func(role Role, v Verdict) Result { return Result{Role: role, Verdict: v} }
	cases := []struct {
		name string
		in   []Result
		want Verdict
	}{
		{"all hold", []Result{res(RoleClaim, Holds), res(RoleClaim, Holds)}, Holds},
		{"map fails ignored", []Result{res(RoleClaim, Holds), res(RoleMap, Fails), res(RoleRefuted, Fails)}, Holds},
		{"one fails", []Result{res(RoleClaim, Holds), res(RoleClaim, Inconclusive), res(RoleClaim, Fails)}, Fails},
		{"one inconclusive", []Result{res(RoleClaim, Holds), res(RoleClaim, Inconclusive)}, Inconclusive},
		{"no claim role", []Result{res(RoleSanity, Holds), res(RoleMap, Holds)}, Inconclusive},
		{"empty", nil, Inconclusive},
	}
	for _, c := range cases {
		if got := RegimeOutcome(c.in); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// TestSummarize counts regimes, not checks, only from the conditional
// sample of the claim, and bounds the failure rate.
func TestSummarize(t *testing.T) {
	c := fakeClaim{threshold: 5}
	reg := func(name string) Regime {
		r := Regime{Name: name, D: 2, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 8, Variant: "distance", LambdaSigma2: 1}
		return r
	}
	mk := func(name, claim string, role Role, v Verdict) Result {
		return Result{Claim: claim, Check: claim + ".x", Regime: reg(name), Role: role, Verdict: v}
	}
	results := []Result{
		mk("FAKE-in-0", "FAKE", RoleClaim, Holds), mk("FAKE-in-0", "FAKE", RoleMap, Fails),
		mk("FAKE-in-1", "FAKE", RoleClaim, Fails), mk("FAKE-in-1", "FAKE", RoleClaim, Fails),
		mk("FAKE-in-2", "FAKE", RoleClaim, Inconclusive), mk("FAKE-in-2", "FAKE", RoleClaim, Holds),
		mk("FAKE-in-3", "FAKE", RoleClaim, Holds),
		mk("FAKE-random-0", "FAKE", RoleClaim, Fails), // outside sample: ignored
		mk("named", "FAKE", RoleClaim, Fails),         // named regime: ignored
		mk("C1-in-0", "C1", RoleClaim, Fails),         // other claim: ignored
	}
	out := reg("FAKE-in-4")
	out.Separation = 2 // outside the fake claim's hypotheses: ignored
	results = append(results, Result{Claim: "FAKE", Check: "FAKE.x", Regime: out, Role: RoleClaim, Verdict: Fails})
	got := Summarize(c, results)
	want := Summary{Claim: "FAKE", RandomInHypotheses: 4, RegimesFailing: 1, RegimesInconclusive: 1, RegimesPassing: 2,
		Failing: []string{"FAKE-in-1"}, FailureRateUpper: FailureRateUpper(1, 4, 0.95)}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Summarize (-want +got):\n%s", d)
	}
	if s := Summarize(c, nil); s.RandomInHypotheses != 0 || s.FailureRateUpper != 1 {
		t.Errorf("empty summary: %+v", s)
	}
}

// TestSampleIn: deterministic per seed, named "<ID>-in-<i>", every draw
// inside the hypotheses, and independent of Sample's stream.
func TestSampleIn(t *testing.T) {
	for _, c := range []Claim{C0{}, C4{}, fakeClaim{threshold: 5}} {
		a, b := SampleIn(c, 12, 7), SampleIn(c, 12, 7)
		if d := cmp.Diff(a, b); d != "" {
			t.Errorf("%s: not deterministic:\n%s", c.ID(), d)
		}
		if cmp.Equal(a, SampleIn(c, 12, 8)) {
			t.Errorf("%s: seeds 7 and 8 give the same sample", c.ID())
		}
		for i, r := range a {
			if r.Name != InName(c.ID(), i) {
				t.Errorf("%s: regime %d named %q", c.ID(), i, r.Name)
			}
			if !c.InHypotheses(r) {
				t.Errorf("%s: SampleIn drew %v outside the hypotheses", c.ID(), r)
			}
		}
	}
	if SampleIn(C0{}, 0, 1) != nil {
		t.Error("n = 0 must give no regime")
	}
}

// TestBinomCDFEnds pins the binomial CDF at the ends of [0, 1], which the
// bisection of FailureRateUpper never reaches, and at one interior point
// (P(Bin(3, 1/2) <= 1) = 4/8).
func TestBinomCDFEnds(t *testing.T) {
	tests := []struct {
		k, n int
		p    float64
		want float64
	}{
		{0, 5, 0, 1}, {3, 5, 0, 1},
		{4, 5, 1, 0}, {5, 5, 1, 1}, {0, 5, 1, 0},
		{1, 3, 0.5, 0.5},
	}
	for _, tc := range tests {
		// exact values; the interior one sums 2 terms in log space: a few ulps
		if got := binomCDF(tc.k, tc.n, tc.p); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("binomCDF(%d, %d, %v) = %v, want %v", tc.k, tc.n, tc.p, got, tc.want)
		}
	}
}
