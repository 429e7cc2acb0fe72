"""Stage messages and investigation state: what the queue carries and what state.json holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

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


def test_advancing_a_state_moves_its_step_by_one() -> None:
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    state = InvestigationState(
        id=ID, mode="evidence-only", request=RequestSpec(trigger=Trigger(kind="http", ref="q")),
        title="t", started_at=when, updated_at=when,
    )  # fmt: skip
    later = state.advanced(when, stage=Stage.REPORT)
    assert (later.step, later.stage) == (1, Stage.REPORT)
    assert state.with_changes(when, follow_ups=("more?",)).step == 0
