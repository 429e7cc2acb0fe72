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
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
from _scenario_kit import Commit, build_repo, dump_json, edit, iso  # noqa: E402

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
# The service's source, version by version
# ---------------------------------------------------------------------------------------------------


PYPROJECT_V1 = """[project]
name = "checkout"
version = "1.0.0"
description = "Checkout API: quotes carts and takes payment"
requires-python = ">=3.12"
dependencies = [
  "fastapi>=0.115",
  "uvicorn>=0.30",
  "httpx>=0.27,<0.28",
  "psycopg[binary]>=3.2",
  "psycopg-pool>=3.2",
  "redis>=5.0",
  "azure-monitor-opentelemetry>=1.6",
]

[project.optional-dependencies]
dev = ["pytest>=8"]
"""
PYPROJECT_V2 = edit(PYPROJECT_V1, ('"httpx>=0.27,<0.28"', '"httpx>=0.28,<0.29"'))

README_V1 = """# checkout

The checkout API: prices a cart (`GET /api/cart/{cart_id}/quote`) and takes payment
(`POST /api/checkout`). Carts are written by cart-api and read from Redis; coupons live in the
checkout PostgreSQL database; payments go through the payments gateway.

Runs as the Container App `ca-checkout-api` and logs to Application Insights as `checkout-api`.

## Develop

    pip install -e '.[dev]'
    pytest

## Release

The `checkout-release` pipeline builds an image per tag, deploys it to staging, and after a manual
approval to production.
"""
README_V2 = edit(
    README_V1,
    (
        "## Develop",
        """## Coupons

- Regular coupons (`coupons` table): `percent` or `amount`, always with an expiry date and an
  optional minimum subtotal. Codes are case-insensitive.
- Campaign codes (`campaigns` table, written by the marketing admin tool): a percentage, active
  while the campaign is active. Lookups fall back to campaigns when no coupon has the code.
- Lookups are cached per instance for 60 seconds.
- A coupon that does not apply answers 422 with the reason.

## Develop""",
    ),
)

INIT = '''"""Checkout service: quotes carts and takes payment."""
'''

GITIGNORE = """__pycache__/
*.egg-info/
.venv/
.pytest_cache/
"""

DB = '''"""Connection pool for the checkout database (Azure Database for PostgreSQL)."""

from __future__ import annotations

import os
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

_pool = ConnectionPool(
    os.environ.get("DATABASE_URL", "postgresql://localhost/checkout"), min_size=1, max_size=10, open=False
)


def fetch_one(sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
    """The first row of `sql` as a dict, or None."""
    if _pool.closed:
        _pool.open()
    with _pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql, params)
        return cur.fetchone()
'''

CARTS = '''"""Carts are kept in Redis by cart-api; checkout only reads them."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal

import redis

_redis = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


class CartNotFound(LookupError):
    """No cart with that id (it may have expired)."""


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Cart:
    id: str
    lines: tuple[Line, ...]


def load_cart(cart_id: str) -> Cart:
    raw = _redis.get(f"cart:{cart_id}")
    if raw is None:
        raise CartNotFound(cart_id)
    data = json.loads(raw)
    lines = tuple(Line(item["sku"], int(item["quantity"]), Decimal(item["unit_price"])) for item in data["lines"])
    return Cart(id=cart_id, lines=lines)
'''

PRICING_V1 = '''"""Cart totals: line items and tax."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from checkout.carts import Cart

TAX_RATE = Decimal("0.20")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Quote:
    subtotal: Decimal
    tax: Decimal
    total: Decimal

    def as_dict(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.__dict__.items()}


def quote(cart: Cart) -> Quote:
    """Price `cart`."""
    subtotal = sum((line.unit_price * line.quantity for line in cart.lines), Decimal("0"))
    tax = (subtotal * TAX_RATE).quantize(CENT)
    return Quote(subtotal=subtotal, tax=tax, total=subtotal + tax)
'''

PRICING_V2 = '''"""Cart totals: line items, coupon discount, tax."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from checkout import coupons
from checkout.carts import Cart

TAX_RATE = Decimal("0.20")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Quote:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal

    def as_dict(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.__dict__.items()}


def quote(cart: Cart, coupon_code: str | None = None) -> Quote:
    """Price `cart`, applying `coupon_code` if given (CouponError if it does not apply)."""
    subtotal = sum((line.unit_price * line.quantity for line in cart.lines), Decimal("0"))
    discount = coupons.apply(coupon_code, subtotal) if coupon_code else Decimal("0")
    tax = ((subtotal - discount) * TAX_RATE).quantize(CENT)
    return Quote(subtotal=subtotal, discount=discount, tax=tax, total=subtotal - discount + tax)
'''

