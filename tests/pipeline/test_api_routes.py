"""The HTTP API's routes, as functions: what the Functions app and `sre-agent serve` both answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcore.agent.session import Session
from agentcore.pipeline import LocalRunner
from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline.api import dispatch
from agentcore.pipeline.state import Stage
from agentcore.testing import ScriptedModel, call, reply
from tests.pipeline.pipeline_harness import CONCLUSION, QUESTION_TURNS, ConversationModel, ask, drain, quick_runner


def post(runner: LocalRunner, path: str, payload: object) -> tuple[int, dict[str, object]]:
    answer = dispatch(runner.context, "POST", path, body=json.dumps(payload).encode())
    return answer.status, json.loads(answer.body)


@pytest.fixture
def runner(tmp_path: Path) -> LocalRunner:
    return quick_runner(tmp_path)


def test_a_question_is_accepted_with_its_id_and_status_url(runner: LocalRunner) -> None:
    status, body = post(
        runner, "/api/investigations", {"question": "why is checkout slow?", "scope": {"service": "checkout"}}
    )
    assert status == 202
    assert body["status_url"] == f"/api/investigations/{body['id']}"
    state = load_state(runner.context.deps, str(body["id"]))
    assert state is not None
    assert state.state.request.scope is not None
    assert '"service": "checkout"' in state.state.request.scope


@pytest.mark.parametrize(
    ("payload", "problem"),
    [({}, "question"), ({"question": "   "}, "blank"), ({"question": "q", "extra": 1}, "extra"), ([1], "body")],
)
def test_a_bad_question_is_a_400_that_names_the_problem(runner: LocalRunner, payload: object, problem: str) -> None:
    status, body = post(runner, "/api/investigations", payload)
    assert status == 400
    assert problem in str(body["error"]).lower()


def test_a_body_over_the_limit_is_a_413(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, http_max_body_bytes=1024)
    status, _ = post(runner, "/api/investigations", {"question": "x" * 2000})
    assert status == 413


def test_status_then_report_as_markdown_or_json_by_accept(runner: LocalRunner) -> None:
    _, body = post(runner, "/api/investigations", {"question": "why?"})
    investigation_id = str(body["id"])
    running = json.loads(dispatch(runner.context, "GET", f"/api/investigations/{investigation_id}").body)
    assert (running["status"], running["stage"], running["report"]) == ("running", "intake", None)
    drain(runner)
    done = json.loads(dispatch(runner.context, "GET", f"/api/investigations/{investigation_id}").body)
    assert (done["status"], done["stage"], done["mode"]) == ("inconclusive", "done", "evidence-only")
    assert done["report"]["url"] == f"/api/investigations/{investigation_id}/report"
    markdown = dispatch(runner.context, "GET", f"/api/investigations/{investigation_id}/report")
    assert markdown.content_type.startswith("text/markdown")
    as_json = dispatch(
        runner.context, "GET", f"/api/investigations/{investigation_id}/report", accept="application/json"
    )
    assert json.loads(as_json.body)["id"] == investigation_id


@pytest.mark.parametrize(
    "path",
    [
        "/api/investigations/inv-20990101-000000-abcdef",
        "/api/investigations/..%2f..%2fstate.json",
        "/api/investigations/alerts",
        "/api/investigations/inv-20990101-000000-ABCDEF/report",
    ],
)
def test_an_unknown_or_malformed_id_is_the_same_404(runner: LocalRunner, path: str) -> None:
    answer = dispatch(runner.context, "GET", path)
    assert (answer.status, json.loads(answer.body)) == (404, {"error": "no such investigation"})


def test_one_investigations_id_never_reaches_anothers_blobs(runner: LocalRunner) -> None:
    first, second = ask(runner, "first?"), ask(runner, "second?")
    drain(runner)
    answer = json.loads(dispatch(runner.context, "GET", f"/api/investigations/{first}").body)
    assert second not in json.dumps(answer)
    report = dispatch(runner.context, "GET", f"/api/investigations/{first}/report", accept="application/json")
    assert json.loads(report.body)["id"] == first


def test_an_unknown_route_is_404_and_a_wrong_method_405(runner: LocalRunner) -> None:
    assert dispatch(runner.context, "GET", "/api/nothing").status == 404
    assert dispatch(runner.context, "GET", "/api/alerts").status == 405
    assert dispatch(runner.context, "DELETE", "/api/investigations/inv-20990101-000000-abcdef").status == 405


def test_a_follow_up_to_an_evidence_only_investigation_is_a_409(runner: LocalRunner) -> None:
    investigation_id = ask(runner)
    drain(runner)
    status, body = post(runner, f"/api/investigations/{investigation_id}/messages", {"message": "and now?"})
    assert status == 409
    assert "no model" in str(body["error"])


def test_a_follow_up_resumes_a_finished_session_and_rewrites_its_one_report(tmp_path: Path) -> None:
    turns = [*QUESTION_TURNS, "The database is fine too."]
    model = ConversationModel(turns=turns)
    runner = quick_runner(tmp_path, model=model)
    investigation_id = ask(runner)
    drain(runner)
    status, _ = post(runner, f"/api/investigations/{investigation_id}/messages", {"message": "and the database?"})
    assert status == 202
    drain(runner)
    state = load_state(runner.context.deps, investigation_id)
    assert state is not None
    assert state.state.stage is Stage.DONE
    reports = [n for n in runner.context.deps.blob_store.list("reports/") if investigation_id in n]
    assert len(reports) == 2
    session = runner.context.deps.blob_store.get(state.state.session_blob or "").data.decode()
    assert "and the database?" in session
    assert "The database is fine too." in session
    assert model.calls == ["parent:0", "parent:1", "parent:2", "parent:3"]


def test_a_follow_up_while_the_agent_works_is_handed_over_at_its_next_slice(tmp_path: Path) -> None:
    model = ConversationModel(turns=[*QUESTION_TURNS[:2], "Done.", "Answered the follow-up."])
    runner = quick_runner(tmp_path, model=model, turn_slice_max_steps=1)
    investigation_id = ask(runner)
    assert runner.run_one()  # intake
    assert runner.run_one()  # one step of turns
    status, _ = post(runner, f"/api/investigations/{investigation_id}/messages", {"message": "also the cache?"})
    assert status == 202
    drain(runner)
    state = load_state(runner.context.deps, investigation_id)
    assert state is not None
    assert (state.state.stage, state.state.follow_ups) == (Stage.DONE, ())
    session = runner.context.deps.blob_store.get(state.state.session_blob or "").data.decode()
    assert "also the cache?" in session


def test_compact_asked_for_by_a_person_runs_the_loops_compaction_then_the_session_goes_on(tmp_path: Path) -> None:
    conclusion = json.dumps({**CONCLUSION, "evidence": [], "hypotheses": []})
    model = ScriptedModel([
        call("write", {"path": "notes/plan.md", "content": "# Plan\n"}),
        call("write", {"path": "report/conclusion.json", "content": conclusion}),
        reply("Done."),
        reply("## Goal\nFind why checkout fails.\n## State\nConcluded: the coupon change."),
        reply("Still done: the coupon change."),
    ])  # fmt: skip
    runner = quick_runner(tmp_path, model=model)
    investigation_id = ask(runner)
    drain(runner)
    status, _ = post(runner, f"/api/investigations/{investigation_id}/messages", {"message": "/compact"})
    assert status == 202
    drain(runner)
    assert model.remaining == 0
    loaded = load_state(runner.context.deps, investigation_id)
    assert loaded is not None
    assert loaded.state.stage is Stage.DONE
    session = Session.from_json(runner.context.deps.blob_store.get(loaded.state.session_blob or "").data)
    assert session.context.compactions == 1
    assert session.final_answer == "Still done: the coupon change."
    assert any(path.endswith("compacted-1.md") for path in loaded.state.outputs)
