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

The code is not in this file: _sources/checkout-bad-deploy/repos/checkout/ holds the first commit's tree
and one `git format-patch` file per later commit; read 0009-campaigns.patch for the change that caused
the incident. The topology and the memory notes are files under _sources/checkout-bad-deploy/files/.

Determinism: the kit commits each patch with its own author and date as author and committer, in a
clean git environment with one pack thread; a fixed random seed; sorted, fixed-format JSON.
"""

from __future__ import annotations

import json
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
from _scenario_kit import (  # noqa: E402
    Azure,
    Built,
    Commit,
    LogAlert,
    Source,
    Telemetry,
    arrivals,
    deployment,
    dump_json,
    files_under,
    iso,
    line_of,
    write_scenario_from_sources,
)

NAME = "checkout-bad-deploy"
SEED = 20260302
INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
TELEMETRY_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PROD_DEPLOY = datetime(2026, 3, 2, 13, 25, tzinfo=UTC)
BANNER = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
CAMPAIGN_EMAIL = datetime(2026, 3, 2, 13, 45, tzinfo=UTC)
ALERT_FIRED = datetime(2026, 3, 2, 14, 4, 31, 228190, tzinfo=UTC)
ALERT_WINDOW_END = datetime(2026, 3, 2, 14, 4, tzinfo=UTC)
AZURE = Azure("3f1c2e0a-5b7d-4c9e-9a61-2d8b7e4f0c13", "rg-shop-prod", "westeurope")

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
class Shop(Telemetry):
    """The kit's tables plus what this story keeps track of while it generates."""

    deployed: dict[str, str] = field(default_factory=dict)  # path -> text at the deployed commit
    coupon_cache: dict[tuple[str, str], datetime] = field(default_factory=dict)
    gateway_hiccups: list[datetime] = field(default_factory=list)

    def line(self, path: str, needle: str) -> int:
        return line_of(self.deployed[path], needle)

    def call(
        self, at: datetime, role: str, op: str, name: str, kind: str, target: str, duration: float = 0.0, **extra: Any
    ) -> float:
        """A dependency call; Redis and PostgreSQL take their usual time unless `duration` says otherwise."""
        duration = duration or self.ms(*{"redis": (0.6, 2.8), "postgresql": (2.5, 14.0)}[kind])
        result = extra.pop("result", "0" if kind != "HTTP" else "200")
        return self.dependency(at, role, op, name, target, kind, duration, result, extra.pop("success", True), **extra)

    def log(
        self, at: datetime, role: str, op: str | None, message: str, level: int, version: str, **props: Any
    ) -> None:
        properties = {k: str(v) for k, v in sorted(props.items())}
        self.trace(at, role, op or "", message, level, Properties=properties, AppVersion=version)

    def stack(self, frames: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        """(method, path, needle) per frame, innermost first, as the Python SDK reports them."""
        return [
            {
                "level": level,
                "method": method,
                "fileName": f"/app/{path}",
                "line": self.line(path, needle),
                "assembly": "checkout",
            }
            for level, (method, path, needle) in enumerate(frames)
        ]


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


def coupon_lookups(t: Shop, at: datetime, instance: str, version: str, code: str, op: str) -> tuple[float, str]:
    """Dependencies of looking `code` up; returns (time spent, outcome: ok | unknown | expired | typeerror)."""
    outcome = {"SUMMER25": "expired", "SPRING26": "unknown" if version == "1.4.0" else "typeerror"}.get(code, "ok")
    cached = t.coupon_cache.get((instance, code))
    if outcome != "unknown" and cached is not None and (at - cached).total_seconds() < 60:
        return 0.0, outcome
    spent = t.call(at, "checkout-api", op, "SELECT checkout.coupons", "postgresql", POSTGRES, Data=COUPON_SQL)
    if code == "SPRING26" and version == "1.5.0":
        spent += t.call(
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


def type_error(t: Shop, at: datetime, op: str, handler: str, route: str, version: str, instance: str) -> None:
    message = "'<' not supported between instances of 'NoneType' and 'datetime.datetime'"
    api_line = {
        "get_quote": "return pricing.quote(cart, coupon).as_dict()",
        "post_checkout": "priced = pricing.quote(cart, request.coupon)",
    }[handler]
    frames = [
        ("_is_expired", "checkout/coupons.py", "return coupon.expires_at < now"),
        ("apply", "checkout/coupons.py", "if _is_expired(coupon, now):"),
        ("quote", "checkout/pricing.py", "discount = coupons.apply("),
        (handler, "checkout/api.py", api_line),
    ]
    stack = t.stack(frames) + [{"level": len(frames), **FASTAPI_FRAME}]
    method, path = route.split()
    problem = "TypeError at checkout.coupons._is_expired"
    properties = {"http.method": method, "http.route": path}
    t.exception(
        at,
        "checkout-api",
        op,
        "TypeError",
        message,
        stack,
        problem,
        Properties=properties,
        AppVersion=version,
        AppRoleInstance=instance,
    )


def gateway_timeout(t: Shop, at: datetime, op: str, cart_id: str, version: str, instance: str) -> None:
    frames = [
        ("PaymentsClient.capture", "checkout/payments.py", 'raise PaymentGatewayTimeout(f"capture timed out'),
        ("post_checkout", "checkout/api.py", "receipt = payments.capture("),
    ]
    kind = "checkout.payments.PaymentGatewayTimeout"
    properties = {"cart_id": cart_id, "message": "payments: capture timed out, answering 504"}
    t.exception(
        at,
        "checkout-api",
        op,
        kind,
        "capture timed out after 3.0s",
        t.stack(frames),
        f"{kind} at checkout.payments.PaymentsClient.capture",
        Properties=properties,
        AppVersion=version,
        AppRoleInstance=instance,
    )


def checkout_request(t: Shop, at: datetime, handler: str) -> None:
    rng = t.rng
    op = t.operation_id()
    instance, _, version = replica(rng, at)
    cart_id = f"c-{rng.getrandbits(40):010x}"
    code = pick_coupon(rng, at)
    route = "GET /api/cart/{cart_id}/quote" if handler == "get_quote" else "POST /api/checkout"
    url = f"{CHECKOUT_HOST}/api/cart/{cart_id}/quote" if handler == "get_quote" else f"{CHECKOUT_HOST}/api/checkout"
    if handler == "get_quote" and code:
        url += f"?coupon={code}"
    spent = t.ms(3.0, 9.0)
    spent += t.call(at + timedelta(milliseconds=spent), "checkout-api", op, "GET", "redis", REDIS)
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
        t.log(
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
    spent += t.ms(1.0, 6.0)
    success = status.startswith("2")
    t.request(at, "checkout-api", op, route, url, status, spent, success, AppVersion=version, AppRoleInstance=instance)


def capture(
    t: Shop, at: datetime, spent: float, op: str, cart_id: str, version: str, instance: str
) -> tuple[str, float]:
    rng = t.rng
    hiccup = any(timedelta(0) <= at - start < timedelta(seconds=100) for start in t.gateway_hiccups)
    if hiccup and rng.random() < 0.7:
        duration = t.ms(3000.5, 3012.0)
        t.call(
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
        first = t.call(
            at + timedelta(milliseconds=spent),
            "checkout-api",
            op,
            "POST /v1/captures",
            "HTTP",
            GATEWAY,
            result="503",
            success=False,
            duration=t.ms(20.0, 60.0),
        )
        t.log(
            at + timedelta(milliseconds=spent + first),
            "checkout-api",
            op,
            "payments: gateway answered 503, retrying (attempt 2)",
            2,
            version,
        )
        spent += first + 200.0
    duration = t.ms(140.0, 460.0)
    declined = rng.random() < 0.02
    t.call(
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
    t.log(
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


def cart_request(t: Shop, at: datetime, write: bool) -> None:
    rng = t.rng
    op = t.operation_id()
    version = "2.8.1" if at >= datetime(2026, 3, 2, 11, 50, tzinfo=UTC) else "2.8.0"
    cart_id = f"c-{rng.getrandbits(40):010x}"
    spent = t.ms(1.0, 4.0)
    spent += t.call(at + timedelta(milliseconds=spent), "cart-api", op, "GET", "redis", REDIS)
    missing = not write and rng.random() < 0.03
    if write:
        spent += t.call(at + timedelta(milliseconds=spent), "cart-api", op, "SET", "redis", REDIS)
    name = "POST /api/cart/{cart_id}/items" if write else "GET /api/cart/{cart_id}"
    url = f"{CART_HOST}/api/cart/{cart_id}" + ("/items" if write else "")
    status = "404" if missing else ("201" if write else "200")
    if missing:
        t.log(
            at + timedelta(milliseconds=spent),
            "cart-api",
            op,
            "cart not found (expired after 24 h)",
            1,
            version,
            cart_id=cart_id,
        )
    spent += t.ms(0.5, 3.0)
    instance = f"ca-cart-api--rel281-{'6c4d8' if rng.random() < 0.5 else '9f2a1'}"
    t.request(at, "cart-api", op, name, url, status, spent, not missing, AppVersion=version, AppRoleInstance=instance)


def startup_traces(t: Shop) -> None:
    lines = [
        "Started server process [1]",
        "Waiting for application startup.",
        "Application startup complete.",
        "Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
    ]
    for old, offset in sorted(REPLICA_SWITCH.items()):
        start = PROD_DEPLOY + offset - timedelta(seconds=12)
        for index, message in enumerate(lines):
            t.log(
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
        t.log(cart_start + timedelta(milliseconds=300 * index), "cart-api", None, message, 1, "2.8.1")


def build_telemetry(deployed: dict[str, str]) -> Shop:
    rng = random.Random(SEED)
    t = Shop(rng, deployed=deployed)
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
        events += [(at, kind) for at in arrivals(rng, TELEMETRY_START, INCIDENT, rate, peak)]
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


def alert_window(exceptions: list[dict[str, Any]]) -> tuple[int, int]:
    """(exceptions in the firing window, threshold no earlier 5-minute evaluation crossed)."""

    def count(end: datetime) -> int:
        start = end - timedelta(minutes=15)
        return sum(
            1 for e in exceptions if e["AppRoleName"] == "checkout-api" and iso(start) <= e["TimeGenerated"] < iso(end)
        )

    fire_end = ALERT_WINDOW_END
    earlier = max(count(fire_end - timedelta(minutes=5 * k)) for k in range(1, 60))
    threshold = max(10, 5 * math.ceil((earlier + 1) / 5))
    if count(fire_end) <= threshold:
        raise AssertionError(f"the alert would not fire: {count(fire_end)} <= {threshold}")
    return count(fire_end), threshold


def alert(value: int, threshold: int) -> dict[str, Any]:
    return LogAlert(
        azure=AZURE,
        app_insights="appi-shop-prod",
        app_id="0d5e1c3a-9f4b-4a7e-8c21-6b3f2e9d7a10",
        alert_uuid="6e2b9f4c-1a7d-4c3e-b8f5-0d9a2c7e41b6",
        origin_uuid="b7f3c2d1-4e5a-4f6b-9c8d-7e6f5a4b3c2d",
        rule="checkout-api exception spike",
        severity="Sev2",
        description="More exceptions than usual on checkout-api (15 minute window).",
        fired_at=ALERT_FIRED,
        window_start=ALERT_WINDOW_END - timedelta(minutes=15),
        window_end=ALERT_WINDOW_END,
        search_query='AppExceptions\n| where AppRoleName == "checkout-api"',
        operator="GreaterThan",
        threshold=str(threshold),
        metric_value=float(value),
        time_aggregation="Count",
        dimensions={"AppRoleName": "checkout-api"},
        runbook="memory/runbooks/checkout-errors.md",
        custom_properties={"service": "checkout", "owner": "payments-core"},
        tenant="contoso.example",
    ).payload()


def deployments(shas: dict[str, str]) -> list[dict[str, Any]]:
    cart = "9c41d7e2a8b35f06d1e4c7a2b9f0e3d5c6a81b47"  # cart-api's repo is not part of the scenario
    rows = [
        ("2026-02-18T15:02:11Z", "checkout", "production", shas["retries"], "1.1.0", 12, "Sofia Alvarez"),
        ("2026-02-20T16:40:27Z", "checkout", "production", shas["min-subtotal"], "1.2.0", 15, "Marcus Chen"),
        ("2026-02-24T13:05:49Z", "checkout", "production", shas["logging"], "1.3.0", 17, "Priya Raman"),
        ("2026-02-26T10:48:03Z", "checkout", "production", shas["httpx"], "1.4.0", 19, "Sofia Alvarez"),
        ("2026-03-02T11:50:02Z", "cart", "production", cart, "2.8.1", 88, "Jonas Berg"),
        ("2026-03-02T12:10:37Z", "checkout", "staging", shas["money"], "1.5.0", 23, "Sofia Alvarez"),
        ("2026-03-02T13:25:00Z", "checkout", "production", shas["money"], "1.5.0", 23, "Sofia Alvarez"),
    ]
    return [deployment(*row) for row in rows]


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
            "truth.json": dump_json(truth(shas)),
            **files_under(SOURCES / "files"),
            "telemetry/AppRequests.jsonl": dump_jsonl(t.requests),
            "telemetry/AppDependencies.jsonl": dump_jsonl(t.dependencies),
            "telemetry/AppExceptions.jsonl": dump_jsonl(t.exceptions),
            "telemetry/AppTraces.jsonl": dump_jsonl(t.traces),
        }

    write_scenario_from_sources(output, NAME, {"checkout": CHECKOUT}, files)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / NAME)
