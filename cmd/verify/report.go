package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"attnclust/claims"
)

// reportSchemaVersion is the version of report.json's layout; it changes
// only when a field is removed or changes meaning.
const reportSchemaVersion = 1

// reportJSON is the content of report.json (schema version 1):
//
//	schema_version     1
//	suite_version      the suite's version (suiteVersion)
//	go_version         runtime.Version() of the binary that ran
//	command            the command line that reproduces the report
//	seed               the -seed of the random regimes
//	regimes_per_claim  random regimes per claim (-regimes)
//	quick              whether -quick was given
//	catalog            the -catalog path ("" for none)
//	catalog_regimes    the named regimes, as claims.Regime objects
//	claims             one object per claim run, in ID order: id, title,
//	                   statement (Markdown), ranges (the random-regime
//	                   ranges), random_regimes and random_in_hypotheses
//	                   (how many random regimes satisfy the hypotheses),
//	                   totals and checks (see checkJSON)
//	results            every claims.Result: per claim, the random regimes
//	                   then the named ones, in job order
//	counterexamples    the shrunk FAILS (see counterexampleJSON)
//	map_results        the results behind the hold-map figure (regimes
//	                   named "map-...")
//	figures            file, title, caption, drawn and note of each figure
//
// A claims.Result has claim, check, regime, verdict ("HOLDS", "FAILS" or
// "INCONCLUSIVE"), margin, err, units, in_hypotheses, values (name, value,
// err), note and spec (an eval spec reproducing the decisive evaluation:
// feed it to `verify eval`). Numbers are finite JSON numbers.
type reportJSON struct {
	SchemaVersion   int                  `json:"schema_version"`
	SuiteVersion    string               `json:"suite_version"`
	GoVersion       string               `json:"go_version"`
	Command         string               `json:"command"`
	Seed            uint64               `json:"seed"`
	RegimesPerClaim int                  `json:"regimes_per_claim"`
	Quick           bool                 `json:"quick"`
	Catalog         string               `json:"catalog"`
	CatalogRegimes  []claims.Regime      `json:"catalog_regimes"`
	Claims          []claimJSON          `json:"claims"`
	Results         []claims.Result      `json:"results"`
	Counterexamples []counterexampleJSON `json:"counterexamples"`
	MapResults      []claims.Result      `json:"map_results"`
	Figures         []figureJSON         `json:"figures"`
}

// claimJSON summarizes one claim's results.
type claimJSON struct {
	ID                 string      `json:"id"`
	Title              string      `json:"title"`
	Statement          string      `json:"statement"`
	Ranges             rangesJSON  `json:"ranges"`
	RandomRegimes      int         `json:"random_regimes"`
	RandomInHypotheses int         `json:"random_in_hypotheses"`
	Totals             splitCounts `json:"totals"`
	Checks             []checkJSON `json:"checks"`
}

// rangesJSON is claims.Ranges with JSON names.
type rangesJSON struct {
	DMin         int               `json:"d_min"`
	DMax         int               `json:"d_max"`
	SepMin       float64           `json:"separation_min"`
	SepMax       float64           `json:"separation_max"`
	LamS2Min     float64           `json:"lambda_sigma2_min"`
	LamS2Max     float64           `json:"lambda_sigma2_max"`
	Pi1Min       float64           `json:"pi1_min"`
	Pi1Max       float64           `json:"pi1_max"`
	SigmaMin     float64           `json:"sigma_min"`
	SigmaMax     float64           `json:"sigma_max"`
	Geometries   []claims.Geometry `json:"geometries"`
	Variants     []string          `json:"variants"`
	AngleMin     float64           `json:"angle_min"`
	AngleMax     float64           `json:"angle_max"`
	NormRatioMin float64           `json:"norm_ratio_min"`
	NormRatioMax float64           `json:"norm_ratio_max"`
}

func toRangesJSON(r claims.Ranges) rangesJSON {
	return rangesJSON{r.DMin, r.DMax, r.SepMin, r.SepMax, r.LamS2Min, r.LamS2Max, r.Pi1Min, r.Pi1Max,
		r.SigmaMin, r.SigmaMax, r.Geometries, r.Variants, r.AngleMin, r.AngleMax, r.NormRatioMin, r.NormRatioMax}
}

