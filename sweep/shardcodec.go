package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// The shard codec writes Go values as JSON that reads back to the same
// value, bit for bit: encoding/json cannot represent the infinite error
// bounds and NaN values that results carry, and a merged report must be
// byte-identical to the unsharded one. Rules:
//
//   - a float is a JSON number in its shortest round-trip form
//     (strconv 'g', -1), or the string "+Inf", "-Inf" or "NaN";
//   - integers are JSON integers (a uint64 seed keeps all 64 bits);
//   - a nil slice, map or pointer is null; an empty one is [] or {} (so
//     nil and empty survive the round trip);
//   - a struct is an object keyed by its fields' JSON tag names (the Go
//     name without a tag), every exported field written, none omitted;
//     unexported fields are not written (claims.Result's internal flag is
//     consumed inside claims.Run, before a result reaches a shard);
//   - map keys must be strings; interfaces, functions and channels are
//     refused with an error naming the path.

// encodeExact returns the exact JSON form of v.
func encodeExact(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := encodeValue(&b, reflect.ValueOf(v), "$"); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var rawExactType = reflect.TypeFor[rawExact]()

func encodeValue(b *bytes.Buffer, v reflect.Value, path string) error {
	if v.Type() == rawExactType {
		// already in the exact form: written as it is (a compact copy)
		var c bytes.Buffer
		if err := json.Compact(&c, v.Bytes()); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		b.Write(c.Bytes())
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		bits := 64
		if v.Kind() == reflect.Float32 {
			bits = 32
		}
		f := v.Float()
		switch {
		case math.IsNaN(f):
			b.WriteString(`"NaN"`)
		case math.IsInf(f, 1):
			b.WriteString(`"+Inf"`)
		case math.IsInf(f, -1):
			b.WriteString(`"-Inf"`)
		default:
			b.WriteString(strconv.FormatFloat(f, 'g', -1, bits))
		}
	case reflect.String:
		s, err := json.Marshal(v.String())
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		b.Write(s)
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return encodeValue(b, v.Elem(), path)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("null")
			return nil
		}
		b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encodeValue(b, v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("%s: map key type %s is not a string", path, v.Type().Key())
		}
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			ks, _ := json.Marshal(k.String())
			b.Write(ks)
			b.WriteByte(':')
			if err := encodeValue(b, v.MapIndex(k), path+"."+k.String()); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case reflect.Struct:
		b.WriteByte('{')
		n := 0
		for _, f := range exactFields(v.Type()) {
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			ks, _ := json.Marshal(f.name)
			b.Write(ks)
			b.WriteByte(':')
			if err := encodeValue(b, v.Field(f.index), path+"."+f.name); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("%s: cannot encode a value of kind %s (type %s)", path, v.Kind(), v.Type())
	}
	return nil
}

// exactField is one encoded struct field.
type exactField struct {
	name  string
	index int
}

// exactFields lists the exported fields of struct type t with their JSON
// names (tag name, else the Go name); a field tagged "-" is skipped.
func exactFields(t reflect.Type) []exactField {
	var out []exactField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			tn, _, _ := strings.Cut(tag, ",")
			if tn == "-" {
				continue
			}
			if tn != "" {
				name = tn
			}
		}
		out = append(out, exactField{name, i})
	}
	return out
}

// decodeExact reads the exact JSON form b into *ptr. Unknown and missing
// object keys are errors, so that a shard written by another version of
// the types is refused rather than read into zero values.
func decodeExact(b []byte, ptr any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("decodeExact: need a non-nil pointer, got %T", ptr)
	}
	return decodeValue(tree, v.Elem(), "$")
}

func decodeValue(x any, v reflect.Value, path string) error {
	if v.Type() == rawExactType {
		// kept as JSON, decoded later into its unit's type (json.Number
		// values keep their literal text, so nothing is rounded)
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v.SetBytes(b)
		return nil
	}
	bad := func(want string) error {
		return fmt.Errorf("%s: want %s, got %s", path, want, describeJSON(x))
	}
	switch v.Kind() {
	case reflect.Bool:
		bv, ok := x.(bool)
		if !ok {
			return bad("a boolean")
		}
		v.SetBool(bv)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := x.(json.Number)
		if !ok {
			return bad("an integer")
		}
		i, err := strconv.ParseInt(string(n), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := x.(json.Number)
		if !ok {
			return bad("an unsigned integer")
		}
		u, err := strconv.ParseUint(string(n), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		var f float64
		switch t := x.(type) {
		case json.Number:
			var err error
			if f, err = strconv.ParseFloat(string(t), v.Type().Bits()); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		case string:
			switch t {
			case "NaN":
				f = math.NaN()
			case "+Inf":
				f = math.Inf(1)
			case "-Inf":
				f = math.Inf(-1)
			default:
				return bad(`a number, "+Inf", "-Inf" or "NaN"`)
			}
		default:
			return bad("a number")
		}
		v.SetFloat(f)
	case reflect.String:
		s, ok := x.(string)
		if !ok {
			return bad("a string")
		}
		v.SetString(s)
	case reflect.Pointer:
		if x == nil {
			v.SetZero()
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := decodeValue(x, p.Elem(), path); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Slice:
		if x == nil {
			v.SetZero()
			return nil
		}
		arr, ok := x.([]any)
		if !ok {
			return bad("an array")
		}
		s := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, e := range arr {
			if err := decodeValue(e, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Array:
		arr, ok := x.([]any)
		if !ok || len(arr) != v.Len() {
			return bad(fmt.Sprintf("an array of %d", v.Len()))
		}
		for i, e := range arr {
			if err := decodeValue(e, v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("%s: map key type %s is not a string", path, v.Type().Key())
		}
		if x == nil {
			v.SetZero()
			return nil
		}
		obj, ok := x.(map[string]any)
		if !ok {
			return bad("an object")
		}
		m := reflect.MakeMapWithSize(v.Type(), len(obj))
		for k, e := range obj {
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(e, ev, path+"."+k); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(m)
	case reflect.Struct:
		obj, ok := x.(map[string]any)
		if !ok {
			return bad("an object")
		}
		fields := exactFields(v.Type())
		known := map[string]bool{}
		for _, f := range fields {
			known[f.name] = true
			e, ok := obj[f.name]
			if !ok {
				return fmt.Errorf("%s: missing field %q", path, f.name)
			}
			if err := decodeValue(e, v.Field(f.index), path+"."+f.name); err != nil {
				return err
			}
		}
		for k := range obj {
			if !known[k] {
				return fmt.Errorf("%s: unknown field %q", path, k)
			}
		}
	default:
		return fmt.Errorf("%s: cannot decode into a value of kind %s (type %s)", path, v.Kind(), v.Type())
	}
	return nil
}

// describeJSON names the JSON type of a decoded value, for errors.
func describeJSON(x any) string {
	switch x.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", x)
}
