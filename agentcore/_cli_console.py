"""The CLI's output streams: rich where a person watches a terminal, plain text where the output is piped.

Rich draws the spinner and the colours, and takes about 30 ms to import, a noticeable part of a short run.
Into a pipe or a file it writes plain text anyway, so there the CLI writes that text itself and never imports
rich: markup tags dropped, each line as it is (rich would also wrap a line that is not soft-wrapped at 80
columns, and turn `:name:` codes into emoji), no spinner. Whether the stream is a terminal is asked at each
print, of the stream `sys` holds then (as rich's console does), so redirected or captured streams work.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from rich.console import Console

_TAG = re.compile(r"\[/?(?:[a-z]+(?: [a-z]+)*)?\]")
"""A rich markup tag as the CLI writes them: `[bold]`, `[dim]`, `[bold yellow]`, `[/]`."""


class Status(Protocol):
    """What a spinner's caller may do: change its text."""

    def update(self, status: str) -> None: ...


class _NoStatus:
    def update(self, status: str) -> None:
        return


class CliConsole:
    """stderr (`stderr=True`) or stdout, printed through rich on a terminal and as plain text elsewhere."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def print(self, text: str, *, markup: bool = True, soft_wrap: bool = False, highlight: bool = False) -> None:
        stream = self._stream()
        if stream.isatty():
            self.rich_console().print(text, markup=markup, soft_wrap=soft_wrap, highlight=highlight)
            return
        stream.write((_TAG.sub("", text) if markup else text) + "\n")

    @contextmanager
    def status(self, text: str) -> Iterator[Status]:
        """A spinner showing `text` on a terminal while the block runs; nothing elsewhere."""
        if not self._stream().isatty():
            yield _NoStatus()
            return
        with self.rich_console().status(text) as status:
            yield status

    def rich_console(self) -> Console:
        """The rich console of this stream (imports rich), for output that needs rich's rendering."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False)
        return self._console

    def _stream(self) -> TextIO:
        return sys.stderr if self._stderr else sys.stdout


__all__ = ["CliConsole", "Status"]
