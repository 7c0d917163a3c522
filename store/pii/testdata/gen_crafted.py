#!/usr/bin/env python3
"""Writes crafted_labelled.jsonl: synthetic log lines with known labels.

Run from this directory: python3 gen_crafted.py > crafted_labelled.jsonl

Lines are written as templates where every labelled value is marked
⟦kind|value⟧; the marks are removed from the text and become the labels, so
the labels follow from construction, not from the detector. Every secret is
random and fake (fixed seed, so the output is stable). Lines are grouped as
positives per kind (in varied contexts) and traps (lines that must yield no
span at all: Java names, versions, ids, hashes, timestamps, ...).
"""
import base64
import json
import random
import re
import string

R = random.Random(20261123)
ALNUM = string.ascii_letters + string.digits
UPPER32 = string.ascii_uppercase + "234567"
B64 = string.ascii_letters + string.digits + "+/"
B64URL = string.ascii_letters + string.digits + "-_"


def rnd(chars, n):
    return "".join(R.choice(chars) for _ in range(n))


def rnd_mixed(chars, n):
    """A random string with at least one digit, upper and lower letter."""
    while True:
        s = rnd(chars, n)
        if any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s):
            return s


def hexs(n):
    return rnd("0123456789abcdef", n)


def b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


# ---- secret generators -----------------------------------------------------

def aws_id():
    return R.choice(["AKIA", "ASIA"]) + rnd(UPPER32, 16)


def aws_secret():
    return rnd_mixed(B64, 40)


def gcp_key():
    return "AIza" + rnd_mixed(B64URL, 35)


def azure_account_key():
    return rnd_mixed(B64, 86) + "=="


def azure_sas_sig():
    raw = rnd_mixed(B64, 43) + "="
    return raw.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def azure_shared_key():
    return rnd_mixed(B64, 43) + "="


def github_token():
    if R.random() < 0.25:
        return "github_pat_" + rnd_mixed(ALNUM, 22) + "_" + rnd_mixed(ALNUM, 59)
    return "gh" + R.choice("pousr") + "_" + rnd_mixed(ALNUM, 36)


def gitlab_token():
    return "glpat-" + rnd_mixed(ALNUM + "-_", 20)


def slack_token():
    kind = R.choice(["xoxb", "xoxp", "xoxa", "xoxs"])
    return f"{kind}-{rnd(string.digits, 11)}-{rnd(string.digits, 12)}-{rnd_mixed(ALNUM, 24)}"


def jwt(signed=True):
    header = {"alg": R.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    payload = {"sub": str(R.randint(1000, 99999)), "iat": R.randint(1600000000, 1800000000),
               "scope": R.choice(["read", "read write", "admin"])}
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(payload, separators=(",", ":")).encode())
    if not signed:
        return f"{h}.{p}."
    return f"{h}.{p}.{b64url(bytes(R.randrange(256) for _ in range(32)))}"


def pem(label="RSA PRIVATE KEY", lines=None, end=True):
    lines = lines or R.randint(6, 26)
    body = [rnd(B64, 64) for _ in range(lines - 1)] + [rnd(B64, R.randint(8, 60)) + "=="]
    text = f"-----BEGIN {label}-----\n" + "\n".join(body)
    if end:
        text += f"\n-----END {label}-----"
    return text


def opaque_token(n=None):
    return rnd_mixed(ALNUM + "-_.", n or R.randint(24, 48))


def password():
    return R.choice([
        lambda: rnd_mixed(ALNUM + "!@#%^*", R.randint(8, 16)),
        lambda: R.choice(["hunter", "Summer", "Winter", "Passw0rd", "letmein", "dragon"]) + str(R.randint(1, 9999)) + R.choice(["!", "#", "", "$"]),
        lambda: rnd(string.ascii_lowercase, 6) + str(R.randint(10, 99)),
    ])()


# ---- PII generators --------------------------------------------------------

FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
         "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin"]
LAST = ["smith", "jones", "garcia", "miller", "davis", "martin", "lee", "walker", "young", "king",
        "wright", "lopez", "hill", "scott", "green", "adams", "baker", "nelson", "carter", "mitchell"]
DOMAINS = ["acme-corp.com", "globex.net", "initech.org", "umbrella.io", "hooli.co.uk", "wayne-enterprises.com",
           "stark-industries.de", "cyberdyne.fr", "tyrell.jp", "aperture-science.com", "mail.univ-lyon.fr",
           "dept.state.edu", "contoso.com.au", "fabrikam.nl", "northwind.ch"]
HOSTS = ["db-primary.prod.acme-corp.com", "api.globex.net", "cache01.initech.org", "mq-03.umbrella.io",
         "web7.hooli.co.uk", "ldap.wayne-enterprises.com", "build-agent-12.stark-industries.de",
         "vpn.cyberdyne.fr", "s3.eu-west-1.amazonaws.com", "smtp.office365.com", "registry.npmjs.org",
         "api.github.com", "hooks.slack.com", "storage.googleapis.com", "login.microsoftonline.com",
         "kafka-broker-2.data.internal", "grafana.ops.local", "jenkins.corp", "nas01.lan",
         "ns1.tyrell.jp", "edge-03.cdn.aperture-science.com", "mail.fabrikam.nl", "gw.northwind.ch",
         "mirror.yandex.ru", "repo.huaweicloud.cn"]


def user():
    r = R.random()
    if r < 0.4:
        return R.choice(FIRST)
    if r < 0.7:
        return R.choice(FIRST)[0] + R.choice(LAST)
    return R.choice(FIRST) + "." + R.choice(LAST)


def email():
    local = R.choice([R.choice(FIRST), R.choice(FIRST) + "." + R.choice(LAST),
                      R.choice(FIRST)[0] + R.choice(LAST) + str(R.randint(1, 99)),
                      R.choice(FIRST) + "+" + R.choice(["alerts", "test", "ops"])])
    return local + "@" + R.choice(DOMAINS)


def ipv4():
    while True:
        a = R.choice([10, 172, 192, R.randint(1, 223)])
        if a == 172:
            ip = f"172.{R.randint(16, 31)}.{R.randint(0, 255)}.{R.randint(1, 254)}"
        elif a == 192:
            ip = f"192.168.{R.randint(0, 255)}.{R.randint(1, 254)}"
        else:
            ip = f"{a}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"
        if not ip.startswith(("127.", "192.0.2.", "198.51.100.", "203.0.113.", "0.")):
            return ip


def ipv6():
    forms = [
        lambda: "2a01:4f8:" + ":".join(f"{R.randint(0, 65535):x}" for _ in range(6)),
        lambda: f"fe80::{R.randint(1, 65535):x}:{R.randint(1, 65535):x}:{R.randint(1, 65535):x}:{R.randint(1, 65535):x}",
        lambda: f"2001:4860:4860::{R.choice(['8888', '8844'])}",
        lambda: f"2606:4700:{R.randint(1, 65535):x}::{R.randint(1, 65535):x}",
        lambda: f"fd12:3456:789a:{R.randint(1, 65535):x}::{R.randint(1, 255)}",
        lambda: f"2a00:1450:4001:{R.randint(800, 899):x}::200e",
        lambda: f"::ffff:10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}",
    ]
    return R.choice(forms)()


def mac():
    b = [R.randint(0, 255) for _ in range(6)]
    b[0] &= 0xFE
    if R.random() < 0.2:
        return "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}".format(*b) if any(x > 9 for x in b) else "0a1b.2c3d.4e5f"
    sep = R.choice([":", ":", "-"])
    s = sep.join(f"{x:02x}" for x in b)
    return s.upper() if R.random() < 0.4 else s


