package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"attnclust/claims"
	"attnclust/sweep"
)

// finding is one numbered finding: computed from the outcome, with its
// uncertainty and a way to reproduce it.
type finding struct {
	Number int    `json:"number"`
	Topic  string `json:"topic"`
	Claim  string `json:"claim,omitempty"`
	// Text states the finding with its numbers (Markdown, no code names).
	Text string `json:"text"`
	// Uncertainty says how sure the numbers are.
	Uncertainty string `json:"uncertainty"`
	// Command reproduces it (a shell command), Spec is an eval spec of its
	// decisive evaluation (may be empty).
	Command string `json:"command"`
	Spec    string `json:"spec,omitempty"`
	// order sorts findings: topic rank, then a key within the topic.
	rank int
	key  float64
}

// Finding topics, in report order.
const (
	topicRefutation = "in-hypothesis failure"
	topicThreshold  = "threshold"
	topicNonMono    = "non-monotone threshold"
	topicBoundary   = "failure near the hypotheses"
	topicSaddle     = "saddle"
	topicRefuted    = "refuted reading"
	topicDistance   = "minimizer distance"
	topicQuant      = "quantization"
)

// maxBoundaryFindings caps the boundary counterexamples listed as
// findings (the nearest to the boundary first); the others are in the
// appendix.
const maxBoundaryFindings = 6

// runCommand is the command that reruns claim id's checks and thresholds.
func runCommand(id string) string {
	return "go run ./cmd/verify run -claims " + id + " -out /tmp/" + strings.ToLower(id)
}

// evalCommand is the command that reproduces an eval spec.
const evalCommand = "go run ./cmd/verify eval < spec.json"

