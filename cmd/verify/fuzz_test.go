package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"attnclust/numerics"
	"attnclust/theory"
)

// fuzzBackend is the real risk evaluation (cheap for the small specs a
// fuzzer writes) with the Monte Carlo estimator replaced by a constant, so
// that a spec asking for 1e7 sequences does not stall the fuzzer: the
// target here is the decoder and validator, the numerics have their own
// fuzz targets.
func fuzzBackend() backend {
	be := defaultBackend()
	be.quantMC = func(theory.Mixture, float64, int, int, uint64) (numerics.Estimate, error) {
		return numerics.Estimate{Value: 1, Err: 0.1}, nil
	}
	return be
}

// FuzzEvalSpec feeds arbitrary bytes to `verify eval`: it never panics,
// exits 0, 1 or 2, writes exactly one line on stderr when it fails and one
// JSON object of finite numbers on stdout when it succeeds.
func FuzzEvalSpec(f *testing.F) {
	for _, s := range []string{
		`{"layer":"prototype","variant":"distance","d":2,"sigma":1,"weights":[0.5,0.5],"centroids":[[3,0],[0,3]],"lambda":1,"heads":[[3.04,-0.04],[-0.04,3.04]]}`,
		`{"layer":"prototype","variant":"hardmax","d":1,"sigma":0.5,"weights":[0.2,0.8],"centroids":[[1],[-1]],"heads":[[1],[-1]]}`,
		`{"layer":"identity","d":2,"sigma":0.3,"weights":[0.5,0.5],"centroids":[[2,0],[0,2]],"lambda":1,"L":0}`,
		`{"layer":"identity","d":2,"sigma":0.3,"weights":[0.5,0.5],"centroids":[[2,0],[0,2]],"lambda":1,"L":50,"samples":100,"seed":7}`,
		`{"layer":"prototype","d":2}`,
		`{"layer":"prototype","variant":"dot","d":2,"sigma":1e999}`,
		`[1,2,3]`,
		``,
		`{"layer":"prototype","variant":"dot","d":2,"sigma":1,"weights":[0.5,0.5],"centroids":[[3,0],[0,3]],"lambda":1,"heads":[[1,1],[1,1]],"extra":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, spec []byte) {
		var stdout, stderr bytes.Buffer
		code := runWith([]string{"eval"}, bytes.NewReader(spec), &stdout, &stderr, fuzzBackend())
		msg := stderr.String()
		if strings.Contains(msg, "internal error") {
			t.Fatalf("panic recovered on %q: %s", spec, msg)
		}
		switch code {
		case 0:
			var out map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("exit 0 with invalid JSON %q: %v", stdout.String(), err)
			}
			checkFinite(t, out)
		case 1, 2:
			if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") {
				t.Fatalf("exit %d: want exactly one stderr line, got %q", code, msg)
			}
			if stdout.Len() != 0 {
				t.Fatalf("exit %d with output %q", code, stdout.String())
			}
		default:
			t.Fatalf("exit code %d", code)
		}
	})
}

func checkFinite(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("non-finite number in output")
		}
	case []any:
		for _, y := range x {
			checkFinite(t, y)
		}
	case map[string]any:
		for _, y := range x {
			checkFinite(t, y)
		}
	}
}
