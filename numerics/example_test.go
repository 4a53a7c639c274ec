package numerics_test

import (
	"fmt"

	"attnclust/numerics"
	"attnclust/theory"
)

// The population risk of the distance variant at docs/MODEL.md §10's lambda = 1
// minimizer, with its certified error bound.
func ExampleRisk_Eval() {
	mix, _ := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	r, err := numerics.NewRisk(mix, theory.Prototype{Variant: theory.Distance, Lambda: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := r.Eval([][]float64{{3.0444581, -0.0444581}, {-0.0444581, 3.0444581}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("R = %.12f, error bound below 1e-13: %v\n", ev.Risk, ev.RiskErr < 1e-13)
	// Output: R = 1.765203958662, error bound below 1e-13: true
}

// The L -> infinity in-context quantization error of docs/MODEL.md §6.
func ExampleQuantInf() {
	mix, _ := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{2, 0}, {0, 2}}, 0.3)
	q, err := numerics.QuantInf(mix, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Q_inf = %.6f (input error %.2f)\n", q.Value, 2*0.3*0.3)
	// Output: Q_inf = 0.028354 (input error 0.18)
}
