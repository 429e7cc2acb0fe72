"""Load `telemetry/<Table>.jsonl` files into a DuckDB database with proper column types, DuckDB doing the work.

Per file, two scans by DuckDB and no Python per row:
1. `read_ndjson_objects` finds every key, the row count and the widest row (on every core: no row numbers);
   DuckDB refusing the file here (bad JSON, not UTF-8) sends us to `_jsonl_lines` for the line.
2. `read_json` with explicit columns reads each one as text or JSON, and one `INSERT ... SELECT` converts
   them in SQL (see `_column_sql`), stopping at the first bad value. Columns nobody documented are stored
   as JSON and then given the type their values share (`ALTER ... TYPE`).
When a check fails, a SQL query over `read_json(...) WITH ORDINALITY` finds the first bad row and column,
and the error names the file and line. Every problem is a `ScenarioError`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from agentcore.connectors.logs._column_sql import ColumnPlan, kind, quote_identifier, quote_literal, stored_as
from agentcore.connectors.logs._jsonl_lines import first_malformed_line, line_of_row
from agentcore.connectors.logs._telemetry_tables import COLUMN_HINTS, KNOWN_TABLES, inferred_type
from agentcore.errors import ScenarioError

logger = logging.getLogger(__name__)

TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


@dataclass(frozen=True)
class _Source:
    """One telemetry file as the loading queries see it."""

    table: str
    path: Path
    max_row_bytes: int

    @property
    def display(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def object_limit(self) -> int:
        return max(16 * 1024 * 1024, 2 * self.max_row_bytes)

    def objects(self) -> str:
        return f"read_ndjson_objects({quote_literal(str(self.path))}, maximum_object_size={self.object_limit})"

    def records(self, columns: list[ColumnPlan]) -> str:
        spec = ", ".join(f"{quote_literal(c.name)}: {quote_literal(c.read_type)}" for c in columns)
        return (
            f"read_json({quote_literal(str(self.path))}, format='newline_delimited', records=true, "
            f"columns={{{spec}}}, maximum_object_size={self.object_limit})"
        )

    def error(self, problem: str, where: str = "") -> ScenarioError:
        """`telemetry/AppTraces.jsonl line 3: problem`, or without the line when the file as a whole is wrong."""
        return ScenarioError(f"{self.display}{' ' + where if where else ''}: {problem}")


def load_jsonl_tables(
    con: duckdb.DuckDBPyConnection, files: Mapping[str, Path], *, max_row_bytes: int
) -> dict[str, int]:
    """Create one table per file in `con` (whose time zone is UTC); return the row count of each."""
    counts: dict[str, int] = {}
    for table, path in sorted(files.items()):
        source = _Source(table, path, max_row_bytes)
        if not TABLE_NAME.fullmatch(table):
            raise source.error(f"{table!r} is not a valid table name")
        try:
            rows = _load(con, source)
        except OSError as e:
            raise source.error(f"cannot read: {e.strerror or e}") from e
        except duckdb.Error as e:
            raise _malformed(source, e) from e
        if rows is not None:
            counts[table] = rows
            logger.info("loaded %d rows into %s from %s", rows, table, path)
    return counts


def _load(con: duckdb.DuckDBPyConnection, source: _Source) -> int | None:
    """Load one file; None when it has no columns at all (an empty file of a table nobody documented)."""
    if not source.path.is_file():
        raise FileNotFoundError(2, "not a file")
    try:
        keys, rows, widest = _survey(con, source)
    except duckdb.Error as e:
        raise _malformed(source, e) from e
    if widest > source.max_row_bytes:
        row = _first_row(con, source, f"strlen(json) > {source.max_row_bytes}")
        raise source.error(f"row is over the {source.max_row_bytes} byte limit", _line(source, row))
    columns = _plan(con, source, keys)
    if not columns:
        if rows:
            raise _malformed(source, None)
        logger.info("%s is empty and its table is not documented: no table made", source.display)
        return None
    column_list = ", ".join(f"{c.raw} {c.duck_type if c.known else 'JSON'}" for c in columns)
    con.execute(f"CREATE TABLE {quote_identifier(source.table)} ({column_list})")
    if rows:
        try:
            con.execute(
                f"INSERT INTO {quote_identifier(source.table)} "
                f"SELECT {', '.join(c.checked for c in columns)} FROM {source.records(columns)}"
            )
        except duckdb.Error as e:
            raise _first_bad_value(con, source, columns, e) from e
    _settle_inferred_types(con, source.table, [c for c in columns if not c.known])
    return rows


def _survey(con: duckdb.DuckDBPyConnection, source: _Source) -> tuple[list[str], int, int]:
    """Every key, the row count and the widest row in bytes.

    Keys come in the order of the most common row shape, then the keys only rarer shapes have (a shape is a
    row's key list; exporters that omit nulls write several). No row numbers: `WITH ORDINALITY` would make
    DuckDB scan the file on one thread, which costs more than the whole typed load at 10^7 rows."""
    found = con.execute(
        "SELECT json_keys(json) AS keys, count(*) AS rows, max(strlen(json)) AS widest "
        f"FROM {source.objects()} GROUP BY keys ORDER BY rows DESC, keys"
    ).fetchall()
    keys = list(dict.fromkeys(key for key_list, *_ in found for key in key_list))
    return keys, sum(int(r[1]) for r in found), max((int(r[2]) for r in found), default=0)


def _plan(con: duckdb.DuckDBPyConnection, source: _Source, keys: list[str]) -> list[ColumnPlan]:
    documented = KNOWN_TABLES.get(source.table, {})
    columns = [ColumnPlan(name, t, required=name == "TimeGenerated") for name, t in documented.items()]
    by_folded = {name.lower(): name for name in documented}
    for key in keys:
        known = by_folded.setdefault(key.lower(), key)
        if known != key:
            line = _line(source, _first_row_with_key(con, source, key))
            raise source.error(f"columns {known!r} and {key!r} differ only in case", line)
        if key in documented:
            continue
        if not COLUMN_NAME.fullmatch(key):
            line = _line(source, _first_row_with_key(con, source, key))
            raise source.error(f"column name {key[:60]!r} is not an identifier", line)
        hint = COLUMN_HINTS.get(key)
        columns.append(ColumnPlan(key, hint or "JSON", known=hint is not None))
    return columns


def _first_row_with_key(con: duckdb.DuckDBPyConnection, source: _Source, key: str) -> int | None:
    return _first_row(con, source, f"list_contains(json_keys(json), {quote_literal(key)})")


def _first_row(con: duckdb.DuckDBPyConnection, source: _Source, condition: str) -> int | None:
    row = con.execute(f"SELECT min(ordinality) FROM {source.objects()} WITH ORDINALITY WHERE {condition}").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _first_bad_value(
    con: duckdb.DuckDBPyConnection, source: _Source, columns: list[ColumnPlan], failure: duckdb.Error
) -> ScenarioError:
    """The error for the first row SQL finds a bad value in; else what is wrong with the file's lines."""
    checked = [c for c in columns if c.bad != "false"]
    which = " ".join(f"WHEN {c.bad} THEN {i}" for i, c in enumerate(checked))
    raw = " ".join(f"WHEN {c.bad} THEN CAST({c.raw} AS VARCHAR)" for c in checked)
    try:
        found = con.execute(
            f"SELECT ordinality, CASE {which} END AS bad_column, CASE {raw} END AS raw_value "
            f"FROM {source.records(columns)} WITH ORDINALITY "
            f"WHERE CASE {which} END IS NOT NULL ORDER BY ordinality LIMIT 1"
        ).fetchone()
    except duckdb.Error as e:
        return _malformed(source, e)
    if found is None:
        return _malformed(source, failure)
    row, column, raw_value = found
    return source.error(checked[int(column)].problem(raw_value), _line(source, int(row)))


def _malformed(source: _Source, failure: duckdb.Error | None) -> ScenarioError:
    """DuckDB refused the file itself: name the first bad line, or pass DuckDB's reason on."""
    found = first_malformed_line(source.path, limit=source.max_row_bytes)
    if found is not None:
        line, problem = found
        return source.error(problem, f"line {line}")
    text = str(failure or "no columns")
    return source.error(f"DuckDB could not load it: {text.splitlines()[0] if text else type(failure).__name__}")


def _line(source: _Source, row: int | None) -> str:
    line = line_of_row(source.path, row, limit=source.max_row_bytes) if row is not None else None
    return f"line {line}" if line is not None else f"row {row}"


def _settle_inferred_types(con: duckdb.DuckDBPyConnection, table: str, columns: list[ColumnPlan]) -> None:
    """Give each undocumented column (stored as JSON) the type all its values share."""
    if not columns:
        return
    kinds = ", ".join(f"list(DISTINCT {kind(c.raw)}) FILTER (WHERE {c.raw} IS NOT NULL)" for c in columns)
    found = con.execute(f"SELECT {kinds} FROM {quote_identifier(table)}").fetchone() or ()
    for column, column_kinds in zip(columns, found, strict=True):
        duck_type = inferred_type({str(k) for k in column_kinds or [] if k is not None})
        if duck_type != "JSON":
            con.execute(
                f"ALTER TABLE {quote_identifier(table)} ALTER {column.raw} TYPE {duck_type} "
                f"USING {stored_as(column.raw, duck_type)}"
            )


__all__ = ["load_jsonl_tables"]
