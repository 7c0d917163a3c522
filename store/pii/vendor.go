package pii

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// Vendor tokens come from a rule table, not from code: gitleaks' maintained
// rule file (rules/gitleaks.toml, pinned, MIT) and our own additions in the
// same schema (rules/local.toml). Each rule is a Go (RE2) regular expression
// with keywords; the regex runs only near a keyword, found by one
// case-insensitive pass over the text.

//go:embed rules/gitleaks.toml
var gitleaksTOML []byte

//go:embed rules/local.toml
var localTOML []byte

// skipRules are gitleaks rules we do not load, with the reason.
var skipRules = map[string]string{
	"generic-api-key":        "genericSecret in kv.go does this with key names and entropy, at a fraction of the cost",
	"private-key":            "pem in tokens.go also finds truncated and \\n-flattened keys",
	"jwt":                    "jwt in tokens.go",
	"kubernetes-secret-yaml": "multi-line and path-bound; k8sData in shapes.go reads data: blocks",
	"pkcs12-file":            "matches file paths only",
	"hashicorp-tf-password":  "path-bound to .tf files; password= is a kv rule",
	"nuget-config-password":  "path-bound to nuget.config; <add key=\"ClearTextPassword\"> is a kv rule",
	"sidekiq-sensitive-url":  "a URL with user:password is url_with_credentials",
	"slack-webhook-url":      "slackHook in tokens.go reports the secret path, not the host",
}

// dropKeywords removes keywords that occur in ordinary log text so often
// that the prefilter would let through most lines.
var dropKeywords = map[string][]string{
	// Legacy "s.<24>" Vault tokens: "s." ends every other sentence. The
	// hvs./hvb. forms are still found, and so is a legacy token after a
	// key name (token=s.xxx) by genericSecret.
	"vault-service-token": {"s."},
}

// familyKinds maps a rule's vendor (its id up to the first '-') to an
// existing kind; other vendors get Kind(vendor + "_token").
var familyKinds = map[string]Kind{
	"aws":    KindAWSSecretKey,
	"gcp":    KindGCPAPIKey,
	"github": KindGitHubToken,
	"gitlab": KindGitLabToken,
	"slack":  KindSlackToken,
	"jwt":    KindJWT,
	"curl":   KindPassword,
	"azure":  KindAzureKey,
}

// idKinds maps single rules to a kind, before familyKinds.
var idKinds = map[string]Kind{
	"aws-access-token": KindAWSAccessKeyID,
	"curl-auth-header": KindAPIKey,
}

// vendorRule is one compiled rule.
type vendorRule struct {
	id, desc string
	kind     Kind
	re       *regexp.Regexp
	// anchored is re matched only at the start of its input, used when
	// every match begins with a keyword: the regex then runs once per
	// keyword hit and gives up at the first byte that does not fit.
	anchored    *regexp.Regexp
	wordStart   bool // re begins with \b
	secretGroup int
	entropy     float64
	allow       []vendorAllow
	keywords    []string
	local       bool
}

type vendorAllow struct {
	target    string // "secret" (default), "match" or "line"
	regexes   []*regexp.Regexp
	stopwords []string
}

type vendorSet struct {
	rules []*vendorRule
	kws   []vendorKeyword
	// quads has a bit for a hash of the first four bytes of each keyword
	// (lowercase), byStart lists the keywords by those bytes. Keywords of
	// two or three bytes ("sk", "hf_", "sg.", ":aa") are in short, by their
	// first byte: scan tries them where a word or a ':' or '~' starts,
	// which keeps the pass over every byte to one bitmap test.
	quads      [1 << 10]uint64
	byStart    map[uint32][]int
	shortPairs [1 << 10]uint64 // first two bytes of the short keywords
	short      [256][]int
	global     vendorAllow
}

type vendorKeyword struct {
	text  string
	rules []int
}

type tomlAllow struct {
	Description string
	Condition   string
	RegexTarget string `toml:"regexTarget"`
	Regexes     []string
	Paths       []string
	Stopwords   []string
}

type tomlRule struct {
	ID          string
	Description string
	Regex       string
	Path        string
	SecretGroup int `toml:"secretGroup"`
	Entropy     float64
	Keywords    []string
	Allowlists  []tomlAllow
	Kind        string
}

type tomlConfig struct {
	Allowlist tomlAllow
	Rules     []tomlRule
}

// vendorTable is the rule table, loaded on first use (or by Preload): the
// files are embedded, so a rule that does not compile is a bug that every
// test run catches. Loading takes about 90 ms (TOML and ~200 regexes); at
// init it delayed every command's start, serve's first answer among them.
var vendorTable = sync.OnceValue(mustLoadVendors)

// Preload loads the rule table now, so that the first detection does not
// wait for it: a server calls it in the background as it starts.
func Preload() { vendorTable() }

