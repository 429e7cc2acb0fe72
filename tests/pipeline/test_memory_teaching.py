"""Teaching by follow-up: "remember …" reaches the agent with memory's rules, its write is merged into the
store, and the next investigation sees it; without a model, the API says teaching needs the agent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcore.cli import main
from agentcore.memory import MemoryStore
from agentcore.pipeline.api import dispatch
from agentcore.pipeline.memory_teach import NEEDS_AGENT, teaching_message
from agentcore.pipeline.wiring import override
from tests.pipeline.pipeline_harness import QUESTION_TURNS, ConversationModel, ask, drain, quick_runner
from tests.pipeline.test_memory_across_investigations import TEAM_NOTE, RecordingModel

TAUGHT = "remember that checkout on-call is the Aurora team"


def follow_up(runner: object, investigation_id: str, text: str) -> tuple[int, dict[str, object]]:
    body = json.dumps({"message": text}).encode()
    answer = dispatch(runner.context, "POST", f"/api/investigations/{investigation_id}/messages", body=body)  # type: ignore[attr-defined]
    return answer.status, json.loads(answer.body)


def test_a_remember_follow_up_is_written_to_memory_and_reaches_the_next_investigation(tmp_path: Path) -> None:
    writes = ("write", {"path": "memory/services/checkout/team.md", "content": TEAM_NOTE})
    runner = quick_runner(tmp_path, model=ConversationModel(turns=[*QUESTION_TURNS, writes, "Noted."]))
    investigation_id = ask(runner)
    drain(runner)
    assert follow_up(runner, investigation_id, TAUGHT)[0] == 202
    drain(runner)
    session = runner.context.deps.blob_store.get(f"investigations/{investigation_id}/state.json").data.decode()
    assert json.loads(session)["stage"] == "done"
    stored = MemoryStore(runner.context.deps.blob_store).read("services/checkout/team.md")
    assert stored is not None
    assert "The Aurora team owns checkout." in stored.text
    recording = RecordingModel(list(QUESTION_TURNS))
    second = quick_runner(tmp_path, model=recording)
    ask(second)
    drain(second)
    assert "services/checkout/team.md: checkout on-call: the Aurora team" in recording.first_request_text()


def test_the_agent_gets_a_teaching_follow_up_with_the_rules_of_memory() -> None:
    message = teaching_message(TAUGHT)
    assert message.startswith(f'The user is teaching the team\'s memory: "{TAUGHT}"')
    assert "front matter" in message
    assert "Never store a secret" in message
    assert teaching_message("and the database?") == "and the database?"


def test_teaching_an_evidence_only_investigation_is_refused_with_the_reason(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    investigation_id = ask(runner)
    drain(runner)
    status, body = follow_up(runner, investigation_id, "forget the old gateway runbook")
    assert (status, body["error"]) == (409, NEEDS_AGENT)


def test_teaching_from_the_cli_runs_the_follow_up_and_lists_the_files_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writes = ("write", {"path": "memory/services/checkout/team.md", "content": TEAM_NOTE})
    model = ConversationModel(turns=[*QUESTION_TURNS, writes, "Noted."])
    runner = quick_runner(tmp_path, model=model)
    investigation_id = ask(runner)
    drain(runner)
    with override(model=model):
        code = main(
            ["memory", "--data-dir", str(tmp_path), "teach", investigation_id, TAUGHT, "--sandbox", "subprocess"]
        )
    out = capsys.readouterr()
    assert code == 0
    assert "services/checkout/team.md" in out.out.splitlines()
    assert f"investigation {investigation_id} is done" in out.err


def test_teaching_from_the_cli_without_a_model_says_it_needs_the_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = quick_runner(tmp_path)
    investigation_id = ask(runner)
    drain(runner)
    assert main(["memory", "--data-dir", str(tmp_path), "teach", investigation_id, "forget the gateway"]) == 2
    assert "no model is configured for this investigation" in capsys.readouterr().err
