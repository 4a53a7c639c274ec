package evalspec_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"attnclust/evalspec"
)

// specGen draws valid specs of both layers, all variants, d in [1, 6].
func specGen() *rapid.Generator[evalspec.Spec] {
	return rapid.Custom(func(t *rapid.T) evalspec.Spec {
		d := rapid.IntRange(1, 6).Draw(t, "d")
		num := rapid.Float64Range(-1e3, 1e3)
		vec := func(name string) []float64 { return rapid.SliceOfN(num, d, d).Draw(t, name) }
		w := rapid.Float64Range(0.01, 0.99).Draw(t, "w")
		s := evalspec.Spec{D: d, Sigma: rapid.Float64Range(1e-3, 1e3).Draw(t, "sigma"),
			Weights: []float64{w, 1 - w}, Centroids: [][]float64{vec("c0"), vec("c1")}}
		lam := rapid.Float64Range(0, 1e6).Draw(t, "lambda")
		if rapid.Bool().Draw(t, "prototype") {
			s.Layer = "prototype"
			s.Variant = rapid.SampledFrom([]string{"dot", "distance", "hardmax"}).Draw(t, "variant")
			s.Heads = [][]float64{vec("h0"), vec("h1")}
			if s.Variant != "hardmax" || rapid.Bool().Draw(t, "hardmax lambda") {
				s.Lambda = &lam
			}
			return s
		}
		s.Layer, s.Lambda = "identity", &lam
		L := rapid.IntRange(0, 1000).Draw(t, "L")
		s.L = &L
		if L > 0 {
			seed := rapid.Uint64().Draw(t, "seed")
			s.Samples, s.Seed = rapid.IntRange(1, 1000).Draw(t, "samples"), &seed
		}
		return s
	})
}

// TestRoundTripProperty: every valid spec is encoded, decoded back
// unchanged, and encoded again to the same bytes.
func TestRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := specGen().Draw(t, "spec")
		if err := s.Validate(); err != nil {
			t.Fatalf("generated spec rejected: %v", err)
		}
		b, err := evalspec.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := evalspec.Decode(b)
		if err != nil {
			t.Fatalf("Decode(%s): %v", b, err)
		}
		if diff := cmp.Diff(s, back); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		if b2, _ := evalspec.Encode(back); string(b2) != string(b) {
			t.Fatalf("not stable: %s then %s", b, b2)
		}
	})
}

// TestBrokenFieldIsNamed: breaking one rule of one field of a valid spec
// gives a rejection that names that field (or an entry of it).
func TestBrokenFieldIsNamed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := specGen().Draw(t, "spec")
		type breaker struct {
			field string
			ok    bool
			brk   func()
		}
		k := rapid.IntRange(0, 1).Draw(t, "k")
		j := rapid.IntRange(0, s.D-1).Draw(t, "j")
		bs := []breaker{
			{"layer", true, func() { s.Layer = "Prototype" }},
			{"d", true, func() { s.D = -s.D }},
			{"sigma", true, func() { s.Sigma = -s.Sigma }},
			{"weights", true, func() { s.Weights = []float64{s.Weights[0], s.Weights[1] + 1e-9} }},
			{"weights", true, func() { s.Weights = append(s.Weights, 0) }},
			{"centroids", true, func() { s.Centroids[k][j] = 2e150 }},
			{"centroids", true, func() { s.Centroids[k] = append(s.Centroids[k], 1) }},
			{"lambda", s.Lambda != nil, func() { *s.Lambda = -1 - *s.Lambda }},
			{"variant", s.Layer == "prototype", func() { s.Variant = "soft" }},
			{"heads", s.Layer == "prototype", func() { s.Heads[k][j] = math.Inf(1) }},
			{"heads", s.Layer == "prototype", func() { s.Heads = s.Heads[:1] }},
			{"heads", s.Layer == "identity", func() { s.Heads = [][]float64{{1}} }},
			{"L", s.Layer == "identity", func() { *s.L = evalspec.MaxL + 1 }},
			{"samples", s.L != nil && *s.L > 0, func() { s.Samples = evalspec.MaxSamples + 1 }},
			{"seed", s.L != nil && *s.L == 0, func() { var u uint64; s.Seed = &u }},
		}
		var usable []breaker
		for _, b := range bs {
			if b.ok {
				usable = append(usable, b)
			}
		}
		b := rapid.SampledFrom(usable).Draw(t, "break")
		b.brk()
		data, err := json.Marshal(s) // not Encode: it would refuse
		if err != nil {
			data = []byte(marshalInf(s))
		}
		_, err = evalspec.Decode(data)
		var fe *evalspec.FieldError
		if !errors.As(err, &fe) {
			t.Fatalf("broke %s, Decode(%s) = %v", b.field, data, err)
		}
		if fe.Field != b.field && !strings.HasPrefix(fe.Field, b.field+"[") {
			t.Fatalf("broke %s, error names %q: %v", b.field, fe.Field, err)
		}
		if err := s.Validate(); err == nil {
			t.Fatalf("broke %s, Validate accepts %+v", b.field, s)
		}
	})
}

// marshalInf writes the prototype spec s as JSON with +Inf written 1e999
// (which overflows float64), for the breaker that plants an infinity:
// json.Marshal refuses it, and JSON has no infinity.
func marshalInf(s evalspec.Spec) string {
	var b strings.Builder
	b.WriteString(`{"layer":"prototype","variant":"` + s.Variant + `","d":`)
	b.WriteString(jsonNum(float64(s.D)) + `,"sigma":` + jsonNum(s.Sigma) + `,"weights":` + jsonVec(s.Weights) + `,"centroids":[`)
	b.WriteString(jsonVec(s.Centroids[0]) + "," + jsonVec(s.Centroids[1]) + "]")
	if s.Lambda != nil {
		b.WriteString(`,"lambda":` + jsonNum(*s.Lambda))
	}
	b.WriteString(`,"heads":[` + jsonVec(s.Heads[0]) + "," + jsonVec(s.Heads[1]) + "]}")
	return b.String()
}

func jsonNum(x float64) string {
	if math.IsInf(x, 1) {
		return "1e999"
	}
	b, _ := json.Marshal(x)
	return string(b)
}

func jsonVec(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = jsonNum(x)
	}
	return "[" + strings.Join(parts, ",") + "]"
}
