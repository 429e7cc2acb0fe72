"""Evaluation cases: a scenario directory with `truth.json`, or a recorded report with a human verdict.

A recorded case is a stored report (`reports/<yyyy>/<mm>/<dd>/<id>.json`) with its feedback beside it
(`<id>.feedback.json`, `agentcore.review.feedback`); the human's latest version is what it is scored against.
Paths that are neither (a README, a generator script, a scenario without truth) are skipped, with the reason,
so that `sre-agent eval examples/scenarios/*` takes the glob as it comes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from agentcore.errors import UserInputError
from agentcore.reports import Report, report_from_json
from agentcore.review import FeedbackRecord
from agentcore.scenarios import Scenario, load_scenario

_FEEDBACK = ".feedback.json"


class ExpectedCulprit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    repo: str
    commit: str


class Expected(BaseModel):
    """What a case should conclude: the truth of a scenario, or a reviewer's verdict on a recorded report."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    root_cause: str
    category: str | None = None
    """None when the source does not say (a reviewer's feedback has no category)."""
    culprit: ExpectedCulprit | None = None
    notes: str = ""
    human_verdict: str | None = None
    """A recorded case's verdict on the recorded report (`correct`, `partly`, `wrong`, `inconclusive-was-right`)."""


class EvalCase(BaseModel):
    """One case: a scenario to investigate, or a recorded report to score as it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: Literal["scenario", "recorded"]
    path: Path
    expected: Expected
    scenario: Scenario | None = None
    recorded: Report | None = None


class LoadedCases(BaseModel):
    model_config = ConfigDict(frozen=True)

    cases: tuple[EvalCase, ...]
    skipped: tuple[tuple[str, str], ...]
    """(path, why) of each path that is not a case."""


def load_cases(paths: list[Path]) -> LoadedCases:
    """The cases among `paths`, in order; a malformed scenario or feedback raises UserInputError naming it."""
    cases: list[EvalCase] = []
    skipped: list[tuple[str, str]] = []
    for path in paths:
        case, why = _case_at(path)
        if case is not None:
            cases.append(case)
        else:
            skipped.append((str(path), why))
    return LoadedCases(cases=tuple(cases), skipped=tuple(skipped))


def _case_at(path: Path) -> tuple[EvalCase | None, str]:
    if path.is_dir():
        if not (path / "scenario.json").is_file():
            return None, "not a scenario (no scenario.json)"
        scenario = load_scenario(path)
        if scenario.truth is None:
            return None, "a scenario without truth.json cannot be scored"
        truth = scenario.truth
        culprit = ExpectedCulprit(repo=truth.culprit.repo, commit=truth.culprit.commit) if truth.culprit else None
        expected = Expected(root_cause=truth.root_cause, category=truth.category, culprit=culprit, notes=truth.notes)
        return EvalCase(name=scenario.name, kind="scenario", path=path, expected=expected, scenario=scenario), ""
    if path.is_file() and path.name.endswith(".json") and not path.name.endswith(_FEEDBACK):
        feedback = path.with_name(path.name.removesuffix(".json") + _FEEDBACK)
        if not feedback.is_file():
            return None, f"a report without feedback ({feedback.name}) has no verdict to score against"
        return _recorded_case(path, feedback), ""
    return None, "neither a scenario directory nor a report with feedback"


def _recorded_case(path: Path, feedback_path: Path) -> EvalCase:
    try:
        report = report_from_json(path.read_bytes())
        record = FeedbackRecord.model_validate_json(feedback_path.read_bytes())
    except (OSError, ValidationError) as e:
        raise UserInputError(f"{path}: not a report with valid feedback: {str(e).splitlines()[0]}") from e
    latest = record.latest
    culprit = ExpectedCulprit(repo=latest.culprit.repo, commit=latest.culprit.commit) if latest.culprit else None
    expected = Expected(
        root_cause=latest.human_root_cause, culprit=culprit, notes=latest.notes, human_verdict=latest.verdict.value
    )
    return EvalCase(name=report.id, kind="recorded", path=path, expected=expected, recorded=report)


__all__ = ["EvalCase", "Expected", "ExpectedCulprit", "LoadedCases", "load_cases"]
