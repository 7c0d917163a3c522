package store_test

import (
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/pii"
)

func TestDB_Redactor(t *testing.T) {
	ctx := context.Background()
	t.Run("StableAcrossReopen", func(t *testing.T) {
		cfg := testConfig(t)
		db := MustOpenDBConfig(t, cfg)
		r, err := db.Redactor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := db.Redactor(ctx); again != r {
			t.Fatal("redactor not cached")
		}
		tok := r.Pseudonym(pii.KindIPv4, "10.1.2.3")
		key, err := db.GetSetting(ctx, store.PseudonymKeySetting)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := hex.DecodeString(key); err != nil || len(b) != 32 {
			t.Fatalf("key %q is not 32 hex bytes", key)
		}
		MustCloseDB(t, db)

		db2 := MustOpenDBConfig(t, cfg)
		r2, err := db2.Redactor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := r2.Pseudonym(pii.KindIPv4, "10.1.2.3"); got != tok {
			t.Fatalf("pseudonym after reopen %q, want %q", got, tok)
		}
		out, _ := r2.Redact([]byte("from 10.1.2.3 port 22"))
		if string(out) != "from "+tok+" port 22" {
			t.Fatalf("redact: %q", out)
		}
	})
	t.Run("ConcurrentFirstUse", func(t *testing.T) {
		// Two handles on one file race to create the key: both must get
		// the one that was stored.
		cfg := testConfig(t)
		dbs := []*store.DB{MustOpenDBConfig(t, cfg), MustOpenDBConfig(t, cfg)}
		toks := make([]string, len(dbs))
		var wg sync.WaitGroup
		for i, db := range dbs {
			wg.Go(func() {
				r, err := db.Redactor(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				toks[i] = r.Pseudonym(pii.KindEmail, "a@b.com")
			})
		}
		wg.Wait()
		if toks[0] == "" || toks[0] != toks[1] {
			t.Fatalf("pseudonyms differ: %q", toks)
		}
	})
	t.Run("ErrBadKey", func(t *testing.T) {
		db := MustOpenDB(t)
		if err := db.SetSetting(ctx, store.PseudonymKeySetting, "not hex"); err != nil {
			t.Fatal(err)
		}
		_, err := db.Redactor(ctx)
		logWantCode(t, err, store.EInternal, store.PseudonymKeySetting)
	})
}

// The configured kept and allowed values reach the detector.
func TestDB_Redactor_Config(t *testing.T) {
	ctx := context.Background()
	text := []byte("from 127.0.0.1 and 10.20.30.40 and 10.9.8.7 via www.example.com")
	redact := func(cfg config.Config) string {
		t.Helper()
		r, err := MustOpenDBConfig(t, cfg).Redactor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := r.Redact(text)
		return string(out)
	}
	def := redact(testConfig(t))
	if !strings.Contains(def, "127.0.0.1") || strings.Contains(def, "10.20.30.40") || !strings.Contains(def, "www.example.com") {
		t.Fatalf("defaults: %s", def)
	}
	cfg := testConfig(t)
	cfg.Redact = config.RedactConfig{Loopback: true, Documentation: true, Allow: []string{"10.20.30.0/24"}}
	got := redact(cfg)
	if strings.Contains(got, "127.0.0.1") || strings.Contains(got, "www.example.com") || !strings.Contains(got, "10.20.30.40") || strings.Contains(got, "10.9.8.7") {
		t.Fatalf("configured: %s", got)
	}
}