def luhn_complete(prefix, length):
    digits = [int(c) for c in prefix]
    while len(digits) < length - 1:
        digits.append(R.randint(0, 9))
    for check in range(10):
        ds = digits + [check]
        total = 0
        for i, d in enumerate(reversed(ds)):
            if i % 2 == 1:
                d *= 2
                if d > 9:
                    d -= 9
            total += d
        if total % 10 == 0:
            return "".join(map(str, ds))


def card():
    brand = R.choice(["visa", "visa", "mc", "mc2", "amex", "disc", "jcb", "diners"])
    prefix, length = {"visa": ("4", 16), "mc": (str(R.randint(51, 55)), 16), "mc2": (str(R.randint(2221, 2720)), 16),
                      "amex": (R.choice(["34", "37"]), 15), "disc": ("6011", 16), "jcb": (str(R.randint(3528, 3589)), 16),
                      "diners": ("36", 14)}[brand]
    n = luhn_complete(prefix, length)
    style = R.choice(["plain", "space", "dash"])
    if style == "plain":
        return n
    sep = " " if style == "space" else "-"
    if length == 15:
        return sep.join([n[:4], n[4:10], n[10:]])
    if length == 14:
        return sep.join([n[:4], n[4:10], n[10:]])
    return sep.join(n[i:i + 4] for i in range(0, length, 4))


def ssn():
    while True:
        a = R.randint(1, 899)
        if a != 666:
            return f"{a:03d}-{R.randint(1, 99):02d}-{R.randint(1, 9999):04d}"


def phone():
    a = R.randint(201, 989)
    while a % 100 == 11:
        a += 1
    x = R.randint(200, 999)
    n = R.randint(0, 9999)
    forms = [
        f"+1 {a}-{x}-{n:04d}", f"({a}) {x}-{n:04d}", f"{a}-{x}-{n:04d}", f"{a}.{x}.{n:04d}",
        f"+1{a}{x}{n:04d}", f"1-800-{x}-{n:04d}", f"+1 ({a}) {x}-{n:04d}",
        f"+44 20 {R.randint(7000, 8999)} {n:04d}", f"+49 30 {R.randint(1000000, 99999999)}",
        f"+33 1 {R.randint(10, 99)} {R.randint(10, 99)} {R.randint(10, 99)} {R.randint(10, 99)}",
        f"+91 {R.randint(70000, 99999)} {R.randint(10000, 99999)}", f"+81 3-{R.randint(1000, 9999)}-{n:04d}",
        f"+61 2 {R.randint(1000, 9999)} {n:04d}",
    ]
    return R.choice(forms)


# ---- line builder ----------------------------------------------------------

MARK = re.compile(r"⟦([a-z_0-9]+)\|(.*?)⟧", re.S)


# Vendor tokens that a generic key-value label was written for: the vendor
# rule table (rules/*.toml) names them more precisely.
VENDOR_PREFIXES = {"sk_live_": "stripe_token", "hvs.": "vault_token", "npm_": "npm_token"}


def relabel(kind, value):
    if kind in ("api_key", "secret", "password"):
        for p, k in VENDOR_PREFIXES.items():
            if value.startswith(p):
                return k
    return kind


def line(tpl, group):
    spans = [{"kind": relabel(m.group(1), m.group(2)), "value": m.group(2)} for m in MARK.finditer(tpl)]
    text = MARK.sub(lambda m: m.group(2), tpl)
    return {"text": text, "spans": spans, "src": "crafted/" + group}


def ts():
    return f"2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}T{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}.{R.randint(0, 999):03d}Z"


def lvl():
    return R.choice(["INFO", "WARN", "ERROR", "DEBUG"])


def H(host):
    """Marks a host name (or an IPv4 address) with its kind."""
    kind = "ipv4" if re.fullmatch(r"[\d.]+", host) else "hostname"
    return f"⟦{kind}|{host}⟧"


def rhost():
    return R.choice(HOSTS) if R.random() < 0.7 else ipv4()


OUT = []


def emit(group, tpls):
    for t in tpls:
        OUT.append(line(t, group))


def repeat(group, n, f):
    emit(group, [f() for _ in range(n)])


# ---- positives, one group per kind ------------------------------------------

repeat("private_key", 30, lambda: R.choice([
    lambda: f"{ts()} ERROR tls: failed to parse key:\n⟦private_key|{pem(R.choice(['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'DSA PRIVATE KEY']))}⟧\n{ts()} INFO retrying",
    lambda: '{"level":"error","msg":"bad key","key":"⟦private_key|' + pem('PRIVATE KEY', R.randint(4, 10)).replace("\n", "\\n") + '⟧"}',
    lambda: f"dumping config: ssl_key=⟦private_key|{pem('RSA PRIVATE KEY', R.randint(5, 12), end=False)}⟧",
])())

repeat("jwt", 30, lambda: R.choice([
    lambda: f"{ts()} {lvl()} http: GET /api/v1/orders Authorization: Bearer ⟦jwt|{jwt()}⟧",
    lambda: f"id_token=⟦jwt|{jwt()}⟧&state={hexs(16)}",
    lambda: '{"access_token":"⟦jwt|' + jwt() + '⟧","token_type":"Bearer","expires_in":3600}',
    lambda: f"{lvl()} auth: unsigned token rejected: ⟦jwt|{jwt(signed=False)}⟧",
    lambda: f"curl -H 'Authorization: Bearer ⟦jwt|{jwt()}⟧' https://{H(R.choice(HOSTS))}/v2/me",
    lambda: f"jwt ⟦jwt|{jwt()}⟧ expired at {ts()}",
])())

repeat("aws_access_key_id", 30, lambda: R.choice([
    lambda: f"aws_access_key_id = ⟦aws_access_key_id|{aws_id()}⟧",
    lambda: f"{ts()} {lvl()} s3: using credentials AccessKeyId: ⟦aws_access_key_id|{aws_id()}⟧ region=eu-west-1",
    lambda: f"Authorization: AWS4-HMAC-SHA256 Credential=⟦aws_access_key_id|{aws_id()}⟧/20240115/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date",
    lambda: f"export AWS_ACCESS_KEY_ID=⟦aws_access_key_id|{aws_id()}⟧",
    lambda: '{"AccessKeyId": "⟦aws_access_key_id|' + aws_id() + '⟧", "Expiration": "2024-01-15T12:00:00Z"}',
])())

repeat("aws_secret_key", 30, lambda: R.choice([
    lambda: f"aws_secret_access_key = ⟦aws_secret_key|{aws_secret()}⟧",
    lambda: f"export AWS_SECRET_ACCESS_KEY=⟦aws_secret_key|{aws_secret()}⟧",
    lambda: '{"SecretAccessKey": "⟦aws_secret_key|' + aws_secret() + '⟧", "SessionToken": null}',
    lambda: f"{ts()} DEBUG boto: secret_access_key: ⟦aws_secret_key|{aws_secret()}⟧",
    lambda: f"aws_secret_key=⟦aws_secret_key|{aws_secret()}⟧ aws_region=us-east-2",
])())

repeat("gcp_api_key", 30, lambda: R.choice([
    lambda: f"{ts()} {lvl()} maps: GET https://{H('maps.googleapis.com')}/maps/api/geocode/json?address=Berlin&key=⟦gcp_api_key|{gcp_key()}⟧",
    lambda: '{"api_key": "⟦gcp_api_key|' + gcp_key() + '⟧", "project": "prod-123"}',
    lambda: f"GOOGLE_API_KEY=⟦gcp_api_key|{gcp_key()}⟧",
    lambda: f"firebase init with apiKey ⟦gcp_api_key|{gcp_key()}⟧",
])())

