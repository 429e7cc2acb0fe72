"""The sandbox's side of the connector broker: the LogStore port over `.connectors/broker.sock`.

Commands run with the workspace as their working directory, so the socket is found at the relative path
SOCKET_PATH. One connection per request (see `agentcore.connectors._broker_protocol`). Every failure, the
broker's refusals and a broker that does not answer alike, is a LogQueryError whose message the agent sees.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from agentcore.connectors._broker_protocol import (
    PROTOCOL_VERSION,
    SOCKET_PATH,
    BrokerQueryResult,
    BrokerResponse,
    QueryRequest,
    SchemaRequest,
    TablesRequest,
    UnknownTableError,
)
from agentcore.connectors._unix_socket import connected
from agentcore.connectors.logs import LogQueryError, TableSchema

RESPONSE_TIMEOUT_S = 120.0
"""How long a command waits for an answer; the broker's own per-request timeout is shorter."""
MAX_RESPONSE_BYTES = 64 * 1024**2
"""A longer answer is refused here; the broker cuts query results well below this."""
_TABLES = TypeAdapter(list[TableSchema])


def broker_running(workspace: Path = Path()) -> bool:
    """Whether the workspace has a broker socket (not whether the broker still answers on it)."""
    return (workspace / SOCKET_PATH).is_socket()


class BrokerLogStore:
    """A LogStore whose answers come from the connector broker listening at `socket_path`."""

    def __init__(self, socket_path: Path = SOCKET_PATH, *, timeout_s: float = RESPONSE_TIMEOUT_S) -> None:
        self.socket_path = socket_path
        self.timeout_s = timeout_s

    def tables(self) -> list[TableSchema]:
        return _TABLES.validate_python(self._call(TablesRequest()))

    def table(self, name: str) -> TableSchema:
        """The table called `name` (case-insensitive); UnknownTableError lists the tables there are."""
        return TableSchema.model_validate(self._call(SchemaRequest(table=name)))

    def query(self, kql: str, *, max_rows: int = 1000) -> BrokerQueryResult:
        if not kql.strip():
            raise LogQueryError("empty KQL query")
        return BrokerQueryResult.model_validate(self._call(QueryRequest(kql=kql, max_rows=max(1, max_rows))))

    def _call(self, request: BaseModel) -> object:
        line = self._exchange(json.dumps(request.model_dump(), separators=(",", ":")).encode("ascii") + b"\n")
        try:
            response = BrokerResponse.model_validate(json.loads(line))
        except (ValueError, RecursionError) as e:  # ValidationError is a ValueError
            raise LogQueryError("the connector broker sent an answer that is not valid JSON") from e
        if response.v != PROTOCOL_VERSION:
            raise LogQueryError(f"the connector broker speaks protocol version {response.v}, not {PROTOCOL_VERSION}")
        if response.error is not None or not response.ok:
            code, message = (response.error.code, response.error.message) if response.error else ("internal", "")
            raise (UnknownTableError if code == "no_table" else LogQueryError)(
                message if code in ("query_error", "no_table") else f"connector broker: {message or code}"
            )
        return response.result

    def _exchange(self, request: bytes) -> bytes:
        deadline = time.monotonic() + self.timeout_s
        try:
            with connected(self.socket_path, self.timeout_s) as conn:
                conn.sendall(request)
                return _read_line(conn, deadline)
        except TimeoutError as e:
            raise LogQueryError(f"the connector broker did not answer within {self.timeout_s:g} s") from e
        except OSError as e:
            raise LogQueryError(
                f"the connector broker at {self.socket_path} is not answering ({e.strerror or type(e).__name__})"
            ) from e


def _read_line(conn: socket.socket, deadline: float) -> bytes:
    received = bytearray()
    while not received.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        conn.settimeout(remaining)
        chunk = conn.recv(1024 * 1024)
        if not chunk:
            break
        received += chunk
        if len(received) > MAX_RESPONSE_BYTES:
            raise LogQueryError(f"the connector broker's answer is larger than {MAX_RESPONSE_BYTES} bytes")
    if not received:
        raise LogQueryError("the connector broker closed the connection without answering")
    return bytes(received)
