package watcher_test

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
)

func TestMain(m *testing.M) {
	// A developer's own key must never reach a test database.
	os.Unsetenv("TFTSR_DB_KEY")
	if os.Getenv(childEnv) != "" {
		runChild() // the crash test's agent: never returns
	}
	code := m.Run()
	sharedClose()
	os.Exit(code)
}

// testConfig returns a configuration whose data dir is dir.
func testConfig(dir string) config.Config {
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.BusyTimeout = 30 * time.Second
	return cfg
}

// openDB opens a new encrypted store in a temp dir, closed at cleanup (as
// store_test's MustOpenDB does).
func openDB(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), testConfig(tb.TempDir()), nil)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return db
}

// Opening a store costs key derivation; most tests share one, each with
// issues of its own.
var (
	sharedOnce sync.Once
	sharedDB   *store.DB
	sharedDir  string
	sharedErr  error
)

func shared(tb testing.TB) *store.DB {
	tb.Helper()
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "watcher-test-*")
		if sharedErr == nil {
			sharedDB, sharedErr = store.Open(context.Background(), testConfig(sharedDir), nil)
		}
	})
	if sharedErr != nil {
		tb.Fatalf("open shared store: %v", sharedErr)
	}
	return sharedDB
}

func sharedClose() {
	if sharedDB != nil {
		sharedDB.Close()
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
}

// testLogger logs to the test's output, so a failure shows what the
// watcher did.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(string(p[:len(p)-1]))
	return len(p), nil
}