repeat("azure_key", 30, lambda: R.choice([
    lambda: f"DefaultEndpointsProtocol=https;AccountName=acme{R.randint(1, 99)};AccountKey=⟦azure_key|{azure_account_key()}⟧;EndpointSuffix=⟦hostname|core.windows.net⟧",
    lambda: f"{ts()} {lvl()} blob: PUT https://{H('acme' + str(R.randint(1, 99)) + '.blob.core.windows.net')}/logs/app.log?sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2025-01-01T00:00:00Z&spr=https&sig=⟦azure_key|{azure_sas_sig()}⟧",
    lambda: f"Endpoint=sb://{H('acme-bus.servicebus.windows.net')}/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=⟦azure_key|{azure_shared_key()}⟧",
    lambda: f"Authorization: SharedAccessSignature sr=acme-hub&sig=⟦azure_key|{azure_sas_sig()}⟧&se=1735689600&skn=send",
])())

repeat("github_token", 30, lambda: R.choice([
    lambda: (lambda t: f"git clone https://⟦github_token|{t}⟧@{H('github.com')}/acme/infra.git")(github_token()),
    lambda: f"GITHUB_TOKEN=⟦github_token|{github_token()}⟧",
    lambda: f"{ts()} {lvl()} gh: Authorization: token ⟦github_token|{github_token()}⟧",
    lambda: '{"token": "⟦github_token|' + github_token() + '⟧", "scopes": ["repo"]}',
    lambda: f"using personal access token ⟦github_token|{github_token()}⟧ for ci",
])())

repeat("gitlab_token", 30, lambda: R.choice([
    lambda: f"PRIVATE-TOKEN: ⟦gitlab_token|{gitlab_token()}⟧",
    lambda: f"{ts()} {lvl()} runner: registered with token ⟦gitlab_token|{gitlab_token()}⟧",
    lambda: f"CI_JOB_TOKEN=⟦gitlab_token|{gitlab_token()}⟧ CI_PROJECT_ID=42",
    lambda: '{"private_token":"⟦gitlab_token|' + gitlab_token() + '⟧"}',
])())

repeat("slack_token", 30, lambda: R.choice([
    lambda: f"SLACK_BOT_TOKEN=⟦slack_token|{slack_token()}⟧",
    lambda: f"{ts()} {lvl()} notifier: posting with ⟦slack_token|{slack_token()}⟧",
    lambda: f"webhook https://{H('hooks.slack.com')}/services/⟦slack_token|T{rnd(UPPER32, 8)}/B{rnd(UPPER32, 10)}/{rnd_mixed(ALNUM, 24)}⟧ returned 200",
    lambda: '{"ok":true,"token":"⟦slack_token|' + slack_token() + '⟧"}',
])())

repeat("url_with_credentials", 30, lambda: (lambda u, p, h: R.choice([
    f"{ts()} {lvl()} fetch: GET https://⟦url_with_credentials|{u}:{p}⟧@{H(h)}/artifacts/app.tar.gz",
    f"proxy=http://⟦url_with_credentials|{u}:{p}⟧@{H(h)}:3128",
    f"mirror ftp://⟦url_with_credentials|{u}:{p}⟧@{H(h)}/pub/",
    f"remote.origin.url=https://⟦url_with_credentials|{u}:{p}⟧@{H(h)}/scm/app.git",
    f"{lvl()} webdav: connecting to https://⟦url_with_credentials|{u}:{p}⟧@{H(h)}:8443/dav",
]))(user(), password().replace("@", "%40").replace(":", "%3A").replace("#", "%23"), rhost()))


def conn():
    u, p, h = user(), password().replace("@", "%40").replace(":", "%3A").replace("#", "%23").replace("/", "%2F"), R.choice(HOSTS)
    db = R.choice(["orders", "app", "billing", "analytics"])
    return R.choice([
        f"postgres://{u}:{p}@{h}:5432/{db}?sslmode=require",
        f"postgresql://{u}:{p}@{h}/{db}",
        f"mysql://{u}:{p}@{h}:3306/{db}",
        f"mongodb+srv://{u}:{p}@cluster0.{rnd(string.ascii_lowercase + string.digits, 5)}.mongodb.net/{db}?retryWrites=true&w=majority",
        f"redis://:{p}@{h}:6379/0",
        f"amqp://{u}:{p}@{h}:5672/vhost",
        f"jdbc:postgresql://{h}:5432/{db}?user={u}&password={p}",
        f"jdbc:sqlserver://{h}:1433;databaseName={db};user={u};password={p}",
        f"Server=tcp:{h},1433;Initial Catalog={db};Persist Security Info=False;User ID={u};Password={p};MultipleActiveResultSets=False;Encrypt=True",
        f"Data Source={h};Initial Catalog={db};User Id={u};Password={p}",
    ])


repeat("connection_string", 40, lambda: R.choice([
    lambda: f"{ts()} {lvl()} db: connecting to ⟦connection_string|{conn()}⟧",
    lambda: f"DATABASE_URL=⟦connection_string|{conn()}⟧",
    lambda: '{"ConnectionStrings":{"Default":"⟦connection_string|' + conn() + '⟧"}}',
])())

repeat("bearer_token", 30, lambda: R.choice([
    lambda: f"{ts()} {lvl()} http: Authorization: Bearer ⟦bearer_token|{opaque_token()}⟧",
    lambda: '{"headers":{"Authorization":"Bearer ⟦bearer_token|' + opaque_token() + '⟧"}}',
    lambda: f"curl -H \"Authorization: bearer ⟦bearer_token|{opaque_token()}⟧\" https://{H(R.choice(HOSTS))}/v1/items",
    lambda: f"upstream request failed, token Bearer ⟦bearer_token|{opaque_token()}⟧ rejected",
])())

repeat("api_key", 30, lambda: (lambda k: R.choice([
    f"api_key={k}",
    f"{ts()} {lvl()} client: X-API-Key: {k}",
    '{"apiKey": "' + k + '"}',
    f"GET /v1/forecast?lat=52.5&lon=13.4&appid=x&api_key={k}&units=metric",
    f"Ocp-Apim-Subscription-Key: {k}",
    f"Authorization: ApiKey {k}",
    f"./deploy --api-key {k} --region eu",
    f"x-api-key={k}",
]).replace(k, f"⟦api_key|{k}⟧"))(R.choice([hexs(32), opaque_token(32), "sk_live_" + rnd_mixed(ALNUM, 24), rnd_mixed(ALNUM, 40)])))

repeat("password", 40, lambda: (lambda p: R.choice([
    f"password=⟦password|{p}⟧",
    f"{ts()} {lvl()} ldap: bind dn=cn=admin,dc=acme,dc=com passwd: ⟦password|{p}⟧",
    '{"username":"⟦username|' + user() + '⟧","password":"⟦password|' + p + '⟧"}',
    f"PGPASSWORD=⟦password|{p}⟧ psql -h {H(R.choice(HOSTS))} orders",
    f"spring.datasource.password = ⟦password|{p}⟧",
    f"<password>⟦password|{p}⟧</password>",
    f"mysqldump --password ⟦password|{p}⟧ orders",
    f"MYSQL_PWD=⟦password|{p}⟧",
    f"  password: '⟦password|{p}⟧'",
    f"smtp_pass=⟦password|{p}⟧",
    f"Authorization: Basic ⟦password|{base64.b64encode((user() + ':' + p).encode()).decode()}⟧",
    f"login failed: user=⟦username|{user()}⟧ password=⟦password|{p}⟧ ip={H(ipv4())}",
]))(password()))

