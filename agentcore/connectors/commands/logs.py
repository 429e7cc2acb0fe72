"""`logs`: query the investigation's log tables in KQL from inside the sandbox.

    logs tables                     the tables and their row counts and time ranges
    logs schema TABLE               a table's columns and types
    logs query '<KQL>' [--max-rows N] [--show N]
                                    a compact table on stdout; the full result (up to N rows) in outputs/

Time words like `ago(1h)` and `now()` are relative to the incident time, not the wall clock.
The tables are the investigation's log store, reached through the connector broker (.connectors/broker.sock),
which serves a scenario's telemetry too; without a broker, the workspace's data/telemetry.duckdb.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from agentcore.connectors._broker_protocol import BrokerQueryResult, UnknownTableError, table_named
from agentcore.connectors.commands._broker_client import BrokerLogStore, broker_running
from agentcore.connectors.logs import LogQueryError, LogStore, QueryResult, TableSchema
from agentcore.connectors.logs.duckdb import DuckDbLogStore

DATABASE = Path("data/telemetry.duckdb")
CELL_CHARS = 80
MAX_ROWS_LIMIT = 500_000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="logs", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("tables", help="list the log tables")
    schema = commands.add_parser("schema", help="show a table's columns")
    schema.add_argument("table")
    query = commands.add_parser("query", help="run a KQL query")
    query.add_argument("kql")
    query.add_argument("--max-rows", type=int, default=10_000, help="rows kept in the saved result (default 10000)")
    query.add_argument("--show", type=int, default=40, help="rows printed (default 40)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        store = _open_store()
        if store is None:
            print("logs: this workspace has no log data (data/telemetry.duckdb is missing)", file=sys.stderr)
            return 2
        return _act(args, store, sys.stdout)
    except UnknownTableError as e:
        print(f"logs: {e}", file=sys.stderr)
        return 2
    except LogQueryError as e:
        print(f"logs: {e}", file=sys.stderr)
        return 1


def _act(args: argparse.Namespace, store: LogStore, out: TextIO) -> int:
    if args.command == "tables":
        out.write("".join(_table_line(table) for table in store.tables()))
        return 0
    if args.command == "schema":
        out.write("".join(f"{column.name}\t{column.type}\n" for column in _schema(store, args.table).columns))
        return 0
    max_rows = max(1, min(args.max_rows, MAX_ROWS_LIMIT))
    result = store.query(args.kql, max_rows=max_rows)
    saved = _save(args.kql, result)
    out.write(render_table(result, show=max(0, args.show)))
    out.write(_footer(result, saved, max(0, args.show), max_rows))
    return 0


def _open_store() -> LogStore | None:
    """The connector broker's log store when it runs (it redacts results on the host, with the session's
    numbering), else the workspace's own telemetry, else None.

    Relative paths: the workspace is the working directory."""
    if broker_running():
        return BrokerLogStore()
    if DATABASE.is_file():
        return DuckDbLogStore(DATABASE)
    return None


def _schema(store: LogStore, name: str) -> TableSchema:
    if isinstance(store, BrokerLogStore):
        return store.table(name)
    return table_named(store.tables(), name)


def _table_line(table: TableSchema) -> str:
    span = (
        f"{table.first_time:%Y-%m-%d %H:%M}Z .. {table.last_time:%Y-%m-%d %H:%M}Z"
        if table.first_time and table.last_time
        else ""
    )
    return f"{table.name}\t{table.row_count if table.row_count is not None else '?'} rows\t{span}\n"


def render_table(result: QueryResult, *, show: int) -> str:
    """A tab-separated table of the first `show` rows, cells clipped to one line."""
    lines = ["\t".join(c.name for c in result.columns)]
    for row in result.rows[:show]:
        lines.append("\t".join(_cell(value) for value in row))
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text.replace("\t", " ").replace("\r", " ").replace("\n", "\\n")
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "\u2026"


def _save(kql: str, result: QueryResult) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in result.columns])
    for row in result.rows:
        writer.writerow([v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in row])
    digest = hashlib.sha256(kql.encode()).hexdigest()[:10]
    path = Path("outputs") / f"logs-{digest}.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _footer(result: QueryResult, saved: Path, show: int, max_rows: int) -> str:
    count = len(result.rows)
    notes = [f"({count} rows" + (f", showing the first {show}" if count > show else "") + f"; full result: {saved})"]
    if isinstance(result, BrokerQueryResult) and result.note:
        notes.append(f"({result.note})")
    elif result.truncated:
        total = f" of {result.total_rows}" if result.total_rows is not None else ""
        notes.append(f"(result cut at {max_rows} rows{total}: aggregate with summarize, or raise --max-rows)")
    return "\n".join(notes) + "\n"


if __name__ == "__main__":
    sys.exit(main())