// verdictCounts counts results by verdict.
type verdictCounts struct {
	Holds        int `json:"HOLDS"`
	Fails        int `json:"FAILS"`
	Inconclusive int `json:"INCONCLUSIVE"`
}

func (c *verdictCounts) add(v claims.Verdict) {
	switch v {
	case claims.Holds:
		c.Holds++
	case claims.Fails:
		c.Fails++
	default:
		c.Inconclusive++
	}
}

// splitCounts counts results inside and outside the claim's hypotheses
// (claims.Result.InHypotheses).
type splitCounts struct {
	InHypotheses verdictCounts `json:"in_hypotheses"`
	Outside      verdictCounts `json:"outside"`
}

func (s *splitCounts) add(r claims.Result) {
	if r.InHypotheses {
		s.InHypotheses.add(r.Verdict)
	} else {
		s.Outside.add(r.Verdict)
	}
}

// checkJSON summarizes one check over all the regimes it ran on.
type checkJSON struct {
	Check string `json:"check"`
	Units string `json:"units"`
	splitCounts
	// MinHolds is the smallest margin among the HOLDS, WorstFails the most
	// negative margin among the FAILS (absent when there is none).
	MinHolds   *marginAt `json:"min_holds_margin,omitempty"`
	WorstFails *marginAt `json:"worst_fails_margin,omitempty"`
	// MaxErr and MedianErr are the largest and the median certified error
	// bound over the Bounded results that carry one (every result except
	// the INCONCLUSIVE ones with a zero bound: failed numerics).
	MaxErr    float64 `json:"max_err"`
	MedianErr float64 `json:"median_err"`
	Bounded   int     `json:"bounded"`
}

// marginAt is a margin, its error bound and the regime it occurred on.
type marginAt struct {
	Margin float64 `json:"margin"`
	Err    float64 `json:"err"`
	Regime string  `json:"regime"`
}

// counterexampleJSON is one shrunk FAILS: the original result on a random
// regime, the FAILS of the same check on the shrunk regime, the
// simplifications kept, the claim evaluations spent, and how many other
// counterexamples of the check shrank to the same regime.
type counterexampleJSON struct {
	Check      string        `json:"check"`
	Original   claims.Result `json:"original"`
	Shrunk     claims.Result `json:"shrunk"`
	Steps      []string      `json:"steps"`
	Evals      int           `json:"evals"`
	SameShrunk int           `json:"same_shrunk"`
}

// figureJSON describes one figure.
type figureJSON struct {
	File    string `json:"file"`
	Title   string `json:"title"`
	Caption string `json:"caption"`
	Drawn   bool   `json:"drawn"`
	Note    string `json:"note,omitempty"`
}

// checkStats summarizes each check of cr, in order of first appearance.
func checkStats(cr claimRun) []checkJSON {
	var out []checkJSON
	for _, check := range checkOrder(cr.results) {
		st := checkJSON{Check: check}
		var errs []float64
		for _, r := range cr.results {
			if r.Check != check {
				continue
			}
			if st.Units == "" {
				st.Units = r.Units
			}
			st.add(r)
			at := &marginAt{Margin: r.Margin, Err: r.Err, Regime: r.Regime.Name}
			switch r.Verdict {
			case claims.Holds:
				if st.MinHolds == nil || r.Margin < st.MinHolds.Margin {
					st.MinHolds = at
				}
			case claims.Fails:
				if st.WorstFails == nil || r.Margin < st.WorstFails.Margin {
					st.WorstFails = at
				}
			}
			if r.Verdict != claims.Inconclusive || r.Err > 0 {
				errs = append(errs, r.Err)
			}
		}
		st.Bounded = len(errs)
		if len(errs) > 0 {
			sort.Float64s(errs)
			st.MaxErr = errs[len(errs)-1]
			n := len(errs)
			st.MedianErr = errs[n/2]
			if n%2 == 0 {
				st.MedianErr = (errs[n/2-1] + errs[n/2]) / 2
			}
		}
		out = append(out, st)
	}
	return out
}

// totals counts all of cr's results.
func (cr claimRun) totals() splitCounts {
	var s splitCounts
	for _, r := range cr.results {
		s.add(r)
	}
	return s
}

