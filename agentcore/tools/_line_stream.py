"""Read a workspace file as numbered, clipped text lines through the Sandbox port, in bounded memory.

Files are read in chunks of CHUNK_BYTES with `Sandbox.read_bytes`; of each line only the first
`max_chars` characters are kept, the rest is counted and dropped. A 2 GB file or a 10 MB line
therefore costs a few MiB of memory, never its size.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from collections.abc import Iterator
from typing import NamedTuple

from agentcore.sandbox import Sandbox

CHUNK_BYTES = 1024 * 1024
"""How much one `read_bytes` call asks for."""

BINARY_SNIFF_BYTES = 8192
"""A NUL byte in this many leading bytes marks a file as binary (as git and grep decide)."""

_UTF8_CONTINUATION = bytes(range(0x80, 0xC0))

_REGEX_SYNTAX = frozenset("\\.^$*+?{}[]|()#\r\n")
"""Characters that end a regular expression's leading plain text (`#` and line ends: to be safe)."""

_QUANTIFIERS = frozenset("*+?{")


class Line(NamedTuple):
    """One line of a file, without its line ending, decoded as UTF-8 (bad bytes replaced)."""

    number: int
    """1-based."""
    text: str
    """At most the stream's `max_chars` characters."""
    cut_chars: int = 0
    """Characters dropped from the end of the line."""
    cut_open: bool = False
    """The line goes on past the stream's byte limit, so `cut_chars` is a lower bound."""

    @property
    def total_chars(self) -> int:
        return len(self.text) + self.cut_chars


def clip_marker(line: Line) -> str:
    """What to print after a clipped line: how many characters were cut ("" when none were)."""
    if not line.cut_chars and not line.cut_open:
        return ""
    at_least = "at least " if line.cut_open else ""
    return f" … [{at_least}{line.cut_chars} characters cut]"


class LineStream:
    """The lines of one file, read chunk by chunk. `byte_limit` bounds how much of the file is read."""

    def __init__(self, sandbox: Sandbox, path: str, *, max_chars: int, byte_limit: int | None = None) -> None:
        self._sandbox = sandbox
        self._path = path
        self._max_chars = max_chars
        self._head_bytes = 4 * max_chars  # a UTF-8 character takes at most 4 bytes
        self._byte_limit = byte_limit
        self._first_chunk: bytes | None = None
        self._end: int | None = None
        """Where the file ends, once a read came back short."""
        self.bytes_read = 0
        """Bytes read so far (the first chunk counts once)."""
        self.hit_byte_limit = False
        """The file goes on past `byte_limit`; lines after it were not read."""

    def looks_binary(self) -> bool:
        return b"\x00" in self._chunk_at(0)[:BINARY_SNIFF_BYTES]

    def lines(self, first_line: int = 1) -> Iterator[Line]:
        """Lines from `first_line` on. Skipped lines are counted, not decoded."""
        for block in self._blocks(first_line):
            if block.line is not None:
                yield block.line
            else:
                yield from map(self._clipped, itertools.count(block.first), block.text.split("\n"))

    def lines_near(self, pattern: re.Pattern[str], context: int) -> Iterator[Line]:
        """The lines in which `pattern` finds something (within their first `max_chars` characters), each
        with up to `context` lines before and after it, in order.

        A chunk's lines are searched in a tight loop, or not at all when the chunk lacks the text every
        match starts with; only the lines shown become Lines. That makes a search several times faster
        than filtering `lines()`.
        """
        search, max_chars, needle = pattern.search, self._max_chars, _leading_literal(pattern)
        passed: deque[Line] = deque(maxlen=context)
        """The last lines passed over, for the context of a match at the start of the next block."""
        owed = 0
        """Lines after a match in the previous block still to show."""
        for block in self._blocks(1):
            hopeless = needle is not None and needle not in block.text
            if hopeless and not owed and not context:
                continue
            texts = block.text.split("\n")
            hits = [] if hopeless else [i for i, text in enumerate(texts) if search(text, 0, max_chars)]
            windows = _windows(hits, context, owed)
            if windows:
                yield from (line for line in passed if line.number >= block.first + windows[0][0])
                passed.clear()
                for start, stop in windows:
                    yield from (self._line_at(block, texts, i) for i in range(max(start, 0), min(stop, len(texts))))
            end = windows[-1][1] if windows else 0
            owed = max(0, end - len(texts))
            passed.extend(self._line_at(block, texts, i) for i in range(max(end, len(texts) - context), len(texts)))

    def _blocks(self, first_line: int) -> Iterator[_Block]:
        """The lines from `first_line` on, as blocks: the whole lines of a chunk are decoded at once.

        A line that runs across chunks is gathered in `head` (its first bytes) and `tail_chars` (how
        many characters follow them), and comes as a block of its own.
        """
        number, offset, tail_chars = 1, 0, 0
        head = bytearray()
        while chunk := self._chunk_at(offset):
            offset += len(chunk)
            pos = 0
            if number < first_line:
                pos, number = _skip_lines(chunk, number, first_line)
                if number < first_line:
                    continue
            newline = chunk.find(b"\n", pos)
            if newline >= 0 and (head or tail_chars):  # the end of a line begun in an earlier chunk
                tail_chars += _append_clipped(head, memoryview(chunk)[pos:newline], self._head_bytes)
                yield self._line_block(number, head, tail_chars, cut_open=False)
                number, pos, tail_chars, head = number + 1, newline + 1, 0, bytearray()
            last_newline = chunk.rfind(b"\n")
            if last_newline >= pos:
                yield _Block(number, _decode_lines(chunk[pos:last_newline]))
                number += chunk.count(b"\n", pos, last_newline) + 1
                pos = last_newline + 1
            tail_chars += _append_clipped(head, memoryview(chunk)[pos:], self._head_bytes)
        if head or tail_chars:
            yield self._line_block(number, head, tail_chars, cut_open=self.hit_byte_limit)

    def _chunk_at(self, offset: int) -> bytes:
        if offset == 0 and self._first_chunk is not None:
            return self._first_chunk
        if self._end is not None and offset >= self._end:
            return b""
        length = CHUNK_BYTES
        if self._byte_limit is not None:
            length = min(length, self._byte_limit - offset)
            if length <= 0:
                self.hit_byte_limit = bool(self._sandbox.read_bytes(self._path, offset, 1))
                return b""
        chunk = self._sandbox.read_bytes(self._path, offset, length)
        self.bytes_read += len(chunk)
        if len(chunk) < length:  # the port reads fewer bytes only at the end: no read to find it
            self._end = offset + len(chunk)
        if offset == 0:
            self._first_chunk = chunk
        return chunk

    def _line_block(self, number: int, head: bytearray, tail_chars: int, *, cut_open: bool) -> _Block:
        line = self._whole_line(number, head.decode("utf-8", errors="replace"), tail_chars, cut_open=cut_open)
        return _Block(number, line.text, line)

    def _line_at(self, block: _Block, texts: list[str], index: int) -> Line:
        return block.line if block.line is not None else self._clipped(block.first + index, texts[index])

    def _clipped(self, number: int, text: str) -> Line:
        if len(text) <= self._max_chars:
            return Line(number, text)
        return Line(number, text[: self._max_chars], len(text) - self._max_chars)

    def _whole_line(self, number: int, text: str, tail_chars: int = 0, *, cut_open: bool = False) -> Line:
        if not tail_chars and text.endswith("\r"):
            text = text[:-1]
        if len(text) > self._max_chars:
            tail_chars += len(text) - self._max_chars
            text = text[: self._max_chars]
        return Line(number, text, tail_chars, cut_open)


