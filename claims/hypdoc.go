package claims

import (
	"fmt"
	"strings"
)

// HypothesesMarkdown renders claim c's hypotheses as a Markdown table (one
// row per item: text, provenance, reference). docs/MODEL.md carries this
// table for every claim between the markers
// "<!-- hypotheses:ID:begin -->" and "<!-- hypotheses:ID:end -->", and a
// test keeps the two equal, so the document and the code cannot drift.
func HypothesesMarkdown(c Claim) string {
	hs := c.Hypotheses()
	if len(hs) == 0 {
		return "None: the checks must hold on every valid regime.\n"
	}
	var b strings.Builder
	b.WriteString("| hypothesis | provenance | source |\n|---|---|---|\n")
	for _, h := range hs {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", mdCell(h.Text), h.Provenance, mdCell(h.Ref))
	}
	return b.String()
}

// mdCell escapes a string for a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
