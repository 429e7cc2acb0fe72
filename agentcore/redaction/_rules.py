"""What counts as a secret: one rule per format, all compiled into one alternation scanned in one pass.

Each rule names the kind its placeholder carries and the regex group that holds the secret itself
(the rest of the match is context that stays: `AccountKey=` survives, the key does not). A rule may
add a check on the value (entropy, shape) so that look-alikes survive: GUIDs, hashes, commit ids and
trace ids are hex or dashed hex, and no rule without an explicit keyword accepts hex alone.

The formats follow the public specifications and the rule sets of gitleaks and detect-secrets
(Azure storage and shared-access keys, SAS signatures, GitHub/OpenAI/Anthropic/Slack/Google keys,
JWTs, PEM private keys, AWS access keys, credentials in URLs, `password=`/`secret=` pairs).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

PLACEHOLDER_PREFIX = "[REDACTED:"

Check = Callable[[str], bool]


def _always(_value: str) -> bool:
    return True


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character distribution."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


_HEX = re.compile(r"[0-9a-fA-F-]+")
_WORDISH = re.compile(r"[A-Za-z]+[_.-]?[A-Za-z]*|\d+")
_NOT_VALUES = frozenset({"null", "none", "true", "false", "undefined", "redacted", "required", "changeme", "xxx"})


def _looks_generated(value: str) -> bool:
    """A token a machine made: long, mixed classes, high entropy, and not hex (hashes and ids are hex)."""
    if len(value) < 16 or _HEX.fullmatch(value) or _WORDISH.fullmatch(value):
        return False
    classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value)))
    return classes >= 2 and shannon_entropy(value) >= 3.5


def _is_password_value(value: str) -> bool:
    """After `password=`: anything that is not empty-ish, a template, or already a placeholder."""
    lowered = value.lower().strip("\"'")
    if len(lowered) < 3 or lowered in _NOT_VALUES or set(lowered) <= {"*", "x", "."}:
        return False
    return not (value.startswith(("${", "{{", "%", "<", "$(")) or value.startswith(PLACEHOLDER_PREFIX))


def _is_keyword_secret(value: str) -> bool:
    """After `api_key=`, `token:` and the like: a generated-looking value (so `token=abc` survives)."""
    return _is_password_value(value) and _looks_generated(value)


def _is_sas_signature(value: str) -> bool:
    return len(value) >= 20 and not _HEX.fullmatch(value)


@dataclass(frozen=True)
class Rule:
    """One secret format: its placeholder kind, its regex, the group holding the secret, a value check."""

    kind: str
    pattern: str
    group: int = 0
    """0 for the whole match; otherwise the rule's own group number (1-based) holding the secret."""
    check: Check = _always
    flags: str = ""
    """Inline flags for this rule only, e.g. `i`."""


_B64 = r"[A-Za-z0-9+/]"
_VALUE_END = r"""[^\s"'`<>,;&|)}\]\\]"""
_PASSWORD_WORDS = r"(?:pass(?:word|wd|phrase)?|pwd)"
_SECRET_WORDS = r"(?:secret|client[_-]?secret|shared[_-]?secret|secret[_-]?key)"
_KEY_WORDS = (
    r"(?:api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token"
    r"|id[_-]?token|sas[_-]?token|token|credentials?|signing[_-]?key|encryption[_-]?key|x-api-key|subscription[_-]?key)"
)
_ASSIGN = r"""["']?\s*(?:=|:|=>)\s*["']?"""

RULES: tuple[Rule, ...] = (
    Rule(
        "private-key",
        r"-----BEGIN[A-Z ]{0,30}PRIVATE KEY( BLOCK)?-----(?:[\s\S]{0,12000}?-----END[A-Z ]{0,30}"
        r"PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\]*)",
    ),  # fmt: skip
    Rule("azure-storage-key", r"AccountKey\s*=\s*(" + _B64 + r"{40,}={0,2})", 1, flags="i"),
    Rule("azure-shared-access-key", r"SharedAccessKey\s*=\s*(" + _B64 + r"{20,}={0,2})", 1, flags="i"),
    Rule("azure-sas-token", r"[?&;]sig=([A-Za-z0-9%+/_-]{20,}(?:=|%3D){0,2})", 1, _is_sas_signature),
    Rule("anthropic-key", r"sk-ant-[a-z]{3,8}\d{2}-[A-Za-z0-9_-]{60,}"),
    Rule("openai-key", r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}"),
    Rule("openai-key", r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
    Rule("github-token", r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})"),
    Rule("slack-token", r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    Rule("google-api-key", r"AIza[0-9A-Za-z_-]{35}"),
    Rule("stripe-key", r"(?:sk|rk)_live_[A-Za-z0-9]{20,}"),
    Rule("jwt", r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    Rule("aws-access-key", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])"),
    Rule(
        "aws-secret-key",
        r"aws_?secret_?(?:access_?)?key" + _ASSIGN + r"(" + _B64 + r"{40})(?!" + _B64 + ")",
        1,
        flags="i",
    ),  # fmt: skip
    Rule(
        "url-password",
        r"\b[a-z][a-z0-9+.-]{1,20}://[^\s/:@'\"]{1,100}:([^\s/@'\"]{1,200})@",
        1,
        _is_password_value,
        flags="i",
    ),  # fmt: skip
    Rule("bearer-token", r"\b(?:bearer|token)\s+([A-Za-z0-9._~+/-]{20,}=*)", 1, _looks_generated, flags="i"),
    Rule("basic-auth", r"\bauthorization" + _ASSIGN + r"basic\s+(" + _B64 + r"{8,}={0,2})", 1, flags="i"),
    Rule(
        "password", _PASSWORD_WORDS + _ASSIGN + "(" + _VALUE_END + "{3,})", 1, _is_password_value, flags="i"
    ),  # fmt: skip
    Rule("secret", _SECRET_WORDS + _ASSIGN + "(" + _VALUE_END + "{3,})", 1, _is_password_value, flags="i"),
    Rule(
        "high-entropy-secret",
        _KEY_WORDS + _ASSIGN + "(" + _VALUE_END + "{16,})",
        1,
        _is_keyword_secret,
        flags="i",
    ),  # fmt: skip
)
"""Order matters where two rules match at the same place: the earlier one wins."""

GENERIC_KINDS = frozenset({"password", "secret", "high-entropy-secret", "bearer-token", "basic-auth"})
"""Kinds found by context (a keyword), not by format: a value of a known format is named by its format."""


@dataclass(frozen=True)
class CompiledRules:
    """All rules as one regex; `by_group` maps each rule's outer group name to the rule and its offset."""

    regex: re.Pattern[str]
    by_group: dict[str, tuple[Rule, int]]


def compile_rules(rules: tuple[Rule, ...] = RULES) -> CompiledRules:
    """One alternation `(?P<r0>...)|(?P<r1>...)`; inner groups are renumbered by their offsets."""
    parts: list[str] = []
    by_group: dict[str, tuple[Rule, int]] = {}
    next_group = 1
    for index, rule in enumerate(rules):
        name = f"r{index}"
        flagged = f"(?{rule.flags}:{rule.pattern})" if rule.flags else rule.pattern
        parts.append(f"(?P<{name}>{flagged})")
        by_group[name] = (rule, next_group)
        next_group += 1 + re.compile(rule.pattern).groups
    return CompiledRules(re.compile("|".join(parts)), by_group)
