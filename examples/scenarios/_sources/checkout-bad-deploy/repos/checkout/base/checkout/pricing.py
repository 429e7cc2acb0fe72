"""Cart totals: line items and tax."""

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
