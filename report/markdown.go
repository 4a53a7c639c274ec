package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"attnclust/claims"
	"attnclust/sweep"
)

// md is a Markdown builder.
type md struct{ strings.Builder }

func (b *md) f(format string, args ...any) { fmt.Fprintf(&b.Builder, format, args...) }

// markdown renders REPORT.md: the main body (verdicts, findings,
// thresholds, figures), then the appendices.
func (v *view) markdown() []byte {
	var b md
	v.intro(&b)
	v.verdicts(&b)
	v.findingsSection(&b)
	v.thresholdsSection(&b)
	v.figuresSection(&b)
	v.appendixStatements(&b)
	v.appendixThresholds(&b)
	v.appendixNonHolds(&b)
	v.appendixCounterexamples(&b)
	v.appendixNamed(&b)
	v.appendixErrors(&b)
	v.appendixReproduction(&b)
	b.f("%s", schemaText)
	return []byte(b.String())
}

func (v *view) intro(b *md) {
	c := v.o.Config
	b.f("# Verification report: Attention-based clustering\n\n")
	b.f("Theory-verification suite %s for R. Maulen-Soto, P. Marion, C. Boyer, *Attention-based clustering*, arXiv:2505.13112. ", v.meta.SuiteVersion)
	b.f("Each claim ran on %d random regimes drawn inside its a priori hypotheses, %d drawn from its full ranges (the map sample) and %d named regimes (seed %d", c.InHyp, c.Outside, len(c.Catalog), c.Seed)
	if c.Quick {
		b.f("; quick mode: smaller sample counts, ladders and grids")
	}
	b.f(")")
	var short []string
	for _, cv := range v.claims {
		if n := len(cv.run.InHyp); n < c.InHyp {
			short = append(short, fmt.Sprintf("%s has %d", cv.id, n))
		}
	}
	if len(short) > 0 {
		b.f("; the hypotheses are hard to sample for some claims: %s regimes inside them", strings.Join(short, ", "))
	}
	b.f(".\n\n")
	b.f("A check HOLDS when its margin exceeds the bound on the margin's numerical error, FAILS when the violation exceeds it, and is INCONCLUSIVE otherwise. ")
	b.f("Each result has a role (claim, map, refuted reading, sanity) and a kind of evidence (certified, estimated, sampled, statistical), defined in docs/MODEL.md §9; the model and the claims are in docs/MODEL.md §1 to §7. ")
	b.f("The appendices hold the full statements, every result other than HOLDS, the counterexamples, the named regimes, the error budget, the reproduction and the report.json schema.\n\n")
}

// hypText lists a claim's hypotheses with their provenance.
func hypText(c claims.Claim) string {
	hs := c.Hypotheses()
	if len(hs) == 0 {
		return "not listed (" + Unspecified + ")"
	}
	var out []string
	for _, h := range hs {
		if !h.Provenance.APriori() {
			continue // measured items: Appendix A and the thresholds
		}
		text := h.Short
		if text == "" {
			text = h.Text
		}
		out = append(out, cell(text)+" ("+string(h.Provenance)+")")
	}
	return strings.Join(out, "; ")
}

// refText renders a hypothesis' reference: a command in it (from "go " on)
// becomes a code span, so that it reads as something to run.
func refText(ref string) string {
	i := strings.Index(ref, "go ")
	if i < 0 || (i > 0 && ref[i-1] != ' ') {
		return ref
	}
	return ref[:i] + "`" + ref[i:] + "`"
}

