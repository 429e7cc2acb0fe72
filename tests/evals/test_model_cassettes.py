"""Recorded-model replay: a recording wrapper writes a cassette with secrets filtered; replay answers from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.errors import ModelError
from agentcore.evals.cassette import RecordingModelClient, ReplayModelClient, read_cassette, request_digest
from agentcore.models import Message, ModelRequest, SystemBlock
from agentcore.testing import ScriptedModel, reply

SECRET = "AKIAIOSFODNN7EXAMPLE"


def request(text: str) -> ModelRequest:
    return ModelRequest(system=(SystemBlock(text="You investigate."),), messages=(Message(role="user", content=text),))


def test_a_recorded_run_replays_the_same_answers_in_order(tmp_path: Path) -> None:
    cassette = tmp_path / "run.jsonl"
    recorder = RecordingModelClient(ScriptedModel([reply("first"), reply("second"), reply("third")]), cassette)
    asked = [request("a"), request("b"), request("a")]
    recorded = [recorder.complete(r).message.content for r in asked]
    replay = ReplayModelClient(cassette)
    assert [replay.complete(r).message.content for r in asked] == recorded == ["first", "second", "third"]


def test_the_cassette_holds_no_secret_from_the_request_or_the_response(tmp_path: Path) -> None:
    cassette = tmp_path / "run.jsonl"
    recorder = RecordingModelClient(ScriptedModel([reply(f"the key {SECRET} leaked")]), cassette)
    recorder.complete(request(f"logs show {SECRET}"))
    text = cassette.read_text()
    assert SECRET not in text
    assert "[REDACTED:aws-access-key#1]" in read_cassette(cassette)[0].response.message.content


def test_a_request_the_cassette_never_saw_fails_loudly(tmp_path: Path) -> None:
    cassette = tmp_path / "run.jsonl"
    RecordingModelClient(ScriptedModel([reply("x")]), cassette).complete(request("a"))
    with pytest.raises(ModelError, match="the cassette has no answer for call 1") as raised:
        ReplayModelClient(cassette).complete(request("something else"))
    assert raised.value.retryable is False


def test_a_replayed_answer_is_given_once_per_recording(tmp_path: Path) -> None:
    cassette = tmp_path / "run.jsonl"
    RecordingModelClient(ScriptedModel([reply("x")]), cassette).complete(request("a"))
    replay = ReplayModelClient(cassette)
    replay.complete(request("a"))
    with pytest.raises(ModelError, match="no answer"):
        replay.complete(request("a"))


def test_the_digest_ignores_the_investigation_id_that_differs_between_runs() -> None:
    first = request("Investigation inv-20260302-140500-a1b2c3. Incident time: 2026-03-02T14:05:00Z.")
    second = request("Investigation inv-20261206-211716-e3c62e. Incident time: 2026-03-02T14:05:00Z.")
    assert request_digest(first) == request_digest(second)
    assert request_digest(first) != request_digest(request("Investigation inv-x. Incident time: 2026-03-03."))


def test_a_malformed_cassette_line_is_named(tmp_path: Path) -> None:
    cassette = tmp_path / "run.jsonl"
    cassette.write_text('{"digest": "x"}\n')
    with pytest.raises(Exception, match="line 1: not a recorded call"):
        read_cassette(cassette)
