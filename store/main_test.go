package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
)

func TestMain(m *testing.M) {
	// A developer's own key must never reach a test database.
	os.Unsetenv("TFTSR_DB_KEY")
	os.Exit(m.Run())
}

// testConfig returns a configuration whose data dir is a fresh temp dir.
func testConfig(tb testing.TB) config.Config {
	tb.Helper()
	cfg := config.Default()
	cfg.DataDir = tb.TempDir()
	cfg.BusyTimeout = 30 * time.Second
	return cfg
}

// MustOpenDB opens a new encrypted store in a temp dir, closed at cleanup.
func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	return MustOpenDBConfig(tb, testConfig(tb))
}

// MustOpenDBConfig opens the store for cfg, closed at cleanup.
func MustOpenDBConfig(tb testing.TB, cfg config.Config) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), cfg, nil)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { MustCloseDB(tb, db) })
	return db
}

// MustCloseDB closes db; closing twice is harmless.
func MustCloseDB(tb testing.TB, db *store.DB) {
	tb.Helper()
	if err := db.Close(); err != nil {
		tb.Fatalf("close store: %v", err)
	}
}
