package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	sqlite3 "github.com/mutecomm/go-sqlcipher/v4"

	"github.com/tftsr/tftsr-mcp/config"
)

type fileState int

const (
	fileMissing   fileState = iota // absent: a new database
	fileEmpty                      // 0 bytes: new, or a lost database if a key file is beside it
	filePlain                      // an unencrypted SQLite database
	fileEncrypted                  // anything else: must decrypt with the key
)

// DBState says what is at a data dir's database path, as doctor reports it.
type DBState string

const (
	DBMissing   DBState = "missing"
	DBEmpty     DBState = "empty"
	DBPlain     DBState = "plain"
	DBEncrypted DBState = "encrypted"
)

func (s fileState) public() DBState {
	return [...]DBState{DBMissing, DBEmpty, DBPlain, DBEncrypted}[s]
}

// FileState inspects cfg's database file without opening it.
func FileState(cfg config.Config) (DBState, error) {
	st, err := inspectFile(cfg.DBPath(), cfg.CipherPageSize)
	if err != nil {
		return "", err
	}
	return st.public(), nil
}

var (
	// ErrWrongKey is returned when the key does not decrypt the database.
	ErrWrongKey = errors.New("wrong key")
	// ErrNotDatabase is returned for a file that is not a database.
	ErrNotDatabase = errors.New("not a database")
	// ErrTruncated is returned for a file cut short.
	ErrTruncated = errors.New("truncated database")
	// ErrPlainDatabase is returned by Open for an unencrypted database,
	// which only `migrate --encrypt-plain` converts.
	ErrPlainDatabase = errors.New("plain (unencrypted) SQLite database")
	// ErrEmptyDatabase is returned for a 0-byte database file with a key
	// file beside it: a lost database, not a new one.
	ErrEmptyDatabase = errors.New("empty database file beside a key file")
)

// plainError names the command that encrypts a plain database.
func plainError(path string) error {
	return fmt.Errorf("%s is a %w; this program keeps evidence encrypted only: run 'tftsr-mcp migrate --encrypt-plain' to encrypt it in place (it keeps a plain copy beside it), or point --data-dir elsewhere", path, ErrPlainDatabase)
}

// emptyError says what to do about a 0-byte database with a key.
func emptyError(path, keyPath string) error {
	return fmt.Errorf("%w: %s is 0 bytes but its key %s exists, so a database was lost here, not a new one to make; restore tftsr.db from a backup, or remove both files to start a new, empty store", ErrEmptyDatabase, path, keyPath)
}

var plainHeader = []byte("SQLite format 3\x00")

// inspectFile looks at the file before SQLCipher does, so that errors can
// say which of wrong key, not a database, or truncated it is.
func inspectFile(path string, pageSize int) (fileState, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fileMissing, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%s: %w: not a regular file", path, ErrNotDatabase)
	}
	if fi.Size() == 0 {
		return fileEmpty, nil
	}
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if bytes.HasPrefix(head, plainHeader) {
		return filePlain, nil
	}
	if looksLikeText(head) {
		return 0, fmt.Errorf("%s: %w: it looks like a text file; move it away or point --data-dir elsewhere", path, ErrNotDatabase)
	}
	if fi.Size() < int64(pageSize) || fi.Size()%int64(pageSize) != 0 {
		return 0, fmt.Errorf("%s: %w: size %d is not a whole number of %d-byte pages; restore it from a backup (if it was made with another page size, pass --cipher-page-size)", path, ErrTruncated, fi.Size(), pageSize)
	}
	return fileEncrypted, nil
}

func looksLikeText(b []byte) bool {
	if len(b) < 16 {
		return false
	}
	for _, c := range b {
		if c != '\n' && c != '\r' && c != '\t' && (c < 0x20 || c > 0x7e) {
			return false
		}
	}
	return true
}

