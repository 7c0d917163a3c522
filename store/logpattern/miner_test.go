package logpattern_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

func TestSplitHeader(t *testing.T) {
	tests := []struct {
		line, msg, level string
	}{
		{"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
			"PacketResponder 1 for block blk_38865049064139660 terminating", "INFO"},
		{"2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster",
			"Created MRAppMaster", "INFO"},
		{"2015-10-18 18:03:17,296 INFO [IPC Server handler 20 on 62270] org.apache.hadoop.mapred.TaskAttemptListenerImpl: Progress of TaskAttempt",
			"Progress of TaskAttempt", "INFO"},
		{"17/06/09 20:10:40 WARN executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]",
			"Registered signal handlers for [TERM, HUP, INT]", "WARN"},
		{"2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
			"Notification time out: 3200", "INFO"},
		{"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown", "check pass; user unknown", ""},
		{"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186", "Invalid user webmaster from 173.234.31.186", ""},
		{"03-17 16:13:38.819  1702  8671 D PowerManagerService: acquire lock=233570404, flags=0x1", "acquire lock=233570404, flags=0x1", "DEBUG"},
		{"03-17 16:13:38.819  1702  8671 E AndroidRuntime: FATAL EXCEPTION: main", "FATAL EXCEPTION: main", "ERROR"},
		{"[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
			"workerEnv.init() ok /etc/httpd/conf/workers2.properties", "NOTICE"},
		{"[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6", "mod_jk child workerEnv in error state 6", "ERROR"},
		{"2024-05-01T10:00:00.123Z ERROR server: listen failed: address in use", "listen failed: address in use", "ERROR"},
		{"2024-05-01T10:00:00Z [WARNING] disk 91% full", "disk 91% full", "WARN"},
		{"2024-05-01 10:00:00 | critical | queue stuck", "queue stuck", "CRITICAL"},
		{"2024-05-01 10:00:00 EMERGENCY power lost", "power lost", "FATAL"},
		{"2024-05-01 10:00:00 <Information> started", "started", "INFO"},
		{"2024-05-01 10:00:00 INFORMATICS started", "INFORMATICS started", ""},
		{"2024-05-01 10:00:00 trc: x", "x", "TRACE"},
		// No header: the line is all message, and a word is never a level
		// unless it is one.
		{"connection reset by peer", "connection reset by peer", ""},
		{"D is for data", "D is for data", ""},
		{"Error: no such file", "no such file", "ERROR"},
		{`time=2024-05-01T10:00:00Z level=warn msg="slow query" ms=1200`, `time=2024-05-01T10:00:00Z level=warn msg="slow query" ms=1200`, "WARN"},
		{`{"ts":1714557600,"level":"error","msg":"boom"}`, `{"ts":1714557600,"level":"error","msg":"boom"}`, "ERROR"},
		{`{"severity": "INFO", "message": "ok"}`, `{"severity": "INFO", "message": "ok"}`, "INFO"},
		{`sublevel=info x=1`, `sublevel=info x=1`, ""},
		{`bevel=info x=1`, `bevel=info x=1`, ""},
		{`x=1 Level=Error`, `x=1 Level=Error`, "ERROR"},
		{"E0501 10:00:01.123456   12345 server.go:99] Failed to sync: timeout", "server.go:99] Failed to sync: timeout", "ERROR"},
		{"E0501x is not glog", "E0501x is not glog", ""},
		{"", "", ""},
		{"   \r\n", "", ""},
	}
	for _, tt := range tests {
		_, msg, level := logpattern.SplitHeader([]byte(tt.line))
		if strings.TrimSpace(string(msg)) != tt.msg || level != tt.level {
			t.Errorf("SplitHeader(%q) = %q, %q; want %q, %q", tt.line, msg, level, tt.msg, tt.level)
		}
	}
}

// templateOf mines lines and returns the final template of the last one.
func templateOf(lines ...string) string {
	m := logpattern.New(logpattern.Options{})
	id := 0
	for _, l := range lines {
		id, _ = m.Add([]byte(l))
	}
	p, _ := m.Pattern(id)
	return p.Template
}

