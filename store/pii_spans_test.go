package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/pii"
)

// storedValues is what the ingest scan kept for a log: its distinct
// values as kind and value pairs, sorted.
func storedValues(tb testing.TB, db *store.DB, id string) [][2]string {
	tb.Helper()
	v, err := store.PIIHookValues(context.Background(), db, id)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// wholeTextValues is the oracle: the distinct values of one scan over the
// full text, sorted as the store keeps them.
func wholeTextValues(tb testing.TB, db *store.DB, text []byte) [][2]string {
	tb.Helper()
	r, err := db.Redactor(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	_, spans := r.Redact(text)
	var out [][2]string
	for _, s := range spans {
		out = append(out, [2]string{string(s.Kind), s.Value})
	}
	slices.SortFunc(out, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	return slices.Compact(out)
}

func uploadAndScan(tb testing.TB, db *store.DB, issue, name string, text []byte) store.LogFile {
	tb.Helper()
	ctx := context.Background()
	lf, err := db.UploadLogFileByContent(ctx, issue, name, bytes.NewReader(text))
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.PIIHookWait(ctx, db); err != nil {
		tb.Fatal(err)
	}
	return lf
}

// fillerTo appends lines without sensitive values to b until it is n bytes
// long (the last line is cut to fit and ends with a newline).
func fillerTo(b []byte, n int) []byte {
	for i := 0; len(b) < n; i++ {
		line := fmt.Sprintf("INFO worker step %d finished in %d ms\n", i, i%97)
		if len(b)+len(line) > n {
			line = strings.Repeat("-", max(0, n-len(b)-1)) + "\n"
		}
		b = append(b, line...)
	}
	return b
}

const testPEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onL\n" +
	"q3Tz9cWm0ZbnO4xA8vYtD2hLs1pKrE7uJfNqG\n-----END RSA PRIVATE KEY-----\n"

func TestLogFile_PIISpans(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "pii spans")
	r, err := db.Redactor(ctx)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("AcrossChunkBoundary", func(t *testing.T) {
		// A PEM key whose lines straddle the first chunk's end: the chunk
		// ends at the first newline at or past LogChunkTarget.
		text := fillerTo(nil, store.LogChunkTarget-60)
		text = append(text, "ERROR loaded key "...)
		pemAt := len(text)
		text = append(text, testPEM...)
		text = fillerTo(text, len(text)+300)
		// A line longer than LogChunkMax is cut there (from its start),
		// inside a password.
		text = fillerTo(text, len(text)+1000)
		lineStart := len(text)
		pwAt := lineStart + store.LogChunkMax - 8
		text = append(text, bytes.Repeat([]byte("x "), (store.LogChunkMax-30)/2)...)
		text = append(text, bytes.Repeat([]byte("x"), pwAt-len(" password=")-len(text))...)
		text = append(text, " password="...)
		text = append(text, "Hunter2Correct7Horse"...)
		text = append(text, " and more\n"...)
		text = fillerTo(text, len(text)+5000)
		text = append(text, "user=alice mail alice@corp-mail.com from 10.20.30.40\n"...)

		lf := uploadAndScan(t, db, issue, "boundary.log", text)
		chunks, err := store.LogHookChunks(ctx, db, lf.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(chunks) < 3 {
			t.Fatalf("want at least 3 chunks, got %d", len(chunks))
		}
		got := storedValues(t, db, lf.ID)
		want := wholeTextValues(t, db, text)
		if !slices.Equal(got, want) {
			t.Fatalf("stored values differ from a whole-text scan:\n got %q\nwant %q", got, want)
		}
		// The planted secrets straddle a boundary and are found whole,
		// once, and a search by their pseudonym maps back to them.
		for _, p := range []struct {
			kind  pii.Kind
			value string
		}{
			{pii.KindPrivateKey, strings.TrimSuffix(testPEM, "\n")},
			{pii.KindPassword, "Hunter2Correct7Horse"},
		} {
			if !slices.Contains(got, [2]string{string(p.kind), p.value}) {
				t.Fatalf("%s %q not stored: %q", p.kind, p.value, got)
			}
			vals, err := db.PseudonymValues(ctx, r.Pseudonym(p.kind, p.value), []string{lf.ID})
			if err != nil || !slices.Equal(vals, []string{p.value}) {
				t.Fatalf("PseudonymValues(%s) = %q, %v", p.kind, vals, err)
			}
		}
		for _, at := range []int{pemAt, pwAt} {
			cut := false
			for _, c := range chunks[1:] {
				if int64(at) < c.ByteStart && c.ByteStart < int64(at)+20 {
					cut = true
				}
			}
			if !cut && at == pwAt {
				t.Fatalf("password at %d does not straddle a chunk boundary (%+v): the test text is wrong", at, chunks)
			}
		}
		// The scan is this project's: pii_spans and redacted keep the
		// app's meaning (written only by an explicit detection).
		if n, err := store.LogHookCount(ctx, db, `SELECT count(*) FROM pii_spans WHERE log_file_id = ?`, lf.ID); err != nil || n != 0 {
			t.Fatalf("pii_spans rows after ingest: %d %v", n, err)
		}
		after, err := db.FindLogFileByID(ctx, lf.ID)
		if err != nil || after.Redacted {
			t.Fatalf("redacted flag set by the scan: %+v %v", after, err)
		}
	})

	t.Run("NoSpans", func(t *testing.T) {
		lf := uploadAndScan(t, db, issue, "clean.log", fillerTo(nil, 10000))
		rep, err := db.PIIReport(ctx, lf.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Scanned || rep.Total != 0 || len(rep.Kinds) != 0 {
			t.Fatalf("report %+v", rep)
		}
		if after, _ := db.FindLogFileByID(ctx, lf.ID); after.Redacted {
			t.Fatal("redacted set on a log without spans")
		}
	})

	t.Run("DuplicateNoDoubleSpans", func(t *testing.T) {
		text := []byte("login user=bob from 10.1.2.3 password=Swordfish99\n")
		path := filepath.Join(t.TempDir(), "dup.log")
		os.WriteFile(path, text, 0o600)
		lf := uploadAndScan(t, db, issue, "dup.log", text)
		before := storedValues(t, db, lf.ID)
		if len(before) == 0 {
			t.Fatal("no values")
		}
		for _, up := range []func() (store.LogFile, error){
			func() (store.LogFile, error) {
				return db.UploadLogFileByContent(ctx, issue, "again.log", bytes.NewReader(text))
			},
			func() (store.LogFile, error) { return db.UploadLogFile(ctx, issue, path) },
		} {
			dup, err := up()
			if err != nil || !dup.Duplicate || dup.ID != lf.ID {
				t.Fatalf("not a duplicate: %+v %v", dup, err)
			}
		}
		store.PIIHookWait(ctx, db)
		if after := storedValues(t, db, lf.ID); !slices.Equal(before, after) {
			t.Fatalf("values %q -> %q", before, after)
		}
		rows, _ := store.LogHookCount(ctx, db, `SELECT count(*) FROM tftsrmcp_log_pii`)
		scanned, _ := store.LogHookCount(ctx, db, `SELECT count(*) FROM tftsrmcp_log_meta WHERE pii_scanned_at IS NOT NULL`)
		if rows != scanned {
			t.Fatalf("%d value rows for %d scanned logs", rows, scanned)
		}
	})

	t.Run("OverScanLimit", func(t *testing.T) {
		defer store.PIIHookSetScanMax(1000)()
		text := fillerTo([]byte("password=Swordfish99\n"), 2000)
		lf := uploadAndScan(t, db, issue, "big.log", text)
		rep, err := db.PIIReport(ctx, lf.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Scanned || rep.Total != 0 {
			t.Fatalf("log over the limit: %+v", rep)
		}
		if after, _ := db.FindLogFileByID(ctx, lf.ID); after.Redacted {
			t.Fatal("redacted set")
		}
		// At the limit it is scanned.
		lf = uploadAndScan(t, db, issue, "edge.log", text[:1000])
		if rep, _ := db.PIIReport(ctx, lf.ID); !rep.Scanned || rep.Total != 1 {
			t.Fatalf("log at the limit: %+v", rep)
		}
	})

	t.Run("DeletedLogCascades", func(t *testing.T) {
		lf := uploadAndScan(t, db, issue, "gone.log", []byte("password=Swordfish77\n"))
		if err := store.LogHookExec(ctx, db, `DELETE FROM log_files WHERE id = ?`, lf.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := store.LogHookCount(ctx, db, `SELECT count(*) FROM tftsrmcp_log_pii WHERE log_file_id = ?`, lf.ID); n != 0 {
			t.Fatalf("%d value rows left", n)
		}
	})
}

func TestDB_PIIReport(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "pii report")
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "mail to user%02d@corp-mail.com sent\n", i)
	}
	for range 3 {
		b.WriteString("conn from 10.9.8.7 password=Swordfish99\n")
	}
	lf := uploadAndScan(t, db, issue, "report.log", []byte(b.String()))
	r, _ := db.Redactor(ctx)

	t.Run("OK", func(t *testing.T) {
		rep, err := db.PIIReport(ctx, lf.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rep.LogFileID != lf.ID || !rep.Scanned || rep.Total != 66 || len(rep.Kinds) != 3 {
			t.Fatalf("report %+v", rep)
		}
		email := rep.Kinds[0]
		if email.Kind != "email" || email.Count != 60 || len(email.Pseudonyms) != 50 || !slices.IsSorted(email.Pseudonyms) {
			t.Fatalf("email %+v", email)
		}
		if k := rep.Kinds[1]; k.Kind != "ipv4" || k.Count != 3 || !slices.Equal(k.Pseudonyms, []string{r.Pseudonym(pii.KindIPv4, "10.9.8.7")}) {
			t.Fatalf("ipv4 %+v", k)
		}
		if k := rep.Kinds[2]; k.Kind != "password" || k.Count != 3 || len(k.Pseudonyms) != 1 {
			t.Fatalf("password %+v", k)
		}
		for _, k := range rep.Kinds {
			for _, p := range k.Pseudonyms {
				if strings.Contains(p, "Swordfish") || strings.Contains(p, "@") {
					t.Fatalf("pseudonym %q leaks the value", p)
				}
			}
		}
	})
	t.Run("PseudonymsMapBack", func(t *testing.T) {
		// Every pseudonym of the report stands for exactly one stored value.
		rep, err := db.PIIReport(ctx, lf.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range rep.Kinds {
			for _, p := range k.Pseudonyms {
				vals, err := db.PseudonymValues(ctx, p, nil)
				if err != nil || len(vals) != 1 || r.Pseudonym(pii.Kind(k.Kind), vals[0]) != p {
					t.Fatalf("%s: %q %v", p, vals, err)
				}
			}
		}
		if vals, err := db.PseudonymValues(ctx, "[IPV4:0000000000]", nil); err != nil || len(vals) != 0 {
			t.Fatalf("unknown pseudonym: %q %v", vals, err)
		}
		if _, err := db.PseudonymValues(ctx, "10.9.8.7", nil); store.ErrorCode(err) != store.EInvalid {
			t.Fatalf("not a pseudonym: %v", err)
		}
	})
	t.Run("AppRowWithSpans", func(t *testing.T) {
		id, err := store.LogHookInsertAppLog(ctx, db, issue, "app2.log", "/nowhere", nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range []string{"b@x.com", "a@x.com", "a@x.com"} {
			if err := store.LogHookExec(ctx, db, `INSERT INTO pii_spans VALUES (?, ?, 'email', ?, ?, ?, ?)`,
				fmt.Sprint("span", i), id, i*10, i*10+7, v, "[EMAIL:"+v+"]"); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := db.PIIReport(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := store.PIIReport{LogFileID: id, Total: 3, Kinds: []store.PIIKindCount{{Kind: "email", Count: 3,
			Pseudonyms: []string{"[EMAIL:a@x.com]", "[EMAIL:b@x.com]"}}}}
		if rj, wj := fmt.Sprintf("%+v", rep), fmt.Sprintf("%+v", want); rj != wj {
			t.Fatalf("got %s\nwant %s", rj, wj)
		}
	})
	t.Run("AppRow", func(t *testing.T) {
		id, err := store.LogHookInsertAppLog(ctx, db, issue, "app.log", "/nowhere", nil)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := db.PIIReport(ctx, id)
		if err != nil || rep.Scanned || rep.Total != 0 || rep.Kinds == nil {
			t.Fatalf("app row: %+v %v", rep, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.PIIReport(ctx, "no-such-log")
		logWantCode(t, err, store.ENotFound, "no-such-log")
	})
}

// BenchmarkUploadLogFile_50MB ingests a generated 50 MB log (a new issue
// each time, so dedup never short-cuts it). "upload-MB/s" is what the
// caller of UploadLogFile sees; "scanned-MB/s" includes waiting for the
// PII scan that follows. OpenSSH logs are dense in addresses and user
// names (a million spans), HDFS sparser. TFTSR_BENCH_NOSCAN=1 turns the
// scan off (the throughput before it existed).
func BenchmarkUploadLogFile_50MB(b *testing.B) {
	if os.Getenv("TFTSR_BENCH_NOSCAN") == "1" {
		defer store.PIIHookSetScanMax(-1)()
	}
	for _, fam := range []string{"OpenSSH_2k.log", "HDFS_2k.log"} {
		b.Run(fam, func(b *testing.B) {
			ctx := context.Background()
			loghubFiles(b)
			path := genLogFile(b, b.TempDir(), filepath.Join(loghubDir, fam), 50e6, 1)
			db := MustOpenDB(b)
			var upload, scanned time.Duration
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				issue := logIssue(b, db, fmt.Sprint("bench ", i))
				b.StartTimer()
				start := time.Now()
				if _, err := db.UploadLogFile(ctx, issue, path); err != nil {
					b.Fatal(err)
				}
				upload += time.Since(start)
				if err := store.PIIHookWait(ctx, db); err != nil {
					b.Fatal(err)
				}
				scanned += time.Since(start)
			}
			b.ReportMetric(50*float64(b.N)/upload.Seconds(), "upload-MB/s")
			b.ReportMetric(50*float64(b.N)/scanned.Seconds(), "scanned-MB/s")
		})
	}
}
