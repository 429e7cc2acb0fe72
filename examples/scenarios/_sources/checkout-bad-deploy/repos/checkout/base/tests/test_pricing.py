from decimal import Decimal

from checkout import pricing
from checkout.carts import Cart, Line


def test_total_adds_twenty_percent_tax() -> None:
    cart = Cart("c1", (Line("sku-1", 2, Decimal("10.00")),))
    assert pricing.quote(cart).total == Decimal("24.00")
