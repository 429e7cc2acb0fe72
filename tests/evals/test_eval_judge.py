"""The LLM judge: a fixed rubric as a byte-stable system prompt, grades parsed, its consistency measured."""

from __future__ import annotations

from datetime import UTC, datetime

from agentcore.evals.cases import Expected
from agentcore.evals.judge import judge_report, judge_request, parse_grade
from agentcore.reports import Mitigation, Recommendation, Report, RootCause, Trigger
from agentcore.testing import ScriptedModel, reply

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
EXPECTED = Expected(root_cause="campaign coupons without an end date crash checkout", category="code-defect")
REPORT = Report(
    id="inv-1", title="t", status="completed", mode="agent", trigger=Trigger(kind="cli", ref="x"),
    started_at=NOW, finished_at=NOW, summary="s",
    root_cause=RootCause(statement="expires_at is None for open campaigns", category="code-defect", confidence=0.8),
    mitigations=(Mitigation(action="roll back to 1.4.0", risk="low", automated=False),),
    recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="r"),
)  # fmt: skip


def grade(verdict: str, root_cause: int = 2) -> str:
    return f'Here it is: {{"root_cause": {root_cause}, "mitigations": 2, "verdict": "{verdict}", "reason": "r"}}'


def test_the_rubric_is_the_system_prompt_and_the_same_for_every_report() -> None:
    other = REPORT.model_copy(update={"summary": "something else"})
    first, second = judge_request(REPORT, EXPECTED), judge_request(other, EXPECTED)
    assert first.system == second.system
    assert "Rubric (fixed)" in first.system[0].text
    assert "roll back to 1.4.0" in first.messages[0].content
    assert "campaign coupons without an end date" in first.messages[0].content


def test_a_grade_is_read_from_the_json_object_in_the_answer() -> None:
    parsed = parse_grade(grade("partly", root_cause=1))
    assert parsed is not None
    assert (parsed.verdict, parsed.root_cause) == ("partly", 1)


def test_an_answer_off_the_rubric_is_no_grade() -> None:
    assert parse_grade('{"root_cause": 3, "mitigations": 2, "verdict": "great"}') is None
    assert parse_grade("I think it is correct.") is None


def test_the_judges_consistency_is_the_share_of_runs_agreeing_with_its_usual_verdict() -> None:
    judge = ScriptedModel([reply(grade("correct")), reply(grade("correct")), reply(grade("partly", 1))])
    result = judge_report(judge, REPORT, EXPECTED, runs=3)
    assert result.verdict == "correct"
    assert result.agreement == 2 / 3
    assert len(judge.requests) == 3


def test_an_unparsed_answer_counts_against_the_judges_consistency() -> None:
    judge = ScriptedModel([reply(grade("wrong", 0)), reply("no idea")])
    result = judge_report(judge, REPORT, EXPECTED, runs=2)
    assert (result.verdict, result.unparsed, result.agreement) == ("wrong", 1, 0.5)
