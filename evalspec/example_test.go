package evalspec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"attnclust/evalspec"
)

// Build a spec in Go, check it, write it, decode a bad one, and evaluate
// the good one (the lambda = 1 minimizer, rounded to 7 decimals, one of
// the reference numbers of docs/MODEL.md §10).
func Example() {
	lambda := 1.0
	s := evalspec.Spec{
		Layer: evalspec.LayerPrototype, Variant: "distance", D: 2, Sigma: 1,
		Weights:   []float64{0.5, 0.5},
		Centroids: [][]float64{{3, 0}, {0, 3}},
		Lambda:    &lambda,
		Heads:     [][]float64{{3.0444581, -0.0444581}, {-0.0444581, 3.0444581}},
	}
	b, err := evalspec.Encode(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))

	_, err = evalspec.Decode([]byte(strings.Replace(string(b), `"sigma":1`, `"sigma":-1`, 1)))
	var fe *evalspec.FieldError
	if errors.As(err, &fe) {
		fmt.Printf("rejected, field %s: %v\n", fe.Field, err)
	}

	res, err := evalspec.Evaluate(s, evalspec.Backend{})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := res.Prototype
	fmt.Printf("risk %.12f, certified to better than 1e-13: %v\n", p.Risk, p.RiskErr < 1e-13)
	// Output:
	// {"layer":"prototype","variant":"distance","d":2,"sigma":1,"weights":[0.5,0.5],"centroids":[[3,0],[0,3]],"lambda":1,"heads":[[3.0444581,-0.0444581],[-0.0444581,3.0444581]]}
	// rejected, field sigma: spec: field "sigma": must be finite and > 0, got -1
	// risk 1.765203958662, certified to better than 1e-13: true
}

// Answer JSON Lines: one output line per spec, in input order, errors in
// place. At lambda = 0 the identity layer outputs the mean of all tokens,
// (1, 1) here, so its quantization error is ||(2,0) - (1,1)||^2 = 2.
func ExampleEvaluateLines() {
	in := `{"layer":"identity","d":2,"sigma":0.3,"weights":[0.5,0.5],"centroids":[[2,0],[0,2]],"lambda":0,"L":0}
{"layer":"identity","d":2,"sigma":0.3,"weights":[0.5,0.5],"centroids":[[2,0],[0,2]],"lambda":0,"L":0,"seed":1}
`
	var out bytes.Buffer
	sum, err := evalspec.EvaluateLines(strings.NewReader(in), &out, evalspec.Options{Workers: 2})
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			fmt.Println(err)
			return
		}
		if msg, ok := m["error"]; ok {
			fmt.Printf("line %v: %v\n", m["line"], msg)
			continue
		}
		fmt.Printf("quantization error %.12g (bound %v), input error %v\n", m["quant_error"], m["quant_error_err"].(float64) < 1e-12, m["input_error"])
	}
	fmt.Printf("%+v %v\n", sum, err)
	// Output:
	// quantization error 2 (bound true), input error 0.18
	// line 2: spec: field "seed": not allowed when L = 0 (the L -> infinity limit is computed exactly, without sampling)
	// {Specs:2 Rejected:1 Failed:0 FirstBad:2} <nil>
}
