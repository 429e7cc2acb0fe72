"""Reads orders-paid and ships each order."""

from __future__ import annotations

import json
import logging
import os

from azure.identity import DefaultAzureCredential
from azure.monitor.opentelemetry import configure_azure_monitor
from azure.servicebus import ServiceBusClient

from fulfillment import carriers

log = logging.getLogger("fulfillment.worker")


def handle(order: dict) -> None:
    shipment = carriers.create_shipment(order)
    log.info("shipment %s booked for order %s", shipment["id"], order["id"])


def main() -> None:
    configure_azure_monitor()
    client = ServiceBusClient(os.environ["SERVICEBUS_NAMESPACE"], DefaultAzureCredential())
    with client.get_queue_receiver("orders-paid") as receiver:
        for message in receiver:
            handle(json.loads(str(message)))
            receiver.complete_message(message)


if __name__ == "__main__":
    main()
