"""The LogStore port: list the log tables and answer KQL over them.

Adapters: `DuckDbLogStore` (scenario telemetry in a local DuckDB file, KQL through duckdb-kql; the
embedded default) and, later, a Kusto / Log Analytics one. Values in results are JSON-compatible
(datetimes as ISO 8601 UTC strings, `dynamic` as parsed JSON), so a result renders the same whoever
answered it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, JsonValue

from agentcore.errors import UserInputError


class LogQueryError(UserInputError):
    """A KQL query was refused or failed: bad syntax, an unknown table or column, an operator the
    store does not support (named in the message), or a timeout. The agent sees the message."""


class ColumnSchema(BaseModel):
    """One column, with its type as KQL names it (`datetime`, `string`, `bool`, `real`, `long`, `dynamic`)."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    description: str = ""


class TableSchema(BaseModel):
    """A log table and, where the store knows them cheaply, its size and time range."""

    model_config = ConfigDict(frozen=True)

    name: str
    columns: tuple[ColumnSchema, ...]
    row_count: int | None = None
    first_time: datetime | None = None
    """Earliest `TimeGenerated`, UTC."""
    last_time: datetime | None = None
    """Latest `TimeGenerated`, UTC."""


class QueryResult(BaseModel):
    """Rows of one query. `truncated` says rows were cut at `max_rows`; `total_rows` is the full count
    when the store could tell (None when it could not)."""

    model_config = ConfigDict(frozen=True)

    columns: tuple[ColumnSchema, ...]
    rows: tuple[tuple[JsonValue, ...], ...]
    truncated: bool = False
    total_rows: int | None = None

    @classmethod
    def rendered(
        cls, columns: tuple[ColumnSchema, ...], rows: tuple[tuple[JsonValue, ...], ...], *, truncated: bool,
        total_rows: int | None,
    ) -> QueryResult:  # fmt: skip
        """A result whose values a store rendered with `_rendering.json_value` (JSON by construction), built
        without validating each one again: at 10^5 rows that check cost as much as the query."""
        return cls.model_construct(columns=columns, rows=rows, truncated=truncated, total_rows=total_rows)

    def as_dicts(self) -> list[dict[str, JsonValue]]:
        """Rows keyed by column name."""
        names = [c.name for c in self.columns]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


@runtime_checkable
class LogStore(Protocol):
    """Where the agent's `logs` command sends KQL. One store may be queried from several threads at once
    (triage runs independent queries side by side)."""

    def tables(self) -> list[TableSchema]:
        """Every table a query may name, sorted by name."""
        ...

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        """Run `kql`; raise LogQueryError for anything the caller should fix or know about."""
        ...


__all__ = ["ColumnSchema", "LogQueryError", "LogStore", "QueryResult", "TableSchema"]