repeat("secret", 40, lambda: (lambda v: R.choice([
    f"client_secret=⟦secret|{v}⟧",
    f"{ts()} {lvl()} oauth: refresh_token=⟦secret|{v}⟧ expires_in=3600",
    '{"access_token":"⟦secret|' + v + '⟧","expires_in":3599}',
    f"X-Auth-Token: ⟦secret|{v}⟧",
    f"SECRET_KEY_BASE=⟦secret|{v}⟧",
    f"auth_token: ⟦secret|{v}⟧",
    f"GET https://{H(R.choice(HOSTS))}/bucket/report.csv?X-Amz-Date=20240115T000000Z&X-Amz-Expires=900&X-Amz-Signature=⟦secret|{hexs(64)}⟧",
    f"webhook secret=⟦secret|{v}⟧",
    f"csrf_token=⟦secret|{v}⟧",
    f"vault: token ⟦secret|hvs.{rnd_mixed(ALNUM, 24)}⟧".replace("token ⟦", "token=⟦"),
]))(opaque_token()))

repeat("session_id", 30, lambda: (lambda sid: R.choice([
    f"GET /shop/cart;jsessionid=⟦session_id|{sid}⟧?item=42 HTTP/1.1",
    f"{ts()} {lvl()} web: Set-Cookie: JSESSIONID=⟦session_id|{sid}⟧; Path=/; HttpOnly",
    f"Cookie: PHPSESSID=⟦session_id|{sid.lower()[:26]}⟧",
    f"redirect to /login?sessionid=⟦session_id|{sid}⟧&next=/home",
    f"Set-Cookie: ASP.NET_SessionId=⟦session_id|{rnd(string.ascii_lowercase + string.digits, 24)}⟧; path=/; HttpOnly; SameSite=Lax",
    f"connect.sid=⟦session_id|s%3A{rnd_mixed(ALNUM, 32)}.{rnd_mixed(ALNUM, 20)}⟧",
]))(hexs(32).upper()))

repeat("cookie", 30, lambda: R.choice([
    lambda: f"Cookie: _ga=⟦cookie|GA1.2.{R.randint(100000000, 999999999)}.{R.randint(1600000000, 1700000000)}⟧; theme=⟦cookie|{R.choice(['dark', 'light'])}⟧; remember_me=⟦cookie|{opaque_token(20)}⟧",
    lambda: f"{ts()} {lvl()} proxy: Set-Cookie: auth=⟦cookie|{opaque_token()}⟧; Path=/; Secure; HttpOnly; SameSite=Strict",
    lambda: f"Cookie: session=⟦cookie|{opaque_token()}⟧",
    lambda: f"request headers: Cookie: lang=⟦cookie|en-US⟧; JSESSIONID=⟦session_id|{hexs(32).upper()}⟧",
    lambda: f"Set-Cookie: remember_token=⟦cookie|{hexs(40)}⟧; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/",
])())

repeat("email", 30, lambda: (lambda e: R.choice([
    f"{ts()} {lvl()} mailer: sent invoice to ⟦email|{e}⟧",
    f"From: \"Support\" <⟦email|{e}⟧>",
    f"user=⟦email|{e}⟧ action=login result=ok",
    f"mailto:⟦email|{e}⟧?subject=Alert",
    '{"email":"⟦email|' + e + '⟧","verified":true}',
    f"bounce: 550 5.1.1 <⟦email|{e}⟧>: Recipient address rejected",
]))(email()))

repeat("credit_card", 30, lambda: (lambda c: R.choice([
    f"{ts()} {lvl()} payment: charge failed card=⟦credit_card|{c}⟧ amount=42.00",
    f"pan: ⟦credit_card|{c}⟧ exp=12/27",
    '{"cc_number":"⟦credit_card|' + c + '⟧","cvv":"***"}',
    f"Card number ⟦credit_card|{c}⟧ declined",
]))(card()))

repeat("ssn", 30, lambda: (lambda s: R.choice([
    f"ssn=⟦ssn|{s}⟧",
    f"{ts()} {lvl()} kyc: verifying SSN ⟦ssn|{s}⟧ for applicant {R.randint(1000, 9999)}",
    '{"ssn": "⟦ssn|' + s + '⟧", "dob": "1980-01-01"}',
    f"social security number: ⟦ssn|{s}⟧",
]))(ssn()))

repeat("phone_number", 40, lambda: (lambda p: R.choice([
    f"{ts()} {lvl()} sms: sending OTP to ⟦phone_number|{p}⟧",
    f"phone=⟦phone_number|{p}⟧",
    '{"phone": "⟦phone_number|' + p + '⟧"}',
    f"Call me at ⟦phone_number|{p}⟧ tomorrow",
    f"contact: ⟦phone_number|{p}⟧, ext. 12",
]))(phone()))

repeat("mac_address", 30, lambda: (lambda m: R.choice([
    f"{ts()} {lvl()} dhcpd: DHCPACK on {H(ipv4())} to ⟦mac_address|{m}⟧ via eth0",
    f"eth0: link up, hwaddr ⟦mac_address|{m}⟧",
    f"arp: {H(ipv4())} is-at ⟦mac_address|{m}⟧",
    f"device mac=⟦mac_address|{m}⟧ vendor=unknown",
]))(mac()))

repeat("ipv6", 30, lambda: (lambda a: R.choice([
    f"{ts()} {lvl()} nginx: client ⟦ipv6|{a}⟧ closed keepalive connection",
    f"Accepted publickey for ⟦username|{user()}⟧ from ⟦ipv6|{a}⟧ port 52144 ssh2",
    f"listen [⟦ipv6|{a}⟧]:443 ssl",
    f"remote_addr=⟦ipv6|{a}⟧ status=200",
    f"ping6 ⟦ipv6|{a}⟧: 64 bytes, time=12.3 ms",
]))(ipv6()))

repeat("ipv4", 30, lambda: (lambda a: R.choice([
    f"{ts()} {lvl()} nginx: {H(a)} - - \"GET /index.html HTTP/1.1\" 200 612",
    f"Connection closed by {H(a)} port 22 [preauth]",
    f"upstream=http://{H(a)}:8080/api took 12ms",
    f"client_ip={H(a)}, bytes=4096",
    f"iptables: DROP IN=eth0 SRC={H(a)} DST={H(ipv4())} PROTO=TCP DPT=23",
]))(ipv4()))

repeat("hostname", 40, lambda: (lambda h: R.choice([
    f"{ts()} {lvl()} pool: connecting to {H(h)}:5432",
    f"Resolving {H(h)}... failed: Name or service not known",
    f"host={H(h)} latency_ms=12",
    f"curl: (6) Could not resolve host: {H(h)}",
    f"upstream timed out while connecting to upstream, upstream: \"http://{H(h)}/health\"",
]))(R.choice(HOSTS)))

# user@host with a private TLD is an ssh target; with a public TLD it is
# e-mail shaped and reported as email (see README).
repeat("hostname", 10, lambda: f"ssh ⟦username|{user()}⟧@{H(R.choice([h for h in HOSTS if h.rsplit('.', 1)[1] in ('internal', 'local', 'corp', 'lan')]))} 'systemctl restart app'")

repeat("username", 40, lambda: (lambda u: R.choice([
    f"Accepted publickey for ⟦username|{u}⟧ from {H(ipv4())} port {R.randint(1024, 65535)} ssh2",
    f"Invalid user ⟦username|{u}⟧ from {H(ipv4())}",
    f"pam_unix(sshd:session): session opened for user ⟦username|{u}⟧ by (uid=0)",
    f"open(\"/home/⟦username|{u}⟧/.ssh/authorized_keys\"): permission denied",
    f"C:\\Users\\⟦username|{u}⟧\\AppData\\Local\\Temp\\setup.log",
    f"login=⟦username|{u}⟧ result=denied",
    '{"username": "⟦username|' + u + '⟧", "role": "viewer"}',
    f"sudo: pam_unix(sudo:session): session opened for user ⟦username|root⟧ by ⟦username|{u}⟧(uid=1000)",
    f"sudo:    ⟦username|{u}⟧ : TTY=pts/0 ; PWD=/home/⟦username|{u}⟧ ; USER=⟦username|root⟧ ; COMMAND=/usr/bin/systemctl restart nginx",
    f"Failed password for ⟦username|{u}⟧ from {H(ipv4())} port 22 ssh2",
]))(user()))

