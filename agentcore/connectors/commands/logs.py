"""`logs`: query the investigation's log tables in KQL from inside the sandbox.

    logs tables                     the tables and their row counts and time ranges
    logs schema TABLE               a table's columns and types
    logs query '<KQL>' [--max-rows N] [--show N]
                                    a compact table on stdout; the full result (up to N rows) in outputs/

Time words like `ago(1h)` and `now()` are relative to the incident time, not the wall clock.
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

from agentcore.connectors.logs import LogQueryError, QueryResult
from agentcore.connectors.logs.duckdb import DuckDbLogStore

DATABASE = Path("data/telemetry.duckdb")
CELL_CHARS = 80


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
    out = sys.stdout
    if not DATABASE.is_file():
        print("logs: this workspace has no log data (data/telemetry.duckdb is missing)", file=sys.stderr)
        return 2
    try:
        store = DuckDbLogStore(DATABASE)
        if args.command == "tables":
            for table in store.tables():
                span = (
                    f"{table.first_time:%Y-%m-%d %H:%M}Z .. {table.last_time:%Y-%m-%d %H:%M}Z"
                    if table.first_time and table.last_time
                    else ""
                )
                out.write(f"{table.name}\t{table.row_count if table.row_count is not None else '?'} rows\t{span}\n")
            return 0
        if args.command == "schema":
            matches = [t for t in store.tables() if t.name.lower() == args.table.lower()]
            if not matches:
                names = ", ".join(t.name for t in store.tables())
                print(f"logs: no table {args.table!r}; tables: {names}", file=sys.stderr)
                return 2
            for column in matches[0].columns:
                out.write(f"{column.name}\t{column.type}\n")
            return 0
        max_rows = max(1, min(args.max_rows, 500_000))
        result = store.query(args.kql, max_rows=max_rows)
    except LogQueryError as e:
        print(f"logs: {e}", file=sys.stderr)
        return 1
    saved = _save(args.kql, result)
    out.write(render_table(result, show=max(0, args.show)))
    out.write(_footer(result, saved, max(0, args.show), max_rows))
    return 0


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
    if result.truncated:
        total = f" of {result.total_rows}" if result.total_rows is not None else ""
        notes.append(f"(result cut at {max_rows} rows{total}: aggregate with summarize, or raise --max-rows)")
    return "\n".join(notes) + "\n"


if __name__ == "__main__":
    sys.exit(main())
