"""Message templates mined from free log text: the last resort of error clustering, when a record has no
fingerprint, no stack and no logging location.

The miner works in two passes over a batch, like the frequency-based parsers (Brain, ByteBrain) that
group Loghub's messages best:
1. Masking, per line: a token holding a digit (numbers, IPs, GUIDs, versions, timestamps), a hex id,
   a path, a weekday date, or a unit after a number
   (`1.2 KB`, `30 s`) is a variable; a run of variables is one variable, because an IP with a port,
   a size with its unit or a timestamp splits into a varying number of tokens.
2. Grouping, per batch and per token count: every word's frequency at its position is counted; a
   line's *root* is its words that share the line's most common frequency (ties: the higher), since
   the words of one template occur exactly as often as each other. Lines with the same root form a
   group; a non-root position is a variable when its words vary a lot (more than
   `split_max_distinct`) or when some lines hold a masked variable there; with a few distinct words
   it is a constant that splits the group.
Masking is memoized on the line with every digit turned into `0`: no rule looks at a digit's value
(only at where digits are and how many), so such lines mask identically, and most lines of a log
differ from an earlier one only in their numbers. The cost is one byte-translate and one dict lookup
for most lines, plus work proportional to the distinct masked lines.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WILDCARD = "<*>"

_WEEKDAY_DATE = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+"
    r"\d{2}:\d{2}:\d{2}(?:\s+\d{4})?"
)
_SEPARATORS = re.compile(r"[,;=()\[\]{}|\"':#\t]")
_HAS_DIGIT = re.compile(r"\d")
_HEX_WORD = re.compile(r"[0-9a-fA-F]{8,}")
"""A hex id made only of letters (`deadbeefcafe`) is still an id."""
_UNITS = frozenset(
    ("KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "B", "byte", "bytes", "ms", "us", "ns", "s", "sec", "secs")
    + ("second", "seconds", "min", "minute", "minutes", "h", "hour", "hours")
)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_PATH = re.compile(r"""(?:(?<=\s)|^)["'(\[<]*/\S*""")
"""A whitespace-separated token that is a path (after any opening quote or bracket)."""
_WILDCARD_RUNS = re.compile(r"(?:<\*> ?)+")


@dataclass(frozen=True)
class MinerConfig:
    """One configuration for every source; bench/clustering measures it on Loghub's 14 datasets."""

    split_max_distinct: int = 4
    """A non-root position with at most this many distinct words splits its group (they are constants)."""


def mask_line(line: str, token_kinds: dict[str, str] | None = None) -> str:
    """The line's tokens with every variable masked as `<*>` and each run of variables as one.

    `token_kinds` caches each token's kind across the lines of one batch (tokens repeat across lines)."""
    kinds = {} if token_kinds is None else token_kinds
    if ":" in line:  # a weekday date always holds a time of day
        line = _WEEKDAY_DATE.sub(" 0 ", line)
    if "/" in line:
        line = _PATH.sub(" " + WILDCARD + " ", line)  # a path, whatever characters it holds
    masked: list[str] = []
    last: str | None = None
    for token in _SEPARATORS.sub(" ", line).split():
        kind = kinds.get(token)
        if kind is None:
            kind = kinds[token] = _token_kind(token)
        if kind is _UNIT:
            if last is WILDCARD:
                continue  # `10 KB`: the unit belongs to the variable before it
            kind = token
        elif kind is WILDCARD and last is WILDCARD:
            continue
        masked.append(kind)
        last = kind
    return " ".join(masked)


_UNIT = "\0unit"
"""The kind of a unit word: kept, unless it follows a variable. Kinds (WILDCARD, _UNIT or the token itself)
are compared by identity, so the two markers can never be mistaken for a token that spells the same."""


def _token_kind(token: str) -> str:
    if token == WILDCARD or _is_variable(token):
        return WILDCARD
    return _UNIT if token in _UNITS else token


def _is_variable(token: str) -> bool:
    if token.isalpha():
        return _HEX_WORD.fullmatch(token) is not None
    return _HAS_DIGIT.search(token) is not None


def mine_templates(lines: Sequence[str], config: MinerConfig | None = None) -> list[str]:
    """The template of each line, in input order; lines of one template get the identical string."""
    config = config or MinerConfig()
    shapes = [line.encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZERO) for line in lines]
    first_of: dict[bytes, int] = {}
    for index, shape in enumerate(shapes):
        first_of.setdefault(shape, index)
    kinds: dict[str, str] = {}
    mask_of = {shape: mask_line(lines[index], kinds) for shape, index in first_of.items()}
    masked = [mask_of[shape] for shape in shapes]
    counts = Counter(masked)
    by_length: dict[int, list[str]] = defaultdict(list)
    for key in counts:
        by_length[len(key.split(" ")) if key else 0].append(key)
    template_of: dict[str, str] = {}
    for length, keys in by_length.items():
        template_of.update(_templates_of_length(length, keys, counts, config))
    return [template_of[key] for key in masked]


def _templates_of_length(length: int, keys: list[str], counts: Counter[str], config: MinerConfig) -> dict[str, str]:
    tokens = {key: key.split(" ") if key else [] for key in keys}
    frequency: Counter[tuple[int, str]] = Counter()
    for key in keys:
        count = counts[key]
        for cell in enumerate(tokens[key]):
            frequency[cell] += count
    roots: dict[tuple[tuple[int, str], ...], list[str]] = defaultdict(list)
    for key in keys:
        roots[_root(tokens[key], frequency)].append(key)
    result: dict[str, str] = {}
    for root, members in roots.items():
        for group in _split_group(members, tokens, {p for p, _ in root}, length, config):
            template = _template(group, tokens, length)
            result.update((key, template) for key in group)
    return result


def _root(words: list[str], frequency: Counter[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
    """The words of a line at its most common frequency (ties: the higher): one template's constants."""
    frequencies = [frequency[(p, w)] for p, w in enumerate(words) if w != WILDCARD]
    if not frequencies:
        return ()
    tally = Counter(frequencies)
    chosen = max(tally.items(), key=lambda item: (item[1], item[0]))[0]
    return tuple((p, w) for p, w in enumerate(words) if w != WILDCARD and frequency[(p, w)] >= chosen)


def _split_group(
    members: list[str], tokens: dict[str, list[str]], root_positions: set[int], length: int, config: MinerConfig
) -> list[list[str]]:
    groups = [members]
    for position in range(length):
        if position in root_positions:
            continue
        next_groups: list[list[str]] = []
        for group in groups:
            words = {tokens[key][position] for key in group}
            if len(words) == 1 or len(words) > config.split_max_distinct or WILDCARD in words:
                next_groups.append(group)
                continue
            split: dict[str, list[str]] = defaultdict(list)
            for key in group:
                split[tokens[key][position]].append(key)
            next_groups.extend(split.values())
        groups = next_groups
    return groups


def _template(group: Iterable[str], tokens: dict[str, list[str]], length: int) -> str:
    members = list(group)
    if len(members) == 1:
        words = tokens[members[0]]
    else:  # one column per position, compared in C rather than word by word
        columns = zip(*(tokens[k] for k in members), strict=True)  # every member has `length` tokens
        words = [column[0] if len(set(column)) == 1 else WILDCARD for column in columns]
    return _WILDCARD_RUNS.sub(WILDCARD + " ", " ".join(words[:length])).strip()


__all__ = ["WILDCARD", "MinerConfig", "mask_line", "mine_templates"]
