package evalspec_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"attnclust/evalspec"
)

// Base specs that are valid; each bad-spec case below breaks one rule.
func protoBase() map[string]any {
	return map[string]any{
		"layer":     "prototype",
		"variant":   "dot",
		"d":         2,
		"sigma":     1,
		"weights":   []any{0.5, 0.5},
		"centroids": []any{[]any{3, 0}, []any{0, 3}},
		"lambda":    1,
		"heads":     []any{[]any{2.5, 0.1}, []any{0.2, 2.9}},
	}
}

func hardmaxBase() map[string]any {
	m := protoBase()
	m["variant"] = "hardmax"
	delete(m, "lambda")
	return m
}

func identInfBase() map[string]any {
	return map[string]any{
		"layer":     "identity",
		"d":         2,
		"sigma":     0.3,
		"weights":   []any{0.5, 0.5},
		"centroids": []any{[]any{2, 0}, []any{0, 2}},
		"lambda":    1,
		"L":         0,
	}
}

func identMCBase() map[string]any {
	m := identInfBase()
	m["L"] = 50
	m["samples"] = 100
	m["seed"] = 1
	return m
}

// with returns the JSON of base with key set to v (a json.RawMessage is
// inserted verbatim) or, when v is the sentinel del, removed.
func with(base map[string]any, kv ...any) string {
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == del {
			delete(base, k)
		} else {
			base[k] = kv[i+1]
		}
	}
	b, err := json.Marshal(base)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type deleteMarker int

// del, as a value in with, removes the key.
const del deleteMarker = 0

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestBaseSpecsAreValid(t *testing.T) {
	for name, b := range map[string]map[string]any{
		"prototype": protoBase(), "hardmax": hardmaxBase(), "identity-inf": identInfBase(), "identity-mc": identMCBase(),
	} {
		if _, err := evalspec.Decode([]byte(with(b))); err != nil {
			t.Errorf("%s: base spec rejected: %v", name, err)
		}
	}
}

// wantRejection checks that err is a one-line *FieldError that names the
// field of want (`field "F"`), or no field and a message containing want.
func wantRejection(t *testing.T, err error, want string) {
	t.Helper()
	var fe *evalspec.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want a *FieldError", err, err)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("message is not one line: %q", err.Error())
	}
	if !strings.HasPrefix(err.Error(), "spec: ") {
		t.Errorf("message %q lacks the prefix %q", err.Error(), "spec: ")
	}
	if f, ok := strings.CutPrefix(want, "field "); ok {
		name, uerr := strconv.Unquote(f)
		if uerr != nil {
			t.Fatalf("bad want %q", want)
		}
		if fe.Field != name {
			t.Errorf("field = %q, want %q (message %q)", fe.Field, name, err.Error())
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err.Error(), want)
		}
		return
	}
	if fe.Field != "" || !strings.Contains(fe.Msg, want) {
		t.Errorf("error = %q (field %q), want no field and a message containing %q", err.Error(), fe.Field, want)
	}
}

