"""`DuckDbLogStore`: scenario telemetry in a local DuckDB file, queried in KQL through duckdb-kql.

`DuckDbLogStore.load(files, database, query_now=...)` builds the file from `telemetry/*.jsonl`;
`DuckDbLogStore(database)` opens it read-only, with file access from SQL switched off. `now()` and
`ago()` are evaluated against `query_now` (the scenario's incident time), never the wall clock. A KQL
construct duckdb-kql cannot translate is a `LogQueryError` naming it: a refusal, never a wrong answer.

Checked with duckdb-kql 1.1.2 (tests/connectors): where, project, extend, summarize (count, avg,
percentile, dcount, countif, arg_max, make_set), bin, top, order by, join, parse, parse_json and
dynamic paths, mv-expand, has/contains/=~, let, union, ago()/now(). Refused by name: make-series,
percentiles, search, `where *`, evaluate (plugins), top-nested, bag_keys, externaldata, writes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.connectors.logs import LogQueryError, QueryResult, TableSchema
from agentcore.connectors.logs._kql_warmup import kql_translator, warm_kql_in_background
from agentcore.connectors.logs._query_watchdog import QueryWatchdog
from agentcore.connectors.logs._rendering import duckdb_column, json_value, utc_text
from agentcore.connectors.logs._telemetry_tables import COLUMN_DESCRIPTIONS

if TYPE_CHECKING:  # imported where used: a stage that never queries logs never pays for DuckDB or the KQL parser
    import duckdb
    import duckdb_kql
    from pydantic import JsonValue

    from agentcore.connectors.logs.kql_cache import KqlTranslations

DEFAULT_MAX_ROW_BYTES = 64 * 1024 * 1024
"""Largest single telemetry row accepted; a 50 MB row loads, a runaway one is a clear error."""

_META_SCHEMA = "sre_agent"
_UNSUPPORTED_HINTS = {
    "make-series": "use `summarize count() by bin(TimeGenerated, 5m)` instead",
    "percentiles": "use one percentile(x, p) per value instead",
    "search": 'name the table and filter with `where Column has "text"`',
    "*": 'name the column: `where Message has "text"`',
    "top-nested": "use `summarize ... | top N by ...` instead",
    "evaluate": "plugins are not available; extract fields with parse_json() and summarize",
    "bag_keys": "read known keys with Properties.key or parse_json(Properties).key",
    "externaldata": "only the tables of this store can be queried",
}


class DuckDbLogStore:
    """A read-only LogStore over one DuckDB file. Safe to share between threads: each query runs on its own
    cursor, so queries from several threads run at once."""

    def __init__(
        self,
        database: Path,
        *,
        query_now: datetime | None = None,
        timeout_s: float = 60.0,
        memory_limit_bytes: int | None = 2 * 1024**3,
        translations: KqlTranslations | None = None,
        warm_kql: bool = True,
    ) -> None:
        """Open `database`; with `warm_kql`, the KQL translator is warmed up in the background unless
        `translations` already holds some (a store opened only to describe its tables needs no warm-up)."""
        import duckdb

        if not database.is_file():
            raise LogQueryError(f"no log database at {database}")
        if warm_kql and (translations is None or not translations.holds_any()):
            warm_kql_in_background()
        self.translations = translations
        """Where translations of earlier queries' shapes are kept; None translates every query afresh."""
        self.database = database
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        """Guards the shared connection: describing tables, and making each query's cursor from it."""
        self._con = duckdb.connect(str(database), read_only=True)
        self._watchdog = QueryWatchdog(name=f"duckdb-watchdog-{database.name}")
        # GLOBAL: each query runs on its own cursor, a new session, which would not see a session's setting.
        self._con.execute("SET GLOBAL TimeZone='UTC'")
        if memory_limit_bytes is not None:
            self._con.execute(f"SET memory_limit='{int(memory_limit_bytes)}B'")
        # Global for this database instance: no query may read or write files outside it. (Not locked:
        # a lock is instance-wide too and would stop a second store on the same file setting its zone.)
        self._con.execute("SET enable_external_access=false")
        self.query_now = query_now or self._stored_query_now()
        self._schema = self._read_schema()
        self._tables: tuple[TableSchema, ...] | None = None
        """Described on first use, then kept: the connection is read-only, so they cannot change."""

    @classmethod
    def load(
        cls,
        files: Mapping[str, Path],
        database: Path,
        *,
        query_now: datetime,
        max_row_bytes: int = DEFAULT_MAX_ROW_BYTES,
        warm_kql: bool = True,
    ) -> DuckDbLogStore:
        """Build `database` from `{table: jsonl file}` and open it. Malformed files raise ScenarioError."""
        build_database(files, database, query_now=query_now, max_row_bytes=max_row_bytes)
        return cls(database, query_now=query_now, warm_kql=warm_kql)

    def close(self) -> None:
        self._watchdog.close()
        self._con.close()

    def tables(self) -> list[TableSchema]:
        with self._lock:
            if self._tables is None:
                self._tables = tuple(self._describe(name, cols) for name, cols in sorted(self._columns().items()))
            return list(self._tables)

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        import duckdb

        sql, parameters = self._translate(kql)
        limit = max(0, max_rows)
        with self._lock:
            cursor = self._con.cursor()
        try:
            with self._watchdog.watching(self.timeout_s, cursor.interrupt):
                cursor.execute(sql, parameters)
                columns = tuple(duckdb_column(name, type_code) for name, type_code, *_ in cursor.description or [])
                rendered = _rendered_rows(cursor, [c.type for c in columns], limit + 1)
                truncated = len(rendered) > limit
                total = _count(cursor, sql, parameters) if truncated else len(rendered)
        except duckdb.InterruptException as e:
            raise LogQueryError(f"query took longer than {self.timeout_s:g} s and was stopped") from e
        except duckdb.Error as e:
            raise LogQueryError(f"query failed: {_one_line(e)}{self._table_hint(e)}") from e
        finally:
            cursor.close()
        rows = tuple(rendered[:limit]) if truncated else tuple(rendered)
        return QueryResult.rendered(columns, rows, truncated=truncated, total_rows=total)

    def _translate(self, kql: str) -> tuple[str, dict[str, Any]]:
        if not kql.strip():
            raise LogQueryError("empty KQL query")
        if self.translations is not None:
            return self.translations.translate(kql, self._schema, self._translate_directly)
        return self._translate_directly(kql)

    def _translate_directly(self, kql: str) -> tuple[str, dict[str, Any]]:
        duckdb_kql = kql_translator()
        try:
            result = duckdb_kql.to_sql(kql, schema=self._schema, allow_write=False, query_now=self.query_now)
        except duckdb_kql.KqlUnsupportedError as e:
            raise LogQueryError(_unsupported_message(e)) from e
        except duckdb_kql.KqlSyntaxError as e:
            raise LogQueryError(f"KQL syntax error: {_one_line(e)}") from e
        except duckdb_kql.KqlError as e:
            raise LogQueryError(f"KQL error: {_one_line(e)}") from e
        return str(result), dict(result.parameters)

    def _columns(self) -> dict[str, list[tuple[str, str]]]:
        rows = self._con.execute(
            # duckdb_columns(), not information_schema.columns: the same rows, without building the
            # standard's views first (5 ms against under 1 ms on opening a store).
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND database_name = current_database() "
            "ORDER BY table_name, column_index"
        ).fetchall()
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in rows:
            columns.setdefault(str(table), []).append((str(column), str(data_type)))
        return columns

    def _read_schema(self) -> dict[str, list[str]]:
        return {table: [name for name, _ in columns] for table, columns in self._columns().items()}

    def _describe(self, table: str, columns: list[tuple[str, str]]) -> TableSchema:
        quoted = '"' + table.replace('"', '""') + '"'
        has_time = ("TimeGenerated", "TIMESTAMP") in columns
        span = "min(TimeGenerated), max(TimeGenerated)" if has_time else "NULL, NULL"
        count, first, last = self._con.execute(f"SELECT count(*), {span} FROM {quoted}").fetchone() or (0, None, None)
        return TableSchema(
            name=table,
            columns=tuple(duckdb_column(n, t, COLUMN_DESCRIPTIONS.get(n, "")) for n, t in columns),
            row_count=int(count),
            first_time=first.replace(tzinfo=UTC) if isinstance(first, datetime) else None,
            last_time=last.replace(tzinfo=UTC) if isinstance(last, datetime) else None,
        )

    def _stored_query_now(self) -> datetime | None:
        import duckdb

        try:
            row = self._con.execute(f"SELECT value FROM {_META_SCHEMA}.store_info WHERE key = 'query_now'").fetchone()
        except duckdb.CatalogException:
            return None
        return datetime.fromisoformat(str(row[0]).replace("Z", "+00:00")) if row else None

    def _table_hint(self, error: duckdb.Error) -> str:
        import duckdb

        if isinstance(error, duckdb.CatalogException) and "Table" in str(error):
            return f" (tables: {', '.join(sorted(self._schema)) or 'none'})"
        return ""


