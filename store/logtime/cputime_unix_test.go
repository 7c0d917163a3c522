//go:build unix

package logtime

import "syscall"

// cpuNanos is the process's user+system CPU time. Benchmarks report it per
// line beside wall time because the build machine is shared: wall time
// there includes waiting for a core, CPU time does not.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