func computeFindings(v *view) []finding {
	var fs []finding
	add := func(f finding) { fs = append(fs, f) }

	for _, cv := range v.claims {
		cr := cv.run
		id := cv.id
		// in-hypothesis failures of claim-role checks (refutations)
		for _, st := range cv.checks {
			var fails []claims.Result
			n := 0
			for j, r := range cr.Results {
				if r.Check != st.Check || cr.Sources[j] != sweep.FromInHyp || !r.InHypotheses || r.Role == claims.RoleMap || r.Role == claims.RoleRefuted {
					continue
				}
				n++
				if r.Verdict == claims.Fails {
					fails = append(fails, r)
				}
			}
			if len(fails) == 0 {
				continue
			}
			w := worstOf(fails)
			add(withSpec(finding{rank: 0, Topic: topicRefutation, Claim: id,
				Text: fmt.Sprintf("%s fails inside its hypotheses: check %s FAILS on %d of %d regimes drawn inside them; worst margin %s on %s (%s).",
					id, st.Check, len(fails), n, marginText(w), w.Regime.Name, regimeText(w.Regime)),
				Uncertainty: "each FAILS exceeds its error bound; " + kindOf(w) + " evidence",
			}, w.Spec))
		}

		// thresholds, aggregated per variant and direction
		byVariant := map[string][]claims.Threshold{}
		var variants []string
		for _, t := range cr.Thresholds {
			if t.Status != "bracketed" {
				continue
			}
			k := t.Slice.Variant + "|" + t.Direction
			if _, ok := byVariant[k]; !ok {
				variants = append(variants, k)
			}
			byVariant[k] = append(byVariant[k], t)
		}
		for _, k := range variants {
			ts := byVariant[k]
			va, dir, _ := strings.Cut(k, "|")
			lo, hi, width := math.Inf(1), math.Inf(-1), 0.0
			for _, t := range ts {
				lo, hi = math.Min(lo, t.Lo), math.Max(hi, t.Hi)
				width = math.Max(width, t.Hi-t.Lo)
			}
			side, unc := "above", "each threshold is bracketed by a certified FAILS below and a certified HOLDS above, at most "
			if dir == "holds-below" {
				side, unc = "below", "each threshold is bracketed by a certified HOLDS below and a certified FAILS above, at most "
			}
			add(finding{rank: 1, key: lo, Topic: topicThreshold, Claim: id,
				Text: fmt.Sprintf("%s (%s variant) holds %s a separation threshold Delta* that lies between %s and %s over %d bracketed slice(s) (thresholds table).",
					id, va, side, num(lo), num(hi), len(ts)),
				Uncertainty: unc + num(width) + " apart",
				Command:     runCommand(id)})
		}
		for _, t := range cr.Thresholds {
			if len(t.NonMonotone) == 0 {
				continue
			}
			var at []string
			for _, x := range t.NonMonotone {
				at = append(at, num(x))
			}
			add(finding{rank: 2, key: t.Hi, Topic: topicNonMono, Claim: id,
				Text: fmt.Sprintf("%s is not monotone in the separation on the slice %s: it holds from Delta = %s but not at Delta = %s.",
					id, sliceText(t.Slice), num(t.Hi), strings.Join(at, ", ")),
				Uncertainty: "verdicts certified at each separation",
				Command:     runCommand(id)})
		}

		// saddles: outside FAILS of a check whose margin is a Hessian
		// eigenvalue
		for _, st := range cv.checks {
			if !strings.Contains(strings.ToLower(st.Units), "eigenvalue") || st.Outside.Fails == 0 {
				continue
			}
			var fails []claims.Result
			for _, r := range cr.Results {
				if r.Check == st.Check && !r.InHypotheses && r.Verdict == claims.Fails {
					fails = append(fails, r)
				}
			}
			w := worstOf(fails)
			add(withSpec(finding{rank: 4, Topic: topicSaddle, Claim: id,
				Text: fmt.Sprintf("Outside %s's hypotheses the critical point next to the centroids can be a saddle: check %s FAILS with a negative smallest Hessian eigenvalue on %d regime(s); the most negative is %s on %s (%s).",
					id, st.Check, len(fails), marginText(w), w.Regime.Name, regimeText(w.Regime)),
				Uncertainty: "eigenvalue below minus its error bound (" + kindOf(w) + ")",
			}, w.Spec))
		}

		// refuted readings
		for _, st := range cv.checks {
			if st.Role != string(claims.RoleRefuted) {
				continue
			}
			n := st.InHyp.total() + st.Outside.total()
			f := st.InHyp.Fails + st.Outside.Fails
			var fails []claims.Result
			for _, r := range cr.Results {
				if r.Check == st.Check && r.Verdict == claims.Fails {
					fails = append(fails, r)
				}
			}
			text := fmt.Sprintf("A reading of the paper that the suite refutes: check %s FAILS, as expected, on %d of its %d results.", st.Check, f, n)
			if f == 0 {
				// Not refuted in this run (its witnesses were not
				// certified): say so rather than claim a refutation.
				text = fmt.Sprintf("A reading of the paper that the suite tests for refutation: check %s is not refuted in this run (no FAILS among its %d results; %d INCONCLUSIVE).", st.Check, n, st.InHyp.Inconclusive+st.Outside.Inconclusive)
			}
			fd := finding{rank: 5, Topic: topicRefuted, Claim: id, Uncertainty: "each FAILS exceeds its error bound", Command: runCommand(id)}
			if len(fails) > 0 {
				w := worstOf(fails)
				text += fmt.Sprintf(" Largest violation: %s on %s.", marginText(w), w.Regime.Name)
				fd.Text = text
				fd = withSpec(fd, w.Spec)
			}
			fd.Text = text
			add(fd)
		}
	}

	// boundary counterexamples, nearest to the boundary first
	var bs []finding
	for _, ce := range v.o.Counterexamples {
		if ce.Kind != sweep.TowardBoundary || ce.Boundary == nil {
			continue
		}
		s := ce.Shrunk
		if s.Role == claims.RoleRefuted || s.Role == claims.RoleSanity {
			continue
		}
		gap := math.Abs(ce.Boundary.Separation - s.Regime.Separation)
		where := fmt.Sprintf("Delta = %s", exact(s.Regime.Separation))
		if !s.Regime.Hardmax() {
			where += fmt.Sprintf(", lambda sigma^2 = %s", exact(s.Regime.LambdaSigma2))
		}
		entry := fmt.Sprintf("Delta = %s", exact(ce.Boundary.Separation))
		if !ce.Boundary.Hardmax() {
			entry += fmt.Sprintf(", lambda sigma^2 = %s", exact(ce.Boundary.LambdaSigma2))
		}
		claim := v.o.Run(ce.Claim)
		inside := claim != nil && claim.Claim.InHypotheses(s.Regime)
		if inside && !s.InHypotheses {
			// the check's own hypotheses are narrower than the claim's:
			// the claim's boundary says nothing about it (Appendix D
			// lists it)
			continue
		}
		var text string
		switch {
		case inside:
			text = fmt.Sprintf("Check %s FAILS at the boundary of %s's hypotheses, at %s (%s); margin %s.", s.Check, ce.Claim, where, regimeText(s.Regime), marginText(s))
		default:
			text = fmt.Sprintf("Failure of check %s nearest to %s's hypotheses: it FAILS at %s (%s; margin %s).", s.Check, ce.Claim, where, regimeText(s.Regime), marginText(s))
			if ce.Pass != nil && ce.Pass != ce.AtBoundary {
				text += fmt.Sprintf(" Moving toward the hypotheses, it stops failing at Delta = %s (%s).", exact(ce.Pass.Regime.Separation), ce.Pass.Verdict)
			}
			if ce.AtBoundary != nil {
				text += fmt.Sprintf(" Where the hypotheses start on the same path, at %s, the check %s.", entry, verdictPhrase(ce.AtBoundary.Verdict))
			}
		}
		bs = append(bs, withSpec(finding{rank: 3, key: gap, Topic: topicBoundary, Claim: ce.Claim, Text: text,
			Uncertainty: "FAILS beyond its error bound (" + kindOf(s) + " evidence); the boundary is located to the 3-digit rounding of the path"}, s.Spec))
	}
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].key < bs[j].key })
	fs = append(fs, bs[:min(len(bs), maxBoundaryFindings)]...)

	fs = append(fs, distanceFindings(v)...)
	if q := v.o.Figures.Quant; q != nil && len(q.Points) > 0 {
		last := q.Points[len(q.Points)-1]
		mix, err := sweep.QuantMixture()
		spec := ""
		if err == nil {
			spec = claims.IdentitySpec(mix, q.Lambda, 0, 0, 0)
		}
		add(finding{rank: 7, Topic: topicQuant, Claim: "C4",
			Text: fmt.Sprintf("In the quantization figure's setting the identity layer at L -> infinity reduces the error from d sigma^2 = %s to Q_inf = %s (ratio %s); at L = %d the Monte Carlo estimate is %s with standard error %s.",
				num(q.Input), num(q.QInf), num(q.QInf/q.Input), last.L, num(last.Q), bound(last.SE)),
			Uncertainty: "Q_inf certified to " + bound(q.QInfErr) + "; Q_L is a Monte Carlo estimate",
			Command:     evalCommand, Spec: spec})
	}

	sort.SliceStable(fs, func(i, j int) bool { return fs[i].rank < fs[j].rank })
	for i := range fs {
		fs[i].Number = i + 1
	}
	return fs
}

