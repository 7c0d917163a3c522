package pii

import (
	"slices"
	"strings"
	"testing"
)

// got returns the spans of text as "kind=value" strings.
func got(d *Detector, text string) []string {
	var out []string
	for _, s := range d.Find([]byte(text)) {
		out = append(out, string(s.Kind)+"="+s.Value)
	}
	return out
}

type findCase struct {
	name string
	text string
	want []string // "kind=value", in text order; nil means no span
}

func runFind(t *testing.T, d *Detector, cases []findCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if g := got(d, tc.text); !slices.Equal(g, tc.want) {
				t.Errorf("Find(%q)\n got %q\nwant %q", tc.text, g, tc.want)
			}
		})
	}
}

func TestDetector_Find_Secrets(t *testing.T) {
	d := New(Options{})
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onL\n-----END RSA PRIVATE KEY-----"
	runFind(t, d, []findCase{
		{"PEM", "key:\n" + pem + "\nnext line", []string{"private_key=" + pem}},
		{"PEMTruncated", "key:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04f\nSKn1ueQ+d9mQ==",
			[]string{"private_key=-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04f\nSKn1ueQ+d9mQ=="}},
		{"PEMEscaped", `{"k":"-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBg\n-----END PRIVATE KEY-----"}`,
			[]string{`private_key=-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBg\n-----END PRIVATE KEY-----`}},
		{"PEMPublicKeyIsNot", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----", nil},
		{"JWT", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
			[]string{"jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"}},
		{"JWTUnsigned", "t eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0. x", []string{"jwt=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0."}},
		{"JWTHeaderOnlyIsNot", "eyJhbGciOiJIUzI1NiJ9", nil},
		{"AWSKeyID", "key AKIAIOSFODNN7EXAMPLF in use", []string{"aws_access_key_id=AKIAIOSFODNN7EXAMPLF"}},
		{"AWSKeyIDTooShort", "AKIAISNOTAKEY", nil},
		{"AWSSecret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", []string{"aws_secret_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
		{"GCP", "?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q&x=1", []string{"gcp_api_key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"}},
		{"AzureAccountKey", "AccountName=acct;AccountKey=" + strings.Repeat("Ab9+", 22) + "==;EndpointSuffix=core.windows.net",
			[]string{"azure_key=" + strings.Repeat("Ab9+", 22) + "==", "hostname=core.windows.net"}},
		{"AzureSAS", "https://a.blob.core.windows.net/c/f?sv=2022-11-02&sig=AbCdEf0123456789%2BxyZ%3D&se=x",
			[]string{"hostname=a.blob.core.windows.net", "azure_key=AbCdEf0123456789%2BxyZ%3D"}},
		{"GitHub", "token=ghp_0123456789abcdefghijABCDEFGHIJ012345", []string{"github_token=ghp_0123456789abcdefghijABCDEFGHIJ012345"}},
		{"GitHubPAT", "github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijABCDEFGHI",
			[]string{"github_token=github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijABCDEFGHI"}},
		{"GitHubShortIsNot", "ghp_short", nil},
		{"GitLab", "PRIVATE-TOKEN: glpat-AbCdEf0123456789_-xY", []string{"gitlab_token=glpat-AbCdEf0123456789_-xY"}},
		{"Slack", "SLACK=xoxb-12345678901-123456789012-AbCdEfGhIjKlMnOpQrStUvWx", []string{"slack_token=xoxb-12345678901-123456789012-AbCdEfGhIjKlMnOpQrStUvWx"}},
		{"URLCredentials", "GET https://bob:s3cr3t@files.acme-corp.com/a.tgz", []string{"url_with_credentials=bob:s3cr3t", "hostname=files.acme-corp.com"}},
		{"URLUserOnlyIsNot", "ftp://anonymous@10.1.2.3/pub", []string{"ipv4=10.1.2.3"}},
		{"Postgres", "dsn=postgres://app:pw%40x@db.prod.internal:5432/app?sslmode=require end",
			[]string{"connection_string=postgres://app:pw%40x@db.prod.internal:5432/app?sslmode=require"}},
		{"RedisEmptyUser", "redis://:hunter2@cache:6379/0", []string{"connection_string=redis://:hunter2@cache:6379/0"}},
		{"DBURLWithoutPasswordIsHostOnly", "mongodb+srv://cluster0.ab1cd.mongodb.net/db", []string{"hostname=cluster0.ab1cd.mongodb.net"}},
		{"JDBCParam", "jdbc:postgresql://db:5432/x?user=fred&password=secret", []string{"connection_string=jdbc:postgresql://db:5432/x?user=fred&password=secret"}},
		{"ADO", `conn "Server=tcp:sql1,1433;Initial Catalog=db;User ID=sa;Password=P@ss;Encrypt=True;"`,
			[]string{"connection_string=Server=tcp:sql1,1433;Initial Catalog=db;User ID=sa;Password=P@ss;Encrypt=True"}},
		{"Bearer", "Authorization: Bearer 8f3Kx9Lm2Qp7Rt5V", []string{"bearer_token=8f3Kx9Lm2Qp7Rt5V"}},
		{"BearerWordIsNot", "Bearer authentication failed; token_type=Bearer", nil},
		{"BasicAuthIsPassword", "Authorization: Basic dXNlcjpwYXNz", []string{"password=dXNlcjpwYXNz"}},
		{"APIKeyHeader", "X-API-Key: 0123456789abcdef0123", []string{"api_key=0123456789abcdef0123"}},
		{"APIKeyJSON", `{"apiKey": "k-0123456789abcdef"}`, []string{"api_key=k-0123456789abcdef"}},
		{"PasswordKV", "user=alice password=hunter2 ip=10.0.0.5", []string{"username=alice", "password=hunter2", "ipv4=10.0.0.5"}},
		{"PasswordJSON", `{"password": "p@ss w0rd"}`, []string{"password=p@ss w0rd"}},
		{"PasswordYAML", "  db_password: 'S3cr3t!'", []string{"password=S3cr3t!"}},
		{"PasswordXML", "<password>xyzzy42</password>", []string{"password=xyzzy42"}},
		{"PasswordFlag", "mysqldump --password hunter2 db", []string{"password=hunter2"}},
		{"PasswordAmpersand", "--from-literal=password=Tr0ub4dor&3", []string{"password=Tr0ub4dor&3"}},
		{"PasswordQueryStopsAtParam", "?password=abc123&user=bob", []string{"password=abc123", "username=bob"}},
		{"SecretKV", "client_secret=AbC123xYz789", []string{"secret=AbC123xYz789"}},
		{"TokenKV", "X-Auth-Token: 5f0c1e2d3c4b5a69", []string{"secret=5f0c1e2d3c4b5a69"}},
		{"SessionID", "GET /a;jsessionid=0123456789ABCDEF?x=1", []string{"session_id=0123456789ABCDEF"}},
		{"Cookie", "Cookie: theme=dark; sid2=abc123def; PHPSESSID=q1w2e3r4t5y6",
			[]string{"cookie=dark", "cookie=abc123def", "session_id=q1w2e3r4t5y6"}},
		{"SetCookieAttributesAreNot", "Set-Cookie: auth=Zx81Kq; Path=/; Secure; HttpOnly; Max-Age=3600", []string{"cookie=Zx81Kq"}},
	})
}

func TestDetector_Find_SecretTraps(t *testing.T) {
	d := New(Options{})
	runFind(t, d, []findCase{
		{"Masked", "password: ******** token=<redacted> secret=", nil},
		{"Template", "api_key=${API_KEY} password={{ .Values.pw }}", nil},
		{"Null", "password=null token=None apiKey=undefined", nil},
		{"Prose", "passwd: all authentication tokens updated successfully", nil},
		{"NoSeparator", "Failed password for invalid", nil},
		{"KeyNamesOnly", "password_policy=strict passwordExpiryDays=90 max_tokens=4096", nil},
		{"ObjectDump", "wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 u0}}", nil},
		{"JavaRef", "Bad activity token: android.os.BinderProxy@2bd79ce", nil},
		{"NextPair", "logname= uid=0 euid=0 tty=ssh ruser= rhost=", nil},
		{"WorkingDir", "PWD=/var/lib/app OLDPWD=/tmp", nil},
		{"ZooKeeperSession", "closing sessionid:0x14ed93111f200df", nil},
		{"OwnPseudonym", "password=[PASSWORD:1a2b3c4d5e] [SECRET:0a0b0c0d0e]", nil},
		{"Comparison", "if password == 'x'", nil},
	})
}

func TestDetector_Find_PII(t *testing.T) {
	d := New(Options{})
	runFind(t, d, []findCase{
		{"Email", "mail to Jane.Doe+ops@mail.acme-corp.co.uk now", []string{"email=Jane.Doe+ops@mail.acme-corp.co.uk"}},
		{"EmailInKV", "user=bob@globex.net", []string{"email=bob@globex.net"}},
		{"EmailJavaRefIsNot", "QuorumCnxManager$SendWorker@688 Foo@1a2b3c", nil},
		{"Card", "card=4111 1111 1111 1111 ok", []string{"credit_card=4111 1111 1111 1111"}},
		{"CardDashedAmex", "amex 3714-496353-98431", []string{"credit_card=3714-496353-98431"}},
		{"CardPlain", "pan 5425233430109903", []string{"credit_card=5425233430109903"}},
		{"CardLuhnFails", "order 4111111111111112", nil},
		{"CardNoIssuer", "ts=1445144423722 id=1234567890123456", nil},
		{"CardBlockID", "blk_-1608999687919862906 blk_4111111111111111", nil},
		{"SSN", "ssn 123-45-6789.", []string{"ssn=123-45-6789"}},
		{"SSNInvalid", "000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000", nil},
		{"PhoneUS", "call +1 415-555-0132 or (415) 555-0133 or 415.555.0134",
			[]string{"phone_number=+1 415-555-0132", "phone_number=(415) 555-0133", "phone_number=415.555.0134"}},
		{"PhoneIntl", "+44 20 7946 0958 / +49 30 12345678", []string{"phone_number=+44 20 7946 0958", "phone_number=+49 30 12345678"}},
		{"PhoneTraps", "tz +0800 +05:30 pid 4155550132 date 2015-10-18 +2015-10-18 port 8080", nil},
		{"MAC", "hw 00:1A:2b:3C:4d:5E and 00-1a-2b-3c-4d-5f and 001a.2b3c.4d60",
			[]string{"mac_address=00:1A:2b:3C:4d:5E", "mac_address=00-1a-2b-3c-4d-5f", "mac_address=001a.2b3c.4d60"}},
		{"MACTraps", "12:34:56 01:23:45:67 00:00:00:00:00:00 ff:ff:ff:ff:ff:ff 1234.5678.9012", nil},
		{"IPv6", "from 2a01:4f8::1:2 and [fe80::1%eth0]:22", []string{"ipv6=2a01:4f8::1:2", "ipv6=fe80::1%eth0"}},
		{"IPv6Mapped", "client ::ffff:10.1.2.3 ok", []string{"ipv6=::ffff:10.1.2.3"}},
		{"IPv6Traps", "12:34:56.789 std::vector Foo::bar() a:b:c [::]:80 ::1", nil},
		{"IPv6ZooKeeperBind", "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:Election", nil},
		{"IPv4", "rhost=218.188.2.4 /10.10.34.11:3888 [173.234.31.186]",
			[]string{"ipv4=218.188.2.4", "ipv4=10.10.34.11", "ipv4=173.234.31.186"}},
		{"IPv4InBlockPool", "BP-1347369012-10.190.173.170-1444972147527:blk_1", []string{"ipv4=10.190.173.170"}},
		{"IPv4Traps", "version 1.2.3.4, v1.2.3.4, app-1.2.3.4.jar, 1.2.3.4.5, 01.2.3.4, 10.20.30.400, 1.2.3.4-SNAPSHOT, Chrome/120.0.0.0", nil},
		{"IPv4KeptByDefault", "127.0.0.1 0.0.0.0 255.255.255.0 192.0.2.1 198.51.100.2 203.0.113.3", nil},
		{"Hostname", "connect to db-1.prod.acme-corp.com:5432 and ns.example.de", []string{"hostname=db-1.prod.acme-corp.com", "hostname=ns.example.de"}},
		{"HostnameInternal", "resolving grafana.ops.local and jenkins.corp", []string{"hostname=grafana.ops.local", "hostname=jenkins.corp"}},
		{"HostnameJavaTraps", "org.apache.hadoop.hdfs.DataNode java.io.IOException com.android.systemui dfs.DataNode$PacketResponder", nil},
		{"HostnameFileTraps", "app.log foo.java x.py server.xml setup.py run.sh README.md libssl.so config.h.in", nil},
		{"HostnamePropertyTraps", "mapreduce.task.id session.timeout.ms ssl.ca log.info( ASP.NET sort.by", nil},
		{"HostnameWeakTLDWithContext", "from foo.py and host=files.acme.in", []string{"hostname=foo.py", "hostname=files.acme.in"}},
		{"HostnameSyslog", "Jun 14 15:16:01 combo sshd[1]: x", []string{"hostname=combo"}},
		{"HostnameURLAuthority", "hdfs://msra-sa-41:9000/tmp", []string{"hostname=msra-sa-41"}},
		{"HostnameSlashIP", "Old: msra-sa-41/10.190.173.170:8030 New: msra-sa-41:8030",
			[]string{"hostname=msra-sa-41", "ipv4=10.190.173.170", "hostname=msra-sa-41"}},
		// Text cut inside a timestamp (a window's context ends there) reads
		// like host:port, and propagation would then replace every
		// timestamp of that hour.
		{"HostnameISOHourCut", "2026-12-02T10:41:50Z INFO a\n2026-12-02T10:41", nil},
		{"HostnameKept", "localhost www.example.com api.example.org", nil},
		{"UsernameSSH", "Failed password for invalid user admin from 1.2.3.5 port 22 ssh2",
			[]string{"username=admin", "ipv4=1.2.3.5"}},
		{"UsernameAccepted", "Accepted publickey for fztu from 1.2.3.6 port 22", []string{"username=fztu", "ipv4=1.2.3.6"}},
		{"UsernamePAM", "session opened for user news by (uid=0)", []string{"username=news"}},
		{"UsernameUnknownIsNot", "check pass; user unknown", nil},
		{"UsernameHome", "open /home/jsmith/.bashrc and C:\\Users\\mwilson\\x", []string{"username=jsmith", "username=mwilson"}},
		{"UsernameWebRouteIsNot", "GET /user/settings HTTP/1.1", nil},
		{"UsernameAtHost", "[LeaseRenewer:msrabi@msra-sa-41:9000]", []string{"username=msrabi", "hostname=msra-sa-41"}},
		{"UsernameSpark", "Changing view acls to: yarn,curi", []string{"username=yarn", "username=curi"}},
		{"UsernameCLF", "10.4.7.21 - jsmith [15/Jan/2024:10:31:02 +0100] \"GET / HTTP/1.1\"", []string{"ipv4=10.4.7.21", "username=jsmith"}},
	})
}

func TestDetector_Find_Overlaps(t *testing.T) {
	d := New(Options{})
	runFind(t, d, []findCase{
		// Secret beats the longer-or-equal PII span inside it.
		{"SecretBeatsPII", "password=alice@corp.com", []string{"password=alice@corp.com"}},
		// The specific kind beats the generic key=value kind on the same span.
		{"SpecificBeatsGeneric", "token=AKIAIOSFODNN7EXAMPLF", []string{"aws_access_key_id=AKIAIOSFODNN7EXAMPLF"}},
		// The longer PII span wins: the host name holds an IPv4-looking part.
		{"LongerWins", "from host129.206.196.21.maximumasp.com", []string{"hostname=host129.206.196.21.maximumasp.com"}},
		{"ConnectionStringSwallowsHost", "postgres://u:p@db.acme.io/x", []string{"connection_string=postgres://u:p@db.acme.io/x"}},
	})
}

func TestDetector_Options(t *testing.T) {
	t.Run("RedactLoopback", func(t *testing.T) {
		d := New(Options{RedactLoopback: true})
		want := []string{"ipv4=127.0.0.1", "ipv6=::1", "hostname=localhost"}
		if g := got(d, "at 127.0.0.1 ::1 http://localhost:8080"); !slices.Equal(g, want) {
			t.Errorf("got %q, want %q", g, want)
		}
	})
	t.Run("RedactDocumentation", func(t *testing.T) {
		d := New(Options{RedactDocumentation: true})
		want := []string{"ipv4=192.0.2.1", "ipv6=2001:db8::1", "hostname=www.example.com", "email=a@example.org"}
		if g := got(d, "192.0.2.1 2001:db8::1 www.example.com a@example.org"); !slices.Equal(g, want) {
			t.Errorf("got %q, want %q", g, want)
		}
	})
	t.Run("Allow", func(t *testing.T) {
		d := New(Options{Allow: []string{"10.0.0.0/8", ".acme-corp.com", "Root", "2a01:4f8::1"}})
		want := []string{"ipv4=11.0.0.1"}
		if g := got(d, "10.1.2.3 11.0.0.1 db.acme-corp.com bob@acme-corp.com user=root 2a01:4f8::1"); !slices.Equal(g, want) {
			t.Errorf("got %q, want %q", g, want)
		}
	})
	t.Run("Disable", func(t *testing.T) {
		d := New(Options{Disable: []Kind{KindUsername, KindHostname}})
		want := []string{"ipv4=1.2.3.7"}
		if g := got(d, "Jun 14 15:16:01 combo sshd: Invalid user bob from 1.2.3.7"); !slices.Equal(g, want) {
			t.Errorf("got %q, want %q", g, want)
		}
	})
	t.Run("InternalTLDs", func(t *testing.T) {
		d := New(Options{InternalTLDs: []string{"home"}})
		want := []string{"hostname=nas.home"}
		if g := got(d, "nas.home grafana.local"); !slices.Equal(g, want) {
			t.Errorf("got %q, want %q", g, want)
		}
	})
}

func TestDetector_FindAt(t *testing.T) {
	d := New(Options{})
	text := []byte("x 10.1.2.3 y")
	spans := d.FindAt(text, 1000)
	if len(spans) != 1 || spans[0].Start != 1002 || spans[0].End != 1010 || spans[0].Value != "10.1.2.3" {
		t.Fatalf("FindAt = %+v", spans)
	}
	if s := d.Find(text)[0]; string(text[s.Start:s.End]) != s.Value {
		t.Fatalf("Find offsets %d:%d do not slice %q", s.Start, s.End, s.Value)
	}
}

func TestDetector_Find_NonUTF8(t *testing.T) {
	d := New(Options{})
	text := []byte("\xff\xfe password=h\xffnter2 from 10.9.8.7\x00\xc3")
	want := []string{"password=h\xffnter2", "ipv4=10.9.8.7"}
	if g := got(d, string(text)); !slices.Equal(g, want) {
		t.Errorf("got %q, want %q", g, want)
	}
}

func TestKind_IsSecret(t *testing.T) {
	for _, k := range Kinds() {
		want := slices.Index(kindOrder, k) <= slices.Index(kindOrder, KindCookie)
		if k.IsSecret() != want {
			t.Errorf("%s.IsSecret() = %v", k, !want)
		}
		if k != Kind(strings.ToLower(string(k))) {
			t.Errorf("kind %q is not lower case", k)
		}
	}
	if Kind("nope").IsSecret() {
		t.Error("unknown kind is secret")
	}
}