func (v *view) verdicts(b *md) {
	b.f("## Verdicts\n\n")
	b.f("| Claim | Statement | Hypotheses (provenance) | Regimes in hypotheses | Failing | Failure rate, 95%% bound | Worst margin in hypotheses | Evidence |\n")
	b.f("|---|---|---|--:|--:|--:|---|---|\n")
	var sanity *claimView
	for i := range v.claims {
		cv := &v.claims[i]
		if cv.id == "C0" {
			sanity = cv
			continue
		}
		worst := "-"
		if w := cv.worst; w != nil {
			// the margin and the check (its quantities are in report.json)
			worst = fmt.Sprintf("%s, check %s on %s", marginText(*w), w.Check, w.Regime.Name)
		}
		kinds := Unspecified
		if len(cv.kinds) > 0 {
			kinds = strings.Join(cv.kinds, ", ")
		}
		b.f("| %s | %s | %s | %d | %d | %s | %s | %s |\n", cv.id, cell(cv.run.Claim.Title()), hypText(cv.run.Claim),
			cv.sum.RandomInHypotheses, cv.sum.RegimesFailing, rate(cv.sum), cell(worst), cell(kinds))
	}
	b.f("\nRegimes in hypotheses, failing regimes and the bound count the random regimes drawn inside the a priori hypotheses (the items of provenance paper or derived); ")
	b.f("a regime fails when some check of role claim FAILS on it, and the bound is the one-sided 95%% Clopper-Pearson upper bound on the rate of failing regimes. ")
	b.f("The worst margin is the smallest margin of a claim-role check on those regimes; the full hypotheses, with their sources, are in Appendix A.\n\n")

	v.roleTables(b)

	if sanity != nil {
		b.f("### Sanity of the numerics (C0)\n\n")
		b.f("| Check | Results | HOLDS | FAILS | INCONCLUSIVE | Largest error bound | Evidence |\n|---|--:|--:|--:|--:|--:|---|\n")
		for _, st := range sanity.checks {
			n := st.InHyp
			n.Holds += st.Outside.Holds
			n.Fails += st.Outside.Fails
			n.Inconclusive += st.Outside.Inconclusive
			maxE := "-"
			if st.Bounded > 0 {
				maxE = bound(st.MaxErr)
			}
			b.f("| %s | %d | %d | %d | %d | %s | %s |\n", st.Check, n.total(), n.Holds, n.Fails, n.Inconclusive, maxE, st.Kind)
		}
		b.f("\n")
	}
}

