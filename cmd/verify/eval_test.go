package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"attnclust/evalspec"
	"attnclust/numerics"
	"attnclust/theory"
)

// fakeObjective returns a fixed evaluation.
type fakeObjective struct {
	ev  theory.Eval
	err error
}

func (f fakeObjective) Dim() int   { return len(f.ev.Grad[0]) }
func (f fakeObjective) Heads() int { return 2 }
func (f fakeObjective) Eval(heads [][]float64) (theory.Eval, error) {
	return f.ev, f.err
}

// recorder captures what eval passes to the back end.
type recorder struct {
	mix     theory.Mixture
	layer   theory.Prototype
	lambda  float64
	L       int
	samples int
	seed    uint64
	calls   []string
}

func (r *recorder) backend(ev theory.Eval, q numerics.Estimate) backend {
	return backend{
		newRisk: func(mix theory.Mixture, layer theory.Prototype) (theory.Objective, error) {
			r.calls = append(r.calls, "newRisk")
			r.mix, r.layer = mix, layer
			return fakeObjective{ev: ev}, nil
		},
		quantInf: func(mix theory.Mixture, lambda float64) (numerics.Estimate, error) {
			r.calls = append(r.calls, "quantInf")
			r.mix, r.lambda = mix, lambda
			return q, nil
		},
		quantMC: func(mix theory.Mixture, lambda float64, L, samples int, seed uint64) (numerics.Estimate, error) {
			r.calls = append(r.calls, "quantMC")
			r.mix, r.lambda, r.L, r.samples, r.seed = mix, lambda, L, samples, seed
			return q, nil
		},
	}
}