PRICING_V3 = edit(
    PRICING_V2,
    ("from decimal import Decimal\n", "from decimal import ROUND_HALF_UP, Decimal\n"),
    (
        "    tax = ((subtotal - discount) * TAX_RATE).quantize(CENT)\n",
        "    # Half-up, per line total, as the tax authority requires (Decimal defaults to banker's rounding).\n"
        "    tax = ((subtotal - discount) * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)\n",
    ),
)

PRICING_V4 = '''"""Cart totals: line items, coupon discount, tax."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from checkout import coupons
from checkout.carts import Cart
from checkout.money import ZERO, round_cents

TAX_RATE = Decimal("0.20")


@dataclass(frozen=True)
class Quote:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal

    def as_dict(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.__dict__.items()}


def quote(cart: Cart, coupon_code: str | None = None) -> Quote:
    """Price `cart`, applying `coupon_code` if given (CouponError if it does not apply)."""
    subtotal = sum((line.unit_price * line.quantity for line in cart.lines), ZERO)
    discount = coupons.apply(coupon_code, subtotal) if coupon_code else ZERO
    tax = round_cents((subtotal - discount) * TAX_RATE)
    return Quote(subtotal=subtotal, discount=discount, tax=tax, total=subtotal - discount + tax)
'''

MONEY = '''"""Money helpers shared by pricing and payments."""

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def round_cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent, as the tax authority requires."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
'''

COUPONS_V1 = '''"""Coupons: percent-off and fixed-amount codes with an expiry date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from checkout import db


class CouponError(ValueError):
    """The code is unknown, expired or does not apply; the API answers 422."""


@dataclass(frozen=True)
class Coupon:
    code: str
    kind: str  # "percent" or "amount"
    value: Decimal
    expires_at: datetime


def lookup(code: str) -> Coupon:
    row = db.fetch_one("SELECT code, kind, value, expires_at FROM coupons WHERE code = %s", (code.upper(),))
    if row is None:
        raise CouponError(f"unknown coupon {code!r}")
    return Coupon(**row)


def apply(code: str, subtotal: Decimal, now: datetime | None = None) -> Decimal:
    """The discount `code` gives on `subtotal`; raise CouponError if it does not apply."""
    coupon = lookup(code)
    now = now or datetime.now(timezone.utc)
    if _is_expired(coupon, now):
        raise CouponError(f"coupon {code!r} has expired")
    if coupon.kind == "percent":
        return (subtotal * coupon.value / 100).quantize(Decimal("0.01"))
    return min(coupon.value, subtotal)


def _is_expired(coupon: Coupon, now: datetime) -> bool:
    return coupon.expires_at < now
'''

COUPONS_V2 = edit(
    COUPONS_V1,
    (
        "    expires_at: datetime\n",
        '    expires_at: datetime\n    min_subtotal: Decimal = Decimal("0")\n',
    ),
    (
        '    row = db.fetch_one("SELECT code, kind, value, expires_at FROM coupons WHERE code = %s", '
        "(code.upper(),))\n",
        "    row = db.fetch_one(\n"
        '        "SELECT code, kind, value, expires_at, min_subtotal FROM coupons WHERE code = %s", (code.upper(),)\n'
        "    )\n",
    ),
    (
        '        raise CouponError(f"coupon {code!r} has expired")\n',
        '        raise CouponError(f"coupon {code!r} has expired")\n'
        "    if subtotal < coupon.min_subtotal:\n"
        '        raise CouponError(f"coupon {code!r} needs a subtotal of at least {coupon.min_subtotal}")\n',
    ),
)

