package store

import "runtime"

// Cores and threads. The store's parallel work (search workers and slots,
// ingest workers, codec states) is sized by Cores, the cores it may use.
// A process doing that work should run Go code on one thread more than
// that (Procs): a worker in SQLite is in a cgo call, and on 2 cores a full
// scan with GOMAXPROCS at 2 kept 1.6-1.8 cores busy; with 3, 1.95 and
// 15-25% more MB/s (BenchmarkFullScan). The extra thread adds no worker:
// it lets the Go side run while a worker's thread is still in SQLite.

// Cores is how many workers the store runs in parallel: the machine's
// CPUs, or fewer when GOMAXPROCS says so.
func Cores() int { return max(1, min(runtime.NumCPU(), runtime.GOMAXPROCS(0))) }

// Procs is the GOMAXPROCS a process using the store should run with:
// one more than the CPUs. cmd/tftsr-mcp sets it unless GOMAXPROCS is set
// in the environment.
func Procs() int { return runtime.NumCPU() + 1 }
