package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySource says where the database key came from.
type KeySource string

const (
	KeyFromEnv       KeySource = "env TFTSR_DB_KEY"
	KeyFromFile      KeySource = "key file"
	KeyFromGenerated KeySource = "key file (generated now)"
)

// KeyFileName is the key file inside the data directory. The TFTSR app uses
// its text as the SQLCipher passphrase, and so does this program.
const KeyFileName = ".dbkey"

var (
	// ErrKeyFileMode is returned for a key file readable by group or other.
	ErrKeyFileMode = errors.New("key file is readable by group or other")
	// ErrNoKey is returned when an encrypted database exists but no key does.
	ErrNoKey = errors.New("no key for the existing database")
)

// ResolveKey returns the database passphrase: TFTSR_DB_KEY if set and
// non-empty; else the .dbkey file in dataDir; else, unless dbExists, a new
// random 32-byte hex key written to .dbkey with mode 0600. There is no
// built-in fallback key.
func ResolveKey(dataDir string, getenv func(string) string, dbExists bool) (string, KeySource, error) {
	key, src, err := LookupKey(dataDir, getenv)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, src, err
	}
	path := filepath.Join(dataDir, KeyFileName)
	if dbExists {
		return "", "", fmt.Errorf("%w: %s is encrypted but %s is missing and TFTSR_DB_KEY is unset; restore the key file or set TFTSR_DB_KEY", ErrNoKey, filepath.Join(dataDir, "tftsr.db"), path)
	}
	key, err = generateKeyFile(path)
	if err != nil {
		return "", "", err
	}
	return key, KeyFromGenerated, nil
}

// LookupKey is ResolveKey without the generating: TFTSR_DB_KEY, else the
// .dbkey file in dataDir, else an error wrapping fs.ErrNotExist. It never
// writes.
func LookupKey(dataDir string, getenv func(string) string) (string, KeySource, error) {
	if k := getenv("TFTSR_DB_KEY"); k != "" {
		return k, KeyFromEnv, nil
	}
	key, err := readKeyFile(filepath.Join(dataDir, KeyFileName))
	if err != nil {
		return "", "", err
	}
	return key, KeyFromFile, nil
}

func readKeyFile(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%w: %s has mode %04o; run: chmod 600 %s", ErrKeyFileMode, path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read key file: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("key file %s is empty; restore it or remove it together with the database", path)
	}
	return key, nil
}

// generateKeyFile writes a new key atomically. Link, unlike rename, fails
// when another process created the file first; that process's key then
// wins, so two first starts cannot end with two keys.
func generateKeyFile(path string) (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	key := hex.EncodeToString(raw[:])
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".dbkey-*.tmp")
	if err != nil {
		return "", fmt.Errorf("create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", err
	}
	if _, err := tmp.WriteString(key + "\n"); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path)
		}
		return "", fmt.Errorf("create key file: %w", err)
	}
	return key, syncDir(dir)
}

// KeyFileMode returns the permission bits of the key file in dataDir.
func KeyFileMode(dataDir string) (fs.FileMode, error) {
	fi, err := os.Stat(filepath.Join(dataDir, KeyFileName))
	if err != nil {
		return 0, err
	}
	return fi.Mode().Perm(), nil
}