COUPONS_V3 = '''"""Coupons: percent-off and fixed-amount codes with an expiry date."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from checkout import db

CACHE_TTL_S = 60.0
_cache: dict[str, tuple[float, Coupon]] = {}


class CouponError(ValueError):
    """The code is unknown, expired or does not apply; the API answers 422."""


@dataclass(frozen=True)
class Coupon:
    code: str
    kind: str  # "percent" or "amount"
    value: Decimal
    expires_at: datetime
    min_subtotal: Decimal = Decimal("0")


def lookup(code: str) -> Coupon:
    """The coupon for `code`, cached for CACHE_TTL_S seconds."""
    code = code.strip().upper()
    cached = _cache.get(code)
    if cached and time.monotonic() - cached[0] < CACHE_TTL_S:
        return cached[1]
    row = db.fetch_one(
        "SELECT code, kind, value, expires_at, min_subtotal FROM coupons WHERE code = %s", (code,)
    )
    if row is None:
        raise CouponError(f"unknown coupon {code!r}")
    coupon = Coupon(**row)
    _cache[code] = (time.monotonic(), coupon)
    return coupon


def apply(code: str, subtotal: Decimal, now: datetime | None = None) -> Decimal:
    """The discount `code` gives on `subtotal`; raise CouponError if it does not apply."""
    coupon = lookup(code)
    now = now or datetime.now(timezone.utc)
    if _is_expired(coupon, now):
        raise CouponError(f"coupon {code!r} has expired")
    if subtotal < coupon.min_subtotal:
        raise CouponError(f"coupon {code!r} needs a subtotal of at least {coupon.min_subtotal}")
    if coupon.kind == "percent":
        return (subtotal * coupon.value / 100).quantize(Decimal("0.01"))
    return min(coupon.value, subtotal)


def _is_expired(coupon: Coupon, now: datetime) -> bool:
    return coupon.expires_at < now
'''

COUPONS_V4 = '''"""Coupons: percent-off and fixed-amount codes, and marketing campaign codes.

Regular coupons live in the `coupons` table and always have an expiry date. Campaign codes live in
the `campaigns` table, which the marketing admin tool writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from checkout import db

CACHE_TTL_S = 60.0
_cache: dict[str, tuple[float, Coupon]] = {}


class CouponError(ValueError):
    """The code is unknown, expired or does not apply; the API answers 422."""


@dataclass(frozen=True)
class Coupon:
    code: str
    kind: str  # "percent" or "amount"
    value: Decimal
    expires_at: datetime | None
    min_subtotal: Decimal = Decimal("0")


def lookup(code: str) -> Coupon:
    """The coupon or campaign for `code`, cached for CACHE_TTL_S seconds."""
    code = code.strip().upper()
    cached = _cache.get(code)
    if cached and time.monotonic() - cached[0] < CACHE_TTL_S:
        return cached[1]
    coupon = _load_coupon(code) or _load_campaign(code)
    if coupon is None:
        raise CouponError(f"unknown coupon {code!r}")
    _cache[code] = (time.monotonic(), coupon)
    return coupon


def _load_coupon(code: str) -> Coupon | None:
    row = db.fetch_one(
        "SELECT code, kind, value, expires_at, min_subtotal FROM coupons WHERE code = %s", (code,)
    )
    return Coupon(**row) if row else None


def _load_campaign(code: str) -> Coupon | None:
    row = db.fetch_one(
        "SELECT code, discount_percent, ends_at FROM campaigns WHERE code = %s AND active", (code,)
    )
    if row is None:
        return None
    return Coupon(code=row["code"], kind="percent", value=row["discount_percent"], expires_at=row["ends_at"])


def apply(code: str, subtotal: Decimal, now: datetime | None = None) -> Decimal:
    """The discount `code` gives on `subtotal`; raise CouponError if it does not apply."""
    coupon = lookup(code)
    now = now or datetime.now(timezone.utc)
    if _is_expired(coupon, now):
        raise CouponError(f"coupon {code!r} has expired")
    if subtotal < coupon.min_subtotal:
        raise CouponError(f"coupon {code!r} needs a subtotal of at least {coupon.min_subtotal}")
    if coupon.kind == "percent":
        return (subtotal * coupon.value / 100).quantize(Decimal("0.01"))
    return min(coupon.value, subtotal)


def _is_expired(coupon: Coupon, now: datetime) -> bool:
    return coupon.expires_at < now
'''

PAYMENTS_V1 = '''"""Client for the payments gateway."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

import httpx


class PaymentDeclined(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PaymentGatewayTimeout(Exception):
    """The gateway did not answer in time; the capture may or may not have happened."""


@dataclass(frozen=True)
class Receipt:
    order_id: str
    amount: Decimal


class PaymentsClient:
    def __init__(self, base_url: str, api_key: str, *, timeout_s: float = 10.0) -> None:
        self._timeout_s = timeout_s
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=timeout_s
        )

    def capture(self, token: str, amount: Decimal, *, idempotency_key: str) -> Receipt:
        """Capture `amount` with the card token from the browser."""
        try:
            response = self._http.post(
                "/v1/captures",
                json={"token": token, "amount": str(amount)},
                headers={"Idempotency-Key": idempotency_key},
            )
        except httpx.TimeoutException as e:
            raise PaymentGatewayTimeout(f"capture timed out after {self._timeout_s}s") from e
        if response.status_code == 402:
            raise PaymentDeclined(response.json().get("reason", "declined"))
        response.raise_for_status()
        body = response.json()
        return Receipt(order_id=body["order_id"], amount=Decimal(body["amount"]))


def from_settings() -> PaymentsClient:
    return PaymentsClient(os.environ["PAYMENTS_URL"], os.environ["PAYMENTS_API_KEY"])
'''

