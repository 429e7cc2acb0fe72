"""The text every match of a regular expression holds, so that files without it need not be read.

grep asks the sandbox for the files that hold this text (`Sandbox.files_containing`, which ripgrep or
Python answers by bytes) and searches only those. It is a prefilter: the regex decides every match, so
the text only has to be present in every line the regex can match, as UTF-8 bytes of the file:
- it is a run of plain characters at the top level of the pattern (`ERROR \\d+ in` gives `ERROR `); a
  quantifier, group, class or alternation ends a run, and a pattern without one gives None;
- U+FFFD (what undecodable bytes become), surrogates, NUL and line ends are never part of it;
- when the pattern ignores case, only ASCII characters whose case partners are ASCII are kept (Python
  folds `k` with the Kelvin sign, `s` with the long s, `i` with the dotless i), since the sandbox folds
  ASCII letters only.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

_parser: Any = importlib.import_module("re._parser")
"""The stdlib's own regex parser (private; a parse it cannot do means: no required text)."""
_LITERAL: Any = importlib.import_module("re._constants").LITERAL

_FOLDS_BEYOND_ASCII = frozenset("iksIKS")


@dataclass(frozen=True)
class RequiredText:
    """Text every match holds; with `ignore_case`, its ASCII letters in either case."""

    text: str
    ignore_case: bool


def required_text(regex: re.Pattern[str]) -> RequiredText | None:
    """The longest run of plain characters every match of `regex` holds, or None when there is none."""
    try:
        parsed = _parser.parse(regex.pattern, regex.flags)
        items: list[tuple[Any, Any]] = list(parsed.data)
        ignore_case = bool(parsed.state.flags & re.IGNORECASE)
    except Exception:  # noqa: BLE001 - the private parser changed: search without a prefilter
        return None
    best, run = "", ""
    for op, value in items:
        if op == _LITERAL and _usable(chr(value), ignore_case=ignore_case):
            run += chr(value)
            best = max(best, run, key=len)
        else:
            run = ""
    return RequiredText(best, ignore_case) if best else None


def _usable(char: str, *, ignore_case: bool) -> bool:
    if char in "\x00\r\n\ufffd" or "\ud800" <= char <= "\udfff":
        return False
    return not ignore_case or (char.isascii() and char not in _FOLDS_BEYOND_ASCII)
