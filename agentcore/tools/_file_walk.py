"""Walking the workspace for grep and find: glob matching, `.git/` skipping, readable path errors."""

from __future__ import annotations

import re
from collections.abc import Generator
from contextlib import closing

from agentcore.errors import ToolError
from agentcore.sandbox import FileStat, Sandbox
from agentcore.tools._required_text import RequiredText

SKIPPED_FOLDERS = frozenset({".git"})
"""Folders whose files grep and find never list."""


def stat_existing(sandbox: Sandbox, path: str) -> FileStat:
    """`sandbox.stat`, with a missing path reported as a ToolError that names the path as given."""
    try:
        return sandbox.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise ToolError(f"{path}: no such file or directory (find lists what exists)") from None


class Glob:
    """A glob such as `*.py`, `**/*.cs`, `src/**/test_*.py`, `*.{yml,yaml}` or `*config*`.

    `*` and `?` stay within one path segment, `**` spans segments, `[abc]`/`[!abc]` are classes and
    `{a,b}` are alternatives. A glob without `/` matches a file's name wherever the file is; a glob
    with `/` matches the path below the folder being searched.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern.strip().removeprefix("./")
        self._regex = re.compile(f"(?s:{_translate(self.pattern)})\\Z")
        self._by_name = "/" not in self.pattern

    def matches(self, relative_path: str) -> bool:
        subject = relative_path.rsplit("/", 1)[-1] if self._by_name else relative_path
        return self._regex.match(subject) is not None


def walk_files(
    sandbox: Sandbox, path: str, glob: Glob | None = None, *, containing: RequiredText | None = None
) -> Generator[str, None, None]:
    """Workspace-relative paths of the regular files under `path` (or `path` itself), in the sandbox's walk
    order, matching `glob` when given and holding `containing` when given. Files in a `.git/` below `path`
    are skipped; asking for a path inside `.git/` searches it. Close the generator to stop early."""
    root = stat_existing(sandbox, path).path
    prefix = "" if root == "." else f"{root}/"
    if containing is None:
        files = sandbox.list_files(root, skip_dirs=SKIPPED_FOLDERS)
    else:
        files = sandbox.files_containing(
            root, containing.text, ignore_case=containing.ignore_case, skip_dirs=SKIPPED_FOLDERS
        )
    with closing(files):
        for found in files:
            relative = found.removeprefix(prefix) if found != root else found.rsplit("/", 1)[-1]
            if glob is None or glob.matches(relative):
                yield found


def human_size(size_bytes: int) -> str:
    """`812 B`, `12.3 KiB`, `4.0 MiB`."""
    if size_bytes < 1024:
        return f"{size_bytes} B"
    units = ("KiB", "MiB", "GiB")
    size, index = size_bytes / 1024, 0
    while size >= 1024 and index < len(units) - 1:
        size, index = size / 1024, index + 1
    return f"{size:.1f} {units[index]}"


def _translate(glob: str) -> str:
    """The regular expression of a glob (see Glob)."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            piece, i = _translate_one(glob, i)
            out.append(piece)
    return "".join(out)


def _translate_one(glob: str, i: int) -> tuple[str, int]:
    char = glob[i]
    if char == "*":
        return "[^/]*", i + 1
    if char == "?":
        return "[^/]", i + 1
    if char == "[":
        close = glob.find("]", i + 2)
        if close > 0:
            body = glob[i + 1 : close].replace("\\", "\\\\")
            if body.startswith("!"):
                body = "^" + body[1:]
            return f"[{body}]", close + 1
    if char == "{":
        close = glob.find("}", i + 1)
        if close > 0 and "{" not in glob[i + 1 : close]:
            alternatives = glob[i + 1 : close].split(",")
            return "(?:" + "|".join(_translate(a) for a in alternatives) + ")", close + 1
    return re.escape(char), i + 1