def _count(cursor: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any]) -> int | None:
    """How many rows `sql` answers in all (a truncated answer reports it); None when counting fails."""
    import duckdb

    try:
        row = cursor.execute(f"SELECT count(*) FROM ({sql}) AS _counted", parameters).fetchone()
    except duckdb.InterruptException:
        raise
    except duckdb.Error:
        return None
    return int(row[0]) if row else None


_FETCH_ROWS = 10_000
"""Rows turned into Python objects at a time: a big answer never exists twice (DuckDB's values and ours)."""


def _rendered_rows(cursor: duckdb.DuckDBPyConnection, types: list[str], most: int) -> list[tuple[JsonValue, ...]]:
    """Up to `most` rows of `cursor`, each value as the port returns it, fetched a chunk at a time."""
    rendered: list[tuple[JsonValue, ...]] = []
    while len(rendered) < most:
        chunk = cursor.fetchmany(min(_FETCH_ROWS, most - len(rendered)))
        if not chunk:
            break
        rendered.extend(tuple(json_value(v, t, dynamic_is_text=True) for v, t in zip(row, types, strict=True))
                        for row in chunk)  # fmt: skip
    return rendered


def build_database(
    files: Mapping[str, Path], database: Path, *, query_now: datetime, max_row_bytes: int = DEFAULT_MAX_ROW_BYTES
) -> None:
    """Write a new DuckDB file at `database` from `{table: jsonl file}`, for `DuckDbLogStore` to open.

    Malformed files raise ScenarioError and leave no file behind. The KQL translator is not warmed up
    here: a thread importing it would hold the GIL between the loader's DuckDB calls and slow them down.
    """
    import duckdb

    from agentcore.connectors.logs._jsonl_loader import load_jsonl_tables

    if database.exists():
        raise FileExistsError(f"{database} already exists; load telemetry into a new file")
    database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute("SET TimeZone='UTC'")
        load_jsonl_tables(con, files, max_row_bytes=max_row_bytes)
        con.execute(f"CREATE SCHEMA {_META_SCHEMA}")
        con.execute(f"CREATE TABLE {_META_SCHEMA}.store_info (key VARCHAR, value VARCHAR)")
        con.execute(f"INSERT INTO {_META_SCHEMA}.store_info VALUES ('query_now', ?)", [utc_text(query_now)])
        con.close()
    except BaseException:
        con.close()
        database.unlink(missing_ok=True)
        raise


