"""grep: search text files for a Python regular expression, in bounded memory and bounded output.

Files come from the sandbox in walk order and are searched as they come, so a search that fills its
answer stops there. When every match must hold some plain text (`_required_text`), the sandbox is asked
only for the files holding it (ripgrep answers that, or Python); the regex still decides every line, so
the answer is the same either way.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentcore.errors import ToolError
from agentcore.models import ToolSpec
from agentcore.sandbox import Sandbox
from agentcore.tools import ToolResult, parse_arguments, spec_from_model
from agentcore.tools._file_walk import Glob, human_size, walk_files
from agentcore.tools._line_stream import Line, LineStream
from agentcore.tools._required_text import required_text

SEARCH_CHARS = 10_000
"""Only the first this-many characters of a line are searched (guards the regex against huge lines)."""

SHOWN_CHARS = 1000
"""Shown lines are clipped to this many characters, around the match when it lies further in."""

MAX_OUTPUT_CHARS = 200_000
"""The search stops when its answer grows past this."""

SCAN_LIMIT_BYTES = 512 * 1024**2
"""The search stops after reading this much, over all the files it reads (those holding the required text)."""

DESCRIPTION = (
    "Search text files for a regular expression (Python `re` syntax). Answers `path:line: text` for "
    "matching lines and `path-line- text` for context lines, sorted by path then line, ending with "
    "`(N matches in M files)`. Skips `.git/` and binary files. Only the first "
    f"{SEARCH_CHARS} characters of a line are searched, and shown lines are clipped to {SHOWN_CHARS}."
)


class GrepArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(min_length=1, description="Python regular expression, searched within each line.")
    path: str = Field(default=".", description="File or folder to search, relative to the workspace root.")
    glob: str | None = Field(
        default=None,
        description="Only files matching this glob, e.g. `*.py` (by file name), `src/**/*.cs` (by path "
        "below `path`), `*.{yml,yaml}`.",
    )
    context: int = Field(default=0, ge=0, le=10, description="Lines of context before and after each match.")
    max_matches: int = Field(default=100, ge=1, le=1000, description="Stop after this many matching lines.")
    ignore_case: bool = Field(default=False, description="Match letters regardless of case.")


@dataclass
class _Search:
    """The running state of one grep call."""

    regex: re.Pattern[str]
    context: int
    max_matches: int
    lines: list[str] = field(default_factory=list)
    matches: int = 0
    files_matched: int = 0
    output_chars: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.matches >= self.max_matches or self.output_chars >= MAX_OUTPUT_CHARS

    def emit(self, text: str) -> None:
        self.lines.append(text)
        self.output_chars += len(text) + 1


class GrepTool:
    """The `grep` tool over a Sandbox."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._spec = spec_from_model("grep", DESCRIPTION, GrepArguments)

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        args: GrepArguments = parse_arguments(GrepArguments, arguments)
        try:
            regex = re.compile(args.pattern, re.IGNORECASE if args.ignore_case else 0)
        except re.error as e:
            raise ToolError(
                f"invalid regex {args.pattern!r}: {e} (Python `re` syntax; escape literal ( [ . * + ? with \\)"
            ) from e
        search = _Search(regex=regex, context=args.context, max_matches=args.max_matches)
        files = walk_files(
            self._sandbox, args.path, Glob(args.glob) if args.glob else None, containing=required_text(regex)
        )
        with closing(files):
            self._search_files(search, files)
        _note_caps(search, args)
        if search.matches == 0 and not self._any_file(args):
            where = f" matching glob {args.glob!r}" if args.glob else ""
            search.notes.append(f"no files{where} under {args.path}")
        return ToolResult("\n".join([*search.lines, *search.notes, _summary(search)]))

    def _search_files(self, search: _Search, files: Iterable[str]) -> None:
        """Search `files` in order until the answer is full or SCAN_LIMIT_BYTES were read."""
        budget = SCAN_LIMIT_BYTES
        for path in files:
            if budget <= 0 or (stream := self._search(search, path, budget)).hit_byte_limit:
                search.notes.append(
                    f"stopped after reading {human_size(SCAN_LIMIT_BYTES)}, at {path}; the rest was "
                    "not searched. Narrow path or glob, or use shell (`grep -rn`)."
                )
                return
            budget -= stream.bytes_read
            if search.full:
                return

    def _search(self, search: _Search, path: str, budget: int) -> LineStream:
        """Search one file, reading at most `budget` bytes of it; binary files are skipped."""
        stream = LineStream(self._sandbox, path, max_chars=SEARCH_CHARS, byte_limit=budget)
        if not stream.looks_binary():
            _search_file(search, path, stream)
        return stream

    def _any_file(self, args: GrepArguments) -> bool:
        """Whether any file lies under the searched path (matching the glob, when given)."""
        with closing(walk_files(self._sandbox, args.path, Glob(args.glob) if args.glob else None)) as files:
            return next(files, None) is not None


def _search_file(search: _Search, path: str, stream: LineStream) -> None:
    """Add the matching lines of one file, with their context, to `search`."""
    context, find = search.context, search.regex.search
    before: deque[Line] = deque(maxlen=context)
    after, last_shown, found_here = 0, 0, 0
    for line in stream.lines_near(search.regex, context):
        match = find(line.text)
        if match is not None and not search.full:
            first = before[0].number if before else line.number
            if context and last_shown and first > last_shown + 1:
                search.emit("--")
            for earlier in before:
                search.emit(f"{path}-{earlier.number}- {_shown(earlier)}")
            before.clear()
            search.emit(f"{path}:{line.number}: {_shown(line, match.start())}")
            search.matches += 1
            found_here += 1
            after, last_shown = context, line.number
        elif after > 0:
            search.emit(f"{path}-{line.number}- {_shown(line)}")
            after, last_shown = after - 1, line.number
        elif match is not None or (found_here and search.full):
            break
        elif context:
            before.append(line)
    search.files_matched += 1 if found_here else 0


def _shown(line: Line, match_start: int = 0) -> str:
    """A line clipped to SHOWN_CHARS, keeping the match in view."""
    total = line.total_chars
    if total <= SHOWN_CHARS:
        return line.text
    start = 0 if match_start < SHOWN_CHARS - 100 else match_start - 100
    window = line.text[start : start + SHOWN_CHARS]
    cut_after = total - start - len(window)
    prefix = f"[{start} characters cut] … " if start else ""
    at_least = "at least " if line.cut_open else ""
    suffix = f" … [{at_least}{cut_after} characters cut]" if cut_after else ""
    return f"{prefix}{window}{suffix}"


def _note_caps(search: _Search, args: GrepArguments) -> None:
    if search.matches >= args.max_matches:
        search.notes.append(
            f"stopped at max_matches={args.max_matches}; narrow the pattern, path or glob, or raise max_matches."
        )
    elif search.output_chars >= MAX_OUTPUT_CHARS:
        search.notes.append(
            f"stopped when the answer reached {MAX_OUTPUT_CHARS} characters; narrow the pattern, path or glob."
        )


def _summary(search: _Search) -> str:
    matches = f"{search.matches} match{'' if search.matches == 1 else 'es'}"
    files = f"{search.files_matched} file{'' if search.files_matched == 1 else 's'}"
    return f"({matches} in {files})"


__all__ = ["GrepArguments", "GrepTool"]
