package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCitationFile guards CITATION.cff at the repository root against
// accidental deletion or truncation. It is deliberately minimal (no YAML
// dependency): the required top-level keys of Citation File Format 1.2.0
// must start a line, and the paper's arXiv identifier must be present.
func TestCitationFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "CITATION.cff"))
	if err != nil {
		t.Fatalf("CITATION.cff: %v", err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	hasLine := func(prefix string) bool {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return true
			}
		}
		return false
	}
	for _, key := range []string{"cff-version: 1.2.0", "message:", "title:", "authors:", "preferred-citation:"} {
		if !hasLine(key) {
			t.Errorf("CITATION.cff: no top-level line starting with %q", key)
		}
	}
	for _, s := range []string{"2505.13112", "Attention-based clustering", "Maulen-Soto", "Marion", "Boyer"} {
		if !strings.Contains(text, s) {
			t.Errorf("CITATION.cff does not mention %q", s)
		}
	}
	if strings.Contains(text, "\t") {
		t.Error("CITATION.cff contains a tab; YAML indentation must use spaces")
	}
}
