// Package piitest generates secrets and personal values planted in
// realistic log lines, for leak tests: the detector's own tests in
// store/pii and the server's read-path tests use the same values. Every
// value is random (from a seeded generator, so a seed always gives the
// same plants) and has the shape of the real thing; none is copied from a
// rule file's examples.
package piitest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Plant is one planted value.
type Plant struct {
	// Category is the group the plant tests: "vendor", "shape", "generic",
	// "split" or "iban".
	Category string
	// Kind is the pii.Kind the value should be reported as, or "" when any
	// secret kind will do (credentials in shapes, generic secrets).
	Kind string
	// Value is the raw value. For the "split" category it is the whole
	// value, which Line holds cut in two.
	Value string
	// Line is the text that holds it: one log line, or several (a CSV
	// header and a row, a manifest, CRI partial lines).
	Line string
	// Name says what the plant is, for test names and failure messages.
	Name string
}

// Secret reports whether the plant is a credential rather than personal
// data. For a secret, no 8-byte piece of Value may survive redaction.
func (p Plant) Secret() bool { return p.Category != "iban" }

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	lowerN = "abcdefghijklmnopqrstuvwxyz0123456789"
	hexd   = "0123456789abcdef"
	b64url = alnum + "-_"
	b64std = alnum + "+/"
	digits = "0123456789"
	bech32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
)

type gen struct {
	r   *rand.Rand
	out []Plant
}

// s returns n random bytes from chars, with at least one digit and one
// letter when chars has both, so that every value reads as random.
func (g *gen) s(chars string, n int) string {
	for {
		b := make([]byte, n)
		for i := range b {
			b[i] = chars[g.r.IntN(len(chars))]
		}
		v := string(b)
		mixed := strings.ContainsAny(chars, digits) && strings.IndexFunc(chars, isLetter) >= 0
		if n < 8 || !mixed || strings.ContainsAny(v, digits) && strings.IndexFunc(v, isLetter) >= 0 {
			return v
		}
	}
}

func isLetter(c rune) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) n(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// ts is a time stamp in one of several log styles.
func (g *gen) ts() string {
	d, h, m, sec := g.n(1, 28), g.n(0, 23), g.n(0, 59), g.n(0, 59)
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("2024-03-%02dT%02d:%02d:%02d.%03dZ", d, h, m, sec, g.n(0, 999))
	case 1:
		return fmt.Sprintf("Mar %2d %02d:%02d:%02d", d, h, m, sec)
	default:
		return fmt.Sprintf("2024-03-%02d %02d:%02d:%02d,%03d", d, h, m, sec, g.n(0, 999))
	}
}

// logLine wraps msg in one of several log formats: syslog, JSON, logfmt,
// Java, nginx error log, Kubernetes klog.
func (g *gen) logLine(msg string) string {
	host := g.pick("web-01", "api-7f9c", "worker3.prod.internal", "ip-10-2-3-4")
	switch g.r.IntN(6) {
	case 0:
		return fmt.Sprintf("Mar %2d %02d:%02d:%02d %s app[%d]: %s", g.n(1, 28), g.n(0, 23), g.n(0, 59), g.n(0, 59), host, g.n(100, 99999), msg)
	case 1:
		return fmt.Sprintf(`{"ts":"2024-03-%02dT10:%02d:00Z","level":"debug","msg":%q}`, g.n(1, 28), g.n(0, 59), msg)
	case 2:
		return fmt.Sprintf("time=2024-03-%02dT10:%02d:00Z level=debug component=client msg=%q", g.n(1, 28), g.n(0, 59), msg)
	case 3:
		return fmt.Sprintf("%s DEBUG [pool-%d-thread-%d] c.a.s.HttpClient - %s", g.ts(), g.n(1, 9), g.n(1, 40), msg)
	case 4:
		return fmt.Sprintf("2024/03/%02d 10:%02d:00 [debug] %d#0: *%d %s", g.n(1, 28), g.n(0, 59), g.n(1, 64), g.n(1, 9999), msg)
	default:
		return fmt.Sprintf("I0315 10:%02d:00.%06d       1 client.go:%d] %s", g.n(0, 59), g.n(0, 999999), g.n(10, 900), msg)
	}
}

func (g *gen) add(cat, kind, name, value, line string) {
	g.out = append(g.out, Plant{Category: cat, Kind: kind, Value: value, Line: line, Name: name})
}

// Planted returns the plants for seed: over 300 values in five categories,
// each embedded in a realistic line.
func Planted(seed int64) []Plant {
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
	for range 8 {
		g.vendors()
	}
	for range 10 {
		g.shapes()
	}
	for range 6 {
		g.generic()
	}
	for range 4 {
		g.split()
	}
	for range 24 {
		g.iban()
	}
	return g.out
}

