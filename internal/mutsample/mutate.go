package main

import (
	"fmt"
	"go/scanner"
	"go/token"
)

// Mutant types, spelled as gremlins v0.6.0 prints them.
const (
	ArithmeticBase           = "ARITHMETIC_BASE"
	ConditionalsBoundary     = "CONDITIONALS_BOUNDARY"
	ConditionalsNegation     = "CONDITIONALS_NEGATION"
	IncrementDecrement       = "INCREMENT_DECREMENT"
	InvertAssignments        = "INVERT_ASSIGNMENTS"
	InvertBitwise            = "INVERT_BITWISE"
	InvertBitwiseAssignments = "INVERT_BWASSIGN"
	InvertLogical            = "INVERT_LOGICAL"
	InvertLoopCtrl           = "INVERT_LOOPCTRL"
	InvertNegatives          = "INVERT_NEGATIVES"
	RemoveSelfAssignments    = "REMOVE_SELF_ASSIGNMENTS"
)

// tokenMutations returns gremlins v0.6.0's table (internal/engine/
// tokenmutator.go): for each mutant type, the token it replaces and its
// replacement. Gremlins mutates the operator token of an assignment,
// binary, branch, increment/decrement or unary node; the same token
// replacement applies here to the token at the mutant's position. It is
// built on each call so that no mutable table is shared.
func tokenMutations() map[string]map[token.Token]token.Token {
	return map[string]map[token.Token]token.Token{
		ArithmeticBase: {
			token.ADD: token.SUB,
			token.MUL: token.QUO,
			token.QUO: token.MUL,
			token.REM: token.MUL,
			token.SUB: token.ADD,
		},
		ConditionalsBoundary: {
			token.GEQ: token.GTR,
			token.GTR: token.GEQ,
			token.LEQ: token.LSS,
			token.LSS: token.LEQ,
		},
		ConditionalsNegation: {
			token.EQL: token.NEQ,
			token.GEQ: token.LSS,
			token.GTR: token.LEQ,
			token.LEQ: token.GTR,
			token.LSS: token.GEQ,
			token.NEQ: token.EQL,
		},
		IncrementDecrement: {
			token.DEC: token.INC,
			token.INC: token.DEC,
		},
		InvertAssignments: {
			token.ADD_ASSIGN: token.SUB_ASSIGN,
			token.MUL_ASSIGN: token.QUO_ASSIGN,
			token.QUO_ASSIGN: token.MUL_ASSIGN,
			token.REM_ASSIGN: token.REM_ASSIGN,
			token.SUB_ASSIGN: token.ADD_ASSIGN,
		},
		InvertBitwise: {
			token.AND:     token.OR,
			token.OR:      token.AND,
			token.XOR:     token.AND,
			token.AND_NOT: token.AND,
			token.SHL:     token.SHR,
			token.SHR:     token.SHL,
		},
		InvertBitwiseAssignments: {
			token.AND_ASSIGN:     token.OR_ASSIGN,
			token.OR_ASSIGN:      token.AND_ASSIGN,
			token.XOR_ASSIGN:     token.AND_ASSIGN,
			token.AND_NOT_ASSIGN: token.AND_ASSIGN,
			token.SHL_ASSIGN:     token.SHR_ASSIGN,
			token.SHR_ASSIGN:     token.SHL_ASSIGN,
		},
		InvertLogical: {
			token.LAND: token.LOR,
			token.LOR:  token.LAND,
		},
		InvertLoopCtrl: {
			token.BREAK:    token.CONTINUE,
			token.CONTINUE: token.BREAK,
		},
		InvertNegatives: {
			token.SUB: token.ADD,
		},
		RemoveSelfAssignments: {
			token.ADD_ASSIGN:     token.ASSIGN,
			token.AND_ASSIGN:     token.ASSIGN,
			token.AND_NOT_ASSIGN: token.ASSIGN,
			token.MUL_ASSIGN:     token.ASSIGN,
			token.OR_ASSIGN:      token.ASSIGN,
			token.QUO_ASSIGN:     token.ASSIGN,
			token.REM_ASSIGN:     token.ASSIGN,
			token.SHL_ASSIGN:     token.ASSIGN,
			token.SHR_ASSIGN:     token.ASSIGN,
			token.SUB_ASSIGN:     token.ASSIGN,
			token.XOR_ASSIGN:     token.ASSIGN,
		},
	}
}

// Mutate returns src with the mutant of type typ applied to the token at
// line:col (1-based; col counts bytes, as go/token does). It scans src
// with go/scanner, so the token is found exactly as gremlins' parser sees
// it (a "<" inside "<<" is never taken for a comparison). The error names
// the position when no token starts there or when typ does not apply to
// that token.
func Mutate(src []byte, typ string, line, col int) ([]byte, error) {
	table, ok := tokenMutations()[typ]
	if !ok {
		return nil, fmt.Errorf("unknown mutant type %q", typ)
	}
	fset := token.NewFileSet()
	file := fset.AddFile("src.go", -1, len(src))
	var s scanner.Scanner
	var scanErr error
	s.Init(file, src, func(pos token.Position, msg string) {
		if scanErr == nil {
			scanErr = fmt.Errorf("%d:%d: %s", pos.Line, pos.Column, msg)
		}
	}, 0)
	for {
		pos, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		p := fset.Position(pos)
		if p.Line < line || (p.Line == line && p.Column < col) {
			continue
		}
		if p.Line != line || p.Column != col {
			break
		}
		repl, ok := table[tok]
		if !ok {
			return nil, fmt.Errorf("%d:%d: mutant %s does not apply to token %q", line, col, typ, tok)
		}
		off := p.Offset
		orig := tok.String()
		if string(src[off:off+len(orig)]) != orig {
			return nil, fmt.Errorf("%d:%d: token %q not found in the source text", line, col, orig)
		}
		out := make([]byte, 0, len(src)+2)
		out = append(out, src[:off]...)
		out = append(out, repl.String()...)
		out = append(out, src[off+len(orig):]...)
		return out, nil
	}
	if scanErr != nil {
		return nil, fmt.Errorf("scanning: %w", scanErr)
	}
	return nil, fmt.Errorf("%d:%d: no token starts at this position", line, col)
}
