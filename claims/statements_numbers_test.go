package claims

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestC0StatementGradRatio measures the number C0's statement quotes for
// its grad-error-budget check: the worst ratio of the gradient's deviation
// from the independent reference to its certified error bound, at C0's
// test point, over the named regimes and 2000 regimes sampled from C0's
// ranges (seed 1; deterministic). The statement must quote it to 2
// significant digits, so a change of the numerics that moves it shows up
// here. A ratio near 1 would mean the certified bound is barely
// conservative; above 1 the check itself fails.
func TestC0StatementGradRatio(t *testing.T) {
	f, err := os.Open("../fixtures/regimes.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	named, err := LoadCatalog(f)
	if err != nil {
		t.Fatal(err)
	}
	worst, at, n := 0.0, "", 0
	for _, r := range append(named, Sample(C0{}, 2000, 1)...) {
		if !Applies(C0{}, r) {
			continue // K > 2 components: C0's reduction is for two
		}
		mix, l, obj, err := Env{}.objective(r)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		theta := testPoint(mix, r)
		ev, err := obj.Eval(theta)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		res := C0{}.gradBudget(r, mix, l, theta, ev)
		var dev, bound float64
		for _, q := range res.Values {
			switch q.Name {
			case "deviation from the reference":
				dev = q.Value
			case "gradient error bound":
				bound = q.Value
			}
		}
		if !(bound > 0) {
			t.Fatalf("%s: gradient error bound %v", r, bound)
		}
		n++
		if dev/bound > worst {
			worst, at = dev/bound, r.String()
		}
	}
	t.Logf("%d regimes: worst ratio of deviation to bound %.3g at %s", n, worst, at)
	want := fmt.Sprintf("measured worst ratio of deviation to bound: %.2g", worst)
	if s := strings.Join(strings.Fields(C0{}.Statement()), " "); !strings.Contains(s, want) {
		t.Errorf("C0's statement does not say %q", want)
	}
}

// TestC0StatementQuantiles: the Bonferroni quantiles z* that C0's
// statement quotes for its Monte Carlo check (two-sided, family-wise level
// 1e-6 over 1 + 2d components) are the ones the check uses, to 2
// significant digits.
func TestC0StatementQuantiles(t *testing.T) {
	s := strings.Join(strings.Fields(C0{}.Statement()), " ")
	for _, d := range []int{2, 64} {
		z := -normalQuantile(1e-6 / (2 * float64(1+2*d)))
		if want := fmt.Sprintf("%.2g at d = %d", z, d); !strings.Contains(s, want) {
			t.Errorf("C0's statement does not say %q", want)
		}
	}
}
