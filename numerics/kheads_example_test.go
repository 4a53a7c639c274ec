package numerics_test

import (
	"fmt"

	"attnclust/numerics"
	"attnclust/theory"
)

// Three components and three heads at the centroids: the softmax risk is
// a statistical estimate (randomized quasi-Monte Carlo), the hardmax risk
// a deterministic one with an error bound.
func ExampleNewRiskK() {
	mix, _ := theory.NewMixture([]float64{0.3, 0.3, 0.4},
		[][]float64{{2, 0, 0}, {-1, 1.8, 0}, {-1.2, -1.5, 0}}, 0.9)
	heads := theory.Clone(mix.Centroids)
	r, err := numerics.NewRiskK(mix, theory.Prototype{Variant: theory.Distance, Lambda: 1}, numerics.OptionsK{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := r.Eval(heads)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("softmax: R = %.5f, standard error below 1e-4: %v, %s at level %.2f\n",
		ev.Risk.Value, ev.Risk.SE < 1e-4, ev.Kind(), ev.Level)
	p, err := numerics.NewHardmaxPlanar(mix, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	hm, err := p.Eval(heads)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("hardmax: R = %.10f, error bound below 1e-12: %v\n", hm.Risk, hm.RiskErr < 1e-12)
	fmt.Printf("misclassification %.4f, standard error below 1e-4: %v\n", ev.Misclass.Value, ev.Misclass.SE < 1e-4)
	// Output:
	// softmax: R = 1.92507, standard error below 1e-4: true, statistical at level 0.99
	// hardmax: R = 2.3062417124, error bound below 1e-12: true
	// misclassification 0.0509, standard error below 1e-4: true
}
