package store_test

import (
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

func TestLibraryVersions(t *testing.T) {
	l := store.LibraryVersions()
	if l.SQLite == "?" || l.SQLCipher == "?" {
		t.Fatalf("versions unknown: %+v", l)
	}
	if l.Provider != store.ProviderOpenSSL && l.Provider != store.ProviderLibTomCrypt {
		t.Fatalf("provider %q", l.Provider)
	}
	if (store.SlowProvider() != "") != (l.Provider == store.ProviderLibTomCrypt) {
		t.Fatalf("SlowProvider %q for %s", store.SlowProvider(), l.Provider)
	}
	t.Logf("%+v", l)
}