// protoClassification returns the misclassification and Bayes error
// fields of the answer to protoBase with the given variant: closed forms
// of package theory (the fake back ends replace only the risk).
func protoClassification(t *testing.T, variant string) string {
	t.Helper()
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	v, err := theory.ParseVariant(variant)
	if err != nil {
		t.Fatal(err)
	}
	miss, err := theory.Misclassification(mix, theory.Prototype{Variant: v, Lambda: 1}, [][]float64{{2.5, 0.1}, {0.2, 2.9}})
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

func goodEval() theory.Eval {
	return theory.Eval{Risk: 1.5, RiskErr: 1e-15, Grad: [][]float64{{1, 2}, {3, 4}}, GradErr: 0}
}

func TestEvalPrototypeWiring(t *testing.T) {
	for _, variant := range []string{"dot", "distance"} {
		var r recorder
		code, stdout, stderr := runEval(r.backend(goodEval(), numerics.Estimate{}), with(protoBase(), "variant", variant, "lambda", 2.5))
		if code != exitOK {
			t.Fatalf("%s: code %d, stderr %q", variant, code, stderr)
		}
		want := `{"layer":"prototype","variant":"` + variant + `","risk":1.5,"risk_err":1e-15,"grad":[[1,2],[3,4]],"grad_err":0,` + protoClassification(t, variant) + "}\n"
		if stdout != want {
			t.Errorf("%s: stdout = %q, want %q", variant, stdout, want)
		}
		if stderr != "" {
			t.Errorf("%s: stderr = %q", variant, stderr)
		}
		v, _ := theory.ParseVariant(variant)
		if r.layer != (theory.Prototype{Variant: v, Lambda: 2.5}) {
			t.Errorf("%s: layer = %+v", variant, r.layer)
		}
		wantMix := theory.Mixture{Weights: []float64{0.5, 0.5}, Centroids: [][]float64{{3, 0}, {0, 3}}, Sigma: 1}
		if diff := cmp.Diff(wantMix, r.mix); diff != "" {
			t.Errorf("%s: mixture (-want +got):\n%s", variant, diff)
		}
	}
}

func TestEvalHardmaxLambdaOptional(t *testing.T) {
	for _, in := range []string{with(hardmaxBase()), with(hardmaxBase(), "lambda", 7)} {
		var r recorder
		code, stdout, stderr := runEval(r.backend(goodEval(), numerics.Estimate{}), in)
		if code != exitOK {
			t.Fatalf("code %d, stderr %q", code, stderr)
		}
		if r.layer.Variant != theory.Hardmax {
			t.Errorf("layer = %+v", r.layer)
		}
		if !strings.Contains(stdout, `"variant":"hardmax"`) {
			t.Errorf("stdout = %q", stdout)
		}
	}
}

func TestEvalIdentityWiring(t *testing.T) {
	var r recorder
	q := numerics.Estimate{Value: 0.028, Err: 1e-13}
	code, stdout, stderr := runEval(r.backend(theory.Eval{}, q), with(identInfBase(), "lambda", 0.5))
	if code != exitOK {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	// input_error = d sigma^2 = 2 * 0.3^2, in float64 arithmetic.
	want := map[string]any{"layer": "identity", "quant_error": 0.028, "quant_error_err": 1e-13, "input_error": 2 * 0.3 * 0.3}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"quantInf"}, r.calls); diff != "" || r.lambda != 0.5 {
		t.Errorf("calls %v, lambda %v", r.calls, r.lambda)
	}

	r = recorder{}
	in := with(identMCBase(), "L", 30, "samples", 700, "seed", raw("18446744073709551615"), "lambda", 2)
	code, stdout, stderr = runEval(r.backend(theory.Eval{}, numerics.Estimate{Value: 0.04, Err: 0.001}), in)
	if code != exitOK {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	if diff := cmp.Diff([]string{"quantMC"}, r.calls); diff != "" {
		t.Errorf("calls %v", r.calls)
	}
	if r.lambda != 2 || r.L != 30 || r.samples != 700 || r.seed != math.MaxUint64 {
		t.Errorf("quantMC got lambda %v, L %d, samples %d, seed %d", r.lambda, r.L, r.samples, r.seed)
	}
	if want := `{"layer":"identity","quant_error":0.04,"quant_error_err":0.001,"input_error":0.18}` + "\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
}

func TestEvalNumericalFailures(t *testing.T) {
	bad := func(mod func(*theory.Eval)) theory.Eval {
		ev := goodEval()
		mod(&ev)
		return ev
	}
	evalBackend := func(ev theory.Eval, err error) backend {
		return backend{newRisk: func(theory.Mixture, theory.Prototype) (theory.Objective, error) {
			return fakeObjective{ev: ev, err: err}, nil
		}}
	}
	quantBackend := func(q numerics.Estimate, err error) backend {
		f := func(theory.Mixture, float64) (numerics.Estimate, error) { return q, err }
		return backend{
			quantInf: f,
			quantMC: func(m theory.Mixture, l float64, _, _ int, _ uint64) (numerics.Estimate, error) {
				return f(m, l)
			},
		}
	}
	cases := []struct {
		name string
		be   backend
		in   string
		want string
	}{
		{"eval error", evalBackend(goodEval(), errors.New("quadrature did not converge")), with(protoBase()), "quadrature did not converge"},
		{"multi-line error", evalBackend(goodEval(), errors.New("line one\nline two")), with(protoBase()), "line one; line two"},
		{"NaN risk", evalBackend(bad(func(e *theory.Eval) { e.Risk = math.NaN() }), nil), with(protoBase()), "risk is NaN"},
		{"Inf risk", evalBackend(bad(func(e *theory.Eval) { e.Risk = math.Inf(1) }), nil), with(protoBase()), "risk is +Inf"},
		{"negative risk error", evalBackend(bad(func(e *theory.Eval) { e.RiskErr = -1 }), nil), with(protoBase()), "risk error figure"},
		{"NaN risk error", evalBackend(bad(func(e *theory.Eval) { e.RiskErr = math.NaN() }), nil), with(protoBase()), "risk error figure"},
		{"Inf grad error", evalBackend(bad(func(e *theory.Eval) { e.GradErr = math.Inf(1) }), nil), with(protoBase()), "grad error figure"},
		{"NaN grad entry", evalBackend(bad(func(e *theory.Eval) { e.Grad = [][]float64{{1, 2}, {math.NaN(), 4}} }), nil), with(protoBase()), "grad[1][0]"},
		{"short grad", evalBackend(bad(func(e *theory.Eval) { e.Grad = [][]float64{{1, 2}} }), nil), with(protoBase()), "gradient rows"},
		{"grad row length", evalBackend(bad(func(e *theory.Eval) { e.Grad = [][]float64{{1, 2}, {3}} }), nil), with(protoBase()), "gradient row 1"},
		{"quantInf error", quantBackend(numerics.Estimate{}, errors.New("no convergence")), with(identInfBase()), "no convergence"},
		{"quantMC error", quantBackend(numerics.Estimate{}, errors.New("too slow")), with(identMCBase()), "too slow"},
		{"NaN quant error", quantBackend(numerics.Estimate{Value: math.NaN()}, nil), with(identInfBase()), "quant_error is NaN"},
		{"negative quant err", quantBackend(numerics.Estimate{Value: 1, Err: -1}, nil), with(identMCBase()), "quant_error error figure"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runEval(tc.be, tc.in)
			if code != exitFailure {
				t.Errorf("code = %d, want %d (stderr %q)", code, exitFailure, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want empty", stdout)
			}
			assertOneLine(t, stderr)
			if !strings.HasPrefix(stderr, "verify eval: numerical failure: ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %q, want prefix %q and %q", stderr, "verify eval: numerical failure: ", tc.want)
			}
		})
	}
}

