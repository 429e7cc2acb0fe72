"""The redaction corpus: fake secrets of every listed format in realistic log lines, and look-alikes.

Every value is generated from a seeded RNG in the shape of the real format (lengths, alphabets,
fixed prefixes), so nothing here is a real credential and no literal key sits in the repository for
secret scanners to trip on. Look-alikes are what logs are full of and must survive: GUIDs, hashes,
commit ids, W3C trace ids, base64 payloads, UUIDs in URLs, ordinary words next to `key` or `token`.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from dataclasses import dataclass

B64 = string.ascii_letters + string.digits + "+/"
B64URL = string.ascii_letters + string.digits + "-_"
ALNUM = string.ascii_letters + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Case:
    """One log line; `kind` names the secret in it, or is None for a look-alike that must survive."""

    line: str
    value: str
    """The secret (must vanish) or the look-alike (must stay)."""
    kind: str | None


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def hex(self, n: int) -> str:
        return self.chars("0123456789abcdef", n)

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def storage_key(self) -> str:
        return base64.b64encode(self.rng.randbytes(64)).decode()

    def jwt(self) -> str:
        def part(obj: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

        header = part({"alg": "RS256", "typ": "JWT", "kid": self.hex(8)})
        claims = part({"sub": self.guid(), "aud": "api://orders", "exp": 1767225600 + self.rng.randrange(10**6)})
        signature = base64.urlsafe_b64encode(self.rng.randbytes(64)).decode().rstrip("=")
        return f"{header}.{claims}.{signature}"

    def pem(self, label: str) -> str:
        body = base64.b64encode(self.rng.randbytes(600)).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])

    def password(self) -> str:
        return self.chars(ALNUM, 8) + self.rng.choice("!#%*+-_") + self.chars(ALNUM, 4)


def _secret_cases(g: _Gen) -> list[Case]:
    cases: list[Case] = []

    def add(kind: str, value: str, template: str) -> None:
        cases.append(Case(template.format(v=value), value, kind))

    key = g.storage_key()
    add("azure-storage-key", key, "ERROR BlobClient init failed: DefaultEndpointsProtocol=https;AccountName=stprod"
        "orders;AccountKey={v};EndpointSuffix=core.windows.net")  # fmt: skip
    add("azure-storage-key", g.storage_key(), '{{"AzureWebJobsStorage": "AccountName=stfn01;AccountKey={v}"}}')
    add("azure-shared-access-key", g.storage_key()[:44], "sb conn Endpoint=sb://sb-prod.servicebus.windows.net/;"
        "SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={v}")  # fmt: skip
    sig = base64.b64encode(g.rng.randbytes(32)).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    add("azure-sas-token", sig, "GET https://stprod.blob.core.windows.net/exports/a.csv?sv=2022-11-02&ss=b&srt=o"
        "&sp=r&se=2026-03-01T00:00:00Z&st=2026-02-01T00:00:00Z&spr=https&sig={v} 403")  # fmt: skip
    add("openai-key", "sk-proj-" + g.chars(B64URL, 156), "WARN openai: 401 invalid api key {v}")
    add("openai-key", "sk-svcacct-" + g.chars(B64URL, 74), "OPENAI_API_KEY={v}")
    add("openai-key", "sk-" + g.chars(ALNUM, 20) + "T3BlbkFJ" + g.chars(ALNUM, 20), "using key {v} for embeddings")
    add("azure-client-secret", g.chars(ALNUM, 3) + "8Q~" + g.chars(ALNUM + "_~.-", 34),
        "MSAL: AADSTS7000215 invalid client secret provided: {v}")  # fmt: skip
    add("anthropic-key", "sk-ant-api03-" + g.chars(B64URL, 93) + "AA", 'headers={{"x-api-key": "{v}"}}')
    add("github-token", "ghp_" + g.chars(ALNUM, 36), "git clone https://x-access-token@github.com/org/repo token={v}")
    add("github-token", "github_pat_" + g.chars(ALNUM, 22) + "_" + g.chars(ALNUM, 59), "GH_TOKEN {v} expired")
    add("github-token", "ghs_" + g.chars(ALNUM, 36), "installation token {v} minted")
    add("jwt", g.jwt(), "INFO auth: Authorization: Bearer {v}")
    add("jwt", g.jwt(), "id_token={v}&state=xyz")
    add("jwt", g.jwt(), "validated {v} for tenant")
    add("private-key", g.pem("RSA PRIVATE KEY"), "loaded signing key:\n{v}\nok")
    add("private-key", g.pem("OPENSSH PRIVATE KEY").replace("\n", "\\n"), '{{"deploy_key": "{v}"}}')
    add("private-key", g.pem("PRIVATE KEY"), "{v}")
    add("aws-access-key", "AKIA" + g.chars(UPPER_ALNUM, 16), "boto3: using access key AKIA id {v} from env")
    add("aws-access-key", "ASIA" + g.chars(UPPER_ALNUM, 16), "aws_access_key_id={v}")
    add("aws-secret-key", g.chars(B64, 40), "aws_secret_access_key = {v}")
    add("password", g.password(), "db connect failed: password={v}; retrying")
    add("password", g.password(), '{{"user": "svc-orders", "password": "{v}"}}')
    add("password", g.password(), "Server=tcp:sql-prod.database.windows.net;User ID=app;Password={v};Encrypt=True")
    add("password", g.password(), "redis: AUTH failed, REDIS_PASSWORD: {v}")
    add("password", g.password(), "--db-pwd={v} --verbose")
    add("secret", g.chars(B64URL, 34), "client_secret={v}&grant_type=client_credentials")
    add("secret", g.password(), "clientSecret: {v}")
    add("url-password", g.password(), "connecting to postgresql://orders:{v}@pg-prod.internal:5432/orders")
    add("url-password", g.password(), "amqp://guest:{v}@rabbit:5672/")
    add("high-entropy-secret", g.chars(ALNUM, 32), "api_key={v}")
    add("high-entropy-secret", g.chars(ALNUM, 40), "Ocp-Apim-Subscription-Key: x subscription_key={v}")
    add("high-entropy-secret", g.chars(B64URL, 43), "refresh_token: {v}")
    add("high-entropy-secret", g.hex(32), "GET /orders Ocp-Apim-Subscription-Key: {v}")
    add("bearer-token", g.chars(ALNUM + "._-", 48), "curl -H 'Authorization: Bearer {v}' https://api")
    add("slack-token", "xoxb-" + "-".join([g.chars(string.digits, 12), g.chars(string.digits, 13),
        g.chars(ALNUM, 24)]), "slack notify with {v}")  # fmt: skip
    add("google-api-key", "AIza" + g.chars(B64URL, 35), "maps?key={v}")
    return cases


def _lookalike_cases(g: _Gen) -> list[Case]:
    cases: list[Case] = []

    def add(value: str, template: str) -> None:
        cases.append(Case(template.format(v=value), value, None))

    for _ in range(3):
        add(g.guid(), "request {v} failed with 500")
        add(g.guid(), "x-ms-request-id: {v}")
        add(g.guid(), "GET /api/orders/{v}/items HTTP/1.1 200")
        add(g.hex(40), "commit {v}")
        add(g.hex(40), "deployed sha={v} to prod")
        add(g.hex(12), "HEAD is now at {v} fix coupon rounding")
        add(g.hex(64), "sha256:{v}")
        add(g.hex(64), "image=acr.azurecr.io/orders@sha256:{v}")
        add(g.hex(32), "trace_id={v} span_id=" + g.hex(16))
        add(g.hex(32), "traceparent: 00-{v}-" + g.hex(16) + "-01")
        add(g.hex(32), "operation_Id {v}")
        add(g.hex(40), "etag: {v}")
        add(g.hex(32), "md5 checksum {v} matches")
    add(base64.b64encode(b"order 1234 created for customer 77 at 2026-02-01").decode(), "payload={v}")
    add(base64.b64encode(g.rng.randbytes(48)).decode(), "body (base64): {v}")
    add("user:42:profile", "cache key: {v}")
    add("tenant-42", "partition_key=tenant-42")
    add("4096", "max_tokens: {v}")
    add("1234", "token_count={v}")
    add("reset", "password {v} requested for user bob@example.com")
    add("PasswordResetController", "at Shop.Api.{v}.Post() line 88")
    add("${DB_PASSWORD}", "password=${{DB_PASSWORD}}")
    add("/subscriptions/" + g.guid() + "/resourceGroups/rg-prod", "scope {v}")
    add("orders-api-7d9f8b6c5-x2kqz", "pod {v} restarted")
    add("ERR_TOKEN_EXPIRED", "error code {v}")
    add("idempotency-key", "header {v}: " + g.guid())
    add("v2.3.1-rc.4", "version {v}")
    add("0x8DC3A1B2C3D4E5F", 'ETag "{v}"')
    add(g.hex(40), "sha1={v}")
    add(g.guid(), "correlation_id={v} continuation_token=" + g.guid())
    add("kv-db-conn", "secretName: {v}")
    add("https://kv-prod.vault.azure.net/", "keyVaultUri: {v}")
    add("0.97", "pass_rate={v} passed: 12 failed: 0")
    add('realm="api"', "WWW-Authenticate: Bearer {v}")
    add("git@github.com:org/checkout.git", "cloning {v}")
    add("https://deploy@dev.azure.com/org/", "remote {v}")
    add("AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + g.chars(B64, 40), "authorized key ssh-rsa {v} ops@bastion")
    add(g.pem("CERTIFICATE"), "server certificate:\n{v}")
    add("true", "automountServiceAccountToken: {v}")
    return cases


def corpus(seed: int = 20261206) -> list[Case]:
    """Every secret case and every look-alike case, in a fixed order."""
    g = _Gen(seed)
    return [*_secret_cases(g), *_lookalike_cases(g)]