PAYMENTS_V2 = '''"""Client for the payments gateway."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from decimal import Decimal

import httpx

log = logging.getLogger("checkout.payments")
RETRY_STATUSES = {503}
MAX_ATTEMPTS = 3


class PaymentDeclined(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PaymentGatewayTimeout(Exception):
    """The gateway did not answer in time; the capture may or may not have happened."""


@dataclass(frozen=True)
class Receipt:
    order_id: str
    amount: Decimal


class PaymentsClient:
    def __init__(self, base_url: str, api_key: str, *, timeout_s: float = 10.0) -> None:
        self._timeout_s = timeout_s
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=timeout_s
        )

    def capture(self, token: str, amount: Decimal, *, idempotency_key: str) -> Receipt:
        """Capture `amount`; retried on 503 with the same idempotency key, so never twice."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = self._http.post(
                    "/v1/captures",
                    json={"token": token, "amount": str(amount)},
                    headers={"Idempotency-Key": idempotency_key},
                )
            except httpx.TimeoutException as e:
                raise PaymentGatewayTimeout(f"capture timed out after {self._timeout_s}s") from e
            if response.status_code not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
                break
            log.warning("payments: gateway answered %s, retrying (attempt %d)", response.status_code, attempt + 1)
            time.sleep(0.2 * attempt)
        if response.status_code == 402:
            raise PaymentDeclined(response.json().get("reason", "declined"))
        response.raise_for_status()
        body = response.json()
        return Receipt(order_id=body["order_id"], amount=Decimal(body["amount"]))


def from_settings() -> PaymentsClient:
    return PaymentsClient(os.environ["PAYMENTS_URL"], os.environ["PAYMENTS_API_KEY"])
'''

PAYMENTS_V3 = edit(PAYMENTS_V2, ("timeout_s: float = 10.0", "timeout_s: float = 3.0"))

PAYMENTS_V4 = edit(
    PAYMENTS_V3,
    (
        "        response.raise_for_status()\n        body = response.json()\n",
        "        response.raise_for_status()\n        body = response.json()\n"
        '        log.info("payments: captured", extra={"latency_ms": response.elapsed.total_seconds() * 1000})\n',
    ),
)

API_V1 = '''"""HTTP API of the checkout service (FastAPI)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from checkout import pricing
from checkout.carts import Cart, CartNotFound, load_cart
from checkout.payments import PaymentDeclined, PaymentsClient, from_settings

app = FastAPI(title="checkout-api")
payments: PaymentsClient = from_settings()


class CheckoutRequest(BaseModel):
    cart_id: str
    payment_token: str


@app.get("/api/cart/{cart_id}/quote")
def get_quote(cart_id: str) -> dict[str, str]:
    return pricing.quote(_cart(cart_id)).as_dict()


@app.post("/api/checkout")
def post_checkout(request: CheckoutRequest) -> dict[str, str]:
    priced = pricing.quote(_cart(request.cart_id))
    try:
        receipt = payments.capture(request.payment_token, priced.total, idempotency_key=request.cart_id)
    except PaymentDeclined as e:
        raise HTTPException(402, f"payment declined: {e.reason}") from e
    return {"order_id": receipt.order_id, "total": str(priced.total)}


def _cart(cart_id: str) -> Cart:
    try:
        return load_cart(cart_id)
    except CartNotFound as e:
        raise HTTPException(404, "cart not found") from e
'''