func TestEvalNewRiskErrorIsBadInput(t *testing.T) {
	be := backend{newRisk: func(theory.Mixture, theory.Prototype) (theory.Objective, error) {
		return nil, errors.New("heads: need 2")
	}}
	code, _, stderr := runEval(be, with(protoBase()))
	if code != exitUsage {
		t.Errorf("code = %d, want %d", code, exitUsage)
	}
	assertOneLine(t, stderr)
}

func TestPanicIsRecovered(t *testing.T) {
	be := backend{newRisk: func(theory.Mixture, theory.Prototype) (theory.Objective, error) {
		var m map[string]int
		m["boom"]++ // a genuine runtime panic
		return nil, nil
	}}
	code, stdout, stderr := runEval(be, with(protoBase()))
	if code != exitFailure {
		t.Errorf("code = %d, want %d", code, exitFailure)
	}
	if stdout != "" {
		t.Errorf("stdout = %q", stdout)
	}
	assertOneLine(t, stderr)
	if !strings.Contains(stderr, "internal error") || strings.Contains(stderr, "goroutine") {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestDispatchAndFlags(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(specFile, []byte(with(protoBase())), 0o644); err != nil {
		t.Fatal(err)
	}
	var r recorder
	be := r.backend(goodEval(), numerics.Estimate{})
	cases := []struct {
		name       string
		args       []string
		stdin      string
		code       int
		wantStdout string // substring
		wantStderr string // substring
	}{
		{"a first flag goes to run", []string{"-bogus"}, "", exitUsage, "", "-bogus"},
		{"unknown subcommand", []string{"frobnicate"}, "", exitUsage, "", `unknown subcommand "frobnicate"`},
		{"help", []string{"help"}, "", exitOK, "eval", ""},
		{"-h", []string{"-h"}, "", exitOK, "usage: verify", ""},
		{"eval -h", []string{"eval", "-h"}, "", exitOK, "", "-spec"},
		{"eval bad flag", []string{"eval", "-bogus"}, "", exitUsage, "", "-bogus"},
		{"eval -spec without value", []string{"eval", "-spec"}, "", exitUsage, "", "-spec"},
		{"eval extra argument", []string{"eval", "extra"}, "", exitUsage, "", `unexpected argument "extra"`},
		{"eval -spec missing file", []string{"eval", "-spec", filepath.Join(dir, "nope.json")}, "", exitUsage, "", "-spec"},
		{"eval -spec file", []string{"eval", "-spec", specFile}, "this stdin is ignored", exitOK, `"risk":1.5`, ""},
		{"eval -spec -", []string{"eval", "-spec", "-"}, with(protoBase()), exitOK, `"risk":1.5`, ""},
		{"eval stdin", []string{"eval"}, with(protoBase()), exitOK, `"risk":1.5`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runWith(tc.args, strings.NewReader(tc.stdin), &out, &errb, be)
			if code != tc.code {
				t.Errorf("code = %d, want %d (stderr %q)", code, tc.code, errb.String())
			}
			if !strings.Contains(out.String(), tc.wantStdout) {
				t.Errorf("stdout = %q, want %q", out.String(), tc.wantStdout)
			}
			if !strings.Contains(errb.String(), tc.wantStderr) {
				t.Errorf("stderr = %q, want %q", errb.String(), tc.wantStderr)
			}
		})
	}
}

func TestUsageDocumentsCaps(t *testing.T) {
	for _, s := range []string{"1e7", "1e6", "2e10", "1e150", "1e-150", "1e-12", `"prototype"`, `"identity"`,
		`"dot"`, `"distance"`, `"hardmax"`, "risk_err", "grad_err", "quant_error_err", "input_error",
		"JSON Lines", `{"error": "...", "line": N}`} {
		if !strings.Contains(usageText, s) {
			t.Errorf("usage text does not mention %s", s)
		}
	}
	if evalspec.MaxDim != 1e7 || evalspec.MaxL != 1e6 || evalspec.MaxSamples != 1e7 || evalspec.MaxWork != 2e10 ||
		evalspec.MaxAbs != 1e150 || evalspec.MinSigma != 1e-150 || theory.WeightSumTol != 1e-12 {
		t.Error("caps changed: update evalspec.Usage and the doc comments")
	}
}

// ---- Tests against the real numerics. They skip while the numerics are
// stubs and must pass once they are implemented.

// runReal runs eval with the real back end and skips while it is a stub.
func runReal(t *testing.T, stdin string, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"eval"}, args...), strings.NewReader(stdin), &out, &errb)
	if code == exitFailure && strings.Contains(errb.String(), "not implemented") {
		t.Skipf("numerics not implemented yet: %s", strings.TrimSpace(errb.String()))
	}
	if code != exitOK {
		t.Fatalf("code %d, stderr %q", code, errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("stderr = %q on success", errb.String())
	}
	dec := json.NewDecoder(&out)
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if dec.More() {
		t.Errorf("more than one JSON value on stdout")
	}
	return m
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

func num(t *testing.T, m map[string]any, key string) float64 {
	t.Helper()
	v, ok := m[key].(float64)
	if !ok {
		t.Fatalf("output field %q = %v, want a number", key, m[key])
	}
	return v
}

func grad(t *testing.T, m map[string]any) [][]float64 {
	t.Helper()
	b, _ := json.Marshal(m["grad"])
	var g [][]float64
	if err := json.Unmarshal(b, &g); err != nil || len(g) != 2 {
		t.Fatalf("grad = %v: %v", m["grad"], err)
	}
	return g
}

func checkProtoKeys(t *testing.T, m map[string]any) {
	t.Helper()
	if diff := cmp.Diff([]string{"bayes_error", "grad", "grad_err", "layer", "misclassification", "risk", "risk_err", "variant"}, keys(m)); diff != "" {
		t.Errorf("output fields (-want +got):\n%s", diff)
	}
}

func checkIdentityKeys(t *testing.T, m map[string]any) {
	t.Helper()
	if diff := cmp.Diff([]string{"input_error", "layer", "quant_error", "quant_error_err"}, keys(m)); diff != "" {
		t.Errorf("output fields (-want +got):\n%s", diff)
	}
}

// TestEvalPrototypeLambdaZero pins the lambda = 0 closed form of
// docs/MODEL.md §5.1: T = (mu_1 + mu_2)/2, so R = sum_k pi_k ||mu*_k - mbar||^2 + d sigma^2
// and dR/dmu_h = -(sum_k pi_k mu*_k - mbar), computed here independently.
func TestEvalPrototypeLambdaZero(t *testing.T) {
	weights := []float64{0.3, 0.7}
	cents := [][]float64{{1.5, -0.25, 2}, {-0.5, 1, 0.75}}
	heads := [][]float64{{0.4, 2.2, -1}, {1.1, -0.3, 0.6}}
	sigma, d := 0.7, 3
	mbar := make([]float64, d)
	mean := make([]float64, d)
	want := float64(d) * sigma * sigma
	for i := 0; i < d; i++ {
		mbar[i] = (heads[0][i] + heads[1][i]) / 2
		for k := range cents {
			mean[i] += weights[k] * cents[k][i]
		}
	}
	for k, c := range cents {
		s := 0.0
		for i := range c {
			s += (c[i] - mbar[i]) * (c[i] - mbar[i])
		}
		want += weights[k] * s
	}
	for _, variant := range []string{"dot", "distance"} {
		t.Run(variant, func(t *testing.T) {
			in := with(protoBase(), "variant", variant, "d", d, "sigma", sigma, "weights", weights,
				"centroids", cents, "heads", heads, "lambda", 0)
			m := runReal(t, in)
			checkProtoKeys(t, m)
			risk := num(t, m, "risk")
			if math.Abs(risk-want) > 1e-12*want {
				t.Errorf("risk = %.17g, want %.17g (rel diff %.3g)", risk, want, math.Abs(risk-want)/want)
			}
			if e := num(t, m, "risk_err"); e > 1e-12*want {
				t.Errorf("risk_err = %g, want <= 1e-12 relative", e)
			}
			g := grad(t, m)
			for h := range g {
				for i := range g[h] {
					wg := -(mean[i] - mbar[i])
					if math.Abs(g[h][i]-wg) > 1e-12*(1+math.Abs(wg)) {
						t.Errorf("grad[%d][%d] = %.17g, want %.17g", h, i, g[h][i], wg)
					}
				}
			}
		})
	}
}

// TestEvalHardmaxCriticalPoint pins docs/MODEL.md §5.2: at the closed-form
// critical point the hardmax gradient vanishes and R = 1.94811410647299.
func TestEvalHardmaxCriticalPoint(t *testing.T) {
	mix, err := theory.NewMixture([]float64{0.5, 0.5}, [][]float64{{3, 0}, {0, 3}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	heads, risk, err := theory.HardmaxCritical(mix)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(risk-1.94811410647299) > 1e-13 {
		t.Fatalf("theory.HardmaxCritical risk = %.15g, docs/MODEL.md §5.2 says 1.94811410647299", risk)
	}
	m := runReal(t, with(hardmaxBase(), "heads", heads))
	checkProtoKeys(t, m)
	if got := num(t, m, "risk"); math.Abs(got-risk) > 1e-12*risk {
		t.Errorf("risk = %.17g, want %.17g", got, risk)
	}
	for h, g := range grad(t, m) {
		if n := theory.Norm(g); n > 1e-10 {
			t.Errorf("|grad[%d]| = %g at the critical point", h, n)
		}
	}
}

func TestEvalIdentityInfReal(t *testing.T) {
	m := runReal(t, with(identInfBase()))
	checkIdentityKeys(t, m)
	// docs/MODEL.md §10, measured: Q_inf = 0.028354 (5 significant digits).
	if q := num(t, m, "quant_error"); math.Abs(q-0.028354) > 6e-7 {
		t.Errorf("quant_error = %.10g, docs/MODEL.md §10 measured 0.028354", q)
	}
	if e := num(t, m, "quant_error_err"); e > 1e-8 {
		t.Errorf("quant_error_err = %g, want a certified bound well below 1e-8", e)
	}
	if in := num(t, m, "input_error"); math.Abs(in-0.18) > 1e-15 {
		t.Errorf("input_error = %.17g, want 0.18", in)
	}
}

func TestEvalIdentityMCReal(t *testing.T) {
	in := with(identMCBase(), "L", 50, "samples", 4000, "seed", 7)
	m := runReal(t, in)
	checkIdentityKeys(t, m)
	q, se := num(t, m, "quant_error"), num(t, m, "quant_error_err")
	if !(se > 0) || se > 0.01 {
		t.Errorf("quant_error_err = %g, want a positive standard error", se)
	}
	// Reference: an independent brute-force simulation (2e5 sequences,
	// self term included) gave Q_50 = 0.04112 +- 0.00010. The 0.0440 quoted
	// for this setting in the source reading (docs/MODEL.md §10) is not
	// reproduced by that simulation; its L = 500 value (0.0298) is.
	if math.Abs(q-0.04112) > 5*se+5e-4 {
		t.Errorf("quant_error = %g +- %g, independent simulation gives 0.04112 +- 0.0001 at L = 50", q, se)
	}
	// Same seed, same output, byte for byte.
	var a, b bytes.Buffer
	run([]string{"eval"}, strings.NewReader(in), &a, &bytes.Buffer{})
	run([]string{"eval"}, strings.NewReader(in), &b, &bytes.Buffer{})
	if a.String() != b.String() {
		t.Errorf("not reproducible for a fixed seed:\n%s%s", a.String(), b.String())
	}
}

// ---- Fixtures.

func fixturePath(name string) string { return filepath.Join("..", "..", "fixtures", name) }

func TestFixtureContents(t *testing.T) {
	one, zero := 1.0, 0
	cases := map[string]evalspec.Spec{
		"eval_prototype.json": {
			Layer: "prototype", Variant: "distance", D: 2, Sigma: 1,
			Weights: []float64{0.5, 0.5}, Centroids: [][]float64{{3, 0}, {0, 3}}, Lambda: &one,
			Heads: [][]float64{{3.0444581, -0.0444581}, {-0.0444581, 3.0444581}},
		},
		"eval_identity.json": {
			Layer: "identity", D: 2, Sigma: 0.3,
			Weights: []float64{0.5, 0.5}, Centroids: [][]float64{{2, 0}, {0, 2}}, Lambda: &one, L: &zero,
		},
	}
	for name, want := range cases {
		data, err := os.ReadFile(fixturePath(name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := evalspec.Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestFixturePrototype(t *testing.T) {
	data, err := os.ReadFile(fixturePath("eval_prototype.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"-spec", "stdin"} {
		t.Run(mode, func(t *testing.T) {
			var m map[string]any
			if mode == "stdin" {
				m = runReal(t, string(data))
			} else {
				m = runReal(t, "", "-spec", fixturePath("eval_prototype.json"))
			}
			checkProtoKeys(t, m)
			// docs/MODEL.md §10: the measured local minimum, R = 1.765203958662.
			if r := num(t, m, "risk"); math.Abs(r-1.765203958662) > 1e-11 {
				t.Errorf("risk = %.15g, docs/MODEL.md §10 measured 1.765203958662", r)
			}
			// The heads are the minimizer rounded to 7 decimals, so the
			// gradient is of the order of the Hessian times 5e-8.
			for h, g := range grad(t, m) {
				if n := theory.Norm(g); n > 1e-6 {
					t.Errorf("|grad[%d]| = %g at the measured minimum", h, n)
				}
			}
		})
	}
}

func TestFixtureIdentity(t *testing.T) {
	m := runReal(t, "", "-spec", fixturePath("eval_identity.json"))
	checkIdentityKeys(t, m)
	if q := num(t, m, "quant_error"); math.Abs(q-0.028354) > 6e-7 {
		t.Errorf("quant_error = %.10g, docs/MODEL.md §10 measured 0.028354", q)
	}
	if in := num(t, m, "input_error"); math.Abs(in-0.18) > 1e-15 {
		t.Errorf("input_error = %.17g, want 0.18", in)
	}
}

// ---- JSON Lines.

func TestEvalBatch(t *testing.T) {
	good := with(protoBase())
	prettyBytes, err := json.MarshalIndent(protoBase(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	pretty := string(prettyBytes)
	ans := `{"layer":"prototype","variant":"dot","risk":1.5,"risk_err":1e-15,"grad":[[1,2],[3,4]],"grad_err":0,` + protoClassification(t, "dot") + "}\n"
	failing := backend{newRisk: func(theory.Mixture, theory.Prototype) (theory.Objective, error) {
		return fakeObjective{ev: goodEval(), err: errors.New("no convergence")}, nil
	}}
	var r recorder
	ok := r.backend(goodEval(), numerics.Estimate{})
	cases := []struct {
		name       string
		be         backend
		args       []string
		stdin      string
		code       int
		stdout     string
		wantStderr string // substring; "" means stderr must be empty
	}{
		{"single spec", ok, nil, good, exitOK, ans, ""},
		{"pretty-printed single spec", ok, nil, pretty + "\n", exitOK, ans, ""},
		{"two specs", ok, nil, good + "\n" + good + "\n", exitOK, ans + ans, ""},
		{"blank lines skipped", ok, nil, "\n" + good + "\n\n\n" + good, exitOK, ans + ans, ""},
		{"workers 1", ok, []string{"-workers", "1"}, good + "\n" + good + "\n", exitOK, ans + ans, ""},
		{"bad line in place", ok, []string{"-workers", "3"}, good + "\n" + with(protoBase(), "d", 0) + "\n" + good + "\n", exitUsage,
			ans + `{"error":"spec: field \"d\": must be an integer in [1, 10000000], got 0","line":2}` + "\n" + ans,
			"verify eval: 1 of 3 specs rejected, 0 failed (first at line 2)"},
		{"wrong type", ok, nil, good + "\n{\"layer\":1}\n", exitUsage,
			ans + `{"error":"spec: field \"layer\": must be a string, got the number 1","line":2}` + "\n",
			"1 of 2 specs rejected"},
		{"numerical failure", failing, nil, good + "\n" + good + "\n", exitFailure,
			`{"error":"numerical failure: risk evaluation: no convergence","line":1}` + "\n" +
				`{"error":"numerical failure: risk evaluation: no convergence","line":2}` + "\n",
			"0 of 2 specs rejected, 2 failed (first at line 1)"},
		{"negative workers", ok, []string{"-workers", "-1"}, good + "\n" + good, exitUsage, "", "-workers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runWith(append([]string{"eval"}, tc.args...), strings.NewReader(tc.stdin), &out, &errb, tc.be)
			if code != tc.code {
				t.Errorf("code = %d, want %d (stderr %q)", code, tc.code, errb.String())
			}
			if diff := cmp.Diff(tc.stdout, out.String()); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if tc.wantStderr == "" {
				if errb.Len() != 0 {
					t.Errorf("stderr = %q, want empty", errb.String())
				}
				return
			}
			assertOneLine(t, errb.String())
			if !strings.Contains(errb.String(), tc.wantStderr) {
				t.Errorf("stderr = %q, want %q", errb.String(), tc.wantStderr)
			}
		})
	}
}

// ---- README examples.

// docExample is one "$ ... verify eval ..." command of a Markdown
// document and the output printed under it.
type docExample struct {
	Line    int    // line number of the command in the document
	Command string // the command, without "$ "
	Output  string // the lines after it, each with its newline
}

// docExamples returns every command of the fenced code blocks of doc that
// starts with "$ " and runs "verify eval", with the lines that follow it
// in the block (up to the next "$ " line) as its expected output.
func docExamples(doc string) []docExample {
	var (
		out   []docExample
		in    bool
		cur   *docExample
		flush = func() {
			if cur != nil {
				out = append(out, *cur)
				cur = nil
			}
		}
	)
	for i, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			flush()
			in = !in
			continue
		}
		if !in {
			continue
		}
		if cmdText, ok := strings.CutPrefix(line, "$ "); ok {
			flush()
			if strings.Contains(cmdText, "verify eval") {
				cur = &docExample{Line: i + 1, Command: cmdText}
			}
			continue
		}
		if cur != nil {
			cur.Output += line + "\n"
		}
	}
	flush()
	return out
}

// runDocExample runs a "go run ./cmd/verify eval ..." command in process
// from the repository root root. It understands the flags of eval and a
// "< FILE" redirection, and nothing else.
func runDocExample(root, command string) (code int, stdout, stderr string, err error) {
	words := strings.Fields(command)
	i := slices.Index(words, "eval")
	if len(words) < 3 || words[0] != "go" || words[1] != "run" || i < 0 || !strings.HasSuffix(words[i-1], "cmd/verify") {
		return 0, "", "", fmt.Errorf("not of the form \"go run ./cmd/verify eval ...\"")
	}
	args := []string{"eval"}
	var stdin io.Reader = strings.NewReader("")
	rest := words[i+1:]
	for j := 0; j < len(rest); j++ {
		switch w := rest[j]; {
		case w == "<" && j+1 < len(rest):
			data, err := os.ReadFile(filepath.Join(root, rest[j+1]))
			if err != nil {
				return 0, "", "", err
			}
			stdin = bytes.NewReader(data)
			j++
		case w == "-spec" && j+1 < len(rest):
			args = append(args, w, filepath.Join(root, rest[j+1]))
			j++
		case w == "-workers" && j+1 < len(rest):
			args = append(args, w, rest[j+1])
			j++
		default:
			return 0, "", "", fmt.Errorf("cannot run %q in process", w)
		}
	}
	var out, errb bytes.Buffer
	code = run(args, stdin, &out, &errb)
	return code, out.String(), errb.String(), nil
}

func TestDocExamplesParser(t *testing.T) {
	doc := "text\n\n```sh\n$ go run ./cmd/verify eval -spec a.json\n{\"x\":1}\n$ go test ./...\nok\n```\n\n" +
		"```\n$ go run ./cmd/verify eval < b.jsonl\n{\"y\":2}\n{\"z\":3}\n\n```\n$ go run ./cmd/verify eval outside a block\n"
	want := []docExample{
		{Line: 4, Command: "go run ./cmd/verify eval -spec a.json", Output: "{\"x\":1}\n"},
		{Line: 11, Command: "go run ./cmd/verify eval < b.jsonl", Output: "{\"y\":2}\n{\"z\":3}\n\n"},
	}
	if diff := cmp.Diff(want, docExamples(doc)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"go run ./cmd/verify eval -spec a.json | jq .", "verify eval -spec x", "go run ./cmd/verify eval -bogus"} {
		if _, _, _, err := runDocExample(".", bad); err == nil {
			t.Errorf("%q: accepted, want an error", bad)
		}
	}
}

// TestREADMEEvalExamples runs every "verify eval" example of README.md and
// compares its output, byte for byte, with the lines printed under it.
// The exit status must be 0 unless the output holds an error line.
func TestREADMEEvalExamples(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := docExamples(string(doc))
	if len(examples) == 0 {
		t.Fatal("README.md has no \"$ go run ./cmd/verify eval ...\" example in a code block")
	}
	for _, ex := range examples {
		t.Run(fmt.Sprintf("line %d", ex.Line), func(t *testing.T) {
			code, stdout, stderr, err := runDocExample(root, ex.Command)
			if err != nil {
				t.Fatalf("README.md:%d: %q: %v", ex.Line, ex.Command, err)
			}
			want := strings.TrimRight(ex.Output, "\n") + "\n"
			if stdout != want {
				t.Errorf("README.md:%d: $ %s\noutput differs from the README; the command prints:\n%s(stderr %q)", ex.Line, ex.Command, stdout, stderr)
			}
			if hasError := strings.Contains(stdout, `{"error":`); code != exitOK && !hasError || code == exitOK && hasError {
				t.Errorf("README.md:%d: exit status %d with output %q", ex.Line, code, stdout)
			}
		})
	}
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

// TestEvalK: specs with K > 2 components are answered with the field set
// of their evaluation path (exit 0), and bad counts exit 2 naming the
// field.
func TestEvalK(t *testing.T) {
	cases := []struct {
		name, in string
		code     int
		want     []string // substrings of stdout (exit 0) or stderr
	}{
		{"fixture hardmax K=3", readFixture(t, "eval_k3.json"), exitOK,
			[]string{`"kind":"certified"`, `"risk_err":`, `"misclassification_err":`, `"bayes_error_err":`}},
		{"fixture distance K=3 unequal weights", readFixture(t, "eval_k3_distance.json"), exitOK,
			[]string{`"kind":"estimated"`, `"risk_err":`, `"bayes_error_se":`, `"level":0.99`}},
		{"hardmax K=4", `{"layer":"prototype","variant":"hardmax","d":3,"sigma":1,"weights":[0.25,0.25,0.25,0.25],"centroids":[[3,0,0],[0,3,0],[0,0,3],[-2,-2,-2]],"heads":[[3,0,0],[0,3,0],[0,0,3],[-2,-2,-2]]}`, exitOK,
			[]string{`"kind":"statistical"`, `"risk_se":`, `"grad_se":`, `"t_quantile":`}},
		{"K=1", `{"layer":"prototype","variant":"hardmax","d":1,"sigma":1,"weights":[1],"centroids":[[0]],"heads":[[0]]}`, exitUsage,
			[]string{`field "weights": must have 2 to 8 entries`}},
		{"K=9", `{"layer":"prototype","variant":"hardmax","d":1,"sigma":1,"weights":[0.125,0.125,0.125,0.125,0.125,0.125,0.125,0.0625,0.0625],"centroids":[[0],[1],[2],[3],[4],[5],[6],[7],[8]],"heads":[[0],[1],[2],[3],[4],[5],[6],[7],[8]]}`, exitUsage,
			[]string{`field "weights": must have 2 to 8 entries`}},
		{"3 weights, 2 centroids", `{"layer":"prototype","variant":"hardmax","d":1,"sigma":1,"weights":[0.2,0.3,0.5],"centroids":[[0],[1]],"heads":[[0],[1],[2]]}`, exitUsage,
			[]string{`field "centroids": must have exactly 3 vectors`}},
		{"3 weights, 2 heads", `{"layer":"prototype","variant":"hardmax","d":1,"sigma":1,"weights":[0.2,0.3,0.5],"centroids":[[0],[1],[2]],"heads":[[0],[1]]}`, exitUsage,
			[]string{`field "heads": must have exactly 3 vectors`}},
		{"identity K=3", `{"layer":"identity","d":1,"sigma":1,"weights":[0.2,0.3,0.5],"centroids":[[0],[1],[2]],"lambda":1,"L":0}`, exitUsage,
			[]string{`field "weights": must have exactly 2 entries for layer "identity"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runEval(defaultBackend(), tc.in)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stdout %q, stderr %q)", code, tc.code, stdout, stderr)
			}
			got := stdout
			if tc.code != exitOK {
				got = stderr
				assertOneLine(t, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output %q lacks %q", got, w)
				}
			}
		})
	}
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
