package pii

import (
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestVendorRules_Load checks the rule table as loaded: enough rules, every
// skipped or re-keyed gitleaks id still in the file (so an upstream rename
// is noticed), kinds that are secrets, and most rules anchored.
func TestVendorRules_Load(t *testing.T) {
	rules := VendorRules()
	if len(rules) < 200 {
		t.Fatalf("%d vendor rules, want >= 200", len(rules))
	}
	var cfg tomlConfig
	if _, err := toml.Decode(string(gitleaksTOML), &cfg); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range cfg.Rules {
		ids[r.ID] = true
	}
	for id := range skipRules {
		if !ids[id] {
			t.Errorf("skipRules names %q, which gitleaks.toml no longer has", id)
		}
	}
	for id := range dropKeywords {
		if !ids[id] {
			t.Errorf("dropKeywords names %q, which gitleaks.toml no longer has", id)
		}
	}
	vendorsSeen := map[Kind]bool{}
	anchored := 0
	for i, r := range rules {
		if !r.Kind.IsSecret() {
			t.Errorf("rule %s: kind %s is not a secret", r.ID, r.Kind)
		}
		if !slices.Contains(Kinds(), r.Kind) {
			t.Errorf("rule %s: kind %s not in Kinds()", r.ID, r.Kind)
		}
		if strings.HasSuffix(string(r.Kind), "_token") {
			vendorsSeen[r.Kind] = true
		}
		if vendorTable().rules[i].anchored != nil {
			anchored++
		}
	}
	t.Logf("%d rules (%d local), %d vendor kinds, %d anchored at their keyword", len(rules), len(rules)-len(cfg.Rules)+len(skipped(cfg)), len(vendorsSeen), anchored)
	if anchored*10 < len(rules)*8 {
		t.Errorf("only %d of %d rules anchored: the prefilter got weaker", anchored, len(rules))
	}
}

func skipped(cfg tomlConfig) []string {
	var out []string
	for _, r := range cfg.Rules {
		if _, ok := skipRules[r.ID]; ok || r.Path != "" || r.Regex == "" {
			out = append(out, r.ID)
		}
	}
	return out
}

// TestVendorRules_Named checks the tokens the issue names, one line each.
func TestVendorRules_Named(t *testing.T) {
	d := New(Options{})
	for _, tc := range []struct {
		kind Kind
		line string
		want string
	}{
		{"stripe_token", "charge failed key=sk_live_51Hq8ZkLmN3pQ7rS9tUvW0xY2", "sk_live_51Hq8ZkLmN3pQ7rS9tUvW0xY2"},
		{"stripe_token", "restricted rk_live_9aZ8bY7cX6dW5eV4fU3gT2hS1", "rk_live_9aZ8bY7cX6dW5eV4fU3gT2hS1"},
		{"twilio_token", "twilio api key SK0f3a9c2e7b1d4f6a8c0e2b4d6f8a1c3e used", "SK0f3a9c2e7b1d4f6a8c0e2b4d6f8a1c3e"},
		{"vault_token", "X-Vault-Token: hvs.CAESIGh3kL9mQ2xZ7vB4nR8tY1wE5uI0oP3aS6dF9gH2jK4l", "hvs.CAESIGh3kL9mQ2xZ7vB4nR8tY1wE5uI0oP3aS6dF9gH2jK4l"},
		{"telegram_token", "GET /bot7412589630:AAHk3LmQ9zX2wV7bN4cR8tY1uI5oP0aS6dF/getUpdates", "7412589630:AAHk3LmQ9zX2wV7bN4cR8tY1uI5oP0aS6dF"},
		{"iban", "sepa payout to DE44 5001 0517 5407 3249 31 ok", "DE44 5001 0517 5407 3249 31"},
	} {
		found := false
		for _, s := range d.Find([]byte(tc.line)) {
			if s.Kind == tc.kind && s.Value == tc.want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s %q not found in %q: %v", tc.kind, tc.want, tc.line, d.Find([]byte(tc.line)))
		}
	}
}
