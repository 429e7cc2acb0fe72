"""`spawn`: independent hypotheses run as parallel child sessions with bounded, merged results."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from agentcore.agent.loop import AgentRuntime, run_session
from agentcore.agent.session import ChildRecord, Session, SessionStatus
from agentcore.agent.spawn import (
    RESULT_CHAR_LIMIT,
    Hypothesis,
    SpawnTool,
    parse_subagent_result,
    thread_fan_out,
)
from agentcore.models import Message, ModelRequest, ModelResponse, SystemBlock
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.testing import FakeClock, ScriptedModel, call, reply
from agentcore.tools import Toolbox


def child_answer(verdict: str, answer: str, **extra: Any) -> str:
    return "```json\n" + json.dumps({"verdict": verdict, "answer": answer, "confidence": 0.8, **extra}) + "\n```"


def make_child_runner(answers: dict[str, str], barrier: threading.Barrier | None = None) -> Any:
    def run_child(hypothesis: Hypothesis, index: int) -> Session:
        def answer(request: ModelRequest) -> ModelResponse:
            if barrier is not None:
                barrier.wait(timeout=5)  # only passes if the siblings run at the same time
            return reply(answers[hypothesis.statement])

        child = Session(
            id=f"child-{index}",
            investigation_id="inv1",
            parent_id="parent",
            system=(SystemBlock(text="subagent"),),
            messages=[Message(role="user", content=hypothesis.statement)],
        )
        return run_session(child, AgentRuntime(model=ScriptedModel([answer]), toolbox=Toolbox([]), clock=FakeClock()))

    return run_child


def test_hypotheses_run_in_parallel_and_their_results_come_back_in_order(tmp_path: Path) -> None:
    answers = {
        "the deploy broke coupons": child_answer("confirmed", "coupons.py raises on null expiry"),
        "the database is slow": child_answer("refuted", "p95 latency is flat"),
    }
    tool = SpawnTool(
        make_child_runner(answers, threading.Barrier(2)), LocalWorkspaceFiles(tmp_path), fan_out=thread_fan_out(4)
    )
    result = tool.run({"hypotheses": [{"statement": s} for s in answers]})
    payload = json.loads(result.content)
    assert [r["verdict"] for r in payload] == ["confirmed", "refuted"]
    assert payload[0]["answer"] == "coupons.py raises on null expiry"


def test_results_are_merged_into_notes_findings(tmp_path: Path) -> None:
    answers = {"h1": child_answer("confirmed", "yes", findings=[{"claim": "x", "evidence": "repos/a.py:3"}])}
    tool = SpawnTool(make_child_runner(answers), LocalWorkspaceFiles(tmp_path), fan_out=thread_fan_out(4))
    tool.run({"hypotheses": [{"statement": "h1"}]})
    tool.run({"hypotheses": [{"statement": "h1"}]})
    findings = (tmp_path / "notes" / "findings.md").read_text()
    assert findings.count("## h1") == 2
    assert "finding: x — evidence: repos/a.py:3" in findings


def test_a_child_that_answers_in_prose_is_inconclusive_with_its_words_kept(tmp_path: Path) -> None:
    tool = SpawnTool(
        make_child_runner({"h": "I could not tell."}), LocalWorkspaceFiles(tmp_path), fan_out=thread_fan_out(1)
    )
    payload = json.loads(tool.run({"hypotheses": [{"statement": "h"}]}).content)
    assert payload[0]["verdict"] == "inconclusive"
    assert payload[0]["answer"] == "I could not tell."


def test_a_long_child_result_is_cut_to_the_limit() -> None:
    child = Session(
        id="c",
        investigation_id="i",
        system=(),
        status=SessionStatus.COMPLETED,
        final_answer=child_answer("confirmed", "a" * 20_000, findings=[{"claim": "b" * 500}] * 40),
    )
    result = parse_subagent_result(Hypothesis(statement="h"), child)
    assert len(result.model_dump_json()) <= RESULT_CHAR_LIMIT
    assert result.verdict == "confirmed"


def test_more_hypotheses_than_allowed_is_an_error_for_the_model(tmp_path: Path) -> None:
    tool = SpawnTool(make_child_runner({}), LocalWorkspaceFiles(tmp_path), fan_out=thread_fan_out(4), max_hypotheses=2)
    toolbox = Toolbox([tool])
    result = toolbox.dispatch(
        call("spawn", {"hypotheses": [{"statement": str(i)} for i in range(3)]}).message.tool_calls[0]
    )
    assert result.is_error
    assert "at most 2 hypotheses" in result.content


def test_a_parent_counts_its_childrens_usage(tmp_path: Path) -> None:
    parent = Session(id="parent", investigation_id="inv1", system=(), messages=[Message(role="user", content="go")])

    def keep(hypothesis: Hypothesis, child: Session) -> None:
        parent.children.append(
            ChildRecord(
                session_id=child.id,
                hypothesis=hypothesis.statement,
                status=child.status,
                usage=child.usage,
                model_calls=child.model_calls,
                cost_usd=child.cost_usd,
            )
        )

    answers = {"a": child_answer("refuted", "no"), "b": child_answer("confirmed", "yes")}
    spawn = SpawnTool(
        make_child_runner(answers), LocalWorkspaceFiles(tmp_path), fan_out=thread_fan_out(2), on_child_finished=keep
    )
    model = ScriptedModel([call("spawn", {"hypotheses": [{"statement": "a"}, {"statement": "b"}]}), reply("merged")])
    run_session(parent, AgentRuntime(model=model, toolbox=Toolbox([spawn]), clock=FakeClock()))
    assert parent.status is SessionStatus.COMPLETED
    assert parent.total_model_calls == 4
    assert parent.total_usage.input_tokens == 400
