package pii

import "bytes"

// Rules for user names. A user name is only recognisable by context: the
// phrases sshd, PAM and su log around it, Spark's ACL lines, and home or
// per-user directories. key=value forms (user=, ruser=, logname=) are in
// kv.go.

// userWordsBefore are words that, before "user X", make X an account.
var userWordsBefore = map[string]bool{
	"invalid": true, "illegal": true, "for": true, "bad": true, "unknown": true,
	"new": true, "to": true, "as": true, "existing": true, "of": true,
}

// authMethods are the words before " for X from" in sshd messages.
var authMethods = map[string]bool{
	"password": true, "publickey": true, "none": true, "keyboard-interactive/pam": true,
	"keyboard-interactive": true, "hostbased": true, "gssapi-with-mic": true,
	"failures": true, "exceeded": true,
}

// userWord handles "user " or "username " at i (any case): "Invalid user
// X", "for user 'X'", "User X from", "of user X.", "user X not found".
func (s *scanner) userWord(i int) {
	t := s.t
	if !hasPrefixFold(t, i, "user") || i+5 >= len(t) || t[i+1] != 's' && t[i+1] != 'S' {
		return
	}
	vs := i + 4
	if hasPrefixFold(t, vs, "name") {
		vs += 4
	}
	if vs >= len(t) || t[vs] != ' ' {
		return // "username" at the end of the text
	}
	vs++
	q := byte(0)
	if vs < len(t) && (t[vs] == '"' || t[vs] == '\'') {
		q = t[vs]
		vs++
	}
	ve := userEnd(t, vs)
	if ve == vs {
		return
	}
	if q != 0 {
		if ve >= len(t) || t[ve] != q {
			return
		}
	}
	after := ve
	if q != 0 {
		after++
	}
	b, e := wordBefore(t, i, " ", 1)
	if !userWordsBefore[string(lowerBuf(new([32]byte), t[b:e]))] && !userAfter(t, after) {
		return
	}
	if (q != 0 || userFollow(t, ve)) && validUser(t[vs:ve], true) && !stopUser(t[vs:ve]) {
		s.add(KindUsername, vs, ve)
	}
}

// userAfter reports whether the words after a name make it a user name.
func userAfter(t []byte, i int) bool {
	for _, p := range []string{" from ", " not found", " not allowed", " does not exist", " doesn't exist", " unknown"} {
		if hasPrefixFold(t, i, p) {
			return true
		}
	}
	return false
}

// forWord handles "for " at i in sshd's "Failed password for X from ...".
func (s *scanner) forWord(i int) {
	t := s.t
	if i == 0 || t[i-1] != ' ' || !bytes.HasPrefix(t[i:], []byte("for ")) {
		return
	}
	b, e := wordBefore(t, i-1, "", 0)
	if !authMethods[string(lowerBuf(new([32]byte), t[b:e]))] {
		return
	}
	vs := i + 4
	ve := userEnd(t, vs)
	if ve == vs || hasPrefixFold(t, vs, "invalid user ") || hasPrefixFold(t, vs, "illegal user ") {
		return
	}
	if !(hasPrefixFold(t, ve, " from ") || hasPrefixFold(t, ve, " [preauth]") || hasPrefixFold(t, ve, " port ")) {
		return
	}
	if validUser(t[vs:ve], true) {
		s.add(KindUsername, vs, ve)
	}
}

// byUser handles "by " at i in PAM's "session opened for user root by
// alice(uid=1000)".
func (s *scanner) byUser(i int) {
	t := s.t
	if !bytes.HasPrefix(t[i:], []byte("by ")) {
		return
	}
	vs := i + 3
	ve := userEnd(t, vs)
	if ve > vs && t[vs] >= 'a' && t[vs] <= 'z' && bytes.HasPrefix(t[ve:], []byte("(uid=")) && validUser(t[vs:ve], false) {
		s.add(KindUsername, vs, ve)
	}
}

// sudoUser handles "sudo" at i in sudo's "sudo[42]:    alice : TTY=pts/0
// ; PWD=... ; USER=root ; COMMAND=...".
func (s *scanner) sudoUser(i int) {
	t := s.t
	if !bytes.HasPrefix(t[i:], []byte("sudo")) {
		return
	}
	vs := i + 4
	if vs < len(t) && t[vs] == '[' {
		for vs < len(t) && vs-i < 16 && t[vs] != ']' {
			vs++
		}
		vs++
	}
	if vs >= len(t) || t[vs] != ':' {
		return
	}
	vs++
	for vs < len(t) && t[vs] == ' ' {
		vs++
	}
	ve := userEnd(t, vs)
	if ve > vs && bytes.HasPrefix(t[ve:], []byte(" : ")) && validUser(t[vs:ve], false) {
		s.add(KindUsername, vs, ve)
	}
}

// cronUser handles '(' at i in cron's "(root) CMD (...)".
func (s *scanner) cronUser(i int) {
	t := s.t
	vs := i + 1
	ve := userEnd(t, vs)
	if ve > vs && bytes.HasPrefix(t[ve:], []byte(") CMD ")) && validUser(t[vs:ve], false) {
		s.add(KindUsername, vs, ve)
	}
}

