"""Booking shipments with the carrier."""

from __future__ import annotations

import os

import httpx

_client = httpx.Client(
    base_url="https://api.parcelpoint.example",
    headers={"Authorization": f"Bearer {os.environ.get('CARRIER_TOKEN', '')}"},
)


def create_shipment(order: dict) -> dict:
    shipment = {"reference": order["id"], "address": order["address"], "parcels": order["parcels"]}
    response = _client.post("/v2/shipments", json=shipment)
    response.raise_for_status()
    return response.json()
