package config

import "errors"

// RedactConfig tunes what counts as secret or personal data, for the PII
// scan at ingest and for everything the MCP server returns.
type RedactConfig struct {
	Loopback      bool     // also redact 127.0.0.0/8, ::1, localhost
	Documentation bool     // also redact 192.0.2.0/24 and the other example ranges, example.com
	Allow         []string // values never redacted: IPs, CIDR prefixes, .domain suffixes, exact values
}

// redactSettings are the redaction entries in the settings table.
var redactSettings = []Setting{
	BoolSetting("redact-loopback", "TFTSR_REDACT_LOOPBACK", "redact loopback addresses and localhost too (kept by default: they identify no one)",
		func(c *Config) *bool { return &c.Redact.Loopback }),
	BoolSetting("redact-documentation", "TFTSR_REDACT_DOCUMENTATION", "redact the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) and example.com too",
		func(c *Config) *bool { return &c.Redact.Documentation }),
	ListSetting("redact-allow", "TFTSR_REDACT_ALLOW", "values never redacted: an IP, a CIDR prefix (10.0.0.0/8), a domain suffix (.corp.example) or an exact value",
		func(c *Config) *[]string { return &c.Redact.Allow }, func(v string) error {
			if len(v) < 2 {
				return errors.New("too short to allow")
			}
			return nil
		}),
}