var mysqlUserHost = []byte("User@Host: ")

// mysqlUser handles MySQL's slow-log header "# User@Host: shop[shop] @
// app-3.internal [10.0.5.13]" when t[i:] starts with it.
func (s *scanner) mysqlUser(i int) {
	t := s.t
	if !bytes.HasPrefix(t[i:], mysqlUserHost) {
		return
	}
	vs := i + len(mysqlUserHost)
	ve := userEnd(t, vs)
	if ve == vs || ve >= len(t) || t[ve] != '[' || !validUser(t[vs:ve], false) {
		return
	}
	s.add(KindUsername, vs, ve)
	ws := ve + 1
	we := userEnd(t, ws)
	if we > ws && we < len(t) && t[we] == ']' && validUser(t[ws:we], false) {
		s.add(KindUsername, ws, we)
	}
}

// cmdLineFlags are commands whose -u/-U and -p flags take a user name and
// a password. Other commands use these letters for anything ("git push -u
// origin"), so only these count.
var cmdLineFlags = []string{"docker login", "podman login", "mysql ", "mysqldump ", "mysqladmin ", "mariadb ", "psql ", "pg_dump ", "mongo ", "mongosh ", "sshpass ", "smbclient ", "redis-cli "}

// gluedPassword are commands whose -p takes the password glued to it
// (mysql -pSECRET).
var gluedPassword = []string{"mysql ", "mysqldump ", "mysqladmin ", "mariadb "}

// shortFlag handles " -u X", " -U X" and " -p X" at i (t[i] is '-') on a
// command line of one of cmdLineFlags.
func (s *scanner) shortFlag(i int) {
	t := s.t
	if i+3 < len(t) && t[i+1] == 'p' && t[i+2] > ' ' && t[i+2] != '-' {
		s.gluedFlag(i)
		return
	}
	if i+3 >= len(t) || t[i+2] != ' ' || t[i+3] == '-' {
		return
	}
	if t[i+1] == 'u' && curlLine(t, i) && s.userColonPassword(i+3) {
		return
	}
	f := t[i+1]
	if f != 'u' && f != 'U' && f != 'p' {
		return
	}
	// The command is at most a few hundred bytes back on the same line.
	ls := max(0, i-256)
	if nl := bytes.LastIndexByte(t[ls:i], '\n'); nl >= 0 {
		ls += nl + 1
	}
	ok := false
	for _, c := range cmdLineFlags {
		if bytes.Contains(t[ls:i], []byte(c)) {
			ok = true
			break
		}
	}
	if !ok {
		return
	}
	vs := i + 3
	if f == 'p' {
		if t[vs] == '\'' || t[vs] == '"' {
			// sshpass -p 'pw': the quoted value, blanks and all.
			if e := bytes.IndexByte(t[vs+1:min(len(t), vs+257)], t[vs]); e > 0 {
				if !placeholder(t[vs+1 : vs+1+e]) {
					s.add(KindPassword, vs+1, vs+1+e)
				}
			}
			return
		}
		ve := tokenEnd(t, vs, 0)
		if ve > vs && !placeholder(t[vs:ve]) {
			s.add(KindPassword, vs, ve)
			s.tokenAt(vs)
		}
		return
	}
	ve := userEnd(t, vs)
	if ve > vs && userFollow(t, ve) && validUser(t[vs:ve], false) {
		s.add(KindUsername, vs, ve)
	}
}

var (
	aclsTo   = []byte("acls to: ")
	permsSet = []byte("permissions: Set(")
)

// userList handles Spark's "Changing view acls to: yarn,curi" and "users
// with view permissions: Set(yarn, curi)" when t[i:] starts with lit: it
// reports the comma-separated names that follow.
func (s *scanner) userList(i int, lit []byte) {
	t := s.t
	if !bytes.HasPrefix(t[i:], lit) {
		return
	}
	j := i + len(lit)
	for j < len(t) {
		for j < len(t) && t[j] == ' ' {
			j++
		}
		ve := userEnd(t, j)
		if ve == j {
			return
		}
		if validUser(t[j:ve], false) {
			s.add(KindUsername, j, ve)
		}
		j = ve
		if j >= len(t) || t[j] != ',' {
			return
		}
		j++
	}
}

// lowerBuf writes a lowercased copy of at most the first 32 bytes of b to
// buf and returns it. Callers pass new([32]byte), which stays on the stack.
func lowerBuf(buf *[32]byte, b []byte) []byte {
	if len(b) > len(buf) {
		b = b[:len(buf)]
	}
	for k, c := range b {
		buf[k] = lower(c)
	}
	return buf[:len(b)]
}

func userEnd(t []byte, i int) int {
	j := i
	for j < len(t) && j-i < 64 && (isAlnum(t[j]) || t[j] == '.' || t[j] == '_' || t[j] == '-' || t[j] == '$' || t[j] == '@') {
		j++
	}
	for j > i && (t[j-1] == '.' || t[j-1] == '-') {
		j--
	}
	return j
}

