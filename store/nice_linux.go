package store

import (
	"runtime"
	"syscall"
)

// backgroundNice is how much lower than the process's own the CPU priority
// of an ingest's pipeline threads is. A server reading a window for an
// assistant then gets a core within the scheduler's wake-up granularity
// instead of queueing behind a log being compressed, in this process or
// another; an ingest with the cores to itself loses nothing.
const backgroundNice = 10

// lowerPriority locks the calling goroutine to its thread and lowers that
// thread's CPU priority (Linux keeps a nice value per thread). Call it
// only first thing in a goroutine that ends with its work: an unprivileged
// process may not raise the priority back, so the thread stays locked and
// the runtime ends it with the goroutine, and no other goroutine ever runs
// at the lower priority.
func lowerPriority() {
	runtime.LockOSThread()
	tid := syscall.Gettid()
	// The raw getpriority returns 20-nice, never negative.
	prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
	if err != nil {
		return
	}
	syscall.Setpriority(syscall.PRIO_PROCESS, tid, min(19, 20-prio+backgroundNice))
}