func TestDecodeRejectsBadSpecs(t *testing.T) {
	P, H, I, M := protoBase, hardmaxBase, identInfBase, identMCBase
	cases := []struct {
		name  string
		input string
		want  string // `field "F"`: the error names exactly F; otherwise the error names no field and its message contains want
	}{
		// Malformed input as a whole.
		{"empty input", "", "empty input"},
		{"whitespace only", " \n\t ", "empty input"},
		{"not JSON", "layer=prototype", "malformed JSON"},
		{"truncated object", `{"layer": "prototype", `, "malformed JSON"},
		{"truncated value", `{"layer": "prototype", "d": [1, `, `field "d"`},
		{"array instead of object", `[1, 2]`, "JSON object"},
		{"string instead of object", `"spec"`, "JSON object"},
		{"null instead of object", `null`, "JSON object"},
		{"invalid number", `{"layer": "prototype", "sigma": 01}`, `after the value of field "sigma"`},
		{"missing comma", `{"layer": "prototype", "sigma": 1 "d": 2}`, `after the value of field "sigma"`},
		{"invalid value", `{"layer": "prototype", "sigma": NaN}`, `field "sigma"`},
		{"infinity literal", `{"layer": "prototype", "sigma": Infinity}`, `field "sigma"`},
		{"trailing object", with(P()) + `{}`, "trailing data"},
		{"trailing garbage", with(P()) + ` x`, "trailing data"},
		{"trailing number", with(P()) + ` 1`, "trailing data"},

		// Unknown and duplicate fields.
		{"unknown field", with(P(), "temperature", 1), `field "temperature"`},
		{"field names are case-sensitive", with(P(), "Sigma", 1), `field "Sigma"`},
		{"lower-case l", with(I(), "l", 0), `field "l"`},
		{"duplicate field", `{"layer": "prototype", "sigma": 1, "sigma": 2}`, `field "sigma"`},

		// Missing required fields.
		{"missing layer", with(P(), "layer", del), `field "layer"`},
		{"missing variant", with(P(), "variant", del), `field "variant"`},
		{"missing d", with(P(), "d", del), `field "d"`},
		{"missing sigma", with(P(), "sigma", del), `field "sigma"`},
		{"missing weights", with(P(), "weights", del), `field "weights"`},
		{"missing centroids", with(P(), "centroids", del), `field "centroids"`},
		{"missing lambda dot", with(P(), "lambda", del), `field "lambda"`},
		{"missing lambda distance", with(P(), "variant", "distance", "lambda", del), `field "lambda"`},
		{"missing lambda identity", with(I(), "lambda", del), `field "lambda"`},
		{"missing heads", with(P(), "heads", del), `field "heads"`},
		{"missing heads hardmax", with(H(), "heads", del), `field "heads"`},
		{"missing L", with(I(), "L", del), `field "L"`},
		{"missing samples", with(M(), "samples", del), `field "samples"`},
		{"missing seed", with(M(), "seed", del), `field "seed"`},

		// Fields that do not apply.
		{"heads for identity", with(I(), "heads", []any{[]any{1, 0}, []any{0, 1}}), `field "heads"`},
		{"variant for identity", with(I(), "variant", "dot"), `field "variant"`},
		{"L for prototype", with(P(), "L", 0), `field "L"`},
		{"samples for prototype", with(P(), "samples", 10), `field "samples"`},
		{"seed for prototype", with(P(), "seed", 1), `field "seed"`},
		{"samples with L = 0", with(I(), "samples", 10), `field "samples"`},
		{"seed with L = 0", with(I(), "seed", 1), `field "seed"`},

		// Wrong JSON types.
		{"layer not a string", with(P(), "layer", 1), `field "layer"`},
		{"variant not a string", with(P(), "variant", []any{"dot"}), `field "variant"`},
		{"sigma a string", with(P(), "sigma", "1"), `field "sigma"`},
		{"sigma null", with(P(), "sigma", nil), `field "sigma"`},
		{"sigma bool", with(P(), "sigma", true), `field "sigma"`},
		{"lambda an object", with(P(), "lambda", map[string]any{"v": 1}), `field "lambda"`},
		{"d a string", with(P(), "d", "2"), `field "d"`},
		{"weights null", with(P(), "weights", nil), `field "weights"`},
		{"weights a number", with(P(), "weights", 0.5), `field "weights"`},
		{"weights entry a string", with(P(), "weights", []any{"0.5", 0.5}), `field "weights[0]"`},
		{"centroids flat", with(P(), "centroids", []any{3, 0, 0, 3}), `field "centroids[0]"`},
		{"centroids entry null", with(P(), "centroids", []any{[]any{3, nil}, []any{0, 3}}), `field "centroids[0][1]"`},
		{"centroids nested too deep", with(P(), "centroids", []any{[]any{[]any{3}, 0}, []any{0, 3}}), `field "centroids[0][0]"`},
		{"heads null", with(P(), "heads", nil), `field "heads"`},
		{"heads entry a string", with(P(), "heads", []any{[]any{1, 0}, []any{0, "1"}}), `field "heads[1][1]"`},
		{"seed a string", with(M(), "seed", "1"), `field "seed"`},

		// Lengths.
		{"one weight", with(P(), "weights", []any{1}), `field "weights"`},
		{"three weights, two centroids", with(P(), "weights", []any{0.2, 0.3, 0.5}), `field "centroids"`},
		{"three weights and centroids, two heads", with(P(), "weights", []any{0.2, 0.3, 0.5}, "centroids", []any{[]any{3, 0}, []any{0, 3}, []any{1, 1}}), `field "heads"`},
		{"nine components", with(P(), "weights", nineWeights(), "centroids", rows(9), "heads", rows(9)), `field "weights"`},
		{"three components, identity", with(identInfBase(), "weights", []any{0.2, 0.3, 0.5}, "centroids", rows(3)), `field "weights"`},
		{"no weights", with(P(), "weights", []any{}), `field "weights"`},
		{"one centroid", with(P(), "centroids", []any{[]any{3, 0}}), `field "centroids"`},
		{"three centroids", with(P(), "centroids", []any{[]any{3, 0}, []any{0, 3}, []any{1, 1}}), `field "centroids"`},
		{"centroid too long", with(P(), "centroids", []any{[]any{3, 0}, []any{0, 3, 0}}), `field "centroids[1]"`},
		{"centroid too short", with(P(), "centroids", []any{[]any{3}, []any{0, 3}}), `field "centroids[0]"`},
		{"centroids empty", with(P(), "centroids", []any{}), `field "centroids"`},
		{"one head", with(P(), "heads", []any{[]any{3, 0}}), `field "heads"`},
		{"three heads", with(P(), "heads", []any{[]any{3, 0}, []any{0, 3}, []any{1, 1}}), `field "heads"`},
		{"head wrong length", with(P(), "heads", []any{[]any{3, 0, 1}, []any{0, 3}}), `field "heads[0]"`},
		{"d disagrees with vectors", with(P(), "d", 3), `field "centroids[0]"`},

		// d.
		{"d zero", with(P(), "d", 0), `field "d"`},
		{"d negative", with(P(), "d", -2), `field "d"`},
		{"d fractional", with(P(), "d", raw("1.5")), `field "d"`},
		{"d with fraction zero", with(P(), "d", raw("2.0")), `field "d"`},
		{"d with exponent", with(P(), "d", raw("2e0")), `field "d"`},
		{"d above cap", with(P(), "d", evalspec.MaxDim+1), `field "d"`},
		{"d overflows int64", with(P(), "d", raw("99999999999999999999999")), `field "d"`},
		{"d overflows float64", with(P(), "d", raw("1e999")), `field "d"`},

		// sigma.
		{"sigma zero", with(P(), "sigma", 0), `field "sigma"`},
		{"sigma negative", with(P(), "sigma", -1), `field "sigma"`},
		{"sigma overflows", with(P(), "sigma", raw("1e999")), `field "sigma"`},
		{"sigma above magnitude cap", with(P(), "sigma", 1e151), `field "sigma"`},
		{"sigma below floor", with(P(), "sigma", 1e-200), `field "sigma"`},
		{"sigma underflows to zero", with(P(), "sigma", raw("1e-400")), `field "sigma"`},

		// lambda.
		{"lambda negative", with(P(), "lambda", -0.1), `field "lambda"`},
		{"lambda negative identity", with(I(), "lambda", -1), `field "lambda"`},
		{"lambda negative hardmax", with(H(), "lambda", -1), `field "lambda"`},
		{"lambda overflows", with(P(), "lambda", raw("1e999")), `field "lambda"`},
		{"lambda overflows negative", with(P(), "lambda", raw("-1e999")), `field "lambda"`},
		{"lambda above magnitude cap", with(I(), "lambda", 1e200), `field "lambda"`},

		// weights.
		{"weight zero", with(P(), "weights", []any{0, 1}), `field "weights[0]"`},
		{"weight negative", with(P(), "weights", []any{-0.5, 1.5}), `field "weights[0]"`},
		{"weight above one", with(P(), "weights", []any{1.5, 0.5}), `field "weights[0]"`},
		{"weights sum above one", with(P(), "weights", []any{0.5, 0.6}), `field "weights"`},
		{"weights sum below one", with(P(), "weights", []any{0.25, 0.25}), `field "weights"`},
		{"weights sum off by 1e-11", with(P(), "weights", []any{0.5, 0.5 + 1e-11}), `field "weights"`},
		{"weight overflows", with(P(), "weights", []any{raw("1e999"), 0.5}), `field "weights[0]"`},

		// Magnitudes and non-finite entries of vectors.
		{"centroid entry overflows", with(P(), "centroids", []any{[]any{raw("1e999"), 0}, []any{0, 3}}), `field "centroids[0][0]"`},
		{"centroid entry overflows negative", with(P(), "centroids", []any{[]any{3, 0}, []any{0, raw("-1e400")}}), `field "centroids[1][1]"`},
		{"centroid entry above cap", with(P(), "centroids", []any{[]any{3, 0}, []any{1e151, 3}}), `field "centroids[1][0]"`},
		{"centroid entry below -cap", with(I(), "centroids", []any{[]any{-2e150, 0}, []any{0, 2}}), `field "centroids[0][0]"`},
		{"head entry overflows", with(P(), "heads", []any{[]any{raw("1e999"), 0}, []any{0, 3}}), `field "heads[0][0]"`},
		{"head entry above cap", with(P(), "heads", []any{[]any{3, 0}, []any{0, 2e150}}), `field "heads[1][1]"`},

		// layer and variant names.
		{"unknown layer", with(P(), "layer", "softmax"), `field "layer"`},
		{"layer wrong case", with(P(), "layer", "Prototype"), `field "layer"`},
		{"unknown variant", with(P(), "variant", "softmax"), `field "variant"`},
		{"variant wrong case", with(P(), "variant", "Dot"), `field "variant"`},
		{"variant empty", with(P(), "variant", ""), `field "variant"`},

		// L, samples, seed and the work cap.
		{"L negative", with(I(), "L", -1), `field "L"`},
		{"L fractional", with(I(), "L", raw("1.5")), `field "L"`},
		{"L above cap", with(M(), "L", evalspec.MaxL+1), `field "L"`},
		{"samples zero", with(M(), "samples", 0), `field "samples"`},
		{"samples negative", with(M(), "samples", -5), `field "samples"`},
		{"samples fractional", with(M(), "samples", raw("10.5")), `field "samples"`},
		{"samples above cap", with(M(), "samples", evalspec.MaxSamples+1), `field "samples"`},
		{"work cap", with(M(), "samples", 1_000_000, "L", 100_000), `field "samples"`},
		{"work cap via d", with(M(), "samples", 100_001, "L", 100_000), `field "samples"`},
		{"seed negative", with(M(), "seed", -1), `field "seed"`},
		{"seed fractional", with(M(), "seed", raw("1.5")), `field "seed"`},
		{"seed above uint64", with(M(), "seed", raw("18446744073709551616")), `field "seed"`},
		{"seed null", with(M(), "seed", nil), `field "seed"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := evalspec.Decode([]byte(tc.input))
			if err == nil {
				t.Fatalf("accepted as %+v", s)
			}
			wantRejection(t, err, tc.want)
		})
	}
}

func TestDecodeAcceptsEdgeValues(t *testing.T) {
	cases := []struct {
		name  string
		input string
	}{
		{"lambda zero", with(protoBase(), "lambda", 0)},
		{"lambda at cap", with(protoBase(), "lambda", 1e150)},
		{"hardmax with lambda", with(hardmaxBase(), "lambda", 3)},
		{"sigma at floor", with(protoBase(), "sigma", 1e-150)},
		{"sigma at cap", with(protoBase(), "sigma", 1e150)},
		{"unequal weights", with(protoBase(), "weights", []any{0.2, 0.8})},
		{"weights sum within tolerance", with(protoBase(), "weights", []any{0.5, 0.5 + 5e-13})},
		{"weights decimal rounding", with(protoBase(), "weights", []any{0.3, 0.7})},
		{"negative entries", with(protoBase(), "centroids", []any{[]any{-1e150, 0}, []any{0, -3}})},
		{"entry underflows to zero", with(protoBase(), "heads", []any{[]any{raw("1e-400"), 0}, []any{0, 3}})},
		{"d = 1", with(protoBase(), "d", 1, "centroids", []any{[]any{1}, []any{-1}}, "heads", []any{[]any{1}, []any{-1}})},
		{"seed max uint64", with(identMCBase(), "seed", raw("18446744073709551615"))},
		{"seed zero", with(identMCBase(), "seed", 0)},
		{"work at cap", with(identMCBase(), "samples", 10_000_000, "L", 1_000)},
		{"whitespace around", "\n\t " + with(protoBase()) + " \n\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := evalspec.Decode([]byte(tc.input)); err != nil {
				t.Errorf("rejected: %v", err)
			}
		})
	}
}

func TestDecodeRejectsLargeDimension(t *testing.T) {
	in := fmt.Sprintf(`{"layer":"identity","d":%d,"sigma":1,"weights":[0.5,0.5],"centroids":[[0],[0]],"lambda":1,"L":0}`, evalspec.MaxDim+1)
	_, err := evalspec.Decode([]byte(in))
	wantRejection(t, err, `field "d"`)
}

func ptr[T any](v T) *T { return &v }

func TestDecodeValues(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  evalspec.Spec
	}{
		{"identity MC", with(identMCBase(), "seed", raw("18446744073709551615"), "lambda", 0.25), evalspec.Spec{
			Layer: "identity", D: 2, Sigma: 0.3, Weights: []float64{0.5, 0.5}, Centroids: [][]float64{{2, 0}, {0, 2}},
			Lambda: ptr(0.25), L: ptr(50), Samples: 100, Seed: ptr(uint64(math.MaxUint64)),
		}},
		{"identity L = 0", with(identInfBase()), evalspec.Spec{
			Layer: "identity", D: 2, Sigma: 0.3, Weights: []float64{0.5, 0.5}, Centroids: [][]float64{{2, 0}, {0, 2}},
			Lambda: ptr(1.0), L: ptr(0),
		}},
		{"hardmax without lambda", with(hardmaxBase()), evalspec.Spec{
			Layer: "prototype", Variant: "hardmax", D: 2, Sigma: 1, Weights: []float64{0.5, 0.5},
			Centroids: [][]float64{{3, 0}, {0, 3}}, Heads: [][]float64{{2.5, 0.1}, {0.2, 2.9}},
		}},
		{"escaped names and strings, odd spacing", "\r\n{ \"\\u006cayer\" :\t\"proto\\u0074ype\" , \"variant\":\"dot\",\"d\":1,\"sigma\":1e-150," +
			"\"weights\":[ 0.25 ,0.75 ],\"centroids\":[[ -1e150 ],[1E2]],\"lambda\":0,\"heads\":[[1e-400],[-0.0]]}\n", evalspec.Spec{
			Layer: "prototype", Variant: "dot", D: 1, Sigma: 1e-150, Weights: []float64{0.25, 0.75},
			Centroids: [][]float64{{-1e150}, {100}}, Lambda: ptr(0.0), Heads: [][]float64{{0}, {math.Copysign(0, -1)}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := evalspec.Decode([]byte(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateGoSpecs checks the rules on specs built in Go, where zero
// values mean absent fields and non-finite numbers can occur.
func TestValidateGoSpecs(t *testing.T) {
	good := func() evalspec.Spec {
		return evalspec.Spec{Layer: "prototype", Variant: "distance", D: 2, Sigma: 1, Weights: []float64{0.5, 0.5},
			Centroids: [][]float64{{3, 0}, {0, 3}}, Lambda: ptr(1.0), Heads: [][]float64{{1, 0}, {0, 1}}}
	}
	mc := func() evalspec.Spec {
		return evalspec.Spec{Layer: "identity", D: 2, Sigma: 1, Weights: []float64{0.5, 0.5},
			Centroids: [][]float64{{3, 0}, {0, 3}}, Lambda: ptr(1.0), L: ptr(10), Samples: 5, Seed: ptr(uint64(3))}
	}
	mod := func(s evalspec.Spec, f func(*evalspec.Spec)) evalspec.Spec { f(&s); return s }
	cases := []struct {
		name string
		spec evalspec.Spec
		want string // as in TestDecodeRejectsBadSpecs; "" means valid
	}{
		{"good", good(), ""},
		{"good MC", mc(), ""},
		{"zero spec", evalspec.Spec{}, `field "layer"`},
		{"zero d is absent", mod(good(), func(s *evalspec.Spec) { s.D = 0 }), `field "d"`},
		{"zero sigma is absent", mod(good(), func(s *evalspec.Spec) { s.Sigma = 0 }), `field "sigma"`},
		{"NaN sigma", mod(good(), func(s *evalspec.Spec) { s.Sigma = math.NaN() }), `field "sigma"`},
		{"Inf sigma", mod(good(), func(s *evalspec.Spec) { s.Sigma = math.Inf(1) }), `field "sigma"`},
		{"NaN weight", mod(good(), func(s *evalspec.Spec) { s.Weights = []float64{math.NaN(), 0.5} }), `field "weights[0]"`},
		{"NaN centroid entry", mod(good(), func(s *evalspec.Spec) { s.Centroids = [][]float64{{3, 0}, {0, math.NaN()}} }), `field "centroids[1][1]"`},
		{"Inf head entry", mod(good(), func(s *evalspec.Spec) { s.Heads = [][]float64{{math.Inf(-1), 0}, {0, 1}} }), `field "heads[0][0]"`},
		{"empty heads present", mod(good(), func(s *evalspec.Spec) { s.Heads = [][]float64{} }), `field "heads"`},
		{"NaN lambda", mod(good(), func(s *evalspec.Spec) { s.Lambda = ptr(math.NaN()) }), `field "lambda"`},
		{"Inf lambda", mod(good(), func(s *evalspec.Spec) { s.Lambda = ptr(math.Inf(1)) }), `field "lambda"`},
		{"lambda above cap", mod(good(), func(s *evalspec.Spec) { s.Lambda = ptr(2e150) }), `field "lambda"`},
		{"hardmax ignores absent lambda", mod(good(), func(s *evalspec.Spec) { s.Variant, s.Lambda = "hardmax", nil }), ""},
		{"three weights, two centroids", mod(good(), func(s *evalspec.Spec) { s.Weights = []float64{0.2, 0.3, 0.5} }), `field "centroids"`},
		{"three components", mod(good(), func(s *evalspec.Spec) {
			s.Weights, s.Centroids, s.Heads = []float64{0.2, 0.3, 0.5}, [][]float64{{3, 0}, {0, 3}, {1, 1}}, [][]float64{{3, 0}, {0, 3}, {1, 1}}
		}), ""},
		{"one component", mod(good(), func(s *evalspec.Spec) {
			s.Weights, s.Centroids, s.Heads = []float64{1}, [][]float64{{3, 0}}, [][]float64{{3, 0}}
		}), `field "weights"`},
		{"samples absent when L = 0", mod(mc(), func(s *evalspec.Spec) { s.L, s.Samples, s.Seed = ptr(0), 0, nil }), ""},
		{"seed with L = 0", mod(mc(), func(s *evalspec.Spec) { s.L, s.Samples = ptr(0), 0 }), `field "seed"`},
		{"samples absent when L > 0", mod(mc(), func(s *evalspec.Spec) { s.Samples = 0 }), `field "samples"`},
		{"negative samples", mod(mc(), func(s *evalspec.Spec) { s.Samples = -1 }), `field "samples"`},
		{"seed absent when L > 0", mod(mc(), func(s *evalspec.Spec) { s.Seed = nil }), `field "seed"`},
		{"negative L", mod(mc(), func(s *evalspec.Spec) { s.L = ptr(-1) }), `field "L"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			wantRejection(t, err, tc.want)
			if _, eerr := evalspec.Encode(tc.spec); eerr == nil || eerr.Error() != err.Error() {
				t.Errorf("Encode error = %v, want %v", eerr, err)
			}
		})
	}
}

