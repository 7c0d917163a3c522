package mcpserver_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/tftsr/tftsr-mcp/store/pii/piitest"
)

// Planted is one secret or personal value planted in evidence: its
// category (what issue 10 calls it), the detector kind expected, the value
// and the log line that holds it. The shape is that of piitest.Planted's
// values, so the leak test can switch to that generator.
type Planted struct {
	Category, Kind, Value, Line string
}

// knownGaps are categories the detector misses: the leak test plants
// them, reports whether they leak, and does not fail on them. Empty since
// the detector took gitleaks' rules and the credential shapes (issue 10);
// a category goes here only with an issue that says why.
var knownGaps = map[string]bool{}

// plantedValues returns n values across every category of this file's
// own generator, deterministic in seed, followed by the detector's planted
// set (store/pii/piitest: vendor tokens, credential shapes, generic
// secrets, split values), so both are read back through every path.
func plantedValues(seed uint64, n int) []Planted {
	out := ownPlanted(seed, n)
	for _, p := range piitest.Planted(int64(seed)) {
		out = append(out, Planted{Category: "piitest " + p.Category, Kind: p.Kind, Value: p.Value, Line: p.Line})
	}
	return out
}

// ownPlanted returns n values across every category, deterministic in seed.
func ownPlanted(seed uint64, n int) []Planted {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const (
		alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		hexd  = "0123456789abcdef"
		b64   = alnum + "+/"
	)
	str := func(set string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[rng.IntN(len(set))]
		}
		return string(b)
	}
	luhn := func(prefix string, n int) string {
		d := prefix + str("0123456789", n-len(prefix)-1)
		sum := 0
		for i := 0; i < len(d); i++ {
			x := int(d[len(d)-1-i] - '0')
			if i%2 == 0 {
				if x *= 2; x > 9 {
					x -= 9
				}
			}
			sum += x
		}
		return d + string(rune('0'+(10-sum%10)%10))
	}
	type gen struct {
		cat, kind string
		make      func() (value, line string)
	}
	gens := []gen{
		{"ipv4", "ipv4", func() (string, string) {
			v := fmt.Sprintf("10.%d.%d.%d", rng.IntN(250)+1, rng.IntN(250)+1, rng.IntN(250)+1)
			return v, "conn from " + v + " accepted"
		}},
		{"ipv6", "ipv6", func() (string, string) {
			v := fmt.Sprintf("fd12:3456:%x:%x::%x", rng.IntN(0xffff), rng.IntN(0xffff), rng.IntN(0xffff)+1)
			return v, "peer [" + v + "]:443 up"
		}},
		{"email", "email", func() (string, string) {
			v := fmt.Sprintf("%s.%s@acme-%s.io", str("abcdefghij", 5), str("klmnopqrst", 6), str("uvwxyz", 4))
			return v, "notify " + v + " about the outage"
		}},
		{"aws key id", "aws_access_key_id", func() (string, string) {
			v := "AKIA" + str(upper, 16)
			return v, "using access key " + v
		}},
		{"aws secret", "aws_secret_key", func() (string, string) {
			v := str(b64, 40)
			return v, "aws_secret_access_key=" + v
		}},
		{"jwt", "jwt", func() (string, string) {
			v := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJ" + str(alnum, 30) + "." + str(alnum+"-_", 43)
			return v, "token " + v + " rejected"
		}},
		{"password kv", "password", func() (string, string) {
			v := str(alnum, 14)
			return v, "login user=svc password=" + v + " ok"
		}},
		{"github token", "github_token", func() (string, string) {
			v := "ghp_" + str(alnum, 36)
			return v, "git clone with " + v
		}},
		{"gitlab token", "gitlab_token", func() (string, string) {
			v := "glpat-" + str(alnum, 20)
			return v, "PRIVATE-TOKEN " + v
		}},
		{"slack token", "slack_token", func() (string, string) {
			v := fmt.Sprintf("xoxb-%d-%d-%s", 100000000000+rng.Int64N(899999999999), 100000000000+rng.Int64N(899999999999), str(alnum, 24))
			return v, "slack client " + v
		}},
		{"bearer", "bearer_token", func() (string, string) {
			v := str(alnum, 40)
			return v, "Authorization: Bearer " + v
		}},
		{"api key kv", "api_key", func() (string, string) {
			v := str(alnum, 32)
			return v, "request api_key=" + v + " sent"
		}},
		{"connection string password", "connection_string", func() (string, string) {
			pw := str(alnum, 12)
			return pw, "dsn postgres://svc_app:" + pw + "@db7.acme-corp.io:5432/orders"
		}},
		{"mac address", "mac_address", func() (string, string) {
			v := fmt.Sprintf("3c:22:fb:%02x:%02x:%02x", rng.IntN(256), rng.IntN(256), rng.IntN(256))
			return v, "dhcp lease for " + v
		}},
		{"session id", "session_id", func() (string, string) {
			v := strings.ToUpper(str(hexd, 32))
			return v, "Cookie: JSESSIONID=" + v
		}},
		{"gcp api key", "gcp_api_key", func() (string, string) {
			v := "AIza" + str(alnum+"-_", 35)
			return v, "maps key " + v
		}},
		{"credit card", "credit_card", func() (string, string) {
			v := luhn("4", 16)
			return v, "charge card " + v + " declined"
		}},
		{"secret kv", "secret", func() (string, string) {
			v := str(alnum, 24)
			return v, "client_secret=" + v
		}},
		// Issue 10's vendor tokens and credential shapes.
		{"stripe key", "secret", func() (string, string) {
			v := "sk_live_" + str(alnum, 24)
			return v, "stripe charge with " + v
		}},
		{"openai key", "secret", func() (string, string) {
			v := "sk-proj-" + str(alnum+"-_", 48)
			return v, "openai client " + v
		}},
		{"pypi token", "secret", func() (string, string) {
			v := "pypi-AgEIcHlwaS5vcmc" + str(alnum+"-_", 50)
			return v, "twine upload -p " + v
		}},
		{"sendgrid key", "secret", func() (string, string) {
			v := "SG." + str(alnum+"-_", 22) + "." + str(alnum+"-_", 43)
			return v, "mail via " + v
		}},
		{"vault token", "secret", func() (string, string) {
			v := "hvs." + str(alnum, 24)
			return v, "vault login " + v
		}},
		{"telegram bot token", "secret", func() (string, string) {
			v := fmt.Sprintf("%d:%s", 100000000+rng.IntN(899999999), str(alnum+"-_", 35))
			return v, "GET https://api.telegram.org/bot" + v + "/getUpdates"
		}},
		{"basic auth", "password", func() (string, string) {
			v := str(alnum, 28) + "=="
			return v, "Authorization: Basic " + v
		}},
		{"curl -u", "password", func() (string, string) {
			v := str(alnum, 12)
			return v, "curl -u deploy:" + v + " https://ci.acme-corp.io/api"
		}},
		{"sshpass", "password", func() (string, string) {
			v := str(alnum, 12)
			return v, "sshpass -p '" + v + "' ssh ops@bastion"
		}},
		{"wsse password", "password", func() (string, string) {
			v := str(alnum, 12)
			return v, "<wsse:Password>" + v + "</wsse:Password>"
		}},
		{"iban", "iban", func() (string, string) {
			v := "DE89370400440532013000"
			return v, "refund to " + v
		}},
	}
	var out []Planted
	for i := 0; len(out) < n; i++ {
		g := gens[i%len(gens)]
		v, line := g.make()
		out = append(out, Planted{Category: g.cat, Kind: g.kind, Value: v, Line: line})
	}
	return out
}

// plantedPEM returns a PEM private key block and its body lines.
func plantedPEM(seed uint64) (string, []string) {
	rng := rand.New(rand.NewPCG(seed, 7))
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var body []string
	for range 6 {
		b := make([]byte, 64)
		for i := range b {
			b[i] = b64[rng.IntN(len(b64))]
		}
		body = append(body, string(b))
	}
	return "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Join(body, "\n") + "\n-----END RSA PRIVATE KEY-----", body
}
