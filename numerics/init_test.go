package numerics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"attnclust/theory"
)

func TestInitSchemeNames(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range InitSchemes() {
		name := s.String()
		if seen[name] || strings.HasPrefix(name, "InitScheme(") {
			t.Errorf("bad or duplicate name %q", name)
		}
		seen[name] = true
		got, err := ParseInitScheme(name)
		if err != nil || got != s {
			t.Errorf("ParseInitScheme(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := ParseInitScheme("random"); err == nil {
		t.Error("ParseInitScheme(random): no error")
	}
	if InitScheme(99).String() != "InitScheme(99)" {
		t.Error("unknown scheme name")
	}
	for _, s := range InitSchemes() {
		if s.NonAdmissible() != (s == BothInOneRegion || s == EqualHeads) {
			t.Errorf("%v.NonAdmissible() = %v", s, s.NonAdmissible())
		}
	}
}

func TestInitDeterministicAndShaped(t *testing.T) {
	mix := mustMixture(t, []float64{0.4, 0.6}, [][]float64{{3, 0, 1}, {0, 3, 1}}, 0.7)
	for _, s := range InitSchemes() {
		a, err := Init(s, mix, rand.New(rand.NewPCG(4, 5)), InitOptions{})
		if err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		b, _ := Init(s, mix, rand.New(rand.NewPCG(4, 5)), InitOptions{})
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%v: not deterministic:\n%s", s, diff)
		}
		c, _ := Init(s, mix, rand.New(rand.NewPCG(4, 6)), InitOptions{})
		if cmp.Equal(a, c) {
			t.Errorf("%v: streams 5 and 6 gave the same heads", s)
		}
		if err := validateHeadsShape(a, 2, 3); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
}

// TestInitSchemesProperties checks each scheme's defining property over
// many draws.
func TestInitSchemesProperties(t *testing.T) {
	mix := mustMixture(t, []float64{0.5, 0.5}, [][]float64{{3, 0, 0, 0}, {0, 3, 0, 0}}, 1)
	pair, _ := mix.Pair()
	rng := rand.New(rand.NewPCG(8, 8))
	var small, cscale float64
	const n = 400
	for range n {
		h, _ := Init(SmallScale, mix, rng, InitOptions{})
		small += (theory.Inner(h[0], h[0]) + theory.Inner(h[1], h[1])) / 8
		h, _ = Init(CentroidScale, mix, rng, InitOptions{})
		cscale += (theory.Inner(h[0], h[0]) + theory.Inner(h[1], h[1])) / 2

		h, _ = Init(PerturbedCentroids, mix, rng, InitOptions{})
		if !Admissible(mix, h, pair.Delta/2) {
			t.Fatalf("perturbed-centroids start not admissible: %v", h)
		}
		for k := range 2 {
			if theory.Dist(h[k], mix.Centroids[k]) > pair.Delta/2 {
				t.Fatalf("head %d farther than delta/2 from its centroid", k)
			}
		}
		h, _ = Init(BothInOneRegion, mix, rng, InitOptions{})
		if Admissible(mix, h, 100) {
			t.Fatalf("both-in-one-region start admissible: %v", h)
		}
		h, _ = Init(EqualHeads, mix, rng, InitOptions{})
		if !cmp.Equal(h[0], h[1]) || Admissible(mix, h, 100) {
			t.Fatalf("equal-heads start %v", h)
		}
		h, _ = Init(DataTokens, mix, rng, InitOptions{})
		if cmp.Equal(h[0], h[1]) {
			t.Fatalf("data tokens coincide: %v", h)
		}
	}
	// Mean squared coordinate: 1e-6 for SmallScale; ||mu*||^2_avg/d * d =
	// 9 per head for CentroidScale. 800 and 400 chi-square draws give
	// relative standard errors below 10%, so 30% never flakes.
	if r := small / n / 1e-6; math.Abs(r-1) > 0.3 {
		t.Errorf("small-scale variance ratio %v", r)
	}
	if r := cscale / n / 9; math.Abs(r-1) > 0.3 {
		t.Errorf("centroid-scale squared-norm ratio %v", r)
	}
}

func TestInitErrors(t *testing.T) {
	mix := mustMixture(t, []float64{0.5, 0.5}, [][]float64{{1, 0}, {0, 1}}, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	same := mustMixture(t, []float64{0.5, 0.5}, [][]float64{{1, 0}, {1, 0}}, 1)
	three := mustMixture(t, []float64{0.2, 0.3, 0.5}, [][]float64{{1, 0}, {0, 1}, {1, 1}}, 1)
	cases := []struct {
		name string
		s    InitScheme
		mix  theory.Mixture
		rng  *rand.Rand
		opts InitOptions
		want string
	}{
		{"nil rng", SmallScale, mix, nil, InitOptions{}, "rng"},
		{"zero mixture", SmallScale, theory.Mixture{}, rng, InitOptions{}, "mixture"},
		{"three components", SmallScale, three, rng, InitOptions{}, "components"},
		{"scale", SmallScale, mix, rng, InitOptions{Scale: -1}, "Scale"},
		{"radius", PerturbedCentroids, mix, rng, InitOptions{Radius: math.NaN()}, "Radius"},
		{"coincident centroids", PerturbedCentroids, same, rng, InitOptions{}, "radius"},
		{"unknown", InitScheme(42), mix, rng, InitOptions{}, "unknown"},
	}
	for _, c := range cases {
		if _, err := Init(c.s, c.mix, c.rng, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestAdmissible(t *testing.T) {
	mix := mustMixture(t, []float64{0.5, 0.5}, [][]float64{{2, 0}, {-2, 0}}, 1)
	cases := []struct {
		name   string
		heads  [][]float64
		radius float64
		want   bool
	}{
		{"at the centroids", [][]float64{{2, 0}, {-2, 0}}, 0, true},
		{"swapped", [][]float64{{-1.5, 0.5}, {2.5, 0}}, 1, true},
		{"outside radius", [][]float64{{2, 0}, {-0.5, 0}}, 1, false},
		{"same cell", [][]float64{{2, 0}, {1, 0}}, 5, false},
		{"head on the boundary", [][]float64{{2, 0}, {0, 1}}, 5, false},
		{"across the boundary", [][]float64{{-0.1, 0}, {-2, 0}}, 3, false},
		{"equal heads", [][]float64{{2, 0}, {2, 0}}, 5, false},
		{"one head", [][]float64{{2, 0}}, 5, false},
		{"wrong length", [][]float64{{2, 0, 0}, {-2, 0, 0}}, 5, false},
		{"nan radius", [][]float64{{2, 0}, {-2, 0}}, math.NaN(), false},
		{"negative radius", [][]float64{{2, 0}, {-2, 0}}, -1, false},
	}
	for _, c := range cases {
		if got := Admissible(mix, c.heads, c.radius); got != c.want {
			t.Errorf("%s: Admissible = %v, want %v", c.name, got, c.want)
		}
	}
	if Admissible(theory.Mixture{}, [][]float64{{1}, {2}}, 1) {
		t.Error("zero mixture admissible")
	}
}
