package claims

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"attnclust/internal/rapidseed"
)

// TestMain fixes rapid's seed from ATTNCLUST_RAPID_SEED (CI sets it), so
// that CI runs of the property tests are reproducible.
func TestMain(m *testing.M) {
	flag.Parse()
	if err := rapidseed.Apply(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}