API_V2 = '''"""HTTP API of the checkout service (FastAPI)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from checkout import pricing
from checkout.carts import Cart, CartNotFound, load_cart
from checkout.coupons import CouponError
from checkout.payments import PaymentDeclined, PaymentsClient, from_settings

app = FastAPI(title="checkout-api")
payments: PaymentsClient = from_settings()


class CheckoutRequest(BaseModel):
    cart_id: str
    payment_token: str
    coupon: str | None = None


@app.get("/api/cart/{cart_id}/quote")
def get_quote(cart_id: str, coupon: str | None = None) -> dict[str, str]:
    cart = _cart(cart_id)
    try:
        return pricing.quote(cart, coupon).as_dict()
    except CouponError as e:
        raise HTTPException(422, str(e)) from e


@app.post("/api/checkout")
def post_checkout(request: CheckoutRequest) -> dict[str, str]:
    cart = _cart(request.cart_id)
    try:
        priced = pricing.quote(cart, request.coupon)
    except CouponError as e:
        raise HTTPException(422, str(e)) from e
    try:
        receipt = payments.capture(request.payment_token, priced.total, idempotency_key=request.cart_id)
    except PaymentDeclined as e:
        raise HTTPException(402, f"payment declined: {e.reason}") from e
    return {"order_id": receipt.order_id, "total": str(priced.total)}


def _cart(cart_id: str) -> Cart:
    try:
        return load_cart(cart_id)
    except CartNotFound as e:
        raise HTTPException(404, "cart not found") from e
'''

API_V3 = '''"""HTTP API of the checkout service (FastAPI)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from checkout import pricing
from checkout.carts import Cart, CartNotFound, load_cart
from checkout.coupons import CouponError
from checkout.payments import PaymentDeclined, PaymentGatewayTimeout, PaymentsClient, from_settings

app = FastAPI(title="checkout-api")
log = logging.getLogger("checkout.api")
payments: PaymentsClient = from_settings()


class CheckoutRequest(BaseModel):
    cart_id: str
    payment_token: str
    coupon: str | None = None


@app.get("/api/cart/{cart_id}/quote")
def get_quote(cart_id: str, coupon: str | None = None) -> dict[str, str]:
    cart = _cart(cart_id)
    try:
        return pricing.quote(cart, coupon).as_dict()
    except CouponError as e:
        log.warning("coupon rejected: %s", e, extra={"cart_id": cart_id, "coupon": coupon})
        raise HTTPException(422, str(e)) from e


@app.post("/api/checkout")
def post_checkout(request: CheckoutRequest) -> dict[str, str]:
    cart = _cart(request.cart_id)
    try:
        priced = pricing.quote(cart, request.coupon)
    except CouponError as e:
        log.warning("coupon rejected: %s", e, extra={"cart_id": request.cart_id, "coupon": request.coupon})
        raise HTTPException(422, str(e)) from e
    try:
        receipt = payments.capture(request.payment_token, priced.total, idempotency_key=request.cart_id)
    except PaymentDeclined as e:
        raise HTTPException(402, f"payment declined: {e.reason}") from e
    except PaymentGatewayTimeout as e:
        log.exception("payments: capture timed out, answering 504", extra={"cart_id": request.cart_id})
        raise HTTPException(504, "payment gateway timeout, please retry") from e
    log.info(
        "checkout completed",
        extra={"cart_id": request.cart_id, "order_id": receipt.order_id, "total": str(priced.total)},
    )
    return {"order_id": receipt.order_id, "total": str(priced.total)}


def _cart(cart_id: str) -> Cart:
    try:
        return load_cart(cart_id)
    except CartNotFound as e:
        raise HTTPException(404, "cart not found") from e
'''

TEST_PRICING_V1 = """from decimal import Decimal

from checkout import pricing
from checkout.carts import Cart, Line


def test_total_adds_twenty_percent_tax() -> None:
    cart = Cart("c1", (Line("sku-1", 2, Decimal("10.00")),))
    assert pricing.quote(cart).total == Decimal("24.00")
"""

TEST_PRICING_V2 = """from decimal import Decimal

from checkout import pricing
from checkout.carts import Cart, Line


def test_total_adds_twenty_percent_tax() -> None:
    cart = Cart("c1", (Line("sku-1", 2, Decimal("10.00")),))
    assert pricing.quote(cart).total == Decimal("24.00")


def test_tax_rounds_half_up() -> None:
    cart = Cart("c1", (Line("sku-1", 1, Decimal("0.125")),))
    assert pricing.quote(cart).tax == Decimal("0.03")
"""

TEST_CONFTEST_V1 = """import pytest

from checkout import db


class FakeDb:
    def __init__(self) -> None:
        self.coupons: dict[str, dict] = {}

    def fetch_one(self, sql: str, params: tuple) -> dict | None:
        return self.coupons.get(params[0])


@pytest.fixture
def fake_db(monkeypatch: pytest.MonkeyPatch) -> FakeDb:
    fake = FakeDb()
    monkeypatch.setattr(db, "fetch_one", fake.fetch_one)
    return fake
"""

