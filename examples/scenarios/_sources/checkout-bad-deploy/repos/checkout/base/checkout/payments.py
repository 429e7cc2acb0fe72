"""Client for the payments gateway."""

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
