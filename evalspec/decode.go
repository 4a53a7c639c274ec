package evalspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Decode reads exactly one spec from data and validates it. It is strict:
// data must be one JSON object (surrounding whitespace allowed, nothing
// after it); field names are matched exactly (case-sensitively) against
// Fields, and unknown or duplicate names are rejected; every value must
// have its JSON type (integers written without fraction or exponent,
// numbers that fit in a float64, uint64 for the seed); then every rule of
// Validate applies, with "present" meaning present in the JSON (so
// "samples": 0 is not read as an absent field).
//
// Errors are *FieldError values naming the field (with an index path for
// vector entries), or no field for malformed JSON as a whole. Type errors
// are reported before rule errors, each in Fields order; syntax errors,
// unknown and duplicate fields in document order.
func Decode(data []byte) (Spec, error) {
	if !json.Valid(data) {
		return Spec{}, syntaxError(data)
	}
	src := string(data) // one copy; entries are parsed from substrings of it
	raw, has, err := scanFields(src)
	if err != nil {
		return Spec{}, err
	}
	var s Spec
	if err := decodeFields(&s, &raw, &has); err != nil {
		return Spec{}, err
	}
	if err := validate(&s, has); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// Encode validates s and returns its compact JSON form (fields in Fields
// order, absent fields omitted, numbers in the shortest form that reads
// back to the same float64, no trailing newline). Decode(Encode(s))
// returns s.
func Encode(s Spec) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// scanFields splits the top-level object of src, which is valid JSON, into
// the raw text of each known field. It rejects a non-object and unknown or
// duplicate field names, in document order.
func scanFields(src string) (raw [nFields]string, has presence, err error) {
	sc := scanner{s: src}
	sc.skipSpace()
	if sc.peek() != '{' {
		return raw, has, errf("", "must be a JSON object, got %s", describe(sc.value()))
	}
	sc.i++
	for {
		sc.skipSpace()
		if sc.peek() == '}' {
			return raw, has, nil
		}
		if sc.peek() == ',' {
			sc.i++
			sc.skipSpace()
		}
		key := unquote(sc.value())
		f := fieldIndex(key)
		if f < 0 {
			return raw, has, errf(key, "unknown field%s (allowed: %s)", didYouMean(key), strings.Join(Fields(), ", "))
		}
		if has[f] {
			return raw, has, errf(key, "duplicate field")
		}
		sc.skipSpace()
		sc.i++ // ':'
		sc.skipSpace()
		raw[f], has[f] = sc.value(), true
	}
}

// decodeFields decodes the JSON type of every present field into s.
func decodeFields(s *Spec, raw *[nFields]string, has *presence) error {
	var err error
	names := Fields()
	for f := range nFields {
		if !has[f] {
			continue
		}
		name, v := names[f], raw[f]
		switch f {
		case fLayer:
			s.Layer, err = decodeString(name, v)
		case fVariant:
			s.Variant, err = decodeString(name, v)
		case fD:
			s.D, err = decodeInt(name, v)
		case fSigma:
			s.Sigma, err = decodeFloat(name, v)
		case fWeights:
			s.Weights, err = decodeVector(name, v)
		case fCentroids:
			s.Centroids, err = decodeMatrix(name, v)
		case fLambda:
			var x float64
			x, err = decodeFloat(name, v)
			s.Lambda = &x
		case fHeads:
			s.Heads, err = decodeMatrix(name, v)
		case fL:
			var n int
			n, err = decodeInt(name, v)
			s.L = &n
		case fSamples:
			s.Samples, err = decodeInt(name, v)
		case fSeed:
			var u uint64
			u, err = decodeSeed(v)
			s.Seed = &u
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func fieldIndex(key string) int {
	for i, f := range Fields() {
		if f == key {
			return i
		}
	}
	return -1
}

func didYouMean(key string) string {
	for _, f := range Fields() {
		if strings.EqualFold(f, key) {
			return fmt.Sprintf(" (did you mean %q? names are case-sensitive)", f)
		}
	}
	return ""
}

// maxDescribe caps the length of a string quoted in a message.
const maxDescribe = 40

// describe names the JSON type (and value, when short) of the valid JSON
// value v, for messages.
func describe(v string) string {
	if v == "" {
		return "the end of input"
	}
	switch c := v[0]; {
	case c == '[':
		return "an array"
	case c == '{':
		return "an object"
	case c == '"':
		u := unquote(v)
		if len(u) > maxDescribe {
			return fmt.Sprintf("the string %q...", u[:maxDescribe])
		}
		return fmt.Sprintf("the string %q", u)
	case c == 't' || c == 'f':
		return "the boolean " + v
	case c == 'n':
		return "null"
	}
	if len(v) > maxDescribe {
		return "the number " + v[:maxDescribe] + "..."
	}
	return "the number " + v
}

// unquote returns the contents of the valid JSON string literal q.
func unquote(q string) string {
	if len(q) >= 2 && !strings.ContainsAny(q[1:len(q)-1], `\"`) {
		return q[1 : len(q)-1]
	}
	var s string
	if err := json.Unmarshal([]byte(q), &s); err != nil {
		return q // not reached for a valid literal
	}
	return s
}

func isNumberStart(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }

func decodeString(field, v string) (string, error) {
	if v[0] != '"' {
		return "", errf(field, "must be a string, got %s", describe(v))
	}
	return unquote(v), nil
}

// decodeFloat decodes a number that fits in a float64 (values that
// underflow read as 0 or a subnormal; the rules of Validate then apply).
func decodeFloat(field, v string) (float64, error) {
	if !isNumberStart(v[0]) {
		return 0, errf(field, "must be a number, got %s", describe(v))
	}
	return parseNumber(field, v)
}

func parseNumber(field, lit string) (float64, error) {
	x, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, errf(field, "must be finite: %s overflows float64", lit)
	}
	return x, nil
}

func integerLiteral(field, v string) (string, error) {
	if !isNumberStart(v[0]) {
		return "", errf(field, "must be an integer, got %s", describe(v))
	}
	if strings.ContainsAny(v, ".eE") {
		return "", errf(field, "must be an integer (no fraction or exponent), got %s", v)
	}
	return v, nil
}

func decodeInt(field, v string) (int, error) {
	lit, err := integerLiteral(field, v)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(lit, 10, 0)
	if err != nil {
		return 0, errf(field, "integer %s is out of range", lit)
	}
	return int(n), nil
}

// decodeSeed decodes the seed, an integer in [0, 2^64).
func decodeSeed(v string) (uint64, error) {
	lit, err := integerLiteral("seed", v)
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(lit, "-") {
		return 0, errf("seed", "must be >= 0, got %s", lit)
	}
	u, err := strconv.ParseUint(lit, 10, 64)
	if err != nil {
		return 0, errf("seed", "must be < 2^64, got %s", lit)
	}
	return u, nil
}

// decodeVector decodes an array of numbers; entries are named field[i].
func decodeVector(field, v string) ([]float64, error) {
	return decodeRow(field, -1, v)
}

// decodeRow decodes an array of numbers that is row row of field (or the
// whole field when row < 0). Entry names are built only for messages.
func decodeRow(field string, row int, v string) ([]float64, error) {
	name := func() string {
		if row < 0 {
			return field
		}
		return indexed(field, row)
	}
	if v[0] != '[' {
		if row < 0 {
			return nil, errf(field, "must be an array of numbers, got %s", describe(v))
		}
		return nil, errf(name(), "must be a vector of numbers, got %s", describe(v))
	}
	sc := scanner{s: v, i: 1}
	out := make([]float64, 0, strings.Count(v, ",")+1)
	for i := 0; sc.more(); i++ {
		e := sc.value()
		if !isNumberStart(e[0]) {
			return nil, errf(indexed(name(), i), "must be a number, got %s", describe(e))
		}
		x, err := strconv.ParseFloat(e, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, errf(indexed(name(), i), "must be finite: %s overflows float64", e)
		}
		out = append(out, x)
	}
	return out, nil
}

// decodeMatrix decodes an array of arrays of numbers; rows are named
// field[i] and entries field[i][j].
func decodeMatrix(field, v string) ([][]float64, error) {
	if v[0] != '[' {
		return nil, errf(field, "must be an array of vectors of numbers, got %s", describe(v))
	}
	sc := scanner{s: v, i: 1}
	m := [][]float64{}
	for i := 0; sc.more(); i++ {
		r, err := decodeRow(field, i, sc.value())
		if err != nil {
			return nil, err
		}
		m = append(m, r)
	}
	return m, nil
}

func indexed(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// scanner walks JSON text already known to be valid.
type scanner struct {
	s string
	i int
}

func (sc *scanner) peek() byte {
	if sc.i >= len(sc.s) {
		return 0
	}
	return sc.s[sc.i]
}

func (sc *scanner) skipSpace() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// more reports whether the array being read has another element,
// consuming the ',' before it or the ']' that closes the array, and
// leaves the position at the element.
func (sc *scanner) more() bool {
	sc.skipSpace()
	switch sc.peek() {
	case ',':
		sc.i++
		sc.skipSpace()
		return true
	case ']':
		sc.i++
		return false
	case 0:
		return false
	}
	return true
}

// value returns the text of the value at the current position and moves
// past it.
func (sc *scanner) value() string {
	start := sc.i
	switch sc.peek() {
	case '"':
		sc.i++
		for sc.i < len(sc.s) {
			switch sc.s[sc.i] {
			case '\\':
				sc.i += 2
				continue
			case '"':
				sc.i++
				return sc.s[start:sc.i]
			}
			sc.i++
		}
	case '[', '{':
		depth := 0
		for sc.i < len(sc.s) {
			switch sc.s[sc.i] {
			case '"':
				sc.value()
				continue
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					sc.i++
					return sc.s[start:sc.i]
				}
			}
			sc.i++
		}
	default:
		for sc.i < len(sc.s) {
			switch sc.s[sc.i] {
			case ',', ']', '}', ':', ' ', '\t', '\n', '\r':
				return sc.s[start:sc.i]
			}
			sc.i++
		}
	}
	return sc.s[start:sc.i]
}

// syntaxError explains why data is not valid JSON (or not a single
// object), reading it token by token to name the field at fault.
func syntaxError(data []byte) error {
	if err := readFields(data); err != nil {
		return err
	}
	return errf("", "malformed JSON")
}

// readFields reads data with encoding/json's tokenizer and returns the
// first error in document order: malformed JSON (located after the value
// of the last field read), a non-object, an unknown or duplicate field, or
// trailing data after the object.
func readFields(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err == io.EOF {
		return errf("", "empty input: want one JSON object")
	}
	if err != nil {
		return malformedAfter(dec, err, "")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errf("", "must be a JSON object, got %s", describeToken(tok))
	}
	seen := make(map[string]bool)
	last := "" // the last field read, to locate syntax errors
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformedAfter(dec, err, last)
		}
		key, ok := tok.(string)
		if !ok {
			return errf("", "malformed JSON: object key is %s", describeToken(tok))
		}
		if fieldIndex(key) < 0 {
			return errf(key, "unknown field%s (allowed: %s)", didYouMean(key), strings.Join(Fields(), ", "))
		}
		if seen[key] {
			return errf(key, "duplicate field")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				return &FieldError{Field: key, Msg: fmt.Sprintf("malformed JSON value at byte %d: %v", syn.Offset, err), Err: err}
			}
			return errf(key, "malformed JSON value: %v", unexpectedEOF(err))
		}
		seen[key] = true
		last = key
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return malformedAfter(dec, err, last)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return errf("", "trailing data after the spec object at byte %d: %v", dec.InputOffset(), err)
		}
		return errf("", "trailing data after the spec object: %s at byte %d", describeToken(tok), dec.InputOffset())
	}
	return nil
}

// malformedAfter reports a syntax error, locating it after the value of
// field last when that is known. The error names no field: the fault may
// lie anywhere after that value (a missing comma, a truncated input).
func malformedAfter(dec *json.Decoder, err error, last string) error {
	off := dec.InputOffset()
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		off = syn.Offset
	}
	where := ""
	if last != "" {
		where = fmt.Sprintf(" (after the value of field %q)", last)
	}
	return &FieldError{Msg: fmt.Sprintf("malformed JSON at byte %d%s: %v", off, where, unexpectedEOF(err)), Err: err}
}

func unexpectedEOF(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("unexpected end of input")
	}
	return err
}

// describeToken names the JSON type of a token for error messages.
func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			return "an array"
		case '{':
			return "an object"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		if len(t) > maxDescribe {
			return fmt.Sprintf("the string %q...", t[:maxDescribe])
		}
		return fmt.Sprintf("the string %q", t)
	case bool:
		return fmt.Sprintf("the boolean %v", t)
	case nil:
		return "null"
	case json.Number:
		return "the number " + string(t)
	}
	return fmt.Sprintf("%v", tok)
}