# A few lines with several kinds at once.
repeat("mixed", 30, lambda: R.choice([
    lambda: f"{ts()} {lvl()} auth: user ⟦email|{email()}⟧ logged in from {H(ipv4())} using token=⟦secret|{opaque_token()}⟧",
    lambda: f"order {R.randint(10000, 99999)} by ⟦email|{email()}⟧ card ⟦credit_card|{card()}⟧ phone ⟦phone_number|{phone()}⟧",
    lambda: f"{ts()} dhcp: lease {H(ipv4())} ⟦mac_address|{mac()}⟧ hostname={H(R.choice(HOSTS))}",
    lambda: f"config: db={H(R.choice(HOSTS))} user=⟦username|{user()}⟧ password=⟦password|{password()}⟧ api_key=⟦api_key|{hexs(32)}⟧",
])())

# ---- traps: no span at all --------------------------------------------------

TRAPS = [
    # Java and Android names, stack frames
    "\tat org.apache.hadoop.hdfs.server.datanode.DataNode.run(DataNode.java:2417)",
    "java.io.IOException: Connection reset by peer",
    "Caused by: java.net.ConnectException: Connection refused (Connection refused)",
    "\tat com.fasterxml.jackson.databind.ObjectMapper.readValue(ObjectMapper.java:3548)",
    "io.netty.channel.AbstractChannel$AnnotatedConnectException: connection timed out",
    "Loaded class net.sf.ehcache.CacheManager from jar",
    "kotlin.coroutines.intrinsics.IntrinsicsKt.getCOROUTINE_SUSPENDED",
    "org.springframework.boot.SpringApplication: Started Application in 4.2 seconds",
    "WARN o.a.k.clients.NetworkClient - [Consumer clientId=c1] Bootstrap broker disconnected",
    "com.android.server.am.ActivityManagerService.activityStopped:7690",
    "java.lang.NullPointerException at com.example.app.MainActivity.onCreate(MainActivity.java:42)".replace("com.example.app", "de.acme.app"),
    "scala.concurrent.impl.Promise$Transformation.run(Promise.scala:467)",
    "log.info(\"starting\")",
    "self.info(msg)",
    "visible is system.time.showampm",
    "request.id=7f3e user.id=42 session.timeout.ms=30000",
    "ssl.ca=/etc/ssl/ca.pem ssl.key.location=/etc/ssl/key.pem",
    "spark.executor.memory=4g spark.driver.host.name=local",
    "Using ASP.NET Core 8.0 and ADO.NET provider",
    # file names
    "Writing app.log, foo.java, x.py and server.xml",
    "python setup.py install && ./run.sh && cat README.md",
    "loaded libssl.so.1.1 and libcrypto.so.3",
    "configure: creating config.h.in and Makefile.in",
    "served index.html style.css app.js data.json archive.tar.gz report.pdf logo.png",
    "compiling src/main.rs and src/lib.rs",
    "reading /etc/nginx/nginx.conf and /var/log/syslog.1",
    "Built target pom.xml -> target/app-1.4.2.jar",
    "open(/usr/lib/python3.10/site-packages/requests/api.py)",
    "bundle exec rake db:migrate RAILS_ENV=production",
    "mv build.gradle build.gradle.bak",
    # versions
    "Starting service version 1.2.3.4",
    "Downloading hadoop-1.2.3.4.jar",
    "client v1.2.3.4 connected",
    "OS Version: 10.0.19041.1 build 19041",
    "release 2.3.4.5 is available",
    "using artifact app-1.2.3.4-SNAPSHOT",
    "Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045)".replace("(buildd@lcy02-amd64-045)", ""),
    "OpenSSL 1.1.1w  11 Sep 2023",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
    "firmware 3.10.2.7 loaded",
    "node v20.11.0, npm 10.2.4",
    "zookeeper.version=3.4.5--1, built on 06/10/2013 17:26 GMT",
    # ids and hashes
    "Deleting block blk_-1608999687919862906 file /mnt/hadoop/dfs/data/current/subdir57/blk_-1608999687919862906",
    "appattempt_1445144423722_0020_000001 container_1445144423722_0020_01_000012",
    "request_id=3f2b8c9e-7d41-4a7b-9c1e-2b7f5e8d9a01 trace=00f067aa0ba902b7",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (HEAD -> main)",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "md5=d41d8cd98f00b204e9800998ecf8427e",
    "object id 507f1f77bcf86cd799439011 saved",
    "tx 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060 mined",
    "docker: pulled image sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1",
    "git rev a1b2c3d merged into 7e8f9a0",
    "kafka offset 576460752303423487 partition 3",
    "trace id 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
    "session 0x14ed93111f200df with negotiated timeout 10000",
    "Processed session termination for sessionid: 0x34ed9ac1c1e005e",
    # timestamps and durations
    "2024-01-15T10:30:00.123456Z took 1.234s (PT1H30M)",
    "12:34:56 12:34:56.789 00:01:23.456 1h2m3s 250ms",
    "Mon Jan 02 15:04:05 MST 2006",
    "epoch_ms=1700000000123 epoch=1445144423",
    "17/06/09 20:10:40 INFO executor.Executor: Running task 3.0 in stage 12.0 (TID 518)",
    "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
    "elapsed 00:00:12.345, eta 01:02:03",
    "date=2015-10-18 time=18:01:47,978",
    # numbers: ports, pids, sizes, not cards / SSNs / phones
    "listening on port 8080, pid=12345, ppid 1",
    "size=67108864 bytes, 1.5 GB free, 4096 blocks",
    "order 4111111111111112 not found",
    "id=1234567890123456 ts=1445144423722",
    "invoice 0000-1111-2222-3333 archived",
    "ticket 000-12-3456 and 666-12-3456 and 900-12-3456 and 123-00-4567 and 123-45-0000",
    "build 2015-10-18 and 2024-01-15",
    "tz +0800 offset +05:30 delta +12 count=+1",
    "throughput 4155550132 ops total",
    "value 3.14159 ratio 0.5 x=271.0 y=14.0",
    "range 10.20.30.400 is invalid",
    "oid 1.3.6.1.4.1.2021.10.1.3.1",
    "coords 52.520008,13.404954",
    "percent 99.95% of 1.000.000",
    "isbn 978-3-16-148410-0",
    "+1 more item, -1 fewer",
    # IPv6 and MAC look-alikes, kept addresses
    "std::vector<int> and Foo::bar() and a:b:c",
    "[::]:8080 and :: and 0.0.0.0:80",
    "loopback ::1 and 127.0.0.1 and localhost",
    "docs use 2001:db8::1, 192.0.2.10, 198.51.100.7, 203.0.113.99 and www.example.com",
    "netmask 255.255.255.0 broadcast 255.255.255.255",
    "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774",
    "ratio 01:23:45:67 and aa:bb:cc:dd:ee",
    "mac 00:00:00:00:00:00 and ff:ff:ff:ff:ff:ff",
    "onTouchEvent::0, x=271.0",
    "time 10:30:00.123 - 11:45:59",
    # e-mail and user look-alikes
    "QuorumCnxManager$SendWorker@688 android.os.BinderProxy@2bd79ce",
    "@Override public void run()",
    "npm i @types/node lodash@4.17.21",
    "image foo@2x.png scaled",
    "@timestamp and @version fields",
    "check pass; user unknown",
    "No more user authentication methods available",
    "user-level KeeperException when processing",
    # secret look-alikes
    "password reset requested",
    "The password must be at least 8 characters",
    "password: ********",
    "password=<redacted> token=null secret=",
    "api_key=${API_KEY} secret: {{ .Values.secret }}",
    "password_policy=strict passwordExpiryDays=90",
    "Token{a64f992 ActivityRecord{de9231d u0}}",
    "tokens: 5 max_tokens=4096 input_tokens: 1234",
    "auth:SIMPLE auth_type=oauth",
    "Kind: YARN_AM_RM_TOKEN, Service: , Ident: (appAttemptId { application_id { id: 20 } })",
    "keyId: -127633188 key=0|com.tencent.mm|4097|null|10112",
    "publicKey=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA secretName=db-creds",
    "token_type=Bearer expires_in=3600",
    "Authorization: Bearer",
    "Bearer token missing or expired",
    "-----BEGIN PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----",
    "ghp_short xoxb-123 glpat-abc AKIAISNOTAKEY AIzaShort eyJhbGciOiJIUzI1NiJ9",
    "passwd: all authentication tokens updated successfully",
    "Bad activity token: android.os.BinderProxy@2bd79ce",
    "signature=valid checksum=ok",
    "Cookie: ",
    "JSESSIONID= expired",
    "secret_rotation_days=30",
    "password=[PASSWORD:1a2b3c4d5e] host=[HOSTNAME:0f9e8d7c6b]",
    "Adding #0 tokens and #1 secret keys for NM use for launching container",
    "Executing with tokens:",
    "PWD=/var/lib/app OLDPWD=/root/ignored".replace("/root/ignored", "/tmp"),
]

