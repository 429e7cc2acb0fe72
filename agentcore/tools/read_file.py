"""read_file: a page of a text file, numbered like `cat -n`, in bounded memory whatever the file."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentcore.errors import ToolError
from agentcore.models import ToolSpec
from agentcore.sandbox import Sandbox
from agentcore.tools import ToolResult, parse_arguments, spec_from_model
from agentcore.tools._file_walk import stat_existing
from agentcore.tools._line_stream import LineStream, clip_marker, count_lines

MAX_LINE_CHARS = 2000
"""Longer lines are clipped, with a marker saying how many characters were cut."""

MAX_OUTPUT_CHARS = 100_000
"""A page stops early when it grows past this; its header then names the next offset."""

COUNT_LIMIT_BYTES = 64 * 1024**2
"""Lines are counted in this many leading bytes; a longer file's total reads `of at least T`."""

SCAN_LIMIT_BYTES = 512 * 1024**2
"""read_file reads no further into a file than this; deeper lines are for `shell` (sed, tail)."""

DESCRIPTION = (
    "Read a text file of the workspace, a page at a time. The answer starts with "
    "`lines A–B of T; next offset N` (or `; end of file`), then the lines numbered like `cat -n`. "
    f"Lines longer than {MAX_LINE_CHARS} characters are clipped, saying how many characters were cut. "
    "Binary files are described, not shown. To list a folder use find; to search use grep."
)


class ReadFileArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="File path relative to the workspace root, e.g. `repos/api/src/app.py`.")
    offset: int = Field(default=1, ge=1, description="First line to show (1-based).")
    limit: int = Field(default=200, ge=1, le=2000, description="How many lines to show (at most 2000).")


class ReadFileTool:
    """The `read_file` tool over a Sandbox."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._spec = spec_from_model("read_file", DESCRIPTION, ReadFileArguments)

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        args: ReadFileArguments = parse_arguments(ReadFileArguments, arguments)
        entry = stat_existing(self._sandbox, args.path)
        if entry.kind == "dir":
            raise ToolError(f"{args.path} is a directory; list its files with find (pattern '*', path {args.path!r})")
        if entry.kind != "file":
            raise ToolError(f"{args.path} is not a regular file")
        if entry.size == 0:
            return ToolResult("lines 0–0 of 0; end of file (the file is empty)")
        stream = LineStream(self._sandbox, args.path, max_chars=MAX_LINE_CHARS, byte_limit=SCAN_LIMIT_BYTES)
        if stream.looks_binary():
            return ToolResult(_binary_answer(entry.path, entry.size))
        return ToolResult(self._page(stream, args))

    def _page(self, stream: LineStream, args: ReadFileArguments) -> str:
        total, exact = count_lines(self._sandbox, args.path, byte_limit=COUNT_LIMIT_BYTES)
        shown: list[str] = []
        chars, last = 0, 0
        for line in stream.lines(first_line=args.offset):
            rendered = f"{line.number:6d}\t{line.text}{clip_marker(line)}"
            shown.append(rendered)
            chars += len(rendered) + 1
            last = line.number
            if len(shown) >= args.limit or chars >= MAX_OUTPUT_CHARS:
                break
        if not shown:
            raise ToolError(_past_the_end(args.offset, total, exact=exact, scan_ended=stream.hit_byte_limit))
        total = max(total, last)
        of_total = f"of {total}" if exact else f"of at least {total}"
        where = "end of file" if exact and last >= total else f"next offset {last + 1}"
        return "\n".join([f"lines {args.offset}–{last} {of_total}; {where}", *shown])


def _binary_answer(path: str, size_bytes: int) -> str:
    quoted = shlex.quote(path)
    return (
        f"{path} is a binary file ({size_bytes} bytes); its content is not shown. "
        f"To inspect it, use shell, e.g. `xxd {quoted} | head -40`, `strings {quoted} | head -100` "
        f"or `file {quoted}`."
    )


def _past_the_end(offset: int, total: int, *, exact: bool, scan_ended: bool) -> str:
    if scan_ended:
        return (
            f"line {offset} lies beyond the first {SCAN_LIMIT_BYTES // 1024**2} MiB of the file, "
            "further than read_file reads; use shell, e.g. `sed -n 'A,Bp' FILE` or `tail -n 50 FILE`"
        )
    lines = f"{total} lines" if exact else f"at least {total} lines"
    return f"offset {offset} is past the end of the file ({lines}); the last page starts at a smaller offset"


__all__ = ["ReadFileArguments", "ReadFileTool"]
