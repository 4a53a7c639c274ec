package claims

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateModel = flag.Bool("update-model", false, "rewrite the hypotheses tables of docs/MODEL.md from the code")

// TestModelDocHypotheses keeps docs/MODEL.md's hypotheses tables equal to
// the claims' own lists (one source for each fact): every registered claim
// has a marker pair there, and the text between the markers is
// HypothesesMarkdown of the claim. Run with -update-model to rewrite them.
func TestModelDocHypotheses(t *testing.T) {
	path := filepath.Join("..", "docs", "MODEL.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range All() {
		begin := "<!-- hypotheses:" + c.ID() + ":begin -->\n"
		end := "<!-- hypotheses:" + c.ID() + ":end -->"
		i := strings.Index(doc, begin)
		j := strings.Index(doc, end)
		if i < 0 || j < i {
			t.Errorf("%s: no marker pair %q ... %q in %s", c.ID(), begin, end, path)
			continue
		}
		got, want := doc[i+len(begin):j], HypothesesMarkdown(c)
		if got == want {
			continue
		}
		if *updateModel {
			doc = doc[:i+len(begin)] + want + doc[j:]
			continue
		}
		t.Errorf("%s: the hypotheses table in %s differs from the code (go test ./claims -run TestModelDocHypotheses -update-model)\n got: %q\nwant: %q", c.ID(), path, got, want)
	}
	if *updateModel {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