func (v *view) findingsSection(b *md) {
	b.f("## Findings\n\n")
	if len(v.findings) == 0 {
		b.f("This run produced no finding.\n\n")
		return
	}
	b.f("Computed from this run; each gives its numbers, their uncertainty and a way to reproduce them.\n\n")
	for _, f := range v.findings {
		claim := ""
		if f.Claim != "" {
			claim = ", " + f.Claim
		}
		b.f("%d. **%s%s.** %s Uncertainty: %s.\n", f.Number, upperFirst(f.Topic), claim, f.Text, f.Uncertainty)
		if f.Spec != "" {
			b.f("   Reproduce, with the spec below saved as spec.json: `%s`\n", f.Command)
		} else {
			b.f("   Reproduce: `%s`\n", f.Command)
		}
		if f.Spec != "" {
			b.f("\n   ```json\n   %s\n   ```\n", f.Spec)
		}
		b.f("\n")
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// thresholdGroup aggregates one claim's thresholds of one variant.
type thresholdGroup struct {
	claim, variant         string
	n, bracketed, nonMono  int
	lo, hi, width          float64
	holds, fails, unsure   int
	geometries, weightsSet map[string]bool
}

func (v *view) thresholdGroups() []thresholdGroup {
	var out []thresholdGroup
	for _, cv := range v.claims {
		idx := map[string]int{}
		for _, t := range cv.run.Thresholds {
			k, ok := idx[t.Slice.Variant]
			if !ok {
				k = len(out)
				idx[t.Slice.Variant] = k
				out = append(out, thresholdGroup{claim: cv.id, variant: t.Slice.Variant, lo: math.Inf(1), hi: math.Inf(-1)})
			}
			g := &out[k]
			g.n++
			if len(t.NonMonotone) > 0 {
				g.nonMono++
			}
			switch t.Status {
			case "bracketed":
				g.bracketed++
				g.lo, g.hi = math.Min(g.lo, t.Lo), math.Max(g.hi, t.Hi)
				g.width = math.Max(g.width, t.Hi-t.Lo)
			case "holds-throughout":
				g.holds++
			case "fails-throughout":
				g.fails++
			default:
				g.unsure++
			}
		}
	}
	return out
}

func (v *view) thresholdsSection(b *md) {
	b.f("## Thresholds\n\n")
	gs := v.thresholdGroups()
	if len(gs) == 0 {
		b.f("No separation threshold was measured in this run (no claim returned threshold slices).\n\n")
		return
	}
	b.f("The separation Delta* at which the claim-role checks change from FAILS to HOLDS (holding above it, or below it where Appendix B says so), measured by bisection on slices that fix every other parameter (Appendix B lists each slice).\n\n")
	b.f("| Claim | Variant | Slices | Bracketed | Delta* from | Delta* to | Widest bracket | Holds throughout | Fails throughout | Inconclusive | Not monotone |\n")
	b.f("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, g := range gs {
		lo, hi, w := "-", "-", "-"
		if g.bracketed > 0 {
			lo, hi, w = num(g.lo), num(g.hi), num(g.width)
		}
		b.f("| %s | %s | %d | %d | %s | %s | %s | %d | %d | %d | %d |\n", g.claim, g.variant, g.n, g.bracketed, lo, hi, w, g.holds, g.fails, g.unsure, g.nonMono)
	}
	b.f("\n")
}

func (v *view) figuresSection(b *md) {
	b.f("## Figures\n\n")
	for i, f := range v.figs {
		b.f("### Figure %d. %s\n\n", i+1, f.Title)
		if f.SVG == nil {
			b.f("*%s.*\n\n", strings.TrimSuffix(f.Note, "."))
			continue
		}
		b.f("![%s](figures/%s)\n\n%s", f.Title, f.File, f.Caption)
		if f.Note != "" {
			b.f(" %s.", strings.TrimSuffix(f.Note, "."))
		}
		b.f("\n\n")
	}
}

// roleTables renders the results of the roles other than the claim's
// evidence, each in its own table: maps (map-role checks, and
// claim-role checks on regimes outside the hypotheses), refuted readings
// (their FAILS are the expected outcome) and results without a role.
func (v *view) roleTables(b *md) {
	type row struct {
		id string
		n  counts
	}
	var maps, unspec []row
	for _, cv := range v.claims {
		var m counts
		has := false
		for _, rc := range cv.byRole {
			switch rc.role {
			case string(claims.RoleMap), claimOutside:
				m.Holds += rc.n.Holds
				m.Fails += rc.n.Fails
				m.Inconclusive += rc.n.Inconclusive
				has = true
			case Unspecified:
				unspec = append(unspec, row{cv.id, rc.n})
			}
		}
		if has {
			maps = append(maps, row{cv.id, m})
		}
	}
	table := func(title, intro string, rows []row) {
		if len(rows) == 0 {
			return
		}
		b.f("### %s\n\n%s\n\n| Claim | Results | HOLDS | FAILS | INCONCLUSIVE |\n|---|--:|--:|--:|--:|\n", title, intro)
		for _, r := range rows {
			b.f("| %s | %d | %d | %d | %d |\n", r.id, r.n.total(), r.n.Holds, r.n.Fails, r.n.Inconclusive)
		}
		b.f("\n")
	}
	table("Maps of where the statements stop holding", "Checks of role map, and claim checks on regimes outside the a priori hypotheses (the outside sample and the named regimes): a FAILS here locates a boundary, it does not refute the claim.", maps)

	var refuted []checkStat
	var owners []string
	for _, cv := range v.claims {
		for _, st := range cv.checks {
			if st.Role == string(claims.RoleRefuted) {
				refuted = append(refuted, st)
				owners = append(owners, cv.id)
			}
		}
	}
	if len(refuted) > 0 {
		b.f("### Refuted readings\n\nChecks of readings of the paper that the suite shows to be false: FAILS is their expected outcome (see the findings).\n\n")
		b.f("| Claim | Check | Results | FAILS (expected) | HOLDS | INCONCLUSIVE |\n|---|---|--:|--:|--:|--:|\n")
		for i, st := range refuted {
			n := st.InHyp
			n.Holds += st.Outside.Holds
			n.Fails += st.Outside.Fails
			n.Inconclusive += st.Outside.Inconclusive
			b.f("| %s | %s | %d | %d | %d | %d |\n", owners[i], st.Check, n.total(), n.Fails, n.Holds, n.Inconclusive)
		}
		b.f("\n")
	}
	table("Results without a role", "Results whose check does not state what it is evidence of (rendered as "+Unspecified+"); they count in no verdict above.", unspec)
}

// ---- appendices

func (v *view) appendixStatements(b *md) {
	b.f("## Appendix A. Statements\n\n")
	for _, cv := range v.claims {
		c := cv.run.Claim
		b.f("### %s: %s\n\n", cv.id, oneLine(c.Title()))
		b.f("%s\n\n", nestHeadings(strings.TrimSpace(c.Statement()), 3))
		hs := c.Hypotheses()
		if len(hs) > 0 {
			b.f("Hypotheses with their provenance:\n\n")
			for _, h := range hs {
				ref := ""
				if h.Ref != "" {
					ref = "; " + refText(h.Ref)
				}
				b.f("- %s (%s%s)\n", oneLine(h.Text), h.Provenance, ref)
			}
			b.f("\n")
		}
	}
}

func (v *view) appendixThresholds(b *md) {
	b.f("## Appendix B. Thresholds by slice\n\n")
	any := false
	for _, cv := range v.claims {
		if len(cv.run.Thresholds) == 0 {
			continue
		}
		any = true
		b.f("### %s\n\n| Slice | Status | Holds | Fails at Delta | Holds at Delta | Not holding on the holding side | Note |\n|---|---|---|--:|--:|---|---|\n", cv.id)
		for _, t := range cv.run.Thresholds {
			var nm []string
			for _, x := range t.NonMonotone {
				nm = append(nm, num(x))
			}
			side, fails, holds := "above", t.Lo, t.Hi
			if t.Direction == "holds-below" {
				side, fails, holds = "below", t.Hi, t.Lo
			}
			b.f("| %s | %s | %s | %s | %s | %s | %s |\n", cell(sliceText(t.Slice)), t.Status, side, num(fails), num(holds), strings.Join(nm, ", "), cell(t.Note))
		}
		b.f("\n")
	}
	if !any {
		b.f("No threshold was measured.\n\n")
	}
}

func (v *view) appendixNonHolds(b *md) {
	b.f("## Appendix C. Results other than HOLDS, by check\n\n")
	b.f("For each check: its role and kind of evidence, its FAILS and INCONCLUSIVE counts inside and outside the hypotheses, and one representative (the largest violation, or else the first INCONCLUSIVE) with its reproducing eval spec.\n\n")
	for _, cv := range v.claims {
		var rows []checkStat
		for _, st := range cv.checks {
			if len(st.nonHolds) > 0 {
				rows = append(rows, st)
			}
		}
		b.f("### %s\n\n", cv.id)
		if len(rows) == 0 {
			b.f("Every result HOLDS.\n\n")
			continue
		}
		b.f("| Check | Role | Kind | FAILS in / out | INCONCLUSIVE in / out | Representative |\n|---|---|---|--:|--:|---|\n")
		for _, st := range rows {
			rep := representative(st.nonHolds)
			desc := fmt.Sprintf("%s on %s: %s", rep.Verdict, rep.Regime.Name, marginText(rep))
			if rep.Note != "" {
				desc += "; " + rep.Note
			}
			b.f("| %s | %s | %s | %d / %d | %d / %d | %s |\n", st.Check, st.Role, st.Kind, st.InHyp.Fails, st.Outside.Fails,
				st.InHyp.Inconclusive, st.Outside.Inconclusive, cell(desc))
		}
		b.f("\n")
		for _, st := range rows {
			rep := representative(st.nonHolds)
			if rep.Spec == "" {
				continue
			}
			b.f("Spec of the representative of %s (%s):\n\n```json\n%s\n```\n\n", st.Check, regimeText(rep.Regime), rep.Spec)
		}
	}
}

// representative is the FAILS with the smallest margin, or else the first
// result.
func representative(rs []claims.Result) claims.Result {
	var fails []claims.Result
	for _, r := range rs {
		if r.Verdict == claims.Fails {
			fails = append(fails, r)
		}
	}
	if len(fails) > 0 {
		return worstOf(fails)
	}
	return rs[0]
}

func (v *view) appendixCounterexamples(b *md) {
	b.f("## Appendix D. Counterexamples\n\n")
	for _, cr := range v.o.Runs {
		if u, ok := cr.Claim.(claims.Unshrunk); ok {
			b.f("%s: %s.\n\n", cr.Claim.ID(), strings.TrimSuffix(u.UnshrunkReason(), "."))
		}
	}
	if len(v.o.Counterexamples) == 0 {
		b.f("No counterexample was shrunk in this run.\n\n")
		return
	}
	b.f("A FAILS inside the hypotheses is simplified (dimension, weights, scale, geometry, rounding) while it keeps failing inside them; ")
	b.f("a FAILS outside them is moved toward the hypothesis boundary in Delta and lambda sigma^2 while it keeps failing, so that it shows the failing regime nearest to the region the claim covers.\n\n")
	for _, ce := range v.o.Counterexamples {
		o, s := ce.Original, ce.Shrunk
		where := "outside the hypotheses"
		if o.InHypotheses {
			where = "inside the hypotheses"
		}
		b.f("### %s on %s (%s)\n\n", o.Check, o.Regime.Name, where)
		b.f("- original: %s; margin %s\n", regimeText(o.Regime), marginText(o))
		if len(ce.Steps) == 0 {
			b.f("- no move keeps the failure (%d evaluations)\n", ce.Evals)
		} else {
			b.f("- shrunk (%s; %d evaluations): %s; margin %s\n", strings.Join(ce.Steps, ", "), ce.Evals, regimeText(s.Regime), marginText(s))
		}
		if ce.Boundary != nil {
			verdict := "not evaluated"
			if ce.AtBoundary != nil {
				verdict = ce.AtBoundary.Verdict.String()
			}
			b.f("- hypothesis boundary on the path: %s (check %s there)\n", regimeText(*ce.Boundary), verdict)
		}
		if ce.Pass != nil && ce.Pass != ce.AtBoundary {
			b.f("- nearest point beyond it that does not fail: Delta = %s (%s)\n", exact(ce.Pass.Regime.Separation), ce.Pass.Verdict)
		}
		if ce.Same > 0 {
			b.f("- %d more counterexample(s) of this check shrank to the same regime\n", ce.Same)
		}
		if s.Note != "" {
			b.f("- note: %s\n", oneLine(s.Note))
		}
		if vt := valueText(s); vt != "" {
			b.f("- values: %s\n", vt)
		}
		reg, _ := json.Marshal(s.Regime)
		b.f("\nRegime (a catalog entry):\n\n```json\n%s\n```\n\n", reg)
		if s.Spec != "" {
			b.f("Eval spec of the decisive evaluation:\n\n```json\n%s\n```\n\n", s.Spec)
		}
	}
}

func (v *view) appendixNamed(b *md) {
	b.f("## Appendix E. Named regimes\n\n")
	cat := v.o.Config.Catalog
	if len(cat) == 0 {
		b.f("No catalog.\n\n")
		return
	}
	b.f("The catalog %s:\n\n| Regime | Definition |\n|---|---|\n", v.meta.CatalogPath)
	for _, r := range cat {
		b.f("| %s | %s |\n", r.Name, cell(regimeText(r)))
	}
	b.f("\nVerdicts (H: HOLDS, F: FAILS, I: INCONCLUSIVE; a star marks a result inside the hypotheses):\n\n")
	for _, cv := range v.claims {
		var named []claims.Result
		for i, r := range cv.run.Results {
			if cv.run.Sources[i] == sweep.FromCatalog {
				named = append(named, r)
			}
		}
		checks := sweep.CheckOrder(named)
		if len(checks) == 0 {
			continue
		}
		b.f("### %s\n\n| Regime |", cv.id)
		for _, ch := range checks {
			b.f(" %s |", strings.TrimPrefix(ch, cv.id+"."))
		}
		b.f("\n|---|%s\n", strings.Repeat(":-:|", len(checks)))
		for _, reg := range cat {
			b.f("| %s |", reg.Name)
			for _, ch := range checks {
				mark := "-"
				for _, r := range named {
					if r.Regime.Name == reg.Name && r.Check == ch {
						mark = r.Verdict.String()[:1]
						if r.InHypotheses {
							mark += "*"
						}
						break
					}
				}
				b.f(" %s |", mark)
			}
			b.f("\n")
		}
		b.f("\n")
	}
}

func (v *view) appendixErrors(b *md) {
	b.f("## Appendix F. Error budget\n\n")
	b.f("Per check: the units of its margin, the largest and the median bound on the margin's numerical error over the results that carry one (a failed evaluation carries none), and the smallest HOLDS margin; docs/MODEL.md §4.2 derives the quadrature bounds.\n\n")
	b.f("| Check | Units | Kind | Bounded results | Largest error bound | Median error bound | Smallest HOLDS margin |\n|---|---|---|--:|--:|--:|--:|\n")
	for _, cv := range v.claims {
		for _, st := range cv.checks {
			maxE, medE, minH := "-", "-", "-"
			if st.Bounded > 0 {
				maxE, medE = bound(st.MaxErr), bound(st.MedianErr)
			}
			if st.MinHolds != nil {
				minH = num(st.MinHolds.Margin)
			}
			b.f("| %s | %s | %s | %d | %s | %s | %s |\n", st.Check, cell(st.Units), st.Kind, st.Bounded, maxE, medE, minH)
		}
	}
	b.f("\n")
}

func (v *view) appendixReproduction(b *md) {
	b.f("## Appendix G. Reproduction\n\n")
	b.f("```sh\n%s\n```\n\n", v.meta.Command)
	b.f("Suite version %s, %s. The same command writes byte-identical REPORT.md, report.json and figures whatever the number of workers and the output directory; wall times go to the standard error only. ", v.meta.SuiteVersion, v.meta.GoVersion)
	b.f("Every spec in this report and in report.json reproduces its evaluation through the eval subcommand:\n\n")
	b.f("```sh\ngo run ./cmd/verify eval < spec.json\n```\n\n")
}

// schemaText is Appendix H: report.json's schema.
const schemaText = `## Appendix H. report.json schema

Schema version 2. One JSON object:

| Field | Content |
|---|---|
| schema_version | 2 |
| suite_version, go_version | the suite's version, the Go version of the binary that ran |
| command | the command line that reproduces the report |
| seed | the seed of the random regimes |
| in_hypotheses_per_claim, outside_per_claim | the sizes of the two random samples per claim |
| quick | whether quick mode was on |
| catalog, catalog_regimes | the catalog path and its named regimes (regime objects, below) |
| claims | one object per claim run, in ID order (below) |
| findings | number, topic, claim, text, uncertainty, command, spec (as in the Findings section) |
| results | every result (below) with source: "in-hypotheses", "outside-sample" or "named" |
| counterexamples | claim, check, kind ("simplified" or "toward-boundary"), original and shrunk (results), steps, evals, same_shrunk, and for toward-boundary: boundary (the first regime inside the hypotheses on the path), at_boundary and pass (results; absent when none) |
| maps | per mapped claim: deltas, lambda_sigma2 (the grid), left_out (checks not counted in the cells), panels: variant, geometry, pi1, cells (one string per lambda sigma^2, one letter per Delta: H, F, I or -), in_hypotheses, thresholds, results |
| figures | file, title, caption, drawn, note |

A claim object has id, title, statement (Markdown), hypotheses (text, provenance: "paper", "derived" or "measured", ref),
random_in_hypotheses, regimes_failing, regimes_inconclusive and failure_rate_upper (the regime summary of the
in-hypothesis sample: one-sided 95% Clopper-Pearson bound), sampled_in_hypotheses and sampled_outside (the sample
sizes as drawn), kinds (the kinds of evidence of its claim-role results), worst_in_hypotheses (the claim-role result
with the smallest margin in the in-hypothesis sample, or null), by_role (role and HOLDS, FAILS, INCONCLUSIVE counts),
thresholds (claim, slice, status: "bracketed", "holds-throughout", "fails-throughout" or "inconclusive", lo, hi,
non_monotone, note) and checks (check, role, kind, units, in_hypotheses and outside counts, min_holds_margin and
worst_fails_margin as {margin, err, regime}, max_err, median_err, bounded).

A result is {claim, check, regime, verdict, margin, err, units, in_hypotheses, values, note, spec, role, kind, level}:
verdict is "HOLDS", "FAILS" or "INCONCLUSIVE"; margin is how much the statement holds by, in units (negative:
violated), and err the bound on its numerical error; values are the quantities {name, value, err} that decided the
verdict; spec is an eval spec (a JSON string for the eval subcommand); role is "claim", "map", "refuted-reading",
"sanity" or "" (not set); kind is "certified", "estimated", "sampled", "statistical" or "" (not set); level is the
confidence level of a statistical verdict. A regime is {name, d, sigma, pi1, geometry, separation, angle, norm_ratio,
variant, lambda_sigma2, seed}. All numbers are finite.
`
