package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

func TestDB_Settings(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.GetSetting(ctx, "theme")
		incCode(t, err, store.ENotFound)
	})
	t.Run("ErrKeyRequired", func(t *testing.T) {
		incCode(t, db.SetSetting(ctx, " ", "x"), store.EInvalid)
	})
	for _, tc := range []struct{ name, key, value string }{
		{"Create", "theme", "dark"},
		{"Overwrite", "theme", "light"},
		{"EmptyValue", "theme", ""},
		{"OtherKey", "ai.provider", `{"name":"ollama"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk.Add(time.Minute)
			if err := db.SetSetting(ctx, tc.key, tc.value); err != nil {
				t.Fatal(err)
			}
			got, err := db.GetSetting(ctx, tc.key)
			if err != nil || got != tc.value {
				t.Errorf("get %q = %q (%v), want %q", tc.key, got, err, tc.value)
			}
			at, err := store.IssHookString(ctx, db, `SELECT updated_at FROM settings WHERE key = ?`, tc.key)
			if err != nil || at != clk.Text() {
				t.Errorf("updated_at %q (%v), want %q", at, err, clk.Text())
			}
		})
	}
	if n := incCount(t, db, `SELECT count(*) FROM settings`); n != 2 {
		t.Errorf("%d settings rows, want 2 (upsert, not insert)", n)
	}
}
