"""HTTP API of the checkout service (FastAPI)."""

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
