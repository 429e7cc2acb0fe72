"""The traffic of checkout-bad-deploy's day, simulated: requests, dependency calls, exceptions and traces of
checkout-api and cart-api from 08:00Z to the incident, seeded so every run writes the same rows."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

sys.dont_write_bytecode = True
from _scenario_kit import (  # noqa: E402
    Telemetry,
    arrivals,
    line_of,
)

# The story's fixed numbers, times in UTC (the generator imports what its alert and truth need)
SEED = 20260302
INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
TELEMETRY_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PROD_DEPLOY = datetime(2026, 3, 2, 13, 25, tzinfo=UTC)
BANNER = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
CAMPAIGN_EMAIL = datetime(2026, 3, 2, 13, 45, tzinfo=UTC)


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
