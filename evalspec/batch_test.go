package evalspec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"attnclust/evalspec"
	"attnclust/theory"
)

func TestSniff(t *testing.T) {
	one := with(protoBase())
	pretty := "{\n  \"layer\": \"identity\",\n  \"d\": 2\n}\n"
	cases := []struct {
		name  string
		input string
		batch bool
	}{
		{"empty", "", false},
		{"blank lines", "\n \r\n\t\n", false},
		{"one line", one, false},
		{"one line and newline", one + "\n", false},
		{"one line and blank lines", "\n" + one + "\r\n\n  \n", false},
		{"pretty-printed", pretty, false},
		{"pretty-printed twice", pretty + pretty, false},
		{"two values on one line", one + one + "\n", false},
		{"garbage", "x\ny\n", false},
		{"two lines", one + "\n" + one, true},
		{"two lines CRLF", one + "\r\n" + one + "\r\n", true},
		{"blank lines between", "\n\n" + one + "\n\n\n" + one + "\n\n", true},
		{"second line bad", one + "\nnot json\n", true},
		{"first line any JSON value", "1\n{\n", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			batch, all, err := evalspec.Sniff(strings.NewReader(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			if batch != tc.batch {
				t.Errorf("batch = %v, want %v", batch, tc.batch)
			}
			got, err := io.ReadAll(all)
			if err != nil || string(got) != tc.input {
				t.Errorf("the input is not read again whole: %q, %v", got, err)
			}
		})
	}
}

// countingBackend answers every prototype spec with a risk equal to
// heads[0][0] (so that each answer identifies its line), after busy work
// that varies with the line so that workers finish out of order.
func countingBackend(calls *atomic.Int64) evalspec.Backend {
	return evalspec.Backend{NewRisk: func(mix theory.Mixture, l theory.Prototype) (theory.Objective, error) {
		return objFunc(func(heads [][]float64) (theory.Eval, error) {
			calls.Add(1)
			x := heads[0][0]
			spin := 0.0
			for i := range int(x) % 7 * 2000 {
				spin += math.Sqrt(float64(i))
			}
			if x < 0 {
				return theory.Eval{}, errors.New("planted failure")
			}
			if x == 13 {
				panic("planted panic")
			}
			return theory.Eval{Risk: x + 0*spin, Grad: [][]float64{{0, 0}, {0, 0}}}, nil
		}), nil
	}}
}

// objFunc is a theory.Objective from a function.
type objFunc func(heads [][]float64) (theory.Eval, error)

func (f objFunc) Dim() int                                    { return 2 }
func (f objFunc) Heads() int                                  { return 2 }
func (f objFunc) Eval(heads [][]float64) (theory.Eval, error) { return f(heads) }

func lineSpec(x any) string {
	return with(protoBase(), "heads", []any{[]any{x, 0}, []any{0, 1}})
}

// lineClassification returns the misclassification and Bayes error fields
// of the answer to lineSpec(x): closed forms of package theory on the
// mixture of protoBase (evaluated there, not by the fake back end).
func lineClassification(t *testing.T, x float64) string {
	t.Helper()
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	miss, err := theory.Misclassification(mix, theory.Prototype{Variant: theory.Dot, Lambda: 1}, [][]float64{{x, 0}, {0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	bayes, err := theory.BayesError(mix)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := json.Marshal(miss)
	b, _ := json.Marshal(bayes)
	return fmt.Sprintf(`"misclassification":%s,"bayes_error":%s`, m, b)
}

func TestEvaluateLinesOrderAndErrors(t *testing.T) {
	var in strings.Builder
	var want strings.Builder
	line := 0
	for i := range 60 {
		line++
		switch {
		case i%17 == 5:
			in.WriteString("\n") // blank: skipped, but counted in line numbers
			continue
		case i%11 == 3:
			in.WriteString(with(protoBase(), "sigma", -1) + "\n")
			fmt.Fprintf(&want, `{"error":"spec: field \"sigma\": must be finite and > 0, got -1","line":%d}`+"\n", line)
		case i == 13:
			in.WriteString(lineSpec(13) + "\n")
			fmt.Fprintf(&want, `{"error":"internal error: planted panic","line":%d}`+"\n", line)
		case i == 41:
			in.WriteString(lineSpec(-1) + "\n")
			fmt.Fprintf(&want, `{"error":"numerical failure: risk evaluation: planted failure","line":%d}`+"\n", line)
		case i == 50:
			in.WriteString(with(identInfBase(), "samples", 1) + "  \r\n")
			fmt.Fprintf(&want, `{"error":"spec: field \"samples\": not allowed when L = 0 (the L -> infinity limit is computed exactly, without sampling)","line":%d}`+"\n", line)
		default:
			in.WriteString(lineSpec(i) + "\n")
			fmt.Fprintf(&want, `{"layer":"prototype","variant":"dot","risk":%d,"risk_err":0,"grad":[[0,0],[0,0]],"grad_err":0,%s}`+"\n", i, lineClassification(t, float64(i)))
		}
	}
	in.WriteString(lineSpec(99)) // no final newline
	line++
	fmt.Fprintf(&want, `{"layer":"prototype","variant":"dot","risk":99,"risk_err":0,"grad":[[0,0],[0,0]],"grad_err":0,%s}`+"\n", lineClassification(t, 99))

	for _, workers := range []int{1, 2, 3, 8, 0} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			var calls atomic.Int64
			var out bytes.Buffer
			sum, err := evalspec.EvaluateLines(strings.NewReader(in.String()), &out, evalspec.Options{Workers: workers, Backend: countingBackend(&calls)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			// 60 lines minus 4 blank (i = 5, 22, 39, 56), plus the last;
			// rejected: i = 3, 14, 25, 36, 47, 58 and 50; failed: 13, 41.
			wantSum := evalspec.Summary{Specs: 57, Rejected: 7, Failed: 2, FirstBad: 4}
			if diff := cmp.Diff(wantSum, sum); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateLinesMalformed(t *testing.T) {
	var calls atomic.Int64
	var out bytes.Buffer
	in := lineSpec(1) + "\nnot json\n" + lineSpec(2) + "} \n"
	sum, err := evalspec.EvaluateLines(strings.NewReader(in), &out, evalspec.Options{Backend: countingBackend(&calls)})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"risk":1,`) ||
		!strings.HasPrefix(lines[1], `{"error":"spec: malformed JSON at byte `) || !strings.HasSuffix(lines[1], `,"line":2}`) ||
		!strings.HasPrefix(lines[2], `{"error":"spec: trailing data after the spec object`) || !strings.HasSuffix(lines[2], `,"line":3}`) {
		t.Errorf("output:\n%s", out.String())
	}
	if want := (evalspec.Summary{Specs: 3, Rejected: 2, FirstBad: 2}); sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
}

// failWriter fails after n writes.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestEvaluateLinesWriteError(t *testing.T) {
	// Enough output to overflow the writer's buffer several times.
	var in strings.Builder
	for i := range 5000 {
		in.WriteString(lineSpec(i%5) + "\n")
	}
	var calls atomic.Int64
	_, err := evalspec.EvaluateLines(strings.NewReader(in.String()), &failWriter{n: 1}, evalspec.Options{Workers: 2, Backend: countingBackend(&calls)})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error = %v, want the write error", err)
	}
	if n := calls.Load(); n == 5000 {
		t.Errorf("all %d specs were evaluated after the output failed", n)
	}
}

type failReader struct{ r io.Reader }

func (f failReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("connection reset")
	}
	return n, err
}

func TestEvaluateLinesReadError(t *testing.T) {
	var calls atomic.Int64
	var out bytes.Buffer
	in := lineSpec(1) + "\n" + lineSpec(2) + "\n"
	sum, err := evalspec.EvaluateLines(failReader{strings.NewReader(in)}, &out, evalspec.Options{Backend: countingBackend(&calls)})
	if err == nil || !strings.Contains(err.Error(), "connection reset") || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error = %v, want the read error at line 3", err)
	}
	if sum.Specs != 2 || strings.Count(out.String(), "\n") != 2 {
		t.Errorf("summary %+v, output %q: the lines read before the error are answered", sum, out.String())
	}
}

// TestEvaluateLinesReal checks batch answers against single evaluations
// with the real numerics, byte for byte.
func TestEvaluateLinesReal(t *testing.T) {
	specs := []string{with(protoBase()), with(identInfBase()), with(hardmaxBase()), with(protoBase(), "variant", "distance", "lambda", 0.5)}
	var in, want strings.Builder
	for _, s := range specs {
		in.WriteString(s + "\n")
		out, err := evalspec.EvaluateJSON([]byte(s), evalspec.Backend{})
		if err != nil {
			t.Fatal(err)
		}
		want.Write(out)
	}
	var out bytes.Buffer
	sum, err := evalspec.EvaluateLines(strings.NewReader(in.String()), &out, evalspec.Options{Workers: 2})
	if err != nil || sum.Rejected+sum.Failed != 0 {
		t.Fatalf("summary %+v, error %v", sum, err)
	}
	if diff := cmp.Diff(want.String(), out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// benchSpecs returns n distinct d-dimensional distance-variant prototype
// specs, one per line, with heads scattered around the centroids.
func benchSpecs(n, d int) []byte {
	var b bytes.Buffer
	for i := range n {
		c := [][]float64{make([]float64, d), make([]float64, d)}
		h := [][]float64{make([]float64, d), make([]float64, d)}
		c[0][0], c[1][1%d] = 3, -3
		for j := range d {
			h[0][j] = c[0][j] + 0.1*math.Sin(float64(i*d+j))
			h[1][j] = c[1][j] + 0.1*math.Cos(float64(i*d+j))
		}
		s := evalspec.Spec{Layer: "prototype", Variant: "distance", D: d, Sigma: 1, Weights: []float64{0.5, 0.5},
			Centroids: c, Lambda: ptr(1.0), Heads: h}
		enc, err := evalspec.Encode(s)
		if err != nil {
			panic(err)
		}
		b.Write(enc)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkEvaluateLines measures batch throughput on d = 8 prototype
// specs with GOMAXPROCS workers (specs/s is the figure of merit).
func BenchmarkEvaluateLines(b *testing.B) {
	const n = 1000
	in := benchSpecs(n, 8)
	b.SetBytes(int64(len(in)))
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		sum, err := evalspec.EvaluateLines(bytes.NewReader(in), io.Discard, evalspec.Options{})
		if err != nil || sum.Specs != n || sum.Rejected+sum.Failed != 0 {
			b.Fatalf("summary %+v, error %v", sum, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "specs/s")
	if cpu1, ok := cpuTime(); ok && cpuOK {
		// CPU per spec, all goroutines and the GC included: on an idle
		// machine with P cores the throughput is about P/(CPU per spec).
		b.ReportMetric(float64(cpu1-cpu0)/1e3/float64(n*b.N), "cpu-us/spec")
	}
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

// BenchmarkEvaluateLinesOverhead is BenchmarkEvaluateLines with a back end
// that costs nothing: the ceiling that decoding, encoding and the
// pipeline put on the throughput.
func BenchmarkEvaluateLinesOverhead(b *testing.B) {
	const n = 1000
	in := benchSpecs(n, 8)
	grad := [][]float64{make([]float64, 8), make([]float64, 8)}
	be := evalspec.Backend{NewRisk: func(theory.Mixture, theory.Prototype) (theory.Objective, error) {
		return objFunc(func([][]float64) (theory.Eval, error) {
			return theory.Eval{Risk: 1.765203958661777, RiskErr: 9.882489259761691e-15, Grad: grad, GradErr: 7.0818099167465e-14}, nil
		}), nil
	}}
	b.SetBytes(int64(len(in)))
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		sum, err := evalspec.EvaluateLines(bytes.NewReader(in), io.Discard, evalspec.Options{Backend: be})
		if err != nil || sum.Specs != n || sum.Rejected+sum.Failed != 0 {
			b.Fatalf("summary %+v, error %v", sum, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "specs/s")
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/1e3/float64(n*b.N), "cpu-us/spec")
	}
}

// BenchmarkDecode, BenchmarkEvaluate and BenchmarkEncodeResult split the
// cost of one d = 8 spec.
func BenchmarkDecode(b *testing.B) {
	line := bytes.TrimSpace(benchSpecs(1, 8))
	for b.Loop() {
		if _, err := evalspec.Decode(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	s, err := evalspec.Decode(bytes.TrimSpace(benchSpecs(1, 8)))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := evalspec.Evaluate(s, evalspec.Backend{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeResult(b *testing.B) {
	s, _ := evalspec.Decode(bytes.TrimSpace(benchSpecs(1, 8)))
	res, err := evalspec.Evaluate(s, evalspec.Backend{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := res.AppendJSON(nil); err != nil {
			b.Fatal(err)
		}
	}
}
