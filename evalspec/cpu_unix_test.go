//go:build unix

package evalspec_test

import (
	"syscall"
	"time"
)

// cpuTime returns the user plus system CPU time of the process so far,
// and true; benchmarks use it to report CPU per spec, a figure that
// depends less on other processes sharing the machine than wall time.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
