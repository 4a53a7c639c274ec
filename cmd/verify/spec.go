package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"attnclust/theory"
)

// Caps on an eval spec. They keep every evaluation finite and bounded in
// time: squares of the magnitudes stay normal float64 numbers, and the
// Monte Carlo work samples*L*d stays within minutes.
const (
	maxDim     = 10_000_000 // d <= 10^7
	maxSamples = 10_000_000 // samples <= 10^7
	maxL       = 1_000_000  // L <= 10^6
	maxWork    = 2e10       // samples * L * d <= 2e10
	maxAbs     = 1e150      // |centroid|, |head|, sigma, lambda <= 1e150
	minSigma   = 1e-150     // sigma >= 1e-150, so sigma^2 does not underflow
)

// Layer names accepted in the "layer" field.
const (
	layerPrototype = "prototype"
	layerIdentity  = "identity"
)

// specFields returns the accepted top-level fields, in the order in which
// they are validated.
func specFields() []string {
	return []string{"layer", "variant", "d", "sigma", "weights", "centroids", "lambda", "heads", "L", "samples", "seed"}
}

// evalUsage documents the eval spec contract and its caps.
const evalUsage = `eval spec: one JSON object with the fields
  layer      "prototype" or "identity"                          (required)
  d          integer token dimension, 1 <= d <= 1e7             (required)
  sigma      noise standard deviation, 1e-150 <= sigma <= 1e150 (required)
  weights    2 mixing weights, each > 0, summing to 1 within 1e-12 (required)
  centroids  2 vectors of length d, |entries| <= 1e150         (required)
  lambda     inverse temperature, 0 <= lambda <= 1e150
             (required; optional and ignored for variant "hardmax")
  prototype only:
    variant  "dot", "distance" or "hardmax"                     (required)
    heads    2 vectors of length d, |entries| <= 1e150         (required)
  identity only:
    L        sequence length, integer 0 <= L <= 1e6; 0 means L -> infinity (required)
    samples  Monte Carlo sequences, integer 1 <= samples <= 1e7 (required iff L > 0)
    seed     random seed, integer 0 <= seed < 2^64              (required iff L > 0)
  work cap: samples * L * d <= 2e10.
  Integers are written without fraction or exponent; unknown, duplicate or
  inapplicable fields are rejected; nothing may follow the object.
output (prototype): {"layer","variant","risk","risk_err","grad","grad_err"}
output (identity):  {"layer","quant_error","quant_error_err","input_error"}
`

// spec is a validated eval spec.
type spec struct {
	layer     string
	variant   theory.Variant // prototype only
	d         int
	sigma     float64
	weights   []float64
	centroids [][]float64
	lambda    float64 // 0 when omitted for hardmax
	heads     [][]float64
	L         int
	samples   int
	seed      uint64
}

// specError is a rejected spec. field names the offending field (with an
// index path for vector entries), or is empty when the input as a whole is
// at fault.
type specError struct {
	field string
	msg   string
}

func (e *specError) Error() string {
	if e.field == "" {
		return "spec: " + e.msg
	}
	return fmt.Sprintf("spec: field %q: %s", e.field, e.msg)
}

func errf(field, format string, args ...any) error {
	return &specError{field: field, msg: fmt.Sprintf(format, args...)}
}

// readFields reads exactly one JSON object from r and returns its members
// as raw values. It rejects malformed JSON, a non-object, unknown and
// duplicate field names (matched exactly, case-sensitively) and any data
// after the object.
func readFields(r io.Reader) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, errf("", "empty input: want one JSON object")
	}
	if err != nil {
		return nil, malformed(dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errf("", "must be a JSON object, got %s", describeToken(tok))
	}
	fields := make(map[string]json.RawMessage)
	last := "" // the last field read, to locate syntax errors
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformedAfter(dec, err, last)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errf("", "malformed JSON: object key is %s", describeToken(tok))
		}
		if !knownField(key) {
			return nil, errf(key, "unknown field%s (allowed: %s)", didYouMean(key), strings.Join(specFields(), ", "))
		}
		if _, dup := fields[key]; dup {
			return nil, errf(key, "duplicate field")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				return nil, errf(key, "malformed JSON value at byte %d: %v", syn.Offset, err)
			}
			return nil, errf(key, "malformed JSON value: %v", unexpectedEOF(err))
		}
		fields[key] = raw
		last = key
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, malformedAfter(dec, err, last)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, errf("", "trailing data after the spec object at byte %d: %v", dec.InputOffset(), err)
		}
		return nil, errf("", "trailing data after the spec object: %s at byte %d", describeToken(tok), dec.InputOffset())
	}
	return fields, nil
}

func malformed(dec *json.Decoder, err error) error {
	return malformedAfter(dec, err, "")
}

