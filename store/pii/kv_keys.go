package pii

import "bytes"

// Which keys name a secret or personal value.

type keyClass uint8

const (
	kcNone keyClass = iota
	kcPassword
	kcSecret
	kcAPIKey
	kcAWSSecret
	kcAzure
	kcSig
	kcSession
	kcCookie
	kcAuthorization
	kcUser
	kcHost
	kcGeneric // a key-like name: the value is reported when it looks random
)

// normKey lowercases key and drops everything but letters and digits, so
// "X-API-Key", "api_key" and "apiKey" all become "apikey".
func normKey(key []byte, buf *[64]byte) []byte {
	n := 0
	for _, c := range key {
		if isAlnum(c) && n < len(buf) {
			buf[n] = lower(c)
			n++
		}
	}
	return buf[:n]
}

// lastPart is the lowercased part of key after its last _ - or . separator.
func lastPart(key []byte) string {
	i := len(key) - 1
	for i >= 0 && key[i] != '_' && key[i] != '-' && key[i] != '.' {
		i--
	}
	p := key[i+1:]
	if len(p) > 8 {
		return ""
	}
	var b [8]byte
	for j, c := range p {
		b[j] = lower(c)
	}
	return string(b[:len(p)])
}

func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}

func classifyKey(key []byte) keyClass {
	var buf [64]byte
	k := normKey(key, &buf)
	if len(k) < 2 {
		return kcNone
	}
	switch string(k) {
	case "authorization", "proxyauthorization":
		return kcAuthorization
	case "cookie", "setcookie":
		return kcCookie
	case "jsessionid", "phpsessid", "sessionid", "sessid", "aspnetsessionid", "connectsid", "laravelsession":
		return kcSession
	case "sig":
		return kcSig
	case "pwd", "pass", "pw", "pword":
		return kcPassword
	case "user", "username", "ruser", "logname", "login", "loginname", "uname", "loginuser", "uid", "acct":
		return kcUser
	case "host", "hostname", "rhost", "remotehost", "fqdn", "servername", "nodename", "node":
		return kcHost
	case "nexttoken", "nextpagetoken", "pagetoken", "continuationtoken", "synctoken", "cursortoken", "wtoken":
		return kcNone
	}
	if len(k) < 3 {
		return kcNone
	}
	// Suffix rules, dispatched on the last three bytes so that most keys
	// (timestamps, "tty", "euid", "level") cost one switch.
	switch string(k[len(k)-3:]) {
	case "ord", "swd", "ase", "ode", "pwd":
		if hasSuffix(k, "password") || hasSuffix(k, "passwd") || hasSuffix(k, "passphrase") || hasSuffix(k, "pwd") {
			return kcPassword
		}
		if hasSuffix(k, "secretkeybase") {
			return kcSecret
		}
	case "key":
		switch {
		case bytes.Contains(k, []byte("awssecret")) || hasSuffix(k, "secretaccesskey"):
			return kcAWSSecret
		case hasSuffix(k, "accountkey") || hasSuffix(k, "sharedaccesskey"):
			return kcAzure
		case hasSuffix(k, "apikey") || hasSuffix(k, "accesskey") || hasSuffix(k, "subscriptionkey") || hasSuffix(k, "appkey"):
			return kcAPIKey
		case hasSuffix(k, "secretkey") || hasSuffix(k, "privatekey") || hasSuffix(k, "signingkey") ||
			hasSuffix(k, "encryptionkey") || hasSuffix(k, "masterkey") || hasSuffix(k, "authkey"):
			return kcSecret
		}
	case "ken":
		switch {
		case hasSuffix(k, "apitoken") || hasSuffix(k, "privatetoken"):
			return kcAPIKey
		case hasSuffix(k, "token"):
			return kcSecret
		}
	case "ret":
		if bytes.Contains(k, []byte("awssecret")) {
			return kcAWSSecret
		}
		if hasSuffix(k, "secret") {
			return kcSecret
		}
	case "ure":
		if hasSuffix(k, "signature") {
			return kcSecret
		}
	case "ser":
		// dbuser, smtp_user; not parser, browser or superuser-like ruser.
		if hasSuffix(k, "user") && !hasSuffix(k, "ruser") {
			return kcUser
		}
	case "ame":
		if hasSuffix(k, "username") {
			return kcUser
		}
	}
	if bytes.Contains(k, []byte("awssecret")) {
		return kcAWSSecret
	}
	switch lastPart(key) {
	case "pass", "pw":
		return kcPassword
	}
	return kcNone
}

// classifyKeyAt is classifyKey, and kcGeneric for a key-like name whose
// value at v (after blanks and quotes) is long enough to look random: the
// check of the name is left for the values that can be generic secrets.
func classifyKeyAt(key, t []byte, v int) keyClass {
	cls := classifyKey(key)
	if cls == kcNone && longRunAt(t, v) && isGenericKey(normKey(key, new([64]byte))) {
		return kcGeneric
	}
	return cls
}

// classifyKeyAny is classifyKey with kcGeneric for any key-like name.
func classifyKeyAny(key []byte) keyClass {
	cls := classifyKey(key)
	if cls == kcNone && isGenericKey(normKey(key, new([64]byte))) {
		return kcGeneric
	}
	return cls
}

// longRunAt reports whether 16 token bytes follow v, after up to 8 blanks,
// quotes, backslashes and '=', '>' or ':'.
func longRunAt(t []byte, v int) bool {
	for k := 0; k < 8 && v < len(t); k++ {
		switch t[v] {
		case ' ', '\t', '"', '\'', '\\', '=', '>', ':', '`':
			v++
			continue
		}
		break
	}
	for j := v; j < v+16; j++ {
		if j >= len(t) || ctab[t[j]]&(cB64URL|cB64Std) == 0 && t[j] != '.' && t[j] != '~' && t[j] != '%' {
			return false
		}
	}
	return true
}