func mustLoadVendors() *vendorSet {
	vs, err := loadVendors(gitleaksTOML, localTOML)
	if err != nil {
		panic("pii: " + err.Error())
	}
	return vs
}

func loadVendors(files ...[]byte) (*vendorSet, error) {
	vs := &vendorSet{byStart: map[uint32][]int{}}
	kwIndex := map[string]int{}
	for fi, f := range files {
		var cfg tomlConfig
		if _, err := toml.Decode(string(f), &cfg); err != nil {
			return nil, fmt.Errorf("rule file %d: %w", fi, err)
		}
		if fi == 0 {
			a, err := compileAllow(cfg.Allowlist)
			if err != nil {
				return nil, fmt.Errorf("global allowlist: %w", err)
			}
			vs.global = a
		}
		for _, tr := range cfg.Rules {
			if _, skip := skipRules[tr.ID]; skip || tr.Regex == "" || tr.Path != "" {
				continue
			}
			r, err := compileRule(tr, fi > 0)
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", tr.ID, err)
			}
			if len(r.keywords) == 0 {
				continue // no prefilter: it would run on every line
			}
			ri := len(vs.rules)
			vs.rules = append(vs.rules, r)
			for _, kw := range r.keywords {
				ki, ok := kwIndex[kw]
				if !ok {
					ki = len(vs.kws)
					kwIndex[kw] = ki
					vs.kws = append(vs.kws, vendorKeyword{text: kw})
					if len(kw) < 4 {
						vs.short[kw[0]] = append(vs.short[kw[0]], ki)
						p := uint32(kw[0])<<8 | uint32(kw[1])
						vs.shortPairs[p>>6] |= 1 << (p & 63)
					} else {
						w := uint32(kw[0])<<24 | uint32(kw[1])<<16 | uint32(kw[2])<<8 | uint32(kw[3])
						h := hashW(w)
						vs.quads[h>>6] |= 1 << (h & 63)
						vs.byStart[w] = append(vs.byStart[w], ki)
					}
				}
				vs.kws[ki].rules = append(vs.kws[ki].rules, ri)
			}
		}
	}
	return vs, nil
}

// keyPrefix opens gitleaks' "vendor name, assignment, value" rules. It
// only pulls the rest of a key name into the match, and a regex starting
// with it tries 50 positions per byte; without it the regex starts at the
// vendor name, which is a keyword, so it can run anchored at the hit.
const keyPrefix = `(?i)[\w.-]{0,50}?`

// valueEnd is how gitleaks' rules end a value: a quote, a blank, ';', a
// literal \n or \r, or the end. Logs also end values with a backslash (JSON
// inside JSON: \"), ',', ')', '}', ']', '&', '<' and '|', so those count
// too; a rule that then matches more fails closed.
const (
	valueEnd     = `(?:[\x60'"\s;]|\\[nr]|$)`
	valueEndLogs = `(?:[\x60'"\s;\\,)}\]&<|]|$)`
)

