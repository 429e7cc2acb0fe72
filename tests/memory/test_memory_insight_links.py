"""The service's debugging.md links each insight note once, under its own heading, keeping what was there."""

from __future__ import annotations

from datetime import UTC, datetime

from agentcore.memory import parse_document
from agentcore.memory.insight import INCIDENTS_HEADING, with_link

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
NOTE = "incidents/2026-03-14-coupons-crash-checkout-abc123.md"
EXISTING = (
    "---\ncreated: 2026-03-01T10:00:00Z\nupdated: 2026-03-01T10:00:00Z\nby: alice\nstatus: active\n"
    "summary: 'checkout debugging'\n---\n# Debugging checkout\n\n## Traces\nUse the trace id.\n"
)


def test_a_missing_debugging_file_is_created_with_front_matter_and_the_link() -> None:
    created = with_link(None, NOTE, "coupons crash checkout", service="checkout", by="inv-1", now=NOW)
    assert created is not None
    assert created.front.by == "inv-1"
    assert created.front.summary == "checkout: how past incidents were debugged"
    assert f"{INCIDENTS_HEADING}\n- [{NOTE}](../../{NOTE}): coupons crash checkout\n" in created.body


def test_the_link_is_added_below_what_the_file_held() -> None:
    existing = parse_document(EXISTING, name="d")
    linked = with_link(existing, NOTE, "coupons", service="checkout", by="inv-1", now=NOW)
    assert linked is not None
    assert linked.body.startswith("# Debugging checkout\n\n## Traces\nUse the trace id.\n")
    assert linked.body.endswith(f"{INCIDENTS_HEADING}\n- [{NOTE}](../../{NOTE}): coupons\n")


def test_a_second_note_joins_the_same_section_and_a_repeated_one_is_not_added() -> None:
    first = with_link(parse_document(EXISTING, name="d"), NOTE, "one", service="checkout", by="inv-1", now=NOW)
    assert first is not None
    other = NOTE.replace("abc123", "def456")
    second = with_link(first, other, "two", service="checkout", by="inv-2", now=NOW)
    assert second is not None
    assert second.body.count(INCIDENTS_HEADING) == 1
    assert second.body.index(NOTE) < second.body.index(other)
    assert with_link(second, NOTE, "one", service="checkout", by="inv-1", now=NOW) is None
