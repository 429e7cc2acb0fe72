"""Build the `checkout-bad-deploy` example scenario, byte for byte the same on every run.

    python examples/scenarios/build_checkout_bad_deploy.py [OUTPUT_DIR]

The story: `checkout`, a small Python service (FastAPI; carts in Redis, coupons in PostgreSQL, a
payments gateway client), gets 13 commits from 3 people over two weeks and is released five times.
Release 1.5.0 goes to production at 13:25Z on 2026-03-02. It carries a commit that adds marketing
campaign codes whose end date may be empty; `coupons._is_expired` (older code, untouched) then compares
None with a datetime and raises TypeError. The campaign email goes out at 13:45Z, SPRING26 traffic
climbs and the exception alert fires at 14:04Z. The same release also carries a README commit and a
pricing refactor (both harmless), and a later commit on main was never deployed. Telemetry covers
08:00Z to 14:05Z with background traffic, a second service (cart-api, with its own deploy at 11:50Z)
and an unrelated recurring error (payment gateway timeouts).

Determinism: fixed authors, emails and dates (GIT_AUTHOR_DATE / GIT_COMMITTER_DATE), a clean git
environment with one pack thread, a fixed random seed, and sorted, fixed-format JSON.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
from _scenario_kit import Built, Commit, Source, dump_json, files_under, iso, line_of, write_scenario_from_sources  # noqa: E402

NAME = "checkout-bad-deploy"
SEED = 20260302
INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
TELEMETRY_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PROD_DEPLOY = datetime(2026, 3, 2, 13, 25, tzinfo=UTC)
BANNER = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
CAMPAIGN_EMAIL = datetime(2026, 3, 2, 13, 45, tzinfo=UTC)
ALERT_FIRED = datetime(2026, 3, 2, 14, 4, 31, 228190, tzinfo=UTC)
SUBSCRIPTION = "3f1c2e0a-5b7d-4c9e-9a61-2d8b7e4f0c13"
RESOURCE_GROUP = "rg-shop-prod"

PRIYA = ("Priya Raman", "priya.raman@contoso.example")
MARCUS = ("Marcus Chen", "marcus.chen@contoso.example")
SOFIA = ("Sofia Alvarez", "sofia.alvarez@contoso.example")

# ---------------------------------------------------------------------------------------------------
# The service's history: _sources/checkout-bad-deploy/repos/checkout/ holds the first commit's tree
# (base/) and one patch per later commit; 0009-campaigns.patch is the change that caused the incident.
# ---------------------------------------------------------------------------------------------------

SOURCES = Path(__file__).resolve().parent / "_sources" / NAME
CHECKOUT = Source(
    SOURCES / "repos" / "checkout",
    Commit(
        "initial",
        PRIYA,
        "2026-02-16T09:12:04+01:00",
        "Initial checkout service: carts, pricing, payments client",
        "Quote and checkout endpoints; carts come from Redis, payments go through the gateway.",
        {},
    ),
    tags={"retries": "v1.1.0", "min-subtotal": "v1.2.0", "logging": "v1.3.0", "httpx": "v1.4.0", "money": "v1.5.0"},
)
CULPRIT = "campaigns"
RELEASED = "money"  # the tip of release 1.5.0, whose files the stack traces point into


# ---------------------------------------------------------------------------------------------------
# Telemetry
# ---------------------------------------------------------------------------------------------------

FASTAPI_FRAME = {
    "method": "run_endpoint_function",
    "fileName": "/usr/local/lib/python3.12/site-packages/fastapi/routing.py",
    "line": 212,
    "assembly": "fastapi",
}
CHECKOUT_HOST = "https://checkout.contoso.example"
CART_HOST = "https://cart.contoso.example"
REDIS = "redis-shop-prod.redis.cache.windows.net:6380"
POSTGRES = "psql-shop-prod.postgres.database.azure.com | checkout"
GATEWAY = "payments-gateway.contoso.example"
COUPON_SQL = "SELECT code, kind, value, expires_at, min_subtotal FROM coupons WHERE code = %s"
CAMPAIGN_SQL = "SELECT code, discount_percent, ends_at FROM campaigns WHERE code = %s AND active"
OLD_REVISION, NEW_REVISION = "ca-checkout-api--rel140", "ca-checkout-api--rel150"
REPLICA_SWITCH = {"7d9c4b5f6-kx2vq": timedelta(seconds=40), "7d9c4b5f6-p8m3z": timedelta(seconds=95)}
NEW_REPLICAS = {"7d9c4b5f6-kx2vq": "5b8f7c9d4-hq7rt", "7d9c4b5f6-p8m3z": "5b8f7c9d4-w2n6j"}


@dataclass
class Telemetry:
    rng: random.Random
    deployed: dict[str, str]  # path -> text at the deployed commit
    requests: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    traces: list[dict[str, Any]] = field(default_factory=list)
    coupon_cache: dict[tuple[str, str], datetime] = field(default_factory=dict)
    gateway_hiccups: list[datetime] = field(default_factory=list)

    def operation_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def line(self, path: str, needle: str) -> int:
        return line_of(self.deployed[path], needle)

    def duration(self, low: float, high: float) -> float:
        return round(self.rng.uniform(low, high), 1)

    def dependency(self, at: datetime, role: str, op: str, name: str, kind: str, target: str, **extra: Any) -> float:
        duration = extra.pop("duration", None) or self.duration(*{"redis": (0.6, 2.8), "postgresql": (2.5, 14.0)}[kind])
        row = {
            "TimeGenerated": iso(at),
            "AppRoleName": role,
            "Name": name,
            "Target": target,
            "DependencyType": kind,
            "ResultCode": extra.pop("result", "0" if kind != "HTTP" else "200"),
            "DurationMs": duration,
            "Success": extra.pop("success", True),
            "OperationId": op,
        }
        row.update(extra)
        self.dependencies.append(row)
        return duration

    def trace(
        self, at: datetime, role: str, op: str | None, message: str, level: int, version: str, **props: Any
    ) -> None:
        self.traces.append(
            {
                "TimeGenerated": iso(at),
                "AppRoleName": role,
                "Message": message,
                "SeverityLevel": level,
                "OperationId": op or "",
                "Properties": {k: str(v) for k, v in sorted(props.items())},
                "AppVersion": version,
            }
        )


def arrivals(rng: random.Random, per_minute: Any, peak: float) -> Iterator[datetime]:
    """A non-homogeneous Poisson process by thinning: `per_minute(t)` never exceeds `peak`."""
    moment = TELEMETRY_START
    while True:
        moment += timedelta(seconds=rng.expovariate(peak / 60.0))
        if moment >= INCIDENT:
            return
        if rng.random() < per_minute(moment) / peak:
            yield moment.replace(microsecond=(moment.microsecond // 1000) * 1000)


def morning(moment: datetime) -> float:
    return 0.55 + 0.45 * min(1.0, (moment - TELEMETRY_START).total_seconds() / (240 * 60))


def campaign(moment: datetime) -> float:
    """0 before the email, rising to 1 over the 20 minutes it takes the email batches to go out."""
    return min(1.0, max(0.0, (moment - CAMPAIGN_EMAIL).total_seconds() / (20 * 60)))


def replica(rng: random.Random, moment: datetime) -> tuple[str, str, str]:
    """(AppRoleInstance, revision, AppVersion) of the replica that served a request at `moment`."""
    old = rng.choice(sorted(REPLICA_SWITCH))
    if moment >= PROD_DEPLOY + REPLICA_SWITCH[old]:
        return f"{NEW_REVISION}-{NEW_REPLICAS[old]}", NEW_REVISION, "1.5.0"
    return f"{OLD_REVISION}-{old}", OLD_REVISION, "1.4.0"


def pick_coupon(rng: random.Random, moment: datetime) -> str | None:
    """Some shoppers found SPRING26 early; the website banner went up at 13:30Z, the email at 13:45Z."""
    progress = campaign(moment)
    if rng.random() >= 0.15 + 0.45 * progress:
        return None
    early = 0.45 if moment >= BANNER else 0.2
    if rng.random() < early + (0.9 - early) * progress:
        return "SPRING26"
    return rng.choices(["WELCOME10", "SAVE5", "SUMMER25"], weights=[55, 30, 15])[0]


def coupon_lookups(t: Telemetry, at: datetime, instance: str, version: str, code: str, op: str) -> tuple[float, str]:
    """Dependencies of looking `code` up; returns (time spent, outcome: ok | unknown | expired | typeerror)."""
    outcome = {"SUMMER25": "expired", "SPRING26": "unknown" if version == "1.4.0" else "typeerror"}.get(code, "ok")
    cached = t.coupon_cache.get((instance, code))
    if outcome != "unknown" and cached is not None and (at - cached).total_seconds() < 60:
        return 0.0, outcome
    spent = t.dependency(at, "checkout-api", op, "SELECT checkout.coupons", "postgresql", POSTGRES, Data=COUPON_SQL)
    if code == "SPRING26" and version == "1.5.0":
        spent += t.dependency(
            at + timedelta(milliseconds=spent),
            "checkout-api",
            op,
            "SELECT checkout.campaigns",
            "postgresql",
            POSTGRES,
            Data=CAMPAIGN_SQL,
        )
    if outcome != "unknown":
        t.coupon_cache[(instance, code)] = at
    return spent, outcome


def type_error(t: Telemetry, at: datetime, op: str, handler: str, route: str, version: str, instance: str) -> None:
    message = "'<' not supported between instances of 'NoneType' and 'datetime.datetime'"
    api_line = {
        "get_quote": t.line("checkout/api.py", "return pricing.quote(cart, coupon).as_dict()"),
        "post_checkout": t.line("checkout/api.py", "priced = pricing.quote(cart, request.coupon)"),
    }[handler]
    frames = [
        ("_is_expired", "checkout/coupons.py", t.line("checkout/coupons.py", "return coupon.expires_at < now")),
        ("apply", "checkout/coupons.py", t.line("checkout/coupons.py", "if _is_expired(coupon, now):")),
        ("quote", "checkout/pricing.py", t.line("checkout/pricing.py", "discount = coupons.apply(")),
        (handler, "checkout/api.py", api_line),
    ]
    stack = [
        {"level": level, "method": method, "fileName": f"/app/{path}", "line": line, "assembly": "checkout"}
        for level, (method, path, line) in enumerate(frames)
    ] + [{"level": len(frames), **FASTAPI_FRAME}]
    t.exceptions.append(
        {
            "TimeGenerated": iso(at),
            "AppRoleName": "checkout-api",
            "ExceptionType": "TypeError",
            "OuterMessage": message,
            "Details": [
                {
                    "id": f"{t.rng.getrandbits(32):08x}",
                    "outerId": "0",
                    "type": "TypeError",
                    "message": message,
                    "hasFullStack": True,
                    "parsedStack": stack,
                }
            ],
            "ProblemId": "TypeError at checkout.coupons._is_expired",
            "OperationId": op,
            "Properties": {"http.method": route.split()[0], "http.route": route.split()[1]},
            "AppVersion": version,
            "AppRoleInstance": instance,
        }
    )


def gateway_timeout(t: Telemetry, at: datetime, op: str, cart_id: str, version: str, instance: str) -> None:
    message = "capture timed out after 3.0s"
    frames = [
        (
            "PaymentsClient.capture",
            "checkout/payments.py",
            t.line("checkout/payments.py", 'raise PaymentGatewayTimeout(f"capture timed out'),
        ),
        ("post_checkout", "checkout/api.py", t.line("checkout/api.py", "receipt = payments.capture(")),
    ]
    stack = [
        {"level": level, "method": method, "fileName": f"/app/{path}", "line": line, "assembly": "checkout"}
        for level, (method, path, line) in enumerate(frames)
    ]
    kind = "checkout.payments.PaymentGatewayTimeout"
    t.exceptions.append(
        {
            "TimeGenerated": iso(at),
            "AppRoleName": "checkout-api",
            "ExceptionType": kind,
            "OuterMessage": message,
            "Details": [
                {
                    "id": f"{t.rng.getrandbits(32):08x}",
                    "outerId": "0",
                    "type": kind,
                    "message": message,
                    "hasFullStack": True,
                    "parsedStack": stack,
                }
            ],
            "ProblemId": f"{kind} at checkout.payments.PaymentsClient.capture",
            "OperationId": op,
            "Properties": {"cart_id": cart_id, "message": "payments: capture timed out, answering 504"},
            "AppVersion": version,
            "AppRoleInstance": instance,
        }
    )


def checkout_request(t: Telemetry, at: datetime, handler: str) -> None:
    rng = t.rng
    op = t.operation_id()
    instance, _, version = replica(rng, at)
    cart_id = f"c-{rng.getrandbits(40):010x}"
    code = pick_coupon(rng, at)
    route = "GET /api/cart/{cart_id}/quote" if handler == "get_quote" else "POST /api/checkout"
    url = f"{CHECKOUT_HOST}/api/cart/{cart_id}/quote" if handler == "get_quote" else f"{CHECKOUT_HOST}/api/checkout"
    if handler == "get_quote" and code:
        url += f"?coupon={code}"
    spent = t.duration(3.0, 9.0)
    spent += t.dependency(at + timedelta(milliseconds=spent), "checkout-api", op, "GET", "redis", REDIS)
    status, outcome = "200", "ok"
    if code:
        lookup_ms, outcome = coupon_lookups(t, at + timedelta(milliseconds=spent), instance, version, code, op)
        spent += lookup_ms
    if outcome == "typeerror":
        status = "500"
        type_error(t, at + timedelta(milliseconds=spent + 1), op, handler, route, version, instance)
    elif outcome in ("unknown", "expired"):
        status = "422"
        reason = f"unknown coupon '{code}'" if outcome == "unknown" else f"coupon '{code}' has expired"
        t.trace(
            at + timedelta(milliseconds=spent),
            "checkout-api",
            op,
            f"coupon rejected: {reason}",
            2,
            version,
            cart_id=cart_id,
            coupon=code,
        )
    elif handler == "post_checkout":
        status, spent = capture(t, at, spent, op, cart_id, version, instance)
    spent += t.duration(1.0, 6.0)
    t.requests.append(
        {
            "TimeGenerated": iso(at),
            "AppRoleName": "checkout-api",
            "Name": route,
            "Url": url,
            "ResultCode": status,
            "DurationMs": round(spent, 1),
            "Success": status.startswith("2"),
            "OperationId": op,
            "AppVersion": version,
            "AppRoleInstance": instance,
        }
    )


def capture(
    t: Telemetry, at: datetime, spent: float, op: str, cart_id: str, version: str, instance: str
) -> tuple[str, float]:
    rng = t.rng
    hiccup = any(timedelta(0) <= at - start < timedelta(seconds=100) for start in t.gateway_hiccups)
    if hiccup and rng.random() < 0.7:
        duration = t.duration(3000.5, 3012.0)
        t.dependency(
            at + timedelta(milliseconds=spent),
            "checkout-api",
            op,
            "POST /v1/captures",
            "HTTP",
            GATEWAY,
            result="",
            success=False,
            duration=duration,
        )
        spent += duration
        gateway_timeout(t, at + timedelta(milliseconds=spent + 1), op, cart_id, version, instance)
        return "504", spent
    if rng.random() < 0.03:
        first = t.dependency(
            at + timedelta(milliseconds=spent),
            "checkout-api",
            op,
            "POST /v1/captures",
            "HTTP",
            GATEWAY,
            result="503",
            success=False,
            duration=t.duration(20.0, 60.0),
        )
        t.trace(
            at + timedelta(milliseconds=spent + first),
            "checkout-api",
            op,
            "payments: gateway answered 503, retrying (attempt 2)",
            2,
            version,
        )
        spent += first + 200.0
    duration = t.duration(140.0, 460.0)
    declined = rng.random() < 0.02
    t.dependency(
        at + timedelta(milliseconds=spent),
        "checkout-api",
        op,
        "POST /v1/captures",
        "HTTP",
        GATEWAY,
        result="402" if declined else "200",
        success=not declined,
        duration=duration,
    )
    spent += duration
    if declined:
        return "402", spent
    order_id = f"ord_{rng.getrandbits(48):012x}"
    total = f"{rng.randint(900, 24000) / 100:.2f}"
    t.trace(
        at + timedelta(milliseconds=spent),
        "checkout-api",
        op,
        "checkout completed",
        1,
        version,
        cart_id=cart_id,
        order_id=order_id,
        total=total,
    )
    return "200", spent


def cart_request(t: Telemetry, at: datetime, write: bool) -> None:
    rng = t.rng
    op = t.operation_id()
    version = "2.8.1" if at >= datetime(2026, 3, 2, 11, 50, tzinfo=UTC) else "2.8.0"
    cart_id = f"c-{rng.getrandbits(40):010x}"
    spent = t.duration(1.0, 4.0)
    spent += t.dependency(at + timedelta(milliseconds=spent), "cart-api", op, "GET", "redis", REDIS)
    missing = not write and rng.random() < 0.03
    if write:
        spent += t.dependency(at + timedelta(milliseconds=spent), "cart-api", op, "SET", "redis", REDIS)
    name = "POST /api/cart/{cart_id}/items" if write else "GET /api/cart/{cart_id}"
    url = f"{CART_HOST}/api/cart/{cart_id}" + ("/items" if write else "")
    status = "404" if missing else ("201" if write else "200")
    if missing:
        t.trace(
            at + timedelta(milliseconds=spent),
            "cart-api",
            op,
            "cart not found (expired after 24 h)",
            1,
            version,
            cart_id=cart_id,
        )
    t.requests.append(
        {
            "TimeGenerated": iso(at),
            "AppRoleName": "cart-api",
            "Name": name,
            "Url": url,
            "ResultCode": status,
            "DurationMs": round(spent + t.duration(0.5, 3.0), 1),
            "Success": not missing,
            "OperationId": op,
            "AppVersion": version,
            "AppRoleInstance": f"ca-cart-api--rel281-{'6c4d8' if rng.random() < 0.5 else '9f2a1'}",
        }
    )


def startup_traces(t: Telemetry) -> None:
    lines = [
        "Started server process [1]",
        "Waiting for application startup.",
        "Application startup complete.",
        "Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
    ]
    for old, offset in sorted(REPLICA_SWITCH.items()):
        start = PROD_DEPLOY + offset - timedelta(seconds=12)
        for index, message in enumerate(lines):
            t.trace(
                start + timedelta(milliseconds=350 * index),
                "checkout-api",
                None,
                message,
                1,
                "1.5.0",
                instance=f"{NEW_REVISION}-{NEW_REPLICAS[old]}",
            )
    cart_start = datetime(2026, 3, 2, 11, 50, 20, tzinfo=UTC)
    for index, message in enumerate(lines):
        t.trace(cart_start + timedelta(milliseconds=300 * index), "cart-api", None, message, 1, "2.8.1")


def build_telemetry(deployed: dict[str, str]) -> Telemetry:
    rng = random.Random(SEED)
    t = Telemetry(rng, deployed)
    moment = TELEMETRY_START + timedelta(minutes=rng.uniform(5, 25))
    while moment < INCIDENT:
        t.gateway_hiccups.append(moment)
        moment += timedelta(minutes=rng.uniform(18, 46))
    events: list[tuple[datetime, str]] = []
    streams = {
        "get_quote": (lambda m: 1.6 * morning(m) * (1 + 1.5 * campaign(m)), 4.0),
        "post_checkout": (lambda m: 1.0 * morning(m) * (1 + 1.5 * campaign(m)), 2.5),
        "cart_get": (lambda m: 2.2 * morning(m), 2.5),
        "cart_write": (lambda m: 0.8 * morning(m), 1.0),
    }
    for kind, (rate, peak) in streams.items():
        events += [(at, kind) for at in arrivals(rng, rate, peak)]
    for at, kind in sorted(events):
        if kind.startswith("cart"):
            cart_request(t, at, write=kind == "cart_write")
        else:
            checkout_request(t, at, kind)
    startup_traces(t)
    return t


# ---------------------------------------------------------------------------------------------------
# Scenario files
# ---------------------------------------------------------------------------------------------------


def resource_id(provider: str, name: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/{provider}/{name}"


APP_INSIGHTS = resource_id("Microsoft.Insights/components", "appi-shop-prod")


def topology() -> dict[str, Any]:
    def resource(kind: str, name: str, tags: dict[str, str], depends: list[str]) -> dict[str, Any]:
        return {
            "id": resource_id(kind, name),
            "type": kind,
            "name": name,
            "resourceGroup": RESOURCE_GROUP,
            "subscriptionId": SUBSCRIPTION,
            "location": "westeurope",
            "tags": tags,
            "dependsOn": depends,
        }

    env = resource_id("Microsoft.App/managedEnvironments", "cae-shop-prod")
    redis = resource_id("Microsoft.Cache/redis", "redis-shop-prod")
    postgres = resource_id("Microsoft.DBforPostgreSQL/flexibleServers", "psql-shop-prod")
    vault = resource_id("Microsoft.KeyVault/vaults", "kv-checkout-prod")
    logs = resource_id("Microsoft.OperationalInsights/workspaces", "log-shop-prod")
    shop = {"env": "prod", "system": "shop"}
    return {
        "resources": [
            resource(
                "Microsoft.App/containerApps",
                "ca-checkout-api",
                {**shop, "service": "checkout", "team": "payments-core"},
                [env, redis, postgres, vault, APP_INSIGHTS],
            ),
            resource(
                "Microsoft.App/containerApps",
                "ca-cart-api",
                {**shop, "service": "cart", "team": "basket"},
                [env, redis, APP_INSIGHTS],
            ),
            resource("Microsoft.App/managedEnvironments", "cae-shop-prod", shop, [logs]),
            resource("Microsoft.Cache/redis", "redis-shop-prod", shop, []),
            resource(
                "Microsoft.DBforPostgreSQL/flexibleServers", "psql-shop-prod", {**shop, "team": "payments-core"}, []
            ),
            resource("Microsoft.KeyVault/vaults", "kv-checkout-prod", {**shop, "team": "payments-core"}, []),
            resource("Microsoft.Insights/components", "appi-shop-prod", shop, [logs]),
            resource("Microsoft.OperationalInsights/workspaces", "log-shop-prod", shop, []),
        ]
    }


def alert_window(exceptions: list[dict[str, Any]]) -> tuple[int, int]:
    """(exceptions in the firing window, threshold no earlier 5-minute evaluation crossed)."""

    def count(end: datetime) -> int:
        start = end - timedelta(minutes=15)
        return sum(
            1 for e in exceptions if e["AppRoleName"] == "checkout-api" and iso(start) <= e["TimeGenerated"] < iso(end)
        )

    fire_end = datetime(2026, 3, 2, 14, 4, tzinfo=UTC)
    earlier = max(count(fire_end - timedelta(minutes=5 * k)) for k in range(1, 60))
    threshold = max(10, 5 * math.ceil((earlier + 1) / 5))
    if count(fire_end) <= threshold:
        raise AssertionError(f"the alert would not fire: {count(fire_end)} <= {threshold}")
    return count(fire_end), threshold


def alert(value: int, threshold: int) -> dict[str, Any]:
    query = 'AppExceptions\n| where AppRoleName == "checkout-api"'
    api = "https://api.applicationinsights.io/v1/apps/0d5e1c3a-9f4b-4a7e-8c21-6b3f2e9d7a10/query"
    return {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.AlertsManagement/alerts/"
                "6e2b9f4c-1a7d-4c3e-b8f5-0d9a2c7e41b6",
                "alertRule": "checkout-api exception spike",
                "severity": "Sev2",
                "signalType": "Log",
                "monitorCondition": "Fired",
                "monitoringService": "Log Alerts V2",
                "alertTargetIDs": [APP_INSIGHTS.lower()],
                "configurationItems": [APP_INSIGHTS.lower()],
                "originAlertId": "b7f3c2d1-4e5a-4f6b-9c8d-7e6f5a4b3c2d",
                "firedDateTime": ALERT_FIRED.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z",
                "description": "More exceptions than usual on checkout-api (15 minute window).",
                "essentialsVersion": "1.0",
                "alertContextVersion": "1.0",
                "investigationLink": "https://portal.azure.com/#view/Microsoft_Azure_Monitoring_Alerts/"
                "Investigation.ReactView/alertId/6e2b9f4c-1a7d-4c3e-b8f5-0d9a2c7e41b6",
            },
            "alertContext": {
                "properties": {"runbook": "memory/runbooks/checkout-errors.md"},
                "conditionType": "LogQueryCriteria",
                "condition": {
                    "windowSize": "PT15M",
                    "allOf": [
                        {
                            "searchQuery": query,
                            "metricMeasureColumn": None,
                            "targetResourceTypes": "['microsoft.insights/components']",
                            "operator": "GreaterThan",
                            "threshold": str(threshold),
                            "timeAggregation": "Count",
                            "dimensions": [{"name": "AppRoleName", "value": "checkout-api"}],
                            "metricValue": float(value),
                            "failingPeriods": {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1},
                            "linkToSearchResultsUI": "https://portal.azure.com#@contoso.example/blade/"
                            "Microsoft_Azure_Monitoring_Logs/LogsBlade/source/Alerts.EmailLinks",
                            "linkToFilteredSearchResultsUI": "https://portal.azure.com#@contoso.example/blade/"
                            "Microsoft_Azure_Monitoring_Logs/LogsBlade/source/Alerts.EmailLinks",
                            "linkToSearchResultsAPI": f"{api}?timespan=2026-03-02T13%3a49%3a00.0000000Z%2f"
                            "2026-03-02T14%3a04%3a00.0000000Z",
                            "linkToFilteredSearchResultsAPI": f"{api}?timespan=2026-03-02T13%3a49%3a00.0000000Z%2f"
                            "2026-03-02T14%3a04%3a00.0000000Z",
                        }
                    ],
                    "windowStartTime": "2026-03-02T13:49:00Z",
                    "windowEndTime": "2026-03-02T14:04:00Z",
                },
            },
            "customProperties": {"service": "checkout", "owner": "payments-core"},
        },
    }


def deployments(shas: dict[str, str]) -> list[dict[str, Any]]:
    rows = [
        ("2026-02-18T15:02:11Z", "checkout", "production", shas["retries"], "1.1.0", 12, "Sofia Alvarez"),
        ("2026-02-20T16:40:27Z", "checkout", "production", shas["min-subtotal"], "1.2.0", 15, "Marcus Chen"),
        ("2026-02-24T13:05:49Z", "checkout", "production", shas["logging"], "1.3.0", 17, "Priya Raman"),
        ("2026-02-26T10:48:03Z", "checkout", "production", shas["httpx"], "1.4.0", 19, "Sofia Alvarez"),
        (
            "2026-03-02T11:50:02Z",
            "cart",
            "production",
            "9c41d7e2a8b35f06d1e4c7a2b9f0e3d5c6a81b47",
            "2.8.1",
            88,
            "Jonas Berg",
        ),
        ("2026-03-02T12:10:37Z", "checkout", "staging", shas["money"], "1.5.0", 23, "Sofia Alvarez"),
        ("2026-03-02T13:25:00Z", "checkout", "production", shas["money"], "1.5.0", 23, "Sofia Alvarez"),
    ]
    return [
        {
            "time": time,
            "service": service,
            "environment": env,
            "commit": sha,
            "version": version,
            "pr": pr,
            "author": author,
        }
        for time, service, env, sha, version, pr, author in rows
    ]


def truth(shas: dict[str, str]) -> dict[str, Any]:
    return {
        "root_cause": (
            "Release 1.5.0 (deployed to production at 13:25Z) includes commit "
            f"{shas[CULPRIT][:12]} 'coupons: accept marketing campaign codes', which builds campaign coupons "
            "with expires_at = campaigns.ends_at. The SPRING26 campaign has no end date, so expires_at is None "
            "and coupons._is_expired raises TypeError ('<' between NoneType and datetime) for every quote or "
            "checkout that uses it: HTTP 500. The campaign email at 13:45Z made SPRING26 traffic climb and "
            "the exception alert fired at 14:04Z."
        ),
        "category": "code-defect",
        "culprit": {"repo": "checkout", "commit": shas[CULPRIT]},
        "notes": (
            "Red herrings: the README and money.py refactor commits shipped in the same release and are "
            "harmless; the 'payments: log capture latency' commit on main was never deployed; "
            "PaymentGatewayTimeout bursts are pre-existing noise; cart-api's 11:50Z deploy is unrelated. "
            "Before 13:25Z SPRING26 was rejected as an unknown coupon (422). Mitigation: roll back to 1.4.0 "
            "or deactivate the campaign; fix: treat a missing end date as never expiring."
        ),
    }


def dump_jsonl(rows: list[dict[str, Any]]) -> bytes:
    rows = sorted(rows, key=lambda row: (row.get("TimeGenerated") or row.get("time"), row.get("OperationId", "")))
    return "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows).encode()


def build(output: Path) -> None:
    def files(built: Built) -> dict[str, bytes]:
        shas = dict(built.shas["checkout"])
        t = build_telemetry(built.tree("checkout", RELEASED))
        value, threshold = alert_window(t.exceptions)
        print(f"{output}: {len(t.requests)} requests, {len(t.exceptions)} exceptions, alert {value} > {threshold}")
        return {
            "scenario.json": dump_json(
                {
                    "name": NAME,
                    "description": "Exception spike on checkout-api 40 minutes after release 1.5.0 reached production",
                    "incident_time": INCIDENT.isoformat().replace("+00:00", "Z"),
                    "services": [{"name": "checkout", "repo": "checkout", "app_role": "checkout-api"}],
                }
            ),
            "alert.json": dump_json(alert(value, threshold)),
            "deployments.jsonl": dump_jsonl(deployments(shas)),
            "topology.json": dump_json(topology()),
            "truth.json": dump_json(truth(shas)),
            **files_under(SOURCES / "memory", "memory"),
            "telemetry/AppRequests.jsonl": dump_jsonl(t.requests),
            "telemetry/AppDependencies.jsonl": dump_jsonl(t.dependencies),
            "telemetry/AppExceptions.jsonl": dump_jsonl(t.exceptions),
            "telemetry/AppTraces.jsonl": dump_jsonl(t.traces),
        }

    write_scenario_from_sources(output, NAME, {"checkout": CHECKOUT}, files)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / NAME)