// malformedAfter reports a syntax error, locating it after the value of
// field last when that is known.
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
	return errf("", "malformed JSON at byte %d%s: %v", off, where, unexpectedEOF(err))
}

func unexpectedEOF(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("unexpected end of input")
	}
	return err
}

func knownField(key string) bool {
	for _, f := range specFields() {
		if f == key {
			return true
		}
	}
	return false
}

func didYouMean(key string) string {
	for _, f := range specFields() {
		if strings.EqualFold(f, key) {
			return fmt.Sprintf(" (did you mean %q? names are case-sensitive)", f)
		}
	}
	return ""
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
		return fmt.Sprintf("the string %q", t)
	case bool:
		return fmt.Sprintf("the boolean %v", t)
	case nil:
		return "null"
	case json.Number:
		return "the number " + string(t)
	case float64:
		return fmt.Sprintf("the number %v", t)
	}
	return fmt.Sprintf("%v", tok)
}

// parseSpec reads and validates one eval spec.
func parseSpec(r io.Reader) (*spec, error) {
	fields, err := readFields(r)
	if err != nil {
		return nil, err
	}
	s := &spec{}

	// layer decides which other fields apply.
	raw, ok := fields["layer"]
	if !ok {
		return nil, errf("layer", "required (\"prototype\" or \"identity\")")
	}
	if s.layer, err = parseString("layer", raw); err != nil {
		return nil, err
	}
	var notAllowed []string
	switch s.layer {
	case layerPrototype:
		notAllowed = []string{"L", "samples", "seed"}
	case layerIdentity:
		notAllowed = []string{"variant", "heads"}
	default:
		return nil, errf("layer", "must be %q or %q, got %q", layerPrototype, layerIdentity, s.layer)
	}
	for _, f := range notAllowed {
		if _, ok := fields[f]; ok {
			return nil, errf(f, "not allowed for layer %q", s.layer)
		}
	}
	need := func(f, what string) (json.RawMessage, error) {
		raw, ok := fields[f]
		if !ok {
			return nil, errf(f, "required for layer %q (%s)", s.layer, what)
		}
		return raw, nil
	}

	hardmax := false
	if s.layer == layerPrototype {
		raw, err := need("variant", `"dot", "distance" or "hardmax"`)
		if err != nil {
			return nil, err
		}
		name, err := parseString("variant", raw)
		if err != nil {
			return nil, err
		}
		if s.variant, err = theory.ParseVariant(name); err != nil {
			return nil, errf("variant", "must be \"dot\", \"distance\" or \"hardmax\", got %q", name)
		}
		hardmax = s.variant == theory.Hardmax
	}

	if raw, err = need("d", "integer token dimension"); err != nil {
		return nil, err
	}
	d, err := parseInt("d", raw)
	if err != nil {
		return nil, err
	}
	if d < 1 || d > maxDim {
		return nil, errf("d", "must be an integer in [1, %d], got %d", maxDim, d)
	}
	s.d = int(d)

	if raw, err = need("sigma", "noise standard deviation"); err != nil {
		return nil, err
	}
	if s.sigma, err = parseFloat("sigma", raw); err != nil {
		return nil, err
	}
	if !(s.sigma > 0) {
		return nil, errf("sigma", "must be finite and > 0, got %v", s.sigma)
	}
	if s.sigma < minSigma || s.sigma > maxAbs {
		return nil, errf("sigma", "must be in [%g, %g] so that sigma^2 neither underflows nor overflows, got %v", minSigma, maxAbs, s.sigma)
	}

	if raw, err = need("weights", "2 mixing weights"); err != nil {
		return nil, err
	}
	if s.weights, err = parseWeights(raw); err != nil {
		return nil, err
	}

	if raw, err = need("centroids", "2 vectors of length d"); err != nil {
		return nil, err
	}
	if s.centroids, err = parseMatrix("centroids", raw, 2, s.d); err != nil {
		return nil, err
	}

	if raw, ok := fields["lambda"]; ok || !hardmax {
		if !ok {
			return nil, errf("lambda", "required for %s (inverse temperature >= 0)", layerDescription(s))
		}
		if s.lambda, err = parseFloat("lambda", raw); err != nil {
			return nil, err
		}
		if s.lambda < 0 {
			return nil, errf("lambda", "must be >= 0, got %v", s.lambda)
		}
	}

	if s.layer == layerPrototype {
		if raw, err = need("heads", "2 vectors of length d"); err != nil {
			return nil, err
		}
		if s.heads, err = parseMatrix("heads", raw, 2, s.d); err != nil {
			return nil, err
		}
		return s, nil
	}

	// Identity layer.
	if raw, err = need("L", "sequence length; 0 means L -> infinity"); err != nil {
		return nil, err
	}
	L, err := parseInt("L", raw)
	if err != nil {
		return nil, err
	}
	if L < 0 || L > maxL {
		return nil, errf("L", "must be an integer in [0, %d] (0 means L -> infinity), got %d", maxL, L)
	}
	s.L = int(L)
	if s.L == 0 {
		for _, f := range []string{"samples", "seed"} {
			if _, ok := fields[f]; ok {
				return nil, errf(f, "not allowed when L = 0 (the L -> infinity limit is computed exactly, without sampling)")
			}
		}
		return s, nil
	}
	if raw, err = need("samples", "Monte Carlo sequences, needed when L > 0"); err != nil {
		return nil, err
	}
	n, err := parseInt("samples", raw)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > maxSamples {
		return nil, errf("samples", "must be an integer in [1, %d] when L > 0, got %d", maxSamples, n)
	}
	s.samples = int(n)
	if work := float64(s.samples) * float64(s.L) * float64(s.d); work > maxWork {
		return nil, errf("samples", "work samples*L*d = %g exceeds the cap %g", work, maxWork)
	}
	if raw, err = need("seed", "random seed, needed when L > 0"); err != nil {
		return nil, err
	}
	if s.seed, err = parseSeed(raw); err != nil {
		return nil, err
	}
	return s, nil
}

