"""write: create or replace a file, or edit it by exact-string replacement, in the writable folders only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.models import ToolSpec
from agentcore.sandbox import WORKSPACE_MOUNT, Sandbox
from agentcore.tools import ToolResult, parse_arguments, spec_from_model

MAX_FILE_BYTES = 1024 * 1024
"""Neither `content` nor an edited file may be larger than this."""


class WriteArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="File path relative to the workspace root, e.g. `notes/plan.md`.")
    content: str | None = Field(default=None, description="The whole new content of the file (creates or replaces it).")
    old_text: str | None = Field(
        default=None,
        description="Edit instead: the exact text to replace (whitespace included); it must occur once "
        "unless replace_all.",
    )
    new_text: str | None = Field(default=None, description="Edit: the text that replaces old_text.")
    replace_all: bool = Field(default=False, description="Edit: replace every occurrence of old_text.")


class WriteTool:
    """The `write` tool over a Sandbox, confined to `writable_prefixes` (folders like `notes/`)."""

    def __init__(self, sandbox: Sandbox, *, writable_prefixes: Sequence[str]) -> None:
        self._sandbox = sandbox
        self._folders = tuple(p.strip("/") for p in writable_prefixes if p.strip("/"))
        folders = ", ".join(f"{folder}/" for folder in self._folders)
        description = (
            "Write a file of the workspace: either give `content` to create or replace the whole file, or "
            "give `old_text` and `new_text` to replace an exact snippet (read the file first). "
            f"Only under {folders}; at most {MAX_FILE_BYTES // 1024**2} MiB. Answers with the bytes and lines written."
        )
        self._spec = spec_from_model("write", description, WriteArguments)

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        args: WriteArguments = parse_arguments(WriteArguments, arguments)
        editing = args.old_text is not None or args.new_text is not None
        if (args.content is None) == (not editing):
            raise ToolError(
                "give either `content` (the whole file) or `old_text` and `new_text` (an edit), one of the two"
            )
        path = self._writable(args.path)
        if not editing:
            if args.replace_all:
                raise ToolError("replace_all applies to edits (old_text/new_text), not to `content`")
            return self._write(path, args.content or "", action=f"wrote {path}")
        if args.old_text is None or args.new_text is None:
            raise ToolError("an edit needs both `old_text` and `new_text` (new_text may be empty)")
        return self._edit(path, args.old_text, args.new_text, replace_all=args.replace_all)

    def _writable(self, path: str) -> str:
        """The workspace-relative path, refused unless it (and what it resolves to) is under a writable folder."""
        relative = _normalize(path)
        if not self._under_writable_folder(relative):
            folders = ", ".join(f + "/" for f in self._folders)
            if relative.startswith("repos/"):
                raise ToolError(
                    f"{path}: repos/ holds the code as deployed and is read-only; writing is allowed only under "
                    f"{folders} (copy a file there first to change it)"
                )
            raise ToolError(f"{path}: writing is allowed only under {folders}")
        resolved = self._resolved_target(relative)
        if not self._under_writable_folder(resolved):
            raise ToolError(f"{path}: resolves through a symlink to {resolved}, outside the writable folders")
        return relative

    def _under_writable_folder(self, relative: str) -> bool:
        return any(relative.startswith(f"{folder}/") for folder in self._folders)

    def _resolved_target(self, relative: str) -> str:
        """Where the write would land: the nearest existing ancestor, resolved by the sandbox, plus the rest."""
        parts = relative.split("/")
        for keep in range(len(parts), 0, -1):
            try:
                entry = self._sandbox.stat("/".join(parts[:keep]))
            except (FileNotFoundError, NotADirectoryError):
                continue
            if entry.kind == "dir" and keep == len(parts):
                raise ToolError(f"{relative} is a folder; give a file path inside it")
            if entry.kind != "dir" and keep < len(parts):
                raise ToolError(f"{'/'.join(parts[:keep])} is a file, so it cannot hold {relative}")
            return "/".join([entry.path, *parts[keep:]]).removeprefix("./")
        return relative

    def _write(self, path: str, content: str, *, action: str) -> ToolResult:
        data = content.encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            raise ToolError(f"{len(data)} bytes is over the {MAX_FILE_BYTES} byte limit of write; split the file")
        self._sandbox.write_bytes(path, data)
        lines = content.count("\n") + (0 if not content or content.endswith("\n") else 1)
        return ToolResult(f"{action}: {len(data)} bytes, {lines} line{'' if lines == 1 else 's'}")

    def _edit(self, path: str, old_text: str, new_text: str, *, replace_all: bool) -> ToolResult:
        if not old_text:
            raise ToolError("old_text is empty; to write a whole file, give `content`")
        if old_text == new_text:
            raise ToolError("old_text and new_text are the same; nothing to change")
        text = self._read_text(path)
        count = text.count(old_text)
        if count == 0:
            raise ToolError(
                f"old_text was not found in {path}; read the file again and copy the text exactly "
                "(whitespace and indentation included)"
            )
        if count > 1 and not replace_all:
            raise ToolError(
                f"old_text occurs {count} times in {path}; include more surrounding lines to make it unique, "
                "or set replace_all to replace every occurrence"
            )
        replaced = f"{count} occurrence{'' if count == 1 else 's'}"
        return self._write(path, text.replace(old_text, new_text), action=f"edited {path} (replaced {replaced})")

    def _read_text(self, path: str) -> str:
        try:
            entry = self._sandbox.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            raise ToolError(f"{path} does not exist; to create it, give `content`") from None
        if entry.size > MAX_FILE_BYTES:
            raise ToolError(f"{path} is {entry.size} bytes, over the {MAX_FILE_BYTES} byte limit of write edits")
        try:
            return self._sandbox.read_bytes(path, 0, MAX_FILE_BYTES + 1).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ToolError(f"{path} is not UTF-8 text; write can only edit text files") from e


def _normalize(path: str) -> str:
    """A workspace-relative POSIX path, by the same rules as the sandboxes (which check again)."""
    if "\x00" in path:
        raise PathOutsideWorkspaceError(f"path contains a NUL byte: {path!r}")
    pure = PurePosixPath(path.strip() or ".")
    if pure.is_absolute():
        if not pure.is_relative_to(WORKSPACE_MOUNT):
            raise PathOutsideWorkspaceError(f"{path}: absolute paths are refused; use a path relative to the workspace")
        pure = pure.relative_to(WORKSPACE_MOUNT)
    parts: list[str] = []
    for part in pure.parts:
        if part == "..":
            if not parts:
                raise PathOutsideWorkspaceError(f"{path}: '..' would leave the workspace")
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


__all__ = ["WriteArguments", "WriteTool"]
