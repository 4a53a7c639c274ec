package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gremlinsTable is gremlins v0.6.0's token table
// (internal/engine/mappings.go, var tokenMutations), transcribed as
// source text: type, original operator, replacement.
var gremlinsTable = []struct{ typ, from, to string }{
	{ArithmeticBase, "+", "-"}, {ArithmeticBase, "*", "/"}, {ArithmeticBase, "/", "*"},
	{ArithmeticBase, "%", "*"}, {ArithmeticBase, "-", "+"},
	{ConditionalsBoundary, ">=", ">"}, {ConditionalsBoundary, ">", ">="},
	{ConditionalsBoundary, "<=", "<"}, {ConditionalsBoundary, "<", "<="},
	{ConditionalsNegation, "==", "!="}, {ConditionalsNegation, ">=", "<"},
	{ConditionalsNegation, ">", "<="}, {ConditionalsNegation, "<=", ">"},
	{ConditionalsNegation, "<", ">="}, {ConditionalsNegation, "!=", "=="},
	{IncrementDecrement, "--", "++"}, {IncrementDecrement, "++", "--"},
	{InvertAssignments, "+=", "-="}, {InvertAssignments, "*=", "/="},
	{InvertAssignments, "/=", "*="}, {InvertAssignments, "%=", "%="},
	{InvertAssignments, "-=", "+="},
	{InvertBitwise, "&", "|"}, {InvertBitwise, "|", "&"}, {InvertBitwise, "^", "&"},
	{InvertBitwise, "&^", "&"}, {InvertBitwise, "<<", ">>"}, {InvertBitwise, ">>", "<<"},
	{InvertBitwiseAssignments, "&=", "|="}, {InvertBitwiseAssignments, "|=", "&="},
	{InvertBitwiseAssignments, "^=", "&="}, {InvertBitwiseAssignments, "&^=", "&="},
	{InvertBitwiseAssignments, "<<=", ">>="}, {InvertBitwiseAssignments, ">>=", "<<="},
	{InvertLogical, "&&", "||"}, {InvertLogical, "||", "&&"},
	{InvertLoopCtrl, "break", "continue"}, {InvertLoopCtrl, "continue", "break"},
	{InvertNegatives, "-", "+"},
	{RemoveSelfAssignments, "+=", "="}, {RemoveSelfAssignments, "&=", "="},
	{RemoveSelfAssignments, "&^=", "="}, {RemoveSelfAssignments, "*=", "="},
	{RemoveSelfAssignments, "|=", "="}, {RemoveSelfAssignments, "/=", "="},
	{RemoveSelfAssignments, "%=", "="}, {RemoveSelfAssignments, "<<=", "="},
	{RemoveSelfAssignments, ">>=", "="}, {RemoveSelfAssignments, "-=", "="},
	{RemoveSelfAssignments, "^=", "="},
}

type pair struct{ from, to string }

func tableAsText(t map[string]map[token.Token]token.Token) map[string][]pair {
	out := map[string][]pair{}
	for typ, m := range t {
		for from, to := range m {
			out[typ] = append(out[typ], pair{from.String(), to.String()})
		}
	}
	return out
}

func sortedPairs(m map[string][]pair) map[string]map[pair]bool {
	out := map[string]map[pair]bool{}
	for typ, ps := range m {
		out[typ] = map[pair]bool{}
		for _, p := range ps {
			out[typ][p] = true
		}
	}
	return out
}

func TestTokenTableMatchesGremlins(t *testing.T) {
	want := map[string][]pair{}
	for _, e := range gremlinsTable {
		want[e.typ] = append(want[e.typ], pair{e.from, e.to})
	}
	if diff := cmp.Diff(sortedPairs(want), sortedPairs(tableAsText(tokenMutations()))); diff != "" {
		t.Errorf("token table differs from gremlins v0.6.0's (-gremlins +ours):\n%s", diff)
	}
}

// TestTokenTableMatchesGremlinsSource compares with the table in gremlins'
// own source when the module cache holds it (go install of gremlins
// v0.6.0 puts it there); it is skipped otherwise.
func TestTokenTableMatchesGremlinsSource(t *testing.T) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("go env GOMODCACHE: %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "github.com", "go-gremlins", "gremlins@v0.6.0", "internal", "engine", "mappings.go")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("gremlins v0.6.0 source not in the module cache: %v", err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	typeNames := map[string]string{
		"ArithmeticBase": ArithmeticBase, "ConditionalsBoundary": ConditionalsBoundary,
		"ConditionalsNegation": ConditionalsNegation, "IncrementDecrement": IncrementDecrement,
		"InvertAssignments": InvertAssignments, "InvertBitwise": InvertBitwise,
		"InvertBitwiseAssignments": InvertBitwiseAssignments, "InvertLogical": InvertLogical,
		"InvertLoopCtrl": InvertLoopCtrl, "InvertNegatives": InvertNegatives,
		"RemoveSelfAssignments": RemoveSelfAssignments,
	}
	tokens := map[string]token.Token{}
	for tok, name := range tokenConstNames() {
		tokens[name] = tok
	}
	got := map[string][]pair{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "tokenMutations" {
			return true
		}
		for _, e := range vs.Values[0].(*ast.CompositeLit).Elts {
			kv := e.(*ast.KeyValueExpr)
			typ := typeNames[kv.Key.(*ast.SelectorExpr).Sel.Name]
			for _, e2 := range kv.Value.(*ast.CompositeLit).Elts {
				kv2 := e2.(*ast.KeyValueExpr)
				from := tokens[kv2.Key.(*ast.SelectorExpr).Sel.Name]
				to := tokens[kv2.Value.(*ast.SelectorExpr).Sel.Name]
				got[typ] = append(got[typ], pair{from.String(), to.String()})
			}
		}
		return false
	})
	if len(got) == 0 {
		t.Fatalf("no tokenMutations table found in %s", path)
	}
	if diff := cmp.Diff(sortedPairs(got), sortedPairs(tableAsText(tokenMutations()))); diff != "" {
		t.Errorf("token table differs from %s (-gremlins +ours):\n%s", path, diff)
	}
}