TEST_CONFTEST_V2 = edit(
    TEST_CONFTEST_V1,
    ("from checkout import db\n", "from checkout import coupons, db\n"),
    (
        '    monkeypatch.setattr(db, "fetch_one", fake.fetch_one)\n',
        '    monkeypatch.setattr(db, "fetch_one", fake.fetch_one)\n    coupons._cache.clear()\n',
    ),
)

TEST_CONFTEST_V3 = edit(
    TEST_CONFTEST_V2,
    (
        "        self.coupons: dict[str, dict] = {}\n",
        "        self.coupons: dict[str, dict] = {}\n        self.campaigns: dict[str, dict] = {}\n",
    ),
    (
        "        return self.coupons.get(params[0])\n",
        '        table = self.campaigns if "FROM campaigns" in sql else self.coupons\n'
        "        return table.get(params[0])\n",
    ),
)

TEST_COUPONS_V1 = """from datetime import datetime, timezone
from decimal import Decimal

import pytest

from checkout import coupons

NOW = datetime(2026, 2, 17, 12, 0, tzinfo=timezone.utc)
NEXT_MONTH = datetime(2026, 3, 17, tzinfo=timezone.utc)


def test_percent_coupon(fake_db) -> None:
    fake_db.coupons["WELCOME10"] = {
        "code": "WELCOME10", "kind": "percent", "value": Decimal("10"), "expires_at": NEXT_MONTH
    }
    assert coupons.apply("welcome10", Decimal("50.00"), now=NOW) == Decimal("5.00")


def test_amount_coupon_never_exceeds_subtotal(fake_db) -> None:
    fake_db.coupons["SAVE5"] = {"code": "SAVE5", "kind": "amount", "value": Decimal("5"), "expires_at": NEXT_MONTH}
    assert coupons.apply("SAVE5", Decimal("3.00"), now=NOW) == Decimal("3.00")


def test_expired_coupon_is_rejected(fake_db) -> None:
    fake_db.coupons["OLD"] = {"code": "OLD", "kind": "amount", "value": Decimal("5"), "expires_at": NOW}
    with pytest.raises(coupons.CouponError, match="expired"):
        coupons.apply("OLD", Decimal("10.00"), now=NOW + (NEXT_MONTH - NOW))
"""

TEST_COUPONS_V2 = (
    TEST_COUPONS_V1
    + """

def test_unknown_coupon_is_rejected(fake_db) -> None:
    with pytest.raises(coupons.CouponError, match="unknown"):
        coupons.apply("NOPE", Decimal("10.00"), now=NOW)


def test_minimum_subtotal(fake_db) -> None:
    fake_db.coupons["BIG"] = {
        "code": "BIG", "kind": "amount", "value": Decimal("20"), "expires_at": NEXT_MONTH,
        "min_subtotal": Decimal("100"),
    }
    with pytest.raises(coupons.CouponError, match="at least 100"):
        coupons.apply("BIG", Decimal("99.99"), now=NOW)
"""
)

TEST_COUPONS_V3 = (
    TEST_COUPONS_V2
    + """

def test_campaign_code_gives_its_percentage(fake_db) -> None:
    fake_db.campaigns["SPRING26"] = {"code": "SPRING26", "discount_percent": Decimal("15"), "ends_at": NEXT_MONTH}
    assert coupons.apply("spring26", Decimal("100.00"), now=NOW) == Decimal("15.00")


def test_coupon_wins_over_campaign_with_the_same_code(fake_db) -> None:
    fake_db.coupons["DUP"] = {"code": "DUP", "kind": "amount", "value": Decimal("1"), "expires_at": NEXT_MONTH}
    fake_db.campaigns["DUP"] = {"code": "DUP", "discount_percent": Decimal("50"), "ends_at": NEXT_MONTH}
    assert coupons.apply("DUP", Decimal("10.00"), now=NOW) == Decimal("1")
"""
)


