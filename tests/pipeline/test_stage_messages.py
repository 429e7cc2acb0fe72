"""Stage messages and investigation state: what the queue carries and what state.json holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from agentcore.errors import UserInputError
from agentcore.pipeline.stages import PoisonMessageError, parse_stage_message
from agentcore.pipeline.state import (
    InvestigationState,
    RequestSpec,
    Stage,
    StageMessage,
    check_investigation_id,
    stage_message,
    state_blob,
)
from agentcore.reports import Evidence, EvidenceSource, Suspect, Trigger
from agentcore.triage import NewError, Triage

ID = "inv-20260314-093000-a1b2c3"
LIMIT = 16 * 1024


def body(**fields: object) -> bytes:
    return json.dumps({"type": "turns", "investigation_id": ID, "step": 3, **fields}).encode()


def test_a_well_formed_message_parses_with_a_deterministic_id() -> None:
    message = parse_stage_message(body(), LIMIT)
    assert message == StageMessage(type="turns", investigation_id=ID, step=3)
    assert message.message_id == f"{ID}:3:turns"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "MalformedMessage"),
        (b"[1, 2]", "MalformedMessage"),
        (body(type="detonate"), "UnknownMessageType"),
        (body(investigation_id="../../other/state.json"), "MalformedMessage"),
        (body(step=-1), "MalformedMessage"),
        (body(extra="field"), "MalformedMessage"),
        (body(pad="x" * LIMIT), "MessageTooLarge"),
        (b"\xff\xfe", "MalformedMessage"),
    ],
)
def test_a_poison_message_is_refused_with_the_reason_it_names(raw: bytes, reason: str) -> None:
    with pytest.raises(PoisonMessageError) as refused:
        parse_stage_message(raw, LIMIT)
    assert refused.value.reason == reason
    assert refused.value.description


@pytest.mark.parametrize("bad", ["", "inv-1", "../inv-20260314-093000-a1b2c3", "inv-20260314-093000-A1B2C3", "x" * 40])
def test_only_well_formed_investigation_ids_name_blobs(bad: str) -> None:
    with pytest.raises(UserInputError):
        state_blob(bad)
    assert check_investigation_id(ID) == ID


def test_the_ended_stages_have_no_message() -> None:
    assert stage_message(Stage.DONE, ID, 4) is None
    assert stage_message(Stage.REPORT, ID, 4) == StageMessage(type="report", investigation_id=ID, step=4)


def test_state_with_triage_round_trips_through_json() -> None:
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    triage = Triage(
        suspects=(
            Suspect(repo="r", commit="c" * 40, title="t", author="a", deployed_at=when, score=0.5, reasons=("x",)),
        ),
        evidence=(Evidence(claim="c", source=EvidenceSource(kind="commit", ref="c" * 40), excerpt="e"),),
        new_errors=(NewError("TypeError", "api", 3, when, "boom", ("a.py",), ("f",)),),
        onset=when,
        checked=("everything",),
    )
    state = InvestigationState(
        id=ID, mode="agent", request=RequestSpec(trigger=Trigger(kind="http", ref="q"), question="why?"),
        title="why?", started_at=when, updated_at=when, triage=triage,
    )  # fmt: skip
    again = InvestigationState.model_validate_json(state.to_json_bytes())
    assert again == state
    assert again.triage == triage


def fresh_state(when: datetime) -> InvestigationState:
    return InvestigationState(
        id=ID, mode="evidence-only", request=RequestSpec(trigger=Trigger(kind="http", ref="q")),
        title="t", started_at=when, updated_at=when,
    )  # fmt: skip


def test_the_next_step_moves_the_step_by_one_and_owes_the_message_of_its_stage() -> None:
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    later = fresh_state(when).next_step(when + timedelta(seconds=5), Stage.REPORT)
    assert (later.step, later.stage, later.updated_at) == (1, Stage.REPORT, when + timedelta(seconds=5))
    assert later.next_message == StageMessage(type="report", investigation_id=ID, step=1)


def test_a_terminal_next_step_owes_no_message() -> None:
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert fresh_state(when).next_step(when, Stage.FAILED).next_message is None


def test_a_side_change_keeps_the_step_and_the_stage() -> None:
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    changed = fresh_state(when).with_follow_ups(("more?",)).with_compaction_requested(True)
    assert (changed.step, changed.stage, changed.follow_ups, changed.compact_requested) == (
        0, Stage.INTAKE, ("more?",), True,
    )  # fmt: skip


def test_a_redirected_state_owes_the_message_of_its_new_stage_at_the_same_step() -> None:
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    done = fresh_state(when).next_step(when, Stage.DONE)
    again = done.redirected(Stage.TURNS)
    assert (again.step, again.next_message) == (1, StageMessage(type="turns", investigation_id=ID, step=1))


def test_a_transition_validates_its_result_again() -> None:
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    with pytest.raises(ValidationError):
        fresh_state(when).with_follow_ups(["not", "a", "tuple", 1])  # type: ignore[arg-type]


def test_a_state_stored_before_typed_transitions_still_loads_with_its_requests() -> None:
    stored = json.dumps({
        "version": 1, "id": ID, "step": 7, "stage": "done", "mode": "agent",
        "request": {"trigger": {"kind": "http", "ref": "q"}, "question": "why?"},
        "title": "why?", "started_at": "2026-03-14T09:30:00Z", "updated_at": "2026-03-14T09:40:00Z",
        "follow_ups": ["and the cache?"], "compact_requested": True,
        "next_message": {"type": "compact", "investigation_id": ID, "step": 8},
    })  # fmt: skip
    state = InvestigationState.model_validate_json(stored)
    assert (state.compact_requested, state.follow_ups) == (True, ("and the cache?",))
    assert state.next_message == StageMessage(type="compact", investigation_id=ID, step=8)
