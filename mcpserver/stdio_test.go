package mcpserver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

// On stdio a JSON-RPC batch line gets an error saying batches are not
// supported (mcp-go: "Failed to parse message"), and the session goes on.
func TestStdio_Batch(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.ServeStdio(ctx, inR, outW); outW.Close() }()
	defer func() {
		inW.Close()
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("ServeStdio did not return after its input ended")
		}
	}()
	lines := bufio.NewReader(outR)
	send := func(s string) string {
		t.Helper()
		if _, err := io.WriteString(inW, s+"\n"); err != nil {
			t.Fatal(err)
		}
		l, err := lines.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if got := send(initBody); !strings.Contains(got, `"protocolVersion"`) {
		t.Fatalf("initialize: %s", got)
	}
	io.WriteString(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	msgs := make([]string, 10000)
	for i := range msgs {
		msgs[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"ping"}`, i+10)
	}
	if got := send("[" + strings.Join(msgs, ",") + "]"); !strings.Contains(got, "batches are not supported") || !strings.Contains(got, "-32600") {
		t.Fatalf("batch: %.300s", got)
	}
	if got := send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`); !strings.Contains(got, `"id":2`) || !strings.Contains(got, `"result"`) {
		t.Fatalf("ping after the batch: %s", got)
	}
}
