package sweep

import (
	"attnclust/claims"
)

// SampleIn returns n regimes drawn inside claim c's a priori hypotheses,
// deterministically from seed: examples of c.InHypothesesGenerator(),
// keeping only those that c.InHypotheses accepts and that are valid (so
// that a generator that is not yet conditional still yields regimes inside
// the hypotheses, by rejection). It gives up after 100 n + 1000 draws and
// returns fewer regimes then.
//
// Stand-in for claims.SampleIn (being added to package claims); the lead
// replaces its uses by that function at merge time.
func SampleIn(c claims.Claim, n int, seed uint64) []claims.Regime {
	if n <= 0 {
		return nil
	}
	g := c.InHypothesesGenerator()
	if g == nil {
		return nil
	}
	out := make([]claims.Regime, 0, n)
	for i := 0; len(out) < n && i < 100*n+1000; i++ {
		// 0x1a5e7 separates these draws from claims.Sample's.
		r, ok := example(g, int(mix64(seed^0x1a5e7, uint64(i))>>2))
		if ok && r.Validate() == nil && c.InHypotheses(r) {
			out = append(out, r)
		}
	}
	return out
}

// example draws one example of g, turning a generator panic into ok =
// false.
func example(g interface{ Example(...int) claims.Regime }, seed int) (r claims.Regime, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return g.Example(seed), true
}

// mix64 is SplitMix64 of a and b: a well-spread seed for item b of run a.
func mix64(a, b uint64) uint64 {
	z := a + 0x9e3779b97f4a7c15*(b+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
