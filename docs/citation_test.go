package docs

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// cffSchemaFile is the vendored Citation File Format 1.2.0 schema (see
// testdata/README.md for its origin).
const cffSchemaFile = "testdata/cff-1.2.0-schema.json"

// cffSchemaBlob is the git blob hash of schema.json at tag 1.2.0 (commit
// 396f738fb025b1d8acdb02a56ffc923f95dc8999) of
// github.com/citation-file-format/citation-file-format: the vendored copy
// must be that file, byte for byte.
const cffSchemaBlob = "762194bec49e3299bb3acdaec7f24b7e93c602be"

// gitBlobHash returns git's object name of data as a blob.
func gitBlobHash(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// compileCFFSchema compiles the vendored schema under its own $id, so
// that no network access is needed (its draft-07 meta-schema is built
// into the validator).
func compileCFFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(cffSchemaFile)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	if got := gitBlobHash(raw); got != cffSchemaBlob {
		t.Fatalf("%s: git blob %s, want %s (the vendored schema was modified)", cffSchemaFile, got, cffSchemaBlob)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	if id != "https://citation-file-format.github.io/1.2.0/schema.json" {
		t.Fatalf("schema $id = %q, not CFF 1.2.0", id)
	}
	c := jsonschema.NewCompiler()
	// Formats ("date", "uri") are asserted, as the CFF validator
	// (cffconvert) does.
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatalf("schema: %v", err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	return sch
}

// cffInstance parses CFF YAML into the JSON data model the schema
// validates: YAML is decoded, re-encoded as JSON and decoded again, so
// that a YAML value with no JSON counterpart (a timestamp, a map with
// non-string keys) is either rejected here or reaches the schema as the
// string or number JSON would hold.
func cffInstance(data []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("YAML: %w", err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("YAML to JSON: %w", err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(j))
}

// TestCitationSchema validates the repository's CITATION.cff against the
// CFF 1.2.0 schema and checks the facts the project relies on: the
// license, the paper as a conference paper in the NeurIPS 2025
// proceedings, and its arXiv identifier.
func TestCitationSchema(t *testing.T) {
	sch := compileCFFSchema(t)
	data, err := os.ReadFile(filepath.Join("..", "CITATION.cff"))
	if err != nil {
		t.Fatalf("CITATION.cff: %v", err)
	}
	inst, err := cffInstance(data)
	if err != nil {
		t.Fatalf("CITATION.cff: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("CITATION.cff does not validate against CFF 1.2.0:\n%v", err)
	}
	top := inst.(map[string]any)
	pc, _ := top["preferred-citation"].(map[string]any)
	want := map[string]any{
		"license":          top["license"],
		"type":             pc["type"],
		"collection-title": pc["collection-title"],
		"title":            pc["title"],
	}
	for k, w := range map[string]string{
		"license":          "BSD-3-Clause",
		"type":             "conference-paper",
		"collection-title": "Advances in Neural Information Processing Systems 38",
		"title":            "Attention-based clustering",
	} {
		if want[k] != w {
			t.Errorf("CITATION.cff: %s = %v, want %q", k, want[k], w)
		}
	}
	if !strings.Contains(string(data), "arXiv:2505.13112") {
		t.Error("CITATION.cff: the arXiv identifier arXiv:2505.13112 is missing")
	}
	for _, name := range []string{"Maulen-Soto", "Marion", "Boyer"} {
		if !strings.Contains(string(data), name) {
			t.Errorf("CITATION.cff: author %s is missing", name)
		}
	}
	lic, err := os.ReadFile(filepath.Join("..", "LICENSE"))
	if err != nil {
		t.Fatalf("LICENSE: %v", err)
	}
	// Two phrases that only the BSD 3-clause text has (the third clause
	// and the disclaimer), so that LICENSE and the CFF license agree.
	for _, s := range []string{"Neither the name of", "IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS", "The attnclust authors"} {
		if !strings.Contains(string(lic), s) {
			t.Errorf("LICENSE: %q not found; CITATION.cff says BSD-3-Clause", s)
		}
	}
}

// TestCitationSchemaRejects shows that the validation can fail: broken
// variants of a minimal valid CFF file are rejected, each for its reason.
func TestCitationSchemaRejects(t *testing.T) {
	sch := compileCFFSchema(t)
	const valid = `cff-version: 1.2.0
message: "Please cite."
title: "x"
authors:
  - name: "The attnclust authors"
license: BSD-3-Clause
date-released: "2026-11-26"
preferred-citation:
  type: conference-paper
  title: "Attention-based clustering"
  authors:
    - family-names: "Boyer"
  collection-title: "Advances in Neural Information Processing Systems 38"
`
	// want is a fragment of the validator's message that names the
	// offending key, so that each case fails for its own reason.
	cases := []struct {
		name, from, to, want string
	}{
		{"valid", "", "", ""},
		{"missing title", "title: \"x\"\n", "", "missing property 'title'"},
		{"missing authors", "authors:\n  - name: \"The attnclust authors\"\n", "", "missing property 'authors'"},
		{"wrong type of title", "title: \"x\"", "title: [1, 2]", "'/title': got array, want string"},
		{"unknown reference type", "type: conference-paper", "type: proceedings-paper", "'/preferred-citation/type'"},
		{"unknown license", "license: BSD-3-Clause", "license: BSD-3", "'/license'"},
		{"wrong cff-version", "cff-version: 1.2.0", "cff-version: 1.3.0", "'/cff-version'"},
		{"bad date", `date-released: "2026-11-26"`, `date-released: "26 November 2026"`, "'/date-released'"},
		{"unknown top-level key", "license: BSD-3-Clause", "license: BSD-3-Clause\nlicence: MIT", "'licence' not allowed"},
		{"empty author list", "authors:\n  - name: \"The attnclust authors\"\n", "authors: []\n", "'/authors': minItems"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := valid
			if c.from != "" {
				if !strings.Contains(text, c.from) {
					t.Fatalf("test bug: %q not in the base file", c.from)
				}
				text = strings.Replace(text, c.from, c.to, 1)
			}
			inst, err := cffInstance([]byte(text))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			err = sch.Validate(inst)
			if c.name == "valid" {
				if err != nil {
					t.Fatalf("the base file must validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("validated, want a schema error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("rejected for another reason than %q:\n%v", c.want, err)
			}
		})
	}
}
