"""Carts are kept in Redis by cart-api; checkout only reads them."""

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
