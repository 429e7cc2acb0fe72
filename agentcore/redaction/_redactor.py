"""The redactor: replaces every secret in a text by a stable placeholder naming its kind.

Every rule's matches start with one of a few literals (its anchors). A scan lower-cases the text once
(ASCII only, so offsets stay put), finds each anchor with `str.find` (C speed), and tries only the
rules of that anchor there, anchored. Text without an anchor costs a few `find` calls and no regex.
Overlapping matches are settled leftmost first, then by rule order. Placeholders never match a rule,
so redacting twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from agentcore.redaction._rules import GENERIC_KINDS, RULES, CompiledRules, compile_rules
from agentcore.redaction._state import RedactionState

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_SPECIFIC = tuple(index for index, rule in enumerate(RULES) if rule.kind not in GENERIC_KINDS and rule.group == 0)


@lru_cache(maxsize=1)
def _compiled() -> CompiledRules:
    return compile_rules(RULES)


@dataclass(frozen=True, order=True)
class _Found:
    start: int
    rule: int
    end: int
    secret_start: int
    secret_end: int


def _lowered(text: str) -> str:
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def may_hold_secret(text: str) -> bool:
    """False when no rule can match `text`: none of the literals every match starts with is in it."""
    lowered = _lowered(text)
    return any(anchor in lowered for anchor in _compiled().by_anchor)


def find_secrets(text: str) -> list[_Found]:
    """The secrets in `text`, in order, none overlapping another."""
    rules = _compiled()
    lowered = _lowered(text)
    found: list[_Found] = []
    for anchor, indexes in rules.by_anchor.items():
        position = lowered.find(anchor)
        while position != -1:
            hit = _match_at(text, position, indexes, rules)
            if hit is not None:
                found.append(hit)
            position = lowered.find(anchor, position + 1)
    found.sort()
    kept: list[_Found] = []
    for hit in found:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def _match_at(text: str, position: int, indexes: tuple[int, ...], rules: CompiledRules) -> _Found | None:
    for index in indexes:
        start = position - RULES[index].back
        if start < 0:
            continue
        match = rules.patterns[index].match(text, start)
        if match is None:
            continue
        group = RULES[index].group
        value = match.group(group)
        if value is None or not RULES[index].check(value):
            continue
        start, end = match.span(group)
        return _Found(match.start(), index, match.end(), start, end)
    return None


class Redactor:
    """Redacts texts into one investigation's `RedactionState` (numbering and counts)."""

    def __init__(self, state: RedactionState | None = None) -> None:
        self.state = state if state is not None else RedactionState()

    def redact(self, text: str) -> str:
        """`text` with each secret replaced by `[REDACTED:<kind>#<n>]`; the same value keeps its `n`."""
        if not text:
            return text
        found = find_secrets(text)
        if not found:
            return text
        parts: list[str] = []
        done = 0
        for hit in found:
            value = text[hit.secret_start : hit.secret_end]
            parts.append(text[done : hit.secret_start])
            parts.append(self.state.placeholder(_refined_kind(RULES[hit.rule].kind, value), value))
            done = hit.secret_end
        parts.append(text[done:])
        return "".join(parts)

    def redact_all(self, texts: Iterable[str]) -> list[str]:
        return [self.redact(text) for text in texts]

    def redact_json(self, value: Any) -> Any:
        """Every string inside a JSON-like value (dicts, lists, strings), keys included, redacted."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self.redact(str(k)): self.redact_json(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_json(v) for v in value]
        return value


def _refined_kind(kind: str, value: str) -> str:
    """A value found by a keyword rule (`token=...`) that is itself of a known format gets that format's kind."""
    if kind not in GENERIC_KINDS:
        return kind
    patterns = _compiled().patterns
    for index in _SPECIFIC:
        if patterns[index].fullmatch(value):
            return RULES[index].kind
    return kind


def redact_text(text: str, state: RedactionState | None = None) -> str:
    """Redact one text; the entry point for writers outside the agent loop (memory, telemetry)."""
    return Redactor(state).redact(text)
