package claims_test

import (
	"fmt"
	"math"

	"attnclust/claims"
)

// A verdict needs a margin larger than its certified error bound.
func ExampleDecide() {
	fmt.Println(claims.Decide(0.3, 1e-12), claims.Decide(1e-13, 1e-12), claims.Decide(-0.1, 1e-12))
	// Output: HOLDS INCONCLUSIVE FAILS
}

// Checking claim C1 on docs/MODEL.md §10's setting.
func ExampleC1() {
	r := claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal,
		Separation: 3 * math.Sqrt2, Variant: "distance", LambdaSigma2: 1, Seed: 1}
	for _, res := range (claims.C1{}).Check(claims.Env{}, r)[:2] {
		fmt.Printf("%s %s\n", res.Check, res.Verdict)
	}
	// Output:
	// C1.minimizer HOLDS
	// C1.radius HOLDS
}
