"""The redactor: replaces every secret in a text by a stable placeholder naming its kind.

One precompiled alternation scans the text once. Before it runs, a cheap test on a few literal
fragments skips texts that cannot hold a secret at all (most tool results), so the cost on clean text
is a handful of `str.find` calls. Placeholders never match a rule, so redacting twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from agentcore.redaction._rules import GENERIC_KINDS, RULES, CompiledRules, compile_rules
from agentcore.redaction._state import RedactionState

_TRIGGERS = re.compile(
    r"PRIVATE KEY|AccountKey|SharedAccessKey|sig=|sk-|gh[pousr]_|github_pat_|xox|AIza|_live_|eyJ"
    r"|A(?:KIA|SIA|BIA|CCA|3T)|://|bearer|token|basic|pass|pwd|secret|key|credential",
    re.IGNORECASE,
)
"""Fragments at least one of which every rule's match contains (checked by the rule tests)."""


@lru_cache(maxsize=1)
def _compiled() -> CompiledRules:
    return compile_rules(RULES)


def may_hold_secret(text: str) -> bool:
    """False when no rule can match `text`: none of the fragments the rules need is in it."""
    return _TRIGGERS.search(text) is not None


class Redactor:
    """Redacts texts into one investigation's `RedactionState` (numbering and counts)."""

    def __init__(self, state: RedactionState | None = None) -> None:
        self.state = state if state is not None else RedactionState()
        self._rules = _compiled()

    def redact(self, text: str) -> str:
        """`text` with each secret replaced by `[REDACTED:<kind>#<n>]`; the same value keeps its `n`."""
        if not text or not may_hold_secret(text):
            return text
        return self._rules.regex.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        group = match.lastgroup
        if group is None:
            return match.group(0)
        rule, offset = self._rules.by_group[group]
        secret_group = offset + rule.group if rule.group else offset
        value = match.group(secret_group)
        if value is None or not rule.check(value):
            return match.group(0)
        placeholder = self.state.placeholder(_refined_kind(rule.kind, value, self._rules), value)
        start, end = match.span(secret_group)
        whole_start = match.start()
        whole = match.group(0)
        return whole[: start - whole_start] + placeholder + whole[end - whole_start :]

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


def _refined_kind(kind: str, value: str, rules: CompiledRules) -> str:
    """A value found by a keyword rule (`token=...`) that is itself of a known format gets that format's kind."""
    if kind not in GENERIC_KINDS:
        return kind
    match = rules.regex.fullmatch(value)
    if match is None or match.lastgroup is None:
        return kind
    return rules.by_group[match.lastgroup][0].kind


def redact_text(text: str, state: RedactionState | None = None) -> str:
    """Redact one text; the entry point for writers outside the agent loop (memory, telemetry)."""
    return Redactor(state).redact(text)
