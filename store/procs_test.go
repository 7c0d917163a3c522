package store_test

import (
	"runtime"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

// TestCores: the store sizes its workers by the CPUs, not by the extra
// thread Procs asks for, and never above a smaller GOMAXPROCS.
func TestCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(store.Procs()))
	if got, want := store.Cores(), runtime.NumCPU(); got != want {
		t.Errorf("Cores() with GOMAXPROCS %d = %d, want the %d CPUs", store.Procs(), got, want)
	}
	runtime.GOMAXPROCS(1)
	if got := store.Cores(); got != 1 {
		t.Errorf("Cores() with GOMAXPROCS 1 = %d, want 1", got)
	}
	if store.Procs() != runtime.NumCPU()+1 {
		t.Errorf("Procs() = %d, want one more than the %d CPUs", store.Procs(), runtime.NumCPU())
	}
}
