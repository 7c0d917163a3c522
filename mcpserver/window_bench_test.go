package mcpserver_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store"
)

// BenchmarkWindowCall is one get_log_file_content call for a whole
// 2,000-line loghub log through mcp-go's client: the window's redaction
// with context, the last pass over text and structured content, JSON and
// HTTP. ms/op per family.
func BenchmarkWindowCall(b *testing.B) {
	files, _ := filepath.Glob("../../shared/corpus/loghub/*_2k.log")
	if len(files) == 0 {
		b.Skip("no loghub corpus in ../../shared/corpus/loghub")
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	db, err := store.Open(ctx, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	is, err := db.CreateIssue(ctx, store.NewIssue{Title: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(tbWriter{b}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := mcpserver.New(ctx, db, mcpserver.Options{Transport: "http", MaxResultBytes: 4 << 20}, log)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.HTTPHandler(mcpserver.HTTPOptions{Token: testToken, LoopbackHost: true}))
	b.Cleanup(hs.Close)
	c := loadConnect(b, hs.URL)
	for _, f := range files[:min(len(files), 4)] {
		text, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		lf, err := db.UploadLogFileByContent(ctx, is.ID, filepath.Base(f), bytesReader(text))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(f), func(b *testing.B) {
			req := mcp.CallToolRequest{}
			req.Params.Name = "get_log_file_content"
			req.Params.Arguments = map[string]any{"log_file_id": lf.ID, "max_lines": 2000}
			for b.Loop() {
				res, err := c.CallTool(ctx, req)
				if err != nil || res.IsError {
					b.Fatal(err, fmt.Sprint(res))
				}
			}
		})
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