// randomInHypotheses counts the random regimes inside the hypotheses.
func (cr claimRun) randomInHypotheses() int {
	n := 0
	for _, r := range cr.random {
		if cr.claim.InHypotheses(r) {
			n++
		}
	}
	return n
}

// toJSON assembles report.json.
func (rep *report) toJSON() reportJSON {
	j := reportJSON{
		SchemaVersion:   reportSchemaVersion,
		SuiteVersion:    suiteVersion,
		GoVersion:       runtime.Version(),
		Command:         rep.cfg.command(len(rep.suite.claims)),
		Seed:            rep.cfg.seed,
		RegimesPerClaim: rep.cfg.regimes,
		Quick:           rep.cfg.quick,
		Catalog:         rep.cfg.catalog,
		CatalogRegimes:  nonNil(rep.catalog),
		Claims:          []claimJSON{},
		Results:         []claims.Result{},
		Counterexamples: []counterexampleJSON{},
		MapResults:      []claims.Result{},
		Figures:         []figureJSON{},
	}
	for _, cr := range rep.runs {
		c := cr.claim
		j.Claims = append(j.Claims, claimJSON{ID: c.ID(), Title: c.Title(), Statement: c.Statement(),
			Ranges: toRangesJSON(c.Ranges()), RandomRegimes: len(cr.random), RandomInHypotheses: cr.randomInHypotheses(),
			Totals: cr.totals(), Checks: nonNil(checkStats(cr))})
		j.Results = append(j.Results, cr.results...)
	}
	for _, ce := range rep.cexs {
		j.Counterexamples = append(j.Counterexamples, counterexampleJSON{Check: ce.original.Check,
			Original: ce.original, Shrunk: ce.shrunk, Steps: nonNil(ce.steps), Evals: ce.evals, SameShrunk: ce.same})
	}
	if rep.hmap != nil {
		for _, p := range rep.hmap.panels {
			j.MapResults = append(j.MapResults, p.results...)
		}
	}
	for _, f := range rep.figures {
		j.Figures = append(j.Figures, figureJSON{File: "figures/" + f.File, Title: f.Title, Caption: f.Caption, Drawn: f.svg != nil, Note: f.Note})
	}
	return j
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// jsonBytes encodes report.json (indented, with a final newline).
func (rep *report) jsonBytes() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep.toJSON()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ---- REPORT.md

// num formats a margin; errNum an error bound.
func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }
func errNum(x float64) string { return strconv.FormatFloat(x, 'g', 2, 64) }

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(oneLine(s), "|", `\|`)
}

// anchor is the HTML anchor of a claim's section.
func anchor(id string) string { return strings.ToLower(id) }

func (c verdictCounts) cells() string {
	return fmt.Sprintf("%d | %d | %d", c.Holds, c.Fails, c.Inconclusive)
}

func (c verdictCounts) slash() string {
	return fmt.Sprintf("%d / %d / %d", c.Holds, c.Fails, c.Inconclusive)
}

// markdown renders REPORT.md.
func (rep *report) markdown() []byte {
	var b strings.Builder
	cfg := rep.cfg
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Verification report: Attention-based clustering\n\n")
	w("Theory-verification suite %s for R. Maulen-Soto, P. Marion, C. Boyer, *Attention-based clustering*, arXiv:2505.13112. ", suiteVersion)
	w("Each claim ran on %d seeded random regimes (seed %d) and on the %d named regimes of `%s`", cfg.regimes, cfg.seed, len(rep.catalog), cfg.catalog)
	if cfg.quick {
		w(", in quick mode (smaller sample counts and ladders, small figures)")
	}
	w(".\n\n")
	w("A check HOLDS when its margin exceeds the certified bound on the margin's numerical error, FAILS when the violation exceeds it, ")
	w("and is INCONCLUSIVE otherwise (or when the numerics did not converge). *In hypotheses* counts the results on regimes that satisfy ")
	w("the claim's documented hypotheses, where a FAILS refutes the claim as stated; *outside* maps where the statement stops holding.\n\n")

	w("## Summary\n\n")
	w("| Claim | In hypotheses: HOLDS | FAILS | INCONCLUSIVE | Outside: HOLDS | FAILS | INCONCLUSIVE |\n")
	w("|---|---:|---:|---:|---:|---:|---:|\n")
	var all splitCounts
	for _, cr := range rep.runs {
		t := cr.totals()
		all.InHypotheses.Holds += t.InHypotheses.Holds
		all.InHypotheses.Fails += t.InHypotheses.Fails
		all.InHypotheses.Inconclusive += t.InHypotheses.Inconclusive
		all.Outside.Holds += t.Outside.Holds
		all.Outside.Fails += t.Outside.Fails
		all.Outside.Inconclusive += t.Outside.Inconclusive
		w("| [%s](#%s): %s | %s | %s |\n", cr.claim.ID(), anchor(cr.claim.ID()), cell(cr.claim.Title()), t.InHypotheses.cells(), t.Outside.cells())
	}
	w("| **all** | %s | %s |\n\n", all.InHypotheses.cells(), all.Outside.cells())
	w("Counts are over every check of every claim on the random and the named regimes. ")
	w("Sections: [named regimes](#named-regimes), [figures](#figures), [reproduction](#reproduction), [report.json schema](#report-json-schema).\n\n")

	for _, cr := range rep.runs {
		rep.claimSection(&b, cr)
	}
	rep.namedSection(&b)
	rep.figuresSection(&b)
	rep.reproductionSection(&b)
	schemaSection(&b)
	return []byte(b.String())
}

