package report_test

import (
	"fmt"

	"attnclust/report"
)

// Lint reports what a reviewer should not meet in REPORT.md's prose:
// references to files readers do not have, code identifiers, heading
// jumps.
func ExampleLint() {
	md := []byte("# Report\n\n## Verdicts\n\nThe risk bound RiskErr is tiny (THEORY 2.1).\n\n#### Too deep\n")
	for _, p := range report.Lint(md) {
		fmt.Println(p)
	}
	// Output:
	// line 5: cites THEORY (cite docs/MODEL.md)
	// line 5: code identifier RiskErr in prose
	// line 7: heading level 4 after level 2
}
