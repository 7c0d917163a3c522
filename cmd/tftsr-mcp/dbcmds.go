package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
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
			sqliteV, cipherV := libraryVersions()
			fmt.Fprintf(inv.Stdout, "tftsr-mcp %s (%s, SQLite %s, SQLCipher %s)\n", version, runtime.Version(), sqliteV, cipherV)
			return nil
		},
	}
}

// libraryVersions asks an in-memory database, which needs no key.
func libraryVersions() (sqliteV, cipherV string) {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return "?", "?"
	}
	defer db.Close()
	db.QueryRow(`SELECT sqlite_version()`).Scan(&sqliteV)
	db.QueryRow(`PRAGMA cipher_version`).Scan(&cipherV)
	return sqliteV, cipherV
}

func migrateCmd() command {
	return command{
		name:     "migrate",
		summary:  "create or upgrade the database and print the migrations applied",
		settings: []string{"core"},
		maxArgs:  0,
		run: func(ctx context.Context, inv *invocation) error {
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

func doctorCmd() command {
	return command{
		name:     "doctor",
		summary:  "check the data dir, key, database, schema and integrity, and print what it found; changes nothing",
		settings: []string{"core"},
		maxArgs:  0,
		run: func(ctx context.Context, inv *invocation) error {
			w := inv.Stdout
			fmt.Fprintf(w, "data dir:        %s\n", inv.cfg.DataDir)
			if err := store.CheckFTS5(); err != nil {
				fmt.Fprintf(w, "fts5:            MISSING\n")
				return err
			}
			db, err := store.Open(ctx, inv.cfg, inv.log)
			if err != nil {
				fmt.Fprintf(w, "database:        FAILED\n")
				return err
			}
			defer db.Close()
			h, err := db.Health(ctx)
			if err != nil {
				return err
			}
			mode, err := store.KeyFileMode(inv.cfg.DataDir)
			keyLine := string(h.KeySource)
			if h.KeySource != store.KeyFromEnv {
				keyLine += fmt.Sprintf(" %s (mode %04o)", inv.cfg.KeyPath(), mode)
			}
			if err != nil && h.KeySource != store.KeyFromEnv {
				keyLine += " " + err.Error()
			}
			fmt.Fprintf(w, "database:        %s\n", h.Path)
			fmt.Fprintf(w, "key:             %s\n", keyLine)
			fmt.Fprintf(w, "cipher:          SQLCipher %s, page size %d\n", h.CipherVersion, inv.cfg.CipherPageSize)
			fmt.Fprintf(w, "sqlite:          %s\n", h.SQLiteVersion)
			fmt.Fprintf(w, "fts5:            ok\n")
			fmt.Fprintf(w, "journal mode:    %s\n", h.JournalMode)
			fmt.Fprintf(w, "migrations:      %d applied, %d pending, %d unknown\n", len(h.Applied), len(h.Pending), len(h.Unknown))
			if len(h.Unknown) > 0 {
				fmt.Fprintf(w, "  unknown (from a newer TFTSR app, left alone): %s\n", strings.Join(h.Unknown, ", "))
			}
			fmt.Fprintf(w, "integrity:       %s\n", h.IntegrityCheck)
			if h.IntegrityCheck != "ok" {
				return fmt.Errorf("integrity check failed: %s", h.IntegrityCheck)
			}
			printDoctorWatchers(w, inv.cfg.DataDir)
			return nil
		},
	}
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
			fmt.Fprintf(w, "    left in place (not a log or image): %s\n", f)
		}
		if s.LastError != nil {
			fmt.Fprintf(w, "    last error: %s %s: %s\n", s.LastError.Time.Local().Format("2006-01-02 15:04:05"), s.LastError.File, s.LastError.Error)
		}
	}
}
