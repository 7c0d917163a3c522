package logtime

import (
	"math/rand/v2"
	"testing"
)

// randomStamps makes a chunk whose times mostly rise but sometimes step
// back, with a run of unknown lines at the start.
func randomStamps(rng *rand.Rand, n int) []Stamp {
	out := make([]Stamp, n)
	t := int64(1_600_000_000_000)
	lead := rng.IntN(5)
	for i := range out {
		if i < lead {
			continue
		}
		switch r := rng.IntN(10); {
		case r < 6:
			t += int64(rng.IntN(1000))
		case r < 7:
			t -= int64(rng.IntN(5000))
		}
		out[i] = Stamp{Millis: t, Known: true, Own: rng.IntN(3) > 0}
	}
	return out
}

func TestSparse_Find(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		stamps := randomStamps(rng, rng.IntN(300))
		every := 1 + rng.IntN(40)
		sp := NewSparse(stamps, every)
		b, err := sp.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseSparse(b)
		if err != nil || back.Every != sp.Every || len(back.Max) != len(sp.Max) {
			t.Fatalf("round trip: %v %+v vs %+v", err, back, sp)
		}
		for i := range sp.Max {
			if back.Max[i] != sp.Max[i] {
				t.Fatalf("round trip entry %d: %d vs %d", i, back.Max[i], sp.Max[i])
			}
		}
		span := SpanOf(stamps)
		for range 20 {
			q := int64(1_600_000_000_000) + int64(rng.IntN(200_000)) - 10_000
			want := -1 // brute force: first line at or after q
			for i, st := range stamps {
				if st.Known && st.Millis >= q {
					want = i
					break
				}
			}
			from, ok := back.Find(q)
			if ok != (want >= 0) {
				t.Fatalf("Find(%d) ok=%v, brute force line %d", q, ok, want)
			}
			if ok && (want < from || want >= from+every) {
				t.Fatalf("Find(%d) = block at %d (every %d), brute force line %d", q, from, every, want)
			}
			if ok != (span.Known && span.Max >= q) {
				t.Fatalf("span %+v disagrees for %d", span, q)
			}
		}
	}
}

func TestSpanOf(t *testing.T) {
	s := SpanOf([]Stamp{{}, {Millis: 50, Known: true, Own: true}, {Millis: 20, Known: true, Own: true}, {Millis: 20, Known: true}, {Millis: 90, Known: true, Own: true}, {Millis: 90, Known: true}})
	if s != (Span{First: 50, Last: 90, Min: 20, Max: 90, Known: true}) {
		t.Fatalf("%+v", s)
	}
	if !s.Overlaps(90, 91) || s.Overlaps(91, 100) || s.Overlaps(0, 20) || !s.Overlaps(0, 21) {
		t.Fatal("Overlaps")
	}
	if (SpanOf([]Stamp{{}}) != Span{}) || (Span{}).Overlaps(0, 1<<62) {
		t.Fatal("empty span")
	}
}

func FuzzParseSparse(f *testing.F) {
	b, _ := NewSparse(randomStamps(rand.New(rand.NewPCG(5, 6)), 100), 8).AppendBinary(nil)
	f.Add(b)
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSparse(b)
		if err != nil {
			return
		}
		for i := 1; i < len(s.Max); i++ {
			if s.Max[i] < s.Max[i-1] {
				t.Fatalf("decreasing index %v", s.Max)
			}
		}
		again, err := s.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := ParseSparse(again)
		if err != nil || s2.Every != s.Every || len(s2.Max) != len(s.Max) {
			t.Fatalf("re-encode: %v %+v vs %+v", err, s2, s)
		}
		for i := range s.Max {
			if s2.Max[i] != s.Max[i] {
				t.Fatalf("re-encode entry %d: %d vs %d", i, s2.Max[i], s.Max[i])
			}
		}
	})
}