// userFollow reports whether what follows a user name ends it: a blank,
// end of line, or closing punctuation.
func userFollow(t []byte, i int) bool {
	if i >= len(t) {
		return true
	}
	switch t[i] {
	case ' ', '\n', '\r', '\t', '[', '(', ',', ';', ')', ':', '"', '\'', '.':
		return true
	}
	return false
}

// stopUser lists words that follow "user" without being a name.
func stopUser(v []byte) bool {
	switch string(lowerBuf(new([32]byte), v)) {
	case "unknown", "name", "id", "not", "is", "has", "was", "authentication", "account", "with",
		"from", "the", "a", "an", "and", "or", "in", "on", "for", "by", "to", "does", "list",
		"request", "session", "login", "logged", "data", "info", "cache", "agent", "space":
		return true
	}
	return false
}

// userDirs are directories whose child is a user name. "/user/" (HDFS
// home directories) only counts at the start of a path, because in a web
// path ("GET /user/settings") it is part of a route.
var userDirs = []struct {
	lit       string
	needStart bool
	after     string // required after the name, if any
}{
	{"/home/", true, ""},
	{"/Users/", true, ""},
	{"\\Users\\", false, ""},
	{"/user/", true, "/"},
	{"/usercache/", false, "/"},
	{"/staging/", false, "/.staging"},
}

// userPath handles '/' or '\\' at i: the child of a home or per-user
// directory.
func (s *scanner) userPath(i int) {
	t := s.t
	for _, ud := range userDirs {
		if !bytes.HasPrefix(t[i:], []byte(ud.lit)) {
			continue
		}
		if ud.needStart && !pathStart(t, i) {
			return
		}
		if ud.lit == "\\Users\\" && !(i >= 2 && t[i-1] == ':' && isAlpha(t[i-2])) {
			return
		}
		vs := i + len(ud.lit)
		ve := vs
		for ve < len(t) && ve-vs < 33 && (isAlnum(t[ve]) || t[ve] == '.' || t[ve] == '_' || t[ve] == '-') {
			ve++
		}
		if ve == vs || ve-vs > 32 || t[vs] == '.' {
			return
		}
		if ud.after != "" {
			if !bytes.HasPrefix(t[ve:], []byte(ud.after)) {
				return
			}
		} else if ve < len(t) && !(t[ve] == '/' || t[ve] == '\\' || userFollow(t, ve)) {
			return
		}
		v := t[vs:ve]
		switch string(lowerBuf(new([32]byte), v)) {
		case "shared", "public", "default", "all users", "guest", "localservice", "networkservice":
			return
		}
		if validUser(v, false) {
			s.add(KindUsername, vs, ve)
		}
		return
	}
}

// pathStart reports whether the '/' at i begins a path: after a blank,
// '=', ':', a quote or '(' — or after "hdfs://host:port". A path after an
// HTTP method is a web route and does not count.
func pathStart(t []byte, i int) bool {
	if i == 0 {
		return true
	}
	switch t[i-1] {
	case ' ', '\t', '=', '"', '\'', '(', '[':
		b, e := wordBefore(t, i, " \t", 1)
		switch string(t[b:e]) {
		case "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS":
			return false
		}
		return true
	case ':':
		return true
	}
	// hdfs://host:9000/user/x
	j := i - 1
	for j > 0 && i-j < 256 && t[j] > ' ' && t[j] != '/' {
		j--
	}
	return j >= 2 && t[j] == '/' && t[j-1] == '/' && t[j-2] == ':'
}

// gluedFlag handles "-pSECRET" (t[i] is '-') on a mysql-family command
// line, where the password is glued to the flag.
func (s *scanner) gluedFlag(i int) {
	t := s.t
	ls := max(0, i-256)
	if nl := bytes.LastIndexByte(t[ls:i], '\n'); nl >= 0 {
		ls += nl + 1
	}
	ok := false
	for _, c := range gluedPassword {
		if bytes.Contains(t[ls:i], []byte(c)) {
			ok = true
			break
		}
	}
	if !ok {
		return
	}
	vs := i + 2
	if t[vs] == '\'' || t[vs] == '"' {
		if e := bytes.IndexByte(t[vs+1:min(len(t), vs+257)], t[vs]); e > 0 && !placeholder(t[vs+1:vs+1+e]) {
			s.add(KindPassword, vs+1, vs+1+e)
		}
		return
	}
	ve := tokenEnd(t, vs, 0)
	if ve > vs && !placeholder(t[vs:ve]) {
		s.add(KindPassword, vs, ve)
	}
}

// curlLine reports whether the line holding i runs curl before i, whose -u
// takes name:password.
func curlLine(t []byte, i int) bool {
	ls := max(0, i-512)
	if nl := bytes.LastIndexByte(t[ls:i], '\n'); nl >= 0 {
		ls += nl + 1
	}
	return bytes.Contains(t[ls:i], []byte("curl "))
}
