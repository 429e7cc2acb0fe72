"""Which changed files of a commit changed code, and the identifiers on their changed code lines.

Both versions of each file whose comment syntax `_code_text` knows are read with one `git cat-file --batch`
and compared as code (comments, docstrings and layout removed). A file whose code did not change is cosmetic:
it cannot change what runs, and the names on its changed lines were only mentioned in comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agentcore.connectors.changes._code_text import changed_code_lines, has_lexer
from agentcore.errors import UserInputError
from agentcore.git import GitError, run_git_bytes

MAX_BLOB_BYTES = 1_000_000
"""Files larger than this (generated or minified code) are not compared; their line diff stands."""
GIT_TIMEOUT_S = 120

_IDENTIFIER_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def code_identifiers(repo: Path, changes: Sequence[tuple[str, str, bool]]) -> dict[tuple[str, str], frozenset[str]]:
    """For each (sha, path, has_parent) whose language is known: the identifiers on the code lines the commit
    changed in that file, lower-cased; an empty set when it changed only comments, docstrings or whitespace.
    Files git cannot show, or too large to compare, are left out (their line diff stands)."""
    wanted = [(sha, path, parent) for sha, path, parent in changes if has_lexer(path) and "\n" not in path]
    if not wanted:
        return {}
    requests = []
    for sha, path, parent in wanted:
        requests += [f"{sha}^:{path}" if parent else "", f"{sha}:{path}"]
    blobs = _read_blobs(repo, requests)
    found: dict[tuple[str, str], frozenset[str]] = {}
    for index, (sha, path, _) in enumerate(wanted):
        old, new = blobs[2 * index], blobs[2 * index + 1]
        if old is None or new is None:
            continue
        found[(sha, path)] = frozenset(_identifiers(" ".join(changed_code_lines(path, old, new))))
    return found


def _identifiers(text: str) -> set[str]:
    words = "".join(c if c in _IDENTIFIER_CHARS else " " for c in text.lower()).split()
    return {w for w in words if len(w) >= 3 and not w[0].isdigit()}


def _read_blobs(repo: Path, names: Sequence[str]) -> list[str | None]:
    """Text of each named blob; "" for an empty name (no such version: the file is new or deleted), None when
    the blob is too large. A name git does not have reads as "" (added or deleted in this commit)."""
    asked = [name for name in names if name]
    if not asked:
        return ["" for _ in names]
    try:
        output = run_git_bytes(repo, "cat-file", "--batch", stdin="".join(f"{name}\n" for name in asked))
    except GitError as e:
        raise UserInputError(f"git cat-file could not read file versions in {repo}: {e}") from e
    texts = iter(_parse_batch(output, len(asked)))
    return [next(texts) if name else "" for name in names]


def _parse_batch(output: bytes, count: int) -> list[str | None]:
    texts: list[str | None] = []
    position = 0
    for _ in range(count):
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3:
            texts.append("")
            continue
        size = int(header[2])
        body = output[position : position + size]
        position += size + 1
        texts.append(body.decode("utf-8", errors="replace") if size <= MAX_BLOB_BYTES else None)
    return texts
