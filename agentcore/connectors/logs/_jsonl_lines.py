"""The line-level side of loading a telemetry file, used only when DuckDB refused it or a SQL check found a
bad row: find the line of the n-th row, or the first line that is not a JSON object of at most the size limit.

DuckDB's JSON reader skips blank lines and numbers rows from 1, so row n is the n-th line that is not blank.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentcore.errors import UserInputError

_READ_CHUNK = 1 << 20


def _lines(path: Path, limit: int) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, the line or its first `limit + 1` bytes, whether it was cut) for every line."""
    with path.open("rb") as source:
        number, carried_over = 0, False
        for piece in iter(lambda: source.readline(limit + 1), b""):
            if carried_over:  # the rest of a line already reported as over the limit
                carried_over = not piece.endswith(b"\n")
                continue
            number += 1
            cut = not piece.endswith(b"\n") and len(piece) > limit
            carried_over = cut
            yield number, piece, cut


def _blank(line: bytes) -> bool:
    return not line.strip(b" \t\r\n")


def line_of_row(path: Path, row: int, *, limit: int) -> int | None:
    """The line number of row `row` (1-based, blank lines not counted), or None past the end."""
    seen = 0
    for number, line, _ in _lines(path, limit):
        if not _blank(line):
            seen += 1
            if seen == row:
                return number
    return None


def first_malformed_line(path: Path, *, limit: int) -> tuple[int, str] | None:
    """(line number, what is wrong) for the first line that is over `limit` bytes, not UTF-8, not JSON, not an
    object or an object with a repeated key; None when every line is fine."""
    for number, line, cut in _lines(path, limit):
        if cut or len(line.rstrip(b"\r\n")) > limit:
            return number, f"row is over the {limit} byte limit"
        if _blank(line):
            continue
        problem = _problem(line)
        if problem:
            return number, problem
    return None


def _problem(line: bytes) -> str | None:
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return f"not UTF-8 ({e.reason} at byte {e.start})"
    try:
        row = json.loads(text, object_pairs_hook=_refuse_repeated_keys)
    except _RepeatedKey as e:
        return f"key {str(e)[:60]!r} appears twice in one object"
    except json.JSONDecodeError as e:
        return f"not JSON: {e.msg} at column {e.colno}"
    if not isinstance(row, dict):
        return f"expected a JSON object, got {type(row).__name__}"
    return None


class _RepeatedKey(UserInputError):
    """A JSON object names one key twice (json.loads would silently keep the last)."""


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _RepeatedKey(next(key for key in keys if keys.count(key) > 1))
    return dict(pairs)


__all__ = ["first_malformed_line", "line_of_row"]