func (rep *report) claimSection(b *strings.Builder, cr claimRun) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	c := cr.claim
	w("<a id=\"%s\"></a>\n\n## %s: %s\n\n", anchor(c.ID()), c.ID(), oneLine(c.Title()))
	w("### Statement\n\n%s\n\n", nestHeadings(strings.TrimSpace(c.Statement())))

	w("### Regimes\n\n")
	if len(cr.random) > 0 {
		w("- %d random regimes (seed %d; %d inside the hypotheses), drawn from:\n%s", len(cr.random), rep.cfg.seed, cr.randomInHypotheses(), rangesText(c.Ranges()))
	} else {
		w("- no random regime (-regimes 0).\n")
	}
	w("- the %d named regimes of the catalog (see [named regimes](#named-regimes)).\n\n", len(rep.catalog))

	stats := checkStats(cr)
	w("### Checks\n\n")
	if len(stats) == 0 {
		w("The claim returned no result.\n\n")
		return
	}
	w("| Check | Units | In hypotheses H / F / I | Outside H / F / I | Smallest HOLDS margin | Worst FAILS margin | Largest error bound | Median error bound |\n")
	w("|---|---|---|---|---|---|---:|---:|\n")
	for _, st := range stats {
		minH, worstF := "-", "-"
		if st.MinHolds != nil {
			minH = fmt.Sprintf("%s (%s)", fmtNum(st.MinHolds.Margin), st.MinHolds.Regime)
		}
		if st.WorstFails != nil {
			worstF = fmt.Sprintf("%s (%s)", fmtNum(st.WorstFails.Margin), st.WorstFails.Regime)
		}
		maxE, medE := "-", "-"
		if st.Bounded > 0 {
			maxE, medE = errNum(st.MaxErr), errNum(st.MedianErr)
		}
		w("| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", st.Check, cell(st.Units), st.InHypotheses.slash(), st.Outside.slash(),
			cell(minH), cell(worstF), maxE, medE)
	}
	w("\nMargins are in the check's units (negative: violated); error bounds are the certified bounds on the margins, ")
	w("over the results that carry one (an INCONCLUSIVE from failed numerics has none).\n\n")

	w("### Counterexamples\n\n")
	fails := 0
	for _, r := range cr.results {
		if r.Verdict == claims.Fails && cr.isRandom(r) {
			fails++
		}
	}
	var mine []counterexample
	for _, ce := range rep.cexs {
		if ce.claim.ID() == c.ID() {
			mine = append(mine, ce)
		}
	}
	if fails == 0 {
		w("No check FAILS on a random regime.\n\n")
		return
	}
	w("%d FAILS on random regimes. Per check, up to %d of those inside the hypotheses, or else %d outside them, were shrunk greedily (largest violations first): ",
		fails, shrinkLimit(rep.cfg.quick), shrinkOutside)
	w("each simplification (d to 2 or 3, pi1 to 0.5, sigma to 1, geometry to orthogonal, separation and lambda sigma^2 to 1 or 2 digits, seed to 0) ")
	w("is kept when the same check still FAILS (inside the hypotheses if the original was). All results are in report.json.\n\n")
	for _, ce := range mine {
		rep.counterexampleText(b, ce)
	}
}