// tokenConstNames maps the tokens of gremlins' table to the names of their
// go/token constants.
func tokenConstNames() map[token.Token]string {
	return map[token.Token]string{
		token.ADD: "ADD", token.SUB: "SUB", token.MUL: "MUL", token.QUO: "QUO", token.REM: "REM",
		token.AND: "AND", token.OR: "OR", token.XOR: "XOR", token.SHL: "SHL", token.SHR: "SHR",
		token.AND_NOT: "AND_NOT", token.ADD_ASSIGN: "ADD_ASSIGN", token.SUB_ASSIGN: "SUB_ASSIGN",
		token.MUL_ASSIGN: "MUL_ASSIGN", token.QUO_ASSIGN: "QUO_ASSIGN", token.REM_ASSIGN: "REM_ASSIGN",
		token.AND_ASSIGN: "AND_ASSIGN", token.OR_ASSIGN: "OR_ASSIGN", token.XOR_ASSIGN: "XOR_ASSIGN",
		token.SHL_ASSIGN: "SHL_ASSIGN", token.SHR_ASSIGN: "SHR_ASSIGN", token.AND_NOT_ASSIGN: "AND_NOT_ASSIGN",
		token.LAND: "LAND", token.LOR: "LOR", token.INC: "INC", token.DEC: "DEC", token.EQL: "EQL",
		token.LSS: "LSS", token.GTR: "GTR", token.ASSIGN: "ASSIGN", token.NEQ: "NEQ", token.LEQ: "LEQ",
		token.GEQ: "GEQ", token.BREAK: "BREAK", token.CONTINUE: "CONTINUE",
	}
}

// TestMutateEveryEntry applies each table entry to a statement holding the
// operator at a known column and checks the text that results.
func TestMutateEveryEntry(t *testing.T) {
	for _, e := range gremlinsTable {
		var src, want string
		switch e.from {
		case "++", "--":
			src, want = "package p\nfunc f(i int) { i"+e.from+" }\n", "package p\nfunc f(i int) { i"+e.to+" }\n"
		case "break", "continue":
			src, want = "package p\nfunc f() { for { "+e.from+" } }\n", "package p\nfunc f() { for { "+e.to+" } }\n"
		default:
			src, want = "package p\nvar x = a "+e.from+" b\n", "package p\nvar x = a "+e.to+" b\n"
		}
		col := strings.Index(strings.Split(src, "\n")[1], e.from) + 1
		got, err := Mutate([]byte(src), e.typ, 2, col)
		if err != nil {
			t.Errorf("%s %q: %v", e.typ, e.from, err)
			continue
		}
		if string(got) != want {
			t.Errorf("%s %q: got %q, want %q", e.typ, e.from, got, want)
		}
	}
}

func TestMutatePosition(t *testing.T) {
	src := "package p\n\nfunc f(a, b int) bool { return a<<b < -a && a <= b }\n"
	tests := []struct {
		name, typ string
		line, col int
		want      string // the mutated line 3, or "" for an error
	}{
		{"comparison after a shift", ConditionalsBoundary, 3, 37, "func f(a, b int) bool { return a<<b <= -a && a <= b }"},
		{"unary minus", InvertNegatives, 3, 39, "func f(a, b int) bool { return a<<b < +a && a <= b }"},
		{"second comparison", ConditionalsNegation, 3, 47, "func f(a, b int) bool { return a<<b < -a && a > b }"},
		{"shift is not a comparison", ConditionalsBoundary, 3, 33, ""},
		{"no token starts mid-operator", ConditionalsBoundary, 3, 48, ""},
		{"identifier", ArithmeticBase, 3, 32, ""},
		{"past the end", ArithmeticBase, 9, 1, ""},
		{"unknown type", "FLIP", 3, 37, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Mutate([]byte(src), tc.typ, tc.line, tc.col)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("want an error, got %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if line := strings.Split(string(got), "\n")[2]; line != tc.want {
				t.Errorf("got %q, want %q", line, tc.want)
			}
		})
	}
}
