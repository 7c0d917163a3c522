package shown

import (
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/pii"
)

func testRedactor() *pii.Redactor { return pii.NewRedactor(nil, []byte(strings.Repeat("k", 32))) }

func TestRedact_Idempotent(t *testing.T) {
	r := testRedactor()
	for _, in := range []string{
		"client 10.1.2.3 said hi to alice@example.com",
		"call +1 415 555 0100 password=hunter2secret",
		"token=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB at 192.168.7.9",
		"plain text, nothing here",
	} {
		once := Redact(r, in)
		if twice := Redact(r, once); twice != once {
			t.Errorf("Redact(Redact(%q)):\n got %q\nwant %q", in, twice, once)
		}
	}
}

func TestRedact_KeepsPhoneShapedToken(t *testing.T) {
	r := testRedactor()
	tok := "[PHONE_NUMBER:0123456789]"
	if got := Redact(r, "see "+tok+" and 10.9.8.7"); !strings.HasPrefix(got, "see "+tok+" and [IPV4:") {
		t.Errorf("got %q", got)
	}
}

func TestTokens(t *testing.T) {
	got := Tokens(`host \[ipv4:A947669223\] or [IPV4:a947669223] [EMAIL:0000000000]`)
	want := []string{"[IPV4:a947669223]", "[EMAIL:0000000000]"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
	if Kind(want[0]) != pii.KindIPv4 {
		t.Errorf("Kind = %q", Kind(want[0]))
	}
	if !IsToken(want[1]) || IsToken("x"+want[1]) {
		t.Error("IsToken")
	}
}

func TestFound(t *testing.T) {
	r := testRedactor()
	if k := Found(r, "10.1.2.3"); len(k) != 1 || k[0] != pii.KindIPv4 {
		t.Errorf("Found(ip) = %v", k)
	}
	if k := Found(r, "[IPV4:a947669223]"); k != nil {
		t.Errorf("Found(token) = %v", k)
	}
	if k := Found(r, "connection refused"); k != nil {
		t.Errorf("Found(text) = %v", k)
	}
}

func TestMentionsToken(t *testing.T) {
	for p, want := range map[string]bool{
		`\[IPV4:[0-9a-f]+\]`: true, "[email:": true, "[IPV4": false, "status=503": false, "[ERROR]": false,
	} {
		if got := MentionsToken(p); got != want {
			t.Errorf("MentionsToken(%q) = %v", p, got)
		}
	}
}

func TestRedact_KeywordAtEnd(t *testing.T) {
	r := testRedactor()
	for _, in := range []string{"username", "user", "Username", "password", "password="} {
		if got := Redact(r, in); got == Failed {
			t.Errorf("Redact(%q) failed", in)
		}
	}
}

func TestName(t *testing.T) {
	r := testRedactor()
	in := "export-alice.smith@corp-mail.io-10.198.29.85.log"
	got := Name(r, in)
	if strings.Contains(got, "10.198.29.85") || strings.Contains(got, "alice") || !strings.HasSuffix(got, ".log") {
		t.Errorf("Name(%q) = %q", in, got)
	}
	if again := Name(r, got); again != got {
		t.Errorf("Name not idempotent: %q -> %q", got, again)
	}
	if got := Name(r, "app-server_2026-12-01.log"); got != "app-server_2026-12-01.log" {
		t.Errorf("plain name changed: %q", got)
	}
}