// vendorTokens are (kind, name, generator) for vendor tokens; the kinds
// are those of store/pii's rule table.
func (g *gen) vendorTokens() [][3]string {
	return [][3]string{
		{"stripe_token", "stripe sk_live", "sk_live_" + g.s(alnum, g.n(24, 99))},
		{"stripe_token", "stripe rk_live", "rk_live_" + g.s(alnum, g.n(24, 40))},
		{"openai_token", "openai sk-proj", "sk-proj-" + g.s(b64url, 74) + "T3BlbkFJ" + g.s(b64url, 74)},
		{"openai_token", "openai sk-proj short", "sk-proj-" + g.s(b64url, g.n(48, 64))},
		{"pypi_token", "pypi", "pypi-AgEIcHlwaS5vcmc" + g.s(b64url, g.n(60, 150))},
		{"twilio_token", "twilio SK", "SK" + g.s(hexd, 32)},
		{"sendgrid_token", "sendgrid", "SG." + g.s(b64url, 22) + "." + g.s(b64url, 43)},
		{"vault_token", "vault hvs", "hvs." + g.s(b64url, g.n(90, 110))},
		{"vault_token", "vault hvs short", "hvs.CAES" + g.s(b64url, g.n(20, 40))},
		{"npm_token", "npm", "npm_" + g.s(alnum, 36)},
		{"github_token", "github pat", "ghp_" + g.s(alnum, 36)},
		{"github_token", "github fine-grained", "github_pat_" + g.s(alnum, 22) + "_" + g.s(alnum, 59)},
		{"gitlab_token", "gitlab pat", "glpat-" + g.s(b64url, 20)},
		{"aws_access_key_id", "aws key id", g.pick("AKIA", "ASIA") + g.s("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)},
		{"slack_token", "slack bot", "xoxb-" + g.s(digits, 12) + "-" + g.s(digits, 13) + "-" + g.s(alnum, 24)},
		{"anthropic_token", "anthropic", "sk-ant-api03-" + g.s(b64url, 93) + "AA"},
		{"huggingface_token", "huggingface", "hf_" + g.s("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 34)},
		{"digitalocean_token", "digitalocean", "dop_v1_" + g.s(hexd, 64)},
		{"shopify_token", "shopify", "shpat_" + g.s(hexd, 32)},
		{"linear_token", "linear", "lin_api_" + g.s(alnum, 40)},
		{"doppler_token", "doppler", "dp.pt." + g.s(alnum, 43)},
		{"age_token", "age", "AGE-SECRET-KEY-1" + g.s(bech32, 58)},
		{"postman_token", "postman", "PMAK-" + g.s(hexd, 24) + "-" + g.s(hexd, 34)},
		{"pulumi_token", "pulumi", "pul-" + g.s(hexd, 40)},
		{"rubygems_token", "rubygems", "rubygems_" + g.s(hexd, 48)},
		{"databricks_token", "databricks", "dapi" + g.s(hexd, 32)},
		{"dynatrace_token", "dynatrace", "dt0c01." + g.s(lowerN, 24) + "." + g.s(lowerN, 64)},
		{"planetscale_token", "planetscale", "pscale_tkn_" + g.s(alnum, 43)},
		{"sentry_token", "sentry", "sntryu_" + g.s(hexd, 64)},
		{"gcp_api_key", "google api key", "AIza" + g.s(b64url, 35)},
	}
}

func (g *gen) vendors() {
	for _, v := range g.vendorTokens() {
		msg := g.pick(
			"using credential %s for upload",
			"export API_KEY=%s",
			`config loaded: {"client":"svc","credential":"%s"}`,
			"retrying request with token %s (attempt 2)",
			"env: SERVICE_AUTH='%s'",
			"-H 'X-Auth: %s' https://svc/v1",
		)
		g.add("vendor", v[0], v[1], v[2], g.logLine(fmt.Sprintf(msg, v[2])))
	}
	// Secrets in URL paths and manifests.
	tg := g.s(digits, g.n(9, 10)) + ":AA" + g.s(b64url, 33)
	g.add("vendor", "telegram_token", "telegram bot url", tg,
		g.logLine(fmt.Sprintf("POST https://api.telegram.org/bot%s/sendMessage 200 142ms", tg)))
	dw := g.s(b64url, 68)
	g.add("vendor", "discord_token", "discord webhook", dw,
		g.logLine(fmt.Sprintf("webhook delivered to https://discord.com/api/webhooks/%s/%s status=204", g.s(digits, 18), dw)))
	pemB64 := base64.StdEncoding.EncodeToString([]byte("-----BEGIN RSA PRIVATE KEY-----\nMIIEow" + g.s(b64std, 120) + "\n-----END RSA PRIVATE KEY-----\n"))
	g.add("vendor", "private_key", "k8s secret tls.key", pemB64, k8sSecret("tls.key", pemB64))
	dcj := base64.StdEncoding.EncodeToString([]byte(`{"auths":{"registry.corp.internal":{"auth":"` +
		base64.StdEncoding.EncodeToString([]byte("ci:"+g.s(alnum, 20))) + `"}}}`))
	g.add("vendor", "k8s_secret", "k8s .dockerconfigjson", dcj, k8sSecret(".dockerconfigjson", dcj))
	other := base64.StdEncoding.EncodeToString([]byte(g.s(alnum, g.n(16, 40))))
	g.add("vendor", "k8s_secret", "k8s data value", other, k8sSecret(g.pick("db-url", "settings.ini", "seed"), other))
}

func k8sSecret(name, value string) string {
	return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secrets\n  namespace: prod\ntype: Opaque\ndata:\n  " +
		name + ": " + value + "\n"
}

// password returns a human-made password: words, digits and a symbol.
func (g *gen) password() string {
	return g.pick("Tr0ub4dor", "Winter", "Sunshine", "Dragon", "Pa55word", "Kiwi") + g.s(digits, 3) +
		g.pick("!", "#", "%", "*", "") + g.s(alnum, g.n(4, 8))
}

func (g *gen) shapes() {
	user := g.pick("admin", "deploy", "svc-backup", "jdoe")
	pw := g.password()
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
	g.add("shape", "", "basic auth header", basic, g.logLine("> Authorization: Basic "+basic))
	pw = g.password()
	g.add("shape", "", "curl -u", pw, fmt.Sprintf("+ curl -sS -u %s:%s https://nexus.corp.internal/service/rest/v1/status", user, pw))
	pw = g.password()
	g.add("shape", "", "sshpass -p", pw, fmt.Sprintf("%s INFO runner: exec sshpass -p '%s' ssh -o StrictHostKeyChecking=no %s@10.4.%d.%d uptime", g.ts(), pw, user, g.n(1, 254), g.n(1, 254)))
	pw = g.password()
	if g.r.IntN(2) == 0 {
		g.add("shape", "", "mysql -pSECRET", pw, fmt.Sprintf("cron[%d]: (root) CMD (mysqldump -u %s -p%s --all-databases > /backup/all.sql)", g.n(100, 9999), user, pw))
	} else {
		g.add("shape", "", "mysql -p SECRET", pw, fmt.Sprintf("bash[%d]: mysql -h db-primary -u %s -p %s -e 'SHOW SLAVE STATUS'", g.n(100, 9999), user, pw))
	}
	pw = g.password()
	g.add("shape", "", "SOAP wsse:Password", pw, g.logLine(fmt.Sprintf(`request body: <wsse:UsernameToken><wsse:Username>%s</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">%s</wsse:Password></wsse:UsernameToken>`, user, pw)))
	key := g.s(alnum, g.n(24, 40))
	hdr := g.pick("X-Api-Key", "x-auth-token", "Authorization", "X-Vault-Token", "api_key")
	g.add("shape", "", "HAR name/value "+hdr, key, fmt.Sprintf(`      "headers": [{"name": "Accept", "value": "application/json"}, {"name": "%s", "value": "%s"}],`, hdr, key))
	col := g.pick("api_token", "password", "secret", "client_secret", "access_key")
	tok := g.s(alnum, g.n(20, 32))
	g.add("shape", "", "CSV header "+col, tok, fmt.Sprintf("id,email_verified,%s,created_at\n%d,true,%s,2024-03-%02d\n", col, g.n(1, 999), tok, g.n(1, 28)))
	tok = g.s(alnum, g.n(20, 32))
	g.add("shape", "", "CSV-quoted JSON", tok, fmt.Sprintf(`%d,"webhook","{""url"":""https://hooks.corp.internal/x"",""api_key"":""%s""}",active`, g.n(1, 999), tok))
	tok = "hvs." + g.s(b64url, g.n(24, 95))
	acc := g.s(alnum, 24)
	g.add("shape", "", "CLI table token", tok, "Key                  Value\n---                  -----\ntoken                "+tok+"\ntoken_accessor       "+acc+"\ntoken_duration       768h\n")
	g.add("shape", "", "CLI table accessor", acc, "token_accessor       "+acc+"\ntoken_renewable      true\n")
}

// genericKeys are key names with a key-like word and no vendor.
var genericKeys = []string{
	"key", "token", "secret", "passwd", "auth", "credential_blob", "signature", "cookie", "session",
	"private_key", "access_key", "client_secret", "refresh_token", "api-key", "AUTH_TOKEN", "sessionKey",
	"signing_secret", "webhookSecret", "hmac", "x-amz-security-token",
}

func (g *gen) generic() {
	for _, k := range genericKeys {
		v := g.s(b64url, g.n(20, 48))
		var msg string
		switch g.r.IntN(7) {
		case 0:
			msg = fmt.Sprintf("%s=%s", k, v)
		case 1:
			msg = fmt.Sprintf("%s: %s", k, v)
		case 2:
			msg = fmt.Sprintf(`{"%s": "%s"}`, k, v)
		case 3:
			msg = fmt.Sprintf("<%s>%s</%s>", k, v, k)
		case 4:
			msg = fmt.Sprintf("run --%s %s --verbose", k, v)
		case 5:
			msg = fmt.Sprintf("%s='%s'", k, v)
		default:
			msg = fmt.Sprintf("%s := \"%s\"", k, v)
		}
		g.add("generic", "", "generic "+k, v, g.logLine("settings: "+msg))
	}
}

func (g *gen) split() {
	// Hard-wrapped at 64, 76 and 80 columns.
	for _, w := range []int{64, 76, 80} {
		tok := g.s(b64std, g.n(90, 140))
		first := "token: "
		text := first + tok
		wrapped := text[:w] + "\n" + text[w:]
		g.add("split", "", fmt.Sprintf("hard wrap at %d", w), tok, wrapped+"\n")
	}
	// CRI partial lines: containerd cuts log lines at 16 KiB.
	pw := g.s(alnum, 32)
	cut := g.n(4, 28)
	head := "connecting with password=" + pw[:cut]
	pad := strings.Repeat("x", 16*1024-len(head)-1)
	line1 := "2024-03-15T10:00:00.000000001Z stdout P " + pad + " " + head
	line2 := "2024-03-15T10:00:00.000000002Z stdout F " + pw[cut:] + " done"
	g.add("split", "", "CRI partial line", pw, line1+"\n"+line2+"\n")
	jwtish := g.s(b64url, 40)
	cut = g.n(8, 32)
	line1 = "2024-03-15T10:00:01.000000001Z stderr P " + strings.Repeat("y", 1000) + " api_key=" + jwtish[:cut]
	line2 = "2024-03-15T10:00:01.000000002Z stderr F " + jwtish[cut:]
	g.add("split", "", "CRI partial api_key", jwtish, line1+"\n"+line2+"\n")
}

var ibanCountries = []struct {
	cc    string
	n     int
	alpha int // leading letters of the BBAN
}{
	{"DE", 22, 0}, {"GB", 22, 4}, {"FR", 27, 0}, {"NL", 18, 4}, {"ES", 24, 0}, {"IT", 27, 1}, {"CH", 21, 0},
	{"BE", 16, 0}, {"AT", 20, 0}, {"PL", 28, 0}, {"SE", 24, 0}, {"IE", 22, 4}, {"NO", 15, 0}, {"PT", 25, 0},
}

func (g *gen) iban() {
	c := ibanCountries[g.r.IntN(len(ibanCountries))]
	bban := g.s("ABCDEFGHIJKLMNOPQRSTUVWXYZ", max(c.alpha, 1))[:c.alpha] + g.s(digits, c.n-4-c.alpha)
	v := c.cc + checkDigits(c.cc, bban) + bban
	if g.r.IntN(2) == 0 {
		var b strings.Builder
		for i := 0; i < len(v); i += 4 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(v[i:min(len(v), i+4)])
		}
		v = b.String()
	}
	msg := g.pick("payout to %s scheduled", "iban=%s bic=COBADEFFXXX", `{"beneficiary_iban":"%s"}`, "refund account: %s.")
	g.add("iban", "iban", "iban "+c.cc, v, g.logLine(fmt.Sprintf(msg, v)))
}

// checkDigits computes ISO 13616 check digits for country cc and bban.
func checkDigits(cc, bban string) string {
	r := 0
	for _, ch := range bban + cc + "00" {
		switch {
		case ch >= '0' && ch <= '9':
			r = (r*10 + int(ch-'0')) % 97
		default:
			r = (r*100 + int(ch-'A'+10)) % 97
		}
	}
	return fmt.Sprintf("%02d", 98-r)
}
