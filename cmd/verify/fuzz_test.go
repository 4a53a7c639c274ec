package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"attnclust/evalspec"
	"attnclust/numerics"
	"attnclust/theory"
)

// fuzzBackend is the real risk evaluation (cheap for the small specs a
// fuzzer writes) with the Monte Carlo estimator replaced by a constant, so
// that a spec asking for 1e7 sequences does not stall the fuzzer. The
// decoder and validator have their own target (evalspec's FuzzEvalSpec);
// this one is about the command: one spec or JSON Lines.
func fuzzBackend() backend {
	be := defaultBackend()
	be.quantMC = func(theory.Mixture, float64, int, int, uint64) (numerics.Estimate, error) {
		return numerics.Estimate{Value: 1, Err: 0.1}, nil
	}
	return be
}

// FuzzEvalInput feeds arbitrary bytes to "verify eval": it never panics
// and exits 0, 1 or 2. A single spec gives one JSON object on stdout (exit
// 0) or one line on stderr and nothing on stdout. JSON Lines give one
// JSON object per non-blank line on stdout, and one stderr line exactly
// when the exit status is not 0.
func FuzzEvalInput(f *testing.F) {
	p := `{"layer":"prototype","variant":"distance","d":2,"sigma":1,"weights":[0.5,0.5],"centroids":[[3,0],[0,3]],"lambda":1,"heads":[[3.04,-0.04],[-0.04,3.04]]}`
	i := `{"layer":"identity","d":2,"sigma":0.3,"weights":[0.5,0.5],"centroids":[[2,0],[0,2]],"lambda":1,"L":50,"samples":100,"seed":7}`
	for _, s := range []string{
		p, i, "", "\n\n", "[1,2,3]", p + p,
		p + "\n" + i + "\n",
		p + "\r\n\r\n" + i,
		i + "\n{\n" + `"layer":"identity"` + "\n}\n",
		"{\n" + strings.TrimPrefix(p, "{") + "\n",
		"1\n2\n",
		p + "\nnull\n" + `{"layer":"prototype","d":2}` + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		batch, _, err := evalspec.Sniff(bytes.NewReader(input))
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := runWith([]string{"eval", "-workers", "2"}, bytes.NewReader(input), &stdout, &stderr, fuzzBackend())
		msg := stderr.String()
		if strings.Contains(msg, "internal error") {
			t.Fatalf("panic recovered on %q: %s", input, msg)
		}
		if code != exitOK && code != exitFailure && code != exitUsage {
			t.Fatalf("exit code %d", code)
		}
		oneStderrLine := strings.Count(msg, "\n") == 1 && strings.HasSuffix(msg, "\n")
		if (code == exitOK) == oneStderrLine || code == exitOK && msg != "" {
			t.Fatalf("exit %d with stderr %q", code, msg)
		}
		lines := strings.SplitAfter(stdout.String(), "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		want := 0
		switch {
		case batch:
			for _, l := range bytes.Split(input, []byte("\n")) {
				if len(bytes.TrimSpace(l)) > 0 {
					want++
				}
			}
		case code == exitOK:
			want = 1
		}
		if len(lines) != want {
			t.Fatalf("batch %v, exit %d: %d output lines, want %d: %q", batch, code, len(lines), want, stdout.String())
		}
		for _, l := range lines {
			var out map[string]any
			if !strings.HasSuffix(l, "\n") || json.Unmarshal([]byte(l), &out) != nil {
				t.Fatalf("output line %q is not one JSON object", l)
			}
			checkFinite(t, out)
		}
	})
}
