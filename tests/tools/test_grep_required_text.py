"""The text grep asks the sandbox to prefilter files by: held by every match, or None."""

from __future__ import annotations

import re

import pytest

from agentcore.tools._required_text import RequiredText, required_text


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("timeout", "timeout"),
        (r"ERROR \d+ in (\w+)", "ERROR "),
        (r"\bretry\b", "retry"),
        ("colou*r", "colo"),
        ("a{2}bc", "bc"),
        ("(?x) time out  # verbose", "timeout"),
        ("time(?=out)", "time"),
        ("é+x", "x"),
        ("[Tt]imeout", "imeout"),
    ],
)
def test_the_longest_plain_run_at_the_top_level_is_required(pattern: str, text: str) -> None:
    assert required_text(re.compile(pattern)) == RequiredText(text, ignore_case=False)


@pytest.mark.parametrize("pattern", ["ab|cd", "(timeout)", "[Tt]", r"\d+", "x?", ".*"])
def test_a_pattern_without_a_required_plain_run_has_none(pattern: str) -> None:
    assert required_text(re.compile(pattern)) is None


def test_ignoring_case_drops_letters_python_folds_beyond_ascii() -> None:
    assert required_text(re.compile("gatewaytimeout", re.IGNORECASE)) == RequiredText("gatewayt", ignore_case=True)
    assert required_text(re.compile("(?i)café")) == RequiredText("caf", ignore_case=True)


def test_the_replacement_character_is_never_required() -> None:
    assert required_text(re.compile("caf\ufffd needle")) == RequiredText(" needle", ignore_case=False)


def test_python_folds_no_other_ascii_character_with_a_non_ascii_one() -> None:
    """Why ignore_case keeps only ASCII outside `iksIKS`: the sandbox folds ASCII letters only."""
    non_ascii = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    kept = "".join(chr(c) for c in range(0x80) if chr(c) not in "iksIKS\r\n")

    assert re.findall(f"[{re.escape(kept)}]", non_ascii, re.IGNORECASE) == []
    assert re.findall("[iks]", non_ascii, re.IGNORECASE) == ["\u0130", "\u0131", "\u017f", "\u212a"]


def test_a_nul_character_is_never_required() -> None:
    """It could not be passed to rg as an argument."""
    assert required_text(re.compile("ab\x00cde")) == RequiredText("cde", ignore_case=False)
