"""find: list the files of the workspace that match a glob, sorted, with their sizes."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentcore.models import ToolSpec
from agentcore.sandbox import FileStat, Sandbox
from agentcore.tools import ToolResult, parse_arguments, spec_from_model
from agentcore.tools._file_walk import Glob, human_size, walk_files

MAX_FILES = 500
"""At most this many files are listed; the rest are counted."""

DESCRIPTION = (
    "List files (not folders) matching a glob, as workspace-relative paths sorted by path, each with "
    f"its size. Skips `.git/`. At most {MAX_FILES} are listed; the rest are counted as `(N more)`."
)


class FindArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(
        min_length=1,
        description="Glob. Without `/` it matches file names anywhere (`*.py`, `*config*`); with `/` it "
        "matches the path below `path` (`**/*.cs`, `src/**/test_*.py`). `*` stays within a folder, `**` "
        "spans folders, `{a,b}` are alternatives.",
    )
    path: str = Field(default=".", description="Folder to search, relative to the workspace root.")


class FindTool:
    """The `find` tool over a Sandbox."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._spec = spec_from_model("find", DESCRIPTION, FindArguments)

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        args: FindArguments = parse_arguments(FindArguments, arguments)
        counter = _Counter(walk_files(self._sandbox, args.path, Glob(args.pattern)))
        first = heapq.nsmallest(MAX_FILES, counter, key=lambda entry: entry.path)
        if not first:
            return ToolResult(f"no files match {args.pattern!r} under {args.path}")
        lines = [f"{entry.path}  {human_size(entry.size)}" for entry in first]
        more = counter.count - len(first)
        shown = f"{len(first)} file{'' if len(first) == 1 else 's'}"
        lines.append(f"({more} more; narrow the pattern or path)" if more else f"({shown})")
        return ToolResult("\n".join(lines))


class _Counter:
    """Passes entries through, counting them."""

    def __init__(self, entries: Iterable[FileStat]) -> None:
        self._entries = entries
        self.count = 0

    def __iter__(self) -> Iterator[FileStat]:
        for entry in self._entries:
            self.count += 1
            yield entry


__all__ = ["FindArguments", "FindTool"]
