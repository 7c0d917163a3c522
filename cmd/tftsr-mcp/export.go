package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tftsr/tftsr-mcp/store"
)

func exportCmd() command {
	return command{
		name:    "export",
		args:    "LOG_ID FILE",
		maxArgs: 2,
		summary: "write a log's original file (the PDF, DOCX, XLSX or capture its text came from; else its text) to FILE, or - for stdout",
		run:     runExport,
	}
}

// runExport writes to FILE.partial and renames it when the bytes are
// checked, so FILE is never a torn or wrong copy; an existing FILE is
// left alone.
func runExport(ctx context.Context, inv *invocation) error {
	if len(inv.args) != 2 {
		return usagef("export takes LOG_ID and FILE")
	}
	id, path := inv.args[0], inv.args[1]
	db, err := store.Open(ctx, inv.cfg, inv.log)
	if err != nil {
		return err
	}
	defer db.Close()
	if path == "-" {
		_, err := db.ExportLogOriginal(ctx, id, inv.Stdout)
		return err
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("export: %s exists; name a new file", path)
	}
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	lf, err := db.ExportLogOriginal(ctx, id, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	abs, _ := filepath.Abs(path)
	fmt.Fprintf(inv.Stdout, "exported %s (%s, %s, %d bytes, sha256 %s) to %s\n", lf.ID, lf.FileName, lf.MimeType, lf.FileSize, lf.ContentHash, abs)
	return nil
}
