package report

import (
	"fmt"
	"strconv"
	"strings"

	"attnclust/claims"
)

// The number formats of the report. Every quantity is rendered through one
// of them, from one computed value, so that it reads the same wherever it
// appears.

// num renders a value or a margin with 3 significant digits.
func num(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }

// bound renders an error bound with 2 significant digits.
func bound(x float64) string { return strconv.FormatFloat(x, 'g', 2, 64) }

// pct renders a probability as a percentage with 2 significant digits.
func pct(p float64) string { return strconv.FormatFloat(100*p, 'g', 2, 64) + "%" }

// exact renders a grid or regime parameter: exactly when it has at most 6
// significant digits (every drawn regime has 3), else to 6 digits.
func exact(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

// oneLine flattens s to one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "\r", " ")
}

// cell escapes text for a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

// regimeText describes a regime in words and symbols (no field names).
func regimeText(r claims.Regime) string {
	g := string(r.Geometry) + " centroids"
	switch r.Geometry {
	case claims.Angle:
		g = "centroids at angle " + exact(r.Angle) + " rad"
	case claims.Unequal:
		g = "orthogonal centroids with norm ratio " + exact(r.NormRatio)
	}
	layer := r.Variant + " variant, lambda sigma^2 = " + exact(r.LambdaSigma2)
	if r.Hardmax() {
		layer = "hardmax variant"
	}
	k := ""
	if r.K > 2 {
		// K components: Delta is the smallest pairwise distance and pi1
		// the first weight (the others share the rest equally).
		k = fmt.Sprintf("K = %d components, ", r.K)
		if r.Geometry == claims.ClosePair {
			g = "simplex centroids with one pair at " + exact(r.NormRatio) + " of the separation"
		}
	}
	return fmt.Sprintf("%sd = %d, Delta = %s, sigma = %s, pi1 = %s, %s, %s, seed %d",
		k, r.D, exact(r.Separation), exact(r.Sigma), exact(r.Pi1), g, layer, r.Seed)
}

// sliceText describes a threshold slice (every parameter but Delta).
func sliceText(r claims.Regime) string {
	s := regimeText(r)
	// drop the separation, which the slice does not fix
	return strings.Replace(s, ", Delta = "+exact(r.Separation), "", 1)
}

// valueText renders a result's decisive quantities ("name = value (error
// bound e)").
func valueText(r claims.Result) string {
	var vs []string
	for _, q := range r.Values {
		s := q.Name + " = " + num(q.Value)
		if q.Err > 0 {
			s += " (error bound " + bound(q.Err) + ")"
		}
		vs = append(vs, s)
	}
	return strings.Join(vs, "; ")
}

// marginText renders a result's margin with its units and error bound.
func marginText(r claims.Result) string {
	u := ""
	if r.Units != "" {
		u = " " + r.Units
	}
	return fmt.Sprintf("%s%s (error bound %s)", num(r.Margin), u, bound(r.Err))
}

// nestHeadings moves the Markdown headings of a text (outside code
// fences) down by levels, so that they nest under the report's headings;
// the text is otherwise verbatim.
func nestHeadings(md string, levels int) string {
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
			lines[i] = strings.Repeat("#", min(6, n+levels)) + t[n:]
		}
	}
	return strings.Join(lines, "\n")
}
