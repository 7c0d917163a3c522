package store_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/pii"
)

// shownLog uploads text as a log, waits for its PII scan and returns it.
func shownLog(tb testing.TB, db *store.DB, name, text string) store.LogFile {
	tb.Helper()
	ctx := context.Background()
	lf, err := db.UploadLogFileByContent(ctx, logIssue(tb, db, "shown "+name), name, strings.NewReader(text))
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.PIIHookWait(ctx, db); err != nil {
		tb.Fatal(err)
	}
	return lf
}

func redactedSearch(tb testing.TB, db *store.DB, q store.SearchQuery) (store.SearchResult, error) {
	tb.Helper()
	r, err := db.Redactor(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	q.Redactor = r
	return db.SearchLogContent(context.Background(), q)
}

// noSecret fails when any returned line holds one of the values.
func noSecret(tb testing.TB, res store.SearchResult, values ...string) {
	tb.Helper()
	for _, m := range res.Matches {
		for _, l := range append(append([]string{m.Line}, m.Before...), m.After...) {
			for _, v := range values {
				if strings.Contains(l, v) {
					tb.Fatalf("line %d shows %q: %q", m.LineNumber, v, l)
				}
			}
		}
	}
}

func TestLogFile_SearchRedacted(t *testing.T) {
	db := MustOpenDB(t)
	const ip, mail = "10.20.30.40", "alice.smith@acme-corp.io"
	var sb strings.Builder
	ipLines := 0
	for i := 1; i <= 60; i++ {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&sb, "2026-12-01 12:00:%02d req from %s user %s ok\n", i, ip, mail)
			ipLines++
		case 1:
			fmt.Fprintf(&sb, "2026-12-01 12:00:%02d GET /index status=200\n", i)
		default:
			fmt.Fprintf(&sb, "2026-12-01 12:00:%02d req from 10.9.9.%d status=503\n", i, i)
		}
	}
	lf := shownLog(t, db, "app.log", sb.String())
	r, _ := db.Redactor(context.Background())
	tok := r.Pseudonym(pii.KindIPv4, ip)
	count := func(q store.SearchQuery) int {
		t.Helper()
		q.LogFileID = lf.ID
		res, err := redactedSearch(t, db, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		noSecret(t, res, ip, mail, "alice")
		return len(res.Matches)
	}
	t.Run("ErrRawValue", func(t *testing.T) {
		for _, p := range []string{ip, mail, "from " + ip} {
			_, err := redactedSearch(t, db, store.SearchQuery{Pattern: p, LogFileID: lf.ID})
			logWantCode(t, err, store.EInvalid, "pseudonym")
		}
	})
	t.Run("NoOracle", func(t *testing.T) {
		for _, q := range []store.SearchQuery{
			{Pattern: "10.20.30"},
			{Pattern: "10.20."},
			{Pattern: "0.30.4"},
			{Pattern: `10\.20\.\d+\.\d+`, Regex: true},
			{Pattern: `from 10\.2`, Regex: true},
			{Pattern: "ALICE.SMITH", IgnoreCase: true},
			{Pattern: "alice"},
			{Pattern: "smith@"},
			{Pattern: "@acme"},
			{Pattern: `a[l]ice`, Regex: true, IgnoreCase: true},
		} {
			if n := count(q); n != 0 {
				t.Errorf("%+v: %d matches, want 0", q, n)
			}
		}
	})
	t.Run("Pseudonym", func(t *testing.T) {
		for _, q := range []store.SearchQuery{
			{Pattern: tok},
			{Pattern: "from " + tok + " user"},
			{Pattern: strings.ToLower(tok), IgnoreCase: true},
			{Pattern: `from \` + strings.TrimSuffix(tok, "]") + `\] user`, Regex: true},
		} {
			if n := count(q); n != ipLines {
				t.Errorf("%+v: %d matches, want %d", q, n, ipLines)
			}
		}
	})
	t.Run("ShownText", func(t *testing.T) {
		if n := count(store.SearchQuery{Pattern: "status=503"}); n != 20 {
			t.Errorf("status=503: %d matches, want 20", n)
		}
		// A match across a pseudonym matches what is shown.
		if n := count(store.SearchQuery{Pattern: `req from \[IPV4:[0-9a-f]+\] user`, Regex: true}); n != ipLines {
			t.Errorf("regex over the shown token: %d matches, want %d", n, ipLines)
		}
	})
	t.Run("Unscanned", func(t *testing.T) {
		restore := store.PIIHookSetScanMax(1)
		defer restore()
		other := shownLog(t, db, "unscanned.log", "one\nclient "+ip+" here\ntwo\nclient "+ip+" again\n")
		res, err := redactedSearch(t, db, store.SearchQuery{Pattern: tok, LogFileID: other.ID})
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, res, ip)
		if len(res.Matches) != 2 || res.Matches[0].LineNumber != 2 || res.Matches[1].LineNumber != 4 {
			t.Errorf("matches %+v, want lines 2 and 4", res.Matches)
		}
	})
}

// pemBlock is a PEM private key of n body lines, random each run.
func pemBlock(rng *rand.Rand, n int) (string, []string) {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var body []string
	for range n {
		l := make([]byte, 64)
		for i := range l {
			l[i] = b64[rng.IntN(len(b64))]
		}
		body = append(body, string(l))
	}
	return "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Join(body, "\n") + "\n-----END RSA PRIVATE KEY-----\n", body
}

func TestLogFile_SearchRedactedChunkEdges(t *testing.T) {
	db := MustOpenDB(t)
	rng := rand.New(rand.NewPCG(1, 2))
	t.Run("PEMAcrossChunkEdge", func(t *testing.T) {
		pem, body := pemBlock(rng, 20)
		var sb strings.Builder
		for i := 0; sb.Len() < store.LogChunkTarget-8*65; i++ {
			fmt.Fprintf(&sb, "2026-12-01 filler line %06d nothing to see\n", i)
		}
		sb.WriteString("MARKER-BEFORE key follows\n")
		sb.WriteString(pem) // the chunk ends inside its body
		sb.WriteString("MARKER-AFTER key done\n")
		for i := range 100 {
			fmt.Fprintf(&sb, "2026-12-01 tail line %03d\n", i)
		}
		lf := shownLog(t, db, "pem.log", sb.String())
		for _, p := range []string{"MARKER-AFTER", "MARKER-BEFORE", "filler line", "tail line 00"} {
			res, err := redactedSearch(t, db, store.SearchQuery{Pattern: p, LogFileID: lf.ID, ContextLines: 25, MaxMatches: 10_000, Budget: 2 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Matches) == 0 {
				t.Fatalf("%s: no match", p)
			}
			noSecret(t, res, body...)
		}
		// A search for a piece of the key is no oracle.
		res, err := redactedSearch(t, db, store.SearchQuery{Pattern: body[15][:20], LogFileID: lf.ID})
		if err != nil || len(res.Matches) != 0 {
			t.Errorf("piece of the key: %d matches, err %v; want 0", len(res.Matches), err)
		}
	})
	t.Run("PasswordAcrossForcedCut", func(t *testing.T) {
		const secret = "Zq8vLr2TnW5xKp7MeY3c"
		key := " password=" + secret + " TAILMARK "
		// The line's first LogChunkMax bytes are one chunk: the value
		// starts 8 bytes before the cut.
		head := strings.Repeat("ab ", (store.LogChunkMax-len(" password=")-8)/3)
		head += strings.Repeat("x", store.LogChunkMax-len(" password=")-8-len(head))
		line := head + key + strings.Repeat("cd ", (6<<20-len(head)-len(key))/3)
		lf := shownLog(t, db, "long.log", "first line\n"+line+"\nlast line\n")
		for _, q := range []store.SearchQuery{
			{Pattern: "password"},
			{Pattern: "TAILMARK", ContextLines: 2},
			{Pattern: "TAILMARK", MaxLineLen: 64 << 10},
			{Pattern: "last line", ContextLines: 1},
			{Pattern: `^.{0,30}`, Regex: true},
		} {
			q.LogFileID = lf.ID
			res, err := redactedSearch(t, db, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Matches) == 0 {
				t.Errorf("%+v: no match", q)
			}
			var pieces []string
			for i := 0; i+5 <= len(secret); i++ {
				pieces = append(pieces, secret[i:i+5])
			}
			noSecret(t, res, pieces...)
		}
		for _, p := range []string{secret[12:], secret[:8], "password=" + secret[:3]} {
			res, _ := redactedSearch(t, db, store.SearchQuery{Pattern: p, LogFileID: lf.ID})
			if len(res.Matches) != 0 {
				t.Errorf("%q: %d matches, want 0", p, len(res.Matches))
			}
		}
	})
}

func TestLogFile_SearchContextMerge(t *testing.T) {
	db := MustOpenDB(t)
	var sb strings.Builder
	for i := 1; i <= 20; i++ {
		w := "line"
		if i == 3 || i == 4 || i == 8 || i == 15 {
			w = "hit"
		}
		fmt.Fprintf(&sb, "%s %d\n", w, i)
	}
	lf := shownLog(t, db, "merge.log", sb.String())
	for _, redacted := range []bool{false, true} {
		q := store.SearchQuery{Pattern: "hit", LogFileID: lf.ID, ContextLines: 2}
		var res store.SearchResult
		var err error
		if redacted {
			res, err = redactedSearch(t, db, q)
		} else {
			res, err = db.SearchLogContent(context.Background(), q)
		}
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		var got []string
		for _, m := range res.Matches {
			for _, l := range append(append(append([]string{}, m.Before...), m.Line), m.After...) {
				seen[l]++
				got = append(got, l)
			}
		}
		want := "line 1,line 2,hit 3,hit 4,line 5,line 6,line 7,hit 8,line 9,line 10,line 13,line 14,hit 15,line 16,line 17"
		if strings.Join(got, ",") != want {
			t.Errorf("redacted %v: lines\n%s\nwant\n%s", redacted, strings.Join(got, ","), want)
		}
	}
}

func TestLogFile_SearchHostileRegex(t *testing.T) {
	db := MustOpenDB(t)
	lf := shownLog(t, db, "aaaa.log", strings.Repeat("a", 1<<20)+"\n")
	ctx := context.Background()
	t.Run("ErrTooLarge", func(t *testing.T) {
		for p, msg := range map[string]string{
			strings.Repeat("a{1000}", 585): "over the limit of 256",
			strings.Repeat("a{250}", 25):   "instructions, over the limit of 5000",
		} {
			_, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: p, Regex: true, LogFileID: lf.ID})
			logWantCode(t, err, store.EInvalid, msg)
		}
	})
	// Accepted, but slow: every byte keeps thousands of threads alive.
	heavy := strings.Repeat("a{200}", 20) + "$"
	t.Run("Budget", func(t *testing.T) {
		start := time.Now()
		res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: heavy, Regex: true, LogFileID: lf.ID, Budget: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if !res.TimedOut {
			t.Errorf("not timed out after %v: %+v", time.Since(start), res)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("returned after %v, budget 300ms", d)
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		_, err := db.SearchLogContent(cctx, store.SearchQuery{Pattern: heavy, Regex: true, LogFileID: lf.ID})
		if err == nil {
			t.Error("no error from a cancelled search")
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("returned %v after the start, cancelled after 200ms", d)
		}
	})
}

// BenchmarkSearchRedacted compares a redacted search (candidates verified
// on redacted lines) with a raw one over 16 MB generated from the loghub
// corpus, for a selective and a broad pattern and a pseudonym.
func BenchmarkSearchRedacted(b *testing.B) {
	files := loghubFiles(b)
	db := MustOpenDB(b)
	ctx := context.Background()
	issue := logIssue(b, db, "bench")
	var ids []string
	for i, f := range files {
		lf, err := db.UploadLogFileByContent(ctx, issue, fmt.Sprintf("g%d.log", i), bytes.NewReader(genLogBytes(b, f, int64(16<<20/len(files)), uint64(i))))
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, lf.ID)
	}
	if err := store.PIIHookWait(ctx, db); err != nil {
		b.Fatal(err)
	}
	r, _ := db.Redactor(ctx)
	// A pseudonym that occurs: the first IPv4 span's.
	var tok string
	err := store.LogHookQuery(ctx, db, `SELECT replacement FROM pii_spans WHERE pii_type = 'ipv4' LIMIT 1`, nil, func(scan func(...any) error) error {
		return scan(&tok)
	})
	if err != nil || tok == "" {
		b.Fatalf("no ipv4 pseudonym: %v", err)
	}
	for _, p := range []struct{ name, pattern string }{{"selective", "Exception"}, {"broad", "INFO"}, {"pseudonym", tok}} {
		for _, redacted := range []bool{false, true} {
			if !redacted && p.name == "pseudonym" {
				continue
			}
			name := p.name + "/raw"
			if redacted {
				name = p.name + "/redacted"
			}
			b.Run(name, func(b *testing.B) {
				q := store.SearchQuery{Pattern: p.pattern, MaxMatches: 100, ContextLines: 2}
				if redacted {
					q.Redactor = r
				}
				var n int
				for b.Loop() {
					res, err := db.SearchLogContent(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					n = len(res.Matches)
				}
				b.ReportMetric(float64(n), "matches")
			})
		}
	}
}
