package webui_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkLogPage measures the log page with its overview and first
// patterns page, over loopback HTTP (a logged-in GET: facts read, chart
// laid out, templates redacted, page rendered), and the patterns list
// filtered by text, which redacts every template of the log. Logs: the
// loghub 2k samples (skipped when ../shared/corpus is absent), one with
// the miner's cap of patterns, and the large generated log (1 GiB;
// WEBUI_BENCH_LOG_MB for another size). Target: the page under 300 ms.
//
//	go test -tags 'sqlite_fts5 sqlite_json' -run '^$' -bench LogPage -benchtime 50x ./mcpserver/webui/
func BenchmarkLogPage(b *testing.B) {
	e := newEnv(b, envOpts{})
	e.login()
	is := e.issue("log page bench", "")
	type target struct{ name, id string }
	var logs []target
	files, _ := filepath.Glob("../../../shared/corpus/loghub/*_2k.log")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		lf := e.log(is.ID, filepath.Base(f), string(data))
		logs = append(logs, target{strings.TrimSuffix(filepath.Base(f), "_2k.log"), lf.ID})
	}
	if len(files) == 0 {
		b.Log("no loghub corpus in ../../../shared/corpus/loghub: its logs are skipped")
	}
	lf := e.log(is.ID, "many-patterns.log", manyPatternsLog(20_000))
	logs = append(logs, target{"ManyPatterns", lf.ID})
	logs = append(logs, target{"Big", bigLog(b, e).ID})
	for _, l := range logs {
		ov, err := e.db.LogOverview(context.Background(), l.id)
		if err != nil || !ov.Indexed {
			b.Fatalf("%s: %+v %v", l.name, ov.Indexed, err)
		}
		b.Run(l.name+"/Page", func(b *testing.B) {
			benchLatency(b, "ms/page", func() {
				if res, body := e.get("/logs/" + l.id); res.StatusCode != 200 || !strings.Contains(body, `id="pat-status"`) {
					b.Fatalf("%s: %s", l.name, res.Status)
				}
			})
			b.ReportMetric(float64(ov.PatternCount), "patterns")
		})
		b.Run(l.name+"/Filtered", func(b *testing.B) {
			benchLatency(b, "ms/list", func() {
				if res, _ := e.get("/api/logs/" + l.id + "/patterns?pq=e"); res.StatusCode != 200 {
					b.Fatalf("%s: %s", l.name, res.Status)
				}
			})
		})
	}
}

// manyPatternsLog is n timed lines whose words share nothing but a few
// first words, so the miner makes a pattern of nearly each one, up to its
// cap.
func manyPatternsLog(n int) string {
	word := func(k int) string {
		var sb strings.Builder
		for k++; k > 0; k /= 26 {
			sb.WriteByte(byte('a' + k%26))
		}
		return sb.String()
	}
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	var sb strings.Builder
	for i := range n {
		lvl := "INFO"
		if i%50 == 0 {
			lvl = "ERROR"
		}
		fmt.Fprintf(&sb, "%s %s %s %s %s %s %s\n", t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), lvl,
			word(i%90), word(i/90%90+100), word(i*7919%100_000+1000), word(i*104_729%100_000+2000), word(i+5000))
	}
	return sb.String()
}