for t in TRAPS:
    OUT.append({"text": t, "spans": [], "src": "crafted/trap"})

# Generated traps: numbers and tokens in bulk.
for _ in range(60):
    t = R.choice([
        lambda: f"{ts()} {lvl()} worker-{R.randint(1, 64)}: processed {R.randint(1, 10**6)} records in {R.randint(1, 9999)}ms (pid {R.randint(100, 65535)})",
        lambda: f"blk_{R.choice(['', '-'])}{R.randint(10**17, 10**19 - 1)} len={R.randint(1, 2**26)} gen={R.randint(1000, 9999)}",
        lambda: f"uuid={'-'.join([hexs(8), hexs(4), hexs(4), hexs(4), hexs(12)])} etag=\"{hexs(32)}\"",
        lambda: f"version {R.randint(1, 20)}.{R.randint(0, 20)}.{R.randint(0, 99)}.{R.randint(0, 999)} ({R.choice(['amd64', 'arm64'])})",
        lambda: f"task_{R.randint(10**11, 10**12)}_{R.randint(1, 9999):04d}_m_{R.randint(1, 999999):06d} progress {R.random():.4f}",
        lambda: f"GC pause {R.random() * 100:.3f}ms heap {R.randint(100, 4096)}M->{R.randint(100, 4096)}M({R.randint(4096, 8192)}M)",
        lambda: f"{R.choice(['org', 'com', 'io', 'net'])}.{R.choice(['acme', 'apache', 'netty', 'google'])}.{R.choice(['core', 'util', 'http'])}.{R.choice(['Server', 'Client', 'Pool'])}{R.choice(['Impl', 'Factory', ''])}: {R.choice(['started', 'stopped', 'idle'])}",
        lambda: f"hash {hexs(40)} size {R.randint(1, 10**9)} mtime {R.randint(1400000000, 1800000000)}",
    ])()
    OUT.append({"text": t, "spans": [], "src": "crafted/trap"})

# ---- hand-written lines in the formats of common servers ------------------
# Written by hand before running the detector on them, to catch what the
# templated groups above are blind to.

