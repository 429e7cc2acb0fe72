"""Connectors the sandbox reaches through the host: the broker runs only while an agent stage runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agentcore.connectors.broker import ConnectorBroker, broker_socket_path
from agentcore.pipeline.wiring import Dependencies
from agentcore.redaction import Redactor


@contextmanager
def connector_broker(deps: Dependencies, root: Path, redactor: Redactor | None = None) -> Iterator[None]:
    """Serve the deployment's log store to the sandbox of the workspace at `root`, if one is configured.

    `redactor` (numbering into the session's state) redacts every result before the sandbox sees it.
    The socket lives in the workspace, so the broker must be closed before the workspace is snapshotted.
    """
    if deps.log_store is None:
        yield
        return
    with ConnectorBroker(broker_socket_path(root), logs=deps.log_store, redactor=redactor):
        yield