class _Block(NamedTuple):
    """Consecutive lines from `first` on: whole lines as decoded, joined by "\\n" and not clipped yet; or
    the one `line` read across chunks (then `text` is its clipped text)."""

    first: int
    text: str
    line: Line | None = None


def _decode_lines(data: bytes) -> str:
    """The text of `data`, which holds whole lines only (its last line ending is cut off), with "\\n" line ends."""
    text = data.decode("utf-8", errors="replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").removesuffix("\r")
    return text


def _leading_literal(pattern: re.Pattern[str]) -> str | None:
    """Text that every match of `pattern` starts with, so a line without it cannot match: the plain
    characters the pattern begins with. None when there are none, or when a flag or a `|` makes that unsafe."""
    source = pattern.pattern
    if pattern.flags & (re.IGNORECASE | re.VERBOSE) or "|" in source:
        return None
    end = 0
    while end < len(source) and source[end] not in _REGEX_SYNTAX:
        end += 1
    if source[end : end + 1] in _QUANTIFIERS:  # the last plain character may repeat zero times
        end -= 1
    return source[:end] if end > 0 else None


def _windows(hits: list[int], context: int, owed: int) -> list[tuple[int, int]]:
    """The index ranges [start, stop) of a block's lines to show, merged: its first `owed` lines and
    `context` lines around each hit. A start below 0 reaches into the lines before the block."""
    windows = [(0, owed)] if owed else []
    for hit in hits:
        start, stop = hit - context, hit + context + 1
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(stop, windows[-1][1]))
        else:
            windows.append((start, stop))
    return windows


def count_lines(sandbox: Sandbox, path: str, *, byte_limit: int) -> tuple[int, bool]:
    """The number of lines in a file, and whether that is exact (False: the file is longer than
    `byte_limit` and only the lines in its first `byte_limit` bytes were counted)."""
    count, offset, last = 0, 0, b"\n"
    while offset < byte_limit:
        length = min(CHUNK_BYTES, byte_limit - offset)
        chunk = sandbox.read_bytes(path, offset, length)
        count += chunk.count(b"\n")
        offset += len(chunk)
        last = chunk[-1:] or last
        if len(chunk) < length:  # the end of the file
            break
    partial_line = 1 if last != b"\n" else 0
    exact = offset < byte_limit or not sandbox.read_bytes(path, offset, 1)
    return count + partial_line, exact


def _skip_lines(chunk: bytes, number: int, first_line: int) -> tuple[int, int]:
    """Move past whole lines of `chunk` until `first_line` starts: (position in chunk, line number)."""
    newlines = chunk.count(b"\n")
    if number + newlines < first_line:
        return len(chunk), number + newlines
    pos = 0
    while number < first_line:
        pos = chunk.index(b"\n", pos) + 1
        number += 1
    return pos, number


def _append_clipped(head: bytearray, piece: memoryview, head_bytes: int) -> int:
    """Keep what fits of `piece` in `head`; return how many characters the rest holds."""
    room = head_bytes - len(head)
    if room > 0:
        head += piece[:room]
        piece = piece[room:]
    if not piece:
        return 0
    rest = bytes(piece)
    return len(rest) if rest.isascii() else len(rest.translate(None, _UTF8_CONTINUATION))