COMMITS = [
    Commit(
        "initial",
        PRIYA,
        "2026-02-16T09:12:04+01:00",
        "Initial checkout service: carts, pricing, payments client",
        "Quote and checkout endpoints; carts come from Redis, payments go through the gateway.",
        {
            ".gitignore": GITIGNORE,
            "README.md": README_V1,
            "pyproject.toml": PYPROJECT_V1,
            "checkout/__init__.py": INIT,
            "checkout/db.py": DB,
            "checkout/carts.py": CARTS,
            "checkout/pricing.py": PRICING_V1,
            "checkout/payments.py": PAYMENTS_V1,
            "checkout/api.py": API_V1,
            "tests/test_pricing.py": TEST_PRICING_V1,
        },
    ),
    Commit(
        "coupons",
        MARCUS,
        "2026-02-17T14:40:51-05:00",
        "Add coupon support (percent and fixed amount)",
        "Coupons come from the coupons table. Unknown or expired codes answer 422.",
        {
            "checkout/coupons.py": COUPONS_V1,
            "checkout/pricing.py": PRICING_V2,
            "checkout/api.py": API_V2,
            "tests/conftest.py": TEST_CONFTEST_V1,
            "tests/test_coupons.py": TEST_COUPONS_V1,
        },
    ),
    Commit(
        "retries",
        SOFIA,
        "2026-02-18T10:05:33+01:00",
        "payments: retry captures on 503 with the same idempotency key",
        "The gateway sheds load with 503 during its deploys; the idempotency key makes a retry safe.",
        {"checkout/payments.py": PAYMENTS_V2},
        tag="v1.1.0",
    ),
    Commit(
        "rounding",
        PRIYA,
        "2026-02-19T11:30:12+01:00",
        "pricing: round tax half-up to the cent",
        "Decimal.quantize defaults to banker's rounding; finance expects half-up.",
        {"checkout/pricing.py": PRICING_V3, "tests/test_pricing.py": TEST_PRICING_V2},
    ),
    Commit(
        "min-subtotal",
        MARCUS,
        "2026-02-20T09:15:40-05:00",
        "coupons: minimum subtotal, and tests for edge cases",
        "",
        {"checkout/coupons.py": COUPONS_V2, "tests/test_coupons.py": TEST_COUPONS_V2},
        tag="v1.2.0",
    ),
    Commit(
        "timeout",
        SOFIA,
        "2026-02-23T13:50:02+01:00",
        "payments: 3 s request timeout instead of the 10 s default",
        "A stuck capture held a worker for 10 s; the gateway's p99 is under 1 s.",
        {"checkout/payments.py": PAYMENTS_V3},
    ),
    Commit(
        "logging",
        PRIYA,
        "2026-02-24T10:20:45+01:00",
        "api: log coupon rejections and completed checkouts with cart ids",
        "",
        {"checkout/api.py": API_V3},
        tag="v1.3.0",
    ),
    Commit(
        "cache",
        MARCUS,
        "2026-02-25T16:00:19-05:00",
        "coupons: cache lookups for 60 s",
        "Every quote hit the database for the same few codes.",
        {"checkout/coupons.py": COUPONS_V3, "tests/conftest.py": TEST_CONFTEST_V2},
    ),
    Commit(
        "httpx",
        SOFIA,
        "2026-02-26T09:30:27+01:00",
        "Bump httpx to 0.28",
        "",
        {"pyproject.toml": PYPROJECT_V2},
        tag="v1.4.0",
    ),
    Commit(
        "campaigns",
        MARCUS,
        "2026-03-01T16:10:08-05:00",
        "coupons: accept marketing campaign codes",
        "Codes not found in coupons fall back to the campaigns table that the marketing admin tool\n"
        "writes (SPRING26 goes out on Monday). A campaign's end date comes from campaigns.ends_at.",
        {
            "checkout/coupons.py": COUPONS_V4,
            "tests/conftest.py": TEST_CONFTEST_V3,
            "tests/test_coupons.py": TEST_COUPONS_V3,
        },
    ),
    Commit(
        "readme",
        PRIYA,
        "2026-03-02T10:15:36+01:00",
        "docs: coupon and campaign rules in the README",
        "",
        {"README.md": README_V2},
    ),
    Commit(
        "money",
        SOFIA,
        "2026-03-02T11:30:55+01:00",
        "pricing: move money rounding into checkout/money.py",
        "No behaviour change: round_cents is the same half-up quantize.",
        {"checkout/money.py": MONEY, "checkout/pricing.py": PRICING_V4},
        tag="v1.5.0",
    ),
    Commit(
        "latency",
        SOFIA,
        "2026-03-02T16:20:14+01:00",
        "payments: log capture latency",
        "",
        {"checkout/payments.py": PAYMENTS_V4},
    ),
]
CULPRIT = "campaigns"
DEPLOYED_FILES = {  # the tree of release 1.5.0, for the stack traces
    "checkout/api.py": API_V3,
    "checkout/pricing.py": PRICING_V4,
    "checkout/coupons.py": COUPONS_V4,
    "checkout/payments.py": PAYMENTS_V3,
}