func compileRule(tr tomlRule, local bool) (*vendorRule, error) {
	stripped := false
	if rest, ok := strings.CutPrefix(tr.Regex, keyPrefix); ok {
		tr.Regex = "(?i)" + rest
		stripped = true
	}
	tr.Regex = strings.ReplaceAll(tr.Regex, valueEnd, valueEndLogs)
	re, err := regexp.Compile(tr.Regex)
	if err != nil {
		return nil, err
	}
	r := &vendorRule{
		id: tr.ID, desc: tr.Description, re: re, secretGroup: tr.SecretGroup,
		entropy: tr.Entropy, local: local, kind: ruleKind(tr),
	}
	if tr.SecretGroup > re.NumSubexp() {
		return nil, fmt.Errorf("secretGroup %d > %d groups", tr.SecretGroup, re.NumSubexp())
	}
	drop := dropKeywords[tr.ID]
	for _, kw := range tr.Keywords {
		kw = strings.ToLower(kw)
		if len(kw) < 2 || slices.Contains(drop, kw) {
			continue
		}
		r.keywords = append(r.keywords, kw)
	}
	for _, a := range tr.Allowlists {
		if len(a.Regexes) == 0 && len(a.Stopwords) == 0 {
			continue // paths only: we scan text, not files
		}
		if strings.EqualFold(a.Condition, "AND") && len(a.Paths) > 0 {
			continue // needs a path to hold too
		}
		ca, err := compileAllow(a)
		if err != nil {
			return nil, err
		}
		r.allow = append(r.allow, ca)
	}
	prefix, word := literalPrefix(tr.Regex)
	r.wordStart = word
	if stripped {
		// The regex now starts with the vendor names, which gitleaks
		// also lists as the keywords (also in the rules whose names are
		// case-sensitive alternatives, (?-i:ETSY|[Ee]tsy)).
		r.anchored, err = regexp.Compile(`^(?:` + tr.Regex + `)`)
		if err != nil {
			return nil, err
		}
	} else if prefix != "" && len(r.keywords) > 0 {
		ok := true
		for _, kw := range r.keywords {
			if !strings.HasPrefix(prefix, kw) && !strings.HasPrefix(kw, prefix) {
				ok = false
			}
		}
		if ok {
			if r.anchored, err = regexp.Compile(`^(?:` + tr.Regex + `)`); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

func compileAllow(a tomlAllow) (vendorAllow, error) {
	va := vendorAllow{target: a.RegexTarget}
	for _, s := range a.Regexes {
		re, err := regexp.Compile(s)
		if err != nil {
			return va, err
		}
		va.regexes = append(va.regexes, re)
	}
	for _, w := range a.Stopwords {
		va.stopwords = append(va.stopwords, strings.ToLower(w))
	}
	return va, nil
}

func ruleKind(tr tomlRule) Kind {
	if tr.Kind != "" {
		return registerKind(Kind(tr.Kind))
	}
	if k, ok := idKinds[tr.ID]; ok {
		return k
	}
	vendor, _, _ := strings.Cut(strings.Replace(tr.ID, "new-relic", "newrelic", 1), "-")
	if k, ok := familyKinds[vendor]; ok {
		return k
	}
	return registerKind(Kind(vendor + "_token"))
}

// literalPrefix returns the lowercased literal that every match of expr
// starts with (after \b, ^ and group openings), and whether expr starts
// with \b.
func literalPrefix(expr string) (string, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	word := false
	var walk func(r *syntax.Regexp) bool // false once the literal ends
	walk = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpCapture:
			return walk(r.Sub[0])
		case syntax.OpConcat:
			for _, s := range r.Sub {
				if !walk(s) {
					return false
				}
			}
			return true
		case syntax.OpWordBoundary:
			if b.Len() == 0 {
				word = true
			}
			return true
		case syntax.OpBeginText, syntax.OpBeginLine, syntax.OpEmptyMatch:
			return true
		case syntax.OpLiteral:
			for _, c := range r.Rune {
				if c >= 0x80 {
					return false
				}
				b.WriteByte(lower(byte(c)))
			}
			return true
		}
		return false
	}
	walk(re)
	return b.String(), word
}

// scanVendors runs the rule table over s.t. One pass finds keyword hits
// by their first four bytes (an 8 KiB bitmap, one test per byte), and each
// hit runs its rules' regexes at the hit or on the hit's line.
func (s *scanner) scanVendors() {
	vs := s.vs
	t := s.t
	if len(vs.rules) == 0 {
		return
	}
	var w uint32 // the lowercased bytes i-3 to i
	for i := 0; i < len(t); i++ {
		w = w<<8 | uint32(lowerTab[t[i]])
		if h := hashW(w); vs.quads[h>>6]&(1<<(h&63)) != 0 && i >= 3 {
			for _, ki := range vs.byStart[w] {
				s.vendorKeyword(i-3, ki)
			}
		}
	}
}

func hashW(w uint32) uint32 { return (w * 0x9E3779B1) >> 16 }

// hasShort reports whether a short keyword starts with the bytes a, b.
func (vs *vendorSet) hasShort(a, b byte) bool {
	p := uint32(lowerTab[a])<<8 | uint32(lowerTab[b])
	return vs.shortPairs[p>>6]&(1<<(p&63)) != 0
}

// vendorShort tries the short keywords at t[i]; scan calls it where a word
// or value starts and at ':' and '~', when hasShort says one may be there.
func (s *scanner) vendorShort(i int) {
	t := s.t
	for _, ki := range s.vs.short[lowerTab[t[i]]] {
		s.vendorKeyword(i, ki)
	}
}

// vendorKeyword runs the rules of keyword ki if it is at t[at].
func (s *scanner) vendorKeyword(at, ki int) {
	vs := s.vs
	t := s.t
	kw := &vs.kws[ki]
	if !hasPrefixFold(t, at, kw.text) {
		return
	}
	if at >= s.vLE || at < s.vLS {
		s.vLS = bytes.LastIndexByte(t[:at], '\n') + 1
		s.vLE = bytes.IndexByte(t[at:], '\n')
		if s.vLE < 0 {
			s.vLE = len(t)
		} else {
			s.vLE += at
		}
	}
	ls, le := s.vLS, s.vLE
	if s.vAnchLine == nil {
		s.vAnchLine = make([]int, len(vs.rules))
		s.vAnchRuns = make([]uint8, len(vs.rules))
		for j := range s.vAnchLine {
			s.vAnchLine[j] = -1
		}
	}
	for _, ri := range kw.rules {
		r := vs.rules[ri]
		if r.anchored != nil {
			if r.wordStart && at > 0 && isWord(t[at-1]) {
				continue
			}
			if s.vAnchLine[ri] != ls {
				s.vAnchLine[ri], s.vAnchRuns[ri] = ls, 0
			}
			if s.vAnchRuns[ri] >= maxAnchoredRuns {
				continue
			}
			s.vAnchRuns[ri]++
			// Most tokens are short, and a failing run costs in proportion
			// to its input: try 256 bytes first, all of it only when the
			// match reaches the cut ($ matches there, and a token may go on).
			lim := min(le, at+256)
			m := r.anchored.FindSubmatchIndex(t[at:lim])
			if m != nil && m[1] == lim-at && lim < min(le, at+maxVendorMatch) {
				lim = min(le, at+maxVendorMatch)
				m = r.anchored.FindSubmatchIndex(t[at:lim])
			}
			if m != nil {
				s.vendorFound(r, m, at, ls, le)
			}
			continue
		}
		// Region mode: once per line, around the keyword.
		if s.vLineOf == nil {
			s.vLineOf = make([]int, len(vs.rules))
			for j := range s.vLineOf {
				s.vLineOf[j] = -1
			}
		}
		if s.vLineOf[ri] == ls {
			continue
		}
		s.vLineOf[ri] = ls
		from := max(ls, at-maxVendorBack)
		for _, m := range r.re.FindAllSubmatchIndex(t[from:min(le, at+maxVendorMatch)], 8) {
			s.vendorFound(r, m, from, ls, le)
		}
	}
}

// maxVendorMatch bounds how far after its keyword a match may reach, and
// maxVendorBack how far before (for the rules whose keyword is inside the
// match, which run unanchored around it).
const (
	maxVendorMatch = 2048
	maxVendorBack  = 256
)

// maxAnchoredRuns bounds the runs of one rule on one line, so that a line
// of thousands of keywords ("curl curl curl ...") stays linear. Later hits
// of that rule on that line are not looked at.
const maxAnchoredRuns = 32

var lowerTab = func() (t [256]byte) {
	for i := range t {
		t[i] = lower(byte(i))
	}
	return t
}()

// vendorFound reports the secret of match m (offsets relative to base): the
// rule's secretGroup, else the first group that matched, else the match,
// unless the entropy is too low or an allowlist says no.
func (s *scanner) vendorFound(r *vendorRule, m []int, base, ls, le int) {
	ss, se := m[0], m[1]
	if r.secretGroup > 0 {
		ss, se = m[2*r.secretGroup], m[2*r.secretGroup+1]
	} else {
		for g := 1; 2*g+1 < len(m); g++ {
			if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
				ss, se = m[2*g], m[2*g+1]
				break
			}
		}
	}
	if ss < 0 || se <= ss {
		return
	}
	t := s.t
	secret := t[base+ss : base+se]
	if r.entropy > 0 && shannon(secret) < r.entropy {
		return
	}
	if placeholder(secret) {
		return
	}
	match, line := t[base+m[0]:base+m[1]], t[ls:le]
	if !r.local && vendorTable().global.allows(secret, match, line) {
		return
	}
	for i := range r.allow {
		if r.allow[i].allows(secret, match, line) {
			return
		}
	}
	s.add(r.kind, base+ss, base+se)
}