// TestEncodeRoundTrip checks that Encode writes what Decode reads back,
// for the base specs and the edge values, and that encoding is stable.
func TestEncodeRoundTrip(t *testing.T) {
	inputs := []string{with(protoBase()), with(hardmaxBase()), with(hardmaxBase(), "lambda", 3), with(identInfBase()),
		with(identMCBase(), "seed", raw("18446744073709551615")),
		with(protoBase(), "sigma", 1e-150, "lambda", 1e150, "weights", []any{0.3, 0.7}),
		with(protoBase(), "heads", []any{[]any{raw("4.9e-324"), raw("-0.0")}, []any{0.1, raw("9.999999999999999e149")}})}
	for _, in := range inputs {
		s, err := evalspec.Decode([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		b, err := evalspec.Encode(s)
		if err != nil {
			t.Fatalf("Encode(%+v): %v", s, err)
		}
		back, err := evalspec.Decode(b)
		if err != nil {
			t.Fatalf("Decode(%s): %v", b, err)
		}
		// cmp compares floats with ==, blind to the sign of zero; the
		// byte comparison of the two encodings below catches that.
		if diff := cmp.Diff(s, back); diff != "" {
			t.Errorf("%s: round trip (-want +got):\n%s", in, diff)
		}
		b2, _ := evalspec.Encode(back)
		if string(b2) != string(b) {
			t.Errorf("encoding not stable:\n%s\n%s", b, b2)
		}
		var generic map[string]any
		if err := json.Unmarshal(b, &generic); err != nil {
			t.Errorf("Encode wrote invalid JSON %s: %v", b, err)
		}
	}
}

// nineWeights returns 9 weights summing to 1 (one more than MaxComponents).
func nineWeights() []any {
	w := make([]any, 9)
	for i := range w {
		w[i] = 1.0 / 9 // sums to 1 + 2.2e-16, within the 1e-12 tolerance
	}
	return w
}

// rows returns n vectors of length 2.
func rows(n int) []any {
	r := make([]any, n)
	for i := range r {
		r[i] = []any{float64(i), 1}
	}
	return r
}
