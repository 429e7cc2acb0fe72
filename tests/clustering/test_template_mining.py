"""Message templates: variables masked, one template per kind of message, stable across batches."""

from __future__ import annotations

import pytest

from agentcore.clustering.templates import WILDCARD, MinerConfig, mask_line, mine_templates


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("retry 3 of 5 after 250ms", "retry <*> of <*> after <*>"),
        ("connect to 10.2.3.4:5432 refused", "connect to <*> refused"),
        ("order 3f2b8c1e-9d4a-4c71-8e0f-2a6b5c9d7e10 not found", "order <*> not found"),
        ("bad token deadbeefcafebabe from client", "bad token <*> from client"),
        ("cannot open /var/lib/app/cache/index.db for writing", "cannot open <*> for writing"),
        ("started at 2026-03-02T13:05:11.123Z", "started at <*>"),
        ("started at Fri Jun 17 07:07:00 2005 on node", "started at <*> on node"),
    ],
    ids=["numbers-and-durations", "ip-and-port", "guid", "hex-id", "path", "iso-timestamp", "weekday-date"],
)
def test_variables_are_masked(line: str, masked: str) -> None:
    assert mask_line(line) == masked


def test_a_variable_split_into_several_tokens_is_one_variable() -> None:
    assert mask_line("close, 1190 bytes (1.16 KB) sent") == mask_line("close, 815 bytes sent")


def test_ordinary_words_are_never_masked() -> None:
    assert mask_line("payment gateway timeout; giving up") == "payment gateway timeout giving up"


def test_lines_of_one_kind_share_a_template_and_other_kinds_do_not() -> None:
    lines = [f"user {name} logged in from {ip}" for name, ip in zip("abcdefg", range(7), strict=True)]
    lines += [f"disk {n} is {n * 10}% full" for n in range(5)]
    templates = mine_templates(lines)
    assert len(set(templates[:7])) == 1
    assert len(set(templates[7:])) == 1
    assert templates[0] != templates[7]
    assert templates[0] == f"user {WILDCARD} logged in from {WILDCARD}"


def test_a_position_with_few_distinct_words_splits_into_templates() -> None:
    lines = [f"service {name} started in {n} ms" for name in ("cupsd", "sshd") for n in range(20)]
    assert sorted(set(mine_templates(lines))) == ["service cupsd started in <*>", "service sshd started in <*>"]


def test_a_position_with_many_distinct_words_is_a_variable() -> None:
    names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    lines = [f"session opened for user {name}" for name in names]
    assert set(mine_templates(lines)) == {f"session opened for user {WILDCARD}"}


def test_the_split_threshold_is_configurable() -> None:
    lines = [f"session opened for user {name}" for name in ["alpha", "bravo", "charlie"]]
    assert len(set(mine_templates(lines, MinerConfig(split_max_distinct=2)))) == 1
    assert len(set(mine_templates(lines, MinerConfig(split_max_distinct=4)))) == 3


def test_the_same_kinds_of_message_get_the_same_templates_in_another_batch() -> None:
    def day(seed: int) -> list[str]:
        return [f"timeout calling {svc} after {seed * 7 + n} ms" for n in range(30) for svc in ("ledger", "fraud")] + [
            f"card {seed}{n:04d} declined" for n in range(40)
        ]

    assert set(mine_templates(day(1))) == set(mine_templates(day(2)))


def test_empty_and_blank_lines_have_the_empty_template() -> None:
    assert mine_templates(["", "   "]) == ["", ""]


def test_lines_that_differ_only_in_digits_mask_alike_so_memoizing_on_their_shape_is_exact() -> None:
    lines = ["Fri Jun 17 07:07:00 2005 up", "Fri Jun 1 07:07:00 2005 up", "Fri Jun 123 07:07:00 2005 up"]
    assert mine_templates(lines) == [mask_line(line) for line in lines]


@pytest.mark.parametrize(
    "lines",
    [
        ["due on Mon Jan", "5 10:00:00 2005 it said"],
        ["first line", "/var/log/app.log was rotated"],
        ["wrote 5", "KB and stopped there"],
        ["a <*>", "<*> b c"],
        ["one\n/var/x two", "Fri Jun 17 07:07:00 three"],
        ["naïve=1 café;x \u2003/path", "\udcff 7 KB"],
    ],
    ids=[
        "weekday-date-across-lines",
        "path-at-a-line-start",
        "unit-after-a-line-end",
        "wildcards",
        "line-break",
        "non-ascii",
    ],
)
def test_a_batch_masks_each_line_as_mask_line_does_whatever_its_neighbours(lines: list[str]) -> None:
    # Each line has its own token count, so its template is its masked line; the batch masks them all at once.
    assert mine_templates(lines) == [mask_line(line) for line in lines]
