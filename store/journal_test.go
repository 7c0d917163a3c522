package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// TestWAL_ReaderProcessesClosing checks the WAL mode's safety argument (the
// package doc): reader processes that open, read and close the store over
// and over, some as the last connection of their process while this one
// writes and checkpoints, lose no commit and damage nothing, and the WAL
// stays bounded.
func TestWAL_ReaderProcessesClosing(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes for seconds")
	}
	defer store.SetWALCheckpointBytes(256 << 10)()
	ctx := context.Background()
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg)
	const secs = 3
	var children []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreBenchChild$")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.Env = append(os.Environ(), benchRoleEnv+"=open-close", benchDirEnv+"="+cfg.DataDir,
			benchSecsEnv+"="+fmt.Sprint(secs), benchLinesEnv+"="+fmt.Sprint(i))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children, outs = append(children, cmd), append(outs, &out)
	}
	type stored struct{ id, text string }
	var logs []stored
	var maxWAL int64
	deadline := time.Now().Add(secs * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		is, err := db.CreateIssue(ctx, store.NewIssue{Title: fmt.Sprintf("w %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Repeat(fmt.Sprintf("line %d of write %d\n", i, i), 2000)
		lf, err := db.UploadLogFileByContent(ctx, is.ID, "w.log", strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, stored{lf.ID, text})
		if fi, err := os.Stat(cfg.DBPath() + "-wal"); err == nil {
			maxWAL = max(maxWAL, fi.Size())
		}
	}
	for i, c := range children {
		if err := c.Wait(); err != nil || !bytes.Contains(outs[i].Bytes(), []byte("CHILD ")) || bytes.Contains(outs[i].Bytes(), []byte(`"err"`)) {
			t.Fatalf("child %d: %v\n%s", i, err, outs[i].Bytes())
		}
	}
	if maxWAL > 4<<20 {
		t.Errorf("WAL reached %d bytes with a checkpoint at 256 KiB: not bounded", maxWAL)
	}
	MustCloseDB(t, db)
	db = MustOpenDBConfig(t, cfg)
	h, err := db.Health(ctx)
	if err != nil || h.IntegrityCheck != "ok" || h.JournalMode != "wal" {
		t.Fatalf("health %+v %v", h, err)
	}
	for _, l := range logs {
		w, err := db.ReadLogLines(ctx, l.id, 1, 2000)
		if err != nil || string(w.Text) != l.text {
			t.Fatalf("log %s: %v, %d bytes back of %d", l.id, err, len(w.Text), len(l.text))
		}
	}
	t.Logf("%d logs written beside the closing readers; WAL peak %d bytes", len(logs), maxWAL)
}
