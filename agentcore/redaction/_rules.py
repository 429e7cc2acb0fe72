"""What counts as a secret: one rule per format, each starting with a literal anchor.

Each rule names the kind its placeholder carries and the regex group that holds the secret itself
(the rest of the match is context that stays: `AccountKey=` survives, the key does not). A rule may
add a check on the value (entropy, shape) so that look-alikes survive: GUIDs, hashes, commit ids and
trace ids are hex or dashed hex, and no rule without an explicit keyword accepts hex alone.

The formats follow the public specifications and the rule sets of gitleaks and detect-secrets
(Azure storage and shared-access keys, SAS signatures, GitHub/OpenAI/Anthropic/Slack/Google keys,
JWTs, PEM private keys, AWS keys, credentials in URLs, `password=`/`secret=` pairs). detect-secrets
itself is not a dependency: its last release is from 2024-05, it scans line by line through plugin
objects (too slow for every tool result), and its formats are these same regexes.
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


_LONG_HEX = re.compile(r"[0-9a-fA-F]{32,}")


def _is_keyword_secret(value: str) -> bool:
    """After `api_key=`, `token:` and the like: a generated-looking value (so `token=abc` survives), or
    32+ hex digits (API-management subscription keys are hex; a GUID, dashed, is an id and survives)."""
    return _is_password_value(value) and (_looks_generated(value) or _LONG_HEX.fullmatch(value) is not None)


def _is_sas_signature(value: str) -> bool:
    return len(value) >= 20 and not _HEX.fullmatch(value)


@dataclass(frozen=True)
class Rule:
    """One secret format: its placeholder kind, the literals it starts with, its regex, the group holding
    the secret, a value check.

    Every match starts with one of `anchors` (compared in ASCII lower case), so a scan finds candidate
    places with `str.find` and tries the rule only there, anchored (`Pattern.match`).
    """

    kind: str
    anchors: tuple[str, ...]
    pattern: str
    group: int = 0
    """0 for the whole match; otherwise the group number (1-based) holding the secret."""
    check: Check = _always
    ignore_case: bool = False
    back: int = 0
    """How many characters before its anchor a match starts (for formats whose marker is inside)."""


_B64 = r"[A-Za-z0-9+/]"
_VALUE_END = r"""[^\s"'`<>,;&|)}\]\\]"""
_ASSIGN = r"""["']?\s*(?:=|:|=>)\s*["']?"""
_KEY_PREFIXES = "|".join(
    f"(?<={prefix})"
    for prefix in (
        "api", "api_", "api-", "access", "access_", "access-", "private_", "private-", "signing_", "signing-",
        "encryption_", "encryption-", "subscription_", "subscription-", "secret_", "secret-", "auth_", "auth-",
    )
)  # fmt: skip

RULES: tuple[Rule, ...] = (
    Rule(
        "private-key",
        ("-----begin",),
        r"-----BEGIN[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,12000}?-----END[A-Z ]{0,30}"
        r"PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\]*)",
    ),
    Rule(
        "azure-storage-key",
        ("accountkey",),
        r"AccountKey\s*=\s*(" + _B64 + r"{40,}={0,2}|" + _B64 + r"{1,39}…)",
        1,
        ignore_case=True,
    ),  # fmt: skip
    Rule(
        "azure-shared-access-key",
        ("sharedaccesskey",),
        r"SharedAccessKey\s*=\s*(" + _B64 + r"{20,}={0,2}|" + _B64 + r"{1,19}…)",
        1,
        ignore_case=True,
    ),  # fmt: skip
    Rule("azure-sas-token", ("sig=",), r"(?<=[?&;])sig=([A-Za-z0-9%+/_-]{20,}(?:=|%3D){0,2})", 1, _is_sas_signature),
    Rule(
        "azure-client-secret",
        ("q~",),
        r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
        back=4,
    ),  # fmt: skip
    Rule("anthropic-key", ("sk-",), r"sk-ant-[a-z]{3,8}\d{2}-(?:[A-Za-z0-9_-]{60,}|[A-Za-z0-9_-]{1,59}…)"),
    Rule("openai-key", ("sk-",), r"sk-(?:proj|svcacct|admin|None)-(?:[A-Za-z0-9_-]{20,}|[A-Za-z0-9_-]{1,19}…)"),
    Rule("openai-key", ("sk-",), r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
    Rule("github-token", ("gh", "github_pat_"), r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})"),
    Rule("slack-token", ("xox",), r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    Rule("google-api-key", ("aiza",), r"AIza[0-9A-Za-z_-]{35}"),
    Rule("stripe-key", ("sk_live_", "rk_live_"), r"(?:sk|rk)_live_[A-Za-z0-9]{20,}"),
    Rule("jwt", ("eyj",), r"eyJ[A-Za-z0-9_-]{8,}\.(?:eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|[A-Za-z0-9_.-]*…)"),
    Rule(
        "aws-access-key",
        ("akia", "asia", "abia", "acca", "a3t"),
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])(?:[A-Z0-9]{16}(?![A-Z0-9])|[A-Z0-9]{1,15}…)",
    ),
    Rule(
        "aws-secret-key",
        ("aws",),
        r"aws_?secret_?(?:access_?)?key" + _ASSIGN + r"(" + _B64 + r"{40})(?!" + _B64 + ")",
        1,
        ignore_case=True,
    ),  # fmt: skip
    Rule("url-password", ("://",), r"://[^\s/:@'\"]{1,100}+:([^\s/@'\"]{1,200}+)@", 1, _is_password_value),
    Rule(
        "bearer-token",
        ("bearer", "token"),
        r"\b(?:bearer|token)\s++([A-Za-z0-9._~+/-]{20,}+=*)",
        1,
        _looks_generated,
        ignore_case=True,
    ),  # fmt: skip
    Rule(
        "basic-auth",
        ("authorization",),
        r"\bauthorization" + _ASSIGN + r"basic\s+(" + _B64 + r"{8,}={0,2})",
        1,
        ignore_case=True,
    ),  # fmt: skip
    Rule(
        "password",
        ("pass", "pwd"),
        r"(?:pass(?:word|wd|phrase)|(?<![a-z])pass|pwd)" + _ASSIGN + "(" + _VALUE_END + "{3,})",
        1,
        _is_password_value,
        ignore_case=True,
    ),  # fmt: skip
    Rule(
        "secret",
        ("secret",),
        r"secret(?:[_-]?key)?" + _ASSIGN + "(" + _VALUE_END + "{3,})",
        1,
        _is_password_value,
        ignore_case=True,
    ),  # fmt: skip
    Rule(
        "high-entropy-secret",
        ("key", "token", "credential"),
        r"(?:(?:" + _KEY_PREFIXES + r")key|token|credentials?)" + _ASSIGN + "(" + _VALUE_END + "{16,})",
        1,
        _is_keyword_secret,
        ignore_case=True,
    ),  # fmt: skip
)
"""Where two rules match overlapping text, the one that starts first wins, then the earlier rule. Where a
view clipped a value (`AccountKey=abc…`), the visible part is key material still: clipped forms match too."""

GENERIC_KINDS = frozenset({"password", "secret", "high-entropy-secret", "bearer-token", "basic-auth"})
"""Kinds found by context (a keyword), not by format: a value of a known format is named by its format."""


@dataclass(frozen=True)
class CompiledRules:
    """Each rule's regex, and for each anchor the rules (by index, in order) that start with it."""

    patterns: tuple[re.Pattern[str], ...]
    by_anchor: dict[str, tuple[int, ...]]


def compile_rules(rules: tuple[Rule, ...] = RULES) -> CompiledRules:
    patterns = tuple(re.compile(rule.pattern, re.IGNORECASE if rule.ignore_case else 0) for rule in rules)
    by_anchor: dict[str, list[int]] = {}
    for index, rule in enumerate(rules):
        for anchor in rule.anchors:
            by_anchor.setdefault(anchor, []).append(index)
    return CompiledRules(patterns, {anchor: tuple(indexes) for anchor, indexes in by_anchor.items()})