// layerDescription names the layer (and variant) of s for messages.
func layerDescription(s *spec) string {
	if s.layer == layerPrototype {
		return fmt.Sprintf("layer %q with variant %q", s.layer, s.variant)
	}
	return fmt.Sprintf("layer %q", s.layer)
}

// parseString decodes a JSON string.
func parseString(field string, raw json.RawMessage) (string, error) {
	tok, err := firstToken(raw)
	if err != nil {
		return "", errf(field, "malformed JSON value: %v", err)
	}
	str, ok := tok.(string)
	if !ok {
		return "", errf(field, "must be a string, got %s", describeToken(tok))
	}
	return str, nil
}

// parseFloat decodes a finite JSON number with |value| <= maxAbs.
func parseFloat(field string, raw json.RawMessage) (float64, error) {
	tok, err := firstToken(raw)
	if err != nil {
		return 0, errf(field, "malformed JSON value: %v", err)
	}
	num, ok := tok.(json.Number)
	if !ok {
		return 0, errf(field, "must be a number, got %s", describeToken(tok))
	}
	v, msg := numberValue(num)
	if msg != "" {
		return 0, errf(field, "%s", msg)
	}
	return v, nil
}

// numberValue converts a JSON number, rejecting values outside the
// float64 range and magnitudes above maxAbs. A rejection is returned as a
// non-empty message for the caller to attach to the field's name.
func numberValue(num json.Number) (float64, string) {
	v, err := strconv.ParseFloat(string(num), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Sprintf("must be finite: %s overflows float64", num)
	}
	if math.Abs(v) > maxAbs {
		return 0, fmt.Sprintf("|value| must be <= %g (squares must not overflow), got %s", maxAbs, num)
	}
	return v, ""
}

// parseInt decodes a JSON integer written without fraction or exponent.
func parseInt(field string, raw json.RawMessage) (int64, error) {
	num, err := integerLiteral(field, raw)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, errf(field, "integer %s is out of range", num)
	}
	return v, nil
}

// parseSeed decodes the seed, an integer in [0, 2^64).
func parseSeed(raw json.RawMessage) (uint64, error) {
	num, err := integerLiteral("seed", raw)
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(num, "-") {
		return 0, errf("seed", "must be >= 0, got %s", num)
	}
	v, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return 0, errf("seed", "must be < 2^64, got %s", num)
	}
	return v, nil
}

func integerLiteral(field string, raw json.RawMessage) (string, error) {
	tok, err := firstToken(raw)
	if err != nil {
		return "", errf(field, "malformed JSON value: %v", err)
	}
	num, ok := tok.(json.Number)
	if !ok {
		return "", errf(field, "must be an integer, got %s", describeToken(tok))
	}
	if strings.ContainsAny(string(num), ".eE") {
		return "", errf(field, "must be an integer (no fraction or exponent), got %s", num)
	}
	return string(num), nil
}

// parseWeights decodes exactly two mixing weights, each > 0 and <= 1,
// summing to 1 within theory.WeightSumTol.
func parseWeights(raw json.RawMessage) ([]float64, error) {
	sc := &arrayScanner{b: string(raw)}
	if err := sc.open("weights", "an array of 2 numbers"); err != nil {
		return nil, err
	}
	w, err := sc.numbers("weights")
	if err != nil {
		return nil, err
	}
	if len(w) != 2 {
		return nil, errf("weights", "must have exactly 2 entries (one per component), got %d", len(w))
	}
	sum := 0.0
	for k, x := range w {
		if !(x > 0) || x > 1 {
			return nil, errf(fmt.Sprintf("weights[%d]", k), "must be > 0 and <= 1, got %v", x)
		}
		sum += x
	}
	if math.Abs(sum-1) > theory.WeightSumTol {
		return nil, errf("weights", "must sum to 1 within %g, sum is %.17g", theory.WeightSumTol, sum)
	}
	return w, nil
}

