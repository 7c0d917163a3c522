package pii

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// labelled is one line of testdata/*_labelled.jsonl.
type labelled struct {
	Text  string `json:"text"`
	Spans []struct {
		Kind  Kind   `json:"kind"`
		Value string `json:"value"`
	} `json:"spans"`
	Src string `json:"src"`
}

func readLabelled(tb testing.TB) []labelled {
	tb.Helper()
	files, err := filepath.Glob("testdata/*_labelled.jsonl")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no labelled files: %v", err)
	}
	var out []labelled
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			var l labelled
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				tb.Fatalf("%s:%d: %v", f, n, err)
			}
			out = append(out, l)
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// TestDetector_LabelledSet measures precision and recall per kind over the
// hand-labelled loghub sample and the crafted lines. A found span counts as
// a true positive when a label of the same kind has the same value on the
// same line (each label matches once).
func TestDetector_LabelledSet(t *testing.T) {
	rows := readLabelled(t)
	if len(rows) < 1000 {
		t.Fatalf("labelled set has %d lines, want >= 1000", len(rows))
	}
	d := New(Options{})
	type score struct{ tp, fp, fn int }
	scores := map[Kind]*score{}
	get := func(k Kind) *score {
		if scores[k] == nil {
			scores[k] = &score{}
		}
		return scores[k]
	}
	for _, r := range rows {
		want := map[string]int{}
		for _, s := range r.Spans {
			want[string(s.Kind)+"\x00"+s.Value]++
			get(s.Kind)
		}
		for _, s := range d.Find([]byte(r.Text)) {
			key := string(s.Kind) + "\x00" + s.Value
			if want[key] > 0 {
				want[key]--
				get(s.Kind).tp++
			} else {
				get(s.Kind).fp++
				t.Logf("FP %-20s %q  in %s: %.160q", s.Kind, s.Value, r.Src, r.Text)
			}
		}
		for key, n := range want {
			if n == 0 {
				continue
			}
			k, v, _ := strings.Cut(key, "\x00")
			get(Kind(k)).fn += n
			t.Logf("FN %-20s %q  in %s: %.160q", k, v, r.Src, r.Text)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-22s %6s %5s %5s %9s %9s %7s\n", "kind", "TP", "FP", "FN", "precision", "recall", "target")
	var failed []string
	// Every fixed kind must have labels; a vendor kind is scored when it
	// has labels or findings.
	for _, k := range Kinds() {
		s := scores[k]
		if s == nil {
			if slices.Contains(fixedKinds, k) {
				failed = append(failed, string(k)+": no labels")
			}
			continue
		}
		prec, rec := ratio(s.tp, s.tp+s.fp), ratio(s.tp, s.tp+s.fn)
		target := 0.95
		if k.IsSecret() {
			target = 0.99
		}
		fmt.Fprintf(&b, "%-22s %6d %5d %5d %9.3f %9.3f %7.2f\n", k, s.tp, s.fp, s.fn, prec, rec, target)
		if rec < target {
			failed = append(failed, fmt.Sprintf("%s recall %.3f < %.2f", k, rec, target))
		}
		if prec < 0.95 {
			failed = append(failed, fmt.Sprintf("%s precision %.3f < 0.95", k, prec))
		}
	}
	t.Log(b.String())
	if len(failed) > 0 {
		slices.Sort(failed)
		t.Errorf("below target:\n  %s", strings.Join(failed, "\n  "))
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