func shrinkLimit(quick bool) int {
	if quick {
		return shrinkInHypQuick
	}
	return shrinkInHyp
}

func (rep *report) counterexampleText(b *strings.Builder, ce counterexample) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	o, s := ce.original, ce.shrunk
	where := "outside the hypotheses"
	if o.InHypotheses {
		where = "inside the hypotheses"
	}
	w("#### `%s` FAILS on %s (%s)\n\n", o.Check, o.Regime.Name, where)
	w("- original: `%s`: margin %s %s, error bound %s\n", o.Regime, fmtNum(o.Margin), o.Units, errNum(o.Err))
	if len(ce.steps) == 0 {
		w("- no simplification keeps the failure (%d evaluations tried)\n", ce.evals)
	} else {
		w("- shrunk (%s; %d evaluations): `%s`: margin %s %s, error bound %s\n", strings.Join(ce.steps, ", "), ce.evals, s.Regime, fmtNum(s.Margin), s.Units, errNum(s.Err))
	}
	if ce.same > 0 {
		w("- %d more counterexample(s) of this check shrank to the same regime\n", ce.same)
	}
	if s.Note != "" {
		w("- note: %s\n", oneLine(s.Note))
	}
	if len(s.Values) > 0 {
		var vs []string
		for _, q := range s.Values {
			vs = append(vs, fmt.Sprintf("%s = %s (err %s)", q.Name, fmtNum(q.Value), errNum(q.Err)))
		}
		w("- values: %s\n", strings.Join(vs, "; "))
	}
	reg, _ := json.Marshal(s.Regime)
	w("\nShrunk regime (catalog entry):\n\n```json\n%s\n```\n\n", reg)
	if s.Spec != "" {
		w("Eval spec of the decisive evaluation; reproduce it with `go run ./cmd/verify eval < spec.json` (or `go run ./cmd/verify eval -spec spec.json`):\n\n```json\n%s\n```\n\n", s.Spec)
	} else {
		w("This check records no eval spec.\n\n")
	}
}

// nestHeadings moves the Markdown headings of a statement (outside code
// fences) three levels down, so that they nest under the report's
// "### Statement" instead of breaking the section structure; the text is
// otherwise verbatim.
func nestHeadings(md string) string {
	lines := strings.Split(md, "\n")
	fence := false
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
			continue
		}
		if fence || len(l)-len(t) > 3 {
			continue
		}
		n := len(t) - len(strings.TrimLeft(t, "#"))
		if n >= 1 && n <= 6 && (len(t) == n || t[n] == ' ' || t[n] == '\t') {
			lines[i] = strings.Repeat("#", min(6, n+3)) + t[n:]
		}
	}
	return strings.Join(lines, "\n")
}

// rangesText lists ranges as Markdown sub-items.
func rangesText(r claims.Ranges) string {
	var b strings.Builder
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }
	fmt.Fprintf(&b, "  - d from %d to %d (uniform)\n", r.DMin, r.DMax)
	fmt.Fprintf(&b, "  - separation Delta from %s to %s (uniform)\n", g(r.SepMin), g(r.SepMax))
	fmt.Fprintf(&b, "  - lambda sigma^2 from %s to %s (log-uniform; none for hardmax)\n", g(r.LamS2Min), g(r.LamS2Max))
	fmt.Fprintf(&b, "  - sigma from %s to %s (log-uniform)\n", g(r.SigmaMin), g(r.SigmaMax))
	fmt.Fprintf(&b, "  - pi1 from %s to %s (uniform)\n", g(r.Pi1Min), g(r.Pi1Max))
	var geos []string
	for _, x := range r.Geometries {
		switch x {
		case claims.Angle:
			geos = append(geos, fmt.Sprintf("angle (%s to %s rad)", g(r.AngleMin), g(r.AngleMax)))
		case claims.Unequal:
			geos = append(geos, fmt.Sprintf("unequal (norm ratio %s to %s, log-uniform)", g(r.NormRatioMin), g(r.NormRatioMax)))
		default:
			geos = append(geos, string(x))
		}
	}
	fmt.Fprintf(&b, "  - geometry: %s\n", strings.Join(geos, ", "))
	fmt.Fprintf(&b, "  - variant: %s\n", strings.Join(r.Variants, ", "))
	fmt.Fprintf(&b, "  - numbers rounded to 3 significant digits; seed from 0 to 2^20\n")
	return b.String()
}

