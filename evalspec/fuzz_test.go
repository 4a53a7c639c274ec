package evalspec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"attnclust/evalspec"
	"attnclust/numerics"
	"attnclust/theory"
)

// fuzzBackend is the real risk evaluation (cheap for the small specs a
// fuzzer writes) with the Monte Carlo estimator replaced by a constant, so
// that a spec asking for 1e7 sequences does not stall the fuzzer: the
// target here is the decoder, the validator and the encoder; the numerics
// have their own fuzz targets.
func fuzzBackend() evalspec.Backend {
	return evalspec.Backend{QuantMC: func(theory.Mixture, float64, int, int, uint64) (numerics.Estimate, error) {
		return numerics.Estimate{Value: 1, Err: 0.1}, nil
	}}
}

// FuzzEvalSpec feeds arbitrary bytes to Decode: it never panics; it
// rejects with a one-line *FieldError, or accepts a spec that Validate
// accepts, that Encode writes and Decode reads back unchanged, and that
// Evaluate answers with finite numbers or a *NumericalError.
func FuzzEvalSpec(f *testing.F) {
	for _, s := range []string{
		`{"layer":"prototype","variant":"distance","d":2,"sigma":1,"weights":[0.5,0.5],"centroids":[[3,0],[0,3]],"lambda":1,"heads":[[3.04,-0.04],[-0.04,3.04]]}`,
		`{"layer":"prototype","variant":"hardmax","d":1,"sigma":0.5,"weights":[0.2,0.8],"centroids":[[1],[-1]],"heads":[[1],[-1]]}`,
		`{"layer":"prototype","variant":"hardmax","d":2,"sigma":1,"weights":[0.2,0.3,0.5],"centroids":[[3,0],[0,3],[-3,-3]],"heads":[[3,0],[0,3],[-3,-3]]}`,
		`{"layer":"identity","d":2,"sigma":0.3,"weights":[0.5,0.5],"centroids":[[2,0],[0,2]],"lambda":1,"L":0}`,
		`{"layer":"identity","d":2,"sigma":0.3,"weights":[0.5,0.5],"centroids":[[2,0],[0,2]],"lambda":1,"L":50,"samples":100,"seed":7}`,
		`{"layer":"prototype","d":2}`,
		`{"layer":"prototype","variant":"dot","d":2,"sigma":1e999}`,
		`[1,2,3]`,
		``,
		`{"layer":"prototype","variant":"dot","d":2,"sigma":1,"weights":[0.5,0.5],"centroids":[[3,0],[0,3]],"lambda":1,"heads":[[1,1],[1,1]],"extra":1}`,
		`{"\u006cayer":"identity","d":1,"sigma":1,"weights":[0.5,0.5],"centroids":[[-0.0],[1e-400]],"lambda":0,"L":0}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := evalspec.Decode(data)
		if err != nil {
			var fe *evalspec.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is a %T, want *FieldError", err, err)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, "spec: ") {
				t.Fatalf("bad message %q", msg)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Decode accepted %q but Validate says %v", data, err)
		}
		enc, err := evalspec.Encode(s)
		if err != nil {
			t.Fatalf("Encode(%+v): %v", s, err)
		}
		back, err := evalspec.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode) of %q: %v", enc, err)
		}
		if diff := cmp.Diff(s, back); diff != "" {
			t.Fatalf("round trip of %q (-want +got):\n%s", data, diff)
		}
		if enc2, _ := evalspec.Encode(back); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable: %s then %s", enc, enc2)
		}
		res, err := evalspec.Evaluate(s, fuzzBackend())
		if err != nil {
			var ne *evalspec.NumericalError
			var fe *evalspec.FieldError
			if !errors.As(err, &ne) && !errors.As(err, &fe) {
				t.Fatalf("Evaluate error %v is a %T", err, err)
			}
			return
		}
		out, err := json.Marshal(res)
		if err != nil {
			t.Fatalf("result %+v does not encode: %v", res, err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("result %s: %v", out, err)
		}
		checkFinite(t, m)
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
