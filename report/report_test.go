package report

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/sweep"
	"attnclust/theory"
)

// ---- a synthetic suite: fake claims with every role and kind, fake
// numerics, thresholds with a non-monotone slice

// fake is a claim whose hypotheses are Delta >= 6, d >= 2 and no angle
// geometry. Its checks: "<id>.radius" (claim, certified) FAILS below
// Delta = 5; "<id>.minimizer" (claim, estimated, units Hessian eigenvalue)
// FAILS on the angle geometry; "<id>.per-head" (refuted reading) always
// FAILS; "<id>.mc" (claim, statistical at level 0.999) HOLDS. C0 has one
// sanity check that HOLDS.
type fake struct{ id string }

func (f fake) ID() string    { return f.id }
func (f fake) Title() string { return "Fake claim " + f.id }
func (f fake) Statement() string {
	return "# Setting\n\nFake statement of " + f.id + ".\n\n## Checks\n\nSome checks."
}
func (f fake) Ranges() claims.Ranges { return claims.FullRanges() }
func (f fake) Hypotheses() []claims.Hypothesis {
	if f.id == "C0" {
		return nil
	}
	return []claims.Hypothesis{
		{Text: "Delta >= 6", Provenance: claims.FromPaper, Ref: "docs/MODEL.md §7.2"},
		{Text: "no angle geometry", Provenance: claims.Derived, Ref: "docs/MODEL.md §8.2"},
	}
}
func (f fake) InHypotheses(r claims.Regime) bool {
	return f.id == "C0" || (r.D >= 2 && r.Separation >= 6 && r.Geometry != claims.Angle)
}
func (f fake) InHypothesesGenerator() *rapid.Generator[claims.Regime] {
	rg := claims.FullRanges()
	rg.SepMin = 6
	rg.Geometries = []claims.Geometry{claims.Orthogonal, claims.Antipodal}
	return rg.Generator()
}
func (f fake) Check(env claims.Env, r claims.Regime) []claims.Result {
	mix, err := r.Mixture()
	if err != nil {
		return nil
	}
	l, _ := r.Layer()
	spec := claims.PrototypeSpec(mix, l, mix.Centroids)
	if f.id == "C0" {
		return []claims.Result{{Claim: f.id, Check: "C0.budget", Regime: r, Verdict: claims.Holds, Margin: 1e-12, Err: 1e-15,
			Units: "risk", Role: claims.RoleSanity, Kind: claims.KindCertified}}
	}
	eig := 0.5
	if r.Geometry == claims.Angle {
		eig = -0.118
	}
	return []claims.Result{
		{Claim: f.id, Check: f.id + ".radius", Regime: r, Verdict: claims.Decide(r.Separation-5, 1e-9), Margin: r.Separation - 5, Err: 1e-9,
			Units: "sigma", Spec: spec, Role: claims.RoleClaim, Kind: claims.KindCertified,
			Values: []claims.Quantity{{Name: "distance", Value: 5.5 - r.Separation/2, Err: 1e-10}}},
		{Claim: f.id, Check: f.id + ".minimizer", Regime: r, Verdict: claims.Decide(eig, 2e-6), Margin: eig, Err: 2e-6,
			Units: "Hessian eigenvalue", Spec: spec, Role: claims.RoleClaim, Kind: claims.KindEstimated},
		{Claim: f.id, Check: f.id + ".per-head", Regime: r, Verdict: claims.Fails, Margin: -1, Err: 1e-10,
			Units: "cosine", Spec: spec, Role: claims.RoleRefuted, Kind: claims.KindCertified},
		{Claim: f.id, Check: f.id + ".mc", Regime: r, Verdict: claims.Holds, Margin: 3, Err: 1,
			Units: "standard errors", Role: claims.RoleClaim, Kind: claims.KindStatistical, Level: 0.999},
	}
}

