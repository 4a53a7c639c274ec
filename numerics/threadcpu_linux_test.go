//go:build linux

package numerics

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time (user + system) consumed so far by the
// calling OS thread, and true. Benchmarks lock their goroutine to its
// thread around the measured loop, so the difference is the loop's own
// CPU time: on a shared machine it is far less affected by other
// processes than wall time.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// processCPU returns the CPU time used so far by the whole process (user
// plus system, every thread), for benchmarks of parallel evaluations.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
