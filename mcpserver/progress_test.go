package mcpserver_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// genLog is n bytes or a little more of log lines. The only line that
// contains "needle" is the last; no line has seven digits in a row.
func genLog(n int) string {
	var sb strings.Builder
	sb.Grow(n + 100)
	for i := 0; sb.Len() < n; i++ {
		fmt.Fprintf(&sb, "2026-11-30 10:%02d:%02d.%03d INFO worker-%d handled request %d in %dms from 10.0.%d.%d\n",
			i/60000%60, i/1000%60, i%1000, i%8, i%100000, i%997, i%250, i%200)
	}
	sb.WriteString("2026-11-30 11:00:00.000 ERROR needle found\n")
	return sb.String()
}

// genLogReader streams genLog's lines up to n bytes without holding them.
type genLogReader struct {
	n, i int
	buf  []byte
}

func (r *genLogReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.n <= 0 {
			return 0, io.EOF
		}
		line := fmt.Sprintf("2026-11-30 10:%02d:%02d.%03d INFO worker-%d handled request %d in %dms from 10.0.%d.%d\n",
			r.i/60000%60, r.i/1000%60, r.i%1000, r.i%8, r.i%100000, r.i%997, r.i%250, r.i%200)
		r.i++
		r.n -= len(line)
		r.buf = []byte(line)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// collectProgress returns the progress notifications with token, waiting
// up to a second for the one that says the work is complete (the last
// notification is the one mcp-go could lose over HTTP).
func collectProgress(c eraClient, token string) []progressEvent {
	var out []progressEvent
	timeout := time.After(time.Second)
	for {
		select {
		case ev := <-c.progress():
			if ev.token != token {
				continue
			}
			out = append(out, ev)
			if ev.total > 0 && ev.progress >= ev.total {
				return out
			}
		case <-timeout:
			return out
		}
	}
}

func checkProgress(t *testing.T, what string, evs []progressEvent, total float64, took time.Duration) {
	t.Helper()
	if len(evs) == 0 {
		t.Fatalf("%s: no progress notification", what)
	}
	for i, ev := range evs {
		if i > 0 && ev.progress <= evs[i-1].progress {
			t.Errorf("%s: progress went %v then %v", what, evs[i-1].progress, ev.progress)
		}
		if ev.total != total {
			t.Errorf("%s: total %v, want %v", what, ev.total, total)
		}
	}
	if last := evs[len(evs)-1]; last.progress != total {
		t.Errorf("%s: last progress %v of %v: the final notification is missing", what, last.progress, total)
	}
	// At most ~4 a second, and the final one.
	if most := 2 + int(took/(250*time.Millisecond)); len(evs) > most {
		t.Errorf("%s: %d notifications in %v, want at most %d", what, len(evs), took, most)
	}
}

// A large upload and a search over all logs send notifications/progress
// to a client that gave a progress token, in both eras, over both
// transports; the final one arrives.
func TestProgress_UploadAndSearch(t *testing.T) {
	content := genLog(5 << 20)
	for _, tr := range transports {
		for _, era := range eras {
			t.Run(tr+"/"+era, func(t *testing.T) {
				e := newEraServer(t, tr)
				c := connectEra(t, e, era)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				sc, isErr, txt, err := c.call(ctx, "create_issue", map[string]any{"title": "progress"})
				if err != nil || isErr {
					t.Fatalf("create_issue: %v %s", err, txt)
				}
				issue := strings.Split(strings.Split(string(sc), `"id":"`)[1], `"`)[0]

				start := time.Now()
				isErr, txt, err = c.callProgress(ctx, "upload_log_file_by_content",
					map[string]any{"issue_id": issue, "file_name": "big.log", "content": content}, "up-1")
				if err != nil || isErr {
					t.Fatalf("upload: %v %s", err, txt)
				}
				checkProgress(t, "upload", collectProgress(c, "up-1"), float64(len(content)), time.Since(start))

				start = time.Now()
				isErr, txt, err = c.callProgress(ctx, "search_logs", map[string]any{"pattern": "needle"}, "search-1")
				if err != nil || isErr || !strings.Contains(txt, "needle found") {
					t.Fatalf("search: %v %s", err, txt)
				}
				checkProgress(t, "search", collectProgress(c, "search-1"), float64(len(content)), time.Since(start))

				// Without a token: no notification.
				if _, _, _, err := c.call(ctx, "search_logs", map[string]any{"pattern": "needle"}); err != nil {
					t.Fatal(err)
				}
				select {
				case ev := <-c.progress():
					t.Errorf("progress %+v for a call without a token", ev)
				case <-time.After(200 * time.Millisecond):
				}
			})
		}
	}
}
