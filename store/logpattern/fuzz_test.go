package logpattern_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

// FuzzMiner mines the input's lines twice and checks what callers rely
// on: no panic, every line gets a pattern that exists, a known level, a
// sane template, counts that add up, and equal ids for equal input.
func FuzzMiner(f *testing.F) {
	f.Add([]byte("2024-05-01 10:00:01 INFO a b c\n[x] [y] z: 1 2 3\n\n"))
	f.Add([]byte("[Sun Dec 04 04:47:44 2005] [error] [IPV4:a947669223] user=[EMAIL:0123456789]\r\n"))
	f.Add([]byte("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: x\n- - - | [[[]]] -1 +2 /a/b/c a.b.c"))
	files, _ := filepath.Glob(filepath.Join(loghubDir, "*_2k.log"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b[:min(len(b), 4096)])
		}
	}
	opts := logpattern.Options{MaxClusters: 50, MaxTokens: 8, MaxLineBytes: 200}
	f.Fuzz(func(t *testing.T, in []byte) {
		lines := bytes.SplitAfter(in, []byte("\n"))
		run := func() ([]int, *logpattern.Miner) {
			m := logpattern.New(opts)
			ids := make([]int, len(lines))
			for i, l := range lines {
				id, level := m.Add(l)
				if level != "" && logpattern.Severity(level) == 0 {
					t.Fatalf("line %d: level %q", i+1, level)
				}
				if _, ok := m.Pattern(id); !ok {
					t.Fatalf("line %d: id %d has no pattern", i+1, id)
				}
				ids[i] = id
			}
			return ids, m
		}
		ids, m := run()
		again, _ := run()
		for i := range ids {
			if ids[i] != again[i] {
				t.Fatalf("line %d: id %d then %d for the same input", i+1, ids[i], again[i])
			}
		}
		if m.Len() > opts.MaxClusters+1 {
			t.Fatalf("%d patterns > %d + overflow", m.Len(), opts.MaxClusters)
		}
		var total int64
		for _, p := range m.Patterns() {
			total += p.Count
			if n := len(strings.Fields(p.Template)); n > opts.MaxTokens {
				t.Fatalf("template %q has %d tokens > %d", p.Template, n, opts.MaxTokens)
			}
			if len(p.Template) > 3*opts.MaxLineBytes+opts.MaxTokens {
				t.Fatalf("template of %d bytes from lines of at most %d", len(p.Template), opts.MaxLineBytes)
			}
			if p.Count > 0 && (p.FirstLine < 1 || p.LastLine < p.FirstLine || p.LastLine > int64(len(lines))) {
				t.Fatalf("pattern %+v: lines out of range", p)
			}
		}
		if total != int64(len(lines)) {
			t.Fatalf("counts sum to %d for %d lines", total, len(lines))
		}
	})
}
