"""Load `telemetry/<Table>.jsonl` files into a DuckDB database with proper column types.

One streaming pass per file checks every line (JSON object, valid column names, values that fit the
column's type, a size limit per row) and writes a normalized copy; DuckDB's `read_json` then reads
that copy with explicit column types. Every problem is a `ScenarioError` naming the file and line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb

from agentcore.connectors.logs._telemetry_tables import (
    COLUMN_HINTS,
    KNOWN_TABLES,
    BadValue,
    DuckType,
    coerce,
    inferred_type,
    value_kind,
)
from agentcore.errors import ScenarioError

logger = logging.getLogger(__name__)

TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
DEFAULT_MAX_ROW_BYTES = 64 * 1024 * 1024
"""Largest single telemetry row accepted; a 50 MB row loads, a runaway one is a clear error."""


@dataclass
class _TableShape:
    """Columns seen so far in one file: documented ones fixed, others inferred from their values."""

    table: str
    fixed: dict[str, DuckType]
    extra_kinds: dict[str, set[str]] = field(default_factory=dict)
    by_folded_name: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_folded_name = {name.lower(): name for name in self.fixed}

    def check_column(self, name: str, where: str) -> None:
        known = self.by_folded_name.setdefault(name.lower(), name)
        if known != name:
            raise ScenarioError(f"{where}: columns {known!r} and {name!r} differ only in case")
        if name not in self.fixed and name not in self.extra_kinds:
            if not COLUMN_NAME.fullmatch(name):
                raise ScenarioError(f"{where}: column name {name[:60]!r} is not an identifier")
            hint = COLUMN_HINTS.get(name)
            if hint is not None:
                self.fixed[name] = hint
            else:
                self.extra_kinds[name] = set()

    def columns(self) -> dict[str, DuckType]:
        inferred = {name: inferred_type(kinds) for name, kinds in self.extra_kinds.items()}
        return {**self.fixed, **inferred}


def load_jsonl_tables(
    con: duckdb.DuckDBPyConnection,
    files: Mapping[str, Path],
    *,
    max_row_bytes: int = DEFAULT_MAX_ROW_BYTES,
    scratch_dir: Path,
) -> dict[str, int]:
    """Create one table per file in `con`; return the row count of each."""
    counts: dict[str, int] = {}
    for table, path in sorted(files.items()):
        if not TABLE_NAME.fullmatch(table):
            raise ScenarioError(f"{_display(path)}: {table!r} is not a valid table name")
        normalized = scratch_dir / f".{table}.normalized.jsonl"
        try:
            with path.open("rb") as source, normalized.open("w", encoding="utf-8") as sink:
                shape, rows = _normalize(table, source, sink, _display(path), max_row_bytes)
            _create_table(con, table, shape.columns(), normalized, rows, max_row_bytes)
        except OSError as e:
            raise ScenarioError(f"{_display(path)}: cannot read: {e.strerror or e}") from e
        except duckdb.Error as e:
            first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ScenarioError(f"{_display(path)}: DuckDB could not load it: {first_line}") from e
        finally:
            normalized.unlink(missing_ok=True)
        counts[table] = rows
        logger.info("loaded %d rows into %s from %s", rows, table, path)
    return counts


def _display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _normalize(table: str, source: IO[bytes], sink: IO[str], name: str, limit: int) -> tuple[_TableShape, int]:
    shape = _TableShape(table, dict(KNOWN_TABLES.get(table, {})))
    required_time = table in KNOWN_TABLES
    rows = 0
    for line_number, raw in enumerate(iter(lambda: source.readline(limit + 1), b""), start=1):
        where = f"{name} line {line_number}"
        if len(raw.rstrip(b"\r\n")) > limit:
            raise ScenarioError(f"{where}: row is over the {limit} byte limit")
        if not raw.strip():
            continue
        row = _parse_line(raw, where)
        if required_time and row.get("TimeGenerated") is None:
            raise ScenarioError(f"{where}: TimeGenerated is missing")
        sink.write(json.dumps(_normalize_row(shape, row, where), ensure_ascii=False, separators=(",", ":")))
        sink.write("\n")
        rows += 1
    return shape, rows


def _parse_line(raw: bytes, where: str) -> dict[str, Any]:
    try:
        row = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{where}: not UTF-8 ({e.reason} at byte {e.start})") from e
    except json.JSONDecodeError as e:
        raise ScenarioError(f"{where}: not JSON: {e.msg} at column {e.colno}") from e
    if not isinstance(row, dict):
        raise ScenarioError(f"{where}: expected a JSON object, got {type(row).__name__}")
    return row


def _normalize_row(shape: _TableShape, row: dict[str, Any], where: str) -> dict[str, Any]:
    normalized: dict[str, Any] = {}
    for name, value in row.items():
        shape.check_column(name, where)
        duck_type = shape.fixed.get(name)
        if duck_type is None:
            if value is not None:
                shape.extra_kinds[name].add(value_kind(value))
            normalized[name] = value
            continue
        try:
            normalized[name] = coerce(duck_type, value)
        except BadValue as e:
            raise ScenarioError(f"{where}: column {name}: {e}") from e
    return normalized


def _create_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: dict[str, DuckType],
    normalized: Path,
    rows: int,
    max_row_bytes: int,
) -> None:
    column_list = ", ".join(f'"{name}" {duck_type}' for name, duck_type in columns.items())
    con.execute(f'CREATE TABLE "{table}" ({column_list})')
    if rows == 0:
        return
    spec = ", ".join(f"'{name}': '{duck_type}'" for name, duck_type in columns.items())
    path_literal = str(normalized).replace("'", "''")
    object_limit = max(16 * 1024 * 1024, 2 * max_row_bytes)
    con.execute(
        f"INSERT INTO \"{table}\" SELECT * FROM read_json('{path_literal}', format='newline_delimited', "
        f"records=true, columns={{{spec}}}, maximum_object_size={object_limit})"
    )