func (rep *report) namedSection(b *strings.Builder) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("<a id=\"named-regimes\"></a>\n\n## Named regimes\n\n")
	if len(rep.catalog) == 0 {
		w("No catalog (-catalog \"\").\n\n")
		return
	}
	w("The catalog `%s`:\n\n| Regime | Definition |\n|---|---|\n", rep.cfg.catalog)
	for _, r := range rep.catalog {
		rr := r
		rr.Name = ""
		w("| %s | `%s` |\n", r.Name, cell(rr.String()))
	}
	w("\n")
	names := map[string]bool{}
	for _, r := range rep.catalog {
		names[r.Name] = true
	}
	for _, cr := range rep.runs {
		var named []claims.Result
		for _, r := range cr.results {
			if names[r.Regime.Name] {
				named = append(named, r)
			}
		}
		w("### %s\n\n", cr.claim.ID())
		checks := checkOrder(named)
		if len(checks) == 0 {
			w("No result.\n\n")
			continue
		}
		w("| Regime |")
		for _, ch := range checks {
			w(" `%s` |", strings.TrimPrefix(ch, cr.claim.ID()+"."))
		}
		w("\n|---|%s\n", strings.Repeat("---|", len(checks)))
		for _, reg := range rep.catalog {
			w("| %s |", reg.Name)
			for _, ch := range checks {
				v := "-"
				for _, r := range named {
					if r.Regime.Name == reg.Name && r.Check == ch {
						v = r.Verdict.String()
						if r.Verdict == claims.Fails {
							v = "**FAILS**"
						}
						if r.InHypotheses {
							v += " (H)"
						}
						break
					}
				}
				w(" %s |", v)
			}
			w("\n")
		}
		w("\n(H): the regime satisfies the claim's hypotheses for this check.\n\n")
		first := true
		for _, r := range named {
			if r.Verdict == claims.Holds {
				continue
			}
			if first {
				w("Verdicts other than HOLDS:\n\n")
				first = false
			}
			w("- `%s` on %s: %s, margin %s %s, error bound %s", r.Check, r.Regime.Name, r.Verdict, fmtNum(r.Margin), r.Units, errNum(r.Err))
			if r.Note != "" {
				w("; %s", oneLine(r.Note))
			}
			w("\n")
		}
		if !first {
			w("\n")
		}
	}
}

func (rep *report) figuresSection(b *strings.Builder) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("<a id=\"figures\"></a>\n\n## Figures\n\n")
	w("SVG files drawn with gonum.org/v1/plot; they name the font family (Liberation Serif) without embedding it, so a viewer without that font substitutes a similar one.\n\n")
	for i, f := range rep.figures {
		w("### (%c) %s\n\n", 'a'+i, f.Title)
		if f.svg == nil {
			w("*%s.*\n\n%s\n\n", f.Note, f.Caption)
			continue
		}
		w("![%s](figures/%s)\n\n%s\n\n", f.Title, f.File, f.Caption)
		if f.Note != "" {
			w("%s.\n\n", strings.TrimSuffix(f.Note, "."))
		}
		if f.File == figMap && rep.hmap != nil {
			rep.mapText(b)
		}
	}
}

// mapText prints the hold map as Markdown tables.
func (rep *report) mapText(b *strings.Builder) {
	m := rep.hmap
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("The same map as text (H HOLDS, F some FAILS, I otherwise, - no result; * inside the hypotheses):\n\n")
	for _, p := range m.panels {
		w("%s:\n\n| lambda sigma^2 \\ Delta |", p.claim.ID())
		for _, d := range m.deltas {
			w(" %s |", strconv.FormatFloat(d, 'g', -1, 64))
		}
		w("\n|---|%s\n", strings.Repeat(":-:|", len(m.deltas)))
		for j := len(m.ls2s) - 1; j >= 0; j-- {
			w("| %s |", strconv.FormatFloat(m.ls2s[j], 'g', -1, 64))
			for i := range m.deltas {
				mark := ""
				if p.inHyp[j][i] {
					mark = "*"
				}
				w(" %s%s |", p.cells[j][i], mark)
			}
			w("\n")
		}
		w("\n")
	}
}

