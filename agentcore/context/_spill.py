"""Spill: every tool result is saved to a file; a long one reaches the model as a preview.

The preview is built by scanning the text in place (`str.find`, chunked lower-casing), never by
splitting it into lines, so a result of a gigabyte costs one encoded copy for the file and a few
megabytes besides. The placeholder that pruning leaves behind is defined here too, beside the file
it names.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from agentcore.context._config import ContextConfig
from agentcore.sandbox import Sandbox

ERROR_WORDS = ("error", "exception", "fatal", "traceback", "failed")
"""A line containing one of these (any case) counts as error-looking."""

ERROR_COUNT_LIMIT = 10_000
"""Error-looking lines are counted up to this many; beyond it the preview says `at least`."""

_SCAN_CHUNK_CHARS = 8 * 1024 * 1024
_HASH_CHARS = 12
MASK_PREFIX = "[output masked: "


def save_output(sandbox: Sandbox, outputs_dir: str, sequence: int, content: str) -> str:
    """Write `content` to `<outputs_dir>/<seq>-<sha256 prefix>.txt` and return that workspace path."""
    data = content.encode("utf-8", errors="replace")
    digest = hashlib.sha256(data).hexdigest()[:_HASH_CHARS]
    path = f"{outputs_dir}/{sequence:04d}-{digest}.txt"
    sandbox.write_bytes(path, data)
    return path


def masked_placeholder(chars: int, path: str) -> str:
    """The one line that replaces a masked result. Depends only on its arguments, so it never changes."""
    return f"{MASK_PREFIX}{chars} chars, saved at {path}; read it again if needed]"


def is_masked(content: str) -> bool:
    return content.startswith(MASK_PREFIX)


def count_lines(content: str) -> int:
    """Lines as an editor counts them: a final line without a newline still counts."""
    if not content:
        return 0
    return content.count("\n") + (0 if content.endswith("\n") else 1)


@dataclass
class _Scan:
    """The parts of a long text a preview shows."""

    total_lines: int
    head: list[str] = field(default_factory=list)
    head_end: int = 0
    tail: list[str] = field(default_factory=list)
    tail_start: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    error_count: int = 0


def render_preview(content: str, *, path: str | None, exit_code: int | None, config: ContextConfig) -> str:
    """Header, first and last lines, error-looking lines between them, and how to read the rest."""
    scan = _scan(content, config)
    shown_tail_first = scan.total_lines - len(scan.tail) + 1
    where = f"saved in full to {path}" if path else "could not be saved to a file"
    exit_text = "" if exit_code is None else f"; exit code {exit_code}"
    lines = [f"[output {where}: {len(content)} chars, {scan.total_lines} lines{exit_text}. Only parts are shown.]"]
    lines.append(f"--- lines 1-{len(scan.head)} ---")
    lines.extend(scan.head)
    hidden = scan.total_lines - len(scan.head) - len(scan.tail)
    if hidden > 0:
        lines.append(_middle_header(hidden, len(scan.head) + 1, shown_tail_first - 1, scan))
        lines.extend(f"{number:>7}: {text}" for number, text in scan.errors)
    if scan.tail:
        lines.append(f"--- lines {shown_tail_first}-{scan.total_lines} ---")
        lines.extend(scan.tail)
    if path:
        offset = len(scan.head) + 1 if hidden > 0 else 1
        lines.append(
            f'[To see more: grep with path "{path}", or read_file "{path}" with an offset (e.g. offset {offset}).]'
        )
    return "\n".join(lines)


def _middle_header(hidden: int, first: int, last: int, scan: _Scan) -> str:
    if scan.error_count == 0:
        return f"--- {hidden} lines not shown ({first}-{last}); none of them looks like an error ---"
    count = f"at least {scan.error_count}" if scan.error_count >= ERROR_COUNT_LIMIT else str(scan.error_count)
    shown = f"the first {len(scan.errors)}" if len(scan.errors) < scan.error_count else "all of them"
    return f"--- {hidden} lines not shown ({first}-{last}); {count} look like errors, {shown}: ---"


def _scan(content: str, config: ContextConfig) -> _Scan:
    scan = _Scan(total_lines=count_lines(content))
    clip = config.preview_line_chars
    position = 0
    while len(scan.head) < config.preview_head_lines and position < len(content):
        end = content.find("\n", position)
        end = len(content) if end == -1 else end
        scan.head.append(_clipped(content, position, end, clip))
        position = end + 1
    scan.head_end = min(position, len(content))
    scan.tail_start = _collect_tail(content, scan, config.preview_tail_lines, clip)
    _collect_errors(content, scan, config)
    return scan


def _collect_tail(content: str, scan: _Scan, wanted: int, clip: int) -> int:
    """Fill `scan.tail` with up to `wanted` last lines after the head; return where the tail starts."""
    end = len(content) - 1 if content.endswith("\n") else len(content)
    start = end
    tail: list[str] = []
    while len(tail) < wanted and end > scan.head_end:
        newline = content.rfind("\n", scan.head_end, end)
        start = scan.head_end if newline == -1 else newline + 1
        tail.append(_clipped(content, start, end, clip))
        end = start - 1
    scan.tail = tail[::-1]
    return start if tail else len(content)


def _collect_errors(content: str, scan: _Scan, config: ContextConfig) -> None:
    """Error-looking lines strictly between head and tail, with their line numbers, in order."""
    chunk_start = scan.head_end
    line_number = len(scan.head) + 1
    while chunk_start < scan.tail_start and scan.error_count < ERROR_COUNT_LIMIT:
        chunk_end = min(scan.tail_start, chunk_start + _SCAN_CHUNK_CHARS)
        if chunk_end < scan.tail_start:
            newline = content.find("\n", chunk_end, scan.tail_start)
            chunk_end = scan.tail_start if newline == -1 else newline + 1
        lowered = content[chunk_start:chunk_end].lower()
        starts = _error_line_starts(lowered, ERROR_COUNT_LIMIT - scan.error_count)
        counted_to = 0
        for start in starts:
            line_number += lowered.count("\n", counted_to, start)
            counted_to = start
            scan.error_count += 1
            if len(scan.errors) < config.preview_error_lines:
                end = lowered.find("\n", start)
                end = len(lowered) if end == -1 else end
                text = _clipped(content, chunk_start + start, chunk_start + end, config.preview_line_chars)
                scan.errors.append((line_number, text))
        line_number += lowered.count("\n", counted_to)
        chunk_start = chunk_end


def _error_line_starts(lowered: str, limit: int) -> list[int]:
    """Start offsets of the lines of `lowered` holding an error word, sorted, at most `limit` of them."""
    starts: set[int] = set()
    for word in ERROR_WORDS:
        found = lowered.find(word)
        while found != -1 and len(starts) < limit * 2:
            starts.add(lowered.rfind("\n", 0, found) + 1)
            line_end = lowered.find("\n", found)
            if line_end == -1:
                break
            found = lowered.find(word, line_end)
    return sorted(starts)[:limit]


def _clipped(content: str, start: int, end: int, limit: int) -> str:
    if end - start <= limit:
        return content[start:end].rstrip("\r")
    return f"{content[start : start + limit]}… (+{end - start - limit} chars)"
