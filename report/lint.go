package report

import (
	"fmt"
	"regexp"
	"strings"
)

// Patterns of code identifiers in prose: a qualified Go name
// (package.Name, Type.Field) and a CamelCase name with an inner capital
// (RiskErr).
var (
	qualifiedIdent = regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9]*\.[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*\b`)
	camelIdent     = regexp.MustCompile(`\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b`)
	inlineCode     = regexp.MustCompile("`[^`]*`")
	theoryRef      = regexp.MustCompile(`\bTHEORY\b`)
	pathLike       = regexp.MustCompile(`\S*/\S*`)
)

// Lint returns the problems of a rendered REPORT.md, one line each with
// its line number: a heading more than one level below the previous one,
// a reference to THEORY (a file readers do not have: the reading is
// docs/MODEL.md), an inline code span other than a command (starting with
// "go "), and a code identifier in prose (a qualified Go name such as
// Env.Quick, or a CamelCase name such as RiskErr). Fenced code blocks and
// the report.json schema appendix (which names JSON fields) are exempt
// from the last two rules.
func Lint(md []byte) []string {
	var out []string
	level, fence, schema := 0, false, false
	for i, line := range strings.Split(string(md), "\n") {
		n := i + 1
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		if h := len(t) - len(strings.TrimLeft(t, "#")); h > 0 && h <= 6 && len(t) > h && t[h] == ' ' {
			if level > 0 && h > level+1 {
				out = append(out, fmt.Sprintf("line %d: heading level %d after level %d", n, h, level))
			}
			level = h
			schema = strings.Contains(t, "report.json schema")
		}
		if theoryRef.MatchString(line) {
			out = append(out, fmt.Sprintf("line %d: cites THEORY (cite docs/MODEL.md)", n))
		}
		if schema {
			continue
		}
		for _, span := range inlineCode.FindAllString(line, -1) {
			if !strings.HasPrefix(span, "`go ") {
				out = append(out, fmt.Sprintf("line %d: code span %s in prose", n, span))
			}
		}
		prose := pathLike.ReplaceAllString(inlineCode.ReplaceAllString(line, ""), "")
		for _, re := range []*regexp.Regexp{qualifiedIdent, camelIdent} {
			for _, id := range re.FindAllString(prose, -1) {
				if strings.HasPrefix(id, "MODEL.") {
					continue
				}
				out = append(out, fmt.Sprintf("line %d: code identifier %s in prose", n, id))
			}
		}
	}
	return out
}

// MainBodyLines is the number of lines of REPORT.md before its first
// appendix.
func MainBodyLines(md []byte) int {
	s := string(md)
	if i := strings.Index(s, "\n## Appendix"); i >= 0 {
		s = s[:i+1]
	}
	return strings.Count(s, "\n")
}
