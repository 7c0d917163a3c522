package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run drives Run as main does, with the data dir in dataDir.
func run(t testing.TB, dataDir string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		switch k {
		case "TFTSR_DATA_DIR":
			return dataDir
		case "XDG_CONFIG_HOME":
			return dataDir // no config file there
		}
		return ""
	}
	t.Setenv("TFTSR_DB_KEY", env["TFTSR_DB_KEY"]) // the store reads the process env
	code = Run(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv})
	return code, out.String(), errb.String()
}

func TestRun_Usage(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		args     []string
		env      map[string]string
		code     int
		inStdout []string
		inStderr []string
	}{
		{"Help", []string{"--help"}, nil, exitOK, []string{"migrate", "doctor", "version", "TFTSR_DB_KEY", "--data-dir", "--cipher-page-size", "Exit codes"}, nil},
		{"HelpCommand", []string{"help"}, nil, exitOK, []string{"Commands:"}, nil},
		{"CommandHelp", []string{"doctor", "--help"}, nil, exitOK, []string{"Usage: tftsr-mcp doctor", "--log-level"}, nil},
		{"Version", []string{"version"}, nil, exitOK, []string{"tftsr-mcp ", "SQLCipher 4.", "SQLite 3."}, nil},
		{"ErrNoCommand", nil, nil, exitUsage, nil, []string{"Usage:"}},
		{"ErrUnknownCommand", []string{"frobnicate"}, nil, exitUsage, nil, []string{`unknown command "frobnicate"`}},
		{"ErrUnknownFlag", []string{"doctor", "--nope"}, nil, exitUsage, nil, []string{"nope"}},
		{"ErrBadEnv", []string{"doctor"}, map[string]string{"TFTSR_CIPHER_PAGE_SIZE": "3"}, exitUsage, nil, []string{"TFTSR_CIPHER_PAGE_SIZE"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, dir, tc.env, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, s := range tc.inStdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.inStderr {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
		})
	}
}

func TestRun_MigrateAndDoctor(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, dir, nil, "migrate")
	if code != exitOK || !strings.Contains(out, "applied 001_create_issues") || !strings.Contains(out, "applied 022_attachment_views") {
		t.Fatalf("migrate: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = run(t, dir, nil, "migrate")
	if code != exitOK || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %d %s", code, out)
	}
	code, out, errOut = run(t, dir, nil, "doctor")
	if code != exitOK {
		t.Fatalf("doctor: %d\n%s\n%s", code, out, errOut)
	}
	for _, s := range []string{"key file " + filepath.Join(dir, ".dbkey") + " (mode 0600)", "SQLCipher 4.4.2", "sqlite:          3.33.0", "fts5:            ok", "journal mode:    wal", "0 pending, 0 unknown", "integrity:       ok"} {
		if !strings.Contains(out, s) {
			t.Errorf("doctor output lacks %q:\n%s", s, out)
		}
	}
	// A wrong key: exit 1, one line that says what to do, the file untouched.
	before, _ := os.ReadFile(filepath.Join(dir, "tftsr.db"))
	code, _, errOut = run(t, dir, map[string]string{"TFTSR_DB_KEY": "not-the-key"}, "doctor")
	if code != exitRuntime || !strings.Contains(errOut, "wrong key") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("wrong key: exit %d, stderr %q", code, errOut)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "tftsr.db"))
	if !bytes.Equal(before, after) {
		t.Fatal("database modified by a failed open")
	}
}

// TestBinary_WithoutFTS5 builds the command without the sqlite_fts5 tag and
// checks it stops with one line that names the fix.
func TestBinary_WithoutFTS5(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles SQLCipher once more without FTS5")
	}
	bin := filepath.Join(t.TempDir(), "tftsr-mcp-nofts")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "migrate")
	cmd.Env = append(os.Environ(), "TFTSR_DATA_DIR="+t.TempDir(), "TFTSR_DB_KEY=")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitRuntime {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	msg := strings.TrimSpace(string(out))
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "without FTS5") || !strings.Contains(msg, "make build") || strings.Contains(msg, "no such module") {
		t.Fatalf("message %q: want one line naming the fix", msg)
	}
}

// BenchmarkDoctor times `tftsr-mcp doctor` on an existing database, the
// whole command in process: key derivation, open, checks.
//
//	go test -tags "sqlite_fts5 sqlite_json" -run '^$' -bench Doctor -benchtime 5x ./cmd/tftsr-mcp/
func BenchmarkDoctor(b *testing.B) {
	dir := b.TempDir()
	if code, _, e := run(b, dir, nil, "migrate"); code != 0 {
		b.Fatal(e)
	}
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		if code, _, e := run(b, dir, nil, "doctor"); code != 0 {
			b.Fatal(e)
		}
		times = append(times, time.Since(start))
	}
	b.ReportMetric(float64(median(times).Microseconds())/1000, "median-ms")
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}
