// Package report renders the outcome of a verification run (package
// sweep) as a Markdown report for a reviewer (REPORT.md), a
// machine-readable report.json and SVG figures, and writes them to a
// directory. Rendering is a pure function of the outcome and the Meta: the
// same outcome gives the same bytes.
package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"attnclust/claims"
	"attnclust/sweep"
)

// Meta is what the report says about the run besides its outcome.
type Meta struct {
	// SuiteVersion names the code that produced the report.
	SuiteVersion string
	// GoVersion is the Go version of the binary that ran.
	GoVersion string
	// Command is the command line that reproduces the report's content.
	Command string
	// CatalogPath is the file of the named regimes ("" for none).
	CatalogPath string
}

// Doc is a rendered report: REPORT.md, report.json and the figures.
type Doc struct {
	Markdown []byte
	JSON     []byte
	Figures  []Figure
}

// Figure is one rendered figure.
type Figure struct {
	// File is the file name under figures/.
	File    string
	Title   string
	Caption string
	// Note says why the figure was not drawn, or what it leaves out.
	Note string
	// SVG is the file's content, nil when not drawn.
	SVG []byte
}

// Render renders o. It does no I/O.
func Render(o *sweep.Outcome, m Meta) (*Doc, error) {
	v := newView(o, m)
	v.figs = drawFigures(v)
	js, err := v.jsonBytes()
	if err != nil {
		return nil, fmt.Errorf("encoding report.json: %w", err)
	}
	return &Doc{Markdown: v.markdown(), JSON: js, Figures: v.figs}, nil
}

