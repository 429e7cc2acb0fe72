"""Every SDK request of these tests goes to respx, never to the network."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from agentcore.telemetry.scope import clear_scope
from tests.models.respx_bridge import RespxBridge


@pytest.fixture(autouse=True)
def no_scope_left_over() -> Iterator[None]:
    """Each test starts (and leaves the thread) working for no investigation."""
    clear_scope()
    yield
    clear_scope()


@pytest.fixture
def http_client() -> Iterator[httpx2.Client]:
    """What the model adapters get as `http_client`: an httpx2 client whose requests respx answers."""
    with httpx2.Client(transport=RespxBridge()) as client:
        yield client
