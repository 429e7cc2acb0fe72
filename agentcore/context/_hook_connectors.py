"""Hook: the connectors manifest — which commands exist in bin/, and the log tables with their columns."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from agentcore.context._text_budget import clip_chars, clip_lines, list_files, read_text
from agentcore.sandbox import Sandbox

MAX_COMMANDS = 30
MAX_TABLES = 40
MAX_COLUMNS_PER_TABLE = 40
SCHEMA_READ_CHARS = 20_000

_ROWS = re.compile(r"^Rows:\s*([0-9][0-9,]*)", re.MULTILINE)
_SEPARATOR_ROW = re.compile(r"^\|\s*:?-{2,}")


def render_connectors(sandbox: Sandbox, budget_chars: int) -> str:
    """`## Connectors`: the bin/ commands, then one line per table in schemas/ with its columns."""
    commands = [PurePosixPath(path).name for path in list_files(sandbox, "bin") if path.count("/") == 1]
    lines = ["## Connectors (what you can reach, and how)"]
    if commands:
        lines.append("Commands in bin/ (run them with the shell; each answers `--help`):")
        lines += clip_lines([f"- {name}" for name in commands], MAX_COMMANDS, "commands")
    else:
        lines.append("No commands in bin/.")
    tables = [path for path in list_files(sandbox, "schemas") if path.count("/") == 1]
    if tables:
        language = " Query them in KQL with `logs query '<KQL>'`." if "logs" in commands else ""
        lines.append(f"Log tables (full schemas in schemas/).{language}")
        lines += clip_lines([_table_line(sandbox, path) for path in tables], MAX_TABLES, "tables")
    else:
        lines.append("No log tables (schemas/ is empty).")
    return clip_chars("\n".join(lines), budget_chars)


def _table_line(sandbox: Sandbox, path: str) -> str:
    name = PurePosixPath(path).stem
    text = read_text(sandbox, path, SCHEMA_READ_CHARS) if path.endswith(".md") else None
    if text is None:
        return f"- {name} (see {path})"
    columns = _markdown_columns(text)
    rows = _ROWS.search(text)
    size = f" ({rows.group(1)} rows)" if rows else ""
    if not columns:
        return f"- {name}{size} (see {path})"
    shown = columns[:MAX_COLUMNS_PER_TABLE]
    more = f" (truncated: {len(columns) - len(shown)} more columns)" if len(columns) > len(shown) else ""
    return f"- {name}{size}: {', '.join(shown)}{more}"


def _markdown_columns(text: str) -> list[str]:
    """First cells of the body rows of the first Markdown table in `text` (column name, type, ...)."""
    columns: list[str] = []
    in_table = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            if in_table:
                break
            continue
        if _SEPARATOR_ROW.match(stripped):
            in_table = True
            continue
        if in_table:
            cells = [cell.strip() for cell in stripped.strip("|").split("|")]
            if cells and cells[0]:
                kind = f" ({cells[1]})" if len(cells) > 1 and cells[1] else ""
                columns.append(f"{cells[0].strip('`')}{kind}")
    return columns