func (rep *report) reproductionSection(b *strings.Builder) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("<a id=\"reproduction\"></a>\n\n## Reproduction\n\n")
	w("```sh\n%s\n```\n\n", rep.cfg.command(len(rep.suite.claims)))
	w("- suite version %s, seed %d, %d random regimes per claim, %s\n", suiteVersion, rep.cfg.seed, rep.cfg.regimes, runtime.Version())
	w("- the same command writes byte-identical REPORT.md, report.json and figures; -out and -workers do not change them. ")
	w("Wall times are in timings.txt, the only output that varies from run to run.\n")
	w("- add `-check FILE` to compare the named-regime verdicts with an expected table, `-write-expected FILE` to write one.\n")
	w("- every `spec` of report.json reproduces its decisive evaluation through `go run ./cmd/verify eval`.\n\n")
}

func schemaSection(b *strings.Builder) {
	b.WriteString(`<a id="report-json-schema"></a>

## report.json schema

Schema version 1. One JSON object:

| Field | Content |
|---|---|
| schema_version | 1 |
| suite_version | the suite's version |
| go_version | the Go version of the binary that ran |
| command | the command line that reproduces the report |
| seed | the seed of the random regimes |
| regimes_per_claim | random regimes per claim |
| quick | whether -quick was given |
| catalog | the catalog path ("" for none) |
| catalog_regimes | the named regimes (regime objects, below) |
| claims | per claim run, in ID order: id, title, statement (Markdown), ranges (d_min, d_max, separation_min/max, lambda_sigma2_min/max, pi1_min/max, sigma_min/max, geometries, variants, angle_min/max, norm_ratio_min/max), random_regimes, random_in_hypotheses, totals {in_hypotheses, outside} and checks |
| claims[].checks[] | check, units, in_hypotheses and outside ({"HOLDS": n, "FAILS": n, "INCONCLUSIVE": n}), min_holds_margin and worst_fails_margin ({margin, err, regime}; absent when none), max_err, median_err, bounded (results carrying an error bound) |
| results | every result: per claim, the random regimes then the named ones |
| counterexamples | shrunk FAILS: check, original and shrunk (results), steps (simplifications kept), evals, same_shrunk |
| map_results | the results behind figure (c), on regimes named map-... |
| figures | file, title, caption, drawn, note |

A result is {claim, check, regime, verdict, margin, err, units, in_hypotheses, values, note, spec}: verdict is "HOLDS",
"FAILS" or "INCONCLUSIVE"; margin is how much the statement holds by in units (negative: violated) and err the
certified bound on its numerical error; values are the quantities {name, value, err} that decided the verdict; spec
(when present) is an eval spec, a JSON string to feed to ` + "`go run ./cmd/verify eval`" + `. A regime is {name, d, sigma,
pi1, geometry, separation, angle, norm_ratio, variant, lambda_sigma2, seed} (see package claims). All numbers are
finite.
`)
}

// summaryText is the short summary printed on stdout after a run.
func (rep *report) summaryText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %28s   %28s\n", "claim", "in hypotheses (H/F/I)", "outside (H/F/I)")
	for _, cr := range rep.runs {
		t := cr.totals()
		fmt.Fprintf(&b, "%-6s %28s   %28s\n", cr.claim.ID(), t.InHypotheses.slash(), t.Outside.slash())
	}
	fmt.Fprintf(&b, "report: %s\n", rep.cfg.out+"/REPORT.md")
	return b.String()
}

// timingsText renders timings.txt.
func (rep *report) timingsText() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# wall times of `%s` (workers %d, GOMAXPROCS %d, %s)\n", rep.cfg.command(len(rep.suite.claims)), rep.cfg.workers, runtime.GOMAXPROCS(0), runtime.Version())
	for _, t := range rep.timings {
		fmt.Fprintf(&b, "%-50s %9.3f s\n", t.what, seconds(t.d))
	}
	return []byte(b.String())
}

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
