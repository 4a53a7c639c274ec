package theory_test

import (
	"fmt"

	"attnclust/theory"
)

// The centroid-aligned critical point of the hardmax risk (docs/MODEL.md §5.2) on
// docs/MODEL.md §10's example.
func ExampleHardmaxCritical() {
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	heads, risk, err := theory.HardmaxCritical(mix)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mu^_1 = (%.6f, %.6f)\n", heads[0][0], heads[0][1])
	fmt.Printf("R = %.12f\n", risk)
	// Output:
	// mu^_1 = (3.008623, -0.008623)
	// R = 1.948114106473
}

// Pointwise evaluation of the two-head layer: the output is a convex
// combination of the heads.
func ExamplePrototype_Output() {
	l := theory.Prototype{Variant: theory.Distance, Lambda: 1}
	heads := [][]float64{{1, 0}, {-1, 0}}
	fmt.Printf("%.4f\n", l.Output([]float64{0.5, 2}, heads))
	// Output: [0.4621 0.0000]
}
