package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProviders_ReadEachOther builds the binary on both crypto providers
// (the driver's libtomcrypt, and OpenSSL through the forced include the
// Makefile uses) and checks that each opens and reads a store the other
// wrote: the file format must not depend on the provider.
func TestProviders_ReadEachOther(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary twice")
	}
	if _, err := os.Stat("/usr/include/openssl/evp.h"); err != nil {
		t.Skip("no OpenSSL headers (Debian: libssl-dev; .ci/run installs it)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	header := filepath.Join(root, "store", "sqlcipher", "openssl.h")
	text, err := os.ReadFile(header)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(text)
	// The Makefile's flags, checksum included, so the build is the cached one.
	cflags := fmt.Sprintf("CGO_CFLAGS=-O2 -g -include %s -DTFTSR_CIPHER_H_SUM=%x", header, sum[:8])
	bins := map[string]string{}
	for name, env := range map[string][]string{
		"libtomcrypt": {"CGO_CFLAGS=-O2 -g", "CGO_LDFLAGS=-O2 -g"},
		"openssl":     {cflags, "CGO_LDFLAGS=-O2 -g -lcrypto"},
	} {
		bin := filepath.Join(t.TempDir(), "tftsr-mcp-"+name)
		cmd := exec.Command("go", "build", "-tags", "sqlite_fts5 sqlite_json", "-o", bin, ".")
		cmd.Env = append(os.Environ(), append(env, "CGO_ENABLED=1")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
		out, err := exec.Command(bin, "version").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "crypto "+name) {
			t.Fatalf("%s build says %q (%v)", name, out, err)
		}
		if slow := strings.Contains(string(out), "warning:"); slow != (name == "libtomcrypt") {
			t.Fatalf("%s build: slow-provider warning %v: %s", name, slow, out)
		}
		bins[name] = bin
	}
	for _, pair := range [][2]string{{"libtomcrypt", "openssl"}, {"openssl", "libtomcrypt"}} {
		writer, reader := pair[0], pair[1]
		t.Run(writer+"To"+reader, func(t *testing.T) {
			dir := t.TempDir()
			logPath := filepath.Join(t.TempDir(), "app.log")
			if err := os.WriteFile(logPath, []byte(strings.Repeat("INFO written by "+writer+"\n", 1000)), 0o600); err != nil {
				t.Fatal(err)
			}
			env := append(os.Environ(), "TFTSR_DATA_DIR="+dir, "XDG_CONFIG_HOME="+dir, "TFTSR_DB_KEY=")
			ing := exec.Command(bins[writer], "ingest", "--issue", "compat", logPath)
			ing.Env = env
			if out, err := ing.CombinedOutput(); err != nil {
				t.Fatalf("%s ingest: %v\n%s", writer, err, out)
			}
			doc := exec.Command(bins[reader], "doctor")
			doc.Env = env
			out, err := doc.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "ok") {
				t.Fatalf("%s doctor on %s's store: %v\n%s", reader, writer, err, out)
			}
		})
	}
}