HAND = [
    # nginx / Apache access logs
    '⟦ipv4|93.184.12.7⟧ - - [15/Jan/2024:10:30:00 +0000] "GET /index.html HTTP/1.1" 200 612 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"',
    '⟦ipv4|10.4.7.21⟧ - ⟦username|jsmith⟧ [15/Jan/2024:10:31:02 +0100] "POST /api/login HTTP/2.0" 401 53 "https://⟦hostname|portal.acme-corp.com⟧/login" "curl/8.4.0"',
    '⟦ipv4|172.19.0.4⟧ - - [15/Jan/2024:10:32:15 +0000] "GET /reset?email=⟦email|maria.lopez@globex.net⟧&token=⟦secret|q8Zk2mN4vX7pL1sR9tY3wB6c⟧ HTTP/1.1" 302 0',
    '2024/01/15 10:33:01 [error] 1234#1234: *56 connect() failed (111: Connection refused) while connecting to upstream, client: ⟦ipv4|198.18.4.20⟧, server: ⟦hostname|shop.initech.org⟧, request: "GET /cart HTTP/1.1", upstream: "http://⟦ipv4|10.0.12.5⟧:8080/cart", host: "⟦hostname|shop.initech.org⟧"',
    '[Mon Jan 15 10:34:22.123456 2024] [auth_basic:error] [pid 4242:tid 140121] [client ⟦ipv4|81.2.69.160⟧:53422] AH01618: user ⟦username|admin⟧ not found: /admin',
    '⟦ipv6|2a02:8108:1940:3f00:d1c2:9a4b:7e21:5f10⟧ - - [15/Jan/2024:10:35:00 +0000] "GET /favicon.ico HTTP/1.1" 404 153',
    # systemd / syslog
    'Jan 15 10:36:01 ⟦hostname|web-02⟧ systemd[1]: Started Session 4711 of user ⟦username|deploy⟧.',
    'Jan 15 10:36:05 ⟦hostname|web-02⟧ sshd[8812]: Accepted password for ⟦username|deploy⟧ from ⟦ipv4|85.214.132.117⟧ port 50122 ssh2',
    'Jan 15 10:36:09 ⟦hostname|web-02⟧ sshd[8813]: Connection from ⟦ipv4|45.155.205.233⟧ port 41234 on ⟦ipv4|10.1.0.5⟧ port 22 rdomain ""',
    'Jan 15 10:36:12 ⟦hostname|db01.prod.lan⟧ postgres[2211]: [3-1] FATAL:  password authentication failed for user "⟦username|reporting⟧"',
    'Jan 15 10:36:15 ⟦hostname|fw1⟧ kernel: [UFW BLOCK] IN=eth0 OUT= MAC=⟦mac_address|52:54:00:12:34:56⟧:⟦mac_address|52:54:00:ab:cd:ef⟧:08:00 SRC=⟦ipv4|185.220.101.45⟧ DST=⟦ipv4|10.0.0.2⟧ LEN=60 TTL=49 PROTO=TCP SPT=44321 DPT=3389',
    'Jan 15 10:36:20 ⟦hostname|mail⟧ postfix/smtpd[3321]: NOQUEUE: reject: RCPT from unknown[⟦ipv4|91.240.118.172⟧]: 554 5.7.1 <⟦email|ceo@wayne-enterprises.com⟧>: Relay access denied; from=<⟦email|spam@bulkmail.ru⟧> to=<⟦email|ceo@wayne-enterprises.com⟧> proto=ESMTP helo=<⟦hostname|mx.bulkmail.ru⟧>',
    'Jan 15 10:36:25 ⟦hostname|mail⟧ dovecot: imap-login: Login: user=<⟦email|peggy.king@hooli.co.uk⟧>, method=PLAIN, rip=⟦ipv4|62.30.112.9⟧, lip=⟦ipv4|10.0.3.3⟧, mpid=5512, TLS',
    'Jan 15 10:36:30 ⟦hostname|nas01⟧ smbd[1999]: pam_unix(samba:session): session closed for user ⟦username|mwilson⟧',
    'Jan 15 10:36:31 ⟦hostname|build-07⟧ sudo[4002]:  ⟦username|kpatel⟧ : TTY=pts/1 ; PWD=/home/⟦username|kpatel⟧/src ; USER=⟦username|root⟧ ; COMMAND=/usr/bin/apt-get upgrade',
    'Jan 15 10:36:40 ⟦hostname|vpn⟧ openvpn[771]: ⟦ipv4|37.120.1.8⟧:51820 TLS: Username/Password authentication succeeded for username \'⟦username|rthomas⟧\'',
    'Jan 15 10:36:45 ⟦hostname|dhcp⟧ dhcpd[900]: DHCPREQUEST for ⟦ipv4|192.168.10.44⟧ from ⟦mac_address|3c:22:fb:9a:10:7e⟧ (⟦hostname|laptop-jdoe⟧) via eth1',
    # application JSON logs
    '{"ts":"2024-01-15T10:37:00Z","level":"info","msg":"user signed up","email":"⟦email|yasmin.adams@umbrella.io⟧","ip":"⟦ipv4|77.111.246.10⟧","plan":"pro"}',
    '{"level":"debug","request":{"method":"POST","url":"/oauth/token","headers":{"authorization":"Basic ⟦password|Y2xpZW50OnMzY3IzdA==⟧","content-type":"application/x-www-form-urlencoded"}}}',
    '{"event":"payment","card":{"number":"⟦credit_card|5425233430109903⟧","exp":"04/26"},"amount":1999,"currency":"EUR"}',
    '{"severity":"ERROR","message":"db connect failed","dsn":"⟦connection_string|postgres://app_rw:Xk9%23pLm2@pg-main.internal:5432/app⟧","attempt":3}',
    '{"msg":"config loaded","aws":{"region":"eu-central-1","access_key_id":"⟦aws_access_key_id|AKIAZ7XQ4LMNB2RT5VW6⟧","secret_access_key":"⟦aws_secret_key|9fQe/3LmZx+Tq7WnVb2Kc8Rr1YdHs0AoUjPiGe4N⟧"}}',
    '{"ts":1705315020,"svc":"notifier","slack_webhook":"https://⟦hostname|hooks.slack.com⟧/services/⟦slack_token|T04ABCD1E/B05FGHIJ2KL/aB3dE5fG7hI9jK1lM3nO5pQ7⟧"}',
    '{"user_id":48213,"phone":"⟦phone_number|+1 (646) 555-0172⟧","verified":false}',
    '{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","duration_ms":12.7,"status":200}',
    '{"kind":"Secret","metadata":{"name":"db-credentials","namespace":"prod"},"type":"Opaque"}',
    # Kubernetes / containers
    'E0115 10:38:01.123456       1 reflector.go:138] k8s.io/client-go/informers/factory.go:134: Failed to watch *v1.Pod: Get "https://⟦ipv4|10.96.0.1⟧:443/api/v1/pods?resourceVersion=123": dial tcp ⟦ipv4|10.96.0.1⟧:443: i/o timeout',
    'Warning  FailedPull  2m  kubelet  Failed to pull image "⟦hostname|registry.acme-corp.com⟧/team/api:1.4.2": rpc error: code = Unknown desc = failed to resolve reference',
    'time="2024-01-15T10:38:10Z" level=info msg="pulling image" image="docker.io/library/nginx:1.25.3" digest="sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac"',
    'kubectl create secret generic api --from-literal=password=⟦password|Tr0ub4dor&3⟧ --from-literal=username=⟦username|svc-api⟧',
    'docker login -u ⟦username|ci-bot⟧ -p ⟦password|dckr_pat_Q1w2E3r4T5y6U7i8O9p0⟧ ⟦hostname|registry.gitlab.com⟧',
    'helm install app ./chart --set image.tag=2.3.1 --set db.password=⟦password|h3lmS3cret⟧',
    # Java / Spring
    '2024-01-15 10:39:00.123  INFO 1 --- [main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port(s): 8080 (http) with context path \'\'',
    '2024-01-15 10:39:01.456 ERROR 1 --- [nio-8080-exec-3] c.a.s.web.LoginController : login failed for ⟦email|dave.young@contoso.com.au⟧ from ⟦ipv4|203.45.67.89⟧',
    '2024-01-15 10:39:02.789 DEBUG 1 --- [main] o.h.SQL : select u.id, u.email from users u where u.email=?',
    'spring.datasource.url=⟦connection_string|jdbc:mysql://⟦⟧db.internal:3306/shop?user=shop&password=Sh0pP4ss⟧'.replace('⟦⟧', ''),
    'Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "⟦username|analytics⟧"',
    '\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)',
    'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
    # Windows
    'An account failed to log on. Subject: Security ID: S-1-5-18 Account Name: ⟦username|WS-0142$⟧ Account Domain: ACME Logon Type: 3 Account Name: ⟦username|jdoe⟧ Source Network Address: ⟦ipv4|10.20.30.41⟧',
    'C:\\Program Files\\App\\app.exe --config C:\\Users\\⟦username|lmartin⟧\\AppData\\Roaming\\App\\config.json',
    'The user profile for ⟦username|ACME\\bnelson⟧ was loaded',
    # databases
    '# User@Host: ⟦username|shop⟧[⟦username|shop⟧] @ ⟦hostname|app-3.internal⟧ [⟦ipv4|10.0.5.13⟧]  Id: 4512',
    'LOG:  connection authorized: user=⟦username|grafana⟧ database=metrics application_name=grafana',
    'redis: AUTH failed for ⟦ipv4|10.0.9.9⟧:6379 using ⟦connection_string|redis://:R3d1sP4ss@cache.internal:6379/0⟧',
    'mongo: connecting ⟦connection_string|mongodb://admin:M0ng0Adm1n@mongo-0.mongo,mongo-1.mongo:27017/admin?replicaSet=rs0⟧',
    'ERROR 1045 (28000): Access denied for user \'⟦username|root⟧\'@\'⟦ipv4|172.17.0.1⟧\' (using password: YES)',
    # cloud
    '{"eventSource":"⟦hostname|iam.amazonaws.com⟧","eventName":"CreateAccessKey","sourceIPAddress":"⟦ipv4|54.240.197.233⟧","userIdentity":{"type":"IAMUser","userName":"⟦username|ci-deployer⟧","accessKeyId":"⟦aws_access_key_id|ASIAQ3EXAMPLEZ7KD2LM⟧"}}',
    'gcloud: using API key ⟦gcp_api_key|AIzaSyD4x9Lq2Wm7Rt8Yp1Kc3Vb6Nj0Hg5Fe2Ds⟧ for project acme-prod',
    'az storage blob upload --account-name acmelogs --account-key ⟦azure_key|q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c2V3b4N5m6Q7w8E9r0T1y2U3i4O5p6A7s8D9f0G1h2J3k4L5==⟧ --file app.log',
    'https://⟦hostname|acmelogs.blob.core.windows.net⟧/logs/app.log?sp=r&st=2024-01-15T10:00:00Z&se=2024-01-16T10:00:00Z&spr=https&sv=2022-11-02&sr=b&sig=⟦azure_key|Yx3kP9qL2mN7vB4cT8wR1sD6fG0hJ5kA2zX9cV%2BbN3m%3D⟧',
    # CI / git
    'Run actions/checkout@v4 with token ⟦github_token|ghs_Abc123Def456Ghi789Jkl012Mno345Pqr678⟧',
    'remote: Invalid username or password. fatal: Authentication failed for \'https://⟦hostname|github.com⟧/acme/app.git/\'',
    'git push https://⟦url_with_credentials|x-access-token:⟦⟧ghp_Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa12⟧@⟦hostname|github.com⟧/acme/app.git'.replace('⟦⟧', ''),
    'GitLab CI: cloning with ⟦gitlab_token|glpat-9xK2mP4qR7sT1vW3yZ5a⟧',
    'npm notice Publishing to https://⟦hostname|registry.npmjs.org⟧/ with tag latest and default access',
    '//⟦hostname|registry.npmjs.org⟧/:_authToken=⟦secret|npm_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78⟧',
    # mail / identity
    'Delivered to ⟦email|frank.hill@stark-industries.de⟧; Message-ID: <⟦email|20240115103900.4F2A1C0012@mail.stark-industries.de⟧>',
    'LDAP bind as uid=⟦username|ebaker⟧,ou=people,dc=acme,dc=com failed: Invalid credentials (49)',
    'SAML assertion for ⟦email|olivia.carter@tyrell.jp⟧ issued by https://⟦hostname|login.microsoftonline.com⟧/tenant/saml2',
    # telephony / support
    'Twilio: SMS to ⟦phone_number|+44 7700 900123⟧ delivered (sid SM9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c)',
    'support ticket #48211: customer called from ⟦phone_number|(212) 555-0147⟧ about invoice INV-2024-00012',
    'Kundendienst: Rückruf unter ⟦phone_number|+49 89 2180 3344⟧ erbeten',
    # payments
    'stripe: charge ch_3OZ2bC2eZvKYlo2C1x6a0Q4r failed: card ⟦credit_card|4000 0000 0000 0002⟧ declined (generic_decline)',
    'adyen: AUTHORISATION pspReference=8535296650153317 cardSummary=1111 expiry=03/2030',
    'pay: amex ⟦credit_card|3714-496353-98431⟧ accepted',
    # network gear
    '%ASA-6-302013: Built inbound TCP connection 1234 for outside:⟦ipv4|198.19.2.5⟧/443 (⟦ipv4|198.19.2.5⟧/443) to inside:⟦ipv4|10.1.1.5⟧/51234 (⟦ipv4|10.1.1.5⟧/51234)',
    'switch01: %SW_MATM-4-MACFLAP_NOTIF: Host ⟦mac_address|0050.56ab.12cd⟧ in vlan 10 is flapping between port Gi1/0/1 and port Gi1/0/2',
    'router: BGP neighbor ⟦ipv6|2001:7f8:1::a500:6939:1⟧ Up',
    'wlan: station ⟦mac_address|A4-83-E7-1B-2C-3D⟧ associated with SSID corp-wifi',
    # traps in realistic lines
    '2024-01-15 10:40:00,001 INFO  [main] org.eclipse.jetty.server.Server: jetty-9.4.53.v20231009; built: 2023-10-09T12:29:09.265Z; git: 27bde00a0b95a1d5bbee0eae7984f891d2d0f8c9; jvm 17.0.9+9',
    'INFO  [main] c.z.h.HikariDataSource: HikariPool-1 - Starting... maxPoolSize=10 idleTimeout=600000',
    'Downloaded from central: https://⟦hostname|repo.maven.apache.org⟧/maven2/org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.jar (64 kB at 1.2 MB/s)',
    'pip: Successfully installed requests-2.31.0 urllib3-2.1.0 certifi-2023.11.17',
    'GC(12) Pause Young (Normal) (G1 Evacuation Pause) 512M->128M(2048M) 8.123ms',
    'kafka: Completed rebalance for group analytics, generation 42, member consumer-1-5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c',
    'elasticsearch: [node-1] [logs-2024.01.15][0] started, took [1.2s]',
    'prometheus: scrape_duration_seconds{job="node"} 0.012345 1705315200000',
    'cron: (root) CMD (/usr/local/bin/backup.sh >/dev/null 2>&1)'.replace('(root)', '(⟦username|root⟧)'),
    'audit: type=USER_LOGIN msg=audit(1705315260.123:456): pid=999 uid=0 auid=1000 ses=3 msg=\'op=login acct="⟦username|alice⟧" exe="/usr/sbin/sshd" hostname=? addr=⟦ipv4|41.58.10.77⟧ terminal=ssh res=success\'',
    'sshd[1001]: Received disconnect from ⟦ipv4|61.177.172.140⟧ port 29148:11:  [preauth]',
    'haproxy[77]: ⟦ipv4|100.64.3.2⟧:51012 [15/Jan/2024:10:41:00.123] fe_https~ be_api/api2 0/0/1/12/13 200 512 - - ---- 10/10/1/1/0 0/0 "GET /v1/health HTTP/1.1"',
    'envoy: [2024-01-15T10:41:01.000Z] "GET /api HTTP/1.1" 503 UF 0 91 5000 - "-" "Go-http-client/1.1" "7c6f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b" "api.svc.cluster.local" "⟦ipv4|10.244.1.17⟧:8080"'.replace('"api.svc.cluster.local"', '"⟦hostname|api.svc.cluster.local⟧"'),
    'etcd: raft: 8e9e05c52164694d elected leader 8e9e05c52164694d at term 5',
    'consul: agent: Synced node info, node=⟦hostname|consul-server-1⟧',
]

