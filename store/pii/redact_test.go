package pii

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestRedactor_Pseudonym(t *testing.T) {
	r := NewRedactor(nil, testKey)
	p := r.Pseudonym(KindIPv4, "10.1.2.3")
	if !regexp.MustCompile(`^\[IPV4:[0-9a-f]{10}\]$`).MatchString(p) {
		t.Fatalf("Pseudonym = %q, want [IPV4:<10 hex>]", p)
	}
	tests := []struct {
		name string
		r    *Redactor
		kind Kind
		v    string
		same bool
	}{
		{"Stable", NewRedactor(New(Options{}), testKey), KindIPv4, "10.1.2.3", true},
		{"OtherValue", r, KindIPv4, "10.1.2.4", false},
		{"OtherKind", r, KindHostname, "10.1.2.3", false},
		{"OtherKey", NewRedactor(nil, []byte("another key, just as long as it")), KindIPv4, "10.1.2.3", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.r.Pseudonym(tc.kind, tc.v)
			if (q[strings.IndexByte(q, ':'):] == p[strings.IndexByte(p, ':'):]) != tc.same {
				t.Errorf("Pseudonym(%s, %q) = %q vs %q, same = %v", tc.kind, tc.v, q, p, !tc.same)
			}
		})
	}
	// The key is copied: changing the caller's slice changes nothing.
	k := append([]byte(nil), testKey...)
	r2 := NewRedactor(nil, k)
	k[0] ^= 0xff
	if r2.Pseudonym(KindIPv4, "10.1.2.3") != p {
		t.Error("Redactor keeps a reference to the caller's key")
	}
}

func TestRedactor_Redact(t *testing.T) {
	r := NewRedactor(nil, testKey)
	in := "Dec 10 07:28:00 LabSZ sshd[1]: Failed password for root from 112.95.230.3 port 22\n" +
		"password=hunter2! and again 112.95.230.3 token=ghp_0123456789abcdefghijABCDEFGHIJ012345\n"
	out, spans := r.Redact([]byte(in))
	for _, s := range spans {
		if strings.Contains(string(out), s.Value) && len(s.Value) >= minPropagate {
			t.Errorf("output still holds %s %q", s.Kind, s.Value)
		}
		if s.Replacement != r.Pseudonym(s.Kind, s.Value) {
			t.Errorf("span %+v: replacement is not the pseudonym", s)
		}
		if in[s.Start:s.End] != s.Value {
			t.Errorf("span %+v does not slice the input", s)
		}
	}
	ip := r.Pseudonym(KindIPv4, "112.95.230.3")
	if strings.Count(string(out), ip) != 2 {
		t.Errorf("want the same token for both addresses:\n%s", out)
	}
	want := "Dec 10 07:28:00 " + r.Pseudonym(KindHostname, "LabSZ") + " sshd[1]: Failed password for " +
		r.Pseudonym(KindUsername, "root") + " from " + ip + " port 22\n" +
		"password=" + r.Pseudonym(KindPassword, "hunter2!") + " and again " + ip + " token=" +
		r.Pseudonym(KindGitHubToken, "ghp_0123456789abcdefghijABCDEFGHIJ012345") + "\n"
	if string(out) != want {
		t.Errorf("Redact\n got %q\nwant %q", out, want)
	}
}

// TestRedactor_Redact_Propagates checks that a value found once is redacted
// wherever else it occurs, even where no rule would have found it.
func TestRedactor_Redact_Propagates(t *testing.T) {
	r := NewRedactor(nil, testKey)
	out, _ := r.Redact([]byte("password=S3cr3t-99 ... later: login failed, tried S3cr3t-99x"))
	if bytes.Contains(out, []byte("S3cr3t-99")) {
		t.Errorf("second occurrence not redacted: %s", out)
	}
}

func TestRedactor_Redact_Idempotent(t *testing.T) {
	r := NewRedactor(nil, testKey)
	for _, l := range readLabelled(t) {
		once, _ := r.Redact([]byte(l.Text))
		twice, spans := r.Redact(once)
		if !bytes.Equal(once, twice) {
			t.Errorf("redacting twice changed %q:\n once %q\ntwice %q (spans %+v)", l.Text, once, twice, spans)
		}
	}
}

