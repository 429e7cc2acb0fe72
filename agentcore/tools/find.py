"""find: list the files of the workspace that match a glob, in walk order, with their sizes."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import closing
from itertools import islice
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentcore.models import ToolSpec
from agentcore.sandbox import Sandbox
from agentcore.tools import ToolResult, parse_arguments, spec_from_model
from agentcore.tools._file_walk import Glob, human_size, walk_files

MAX_FILES = 500
"""At most this many files are listed; the walk stops at the next one."""

DESCRIPTION = (
    "List files (not folders) matching a glob, as workspace-relative paths in walk order (each folder's "
    "entries by name, a folder's files where its name falls), each with its size. Skips `.git/` and "
    f"symlinks met on the way. At most {MAX_FILES} are listed; when more match, the answer says so."
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
        with closing(walk_files(self._sandbox, args.path, Glob(args.pattern))) as files:
            found = list(islice(files, MAX_FILES + 1))
        if not found:
            return ToolResult(f"no files match {args.pattern!r} under {args.path}")
        listed = found[:MAX_FILES]
        lines = [f"{path}  {human_size(self._sandbox.stat(path).size)}" for path in listed]
        if len(found) > MAX_FILES:
            lines.append(f"(the first {MAX_FILES} files; more match: narrow the pattern or path)")
        else:
            lines.append(f"({len(listed)} file{'' if len(listed) == 1 else 's'})")
        return ToolResult("\n".join(lines))


__all__ = ["FindArguments", "FindTool"]
