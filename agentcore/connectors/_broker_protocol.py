"""The connector broker's wire format, shared by the broker (host side) and the sandbox's commands.

One request per connection over a Unix socket: the client writes one JSON object and a newline, the
broker answers with one JSON object and a newline and closes the connection.

    -> {"v": 1, "op": "tables"}
    -> {"v": 1, "op": "schema", "table": "AppRequests"}
    -> {"v": 1, "op": "query", "kql": "AppRequests | take 5", "max_rows": 10000}
    <- {"v": 1, "ok": true, "result": ...}
    <- {"v": 1, "ok": false, "error": {"code": "query_error", "message": "..."}}

`result` is a list of TableSchema (tables), one TableSchema (schema) or a BrokerQueryResult (query), each in
its pydantic JSON form. A request is at most MAX_REQUEST_BYTES; a query result is cut to the broker's
response byte cap, with `note` saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from agentcore.connectors.logs import LogQueryError, QueryResult, TableSchema

PROTOCOL_VERSION: Literal[1] = 1
SOCKET_PATH = Path(".connectors/broker.sock")
"""Where the broker listens, relative to the workspace root (so `/workspace/.connectors/broker.sock` inside)."""
MAX_REQUEST_BYTES = 64 * 1024
"""A request line longer than this is refused (`too_large`) without being parsed."""
MAX_TABLE_NAME_CHARS = 1024

ErrorCode = Literal[
    "bad_request",  # not JSON, not a known operation, or fields of the wrong type
    "too_large",  # the request line passed MAX_REQUEST_BYTES
    "unsupported_version",  # `v` is not PROTOCOL_VERSION
    "unavailable",  # the broker holds no connector for this operation
    "no_table",  # `schema` named a table the store does not have
    "query_error",  # the store refused or failed the query: its LogQueryError message
    "timeout",  # the request ran past the broker's per-request timeout
    "busy",  # too many connections or requests at once
    "internal",  # anything else; the details are in the agent's log, never on the wire
]


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = PROTOCOL_VERSION


class TablesRequest(_Request):
    """Every table a query may name."""

    op: Literal["tables"] = "tables"


class SchemaRequest(_Request):
    """One table's columns, by name (case-insensitive)."""

    op: Literal["schema"] = "schema"
    table: Annotated[str, Field(min_length=1, max_length=MAX_TABLE_NAME_CHARS)]


class QueryRequest(_Request):
    """One read-only KQL query; at most `max_rows` rows come back."""

    op: Literal["query"] = "query"
    kql: Annotated[str, Field(min_length=1)]
    max_rows: Annotated[int, Field(ge=1)] = 1000


BrokerRequest = Annotated[TablesRequest | SchemaRequest | QueryRequest, Field(discriminator="op")]


class BrokerError(BaseModel):
    """Why a request was not answered. `message` is meant for the agent; it never holds a secret."""

    model_config = ConfigDict(frozen=True)

    code: ErrorCode
    message: str


class BrokerResponse(BaseModel):
    """The envelope of every answer."""

    model_config = ConfigDict(frozen=True)

    v: int
    ok: bool
    result: JsonValue = None
    error: BrokerError | None = None


class BrokerQueryResult(QueryResult):
    """A QueryResult as the broker sends it: `note` says the rows were cut to fit the response size cap."""

    note: str | None = None


class UnknownTableError(LogQueryError):
    """`schema` named a table that the store does not have; the message lists the tables there are."""


def table_named(tables: list[TableSchema], name: str) -> TableSchema:
    """The table called `name` (case-insensitive), or UnknownTableError listing the names."""
    for table in tables:
        if table.name.lower() == name.lower():
            return table
    raise UnknownTableError(f"no table {name!r}; tables: {', '.join(t.name for t in tables)}")


__all__ = [
    "MAX_REQUEST_BYTES",
    "PROTOCOL_VERSION",
    "SOCKET_PATH",
    "BrokerError",
    "BrokerQueryResult",
    "BrokerRequest",
    "BrokerResponse",
    "ErrorCode",
    "QueryRequest",
    "SchemaRequest",
    "TablesRequest",
    "UnknownTableError",
    "table_named",
]
