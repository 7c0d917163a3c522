package logtime

import (
	"testing"
	"time"
)

// FuzzDetector checks that any line parses without panic, that a returned
// time is in range and agrees with the standard library's reading of the
// same fields, that parsing is deterministic, and that the format lock left
// by earlier lines never changes the answer.
func FuzzDetector(f *testing.F) {
	for _, s := range []string{
		"2015-10-18T18:01:47.978+01:00 x", "2015-10-18 18:01:47,978 INFO", "Dec 10 06:55:46 h",
		"Jul  9 15:16:01 combo", "[Sun Dec 04 04:47:44 2005] [notice]", "081109 203615 148 INFO",
		"03-17 16:13:38.811  1702", "17/06/09 20:10:40 INFO", `1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /"`,
		`{"ts": 1600000000.5}`, `{"@timestamp":"2015-10-18T18:01:47Z"}`, "I0715 12:34:56.789012 1 a.go:1]",
		"2015/10/18 18:01:47 x", "Feb 29 00:00:00 x", "2015-10-18 18:01:47 +0200", "\tat x", "",
	} {
		f.Add([]byte(s), []byte("Dec 10 06:55:46 h"))
	}
	ref := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line, before []byte) {
		fresh := NewDetector(Options{Ref: ref})
		ms, fm, zoned, ok := fresh.Parse(line)
		warm := NewDetector(Options{Ref: ref})
		warm.Line(before) // may lock a format and cache a day
		ms2, fm2, zoned2, ok2 := warm.Parse(line)
		if ms != ms2 || fm != fm2 || zoned != zoned2 || ok != ok2 {
			t.Fatalf("lock changed the answer for %q after %q: %v %v %v %v vs %v %v %v %v",
				line, before, ms, fm, zoned, ok, ms2, fm2, zoned2, ok2)
		}
		if !ok {
			if fm != FormatNone {
				t.Fatalf("format %v without a time", fm)
			}
			return
		}
		if ms < minMs || ms >= maxMs || fm == FormatNone || fm >= numFormats {
			t.Fatalf("%q: time %d format %v out of range", line, ms, fm)
		}
		if yearless(fm) && ms > ref.UnixMilli()+msPerDay {
			t.Fatalf("%q: year-less time %v after Ref", line, time.UnixMilli(ms).UTC())
		}
		if fm == FormatRFC3339 || fm == FormatLog4j {
			checkISO(t, line, ms)
		}
		st := NewDetector(Options{Ref: ref}).Line(line)
		if !st.Own || !st.Known || st.Millis != ms {
			t.Fatalf("Line disagrees with Parse: %+v vs %d", st, ms)
		}
	})
}

func yearless(f Format) bool {
	return f == FormatSyslog || f == FormatAndroid || f == FormatKlog
}

// checkISO finds the ISO date-time the detector read, by trying every
// header position with time.Parse, and checks the two readings agree to
// within a zone offset.
func checkISO(t *testing.T, line []byte, ms int64) {
	t.Helper()
	for p := 0; p+19 <= len(line) && p <= headerWindow+16; p++ {
		b := []byte(string(line[p : p+19]))
		if b[10] != ' ' && b[10] != 'T' && b[10] != 't' {
			continue
		}
		b[10] = 'T'
		want, err := time.Parse("2006-01-02T15:04:05", string(b))
		if err != nil {
			continue
		}
		if d := ms/1000*1000 - want.UnixMilli(); d >= -15*3600*1000 && d <= 15*3600*1000 {
			return
		}
	}
	t.Fatalf("%q: read %v, time.Parse finds no such time", line, time.UnixMilli(ms).UTC())
}