func fakeSuite() sweep.Suite {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return sweep.Suite{
		Claims: []claims.Claim{fake{"C0"}, fake{"C1"}, fake{"C2"}, fake{"C3"}, fake{"C4"}},
		Curves: func(env claims.Env, r claims.Regime, runs int) ([]claims.Curve, error) {
			var out []claims.Curve
			for s, name := range []string{"small-scale", "data-tokens", "equal-heads"} {
				c := claims.Curve{Scheme: name}
				for i := 0; i <= 40; i++ {
					c.Iter = append(c.Iter, 5*i)
					c.Cos1 = append(c.Cos1, 1-math.Exp(-float64(i)/float64(s+2)))
					c.Cos2 = append(c.Cos2, 1-2*math.Exp(-float64(i)/float64(s+3)))
					c.Risk = append(c.Risk, math.Exp(-float64(i)))
				}
				out = append(out, c)
			}
			return out, nil
		},
		// non-monotone in lambda above Delta = 8
		MinDist: func(env claims.Env, r claims.Regime) (float64, float64, error) {
			d := math.Exp(-r.Separation*r.Separation/8) / (1 + r.LambdaSigma2)
			if r.Separation > 8 {
				d *= 1 + r.LambdaSigma2
				d *= 1 + 0.1*r.LambdaSigma2
			}
			return d, d * 1e-9, nil
		},
		QuantInf: func(theory.Mixture, float64) (numerics.Estimate, error) {
			return numerics.Estimate{Value: 0.0283, Err: 1e-15}, nil
		},
		QuantMC: func(_ theory.Mixture, _ float64, L, _ int, _ uint64) (numerics.Estimate, error) {
			return numerics.Estimate{Value: 0.0283 + 0.5/float64(L), Err: 0.001}, nil
		},
		Slices: func(c claims.Claim, quick bool) []claims.Regime {
			if c.ID() == "C0" {
				return nil
			}
			var out []claims.Regime
			for _, v := range []string{"distance", "dot"} {
				for _, ls := range []float64{0.3, 1, 3} {
					out = append(out, claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Variant: v, LambdaSigma2: ls, Seed: 1})
				}
			}
			return append(out, claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Variant: "hardmax", Seed: 1})
		},
		Thresholds: func(env claims.Env, c claims.Claim, slices []claims.Regime, workers int, progress func(done, total int)) []claims.Threshold {
			var out []claims.Threshold
			for i, s := range slices {
				t := claims.Threshold{Claim: c.ID(), Slice: s, Status: "bracketed", Lo: 4 + 1/(1+s.LambdaSigma2), Hi: 4.05 + 1/(1+s.LambdaSigma2)}
				if i == 1 {
					t.NonMonotone = []float64{7.5}
				}
				if i == 2 {
					t = claims.Threshold{Claim: c.ID(), Slice: s, Status: "holds-throughout", Lo: 1, Hi: 1}
				}
				out = append(out, t)
			}
			return out
		},
		Summarize: func(c claims.Claim, rs []claims.Result) claims.Summary {
			regimes := map[string]bool{}
			failing := map[string]bool{}
			for _, r := range rs {
				if r.Role != claims.RoleClaim {
					continue
				}
				regimes[r.Regime.Name] = true
				if r.Verdict == claims.Fails {
					failing[r.Regime.Name] = true
				}
			}
			return claims.Summary{Claim: c.ID(), RandomInHypotheses: len(regimes), RegimesFailing: len(failing),
				FailureRateUpper: claims.FailureRateUpper(len(failing), len(regimes), 0.95)}
		},
		Now: func() time.Time { return t0 },
	}
}

var catalog = []claims.Regime{
	{Name: "near", D: 3, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 3, Variant: "distance", LambdaSigma2: 1, Seed: 1},
	{Name: "small-angle", D: 3, Sigma: 1, Pi1: 0.5, Geometry: claims.Angle, Angle: 0.5, Separation: 5, Variant: "dot", LambdaSigma2: 1, Seed: 1},
}

func outcome(t *testing.T, workers int) *sweep.Outcome {
	t.Helper()
	cfg := sweep.Config{Seed: 3, InHyp: 12, Outside: 10, Workers: workers, Figures: true, Catalog: catalog, Quick: true}
	o := sweep.Execute(cfg, fakeSuite(), io.Discard)
	addFiguresC567(o)
	return o
}

var meta = Meta{SuiteVersion: "9.9.9", GoVersion: "go1.x", Command: "go run ./cmd/verify run -seed 3", CatalogPath: "fixtures/regimes.json"}

