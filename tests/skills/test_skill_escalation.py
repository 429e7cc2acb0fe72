"""A skill's stop-and-escalate condition ends the run inconclusive, transferred; signals are required."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.reports import render_markdown
from agentcore.reports.conclusion import Conclusion, conclusion_problem
from agentcore.telemetry.signals import read_agent_signals
from tests.context.context_helpers import FilesOnlySandbox
from tests.skills.skills_harness import conclusion, investigate, skill_turns

DAY = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
ESCALATION = {
    "skill": "llm-api-errors",
    "condition": "5xx from every caller of the endpoint at once, no change of ours before the onset",
    "transfer_to": "ai-platform team",
}
ESCALATED = conclusion(
    status="inconclusive",
    root_cause=None,
    culprit=None,
    escalation=ESCALATION,
    recommendation={"auto_mitigate": False, "transfer_to": None, "reason": "provider incident"},
    signals={"what_worked": "status split", "what_was_hard": "no provider status page", "self_score": 3,
             "confidence": 0.4, "skills": [{"name": "llm-api-errors", "helped": True}]},
)  # fmt: skip


def test_an_escalated_run_ends_inconclusive_and_transferred_to_the_skills_team(tmp_path: Path) -> None:
    report = investigate(tmp_path, DAY, skill_turns("llm-api-errors", ESCALATED))
    assert report.status == "inconclusive"
    assert report.recommendation.transfer_to == "ai-platform team"
    assert report.escalation is not None
    assert (report.escalation.skill, report.escalation.transfer_to) == ("llm-api-errors", "ai-platform team")


def test_the_signals_are_stored_in_the_report_and_emitted_as_one_telemetry_record(tmp_path: Path) -> None:
    report = investigate(tmp_path, DAY, skill_turns("llm-api-errors", ESCALATED))
    assert report.signals is not None
    assert (report.signals.self_score, report.signals.confidence) == (3, 0.4)
    [record] = read_agent_signals(tmp_path / "telemetry")
    assert record.investigation_id == report.id
    assert (record.skills_helped, record.escalated_by) == (("llm-api-errors",), "llm-api-errors")


def write_conclusion(workspace: Path, content: dict[str, object]) -> None:
    (workspace / "report" / "conclusion.json").write_text(json.dumps(content))


def test_a_conclusion_without_signals_is_refused(workspace: Path) -> None:
    write_conclusion(workspace, {k: v for k, v in conclusion().items() if k != "signals"})
    problem = conclusion_problem(FilesOnlySandbox(workspace))
    assert problem is not None
    assert "signals: Field required" in problem


def test_an_escalation_on_a_completed_run_is_refused(workspace: Path) -> None:
    (workspace / "skills" / "llm-api-errors").mkdir()
    (workspace / "skills" / "llm-api-errors" / "SKILL.md").write_text("---\nname: llm-api-errors\n---\n")
    write_conclusion(workspace, {**ESCALATED, "status": "completed"})
    problem = conclusion_problem(FilesOnlySandbox(workspace))
    assert problem is not None
    assert "an escalation ends the run inconclusive" in problem


def test_an_escalation_must_name_a_skill_of_the_workspace(workspace: Path) -> None:
    write_conclusion(workspace, ESCALATED)
    problem = conclusion_problem(FilesOnlySandbox(workspace))
    assert problem == (
        "report/conclusion.json: escalation.skill names 'llm-api-errors', but there is no "
        "skills/llm-api-errors/SKILL.md."
    )


def test_a_transfer_the_agent_named_itself_is_kept() -> None:
    named = {**ESCALATED, "recommendation": {"auto_mitigate": False, "transfer_to": "sre", "reason": "r"}}
    assert Conclusion.model_validate(named).recommendation.transfer_to == "sre"


@pytest.mark.parametrize("confidence", [-0.1, 1.5])
def test_a_confidence_outside_zero_to_one_is_refused(confidence: float) -> None:
    signals = {"what_worked": "a", "what_was_hard": "b", "self_score": 3, "confidence": confidence}
    with pytest.raises(ValueError, match="confidence"):
        Conclusion.model_validate(conclusion(signals=signals))


def test_the_markdown_report_names_the_escalating_skill_and_the_agents_confidence(tmp_path: Path) -> None:
    markdown = render_markdown(investigate(tmp_path, DAY, skill_turns("llm-api-errors", ESCALATED)))
    assert f"**Escalated by skill `llm-api-errors`:** {ESCALATION['condition']}" in markdown
    assert "**Confidence:** 0.40" in markdown
    assert "**Skill `llm-api-errors`:** helped" in markdown
