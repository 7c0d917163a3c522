//go:build unix

package pii

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. Benchmarks report it
// beside wall time because the machines they run on are shared: wall time
// grows with the load of others, CPU time much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