def _one_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = " ".join(lines[:2]) if lines else type(error).__name__
    # The parser lists every token it would have accepted; a few hundred names help nobody.
    return re.sub(r" expecting \{[^}]{200,}\}", " (an operator, a name or a literal was expected there)", text)


def _unsupported_message(error: duckdb_kql.KqlUnsupportedError) -> str:
    name = _construct_name(error.construct)
    where = f" at line {error.span.line}, column {error.span.column}" if error.span else ""
    hint = _UNSUPPORTED_HINTS.get(name) or error.hint or ""
    if name.startswith(("control command", "ingestion command", "database command")):
        hint = "the log store is read-only; `.show tables` lists the tables"
    return (
        f"unsupported KQL: `{name}`{where} is not supported by the local log store "
        f"(duckdb-kql {kql_translator().__version__})" + (f"; {hint}" if hint else "")
    )


def _construct_name(construct: str) -> str:
    """`MakeSeriesOperator` -> `make-series`, `aggregate:percentiles` -> `percentiles`."""
    construct = construct.removeprefix("source:")
    if construct.startswith(("aggregate:", "function:", "invoke:")):
        return construct.split(":", 1)[1]
    if construct.startswith("expression:") and "Star" in construct:
        return "*"
    source = re.fullmatch(r"([A-Z][A-Za-z]*?)Expression", construct)
    if source:
        return source.group(1).lower()
    operator = re.fullmatch(r"([A-Z][A-Za-z]*?)Operator(?:Part)?", construct)
    if operator:
        words = re.findall(r"[A-Z][a-z]*", operator.group(1))
        name = "-".join(w.lower() for w in words)
        return {"mvapply": "mv-apply", "mvexpand": "mv-expand"}.get(name, name)
    return construct


__all__ = ["DEFAULT_MAX_ROW_BYTES", "DuckDbLogStore", "build_database"]