// maxInlineSpec is the longest eval spec a finding shows inline; a longer
// one (a high-dimensional regime) is left to the appendices and
// report.json.
const maxInlineSpec = 600

// withSpec sets a finding's reproduction to spec through the eval
// subcommand (inline when short), or to its claim's run command when there
// is no spec.
func withSpec(f finding, spec string) finding {
	switch {
	case spec == "":
		f.Command = runCommand(f.Claim)
	case len(spec) <= maxInlineSpec:
		f.Command, f.Spec = evalCommand, spec
	default:
		f.Command = evalCommand
		f.Text += " Its eval spec (" + fmt.Sprint(len(spec)) + " characters) is in the appendices and in report.json."
	}
	return f
}

// verdictPhrase renders a verdict as a predicate of "the check".
func verdictPhrase(v claims.Verdict) string {
	switch v {
	case claims.Holds:
		return "HOLDS"
	case claims.Fails:
		return "FAILS as well"
	}
	return "is INCONCLUSIVE"
}

// worstOf returns the result with the smallest margin (first on ties).
func worstOf(rs []claims.Result) claims.Result {
	w := rs[0]
	for _, r := range rs[1:] {
		if r.Margin < w.Margin {
			w = r
		}
	}
	return w
}

// distanceFindings looks, in the minimizer-distance data, for
// separations at which the distance is larger at a larger lambda sigma^2
// by more than both error bounds (the distance is not monotone in lambda).
func distanceFindings(v *view) []finding {
	ds := v.o.Figures.Distances
	var soft []sweep.DistanceSeries
	for _, s := range ds {
		if !s.Hardmax {
			soft = append(soft, s)
		}
	}
	sort.SliceStable(soft, func(i, j int) bool { return soft[i].LamS2 < soft[j].LamS2 })
	type hit struct {
		delta    float64
		a, b     sweep.DistancePoint
		la, lb   float64
		relative float64
	}
	var hits []hit
	for k := 0; k+1 < len(soft); k++ {
		a, b := soft[k], soft[k+1]
		for i := range a.Points {
			if i >= len(b.Points) {
				break
			}
			pa, pb := a.Points[i], b.Points[i]
			if pa.OK && pb.OK && pb.Dist-pa.Dist > pa.Err+pb.Err {
				hits = append(hits, hit{pa.Delta, pa, pb, a.LamS2, b.LamS2, pb.Dist/pa.Dist - 1})
			}
		}
	}
	out := deltaFindings(soft)
	if len(hits) == 0 {
		return out
	}
	lo, hi := hits[0].delta, hits[0].delta
	best := hits[0]
	for _, h := range hits {
		lo, hi = math.Min(lo, h.delta), math.Max(hi, h.delta)
		if h.relative > best.relative {
			best = h
		}
	}
	return append(out, finding{rank: 6, Topic: topicDistance, Claim: "C1",
		Text: fmt.Sprintf("The distance of the minimizer to the centroids is not monotone in lambda: on the distance figure's grid it is larger at the larger lambda sigma^2 at %d separations between Delta = %s and %s; largest case: Delta = %s, distance %s sigma at lambda sigma^2 = %s against %s sigma at %s.",
			len(hits), exact(lo), exact(hi), exact(best.delta), num(best.b.Dist), exact(best.lb), num(best.a.Dist), exact(best.la)),
		Uncertainty: fmt.Sprintf("the two distances differ by more than the sum of their error bounds (%s and %s)", bound(best.a.Err), bound(best.b.Err)),
		Command:     runCommand("C1")})
}