// TestRedactor_RedactRange_SplitSecret cuts a file into windows at every
// offset inside a secret and checks that no window shows any part of it.
func TestRedactor_RedactRange_SplitSecret(t *testing.T) {
	r := NewRedactor(nil, testKey)
	secrets := []struct {
		kind   Kind
		value  string
		prefix string
	}{
		{KindGitHubToken, "ghp_0123456789abcdefghijABCDEFGHIJ012345", "token="},
		{KindPassword, "correct-horse-battery", "password="},
		{KindIPv4, "172.16.254.17", "from "},
		{KindPrivateKey, pemBlock(40), "key:\n"},
	}
	for _, sc := range secrets {
		t.Run(string(sc.kind), func(t *testing.T) {
			file := strings.Repeat("2024-01-15 INFO filler line without data\n", 150) +
				sc.prefix + sc.value + "\n" + strings.Repeat("2024-01-15 INFO more filler\n", 150)
			vs := strings.Index(file, sc.value)
			ve := vs + len(sc.value)
			rep := r.Pseudonym(sc.kind, sc.value)
			const ctx = 8 << 10 // the documented context for PEM blocks
			for cut := vs + 1; cut < ve; cut += max(1, (ve-vs)/17) {
				var joined []byte
				for _, w := range [][2]int{{0, cut}, {cut, len(file)}} {
					lo, hi := max(0, w[0]-ctx), min(len(file), w[1]+ctx)
					out, spans := r.RedactRange([]byte(file[lo:hi]), w[0]-lo, w[1]-lo)
					if !bytes.Contains(out, []byte(rep)) {
						t.Fatalf("cut %d, window %v: pseudonym missing; spans %+v", cut, w, spans)
					}
					joined = append(joined, out...)
				}
				// No piece of the value of 4+ bytes survives in either window
				// (pseudonyms aside: "[PRIVATE_KEY:..." holds "PRIV").
				joined = pseudonymRE.ReplaceAll(joined, nil)
				for k := 0; k+4 <= len(sc.value); k++ {
					if piece := sc.value[k : k+4]; !strings.ContainsAny(piece, "\n- ") && bytes.Contains(joined, []byte(piece)) &&
						!strings.Contains(strings.ReplaceAll(file, sc.value, ""), piece) {
						t.Fatalf("cut %d: piece %q of the value leaked", cut, piece)
					}
				}
			}
		})
	}
}

func TestRedactor_RedactRange_Bounds(t *testing.T) {
	r := NewRedactor(nil, testKey)
	text := []byte("a 10.1.2.3 b")
	for _, b := range [][2]int{{-5, 100}, {5, 3}, {0, 0}, {12, 12}} {
		out, _ := r.RedactRange(text, b[0], b[1])
		if b[0] == -5 && !bytes.Contains(out, []byte("[IPV4:")) {
			t.Errorf("RedactRange(%v) = %q", b, out)
		}
	}
}

var pseudonymRE = regexp.MustCompile(`\[[A-Z0-9_]+:[0-9a-f]{10}\]`)

func pemBlock(lines int) string {
	var b strings.Builder
	b.WriteString("-----BEGIN OPENSSH PRIVATE KEY-----\n")
	for i := 0; i < lines; i++ {
		fmt.Fprintf(&b, "%064d\n", i*7919)
	}
	b.WriteString("-----END OPENSSH PRIVATE KEY-----")
	return b.String()
}

// TestRedactor_Concurrent shares one Redactor between goroutines; run it
// with -race.
func TestRedactor_Concurrent(t *testing.T) {
	r := NewRedactor(nil, testKey)
	rows := readLabelled(t)
	want := make([][]byte, len(rows))
	for i, l := range rows {
		want[i], _ = r.Redact([]byte(l.Text))
	}
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i, l := range rows {
				if out, _ := r.Redact([]byte(l.Text)); !bytes.Equal(out, want[i]) {
					done <- fmt.Errorf("line %d: %q != %q", i, out, want[i])
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
