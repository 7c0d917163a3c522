package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/watcher"
)

func versionCmd() command {
	return command{
		name:    "version",
		summary: "print the version of tftsr-mcp and of its SQLite/SQLCipher",
		maxArgs: 0,
		run: func(ctx context.Context, inv *invocation) error {
			l := store.LibraryVersions()
			fmt.Fprintf(inv.Stdout, "tftsr-mcp %s (%s, SQLite %s, SQLCipher %s, crypto %s %s)\n", version, runtime.Version(), l.SQLite, l.SQLCipher, l.Provider, l.ProviderVersion)
			if w := store.SlowProvider(); w != "" {
				fmt.Fprintln(inv.Stdout, "warning:", w)
			}
			return nil
		},
	}
}

func migrateCmd() command {
	return command{
		name:     "migrate",
		summary:  "create or upgrade the database and print the migrations applied (--encrypt-plain: encrypt a plain SQLite database first)",
		settings: []string{"core"},
		maxArgs:  0,
		flags: func(fs *flag.FlagSet) {
			fs.Bool("encrypt-plain", false, "encrypt a plain (unencrypted) SQLite tftsr.db in place first, keeping a plain copy beside it")
		},
		run: func(ctx context.Context, inv *invocation) error {
			if flagString(inv.fs, "encrypt-plain") == "true" {
				if err := encryptPlain(ctx, inv); err != nil {
					return err
				}
			}
			db, err := store.Open(ctx, inv.cfg, inv.log)
			if err != nil {
				return err
			}
			defer db.Close()
			if len(db.Applied()) == 0 {
				fmt.Fprintln(inv.Stdout, "database is up to date:", db.Path())
				return nil
			}
			for _, n := range db.Applied() {
				fmt.Fprintln(inv.Stdout, "applied", n)
			}
			return nil
		},
	}
}

// encryptPlain says what it will do, does it, and says where the plain
// copy is and that it holds the data in clear.
func encryptPlain(ctx context.Context, inv *invocation) error {
	cfg, w := inv.cfg, inv.Stdout
	state, err := store.FileState(cfg)
	if err != nil {
		return err
	}
	if state != store.DBPlain {
		fmt.Fprintf(w, "%s is not a plain SQLite database (%s): nothing to encrypt\n", cfg.DBPath(), state)
		return nil
	}
	keyFrom := "the key in " + cfg.KeyPath()
	if _, src, err := store.LookupKey(cfg.DataDir, inv.Getenv); err == nil && src == store.KeyFromEnv {
		keyFrom = "the key in TFTSR_DB_KEY"
	} else if errors.Is(err, os.ErrNotExist) {
		keyFrom = "a new random key, written to " + cfg.KeyPath()
	}
	fmt.Fprintf(w, "%s is a plain (unencrypted) SQLite database.\n", cfg.DBPath())
	fmt.Fprintf(w, "Encrypting it in place with %s; a plain copy is kept as %s.\n", keyFrom, store.PlainBackupPattern(cfg))
	backup, err := store.EncryptPlain(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "encrypted %s\n", cfg.DBPath())
	fmt.Fprintf(w, "plain copy: %s\n", backup)
	fmt.Fprintf(w, "The plain copy holds all the data in clear: check the encrypted database (tftsr-mcp doctor), then delete the copy.\n")
	return nil
}

func doctorCmd() command {
	return command{
		name:     "doctor",
		summary:  "check the data dir, key, database, schema and integrity, and print what it found; changes nothing",
		settings: []string{"core"},
		maxArgs:  0,
		run:      runDoctor,
	}
}

