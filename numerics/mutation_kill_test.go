package numerics

// Tests written to kill mutants that survived the sampled mutation run
// (internal/mutsample; fixtures/equivalent_mutants.md). Each checks a
// documented behaviour that the mutant breaks.

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDrawSampleStreamPerChunk checks DrawSample's documented streams:
// token i comes from rand.NewPCG(seed, 3<<32 | i/1024), so the first token
// of each chunk is the first draw of a fresh stream. A sampler that kept
// one stream for every token (empirical.go's i%sampleChunk mutated to
// i*sampleChunk) still nests samples across n but breaks this contract.
// Equality is exact: the same generator and the same arithmetic.
func TestDrawSampleStreamPerChunk(t *testing.T) {
	mix := testMix(t, 0.4)
	const seed = 42
	s, err := DrawSample(mix, 2*sampleChunk+1, seed)
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range 3 {
		rng := rand.New(rand.NewPCG(seed, sampleStreamTag<<32|uint64(chunk)))
		x, z := mix.Sample(nil, rng.NormFloat64, rng.Float64)
		i := chunk * sampleChunk
		if diff := cmp.Diff(x, s.X[i]); diff != "" || z != s.Z[i] {
			t.Errorf("token %d (first of chunk %d): component %d, want %d; point (-stream +sample):\n%s", i, chunk, s.Z[i], z, diff)
		}
	}
}