// explainOpenError turns SQLCipher's "file is not a database" into one line
// that says what to do.
func explainOpenError(path string, state fileState, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrNotADB {
		if state == fileEncrypted {
			return fmt.Errorf("%s: %w or not a tftsr database: the key (TFTSR_DB_KEY or .dbkey) does not decrypt it; use the key it was created with, or --cipher-page-size if it was made with another page size", path, ErrWrongKey)
		}
		return fmt.Errorf("%s: %w", path, ErrNotDatabase)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// EncryptPlain encrypts the plain SQLite database in cfg's data dir in
// place, with the key Open would use (creating .dbkey if there is none),
// and returns the path of the plain copy it keeps beside it, which holds the
// data in clear. A database that is not plain is an error.
func EncryptPlain(ctx context.Context, cfg config.Config) (backup string, err error) {
	if err := cipherDefaults(); err != nil {
		return "", err
	}
	path := cfg.DBPath()
	st, err := inspectFile(path, cfg.CipherPageSize)
	if err != nil {
		return "", err
	}
	if st != filePlain {
		return "", fmt.Errorf("%s is %s, not a plain SQLite database: nothing to encrypt", path, st.public())
	}
	key, _, err := ResolveKey(cfg.DataDir, os.Getenv, false)
	if err != nil {
		return "", err
	}
	if err := validKey(key); err != nil {
		return "", err
	}
	backup, err = encryptPlain(ctx, path, key, cfg.CipherPageSize)
	if err != nil {
		return "", fmt.Errorf("encrypt plain database %s: %w", path, err)
	}
	return backup, nil
}

// PlainBackupPattern is where EncryptPlain keeps the plain copy.
func PlainBackupPattern(cfg config.Config) string {
	return cfg.DBPath() + ".plain-backup-<UTC time>"
}

// encryptPlain converts a plain SQLite database into an encrypted one in
// place: it keeps a backup next to it, exports into a temporary file with
// sqlcipher_export, and renames that over the original.
func encryptPlain(ctx context.Context, path, key string, pageSize int) (backup string, err error) {
	backup = fmt.Sprintf("%s.plain-backup-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	if err := copyFile(path, backup); err != nil {
		return "", fmt.Errorf("back up: %w", err)
	}
	tmp := path + ".encrypting"
	os.Remove(tmp)
	plain, err := sql.Open("sqlite3", path)
	if err != nil {
		return "", err
	}
	defer plain.Close()
	plain.SetMaxOpenConns(1)
	stmts := []string{
		"ATTACH DATABASE " + quote(tmp) + " AS enc KEY " + quote(key),
		fmt.Sprintf("PRAGMA enc.cipher_page_size = %d", pageSize),
		"SELECT sqlcipher_export('enc')",
		"DETACH DATABASE enc",
	}
	conn, err := plain.Conn(ctx)
	if err != nil {
		return "", err
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			conn.Close()
			os.Remove(tmp)
			return "", fmt.Errorf("%s: %w", s[:min(len(s), 24)], err)
		}
	}
	conn.Close()
	plain.Close()
	if err := syncFile(tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	os.Remove(path + "-journal")
	return backup, syncDir(filepath.Dir(path))
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// pbkdf2SHA512Yielding is PBKDF2-HMAC-SHA512 for one output block (64
// bytes, of which SQLCipher's key takes the first keyBytes), as
// crypto/pbkdf2 computes it, but it yields the processor every few
// thousand iterations. The derivation takes a third of a second of CPU;
// run in the background while a server answers its first requests
// (OpenBackground), one long call would keep those goroutines off a core
// until the runtime preempts it, 10 ms at a time, for each of them.
func pbkdf2SHA512Yielding(passphrase string, salt []byte, iter int) []byte {
	mac := hmac.New(sha512.New, []byte(passphrase))
	mac.Write(salt)
	mac.Write([]byte{0, 0, 0, 1})
	u := mac.Sum(nil)
	t := bytes.Clone(u)
	for i := 1; i < iter; i++ {
		mac.Reset()
		mac.Write(u)
		u = mac.Sum(u[:0])
		for j := range t {
			t[j] ^= u[j]
		}
		if i%4096 == 0 {
			runtime.Gosched()
		}
	}
	return t[:keyBytes]
}

// SQLCipher 4's key derivation, which deriveRawKey reproduces.
const (
	kdfIter  = 256000
	keyBytes = 32
	saltSize = 16
)

// deriveRawKey returns the raw-key form x'<key><salt>' for the database at
// path: PBKDF2-HMAC-SHA512 over the passphrase and the salt SQLCipher keeps
// in the file's first 16 bytes. For a new (absent or empty) file it picks a
// random salt, which SQLCipher then writes there.
func deriveRawKey(path, passphrase string) (string, error) {
	salt := make([]byte, saltSize)
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	n, err := io.ReadFull(f, salt)
	f.Close()
	switch {
	case n == 0:
		if _, err := rand.Read(salt); err != nil {
			return "", err
		}
	case err != nil:
		return "", fmt.Errorf("%s: %w: shorter than its salt", path, ErrTruncated)
	}
	key := pbkdf2SHA512Yielding(passphrase, salt, kdfIter)
	return "x'" + hex.EncodeToString(key) + hex.EncodeToString(salt) + "'", nil
}
