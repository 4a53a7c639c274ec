//go:build !race

package numerics

// raceEnabled reports a -race build, under which sync.Pool drops items on
// purpose (so allocation counts are not meaningful).
const raceEnabled = false