// runDoctor only looks: it opens the database read-only, and an empty or
// missing data dir stays as it was (no key, no database, no lock file).
func runDoctor(ctx context.Context, inv *invocation) error {
	w, cfg := inv.Stdout, inv.cfg
	dirNote := ""
	if _, err := os.Stat(cfg.DataDir); errors.Is(err, os.ErrNotExist) {
		dirNote = " (does not exist yet)"
	}
	fmt.Fprintf(w, "data dir:        %s%s\n", cfg.DataDir, dirNote)
	if err := store.CheckFTS5(); err != nil {
		fmt.Fprintf(w, "fts5:            MISSING\n")
		return err
	}
	state, err := store.FileState(cfg)
	if err != nil {
		fmt.Fprintf(w, "database:        FAILED\n")
		return err
	}
	switch state {
	case store.DBMissing, store.DBEmpty:
		what := "none yet"
		if state == store.DBEmpty {
			what = "empty file (0 bytes)"
		}
		fmt.Fprintf(w, "database:        %s: %s\n", cfg.DBPath(), what)
		fmt.Fprintf(w, "key:             %s\n", doctorKeyLine(inv))
		if state == store.DBEmpty {
			// With a key beside it, the empty file is a lost database.
			if _, err := store.OpenReadOnly(ctx, cfg, inv.log); errors.Is(err, store.ErrEmptyDatabase) {
				return err
			}
		}
		fmt.Fprintf(w, "                 the first migrate, watch or serve creates the database (and a key if there is none)\n")
		printDoctorWatchers(w, cfg.DataDir)
		return nil
	case store.DBPlain:
		fmt.Fprintf(w, "database:        %s: plain SQLite, NOT encrypted\n", cfg.DBPath())
		fmt.Fprintf(w, "key:             %s\n", doctorKeyLine(inv))
		return fmt.Errorf("%s is a plain (unencrypted) SQLite database: 'tftsr-mcp migrate --encrypt-plain' encrypts it (keeping a plain copy beside it); no other command opens it", cfg.DBPath())
	}
	db, err := store.OpenReadOnly(ctx, cfg, inv.log)
	if err != nil {
		fmt.Fprintf(w, "database:        FAILED\n")
		return err
	}
	defer db.Close()
	h, err := db.Health(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "database:        %s\n", h.Path)
	fmt.Fprintf(w, "key:             %s\n", doctorKeyLine(inv))
	fmt.Fprintf(w, "cipher:          SQLCipher %s, page size %d\n", h.CipherVersion, cfg.CipherPageSize)
	l := store.LibraryVersions()
	fmt.Fprintf(w, "crypto:          %s %s\n", l.Provider, l.ProviderVersion)
	if slow := store.SlowProvider(); slow != "" {
		fmt.Fprintf(w, "                 WARNING: %s\n", slow)
	}
	fmt.Fprintf(w, "sqlite:          %s\n", h.SQLiteVersion)
	fmt.Fprintf(w, "fts5:            ok\n")
	fmt.Fprintf(w, "journal mode:    %s\n", h.JournalMode)
	fmt.Fprintf(w, "migrations:      %d applied, %d pending, %d unknown\n", len(h.Applied), len(h.Pending), len(h.Unknown))
	if len(h.Pending) > 0 {
		fmt.Fprintf(w, "  pending (tftsr-mcp migrate, or the next watch or serve, applies them): %s\n", strings.Join(h.Pending, ", "))
	}
	if len(h.Unknown) > 0 {
		fmt.Fprintf(w, "  unknown (from a newer TFTSR app, left alone): %s\n", strings.Join(h.Unknown, ", "))
	}
	fmt.Fprintf(w, "integrity:       %s\n", h.IntegrityCheck)
	if h.IntegrityCheck != "ok" {
		return fmt.Errorf("integrity check failed: %s", h.IntegrityCheck)
	}
	printDoctorWatchers(w, cfg.DataDir)
	return nil
}

// doctorKeyLine says where the key comes from, without creating one.
func doctorKeyLine(inv *invocation) string {
	_, src, err := store.LookupKey(inv.cfg.DataDir, inv.Getenv)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "none (no TFTSR_DB_KEY, no " + inv.cfg.KeyPath() + ")"
	case src == store.KeyFromEnv:
		return string(src)
	}
	line := string(store.KeyFromFile) + " " + inv.cfg.KeyPath()
	if mode, merr := store.KeyFileMode(inv.cfg.DataDir); merr == nil {
		line += fmt.Sprintf(" (mode %04o)", mode)
	}
	if err != nil {
		line += " " + err.Error()
	}
	return line
}

// printDoctorWatchers lists the watch agents that used this data dir, and
// the files they will not ingest.
func printDoctorWatchers(w io.Writer, dataDir string) {
	list, err := watcher.ReadStatuses(dataDir)
	if err != nil {
		fmt.Fprintf(w, "watchers:        cannot read: %v\n", err)
		return
	}
	if len(list) == 0 {
		fmt.Fprintf(w, "watchers:        none has run\n")
		return
	}
	fmt.Fprintf(w, "watchers:        %d\n", len(list))
	for _, s := range list {
		state := "stopped"
		if s.Running {
			state = fmt.Sprintf("running (pid %d)", s.PID)
		}
		fmt.Fprintf(w, "  %s: %s; stored %d, duplicate %d, failed %d, waiting %d\n",
			strings.Join(s.Dirs, ", "), state, s.OK, s.Duplicate, s.Failed, s.Queued)
		for _, f := range s.LeftInPlace {
			fmt.Fprintf(w, "    left in place (%s): %s\n", leftInPlaceReason(f), f)
		}
		if s.LastError != nil {
			fmt.Fprintf(w, "    last error: %s %s: %s\n", s.LastError.Time.Local().Format("2006-01-02 15:04:05"), s.LastError.File, s.LastError.Error)
		}
	}
}

// leftInPlaceReason says why the watcher did not take f, as far as the
// file shows it now.
func leftInPlaceReason(f string) string {
	fi, err := os.Stat(f)
	switch {
	case err != nil:
		return "gone since"
	case fi.Size() == 0:
		return "empty: nothing to store"
	}
	return "not a log or image"
}