// deltaFindings looks, in each softmax series of the minimizer-distance
// data, for a separation step at which the distance grows by more than
// both error bounds (the distance is not monotone in Delta), and reports
// the largest such increase per series.
func deltaFindings(series []sweep.DistanceSeries) []finding {
	var out []finding
	for _, s := range series {
		best, n := -1, 0
		ratio := 0.0
		for i := 0; i+1 < len(s.Points); i++ {
			a, b := s.Points[i], s.Points[i+1]
			if a.OK && b.OK && b.Dist-a.Dist > a.Err+b.Err {
				n++
				if r := b.Dist / a.Dist; r > ratio {
					best, ratio = i, r
				}
			}
		}
		if best < 0 {
			continue
		}
		a, b := s.Points[best], s.Points[best+1]
		out = append(out, finding{rank: 6, Topic: topicDistance, Claim: "C1",
			Text: fmt.Sprintf("At lambda sigma^2 = %s the distance of the minimizer to the centroids is not monotone in the separation: it grows at %d step(s) of the distance figure's grid; largest: from %s sigma at Delta = %s to %s sigma at Delta = %s.",
				exact(s.LamS2), n, num(a.Dist), exact(a.Delta), num(b.Dist), exact(b.Delta)),
			Uncertainty: fmt.Sprintf("the increase exceeds the sum of the two error bounds (%s and %s)", bound(a.Err), bound(b.Err)),
			Command:     runCommand("C1")})
	}
	return out
}