// parseMatrix decodes exactly rows vectors of length cols each.
func parseMatrix(field string, raw json.RawMessage, rows, cols int) ([][]float64, error) {
	sc := &arrayScanner{b: string(raw)}
	if err := sc.open(field, fmt.Sprintf("an array of %d vectors of length d = %d", rows, cols)); err != nil {
		return nil, err
	}
	var m [][]float64
	for i := 0; sc.more(); i++ {
		path := fmt.Sprintf("%s[%d]", field, i)
		if err := sc.open(path, fmt.Sprintf("a vector of length d = %d", cols)); err != nil {
			return nil, err
		}
		v, err := sc.numbersCap(path, cols)
		if err != nil {
			return nil, err
		}
		if len(v) != cols {
			return nil, errf(path, "must have length d = %d, got %d", cols, len(v))
		}
		m = append(m, v)
	}
	if len(m) != rows {
		return nil, errf(field, "must have exactly %d vectors, got %d", rows, len(m))
	}
	return m, nil
}

func newDecoder(raw json.RawMessage) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec
}

func firstToken(raw json.RawMessage) (json.Token, error) {
	tok, err := newDecoder(raw).Token()
	return tok, unexpectedEOF(err)
}

// arrayScanner reads arrays of numbers from a JSON value that the
// decoder has already checked to be well-formed. The value is held as one
// string, so entries are parsed from substrings without allocating, and
// vectors of length up to maxDim stay cheap.
type arrayScanner struct {
	b string
	i int
}

func (sc *arrayScanner) skipSpace() {
	for sc.i < len(sc.b) {
		switch sc.b[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// kind names the JSON value starting at the current position.
func (sc *arrayScanner) kind() string {
	if sc.i >= len(sc.b) {
		return "the end of input"
	}
	switch c := sc.b[sc.i]; {
	case c == '[':
		return "an array"
	case c == '{':
		return "an object"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "the number " + sc.numberLiteral()
	}
	return fmt.Sprintf("%q", sc.b[sc.i])
}

// numberLiteral returns the number literal at the current position
// without consuming it.
func (sc *arrayScanner) numberLiteral() string {
	j := sc.i
	for j < len(sc.b) {
		switch sc.b[j] {
		case ',', ']', '}', ' ', '\t', '\n', '\r':
			return sc.b[sc.i:j]
		}
		j++
	}
	return sc.b[sc.i:j]
}

// open consumes the '[' that starts an array; what describes the
// expected value for the error message.
func (sc *arrayScanner) open(field, what string) error {
	sc.skipSpace()
	if sc.i >= len(sc.b) || sc.b[sc.i] != '[' {
		return errf(field, "must be %s, got %s", what, sc.kind())
	}
	sc.i++
	return nil
}

// more reports whether the current array has another element, consuming
// the ',' before it or the ']' that closes the array.
func (sc *arrayScanner) more() bool {
	sc.skipSpace()
	if sc.i < len(sc.b) && sc.b[sc.i] == ',' {
		sc.i++
		sc.skipSpace()
	}
	if sc.i >= len(sc.b) {
		return false
	}
	if sc.b[sc.i] == ']' {
		sc.i++
		return false
	}
	return true
}

// numbers reads the entries of an array whose '[' was consumed, through
// its ']'. Entries are named field[i] in errors.
func (sc *arrayScanner) numbers(field string) ([]float64, error) {
	return sc.numbersCap(field, 0)
}

// numbersCap is numbers with a capacity hint.
func (sc *arrayScanner) numbersCap(field string, hint int) ([]float64, error) {
	// An array of n numbers takes at least 2n-1 bytes.
	v := make([]float64, 0, min(hint, (len(sc.b)-sc.i)/2+1))
	for i := 0; sc.more(); i++ {
		c := sc.b[sc.i]
		if c != '-' && (c < '0' || c > '9') {
			return nil, errf(fmt.Sprintf("%s[%d]", field, i), "must be a number, got %s", sc.kind())
		}
		lit := sc.numberLiteral()
		x, msg := numberValue(json.Number(lit))
		if msg != "" {
			return nil, errf(fmt.Sprintf("%s[%d]", field, i), "%s", msg)
		}
		sc.i += len(lit)
		v = append(v, x)
	}
	return v, nil
}
