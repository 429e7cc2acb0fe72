"""grep's shortcuts change nothing it answers: searching only near matches, skipping chunks that lack a
pattern's leading text, and reading a small file once."""

from __future__ import annotations

import random
import re

import pytest

from agentcore.tools import _line_stream
from agentcore.tools._line_stream import Line, LineStream
from agentcore.tools.grep import GrepTool
from tests.tools.conftest import FilesOnlySandbox, MakeFile

PATTERNS = [
    "timeout",
    r"time\w*",
    "^time",
    "out$",
    r"\bout\b",
    "ab|cd",
    "x*",
    "(?i)TIME",
    "tim?e",
    "timeo{2}",
    "a.b",
    r"[^a]*q",
    "time(?=out)",
    "é",
    r"\s+$",
    "zz+",
]


def _random_text(rng: random.Random) -> str:
    words = ["timeout", "time", "out", "ab", "cd", "x", "TIME", "q", "a", "b", "é", " ", "zz"]
    lines = ["".join(rng.choice(words) for _ in range(rng.choice([0, 1, 3, 9]))) for _ in range(rng.randint(0, 60))]
    return rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n"])


def _near_by_definition(stream: LineStream, regex: re.Pattern[str], context: int) -> list[Line]:
    """Every line within `context` lines of a line the regex finds something in."""
    lines = list(stream.lines())
    hits = [line.number for line in lines if regex.search(line.text)]
    return [line for line in lines if any(abs(line.number - hit) <= context for hit in hits)]


@pytest.mark.parametrize("chunk_bytes", [3, 17, 64, 1024**2])
@pytest.mark.parametrize("context", [0, 1, 3])
def test_lines_near_matches_are_exactly_those_within_context_of_a_match(
    sandbox: FilesOnlySandbox,
    make_file: MakeFile,
    monkeypatch: pytest.MonkeyPatch,
    chunk_bytes: int,
    context: int,
) -> None:
    monkeypatch.setattr(_line_stream, "CHUNK_BYTES", chunk_bytes)
    rng = random.Random(chunk_bytes * 10 + context)
    for index in range(8):
        make_file(f"f{index}.txt", _random_text(rng))
        for pattern in PATTERNS:
            regex = re.compile(pattern)
            expected = _near_by_definition(LineStream(sandbox, f"f{index}.txt", max_chars=40), regex, context)

            found = list(LineStream(sandbox, f"f{index}.txt", max_chars=40).lines_near(regex, context))

            assert found == expected, (pattern, index)


@pytest.mark.parametrize(
    ("pattern", "line"),
    [
        ("ab?c", "ac"),
        ("colou*r", "color"),
        ("colou{0,1}r", "color"),
        ("foo|bar", "bar"),
        ("abc(def)?", "abc"),
        ("x.y", "x-y"),
    ],
)
def test_a_pattern_whose_leading_text_is_optional_still_finds_lines_without_it(
    sandbox: FilesOnlySandbox, make_file: MakeFile, pattern: str, line: str
) -> None:
    make_file("a.txt", f"nothing\n{line}\n")

    result = GrepTool(sandbox).run({"pattern": pattern})

    assert result.content.splitlines()[0] == f"a.txt:2: {line}"


def test_ignore_case_finds_lines_whose_case_differs_from_the_pattern(
    sandbox: FilesOnlySandbox, make_file: MakeFile
) -> None:
    make_file("a.txt", "nothing\nGatewayTIMEOUT\n")

    result = GrepTool(sandbox).run({"pattern": "gatewaytimeout", "ignore_case": True})

    assert result.content.splitlines()[0] == "a.txt:2: GatewayTIMEOUT"


def test_context_after_a_match_runs_on_into_the_next_chunk(
    sandbox: FilesOnlySandbox, make_file: MakeFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_line_stream, "CHUNK_BYTES", 8)
    make_file("a.log", "one\ntwo\nERROR\nfour\nfive\nsix\nseven\n")

    result = GrepTool(sandbox).run({"pattern": "ERROR", "context": 2})

    assert result.content.splitlines()[:-1] == [
        "a.log-1- one",
        "a.log-2- two",
        "a.log:3: ERROR",
        "a.log-4- four",
        "a.log-5- five",
    ]


class _CountingSandbox(FilesOnlySandbox):
    reads: int = 0

    def read_bytes(self, path: str, offset: int, length: int) -> bytes:
        self.reads += 1
        return super().read_bytes(path, offset, length)


def test_grep_reads_a_small_file_once(make_file: MakeFile, sandbox: FilesOnlySandbox) -> None:
    make_file("src/a.py", "x = 1\n")
    make_file("src/b.py", "y = 2\n")
    counting = _CountingSandbox(sandbox.root)

    GrepTool(counting).run({"pattern": " = "})

    assert counting.reads == 2
