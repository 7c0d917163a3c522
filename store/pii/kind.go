package pii

import (
	"slices"
	"strings"
)

// Kind names what a span holds. The values are stable lowercase names: they
// are stored in the pii_type column and used in pseudonyms, so never rename
// one.
type Kind string

// Secret kinds: credentials that grant access. They win every overlap with a
// personal-data kind.
const (
	KindPrivateKey         Kind = "private_key"          // PEM block, BEGIN to END line
	KindJWT                Kind = "jwt"                  // header.payload.signature
	KindAWSAccessKeyID     Kind = "aws_access_key_id"    // AKIA..., ASIA..., ...
	KindAWSSecretKey       Kind = "aws_secret_key"       // value of aws_secret_access_key and the like
	KindGCPAPIKey          Kind = "gcp_api_key"          // AIza...
	KindAzureKey           Kind = "azure_key"            // AccountKey=, SharedAccessKey=, SAS sig=
	KindGitHubToken        Kind = "github_token"         // ghp_, gho_, ghu_, ghs_, ghr_, github_pat_
	KindGitLabToken        Kind = "gitlab_token"         // glpat-
	KindSlackToken         Kind = "slack_token"          // xoxb- and friends, webhook paths
	KindConnectionString   Kind = "connection_string"    // whole DSN that carries a password
	KindURLWithCredentials Kind = "url_with_credentials" // the user:password part of a URL
	KindBearerToken        Kind = "bearer_token"         // token after "Bearer"
	KindAPIKey             Kind = "api_key"              // value of api_key=, X-API-Key: ...
	KindPassword           Kind = "password"             // value of password=, passwd:, Basic auth
	KindSecret             Kind = "secret"               // value of secret=, token=, client_secret= ...
	KindSessionID          Kind = "session_id"           // JSESSIONID=, PHPSESSID=, sessionid= ...
	KindCookie             Kind = "cookie"               // other Cookie:/Set-Cookie: values
	KindK8sSecret          Kind = "k8s_secret"           // values of a Kubernetes Secret's data: block
)

// Vendor-token kinds are not constants: each rule of the vendor table
// (vendor.go) names its kind, by default "<vendor>_token" ("stripe_token",
// "openai_token", "vault_token", ...). [Kinds] lists them all.

// Personal-data kinds.
const (
	KindEmail       Kind = "email"
	KindCreditCard  Kind = "credit_card"
	KindSSN         Kind = "ssn"
	KindPhoneNumber Kind = "phone_number"
	KindMACAddress  Kind = "mac_address"
	KindIPv6        Kind = "ipv6"
	KindIPv4        Kind = "ipv4"
	KindHostname    Kind = "hostname"
	KindUsername    Kind = "username"
	KindIBAN        Kind = "iban"
)

// kindOrder breaks ties between spans of equal extent: the more specific
// kind comes first, so "token=ghp_..." is a github_token, not a generic
// secret.
// Vendor kinds are inserted after KindSlackToken, when the rule table is
// loaded (vendorTable): every reader of kindOrder and kindRank outside a
// scan (which loads it first) calls vendorTable before.
var kindOrder = []Kind{
	KindPrivateKey, KindJWT, KindAWSAccessKeyID, KindAWSSecretKey, KindGCPAPIKey,
	KindAzureKey, KindGitHubToken, KindGitLabToken, KindSlackToken,
	KindK8sSecret, KindConnectionString, KindURLWithCredentials, KindBearerToken, KindAPIKey,
	KindPassword, KindSecret, KindSessionID, KindCookie,
	KindEmail, KindCreditCard, KindIBAN, KindSSN, KindPhoneNumber, KindMACAddress,
	KindIPv6, KindIPv4, KindHostname, KindUsername,
}

// fixedKinds is kindOrder without the vendor kinds.
var fixedKinds = append([]Kind(nil), kindOrder...)

var kindRank = rankKinds()

func rankKinds() map[Kind]int {
	m := make(map[Kind]int, len(kindOrder))
	for i, k := range kindOrder {
		m[k] = i
	}
	return m
}

// registerKind adds a vendor secret kind, if new, and returns it. It only
// runs inside vendorTable's one load.
func registerKind(k Kind) Kind {
	if _, ok := kindRank[k]; ok {
		return k
	}
	at := kindRank[KindK8sSecret]
	kindOrder = slices.Insert(kindOrder, at, k)
	kindRank = rankKinds()
	return k
}

// Kinds returns every kind the detector reports, most specific first.
func Kinds() []Kind {
	vendorTable()
	return append([]Kind(nil), kindOrder...)
}

// IsSecret reports whether k is a credential rather than personal data.
func (k Kind) IsSecret() bool {
	vendorTable()
	r, ok := kindRank[k]
	return ok && r <= kindRank[KindCookie]
}

// upper is the kind as it appears in a pseudonym, e.g. "IPV4".
func (k Kind) upper() string { return strings.ToUpper(string(k)) }
