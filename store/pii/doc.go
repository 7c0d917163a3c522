// Package pii finds secrets and personal data in log text and replaces them
// with keyed pseudonyms. It is pure Go: no cgo, no database, no network.
//
// The store's ingest scan uses [Redactor.RedactRange] chunk by chunk to
// record each log's distinct values (Span.Kind, Span.Value) and, on an
// explicit detection request, the TFTSR app's pii_spans rows (Start and End
// are byte offsets into the text). The MCP server uses
// [Redactor.RedactRange] on every window of text it sends to a model.
//
// # What is found
//
// Secrets (see [Kind.IsSecret]):
//
//   - Fixed shapes, by hand-written rules: PEM private keys (multi-line, also
//     with literal \n escapes, also truncated), JWTs, AWS access key ids,
//     Google API keys, GitHub, GitLab and Slack tokens.
//   - Vendor tokens, by a rule table (see "Vendor rules" below): 224
//     rules for about 120 vendors, Stripe, OpenAI, Anthropic, PyPI, npm,
//     Twilio, SendGrid, Vault, Telegram (also a bot token in a URL path),
//     Discord (also webhook URLs), Shopify, DigitalOcean, Hugging Face, ...
//     Each gets the kind "<vendor>_token" (stripe_token, vault_token) unless
//     an existing kind fits, so a pseudonym still names the vendor.
//   - Named values: the values of key-value pairs whose key names a secret
//     (password=, passwd:, "secret": "...", <password>..</password>, --token
//     x, X-API-Key:, Authorization:, Cookie:/Set-Cookie:, JSESSIONID=,
//     PHPSESSID=), AWS secret keys and Azure keys and SAS signatures by their
//     key names, URL user:password, connection strings that carry a password
//     (postgres://u:p@h/db, jdbc:...;password=, Server=..;Password=..), and
//     Bearer tokens. Only the value is reported, so the log still says which
//     setting leaked.
//   - Generic secrets: a value that looks random (16 or more token bytes
//     mixing letters and digits, 3 or more bits of entropy per byte) after
//     any key-like name (one holding key, token, secret, passw, pwd, auth,
//     credential, creds, signature, cookie, session, salt, hmac, bearer,
//     jwt), in any of the syntaxes above and CLI tables. UUIDs and hex of
//     digest length (32, 40, 64, 128) stay readable there: logs use them as
//     ids. The cost on the loghub sample is zero: no span of a secret kind.
//   - Credentials by shape: Authorization: Basic <base64> (password),
//     curl -u/--user name:password, sshpass -p 'pw', mysql -pSECRET and
//     -p SECRET (and mysqldump, mysqladmin, mariadb, psql, mongo, ...),
//     <wsse:Password Type="...">, HAR {"name": "X-Api-Key", "value": "..."},
//     CSV-quoted JSON ("{""api_key"":""...""}"), a CSV column whose header
//     (in the scanned text) names a secret, CLI tables ("token    hvs..."),
//     the data: and stringData: values of a Kubernetes Secret manifest
//     (k8s_secret), and base64 of a PEM block or of a .dockerconfigjson
//     anywhere.
//   - Values split across lines: a CRI partial line ("<time> stdout P
//     <part>", then "... F <rest>") and a token hard-wrapped at 64, 76 or 80
//     columns are scanned joined; the span runs from the first part to the
//     end of the second, over the line break and the next line's prefix.
//
// Personal data: e-mail addresses, card numbers (13-19 digits, Luhn and
// issuer prefix checked), IBANs (compact or in groups of four, country
// length and mod-97 checked), US SSNs (dashed, area/group/serial rules), phone
// numbers (+country code, (415) 555-0132, 415-555-0132; bare digit runs are
// never phone numbers), MAC addresses, IPv6 (parsed by net/netip, so times
// and MACs are not addresses), IPv4 (octets 0-255 without leading zeros),
// host names and user names.
//
// Host names are dotted names whose last label is in a compact TLD list
// ([Options.InternalTLDs] adds private ones), plus names that are hosts by
// position: a URL's host, the host field of a syslog header, host= values,
// user@host, Java's host/1.2.3.4 and name-with-digit:port. The list leaves
// out TLDs that collide with file extensions and property names (.py, .sh,
// .id, .ms, ...) unless the context says host; names starting like a Java
// package (org., com., java., android.) are never hosts. User names are
// found by context: sshd, PAM, sudo, cron and Spark messages, user= keys,
// home and per-user directories.
//
// A dotted quad is not an address when a version context says so: after
// the word version (ver, release, build, firmware, kernel, ...), inside a
// longer dotted run (1.2.3.4.5, 1.2.3.4.jar), before "-SNAPSHOT"-like
// suffixes, or as a User-Agent product version (Chrome/120.0.0.0).
//
// Every further occurrence of a found value of six or more bytes is
// reported too, so a password logged once after "password=" is also caught
// in the error message that repeats it.
//
// Overlaps are resolved so spans never overlap: a secret beats personal
// data, then the longer span wins, then the more specific kind (a GitHub
// token after "token=" is a github_token, not a generic secret).
//
// # Keep list
//
// The zero [Options] keeps values that identify nobody: loopback
// (127.0.0.0/8, ::1, localhost) and documentation values (192.0.2.0/24,
// 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, example.com/.net/.org and
// the .example, .test and .invalid TLDs). RedactLoopback and
// RedactDocumentation turn that off; [Options.Allow] adds exact values,
// domains and CIDR prefixes. Unspecified addresses (0.0.0.0, ::), netmasks,
// broadcast addresses and all-zero or all-one MACs are never reported.
//
// # Pseudonyms
//
// [Redactor.Pseudonym] is "[" + upper-case kind + ":" + the first
// [PseudonymHexLen] hex digits of HMAC-SHA256(key, kind + "\x00" + value) +
// "]", e.g. "[IPV4:7f3a9c01d2]": the same value gets the same token in every
// window and file, and without the key it cannot be reversed or guessed.
// Redacting redacted text changes nothing.
//
// # Windows
//
// A window cut out of a larger file may cut a secret in half. Pass the
// window with context bytes on both sides to [Redactor.RedactRange]; a value
// crossing the window's edge is found whole in the context and its part
// inside the window is replaced by the whole value's pseudonym. 4 KiB of
// context on each side is enough for every kind but PEM keys, whose BEGIN
// line must be in the context: use 8 KiB before the window for those (a
// 4096-bit RSA key is about 3.3 KiB). A CSV column is only read as a secret
// when its header line is in the text, so a window of a CSV file needs the
// header in its context (or is read by the generic rule alone).
//
// # Speed
//
// Two passes over the bytes do the work. In the first, most bytes cost a
// table lookup, and a hand-written rule runs only where its first byte can
// start what it looks for (a digit, '@', '=' or ':', the 'e' of "eyJ", the
// 'A' of "AKIA", ...). The second finds the vendor rules' keywords by a
// hash of their first four bytes (one test per byte); a rule's regex runs
// only at or around a keyword. BenchmarkFind_Corpus and
// BenchmarkRedact_2000Lines print the numbers, in wall and CPU time.
//
// # Vendor rules
//
// The table is two TOML files in rules/, embedded and compiled at init:
// gitleaks.toml, gitleaks' maintained rule file copied unchanged (pinned
// commit and MIT license in its header and in LICENSE.gitleaks), and
// local.toml, our own rules in the same schema for shapes logs hold and
// that file does not. Each rule has an id, a Go (RE2) regex, keywords, and
// optionally secretGroup, entropy (minimum Shannon entropy of the secret)
// and allowlists (regexes on the secret, the match or the line; stopwords);
// local rules may name their kind. The secret is the secretGroup, else the
// first group that matched, else the match. At load time gitleaks' leading
// "[\w.-]{0,50}?" (the rest of a key name) is dropped so that the regex
// starts at its keyword and runs anchored there, and its value terminator
// also accepts \ , ) } ] & < | (JSON inside JSON ends a value with \").
// vendor.go lists the gitleaks rules not loaded and why (generic-api-key,
// private-key, jwt: hand-written rules do better; path-bound rules).
//
// gitleaks' rule file was chosen over trufflehog's detectors (Go code with
// an HTTP verifier each, AGPL, no keywords to share a pass) and
// secrets-patterns-db (YAML of PCRE patterns, many not RE2, no keywords or
// entropy): it is MIT, RE2 already (gitleaks is Go), maintained with tests
// upstream, and every rule carries the keywords that make a prefilter
// possible. The gitleaks Go module itself is not imported: its detect API
// reports lines and columns in files, not byte spans in a buffer, and it
// brings some fifty modules.
//
// # Adding a rule or a kind
//
// A vendor token is one [[rules]] entry in rules/local.toml (id, regex,
// keywords; kind if not "<vendor>_token") plus its values in
// piitest/planted.go's vendorTokens, whose test then checks it. To update
// gitleaks' rules, copy the new file over rules/gitleaks.toml below its
// header, update the commit there, and run go test ./store/pii/...: every
// rule must compile, and the labelled set and loghub tests catch new false
// positives. A key name is one entry in classifyKey (kv.go) or the generic
// words (shapes.go); a new fixed kind is one constant in kind.go, its place
// in kindOrder, its rule, and labelled lines in testdata/gen_crafted.py.
//
// # Known limits
//
// Bare single-label host names in free text ("connect to db01") and user
// names outside the contexts above are not found; "user@public-host.com" is
// reported as an e-mail; SSNs without dashes, phone numbers without a
// country code or US layout, and AWS secret keys without a key name are not
// found; -u/-p flags are only read for docker/podman login, mysql and its
// kin, psql, mongo, sshpass, smbclient and redis-cli (and curl's -u). A
// random value after a name with no key-like word ("blob=Zk39...") is not a
// secret, nor is a vendor token of a vendor no rule knows. A CSV column is
// only read when its header line is in the text scanned: a window from the
// middle of a CSV file needs the header in its context bytes. Only the
// 2,048 bytes after a vendor keyword are searched, and one rule runs at
// most 32 times per line; legacy Vault tokens ("s." + 24) are found only
// after a key name. A value split across lines is joined only for CRI
// partial lines and for lines of exactly 64, 76 or 80 bytes. Values are
// scanned as bytes: invalid UTF-8 in the input stays in Span.Value; UTF-16
// text must be decoded before it is scanned.
//
// # Kinds
//
// Secrets: private_key, jwt, aws_access_key_id, aws_secret_key,
// gcp_api_key, azure_key, github_token, gitlab_token, slack_token, the
// vendor kinds (<vendor>_token, see [VendorRules]), k8s_secret,
// connection_string, url_with_credentials, bearer_token, api_key, password,
// secret, session_id, cookie. Personal data: email, credit_card, iban, ssn,
// phone_number, mac_address, ipv6, ipv4, hostname, username. [Kinds] lists
// them all, most specific first.
package pii