func render(t *testing.T, workers int) *Doc {
	t.Helper()
	d, err := Render(outcome(t, workers), meta)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// ---- tests

func TestRenderDeterministic(t *testing.T) {
	a, b := render(t, 1), render(t, 3)
	if !bytes.Equal(a.Markdown, b.Markdown) || !bytes.Equal(a.JSON, b.JSON) {
		t.Error("REPORT.md or report.json depends on the number of workers")
	}
	for i := range a.Figures {
		if !bytes.Equal(a.Figures[i].SVG, b.Figures[i].SVG) {
			t.Errorf("figure %s depends on the number of workers", a.Figures[i].File)
		}
	}
}

func TestMarkdownStructure(t *testing.T) {
	d := render(t, 2)
	md := string(d.Markdown)
	if p := Lint(d.Markdown); len(p) > 0 {
		t.Errorf("lint problems:\n%s", strings.Join(p, "\n"))
	}
	if n := MainBodyLines(d.Markdown); n > 300 || n < 40 {
		t.Errorf("main body has %d lines, want at most 300", n)
	}
	// sections in order
	last := -1
	for _, h := range []string{"# Verification report", "## Verdicts", "### Maps of where the statements stop holding", "### Refuted readings", "### Sanity of the numerics (C0)",
		"## Findings", "## Thresholds", "## Figures", "## Appendix A. Statements", "## Appendix B.", "## Appendix C.",
		"## Appendix D.", "## Appendix E.", "## Appendix F.", "## Appendix G.", "## Appendix H. report.json schema"} {
		i := strings.Index(md, "\n"+h)
		if h[0] == '#' && strings.HasPrefix(md, h) {
			i = 0
		}
		if i <= last {
			t.Errorf("section %q missing or out of order", h)
		}
		last = i
	}
	// the statement's headings nest under the appendix's claim heading
	if !strings.Contains(md, "\n#### Setting\n") || !strings.Contains(md, "\n##### Checks\n") {
		t.Error("statement headings not nested")
	}
	for _, s := range []string{"THEORY", "hardmax variant, hardmax", "timings"} {
		if strings.Contains(md, s) {
			t.Errorf("REPORT.md contains %q", s)
		}
	}
}

func TestVerdictTable(t *testing.T) {
	o := outcome(t, 2)
	d, _ := Render(o, meta)
	md := string(d.Markdown)
	cr := o.Run("C1")
	row := regexp.MustCompile(`(?m)^\| C1 \| Fake claim C1 \| (.*)$`).FindStringSubmatch(md)
	if row == nil {
		t.Fatal("no verdict row for C1")
	}
	cells := strings.Split(row[1], " | ")
	want := []string{
		"Delta >= 6 (paper); no angle geometry (derived)",
		"12", "0", pct(claims.FailureRateUpper(0, 12, 0.95)),
	}
	if diff := cmp.Diff(want, cells[:4]); diff != "" {
		t.Errorf("C1 verdict row (-want +got):\n%s", diff)
	}
	if cr.Summary.RandomInHypotheses != 12 {
		t.Errorf("summary %+v", cr.Summary)
	}
	// the worst margin is the smallest claim-role margin in the
	// in-hypothesis sample: radius at the smallest Delta
	min := math.Inf(1)
	for i, r := range cr.Results {
		if cr.Sources[i] == sweep.FromInHyp && r.Role == claims.RoleClaim {
			min = math.Min(min, r.Margin)
		}
	}
	if !strings.HasPrefix(cells[4], num(min)+" ") {
		t.Errorf("worst margin cell %q, want it to start with %s", cells[4], num(min))
	}
	if !strings.Contains(cells[5], "statistical (level 0.999)") || !strings.Contains(cells[5], "certified") || !strings.Contains(cells[5], "estimated") {
		t.Errorf("evidence cell %q", cells[5])
	}
	// roles are counted apart; refuted readings never as claim FAILS
	if !strings.Contains(md, "| C1 | C1.per-head | 24 | 24 | 0 | 0 |") || !regexp.MustCompile(`\| C1 \| 27 \| 16 \| 10 \| 1 \|`).MatchString(md) {
		t.Error("role tables lack the refuted-reading or map rows")
	}
	if strings.Contains(md, "### Results without a role") {
		t.Error("a results-without-role table where every result has a role")
	}
}

func TestFindingsComputed(t *testing.T) {
	o := outcome(t, 2)
	v := newView(o, meta)
	topics := map[string]int{}
	for i, f := range v.findings {
		topics[f.Topic]++
		if f.Number != i+1 {
			t.Errorf("finding %d numbered %d", i+1, f.Number)
		}
		if f.Uncertainty == "" || f.Command == "" {
			t.Errorf("finding %d lacks uncertainty or command: %+v", f.Number, f)
		}
	}
	for _, topic := range []string{topicThreshold, topicNonMono, topicBoundary, topicSaddle, topicRefuted, topicDistance, topicQuant} {
		if topics[topic] == 0 {
			t.Errorf("no %q finding (got %v)", topic, topics)
		}
	}
	if topics[topicRefutation] != 0 {
		t.Errorf("in-hypothesis failure reported where there is none: %v", topics)
	}
	if topics[topicBoundary] > maxBoundaryFindings {
		t.Errorf("%d boundary findings", topics[topicBoundary])
	}
	// the threshold finding quotes the bracket computed from the data
	for _, f := range v.findings {
		if f.Topic == topicThreshold && f.Claim == "C1" && strings.Contains(f.Text, "(distance variant)") {
			// slices 0.3, 1, 3: bracketed at 0.3 and 1 (3 holds throughout)
			lo, hi := 4+1/(1+1.0), 4.05+1/(1+0.3)
			if !strings.Contains(f.Text, "between "+num(lo)+" and "+num(hi)) {
				t.Errorf("threshold finding %q, want between %s and %s", f.Text, num(lo), num(hi))
			}
		}
	}
	// a FAILS inside the hypotheses of a claim check is a finding
	o.Runs[1].Results[0].Verdict = claims.Fails
	o.Runs[1].Results[0].Role = claims.RoleClaim
	o.Runs[1].Results[0].InHypotheses = true
	if o.Runs[1].Sources[0] != sweep.FromInHyp {
		t.Fatal("first result is not from the in-hypothesis sample")
	}
	if f := computeFindings(newView(o, meta)); f[0].Topic != topicRefutation {
		t.Errorf("first finding %q, want an in-hypothesis failure", f[0].Topic)
	}
}

func TestJSON(t *testing.T) {
	d := render(t, 2)
	var j struct {
		SchemaVersion int `json:"schema_version"`
		Claims        []struct {
			ID                 string              `json:"id"`
			Hypotheses         []claims.Hypothesis `json:"hypotheses"`
			RandomInHypotheses int                 `json:"random_in_hypotheses"`
			FailureRateUpper   float64             `json:"failure_rate_upper"`
			Thresholds         []claims.Threshold  `json:"thresholds"`
			ByRole             []map[string]any    `json:"by_role"`
			Checks             []map[string]any    `json:"checks"`
			Worst              *claims.Result      `json:"worst_in_hypotheses"`
		} `json:"claims"`
		Findings []finding `json:"findings"`
		Results  []struct {
			claims.Result
			Source string `json:"source"`
		} `json:"results"`
		Counterexamples []struct {
			Kind     string         `json:"kind"`
			Boundary *claims.Regime `json:"boundary"`
		} `json:"counterexamples"`
		Maps    []map[string]any `json:"maps"`
		Figures []figureJSON     `json:"figures"`
	}
	if err := json.Unmarshal(d.JSON, &j); err != nil {
		t.Fatal(err)
	}
	if j.SchemaVersion != SchemaVersion || len(j.Claims) != 5 || len(j.Findings) == 0 || len(j.Maps) != 3 {
		t.Fatalf("schema %d, %d claims, %d findings, %d maps", j.SchemaVersion, len(j.Claims), len(j.Findings), len(j.Maps))
	}
	c1 := j.Claims[1]
	if c1.ID != "C1" || len(c1.Hypotheses) != 2 || c1.RandomInHypotheses != 12 || c1.FailureRateUpper != claims.FailureRateUpper(0, 12, 0.95) ||
		len(c1.Thresholds) != 7 || c1.Worst == nil || len(c1.ByRole) == 0 {
		t.Errorf("claims[1] = %+v", c1)
	}
	sources := map[string]int{}
	for _, r := range j.Results {
		sources[r.Source]++
		if r.Role == "" || r.Kind == "" {
			t.Errorf("result without role or kind: %+v", r.Result)
		}
	}
	if sources["in-hypotheses"] == 0 || sources["outside-sample"] == 0 || sources["named"] == 0 {
		t.Errorf("sources %v", sources)
	}
	kinds := map[string]bool{}
	for _, c := range j.Counterexamples {
		kinds[c.Kind] = true
		if c.Kind == string(sweep.TowardBoundary) && c.Boundary == nil {
			t.Error("boundary counterexample without its boundary")
		}
	}
	if !kinds[string(sweep.TowardBoundary)] {
		t.Errorf("counterexample kinds %v", kinds)
	}
	if !bytes.HasSuffix(d.JSON, []byte("}\n")) || bytes.Contains(d.JSON, []byte(`\u003c`)) {
		t.Error("report.json ends without a newline or escapes HTML")
	}
}

func TestFigures(t *testing.T) {
	d := render(t, 2)
	drawn := 0
	for _, f := range d.Figures {
		if f.SVG == nil {
			t.Errorf("%s not drawn: %s", f.File, f.Note)
			continue
		}
		drawn++
		texts := svgTexts(t, f.SVG)
		all := strings.Join(texts, "|")
		if !strings.Contains(all, f.Title) && !strings.Contains(all, strings.TrimSuffix(f.Title, ".")) {
			t.Errorf("%s: title %q not drawn (texts %q)", f.File, f.Title, all)
		}
		if !bytes.Contains(f.SVG, []byte(fontFallbacks)) {
			t.Errorf("%s: no font fallbacks", f.File)
		}
	}
	if drawn < 6 {
		t.Errorf("%d figures drawn, want at least 6", drawn)
	}
}

func TestFiguresWithoutData(t *testing.T) {
	o := outcome(t, 1)
	o.Figures = sweep.Figures{}
	o.Config.Figures = false
	for _, cr := range o.Runs {
		cr.Thresholds = nil
	}
	d, err := Render(o, meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Figures {
		if f.SVG != nil || f.Note == "" {
			t.Errorf("%s: drawn %v, note %q", f.File, f.SVG != nil, f.Note)
		}
	}
	if !strings.Contains(string(d.Markdown), "*not drawn (figures turned off)") {
		t.Error("REPORT.md does not say why the figures are missing")
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	d := render(t, 2)
	changed, err := Write(dir, d)
	if err != nil || len(changed) != 2+len(d.Figures) {
		t.Fatalf("first write: %v, %d changed", err, len(changed))
	}
	old := time.Now().Add(-time.Hour)
	p := filepath.Join(dir, "REPORT.md")
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	changed, err = Write(dir, d)
	if err != nil || len(changed) != 0 {
		t.Errorf("second write of the same content: %v, changed %v", err, changed)
	}
	if st, _ := os.Stat(p); !st.ModTime().Equal(old) {
		t.Error("an unchanged REPORT.md was rewritten")
	}
	d.Figures[0].SVG = nil
	stale := filepath.Join(dir, "figures", "hold_map.svg")
	if err := os.WriteFile(stale, []byte("<svg/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, _ = Write(dir, d)
	if _, err := os.Stat(filepath.Join(dir, "figures", d.Figures[0].File)); err == nil || len(changed) != 2 {
		t.Errorf("a figure not drawn was not removed (changed %v)", changed)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a stale figure of an earlier version was not removed")
	}
}

func TestLint(t *testing.T) {
	md := "# T\n\n## A\n\n#### jump\n\nSee THEORY 2.3 and Env.Quick, RiskErr, `C1.x`; `go run ./cmd/verify` is fine.\n\n```\nEnv.Quick THEORY\n```\n\n## Appendix H. report.json schema\n\nrandom_in_hypotheses `field`\n"
	got := Lint([]byte(md))
	want := []string{
		"line 5: heading level 4 after level 2",
		"line 7: cites THEORY (cite docs/MODEL.md)",
		"line 7: code span `C1.x` in prose",
		"line 7: code identifier Env.Quick in prose",
		"line 7: code identifier RiskErr in prose",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Lint (-want +got):\n%s", diff)
	}
	if n := MainBodyLines([]byte("a\nb\n## Appendix A\nc\n")); n != 2 {
		t.Errorf("MainBodyLines = %d", n)
	}
}

func TestLogTicks(t *testing.T) {
	for _, c := range []struct{ lo, hi float64 }{{1e-9, 1}, {1e-7, 10}, {1, 1e4}, {0.1, 10}} {
		ts := logTicks{}.Ticks(c.lo, c.hi)
		labels := map[float64]bool{}
		for _, tk := range ts {
			if tk.Label != "" {
				labels[tk.Value] = true
			}
		}
		for e := math.Ceil(math.Log10(c.lo)); e <= math.Floor(math.Log10(c.hi)); e++ {
			v := math.Pow(10, e)
			found := false
			for x := range labels {
				found = found || math.Abs(x/v-1) < 1e-9
			}
			if !found {
				t.Errorf("[%g, %g]: no label at %g", c.lo, c.hi, v)
			}
		}
	}
	// less than two decades: 2 and 5 labelled too
	n := 0
	for _, tk := range (logTicks{}).Ticks(0.3, 3) {
		if tk.Label != "" {
			n++
		}
	}
	if n < 5 {
		t.Errorf("[0.3, 3]: %d labels", n)
	}
	if got := len(logTicks{}.Ticks(-1, 1)); got != 0 {
		t.Errorf("non-positive range: %d ticks", got)
	}
}

func TestLinearTicksAndNiceStep(t *testing.T) {
	for _, span := range []float64{0.198, 1, 2.1, 7, 10, 55, 0.003} {
		st := niceStep(span)
		if n := span / st; n < 5 || n > 25 {
			t.Errorf("niceStep(%g) = %g: %g labels", span, st, n)
		}
	}
	ts := linearTicks{step: 0.5}.Ticks(-1.05, 1.05)
	var labels []string
	for _, tk := range ts {
		labels = append(labels, tk.Label)
	}
	if diff := cmp.Diff([]string{"-1", "-0.5", "0", "0.5", "1"}, labels); diff != "" {
		t.Errorf("linear ticks (-want +got):\n%s", diff)
	}
}

func TestEdges(t *testing.T) {
	if diff := cmp.Diff([]float64{1.25, 1.75, 2.5, 3.5}, edges([]float64{1.5, 2, 3}, false)); diff != "" {
		t.Errorf("linear edges (-want +got):\n%s", diff)
	}
	e := edges([]float64{0.1, 1, 10}, true)
	for i, want := range []float64{math.Sqrt(0.1) / 10 * math.Sqrt(10) / math.Sqrt(10), math.Sqrt(0.1), math.Sqrt(10), math.Sqrt(1000)} {
		if i == 0 {
			want = 0.1 / math.Sqrt(10)
		}
		if math.Abs(e[i]/want-1) > 1e-12 {
			t.Errorf("log edge %d = %g, want %g", i, e[i], want)
		}
	}
}

func TestRegimeText(t *testing.T) {
	r := claims.Regime{D: 2, Sigma: 1, Pi1: 0.5, Geometry: claims.Orthogonal, Separation: 4, Variant: "hardmax", Seed: 1}
	if got, want := regimeText(r), "d = 2, Delta = 4, sigma = 1, pi1 = 0.5, orthogonal centroids, hardmax variant, seed 1"; got != want {
		t.Errorf("regimeText = %q, want %q", got, want)
	}
	r.Variant, r.LambdaSigma2 = "dot", 0.3
	if got := regimeText(r); !strings.Contains(got, "dot variant, lambda sigma^2 = 0.3") {
		t.Errorf("regimeText = %q", got)
	}
	k := claims.Regime{K: 5, D: 4, Sigma: 1, Pi1: 0.2, Geometry: claims.ClosePair, NormRatio: 0.15, Separation: 8, Variant: "hardmax", Seed: 3}
	if got, want := regimeText(k), "K = 5 components, d = 4, Delta = 8, sigma = 1, pi1 = 0.2, simplex centroids with one pair at 0.15 of the separation, hardmax variant, seed 3"; got != want {
		t.Errorf("regimeText(K = 5) = %q, want %q", got, want)
	}
}

func TestDeltaFindings(t *testing.T) {
	pt := func(delta, d float64) sweep.DistancePoint {
		return sweep.DistancePoint{Delta: delta, Dist: d, Err: 1e-6, OK: true}
	}
	s := sweep.DistanceSeries{LamS2: 0.3, Points: []sweep.DistancePoint{pt(7, 1e-2), pt(7.5, 7e-4), pt(8, 2e-3), pt(8.5, 1.9e-3),
		{Delta: 9, Dist: 5e-3, Err: 1, OK: true}}}
	fs := deltaFindings([]sweep.DistanceSeries{s})
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	// one resolved increase (7.5 -> 8); 8.5 -> 9 is within its error bound
	for _, want := range []string{"grows at 1 step(s)", "from 0.0007 sigma at Delta = 7.5 to 0.002 sigma at Delta = 8"} {
		if !strings.Contains(fs[0].Text, want) {
			t.Errorf("finding %q lacks %q", fs[0].Text, want)
		}
	}
	s.Points = s.Points[:2]
	if fs := deltaFindings([]sweep.DistanceSeries{s}); len(fs) != 0 {
		t.Errorf("monotone series: %v", fs)
	}
}

// TestRealStatementsLint renders the real claims' statements and
// hypotheses (no run) and requires REPORT.md to be free of style problems
// (THEORY citations, code identifiers in prose).
func TestRealStatementsLint(t *testing.T) {
	o := &sweep.Outcome{Config: sweep.Config{Seed: 1}}
	for _, c := range claims.All() {
		o.Runs = append(o.Runs, sweep.ClaimRun{Claim: c})
	}
	d, err := Render(o, meta)
	if err != nil {
		t.Fatal(err)
	}
	if p := Lint(d.Markdown); len(p) > 0 {
		t.Errorf("%d style problems, e.g.:\n%s", len(p), strings.Join(p[:min(len(p), 20)], "\n"))
	}
}

func TestSameCellsNoted(t *testing.T) {
	o := outcome(t, 1)
	d, _ := Render(o, meta)
	// the fake claims are identical, so every map repeats C1's
	for _, f := range d.Figures {
		if strings.HasPrefix(f.File, "hold_map_") && f.File != "hold_map_c1.svg" && !strings.Contains(f.Note, "same status as in C1's map") {
			t.Errorf("%s: note %q", f.File, f.Note)
		}
	}
	o.Figures.Maps[1].Panels[0].Cells[0][0] = sweep.CellInconclusive
	if sameCells(o.Figures.Maps[0], o.Figures.Maps[1]) {
		t.Error("different maps reported the same")
	}
}

// TestFiguresFitOnCanvas renders every figure to PNG with rsvg-convert
// (skipped when it is not installed), with whatever serif font the
// machine has (on the development machine: DejaVu Serif, no Liberation),
// and requires a blank margin of 2 pixels on every edge: a label clipped
// by the canvas would leave ink there.
func TestFiguresFitOnCanvas(t *testing.T) {
	bin, err := exec.LookPath("rsvg-convert")
	if err != nil {
		t.Skip("rsvg-convert not installed")
	}
	dir := t.TempDir()
	for _, f := range render(t, 2).Figures {
		if f.SVG == nil {
			continue
		}
		in := filepath.Join(dir, f.File)
		if err := os.WriteFile(in, f.SVG, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, in).Output()
		if err != nil {
			t.Fatalf("%s: rsvg-convert: %v", f.File, err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%s: %v", f.File, err)
		}
		b := img.Bounds()
		ink := func(x, y int) bool {
			r, g, bl, a := img.At(x, y).RGBA()
			// transparent or near-white background is blank
			return a > 0x8000 && (r < 0xd000 || g < 0xd000 || bl < 0xd000)
		}
		for x := b.Min.X; x < b.Max.X; x++ {
			for _, y := range []int{b.Min.Y, b.Min.Y + 1, b.Max.Y - 2, b.Max.Y - 1} {
				if ink(x, y) {
					t.Errorf("%s: ink at the top or bottom edge (%d, %d)", f.File, x, y)
					break
				}
			}
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for _, x := range []int{b.Min.X, b.Min.X + 1, b.Max.X - 2, b.Max.X - 1} {
				if ink(x, y) {
					t.Errorf("%s: ink at the left or right edge (%d, %d)", f.File, x, y)
					break
				}
			}
		}
	}
}

// TestRefutedNotRefuted: a refuted-reading check without any FAILS in the
// run is reported as not refuted, never as "FAILS, as expected, on 0".
func TestRefutedNotRefuted(t *testing.T) {
	o := outcome(t, 2)
	for k := range o.Runs {
		if o.Runs[k].Claim.ID() != "C3" {
			continue
		}
		for i := range o.Runs[k].Results {
			if r := &o.Runs[k].Results[i]; r.Role == claims.RoleRefuted {
				r.Verdict = claims.Inconclusive
			}
		}
	}
	v := newView(o, meta)
	seen := false
	for _, f := range v.findings {
		if f.Topic != topicRefuted || f.Claim != "C3" {
			continue
		}
		seen = true
		if strings.Contains(f.Text, "as expected") || !strings.Contains(f.Text, "is not refuted in this run") {
			t.Errorf("C3's refuted-reading finding: %q", f.Text)
		}
	}
	if !seen {
		t.Error("no refuted-reading finding for C3")
	}
}
