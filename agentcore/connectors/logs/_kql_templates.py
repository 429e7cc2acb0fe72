"""A KQL query as a template: its literals swapped for placeholders of the same shape, and back in the SQL.

Triage's queries differ between incidents only in their literals (times, service and dependency names), and
translating KQL to SQL is the slow part of a short run. `kql_template` replaces each string literal (at least
four letters or digits, no backslash) and each `datetime(YYYY-MM-DDTHH:MM:SSZ)` literal with a placeholder of
the same shape: each run of lowercase letters, of capitals or of digits becomes a run of other characters of its
kind (as long as the original up to `RUN`), every other character stays, so the case, the punctuation, the
quotes and the edges of a value survive into its placeholder (the translator's choices that depend on those,
such as how `has` matches a term or which characters it escapes, are the same for both). The template's text
is therefore one per query shape and value shape. `fill_template` puts the real values back
into the template's SQL, or answers None when a placeholder does not come back verbatim.

A translated template is used only after it has proved itself: `KqlTranslations` stores it when filling it
with the values it was made from gives the direct translation byte for byte (see `kql_cache`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_ALNUM = 4
"""Fewest letters and digits a string literal needs to become a placeholder: shorter ones are too likely
to occur in the SQL by chance (and verification would refuse them anyway), so they stay in the shape."""

_DATETIME = re.compile(r"(?<![\w.])datetime\(\s*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)\s*\)")
RUN = 4
"""Runs of letters or digits longer than this have placeholders this long: `checkout-api` and `inventory-api`
share one (`qzxj-kvw`), so the template serves every service name of that shape."""

_RUNS = re.compile(r"[a-z]+|[A-Z]+|[0-9]+|[^a-zA-Z0-9]+")
_LOWER = "qzxjkvwbfgmphydrlntcsoeiua"
_UPPER = _LOWER.upper()
_DIGITS = "7394051862"
_ALPHABETS = {"lower": _LOWER, "upper": _UPPER, "digit": _DIGITS}


@dataclass(frozen=True)
class KqlTemplate:
    """`text` with `placeholders[i]` where the query had `values[i]` (decoded literal text, not KQL syntax)."""

    text: str
    placeholders: tuple[str, ...]
    values: tuple[str, ...]


def kql_template(kql: str) -> KqlTemplate:
    """The query with its templatable literals replaced; a query without any is its own template."""
    pieces: list[str] = []
    placeholders: list[str] = []
    values: list[str] = []
    for kind, text in _lex(kql):
        value = _string_value(text) if kind == "string" else None
        if value is not None:
            placeholder = _same_shape(value, len(placeholders))
            pieces.append(text[0] + placeholder + text[-1])
        elif kind == "code":
            pieces.append(_DATETIME.sub(lambda m: _datetime(m, placeholders, values), text))
            continue
        else:
            pieces.append(text)
            continue
        placeholders.append(placeholder)
        values.append(value)
    return KqlTemplate("".join(pieces), tuple(placeholders), tuple(values))


def fill_template(sql: str, template: KqlTemplate) -> str | None:
    """The template's SQL with each placeholder replaced by its value, in one pass; None when one is missing.

    A value sits in the SQL as a string literal, so a quote in it is doubled there, as in its placeholder.
    """
    if not template.placeholders:
        return sql
    swaps = {_sql_text(p): _sql_text(v) for p, v in zip(template.placeholders, template.values, strict=True)}
    if len(swaps) != len(template.placeholders) or any(p not in sql for p in swaps):
        return None
    pattern = re.compile("|".join(re.escape(p) for p in sorted(swaps, key=len, reverse=True)))
    return pattern.sub(lambda m: swaps[m.group(0)], sql)


def _sql_text(value: str) -> str:
    return value.replace("'", "''")


def _datetime(match: re.Match[str], placeholders: list[str], values: list[str]) -> str:
    index = len(placeholders)
    placeholder = f"{1001 + index:04d}-01-02T03:04:05Z"
    if placeholder == match.group(1):
        return match.group(0)
    placeholders.append(placeholder)
    values.append(match.group(1))
    return match.group(0).replace(match.group(1), placeholder)


def _string_value(text: str) -> str | None:
    """The value of a plain `'...'` or `"..."` literal worth a placeholder; None for any other piece."""
    if len(text) < 2 or text[0] not in "'\"" or text[-1] != text[0]:
        return None
    body = text[1:-1]
    if "\\" in body or text[0] in body or sum(c.isascii() and c.isalnum() for c in body) < MIN_ALNUM:
        return None
    return body


def _same_shape(value: str, index: int) -> str:
    """A text of the value's shape, different from it: each run of lowercase letters, of capitals or of digits
    becomes a run of other characters of its kind, as long as the original up to `RUN`; the rest stays."""
    out: list[str] = []
    for run in _RUNS.finditer(value):
        text = run.group(0)
        alphabet = (
            _LOWER if text[0].islower() else _UPPER if text[0].isupper() else _DIGITS if text[0].isdigit() else ""
        )
        if not alphabet:
            out.append(text)
            continue
        for position in range(min(len(text), RUN)):
            pick = alphabet[(index * 7 + (len(out) + position) * 3) % len(alphabet)]
            original = text[position]
            out.append(pick if pick != original else alphabet[(alphabet.index(pick) + 1) % len(alphabet)])
    return "".join(out)


def _kind(char: str) -> str:
    if "a" <= char <= "z":
        return "lower"
    if "A" <= char <= "Z":
        return "upper"
    return "digit" if "0" <= char <= "9" else "other"


def _lex(kql: str) -> list[tuple[str, str]]:
    """The query as ("code" | "string" | "other", text) pieces: quoted literals, comments, and the rest.

    A literal directly after a letter, digit, `_` or `@` (verbatim `@'..'`, obfuscated `h'..'`, a typed
    literal) is "other": it is kept as it is. Comments and ```multi-line``` literals are "other" too.
    """
    pieces: list[tuple[str, str]] = []
    start = i = 0
    while i < len(kql):
        char = kql[i]
        if kql.startswith("//", i):
            end = kql.find("\n", i)
            end = len(kql) if end < 0 else end
        elif kql.startswith("```", i):
            end = kql.find("```", i + 3)
            end = len(kql) if end < 0 else end + 3
        elif char in "'\"":
            end = _verbatim_end(kql, i) if i > 0 and kql[i - 1] == "@" else _string_end(kql, i)
        else:
            i += 1
            continue
        pieces.append(("code", kql[start:i]))
        prefixed = i > 0 and (kql[i - 1].isalnum() or kql[i - 1] in "_@")
        literal = char in "'\"" and not prefixed and not kql.startswith("```", i)
        pieces.append(("string" if literal else "other", kql[i:end]))
        start = i = end
    pieces.append(("code", kql[start:]))
    return [piece for piece in pieces if piece[1]]


def _verbatim_end(kql: str, start: int) -> int:
    """Just past the verbatim literal (`@'..'`: no escapes, a doubled quote is one) that opens at `start`."""
    quote, i = kql[start], start + 1
    while i < len(kql):
        if kql[i] == quote:
            if not kql.startswith(quote * 2, i):
                return i + 1
            i += 1
        i += 1
    return len(kql)


def _string_end(kql: str, start: int) -> int:
    """Just past the literal that opens at `start` (a backslash escapes the next character); the end of the
    text when it is not closed, which the translator then reports as a syntax error."""
    quote, i = kql[start], start + 1
    while i < len(kql):
        if kql[i] == "\\":
            i += 2
        elif kql[i] == quote:
            return i + 1
        else:
            i += 1
    return len(kql)


__all__ = ["KqlTemplate", "fill_template", "kql_template"]
