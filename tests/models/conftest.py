"""Fixtures for the model adapters: every SDK request goes to respx, never to the network."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from tests.models.respx_bridge import RespxBridge


@pytest.fixture
def http_client() -> Iterator[httpx2.Client]:
    """What the adapters get as `http_client`: an httpx2 client whose requests respx answers."""
    with httpx2.Client(transport=RespxBridge()) as client:
        yield client
