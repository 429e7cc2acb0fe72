"""Connectors the sandbox reaches through the host: the broker runs only while an agent stage runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agentcore.connectors.broker import ConnectorBroker, broker_socket_path
from agentcore.pipeline.wiring import Dependencies


@contextmanager
def connector_broker(deps: Dependencies, root: Path) -> Iterator[None]:
    """Serve the deployment's log store to the sandbox of the workspace at `root`, if one is configured.

    The socket lives in the workspace, so the broker must be closed before the workspace is snapshotted.
    """
    if deps.log_store is None:
        yield
        return
    with ConnectorBroker(broker_socket_path(root), logs=deps.log_store):
        yield