func TestMiner_Masking(t *testing.T) {
	tests := []struct {
		line, template string
	}{
		{"took 12ms at 10.251.73.220:50010 for blk_-6952295868487656571", "took <*> at <*> for blk_<*>"},
		{"uuid 123e4567-e89b-12d3-a456-426614174000 v1.2.3 0x7f3a", "uuid <*> <*> <*>"},
		{"from [IPV4:a947669223] user=[EMAIL:0123456789]", "from <*> user=<*>"},
		{"open /var/lib/app/data.db failed", "open <*> failed"},
		{"class org.apache.hadoop.Foo loaded", "class <*> loaded"},
		{"uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4", "uid=<*> euid=<*> tty=NODEVssh ruser= rhost=<*>"},
		{"attempt_1445144423722_0020_m_000000_0 is : 0.19158794", "attempt_<*>_m_<*> is : <*>"},
		{"at Sun Jun 14 15:16:01 2005", "at <*> <*> <*> <*> <*>"},
		{"boot = -15, init = 55", "boot = <*>, init = <*>"},
		{`{"ts":1,"level":"info","msg":"login","user":"alice"}` + "\n" + `{"ts":2,"level":"info","msg":"login","user":"bob"}`,
			`{"ts":<*>, "level":"info", "msg":"login", "user":<*>`},
		{"a b x=1 user=root\na b x=2 user=bob", "a b x=<*> user=<*>"},
	}
	for _, tt := range tests {
		if got := templateOf(strings.Split(tt.line, "\n")...); got != tt.template {
			t.Errorf("template of %q = %q, want %q", tt.line, got, tt.template)
		}
	}
}

func TestMiner_Add(t *testing.T) {
	m := logpattern.New(logpattern.Options{})
	lines := []string{
		"2024-05-01 10:00:01 INFO session opened for alice from 10.0.0.1",
		"2024-05-01 10:00:02 INFO session opened for bob from 10.0.0.2",
		"2024-05-01 10:00:03 ERROR disk full on /dev/sda1",
		"2024-05-01 10:00:04 INFO session opened for carol from 10.0.0.3",
		"2024-05-01 10:00:05 WARN session opened for dave from 10.0.0.4",
	}
	var ids []int
	for _, l := range lines {
		id, _ := m.Add([]byte(l))
		ids = append(ids, id)
	}
	if ids[0] != ids[1] || ids[1] != ids[3] {
		t.Errorf("logins got ids %v, want one pattern", ids)
	}
	if ids[2] == ids[0] || ids[4] == ids[0] {
		t.Errorf("ids %v: another message or level must be another pattern", ids)
	}
	p, ok := m.Pattern(ids[0])
	want := logpattern.Pattern{ID: ids[0], Template: "session opened for <*> from <*>", Level: "INFO", Count: 3, FirstLine: 1, LastLine: 4}
	if !ok || p != want {
		t.Errorf("pattern = %+v, want %+v", p, want)
	}
	if p, _ := m.Pattern(ids[2]); p.Level != "ERROR" || p.Template != "disk full on <*>" {
		t.Errorf("error pattern = %+v", p)
	}
	if _, ok := m.Pattern(99); ok {
		t.Error("Pattern(99) ok")
	}
	if m.Lines() != 5 || m.Len() != 3 || len(m.Patterns()) != 3 {
		t.Errorf("Lines %d Len %d Patterns %d", m.Lines(), m.Len(), len(m.Patterns()))
	}
}

func TestSeverity(t *testing.T) {
	prev := 0
	for _, l := range logpattern.Levels {
		s := logpattern.Severity(l)
		if s <= prev {
			t.Errorf("Severity(%q) = %d after %d", l, s, prev)
		}
		prev = s
	}
	if logpattern.Severity("") != 0 || logpattern.Severity("info") != 0 {
		t.Error("unknown levels must rank 0")
	}
}

func TestMiner_Limits(t *testing.T) {
	m := logpattern.New(logpattern.Options{})
	long := strings.Repeat("word ", 1000)
	id, _ := m.Add([]byte(long))
	p, _ := m.Pattern(id)
	if n := len(strings.Fields(p.Template)); n != logpattern.DefaultMaxTokens {
		t.Errorf("template of a 1000-token line has %d tokens, want %d", n, logpattern.DefaultMaxTokens)
	}
	if !strings.HasSuffix(p.Template, " "+logpattern.Wildcard) {
		t.Errorf("long template %q must end in <*>", p.Template[len(p.Template)-20:])
	}
	// Only the first MaxLineBytes bytes count: lines equal there are one pattern.
	a := strings.Repeat("x", 2000) + " tail one"
	b := strings.Repeat("x", 2000) + " other tail"
	ida, _ := m.Add([]byte(a))
	idb, _ := m.Add([]byte(b))
	if ida != idb {
		t.Errorf("lines equal in their first 1 KiB got ids %d, %d", ida, idb)
	}
}

