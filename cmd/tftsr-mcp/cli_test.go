package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dirEntries lists dir's names, or nil when dir does not exist.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestRun_UsageErrorsCreateNothing checks that every usage error exits 2
// before the data dir, a key or a database exists.
func TestRun_UsageErrorsCreateNothing(t *testing.T) {
	folder := t.TempDir()
	file := filepath.Join(folder, "app.log")
	os.WriteFile(file, []byte("x\n"), 0o644)
	cases := []struct {
		name     string
		args     []string
		inStderr string
	}{
		{"WatchMissingFolder", []string{"watch", "/nonexistent-tftsr"}, "no such folder"},
		{"WatchFile", []string{"watch", file}, "not a folder"},
		{"WatchMissingFolderFlagAfter", []string{"watch", "/nonexistent-tftsr", "--data-dir", "OTHER"}, "no such folder"},
		{"WatchBadSettleAfterDir", []string{"watch", folder, "--settle", "soon"}, "TFTSR_WATCH_SETTLE"},
		{"WatchUnknownFlagAfterDir", []string{"watch", folder, "--nope"}, "nope"},
		{"WatchNoFolder", []string{"watch"}, "folder"},
		{"ServeWatchMissingFolder", []string{"serve", "--watch", "/nonexistent-tftsr"}, "no such folder"},
		{"ServeArgument", []string{"serve", folder}, "takes no arguments"},
		{"MigrateArgument", []string{"migrate", "now"}, "takes no arguments"},
		{"DoctorServeFlag", []string{"doctor", "--http", "127.0.0.1:1"}, "flag provided but not defined: -http"},
		{"GlobalServeFlagBeforeMigrate", []string{"--http", "127.0.0.1:1", "migrate"}, "--http does not apply to migrate"},
		{"VersionDataDir", []string{"version", "--data-dir", "OTHER"}, "data-dir"},
		{"AuditTwoSubcommands", []string{"audit", "list", "verify"}, `unexpected argument "verify"`},
		{"AuditUnknownSubcommand", []string{"audit", "lsit", "--data-dir", "OTHER"}, `unknown subcommand "lsit"`},
		{"AuditBadLimitAfterSub", []string{"audit", "list", "--limit", "0"}, "--limit"},
		{"IngestNoFile", []string{"ingest"}, "file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			def, other := filepath.Join(root, "default"), filepath.Join(root, "other")
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "OTHER", other)
			}
			code, out, errOut := run(t, def, nil, args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitUsage, out, errOut)
			}
			if !strings.Contains(errOut, tc.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.inStderr, errOut)
			}
			if got := dirEntries(t, root); len(got) != 0 {
				t.Errorf("a usage error left files behind: %v", got)
			}
		})
	}
}

// TestRun_FlagsAnywhere checks that a flag after the positional arguments
// counts, and so reaches the data dir it names, not the default one.
func TestRun_FlagsAnywhere(t *testing.T) {
	t.Setenv("TFTSR_DB_KEY", "")
	folder := t.TempDir()
	cases := []struct {
		name string
		args []string // OTHER is replaced by the data dir the flag names
	}{
		{"WatchDirThenDataDir", []string{"watch", folder, "--data-dir", "OTHER"}},
		{"WatchDataDirThenDir", []string{"watch", "--data-dir", "OTHER", folder}},
		{"AuditListThenDataDir", []string{"audit", "list", "--data-dir", "OTHER", "--limit", "5"}},
		{"AuditDataDirThenList", []string{"audit", "--data-dir", "OTHER", "list"}},
		{"GlobalDataDir", []string{"--data-dir", "OTHER", "migrate"}},
		{"MigrateDataDirEquals", []string{"migrate", "--data-dir=OTHER"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			def, other := filepath.Join(root, "default"), filepath.Join(root, "other")
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "OTHER", other)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out, errOut lockedBuffer
			done := make(chan int, 1)
			go func() { done <- runCtx(ctx, def, &out, &errOut, args...) }()
			if args[0] == "watch" {
				// watch runs until canceled: stop it once it is watching.
				deadline := time.Now().Add(20 * time.Second)
				for !strings.Contains(errOut.String(), "msg=watching") && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				cancel()
			}
			if code := <-done; code != exitOK {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
			}
			if _, err := os.Stat(filepath.Join(other, "tftsr.db")); err != nil {
				t.Errorf("no database in the --data-dir: %v", err)
			}
			if got := dirEntries(t, def); len(got) != 0 {
				t.Errorf("the default data dir was used: %v", got)
			}
		})
	}
}

// TestRun_CommandHelp checks that COMMAND --help lists that command's
// flags and no other.
func TestRun_CommandHelp(t *testing.T) {
	cases := []struct {
		cmd      string
		has, not []string
		maxLines int
	}{
		{"version", nil, []string{"--data-dir", "--http", "--settle"}, 5},
		{"migrate", []string{"--data-dir", "--cipher-page-size", "--busy-timeout"}, []string{"--http", "--settle", "--redact-allow", "--max-log-size"}, 20},
		{"doctor", []string{"--data-dir", "--log-level"}, []string{"--http", "--settle", "--print-config", "--status"}, 20},
		{"audit", []string{"--data-dir", "--limit", "--since", "--json"}, []string{"--http", "--settle", "--max-log-size"}, 40},
		{"watch", []string{"--data-dir", "--settle", "--status", "--issue", "--redact-allow", "--max-log-size"}, []string{"--http", "--print-config", "--allow-root"}, 70},
		{"ingest", []string{"--issue", "--inbox-issue", "--max-log-size"}, []string{"--settle", "--http", "--status"}, 40},
		{"serve", []string{"--http", "--print-config", "--watch", "--settle", "--allow-root"}, []string{"--status", "--limit"}, 90},
	}
	for _, tc := range cases {
		t.Run(tc.cmd, func(t *testing.T) {
			code, out, errOut := run(t, t.TempDir(), nil, tc.cmd, "--help")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, s := range tc.has {
				if !strings.Contains(out, s+"\n") {
					t.Errorf("lacks %s:\n%s", s, out)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(out, s+"\n") {
					t.Errorf("lists %s, which %s does not take:\n%s", s, tc.cmd, out)
				}
			}
			if n := strings.Count(out, "\n"); n > tc.maxLines {
				t.Errorf("%d lines, want at most %d:\n%s", n, tc.maxLines, out)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.Count(line, "default") > 1 {
					t.Errorf("a default said twice: %q", line)
				}
			}
		})
	}
}