for t in HAND:
    OUT.append(line(t, "handwritten"))

# ---- issue 10: IBANs and Kubernetes Secret data --------------------------
# Own generator, so that the lines above stay as they were.
R2 = random.Random(10)
IBAN_LEN = {"DE": 22, "GB": 22, "FR": 27, "NL": 18, "ES": 24, "IT": 27, "CH": 21, "BE": 16, "AT": 20, "PL": 28}


def iban(spaced):
    cc = R2.choice(sorted(IBAN_LEN))
    n = IBAN_LEN[cc] - 4
    if cc in ("GB", "NL"):
        bban = "".join(R2.choice(string.ascii_uppercase) for _ in range(4)) + "".join(R2.choice(string.digits) for _ in range(n - 4))
    else:
        bban = "".join(R2.choice(string.digits) for _ in range(n))
    num = "".join(str(int(c, 36)) for c in bban + cc + "00")
    v = cc + "%02d" % (98 - int(num) % 97) + bban
    if spaced:
        v = " ".join(v[i:i + 4] for i in range(0, len(v), 4))
    return v


for k in range(40):
    v = iban(k % 2 == 1)
    tpl = R2.choice([
        "payout queued to ⟦iban|{v}⟧ amount=120.00 EUR",
        "{t} INFO sepa: mandate created iban=⟦iban|{v}⟧ bic=DEUTDEFF",
        '{{"event":"refund","iban":"⟦iban|{v}⟧","status":"ok"}}',
        "Beneficiary account: ⟦iban|{v}⟧ (verified)",
    ])
    OUT.append(line(tpl.format(v=v, t="2024-03-0%dT10:00:00Z" % (k % 9 + 1)), "iban"))
for k in range(30):
    b = base64.b64encode(("".join(R2.choice(ALNUM) for _ in range(R2.randint(12, 30)))).encode()).decode()
    name = R2.choice(["config.json", "token.txt", "dbpass", "webhook-url", "ca-seed"])
    OUT.append(line("kubectl get secret app -o yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  %s: ⟦k8s_secret|%s⟧\n" % (name, b), "k8s_secret"))
# IBAN traps: right shape, wrong check digits or unknown country.
for k in range(10):
    v = iban(False)
    bad = v[:2] + "%02d" % ((int(v[2:4]) + 1) % 100) + v[4:]
    OUT.append(line("order ref " + bad + " not an account", "iban_trap"))
OUT.append(line("part number ZZ12345678901234567 shipped", "iban_trap"))

for row in OUT:
    print(json.dumps(row, ensure_ascii=False))
