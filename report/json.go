package report

import (
	"bytes"
	"encoding/json"

	"attnclust/claims"
)

// SchemaVersion is the version of report.json's layout; it changes only
// when a field is removed or changes meaning. Version 2 adds the evidence
// model (hypotheses with provenance, roles, kinds, regime summaries,
// thresholds, findings) and the in-hypothesis and outside samples.
const SchemaVersion = 2

// reportJSON is the content of report.json; the report's appendix
// documents it field by field (schemaText).
type reportJSON struct {
	SchemaVersion  int              `json:"schema_version"`
	SuiteVersion   string           `json:"suite_version"`
	GoVersion      string           `json:"go_version"`
	Command        string           `json:"command"`
	Seed           uint64           `json:"seed"`
	InHypPerClaim  int              `json:"in_hypotheses_per_claim"`
	OutsidePerCl   int              `json:"outside_per_claim"`
	Quick          bool             `json:"quick"`
	Catalog        string           `json:"catalog"`
	CatalogRegimes []claims.Regime  `json:"catalog_regimes"`
	Claims         []claimJSON      `json:"claims"`
	Findings       []finding        `json:"findings"`
	Results        []resultJSON     `json:"results"`
	Counterexample []counterexample `json:"counterexamples"`
	Maps           []mapJSON        `json:"maps"`
	Figures        []figureJSON     `json:"figures"`
}

// claimJSON is one claim's evidence.
type claimJSON struct {
	ID         string              `json:"id"`
	Title      string              `json:"title"`
	Statement  string              `json:"statement"`
	Hypotheses []claims.Hypothesis `json:"hypotheses"`
	// the regime summary of the in-hypothesis sample (claims.Summarize)
	RandomInHypotheses  int     `json:"random_in_hypotheses"`
	RegimesFailing      int     `json:"regimes_failing"`
	RegimesInconclusive int     `json:"regimes_inconclusive"`
	FailureRateUpper    float64 `json:"failure_rate_upper"`
	// the samples as drawn
	SampledInHypotheses int                `json:"sampled_in_hypotheses"`
	SampledOutside      int                `json:"sampled_outside"`
	Kinds               []string           `json:"kinds"`
	WorstMargin         *claims.Result     `json:"worst_in_hypotheses"`
	ByRole              []roleJSON         `json:"by_role"`
	Thresholds          []claims.Threshold `json:"thresholds"`
	Checks              []checkStat        `json:"checks"`
}

// roleJSON counts one role's results.
type roleJSON struct {
	Role string `json:"role"`
	counts
}

// resultJSON is a result with where its regime comes from.
type resultJSON struct {
	claims.Result
	Source string `json:"source"`
}

// counterexample is one shrunk FAILS.
type counterexample struct {
	Claim      string         `json:"claim"`
	Check      string         `json:"check"`
	Kind       string         `json:"kind"`
	Original   claims.Result  `json:"original"`
	Shrunk     claims.Result  `json:"shrunk"`
	Steps      []string       `json:"steps"`
	Evals      int            `json:"evals"`
	SameShrunk int            `json:"same_shrunk"`
	Boundary   *claims.Regime `json:"boundary,omitempty"`
	AtBoundary *claims.Result `json:"at_boundary,omitempty"`
	Pass       *claims.Result `json:"pass,omitempty"`
}

// mapJSON is one claim's hold map.
type mapJSON struct {
	Claim   string     `json:"claim"`
	Deltas  []float64  `json:"deltas"`
	LamS2   []float64  `json:"lambda_sigma2"`
	LeftOut []string   `json:"left_out"`
	Panels  []panelRow `json:"panels"`
}

// panelRow is one small multiple of a hold map. Its results are not
// stored (they would triple the file): each cell's regime is determined by
// the grid (d = 2, sigma = 1, seed 1) and rerunning reproduces it.
type panelRow struct {
	Variant    string             `json:"variant"`
	Geometry   claims.Geometry    `json:"geometry"`
	Pi1        float64            `json:"pi1"`
	Cells      []string           `json:"cells"`
	InHyp      [][]bool           `json:"in_hypotheses"`
	Thresholds []claims.Threshold `json:"thresholds"`
}

