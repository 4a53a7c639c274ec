package claims

import (
	"math"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestKMemoSameResults: the K-head claims give the same results with a
// memo of C7's minimizer as without (the memo only saves work), the memo
// computes each regime once whatever the concurrency, and a caller that
// modifies its copy does not change what the next caller gets.
func TestKMemoSameResults(t *testing.T) {
	r := Regime{Name: "memo", K: 3, D: 3, Sigma: 0.8, Pi1: 0.2, Geometry: Simplex, Separation: 7, Variant: "hardmax", Seed: 18}
	memo := NewKMemo()
	for _, c := range []Claim{C7{}, C8{}, C10{}} {
		plain := c.Check(Env{Quick: true}, r)
		cached := c.Check(Env{Quick: true, KMemo: memo}, r)
		if d := cmp.Diff(plain, cached, cmpopts.IgnoreUnexported(Result{}), cmpopts.EquateNaNs()); d != "" {
			t.Errorf("%s: results differ with the memo (-without +with):\n%s", c.ID(), d)
		}
	}
	if n := len(memo.m); n != 1 {
		t.Errorf("memo holds %d entries for one regime, want 1", n)
	}

	env := Env{Quick: true, KMemo: NewKMemo()}
	var wg sync.WaitGroup
	runs := make([]kRun, 4)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run, err := C7{}.run(env, r)
			if err != nil {
				t.Error(err)
			}
			runs[i] = run
		}()
	}
	wg.Wait()
	if len(env.KMemo.m) != 1 {
		t.Errorf("concurrent requests made %d entries, want 1", len(env.KMemo.m))
	}
	want := runs[0].heads[0][0]
	runs[0].heads[0][0] += 1 // a caller's change stays in its copy
	again, err := C7{}.run(env, r)
	if err != nil {
		t.Fatal(err)
	}
	if again.heads[0][0] != want {
		t.Errorf("memo returned a modified head coordinate %v, want %v", again.heads[0][0], want)
	}
	// A planted bug is a different computation: a different entry.
	if _, err := (C7{plant: c7Plant{flipHead: 1}}).run(env, r); err != nil {
		t.Fatal(err)
	}
	if len(env.KMemo.m) != 2 {
		t.Errorf("a planted C7 shares the true one's entry (%d entries)", len(env.KMemo.m))
	}
}

// TestBonferroniWiden checks the widening factor against Student t
// table values with 7 degrees of freedom: t(0.995) = 3.4995, t(0.9995) =
// 5.4079 (n = 10 intervals at level 0.99), t(0.999) = 4.7853 (n = 5),
// t(0.9975) = 4.0293 (n = 2);
// the tolerance 1e-3 is the tables' rounding.
func TestBonferroniWiden(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want float64
	}{{0, 1}, {1, 1}, {2, 4.0293 / 3.4995}, {5, 4.7853 / 3.4995}, {10, 5.4079 / 3.4995}} {
		if got := bonferroniWiden(8, tc.n, 0.99); math.Abs(got-tc.want) > 1e-3 {
			t.Errorf("n = %d: %v, want %v", tc.n, got, tc.want)
		}
	}
}
