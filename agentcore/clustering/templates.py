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
Masking is memoized on the line with every digit turned into `0` (its *shape*): no rule looks at a digit's
value (only at where digits are and how many), so such lines mask identically, and most lines of a log
differ from an earlier one only in their numbers. The cost is one byte-translate and one dict lookup
for most lines. The distinct shapes are masked together, each regex running once over them joined by line
breaks, and grouping works on the distinct masked lines with per-position frequency tables; bench/clustering
compares the throughput with drain3's in the same run.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

WILDCARD = "<*>"

_WEEKDAY_DATE_PATTERN = (
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?<!\w...)SPACE+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)SPACE+\d{1,2}SPACE+"
    r"\d{2}:\d{2}:\d{2}(?:SPACE+\d{4})?"
)
"""Starts on the literal names (the regex engine then skips ahead to their first letters) and checks the word
boundary behind them; `SPACE` stands for the spacing."""
_WEEKDAY_DATE = re.compile(_WEEKDAY_DATE_PATTERN.replace("SPACE", r"\s"))
_WEEKDAY_DATE_IN_BATCH = re.compile(_WEEKDAY_DATE_PATTERN.replace("SPACE", r"[^\S\n]"))
"""The same date within one line of a batch joined by line breaks."""
_SEPARATOR_CHARACTERS = ",;=()[]{}|\"':#\t"
_SEPARATORS = re.compile(f"[{re.escape(_SEPARATOR_CHARACTERS)}]")
_SEPARATOR_BYTES_AS_SPACE = bytes.maketrans(_SEPARATOR_CHARACTERS.encode(), b" " * len(_SEPARATOR_CHARACTERS))
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
_PATH_IN_BATCH = re.compile(r"""(\s)["'(\[<]*/\S*""")
"""The same path within a batch that starts with a line break: starting on the whitespace (a character class
the regex engine skips ahead to) rather than on a look-behind tried at every character is 3x faster."""
_WILDCARD_RUNS = re.compile(r"(?:<\*> ?)+")
_VARIABLE_RUNS = re.compile(
    r"<\*>(?<![^ \n]<\*>)(?: (?:<\*>|" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")(?![^ \n]))+"
)
"""A masked variable (a whole token) and the variables and units right after it: `<*> <*>`, `<*> KB`."""


@dataclass(frozen=True)
class MinerConfig:
    """One configuration for every source; bench/clustering measures it on Loghub's 14 datasets."""

    split_max_distinct: int = 4
    """A non-root position with at most this many distinct words splits its group (they are constants)."""


def mask_line(line: str, token_kinds: dict[str, str] | None = None) -> str:
    """The line's tokens with every variable masked as `<*>` and each run of variables as one.

    `token_kinds` caches each token's kind across the lines of one batch (tokens repeat across lines).
    The tokens are looked up in C (`map`) and the runs collapsed by one regex over the joined line rather
    than word by word: a line whose tokens are all known costs a few C passes and no Python loop."""
    kinds = {} if token_kinds is None else token_kinds
    if ":" in line:  # a weekday date always holds a time of day
        line = _WEEKDAY_DATE.sub(" 0 ", line)
    if "/" in line:
        line = _PATH.sub(" " + WILDCARD + " ", line)  # a path, whatever characters it holds
    return _collapse_runs(_kinds_of(_SEPARATORS.sub(" ", line).split(), kinds))


def _mask_shapes(shapes: list[bytes], kinds: dict[str, str]) -> list[str]:
    """`mask_line` of each shape (a line with its digits as `0`, which masks as the line does), with each regex
    run once over the batch joined by line breaks rather than once per line: most lines are short, so the
    per-call cost of a regex was most of the masking cost. Shapes rather than lines: their digit tokens repeat
    (`0.0.0.0`), so far fewer distinct tokens need a kind."""
    batch = b"\n" + b"\n".join(shapes)  # every line, the first too, starts after a line break
    if batch.count(b"\n") != len(shapes):  # some line holds a line break
        return [mask_line(shape.decode("utf-8", "surrogatepass"), kinds) for shape in shapes]
    text = batch.decode("utf-8", "surrogatepass")
    if ":" in text:
        text = _WEEKDAY_DATE_IN_BATCH.sub(" 0 ", text)
    if "/" in text:
        text = _mask_paths(text)
    # The separators are ASCII, and no byte of a multi-byte UTF-8 character is: a byte translation replaces
    # exactly what `_SEPARATORS` does, 8x faster than the regex, even with the round trip through bytes.
    text = text.encode("utf-8", "surrogatepass").translate(_SEPARATOR_BYTES_AS_SPACE).decode("utf-8", "surrogatepass")
    kinds.update({token: _token_kind(token) for token in set(text.split()).difference(kinds)})
    # Each line's tokens are split again rather than kept: holding a list per line makes the garbage collector
    # walk them all, over and over, in a large batch.
    masked = "\n".join([" ".join(map(kinds.__getitem__, line.split())) for line in text.split("\n")[1:]])
    return _collapse_runs(masked).split("\n")


def _mask_paths(text: str) -> str:
    """`_PATH_IN_BATCH` over just the lines holding a slash (a sixth of Loghub's), since the regex tries at
    every whitespace character of what it scans."""
    lines = text.split("\n")
    slashed = [index for index, line in enumerate(lines) if "/" in line]
    masked = _PATH_IN_BATCH.sub(r"\1 " + WILDCARD + " ", "\n" + "\n".join([lines[i] for i in slashed]))
    for index, line in zip(slashed, masked.split("\n")[1:], strict=True):
        lines[index] = line
    return "\n".join(lines)


