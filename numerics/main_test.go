package numerics

import (
	"testing"

	"attnclust/internal/rapidseed"
)

// TestMain fixes rapid's seed from ATTNCLUST_RAPID_SEED (CI sets it), so
// that CI runs of the property tests are reproducible.
func TestMain(m *testing.M) { rapidseed.Main(m) }
