"""Connectors the sandbox reaches through the host: the broker runs only while an agent stage runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from agentcore.connectors.broker import ConnectorBroker, broker_socket_path
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.pipeline.wiring import Dependencies
from agentcore.redaction import Redactor
from agentcore.workspace import TELEMETRY_DATABASE


@contextmanager
def connector_broker(deps: Dependencies, root: Path, redactor: Redactor | None = None) -> Iterator[None]:
    """Serve the deployment's log store to the sandbox of the workspace at `root`, if one is configured.

    `redactor` (numbering into the session's state) redacts every result before the sandbox sees it.
    The socket lives in the workspace, so the broker must be closed before the workspace is snapshotted.
    """
    logs = deps.log_store
    scenario_telemetry = root / TELEMETRY_DATABASE
    if logs is None and scenario_telemetry.is_file():
        # A scenario's telemetry lives in the workspace; served through the broker as well, so the `logs`
        # command's results are redacted on the host (and counted) before they are printed or saved.
        with (
            closing(DuckDbLogStore(scenario_telemetry)) as local,
            ConnectorBroker(broker_socket_path(root), logs=local, redactor=redactor),
        ):
            yield
        return
    if logs is None:
        yield
        return
    with ConnectorBroker(broker_socket_path(root), logs=logs, redactor=redactor):
        yield