def _kinds_of(tokens: list[str], kinds: dict[str, str]) -> str:
    """The tokens' kinds joined by spaces; the lookups run in C (`map`) once every token is known."""
    known = list(map(kinds.get, tokens))
    if None in known:  # a token this batch has not seen yet
        known = [kinds.get(token) or kinds.setdefault(token, _token_kind(token)) for token in tokens]
    return " ".join(known)  # type: ignore[arg-type]  # no None is left


def _collapse_runs(masked: str) -> str:
    """The masked line(s) with each run of variables (and the units right after them) as one `<*>`."""
    return _VARIABLE_RUNS.sub(WILDCARD, masked) if "<*> " in masked else masked


def _token_kind(token: str) -> str:
    """`<*>` for a variable, else the token itself (a unit is kept unless it follows a variable)."""
    return WILDCARD if token == WILDCARD or _is_variable(token) else token


def _is_variable(token: str) -> bool:
    if token.isalpha():
        return _HEX_WORD.fullmatch(token) is not None
    return _HAS_DIGIT.search(token) is not None


def mine_templates(lines: Sequence[str], config: MinerConfig | None = None) -> list[str]:
    """The template of each line, in input order; lines of one template get the identical string."""
    config = config or MinerConfig()
    shapes = [line.encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZERO) for line in lines]
    lines_of = Counter(shapes)  # each distinct shape, and how many lines it stands for
    masks = _mask_shapes(list(lines_of), {})
    counts: dict[str, int] = {}  # each distinct masked line, and how many lines it stands for
    for key, count in zip(masks, lines_of.values(), strict=True):
        counts[key] = counts.get(key, 0) + count
    by_length: dict[int, list[str]] = defaultdict(list)
    for key in counts:
        by_length[key.count(" ") + 1 if key else 0].append(key)
    template_of: dict[str, str] = {}
    for length, keys in by_length.items():
        template_of.update(_templates_of_length(length, keys, counts, config))
    template_of_shape = dict(zip(lines_of, map(template_of.__getitem__, masks), strict=True))
    return list(map(template_of_shape.__getitem__, shapes))


def _templates_of_length(length: int, keys: list[str], counts: dict[str, int], config: MinerConfig) -> dict[str, str]:
    tokens = {key: key.split(" ") if key else [] for key in keys}
    frequency = _frequencies(length, tokens, counts)
    roots: dict[tuple[str | None, ...], list[str]] = defaultdict(list)
    for key, words in tokens.items():
        roots[_root(words, frequency)].append(key)
    result: dict[str, str] = {}
    for root, members in roots.items():
        for group in _split_group(members, tokens, root, config) if len(members) > 1 else [members]:
            template = _template(group, tokens)
            result.update(dict.fromkeys(group, template))
    return result


def _frequencies(length: int, tokens: dict[str, list[str]], counts: dict[str, int]) -> list[dict[str, int]]:
    """How many lines hold each word, one table per position: a list of plain dicts indexed by position
    rather than one Counter keyed by `(position, word)`, so no tuple is built per cell. A masked variable
    counts 0, which is how `_root` leaves it out of a line's root."""
    frequency: list[dict[str, int]] = [{} for _ in range(length)]
    for key, words in tokens.items():
        count = counts[key]
        for column, word in zip(frequency, words, strict=True):
            column[word] = column.get(word, 0) + count
    for column in frequency:
        column[WILDCARD] = 0
    return frequency


def _root(words: list[str], frequency: list[dict[str, int]]) -> tuple[str | None, ...]:
    """The words of a line at its most common frequency (ties: the higher): one template's constants.

    The root is the line's words with `None` at every other position. A line holds a dozen words or so, so
    counting each distinct frequency with `list.count` (in C) is cheaper than building a Counter."""
    cells = list(map(dict.__getitem__, frequency, words))  # each word's frequency at its position, in C
    distinct = set(cells)
    if len(distinct) == 1 and 0 not in distinct:  # all words at one frequency: the whole line is the root
        return tuple(words)
    distinct.discard(0)  # masked variables
    if len(distinct) > 1:
        chosen = max([(cells.count(cell), cell) for cell in distinct])[1]
    elif distinct:
        chosen = distinct.pop()
    else:
        return (None,) * len(words)
    return tuple([word if cell >= chosen else None for word, cell in zip(words, cells, strict=True)])


def _split_group(
    members: list[str], tokens: dict[str, list[str]], root: tuple[str | None, ...], config: MinerConfig
) -> list[list[str]]:
    groups = [members]
    for position in [position for position, word in enumerate(root) if word is None]:
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


def _template(group: list[str], tokens: dict[str, list[str]]) -> str:
    """The words the group's lines share, a variable elsewhere. A group of one line is its masked key (its
    words joined), and a text without a variable has no run to collapse and no space at either end."""
    if len(group) == 1:
        text = group[0]
    else:  # one column per position, compared in C rather than word by word
        columns = zip(*(tokens[k] for k in group), strict=True)  # every member has `length` tokens
        text = " ".join([column[0] if len(set(column)) == 1 else WILDCARD for column in columns])
    return _WILDCARD_RUNS.sub(WILDCARD + " ", text).strip() if WILDCARD in text else text


__all__ = ["WILDCARD", "MinerConfig", "mask_line", "mine_templates"]