func (a *vendorAllow) allows(secret, match, line []byte) bool {
	target := secret
	switch a.target {
	case "match":
		target = match
	case "line":
		target = line
	}
	for _, re := range a.regexes {
		if re.Match(target) {
			return true
		}
	}
	if len(a.stopwords) > 0 {
		low := bytes.ToLower(secret)
		for _, w := range a.stopwords {
			if bytes.Contains(low, []byte(w)) {
				return true
			}
		}
	}
	return false
}

// shannon is the entropy of v in bits per byte, as gitleaks computes it.
func shannon(v []byte) float64 {
	if len(v) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range v {
		counts[c]++
	}
	n := float64(len(v))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// VendorRule describes one rule of the vendor-token table, for
// documentation and tests.
type VendorRule struct {
	ID          string
	Description string
	Kind        Kind
	Keywords    []string
	// Source is "gitleaks" for rules/gitleaks.toml, "local" for
	// rules/local.toml.
	Source string
}

// VendorRules returns the loaded vendor-token rules in table order.
func VendorRules() []VendorRule {
	out := make([]VendorRule, 0, len(vendorTable().rules))
	for _, r := range vendorTable().rules {
		src := "gitleaks"
		if r.local {
			src = "local"
		}
		out = append(out, VendorRule{ID: r.id, Description: r.desc, Kind: r.kind, Keywords: slices.Clone(r.keywords), Source: src})
	}
	return out
}
