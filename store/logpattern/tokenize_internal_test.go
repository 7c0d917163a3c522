package logpattern

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// tokenRef is the definition tokenize implements: split at blanks and
// after JSON's `,"`, keep MaxTokens-1 tokens and a trailing <*>, and mask
// each token with appendMasked and names on.
func tokenRef(msg []byte, maxTokens int) []byte {
	var toks [][]byte
	for i := 0; i < len(msg); {
		for i < len(msg) && isSpace(msg[i]) {
			i++
		}
		if i >= len(msg) {
			break
		}
		j := i
		for j < len(msg) && !isSpace(msg[j]) {
			j++
			if msg[j-1] == ',' && j < len(msg) && msg[j] == '"' {
				break
			}
		}
		toks = append(toks, msg[i:j])
		i = j
	}
	var out []byte
	for k, t := range toks {
		if k > 0 {
			out = append(out, ' ')
		}
		if k == maxTokens-1 {
			out = append(out, Wildcard...)
			break
		}
		out = appendMasked(out, t, true)
	}
	return out
}

func checkTokenize(t *testing.T, m *Miner, line []byte) {
	t.Helper()
	line = trimEOL(line)
	p, _ := splitHeader(line)
	m.tokenize(line[p:])
	want := tokenRef(line[p:], m.opts.MaxTokens)
	if !bytes.Equal(m.buf, want) {
		t.Fatalf("tokenize(%q)\n got %q\nwant %q", line[p:], m.buf, want)
	}
	for i := range m.toks {
		if bytes.ContainsAny(m.tok(i), " \t") || len(m.tok(i)) == 0 {
			t.Fatalf("tokenize(%q): token %d is %q", line[p:], i, m.tok(i))
		}
	}
}

// tokenize gives what its definition gives on every corpus line.
func TestTokenize_Reference(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("../../../shared/corpus/loghub", "*_2k.log"))
	if len(files) == 0 {
		t.Skip("no loghub corpus in ../../../shared/corpus/loghub")
	}
	m := New(Options{})
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for l := range bytes.Lines(b) {
			checkTokenize(t, m, l)
		}
	}
	for _, l := range []string{"a 10.1.2.3:50010 /a/b/c x.y.z 1.2.3$4 [IPV4:a947669223].[IPV4:a947669223] -1.-2.3",
		`{"a":1,"b":"x.y.z","c":[1,2]}`, "Dec a.b.1 /1/2/ ..1 1..2 a..b.c"} {
		checkTokenize(t, m, []byte(l))
	}
}

func FuzzTokenize(f *testing.F) {
	f.Add([]byte("x 10.1.2.3:50010 a.b.c /usr/lib 1.2.3$4 ,\"k\":1"))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkTokenize(t, New(Options{MaxTokens: 6, MaxLineBytes: 300}), in[:min(len(in), 300)])
	})
}