def line_of(path: str, needle: str) -> int:
    lines = DEPLOYED_FILES[path].splitlines()
    matches = [number for number, text in enumerate(lines, start=1) if needle in text]
    if len(matches) != 1:
        raise AssertionError(f"{needle!r} found {len(matches)} times in {path}")
    return matches[0]


# ---------------------------------------------------------------------------------------------------
# Git
# ---------------------------------------------------------------------------------------------------


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
    requests: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    traces: list[dict[str, Any]] = field(default_factory=list)
    coupon_cache: dict[tuple[str, str], datetime] = field(default_factory=dict)
    gateway_hiccups: list[datetime] = field(default_factory=list)

    def operation_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

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
        "get_quote": line_of("checkout/api.py", "return pricing.quote(cart, coupon).as_dict()"),
        "post_checkout": line_of("checkout/api.py", "priced = pricing.quote(cart, request.coupon)"),
    }[handler]
    frames = [
        ("_is_expired", "checkout/coupons.py", line_of("checkout/coupons.py", "return coupon.expires_at < now")),
        ("apply", "checkout/coupons.py", line_of("checkout/coupons.py", "if _is_expired(coupon, now):")),
        ("quote", "checkout/pricing.py", line_of("checkout/pricing.py", "discount = coupons.apply(")),
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
            line_of("checkout/payments.py", 'raise PaymentGatewayTimeout(f"capture timed out'),
        ),
        ("post_checkout", "checkout/api.py", line_of("checkout/api.py", "receipt = payments.capture(")),
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


def build_telemetry() -> Telemetry:
    rng = random.Random(SEED)
    t = Telemetry(rng)
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


MEMORY_INDEX = """# Memory: payments-core

Start here; each line points to a deeper note.

- [runbooks/checkout-errors.md](runbooks/checkout-errors.md): checkout-api errors or exception spikes:
  first queries, known noise, how to roll back.
- checkout-api is the Container App `ca-checkout-api`, built from the `checkout` repo. cart-api
  (`ca-cart-api`) belongs to the basket team; its code is not in our workspaces.
- Releases go through the `checkout-release` pipeline: staging first, production after a manual
  approval, usually within two hours. Each release is a tag `vX.Y.Z` on main.
"""

RUNBOOK = """# Runbook: checkout-api errors or exception spikes

1. Scope it. Which operations fail, since when, on which version?
   `AppRequests | where AppRoleName == "checkout-api" and Success == false
   | summarize count() by Name, ResultCode, AppVersion, bin(TimeGenerated, 5m)`
2. Group the exceptions: `AppExceptions | where AppRoleName == "checkout-api"
   | summarize count(), min(TimeGenerated), max(TimeGenerated) by ProblemId`.
   The stack (`Details[0].parsedStack`) names files under `/app/`, which is the repo root.
3. Known noise: `PaymentGatewayTimeout` comes in short bursts a few times an hour (the gateway's
   own slow periods; the gateway team tracks it). It answers 504 and the shopper retries. Only
   page the gateway team if it passes ~10 in 15 minutes.
4. What changed? Compare the start of the errors with releases and with `AppVersion`. A release
   touches staging first; if staging was quiet, the failing path may need production data.
5. Mitigate: roll back with the `checkout-release` pipeline ("redeploy" on the previous tag). A
   single bad coupon or campaign can also be switched off in the marketing admin tool.
"""


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
    with tempfile.TemporaryDirectory(prefix="checkout-bad-deploy-") as scratch:
        staging = Path(scratch) / "scenario"
        (staging / "repos").mkdir(parents=True)
        shas = build_repo(Path(scratch) / "work", staging / "repos" / "checkout.bundle", COMMITS)
        t = build_telemetry()
        value, threshold = alert_window(t.exceptions)
        files = {
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
            "memory/MEMORY.md": MEMORY_INDEX.encode(),
            "memory/runbooks/checkout-errors.md": RUNBOOK.encode(),
            "telemetry/AppRequests.jsonl": dump_jsonl(t.requests),
            "telemetry/AppDependencies.jsonl": dump_jsonl(t.dependencies),
            "telemetry/AppExceptions.jsonl": dump_jsonl(t.exceptions),
            "telemetry/AppTraces.jsonl": dump_jsonl(t.traces),
        }
        for relative, content in files.items():
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_bytes(content)
        if output.exists():
            shutil.rmtree(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, output)
    print(f"wrote {output}: {len(t.requests)} requests, {len(t.exceptions)} exceptions, alert {value} > {threshold}")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / NAME)
