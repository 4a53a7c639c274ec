package main

import (
	"math"
	"testing"

	"attnclust/claims"
)

func TestClopperPearsonKnownValues(t *testing.T) {
	// tol: gonum's incomplete-beta inverse is accurate to about 1e-10;
	// the reference values are given to 7 digits.
	const tol = 5e-7
	tests := []struct {
		name     string
		k, n     int
		lo, hi   float64
		derivsrc string
	}{
		// k = 0: lower 0, upper solves (1-p)^n = 0.025.
		{"none of 10", 0, 10, 0, 1 - math.Pow(0.025, 0.1), "closed form"},
		// k = n: lower solves p^n = 0.025.
		{"all of 10", 10, 10, math.Pow(0.025, 0.1), 1, "closed form"},
		// n = 2, k = 1: lower solves 1-(1-p)^2 = 0.025, upper p^2 = 0.975.
		{"one of two", 1, 2, 1 - math.Sqrt(0.975), math.Sqrt(0.975), "closed form"},
		// R: binom.test(5, 10)$conf.int = 0.1870860 0.8129140.
		{"half of 10", 5, 10, 0.1870860, 0.8129140, "R binom.test"},
	}
	for _, tc := range tests {
		lo, hi := ClopperPearson(tc.k, tc.n, 0.95)
		if math.Abs(lo-tc.lo) > tol || math.Abs(hi-tc.hi) > tol {
			t.Errorf("%s: got [%.7f, %.7f], want [%.7f, %.7f] (%s)", tc.name, lo, hi, tc.lo, tc.hi, tc.derivsrc)
		}
	}
}

// TestClopperPearsonAgreesWithClaims checks the Beta-quantile interval
// against the project's independent bisection on the binomial CDF: the
// two-sided 95% upper end is the one-sided 97.5% bound, and the lower end
// is 1 minus the upper end for the complementary count.
func TestClopperPearsonAgreesWithClaims(t *testing.T) {
	// tol: both are accurate to far better than 1e-8 (gonum's inverse
	// about 1e-10, the bisection to one ulp of its CDF).
	const tol = 1e-8
	for _, c := range []struct{ k, n int }{{1, 3}, {95, 100}, {142, 150}, {97, 100}, {30, 80}} {
		lo, hi := ClopperPearson(c.k, c.n, 0.95)
		wantHi := claims.FailureRateUpper(c.k, c.n, 0.975)
		wantLo := 1 - claims.FailureRateUpper(c.n-c.k, c.n, 0.975)
		if math.Abs(hi-wantHi) > tol || math.Abs(lo-wantLo) > tol {
			t.Errorf("k=%d n=%d: got [%.10f, %.10f], bisection gives [%.10f, %.10f]", c.k, c.n, lo, hi, wantLo, wantHi)
		}
	}
}

func TestClopperPearsonBadInput(t *testing.T) {
	for _, c := range []struct {
		k, n int
		conf float64
	}{{0, 0, 0.95}, {-1, 5, 0.95}, {6, 5, 0.95}, {2, 5, 0}, {2, 5, 1}, {2, 5, math.NaN()}} {
		if lo, hi := ClopperPearson(c.k, c.n, c.conf); !math.IsNaN(lo) || !math.IsNaN(hi) {
			t.Errorf("ClopperPearson(%d, %d, %g) = %g, %g; want NaN, NaN", c.k, c.n, c.conf, lo, hi)
		}
	}
}