// figureJSON describes one figure.
type figureJSON struct {
	File    string `json:"file"`
	Title   string `json:"title"`
	Caption string `json:"caption"`
	Drawn   bool   `json:"drawn"`
	Note    string `json:"note,omitempty"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (v *view) toJSON() reportJSON {
	o := v.o
	j := reportJSON{
		SchemaVersion: SchemaVersion, SuiteVersion: v.meta.SuiteVersion, GoVersion: v.meta.GoVersion,
		Command: v.meta.Command, Seed: o.Config.Seed, InHypPerClaim: o.Config.InHyp, OutsidePerCl: o.Config.Outside,
		Quick: o.Config.Quick, Catalog: v.meta.CatalogPath, CatalogRegimes: nonNil(o.Config.Catalog),
		Claims: []claimJSON{}, Findings: nonNil(v.findings), Results: []resultJSON{},
		Counterexample: []counterexample{}, Maps: []mapJSON{}, Figures: []figureJSON{},
	}
	for _, cv := range v.claims {
		cr := cv.run
		c := cr.Claim
		cj := claimJSON{ID: cv.id, Title: c.Title(), Statement: c.Statement(), Hypotheses: nonNil(c.Hypotheses()),
			RandomInHypotheses: cv.sum.RandomInHypotheses, RegimesFailing: cv.sum.RegimesFailing,
			RegimesInconclusive: cv.sum.RegimesInconclusive, FailureRateUpper: cv.sum.FailureRateUpper,
			SampledInHypotheses: len(cr.InHyp), SampledOutside: len(cr.Outside), Kinds: nonNil(cv.kinds),
			WorstMargin: cv.worst, ByRole: []roleJSON{}, Thresholds: nonNil(cr.Thresholds), Checks: nonNil(cv.checks)}
		for _, rc := range cv.byRole {
			cj.ByRole = append(cj.ByRole, roleJSON{rc.role, rc.n})
		}
		j.Claims = append(j.Claims, cj)
		for i, r := range cr.Results {
			j.Results = append(j.Results, resultJSON{r, cr.Sources[i].String()})
		}
	}
	for _, ce := range o.Counterexamples {
		j.Counterexample = append(j.Counterexample, counterexample{Claim: ce.Claim, Check: ce.Original.Check, Kind: string(ce.Kind),
			Original: ce.Original, Shrunk: ce.Shrunk, Steps: nonNil(ce.Steps), Evals: ce.Evals, SameShrunk: ce.Same,
			Boundary: ce.Boundary, AtBoundary: ce.AtBoundary, Pass: ce.Pass})
	}
	for _, m := range o.Figures.Maps {
		mj := mapJSON{Claim: m.Claim, Deltas: m.Deltas, LamS2: m.LamS2, LeftOut: nonNil(m.Left), Panels: []panelRow{}}
		for _, p := range m.Panels {
			pr := panelRow{Variant: p.Variant, Geometry: p.Geometry, Pi1: p.Pi1, InHyp: p.InHyp,
				Thresholds: nonNil(p.Thresholds)}
			for _, row := range p.Cells {
				s := ""
				for _, c := range row {
					s += c.String()
				}
				pr.Cells = append(pr.Cells, s)
			}
			mj.Panels = append(mj.Panels, pr)
		}
		j.Maps = append(j.Maps, mj)
	}
	for _, f := range v.figs {
		j.Figures = append(j.Figures, figureJSON{File: "figures/" + f.File, Title: f.Title, Caption: f.Caption, Drawn: f.SVG != nil, Note: f.Note})
	}
	return j
}

// jsonBytes encodes report.json (indented, with a final newline, without
// HTML escapes).
func (v *view) jsonBytes() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v.toJSON()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
