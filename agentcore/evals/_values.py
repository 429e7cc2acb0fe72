"""Comparing an evidence excerpt with what re-running its source printed: normalized text and values.

A value is a token with a digit in it (a count, a time, a date, a sha) or an identifier-like token (`TypeError`,
`checkout-api`, `coupons._is_expired`); plain words and percentages (derived, not printed) are not values.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[A-Za-z0-9_.:/%+-]+")
_ISO_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(?:\.\d+)?Z?")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_LINE_NUMBER = re.compile(r"^\s*\d+\s*[:|\t]\s?")


def normalized(text: str) -> str:
    """Lower case, one space for any run of whitespace, no surrounding quotes or backticks."""
    return " ".join(text.replace("`", " ").split()).lower()


def excerpt_lines(excerpt: str) -> list[str]:
    """The excerpt's lines, normalized, without line-number gutters, ellipses or blank lines."""
    lines = []
    for raw in excerpt.splitlines():
        line = normalized(_LINE_NUMBER.sub("", raw))
        if line and line.strip(".… ") != "":
            lines.append(line)
    return lines


def _tokens(text: str) -> list[str]:
    text = _ISO_TIME.sub(lambda m: f"{m.group(1)} {m.group(2)}{m.group(3) or ''} {m.group(2)}", text)
    tokens = []
    for raw in _TOKEN.findall(text):
        token = raw.strip(".:,;-/")
        tokens.append(token[:-1] if token.endswith("Z") and ":" in token else token)
    return tokens


def _is_value(token: str) -> bool:
    if not token or token.endswith("%"):
        return False
    if any(ch.isdigit() for ch in token):
        return True
    return any(ch in token for ch in "_.-") or any(ch.isupper() for ch in token[1:])


def values_of(excerpt: str) -> list[str]:
    """The excerpt's values, each once, in order."""
    return list(dict.fromkeys(t for t in _tokens(excerpt) if _is_value(t)))


def output_values(rendered: str) -> set[str]:
    """Every token of a re-run's output, lower-cased, to look values up in."""
    return {t.lower() for t in _tokens(rendered) if t}


def value_found(value: str, found_in: set[str]) -> bool:
    """Whether `value` is among the output's tokens; a number also matches one that rounds to it."""
    if value.lower() in found_in:
        return True
    if not _NUMBER.match(value):
        return False
    places = len(value.partition(".")[2])
    wanted = float(value)
    return any(_NUMBER.match(token) is not None and round(float(token), places) == wanted for token in found_in)


__all__ = ["excerpt_lines", "normalized", "output_values", "value_found", "values_of"]
