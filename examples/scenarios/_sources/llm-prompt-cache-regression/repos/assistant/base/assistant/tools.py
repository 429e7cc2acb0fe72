"""What the model\'s tool calls run: lookups in orders-api, and proposals the agent confirms."""

from __future__ import annotations

import json
import logging

import httpx

from assistant.settings import settings

log = logging.getLogger(__name__)
_orders = httpx.Client(base_url=settings.orders_url, timeout=2.5)


def get_order(order_id: str) -> dict:
    response = _orders.get(f"/v1/orders/{order_id}")
    response.raise_for_status()
    return response.json()


def get_shipment(order_id: str, parcel: int | None = None) -> dict:
    response = _orders.get(f"/v1/orders/{order_id}/shipments", params={"parcel": parcel} if parcel else None)
    response.raise_for_status()
    return response.json()


HANDLERS = {"get_order": get_order, "get_shipment": get_shipment}


def run(call) -> str:
    """The result of one tool call as the JSON the model reads; a failed lookup is a result too."""
    handler = HANDLERS.get(call.function.name)
    if handler is None:
        return json.dumps({"error": f"{call.function.name} is not available; add an internal note instead"})
    try:
        return json.dumps(handler(**json.loads(call.function.arguments)))
    except httpx.HTTPError as e:
        log.warning("tool %s failed: %s", call.function.name, e, exc_info=True)
        return json.dumps({"error": "the lookup failed; tell the agent to check manually"})
