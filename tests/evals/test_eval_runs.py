"""`sre-agent eval`: scenarios investigated and scored into a scorecard, evidence-only and with a scripted model;
scorecards compared side by side; recorded reports scored against their reviewer; a recorded run replayed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from agentcore.cli import main
from agentcore.evals import (
    RecordingModelClient,
    ReplayModelClient,
    Scorecard,
    load_cases,
    read_scorecard,
    run_eval,
    write_scorecard,
)
from agentcore.models import ModelClient
from agentcore.pipeline.wiring import Dependencies, build_dependencies, override
from agentcore.review import Feedback, FeedbackRecord, Verdict
from agentcore.settings import Settings
from agentcore.testing import ScriptedModel, calls, reply

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
CHECKOUT = SCENARIOS / "checkout-bad-deploy"
COUNT_BY_TYPE = "AppExceptions | where AppRoleName == 'checkout-api' | summarize n = count() by ExceptionType"
CONCLUSION = {
    "title": "SPRING26 coupons crash checkout",
    "status": "completed",
    "summary": "Release 1.5.0 made campaign coupons without an end date raise TypeError.",
    "root_cause": {"statement": "b12894d builds campaign coupons with expires_at=None; _is_expired raises TypeError",
                   "category": "code-defect", "confidence": 0.9},
    "evidence": [
        {"claim": "TypeError is the new error", "source": {"kind": "log_query", "ref": COUNT_BY_TYPE},
         "excerpt": "TypeError 31"},
        {"claim": "expiry compares None", "source": {"kind": "file", "ref": "checkout/coupons.py:76"},
         "excerpt": "return coupon.expires_at < now"},
    ],
    "hypotheses": [{"statement": "the campaign coupon change", "status": "confirmed", "evidence": [0, 1]}],
    "mitigations": [{"action": "roll back to 1.4.0", "risk": "low", "automated": False}],
    "recommendation": {"auto_mitigate": False, "transfer_to": "checkout team", "reason": "code fix needed"},
    "signals": {"what_worked": "the new-error query", "what_was_hard": "nothing", "skill_gaps": [], "self_score": 4},
}  # fmt: skip
GRADE = '{"root_cause": 2, "mitigations": 2, "verdict": "correct", "reason": "same change and mechanism"}'
PARTLY = '{"root_cause": 1, "mitigations": 2, "verdict": "partly", "reason": "vague"}'


def agent_turns(runs: int) -> list[Any]:
    one = [calls([("write", {"path": "report/conclusion.json", "content": json.dumps(CONCLUSION)})]), reply("done")]
    return one * runs


def dependencies(tmp_path: Path, model: ModelClient | None) -> Dependencies:
    settings = Settings(data_dir=tmp_path / "data", sandbox="subprocess", model=None)
    with override(model=model):
        return build_dependencies(settings)


@pytest.fixture(scope="module")
def evidence_only_card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval-evidence-only")
    paths = [str(p) for p in sorted(SCENARIOS.iterdir())]
    assert main(["eval", *paths, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def scripted_card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval-scripted")
    deps = dependencies(out, ScriptedModel(agent_turns(2)))
    judge = ScriptedModel([reply(GRADE), reply(PARTLY), reply(GRADE)])
    card = run_eval(load_cases([CHECKOUT]), deps, judge=judge, runs=2)
    write_scorecard(card, out)
    return out


def test_evidence_only_eval_of_the_examples_writes_a_scorecard_with_every_scenario(evidence_only_card: Path) -> None:
    card = read_scorecard(evidence_only_card)
    assert card.mode == "evidence-only"
    assert sorted(c.name for c in card.cases) == sorted(
        p.name for p in SCENARIOS.iterdir() if (p / "truth.json").is_file()
    )
    assert card.aggregate.culprit_first == 1.0
    assert card.aggregate.reports_with_secrets == 0
    assert (evidence_only_card / "scorecard.md").read_text().startswith("# Evaluation scorecard: evidence-only")


def test_paths_that_are_not_cases_are_skipped_with_the_reason(evidence_only_card: Path) -> None:
    skipped = dict(read_scorecard(evidence_only_card).skipped)
    assert skipped[str(SCENARIOS / "README.md")] == "neither a scenario directory nor a report with feedback"
    assert skipped[str(SCENARIOS / "_sources")] == "not a scenario (no scenario.json)"


def test_evidence_only_reports_name_no_root_cause_so_nothing_is_calibrated(evidence_only_card: Path) -> None:
    card = read_scorecard(evidence_only_card)
    assert card.calibration.points == 0
    assert "nothing to calibrate" in (evidence_only_card / "scorecard.md").read_text()


def test_a_scripted_model_run_is_scored_right_with_its_evidence_reproduced(scripted_card: Path) -> None:
    card = read_scorecard(scripted_card)
    (case,) = card.cases
    assert [r.correct for r in case.runs] == [True, True]
    assert [r.category_ok for r in case.runs] == [True, True]
    checks = case.runs[0].evidence[:2]
    assert [c.verdict for c in checks] == ["reproduced", "reproduced"]


def test_the_confidence_in_the_scorecard_is_the_one_the_evidence_supports(scripted_card: Path) -> None:
    card = read_scorecard(scripted_card)
    assert [r.confidence for r in card.cases[0].runs] == [0.75, 0.75]
    assert card.calibration.points == 2
    assert card.calibration.brier == 0.0625


def test_the_judges_consistency_comes_from_grading_the_first_report_once_per_run(scripted_card: Path) -> None:
    card = read_scorecard(scripted_card)
    first, second = card.cases[0].runs
    assert first.judge is not None
    assert second.judge is not None
    assert (first.judge.verdict, first.judge.agreement) == ("correct", 0.5)
    assert (second.judge.verdict, second.judge.agreement) == ("correct", None)
    assert card.aggregate.judge_agreement == 0.5


def test_compare_shows_two_scorecards_side_by_side_per_case(
    evidence_only_card: Path, scripted_card: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--compare", str(evidence_only_card), str(scripted_card)]) == 0
    shown = capsys.readouterr().out
    assert "(evidence-only) vs" in shown
    assert "| culprit ranked first | 100% | 100% | +0 pt |" in shown
    checkout = next(line for line in shown.splitlines() if line.startswith("| checkout-bad-deploy |"))
    assert "first 1/1, no root cause" in checkout
    assert "first 2/2, right 2/2" in checkout
    payments = next(line for line in shown.splitlines() if line.startswith("| payments-new-exception |"))
    assert payments.endswith("| absent |")


def test_a_recorded_report_is_scored_against_its_reviewers_verdict(evidence_only_card: Path, tmp_path: Path) -> None:
    reports = (p for p in (evidence_only_card / "data").rglob("*.json") if "reports" in p.parts)  # each run's store
    report = next(p for p in reports if json.loads(p.read_text())["trigger"]["ref"] == "checkout-bad-deploy")
    recorded = tmp_path / report.name
    recorded.write_bytes(report.read_bytes())
    feedback = Feedback(verdict=Verdict.WRONG, human_root_cause="the campaign end date was missing",
                        culprit={"repo": "checkout", "commit": "b12894d2a204"}, by="alice",
                        at="2026-03-02T15:00:00Z")  # type: ignore[arg-type]  # fmt: skip
    record = FeedbackRecord(investigation_id=report.stem, report_blob="reports/x.json", versions=(feedback,))
    recorded.with_name(report.stem + ".feedback.json").write_text(record.model_dump_json())
    card = run_eval(load_cases([recorded]), dependencies(tmp_path, None))
    (case,) = card.cases
    assert case.kind == "recorded"
    assert case.runs[0].culprit_rank == 1
    assert case.runs[0].correct is None, "it named no root cause"
    assert {c.verdict for c in case.runs[0].evidence} == {"unchecked"}


def test_a_recorded_model_run_replays_offline_to_the_same_scores(tmp_path: Path) -> None:
    cassette = tmp_path / "cassette.jsonl"
    recording = RecordingModelClient(ScriptedModel([*agent_turns(1), reply(GRADE)]), cassette)
    deps = dependencies(tmp_path / "recorded", None)
    recorded = run_eval(load_cases([CHECKOUT]), replace(deps, model=recording), judge=recording)
    replay = ReplayModelClient(cassette)
    replayed = run_eval(load_cases([CHECKOUT]), replace(deps, model=replay), judge=replay)
    assert _scores(replayed) == _scores(recorded)
    assert replay.calls == 3


def _scores(card: Scorecard) -> list[tuple[object, ...]]:
    return [(r.status, r.culprit_rank, r.correct, r.confidence, r.judge.verdict if r.judge else None)
            for c in card.cases for r in c.runs]  # fmt: skip


def test_a_scripted_model_eval_of_every_example_separates_right_from_wrong_in_the_calibration(
    tmp_path: Path,
) -> None:
    loaded = load_cases(sorted(SCENARIOS.iterdir()))
    deps = dependencies(tmp_path, ScriptedModel(agent_turns(len(loaded.cases))))
    card = run_eval(loaded, deps)
    right = {c.name: c.runs[0].correct for c in card.cases}
    assert right.pop("checkout-bad-deploy") is True
    assert set(right.values()) == {False}, "the checkout conclusion is wrong for every other incident"
    assert card.calibration.points == len(loaded.cases)
    assert card.calibration.brier == round((0.25**2 + 3 * 0.75**2) / 4, 4)
