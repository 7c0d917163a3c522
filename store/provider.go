package store

import (
	"database/sql"
	"sync"
)

// Crypto providers. The driver bundles libtomcrypt, built without AES-NI;
// the Makefile builds it against OpenSSL's libcrypto instead (see
// store/sqlcipher/openssl.h), which reads pages about twice as fast. Both
// write the same file format.
const (
	ProviderOpenSSL     = "openssl"
	ProviderLibTomCrypt = "libtomcrypt"
)

// Libraries names the SQLite, SQLCipher and crypto provider this binary
// was built with.
type Libraries struct {
	SQLite, SQLCipher         string
	Provider, ProviderVersion string
}

// LibraryVersions asks a keyed in-memory database (SQLCipher names its
// provider only once a codec is attached). The answer never changes.
var LibraryVersions = sync.OnceValue(func() Libraries {
	l := Libraries{SQLite: "?", SQLCipher: "?", Provider: "?", ProviderVersion: "?"}
	db, err := sql.Open("sqlite3", "file:provider?mode=memory")
	if err != nil {
		return l
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.QueryRow(`SELECT sqlite_version()`).Scan(&l.SQLite)
	db.QueryRow(`PRAGMA cipher_version`).Scan(&l.SQLCipher)
	if _, err := db.Exec(`PRAGMA key = 'provider-probe'`); err == nil {
		db.QueryRow(`PRAGMA cipher_provider`).Scan(&l.Provider)
		db.QueryRow(`PRAGMA cipher_provider_version`).Scan(&l.ProviderVersion)
	}
	return l
})

// SlowProvider says why the build's crypto is slow, or "" when it is not.
func SlowProvider() string {
	if LibraryVersions().Provider == ProviderLibTomCrypt {
		return "this binary uses SQLCipher's bundled libtomcrypt (no AES-NI): reads and searches run at about half speed; build with `make build` (OpenSSL libcrypto, package libssl-dev)"
	}
	return ""
}