// randomLine is a line of random words without digits, so masking cannot
// fold lines together and the miner must make new patterns.
func randomLine(rng *rand.Rand, dst []byte) []byte {
	dst = append(dst, "2024-05-01 10:00:00 INFO"...)
	for range 3 + rng.IntN(12) {
		dst = append(dst, ' ')
		for range 2 + rng.IntN(8) {
			dst = append(dst, byte('a'+rng.IntN(26)))
		}
	}
	return append(dst, '\n')
}

func TestMiner_BoundedMemory(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	m := logpattern.New(logpattern.Options{})
	var line []byte
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	for i := range n {
		line = randomLine(rng, line[:0])
		m.Add(line)
		if i%100_000 == 0 && m.Len() > logpattern.DefaultMaxClusters+1 {
			t.Fatalf("after %d lines %d patterns > cap %d + overflow", i, m.Len(), logpattern.DefaultMaxClusters)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	if m.Len() > logpattern.DefaultMaxClusters+1 {
		t.Errorf("%d patterns > cap %d + overflow", m.Len(), logpattern.DefaultMaxClusters)
	}
	overflowed := false
	for _, p := range m.Patterns() {
		overflowed = overflowed || p.Template == logpattern.OverflowTemplate && p.Count > 0
	}
	if !overflowed {
		t.Error("random lines never reached the overflow pattern")
	}
	heap := int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc)
	t.Logf("%d lines: %d patterns, heap grew %.1f MiB", n, m.Len(), float64(heap)/(1<<20))
	if heap > 64<<20 {
		t.Errorf("heap grew %d bytes, want < 64 MiB", heap)
	}
	var total int64
	for _, p := range m.Patterns() {
		total += p.Count
	}
	if total != int64(n) {
		t.Errorf("counts sum to %d, want %d", total, n)
	}
	runtime.KeepAlive(m)
}

func TestWriteAssignments(t *testing.T) {
	in := "2024-05-01 10:00:01 INFO login by alice accepted\r\n" +
		"2024-05-01 10:00:02 ERROR disk full\n" +
		"\n" +
		"2024-05-01 10:00:03 INFO login by bob accepted\n" +
		strings.Repeat("y", 100<<10) + "\n" +
		"2024-05-01 10:00:04 INFO login by carol accepted"
	var out bytes.Buffer
	if err := logpattern.WriteAssignments(&out, strings.NewReader(in), logpattern.Options{}); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 6:\n%s", len(rows), out.String()[:min(out.Len(), 500)])
	}
	ids := map[int]string{}
	for i, r := range rows {
		f := strings.Split(r, "\t")
		if len(f) != 3 {
			t.Fatalf("row %q has %d fields", r, len(f))
		}
		var n, id int
		if _, err := fmt.Sscan(f[0], &n); err != nil || n != i+1 {
			t.Errorf("row %d: line number %q", i+1, f[0])
		}
		if _, err := fmt.Sscan(f[1], &id); err != nil || id < 1 {
			t.Errorf("row %d: id %q", i+1, f[1])
		}
		ids[n] = f[1] + "\t" + f[2]
	}
	// The first login is printed with the template as it is at the end.
	want := "\tlogin by <*> accepted"
	if ids[1] != ids[4] || ids[4] != ids[6] || !strings.HasSuffix(ids[1], want) {
		t.Errorf("logins: %q %q %q, want one id with %q", ids[1], ids[4], ids[6], want)
	}
	if strings.HasSuffix(ids[2], want) || !strings.HasSuffix(ids[2], "\tdisk full") {
		t.Errorf("line 2: %q", ids[2])
	}
	if len(ids[5]) > 1100 {
		t.Errorf("a 100 KiB line printed a %d-byte template", len(ids[5]))
	}
	// Same input, same output.
	var again bytes.Buffer
	if err := logpattern.WriteAssignments(&again, strings.NewReader(in), logpattern.Options{}); err != nil {
		t.Fatal(err)
	}
	if again.String() != out.String() {
		t.Error("two runs over one input differ")
	}
}

func TestWriteAssignments_Empty(t *testing.T) {
	var out bytes.Buffer
	if err := logpattern.WriteAssignments(&out, strings.NewReader(""), logpattern.Options{}); err != nil || out.Len() != 0 {
		t.Errorf("empty input: %q, %v", out.String(), err)
	}
}
