package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"attnclust/numerics"
	"attnclust/theory"
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

// panicBackend fails loudly if validation lets a bad spec reach the
// numerics: the panic becomes exit 1, not the expected 2.
func panicBackend() backend {
	return backend{
		newRisk: func(theory.Mixture, theory.Prototype) (theory.Objective, error) {
			panic("numerics reached with a spec that should have been rejected")
		},
		quantInf: func(theory.Mixture, float64) (numerics.Estimate, error) {
			panic("numerics reached with a spec that should have been rejected")
		},
		quantMC: func(theory.Mixture, float64, int, int, uint64) (numerics.Estimate, error) {
			panic("numerics reached with a spec that should have been rejected")
		},
	}
}

func runEval(be backend, stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = runWith(append([]string{"eval"}, args...), strings.NewReader(stdin), &out, &errb, be)
	return code, out.String(), errb.String()
}

// assertOneLine checks that a diagnostic is exactly one line.
func assertOneLine(t *testing.T, stderr string) {
	t.Helper()
	if !strings.HasSuffix(stderr, "\n") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr is not exactly one line: %q", stderr)
	}
}

func TestBaseSpecsAreValid(t *testing.T) {
	for name, b := range map[string]map[string]any{
		"prototype": protoBase(), "hardmax": hardmaxBase(), "identity-inf": identInfBase(), "identity-mc": identMCBase(),
	} {
		if _, err := parseSpec(strings.NewReader(with(b))); err != nil {
			t.Errorf("%s: base spec rejected: %v", name, err)
		}
	}
}

func TestEvalRejectsBadSpecs(t *testing.T) {
	P, H, I, M := protoBase, hardmaxBase, identInfBase, identMCBase
	cases := []struct {
		name  string
		input string
		want  string // substring of the diagnostic: the field, quoted, or the whole-input rule
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
		{"invalid number", `{"layer": "prototype", "sigma": 01}`, `field "sigma"`},
		{"missing comma", `{"layer": "prototype", "sigma": 1 "d": 2}`, `field "sigma"`},
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
		{"three weights", with(P(), "weights", []any{0.2, 0.3, 0.5}), `field "weights"`},
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
		{"d above cap", with(P(), "d", maxDim+1), `field "d"`},
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
		{"L above cap", with(M(), "L", maxL+1), `field "L"`},
		{"samples zero", with(M(), "samples", 0), `field "samples"`},
		{"samples negative", with(M(), "samples", -5), `field "samples"`},
		{"samples fractional", with(M(), "samples", raw("10.5")), `field "samples"`},
		{"samples above cap", with(M(), "samples", maxSamples+1), `field "samples"`},
		{"work cap", with(M(), "samples", 1_000_000, "L", 100_000), `field "samples"`},
		{"work cap via d", with(M(), "samples", 100_001, "L", 100_000), `field "samples"`},
		{"seed negative", with(M(), "seed", -1), `field "seed"`},
		{"seed fractional", with(M(), "seed", raw("1.5")), `field "seed"`},
		{"seed above uint64", with(M(), "seed", raw("18446744073709551616")), `field "seed"`},
		{"seed null", with(M(), "seed", nil), `field "seed"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runEval(panicBackend(), tc.input)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want empty", stdout)
			}
			assertOneLine(t, stderr)
			if !strings.HasPrefix(stderr, "verify eval: spec: ") {
				t.Errorf("stderr = %q, want prefix %q", stderr, "verify eval: spec: ")
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.want)
			}
		})
	}
}

func TestEvalRejectsLargeDimensionCheaply(t *testing.T) {
	// The cap on d is checked before any vector is read.
	in := fmt.Sprintf(`{"layer":"identity","d":%d,"sigma":1,"weights":[0.5,0.5],"centroids":[[0],[0]],"lambda":1,"L":0}`, maxDim+1)
	code, _, stderr := runEval(panicBackend(), in)
	if code != exitUsage || !strings.Contains(stderr, `field "d"`) {
		t.Errorf("code %d, stderr %q", code, stderr)
	}
}

func TestParseSpecAcceptsEdgeValues(t *testing.T) {
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
			if _, err := parseSpec(strings.NewReader(tc.input)); err != nil {
				t.Errorf("rejected: %v", err)
			}
		})
	}
}

func TestParseSpecValues(t *testing.T) {
	s, err := parseSpec(strings.NewReader(with(identMCBase(), "seed", raw("18446744073709551615"), "lambda", 0.25)))
	if err != nil {
		t.Fatal(err)
	}
	if s.layer != layerIdentity || s.d != 2 || s.sigma != 0.3 || s.lambda != 0.25 || s.L != 50 || s.samples != 100 || s.seed != math.MaxUint64 {
		t.Errorf("parsed %+v", *s)
	}
	s, err = parseSpec(strings.NewReader(with(hardmaxBase())))
	if err != nil {
		t.Fatal(err)
	}
	if s.variant != theory.Hardmax || s.lambda != 0 {
		t.Errorf("hardmax without lambda parsed as %+v", *s)
	}
}
