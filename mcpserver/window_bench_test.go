package mcpserver_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
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
	db, is := benchStore(b, "bench")
	url := benchServer(b, db, mcpserver.Options{Transport: "http", MaxResultBytes: 4 << 20})
	c := loadConnect(b, url)
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
