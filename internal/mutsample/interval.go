package main

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ClopperPearson returns the exact two-sided confidence interval, at level
// conf in (0, 1), for a binomial proportion with k successes in n trials:
// lower = Beta(k, n-k+1) quantile at (1-conf)/2, upper = Beta(k+1, n-k)
// quantile at (1+conf)/2 (gonum's distuv.Beta), with lower = 0 when k = 0
// and upper = 1 when k = n. It returns NaN, NaN for n <= 0, k outside
// [0, n] or conf outside (0, 1). Accuracy: that of gonum's incomplete-beta
// inverse, about 1e-10 absolute for n up to a few thousand.
func ClopperPearson(k, n int, conf float64) (lower, upper float64) {
	if n <= 0 || k < 0 || k > n || !(conf > 0 && conf < 1) {
		return math.NaN(), math.NaN()
	}
	a := (1 - conf) / 2
	lower, upper = 0, 1
	if k > 0 {
		lower = distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(a)
	}
	if k < n {
		upper = distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(1 - a)
	}
	return lower, upper
}
