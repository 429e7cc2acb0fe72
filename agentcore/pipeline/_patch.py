"""The agent's fix as a unified diff (`report/fix.patch`): what it changes, and the files it makes.

Paths are relative to the repository root, git style (`a/checkout/payments.py`, `b/...`, `/dev/null`
for an added or deleted file). `read_patch` counts the lines of each file from the hunk headers, so
a removed line that itself starts with `--` cannot be mistaken for a file header. `apply_patch`
runs `git apply` on the originals in a scratch directory: the patch must apply exactly.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from agentcore.errors import UserInputError
from agentcore.git import GitError, run_git

MAX_PATCH_BYTES = 1_000_000
"""Largest patch read (the size policy is in lines; this only bounds parsing)."""

GIT_APPLY_TIMEOUT_S = 60.0

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


class PatchError(UserInputError):
    """The patch cannot be read or does not apply to the files it names."""


@dataclass(frozen=True)
class PatchedFile:
    """One file a patch touches. `old_path` is None for an added file, `new_path` None for a deleted one."""

    old_path: str | None
    new_path: str | None
    added_lines: int
    deleted_lines: int

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for p in (self.old_path, self.new_path) if p is not None))


@dataclass(frozen=True)
class Patch:
    """A unified diff and the files it touches, in the order it names them."""

    text: str
    files: tuple[PatchedFile, ...]

    @property
    def changed_lines(self) -> int:
        """Added plus deleted lines over all files: what the size limit counts."""
        return sum(f.added_lines + f.deleted_lines for f in self.files)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for f in self.files for p in f.paths))

    @property
    def original_paths(self) -> tuple[str, ...]:
        """Files that must exist at the base commit (every touched file but the added ones)."""
        return tuple(f.old_path for f in self.files if f.old_path is not None)


def read_patch(text: str) -> Patch:
    """Parse a unified diff; raise PatchError when it touches nothing or names a path outside the repository."""
    if len(text.encode()) > MAX_PATCH_BYTES:
        raise PatchError(f"the patch is larger than {MAX_PATCH_BYTES} bytes")
    files = tuple(_files(text.splitlines()))
    if not files:
        raise PatchError("the patch changes no file (no `--- a/...` / `+++ b/...` headers with hunks)")
    return Patch(text=text if text.endswith("\n") else text + "\n", files=files)


def _files(lines: list[str]) -> Iterator[PatchedFile]:
    index = 0
    while index < len(lines):
        if not (lines[index].startswith("--- ") and index + 1 < len(lines) and lines[index + 1].startswith("+++ ")):
            index += 1
            continue
        old, new = _header_path(lines[index][4:]), _header_path(lines[index + 1][4:])
        if old is None and new is None:
            raise PatchError("a file in the patch is /dev/null on both sides")
        added, deleted, index = _count_hunks(lines, index + 2)
        yield PatchedFile(old_path=old, new_path=new, added_lines=added, deleted_lines=deleted)


def _count_hunks(lines: list[str], index: int) -> tuple[int, int, int]:
    """Added and deleted lines of the hunks that start at `index`, and the index after them."""
    added = deleted = 0
    while index < len(lines) and (match := _HUNK.match(lines[index])):
        old_left = int(match.group(1) or "1")
        new_left = int(match.group(2) or "1")
        index += 1
        while (old_left > 0 or new_left > 0) and index < len(lines):
            line = lines[index]
            if line.startswith("+"):
                added, new_left = added + 1, new_left - 1
            elif line.startswith("-"):
                deleted, old_left = deleted + 1, old_left - 1
            elif not line.startswith("\\"):
                old_left, new_left = old_left - 1, new_left - 1
            index += 1
        while index < len(lines) and lines[index].startswith("\\"):  # "\ No newline at end of file"
            index += 1
    return added, deleted, index


def _header_path(field: str) -> str | None:
    raw = field.split("\t", 1)[0].strip()
    if raw == "/dev/null":
        return None
    if raw.startswith(("a/", "b/")):
        raw = raw[2:]
    path = PurePosixPath(raw)
    if not raw or path.is_absolute() or ".." in path.parts or raw.startswith(".git/") or raw == ".git":
        raise PatchError(f"the patch names a path outside the repository: {raw!r}")
    return str(path)


def apply_patch(patch: Patch, originals: Mapping[str, bytes]) -> dict[str, bytes | None]:
    """The files `patch` produces from `originals` (path -> content at the base): path -> new content,
    None for a deleted file. Raise PatchError when it does not apply exactly."""
    with tempfile.TemporaryDirectory(prefix="sre-agent-patch-") as scratch:
        root = Path(scratch)
        for path, content in originals.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(content)
        (root / ".fix.patch").write_text(patch.text, encoding="utf-8")
        try:
            run_git(root, "apply", "--whitespace=nowarn", ".fix.patch", timeout_s=GIT_APPLY_TIMEOUT_S)
        except GitError as e:
            reason = e.stderr or "git apply failed"
            raise PatchError(f"the patch does not apply to the base commit: {reason.strip()}") from e
        return {path: (root / path).read_bytes() if (root / path).is_file() else None for path in patch.paths}


__all__ = ["MAX_PATCH_BYTES", "Patch", "PatchError", "PatchedFile", "apply_patch", "read_patch"]
