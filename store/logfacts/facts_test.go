package logfacts

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestHist_Add checks every bucket against a brute-force count of the
// times added, for spans from milliseconds to decades and times out of
// order.
func TestHist_Add(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, span := range []int64{1, 100, 60_000, 86_400_000, 20 * 365 * 86_400_000} {
		var h Hist
		base := int64(1_600_000_000_000) + rng.Int64N(1000)
		var times []int64
		var errs []bool
		for range 5000 {
			tm := base + rng.Int64N(span)
			e := rng.IntN(7) == 0
			h.Add(tm, e)
			times = append(times, tm)
			errs = append(errs, e)
		}
		if h.Origin%h.Width != 0 || h.Width&(h.Width-1) != 0 {
			t.Fatalf("span %d: origin %d width %d not aligned", span, h.Origin, h.Width)
		}
		if h.Width > 1 && span/h.Width < HistBuckets/4 {
			t.Errorf("span %d: width %d wastes buckets", span, h.Width)
		}
		var lines, errors [HistBuckets]int64
		for i, tm := range times {
			j := (tm - h.Origin) / h.Width
			if j < 0 || j >= HistBuckets {
				t.Fatalf("span %d: time %d outside the buckets", span, tm)
			}
			lines[j]++
			if errs[i] {
				errors[j]++
			}
		}
		if !reflect.DeepEqual(h.Lines, lines[:]) || !reflect.DeepEqual(h.Errors, errors[:]) {
			t.Fatalf("span %d: buckets differ from a brute-force count", span)
		}
		got, err := roundTrip(&h)
		if err != nil || !reflect.DeepEqual(got, h) {
			t.Fatalf("span %d: round trip: %v", span, err)
		}
	}
}

func roundTrip(h *Hist) (Hist, error) {
	r := &reader{b: h.AppendBinary(nil)}
	return parseHist(r)
}

func TestHist_Rebucket(t *testing.T) {
	var h Hist
	for i := range int64(1000) {
		h.Add(1_000_000+i*1000, i%100 == 0)
	}
	all := h.Rebucket(0, 1<<62, 48)
	if len(all) == 0 || len(all) > 48 {
		t.Fatalf("%d buckets", len(all))
	}
	var lines, errs int64
	for i, b := range all {
		lines += b.Lines
		errs += b.Errors
		if i > 0 && b.Start != all[i-1].End {
			t.Fatalf("bucket %d starts at %d, the one before ends at %d", i, b.Start, all[i-1].End)
		}
	}
	if lines != 1000 || errs != 10 {
		t.Fatalf("rebucketed %d lines, %d errors; want 1000, 10", lines, errs)
	}
	// A fifth of the span still gets many buckets.
	part := h.Rebucket(1_000_000, 1_000_000+200_000, 48)
	if len(part) < 24 {
		t.Errorf("a fifth of the span in %d buckets", len(part))
	}
	if h.Rebucket(5_000_000, 6_000_000, 48) != nil {
		t.Errorf("a range after the data has buckets")
	}
}

func TestBursts(t *testing.T) {
	bs := []Bucket{{Errors: 1}, {Errors: 2}, {Errors: 1}, {Errors: 30}, {Errors: 0}}
	got := Bursts(bs, 5)
	if len(got) != 1 || got[0].Errors != 30 {
		t.Fatalf("bursts %+v", got)
	}
	if got := Bursts([]Bucket{{Errors: 0}, {Errors: 0}, {Errors: 6}}, 5); len(got) != 1 || got[0].Errors != 6 {
		t.Fatalf("median 0: bursts %+v", got)
	}
}

func TestFacts_RoundTrip(t *testing.T) {
	f := Facts{Levels: Levels{3, 0, 1, 500, 0, 7, 2, 0, 1}}
	for i := range int64(300) {
		f.Hist.Add(1_700_000_000_000+i*37_000, i%50 == 0)
	}
	f.Patterns = []Pattern{
		{ID: 1, Template: "Receiving block <*> src: <*>", Severity: 3, Count: 120, FirstLine: 1, LastLine: 299, HasTime: true, FirstTime: 1_700_000_000_000, LastTime: 1_700_000_009_000},
		{ID: 2, Template: "", Severity: 0, Count: 1, FirstLine: 7, LastLine: 7},
		{ID: 3, Template: "times step back", Severity: 6, Count: 2, FirstLine: 9, LastLine: 10, HasTime: true, FirstTime: 50, LastTime: -20},
	}
	got, err := ParseFacts(f.AppendBinary(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, f)
	}
	if f.Levels.Errors() != 3 {
		t.Errorf("errors %d, want 3", f.Levels.Errors())
	}
	var empty Facts
	if got, err := ParseFacts(empty.AppendBinary(nil)); err != nil || !got.Hist.Empty() || len(got.Patterns) != 0 {
		t.Fatalf("empty: %+v %v", got, err)
	}
}

// FuzzParseFacts: the decoder never panics, and what it accepts encodes
// back to the same bytes.
func FuzzParseFacts(f *testing.F) {
	var fs Facts
	fs.Hist.Add(1000, true)
	fs.Patterns = []Pattern{{ID: 1, Template: "a <*>", Count: 1, FirstLine: 1, LastLine: 1}}
	f.Add(fs.AppendBinary(nil))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseFacts(b)
		if err != nil {
			return
		}
		if _, err := ParseFacts(got.AppendBinary(nil)); err != nil {
			t.Fatalf("re-encoded facts do not parse: %v", err)
		}
	})
}