// Write writes the document into dir: REPORT.md, report.json and
// figures/*.svg. A file whose content is unchanged is not rewritten (so a
// tracked report stays untouched when the code and seed are the same),
// and every other SVG file in dir/figures (a figure this run did not
// draw, or one an earlier version drew) is removed, so that the directory
// never shows a stale one. It returns the paths it wrote or removed.
func Write(dir string, d *Doc) (changed []string, err error) {
	figDir := filepath.Join(dir, "figures")
	if err := os.MkdirAll(figDir, 0o755); err != nil {
		return nil, err
	}
	put := func(p string, data []byte) error {
		if old, err := os.ReadFile(p); err == nil && string(old) == string(data) {
			return nil
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		changed = append(changed, p)
		return nil
	}
	keep := map[string]bool{}
	for _, f := range d.Figures {
		if f.SVG == nil {
			continue
		}
		keep[f.File] = true
		if err := put(filepath.Join(figDir, f.File), f.SVG); err != nil {
			return changed, err
		}
	}
	old, err := filepath.Glob(filepath.Join(figDir, "*.svg"))
	if err != nil {
		return changed, err
	}
	sort.Strings(old)
	for _, p := range old {
		if keep[filepath.Base(p)] {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return changed, err
		}
		changed = append(changed, p)
	}
	if err := put(filepath.Join(dir, "REPORT.md"), d.Markdown); err != nil {
		return changed, err
	}
	return changed, put(filepath.Join(dir, "report.json"), d.JSON)
}

// Summary is the short text printed after a run: per claim, the regimes
// inside the hypotheses, those failing and the failure-rate bound, and the
// counts of results by role.
func Summary(o *sweep.Outcome) string {
	v := newView(o, Meta{})
	var b strings.Builder
	fmt.Fprintf(&b, "%-5s %9s %8s %14s   %s\n", "claim", "in hyp.", "failing", "rate bound", "results by role (HOLDS/FAILS/INCONCLUSIVE)")
	for _, c := range v.claims {
		var roles []string
		for _, rc := range c.byRole {
			roles = append(roles, fmt.Sprintf("%s %d/%d/%d", rc.role, rc.n.Holds, rc.n.Fails, rc.n.Inconclusive))
		}
		fmt.Fprintf(&b, "%-5s %9d %8d %14s   %s\n", c.id, c.sum.RandomInHypotheses, c.sum.RegimesFailing, rate(c.sum), strings.Join(roles, "; "))
	}
	return b.String()
}

// ---- the view: everything the renderers derive from the outcome, once

// view is the outcome with the derived numbers every renderer shares, so
// that a quantity has one computed value.
type view struct {
	o      *sweep.Outcome
	meta   Meta
	claims []claimView
	// findings are computed from the outcome (never typed in).
	findings []finding
	figs     []Figure
}

// claimView is one claim's derived numbers.
type claimView struct {
	run    *sweep.ClaimRun
	id     string
	sum    claims.Summary
	byRole []roleCount
	checks []checkStat
	// worst is the claim-role result with the smallest margin on the
	// in-hypothesis sample (nil when none).
	worst *claims.Result
	kinds []string
}

// roleCount counts one role's results (for role claim: inside the
// hypotheses only; the others: all).
type roleCount struct {
	role string
	n    counts
}

// counts counts results by verdict.
type counts struct {
	Holds        int `json:"HOLDS"`
	Fails        int `json:"FAILS"`
	Inconclusive int `json:"INCONCLUSIVE"`
}

func (c *counts) add(v claims.Verdict) {
	switch v {
	case claims.Holds:
		c.Holds++
	case claims.Fails:
		c.Fails++
	default:
		c.Inconclusive++
	}
}

func (c counts) total() int { return c.Holds + c.Fails + c.Inconclusive }

// claimOutside is the role row of claim-role results on regimes outside
// the hypotheses.
const claimOutside = "claim, outside the hypotheses"

// Unspecified is how a missing role or kind is rendered.
const Unspecified = "unspecified"

// roleOf returns r's role, or Unspecified.
func roleOf(r claims.Result) string {
	if r.Role == "" {
		return Unspecified
	}
	return string(r.Role)
}

// kindOf returns r's kind (with its level when statistical), or
// Unspecified.
func kindOf(r claims.Result) string {
	switch {
	case r.Kind == "":
		return Unspecified
	case r.Kind == claims.KindStatistical && r.Level > 0:
		return fmt.Sprintf("statistical (level %s)", strconv.FormatFloat(r.Level, 'g', 6, 64))
	}
	return string(r.Kind)
}

// roleOrder is the order of the role tables.
var roleOrder = []string{string(claims.RoleClaim), claimOutside, string(claims.RoleMap), string(claims.RoleRefuted), string(claims.RoleSanity), Unspecified}

func newView(o *sweep.Outcome, m Meta) *view {
	v := &view{o: o, meta: m}
	for i := range o.Runs {
		cr := &o.Runs[i]
		cv := claimView{run: cr, id: cr.Claim.ID(), sum: cr.Summary}
		byRole := map[string]*counts{}
		kinds := map[string]bool{}
		for j, r := range cr.Results {
			role := roleOf(r)
			if role == string(claims.RoleClaim) && !r.InHypotheses {
				// a claim-role check outside the hypotheses maps the
				// statement: counted apart from the evidence.
				role = claimOutside
			}
			if byRole[role] == nil {
				byRole[role] = &counts{}
			}
			byRole[role].add(r.Verdict)
			if r.Role == claims.RoleClaim && cr.Sources[j] == sweep.FromInHyp {
				kinds[kindOf(r)] = true
				if cv.worst == nil || r.Margin < cv.worst.Margin || (r.Margin == cv.worst.Margin && r.Regime.Name < cv.worst.Regime.Name) {
					rr := r
					cv.worst = &rr
				}
			}
		}
		for _, role := range roleOrder {
			if c := byRole[role]; c != nil {
				cv.byRole = append(cv.byRole, roleCount{role, *c})
			}
		}
		for k := range kinds {
			cv.kinds = append(cv.kinds, k)
		}
		sort.Strings(cv.kinds)
		cv.checks = checkStats(cr)
		v.claims = append(v.claims, cv)
	}
	v.findings = computeFindings(v)
	return v
}

// checkStat summarizes one check over all the regimes it ran on.
type checkStat struct {
	Check   string `json:"check"`
	Role    string `json:"role"`
	Kind    string `json:"kind"`
	Units   string `json:"units"`
	InHyp   counts `json:"in_hypotheses"`
	Outside counts `json:"outside"`
	// MinHolds is the smallest margin among the HOLDS, WorstFails the
	// most negative among the FAILS (nil when none).
	MinHolds   *marginAt `json:"min_holds_margin,omitempty"`
	WorstFails *marginAt `json:"worst_fails_margin,omitempty"`
	// MaxErr and MedianErr are the largest and the median error bound
	// over the Bounded results that carry one (all but the INCONCLUSIVE
	// results of failed numerics, which have none).
	MaxErr    float64 `json:"max_err"`
	MedianErr float64 `json:"median_err"`
	Bounded   int     `json:"bounded"`
	// nonHolds are the non-HOLDS results, for the appendix.
	nonHolds []claims.Result
}

// marginAt is a margin, its error bound and the regime it occurred on.
type marginAt struct {
	Margin float64 `json:"margin"`
	Err    float64 `json:"err"`
	Regime string  `json:"regime"`
}

func checkStats(cr *sweep.ClaimRun) []checkStat {
	var out []checkStat
	for _, check := range sweep.CheckOrder(cr.Results) {
		st := checkStat{Check: check}
		var errs []float64
		roles, kinds := map[string]bool{}, map[string]bool{}
		for _, r := range cr.Results {
			if r.Check != check {
				continue
			}
			roles[roleOf(r)], kinds[kindOf(r)] = true, true
			if st.Units == "" {
				st.Units = r.Units
			}
			if r.InHypotheses {
				st.InHyp.add(r.Verdict)
			} else {
				st.Outside.add(r.Verdict)
			}
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
			if r.Verdict != claims.Holds {
				st.nonHolds = append(st.nonHolds, r)
			}
			if r.Verdict != claims.Inconclusive || r.Err > 0 {
				errs = append(errs, r.Err)
			}
		}
		st.Role, st.Kind = joinKeys(roles), joinKeys(kinds)
		st.Bounded = len(errs)
		if len(errs) > 0 {
			sort.Float64s(errs)
			n := len(errs)
			st.MaxErr = errs[n-1]
			st.MedianErr = errs[n/2]
			if n%2 == 0 {
				st.MedianErr = (errs[n/2-1] + errs[n/2]) / 2
			}
		}
		out = append(out, st)
	}
	return out
}

func joinKeys(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// rate renders a summary's failure-rate bound (95% one-sided), or "-"
// when no regime was drawn.
func rate(s claims.Summary) string {
	if s.RandomInHypotheses == 0 {
		return "-"
	}
	return pct(s.FailureRateUpper)
}
