package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"attnclust/numerics"
	"attnclust/theory"
)

// The rules themselves are tested in package evalspec (every rule, each
// broken once); these tests check that "verify eval" reports a rejection
// as bad input: exit 2, nothing on stdout, one line on stderr that names
// the field, and the numerics never reached.

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

func TestEvalRejectsBadSpecs(t *testing.T) {
	P, I, M := protoBase, identInfBase, identMCBase
	cases := []struct {
		name  string
		input string
		want  string // substring of the diagnostic
	}{
		{"empty input", "", "spec: empty input"},
		{"malformed", `{"layer": "prototype", "sigma": 1 "d": 2}`, `after the value of field "sigma"`},
		{"trailing data", with(P()) + ` x`, "trailing data"},
		{"unknown field", with(P(), "temperature", 1), `field "temperature": unknown field`},
		{"missing field", with(P(), "heads", del), `field "heads": required`},
		{"inapplicable field", with(I(), "samples", 10), `field "samples": not allowed`},
		{"wrong type", with(P(), "sigma", "1"), `field "sigma": must be a number`},
		{"wrong length", with(P(), "heads", []any{[]any{3, 0, 1}, []any{0, 3}}), `field "heads[0]": must have length d = 2`},
		{"entry overflows", with(P(), "centroids", []any{[]any{raw("1e999"), 0}, []any{0, 3}}), `field "centroids[0][0]": must be finite`},
		{"rule", with(P(), "sigma", -1), `field "sigma": must be finite and > 0, got -1`},
		{"work cap", with(M(), "samples", 1_000_000, "L", 100_000), `field "samples": work`},
		{"one component", with(P(), "weights", []any{1}), `field "weights": must have 2 to 8 entries`},
		{"pretty-printed, bad", "{\n  \"layer\": \"identity\",\n  \"d\": 0\n}\n", `field "d"`},
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
