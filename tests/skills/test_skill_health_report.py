"""The daily skill-health report, built from several scripted investigations and reviewers' verdicts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentcore.pipeline.clustering import run_daily_clustering
from agentcore.reports import report_location
from agentcore.review.feedback import Feedback, Verdict, record_feedback
from agentcore.skills import SkillHealth, SkillHealthReport, build_skill_health, skill_health_names
from agentcore.storage import BlobStore
from agentcore.storage.local import LocalBlobStore
from tests.skills.skills_harness import conclusion, investigate, runner_at, skill_turns

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NOW = START + timedelta(days=6, hours=8)
KQL, BISECT = "kql-investigation", "deployment-regression-bisect"


@dataclass(frozen=True)
class Run:
    day: int
    skill: str | None
    score: int
    confidence: float
    hard: str = "nothing"
    fell_short: str = ""
    verdict: Verdict | None = None


RUNS = [
    Run(-20, KQL, 1, 0.5, hard="Too old to count"),
    Run(0, KQL, 5, 0.9, verdict=Verdict.CORRECT),
    Run(0, BISECT, 4, 0.8),
    Run(1, KQL, 5, 0.9, verdict=Verdict.CORRECT),
    Run(2, KQL, 3, 0.9, hard="Slow queries!", fell_short="no query for JSON Properties", verdict=Verdict.WRONG),
    Run(2, BISECT, 4, 0.7),
    Run(3, KQL, 2, 0.8, hard="slow   queries", fell_short="No query for JSON properties.", verdict=Verdict.WRONG),
    Run(4, None, 4, 0.6),
]


def written(run: Run) -> dict[str, Any]:
    notes = [] if run.skill is None else [{"name": run.skill, "helped": not run.fell_short, "note": run.fell_short}]
    signals = {"what_worked": "triage", "what_was_hard": run.hard, "skill_gaps": [], "self_score": run.score,
               "confidence": run.confidence, "skills": notes}  # fmt: skip
    return conclusion(signals=signals)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The runs above investigated in order, reviewers' verdicts recorded on four of them."""
    root = tmp_path_factory.mktemp("skill-health")
    for run in RUNS:
        started = START + timedelta(days=run.day)
        report = investigate(root, started, skill_turns(run.skill or KQL, written(run)))
        if run.verdict is not None:
            feedback = Feedback(verdict=run.verdict, by="oncall", at=started + timedelta(hours=2))
            record_feedback(store_of(root), report.id, report_location(report).json_name, feedback, based_on=0)
    return root


def store_of(data_dir: Path) -> BlobStore:
    return runner_at(data_dir, NOW).context.deps.blob_store


@pytest.fixture(scope="module")
def health(data_dir: Path) -> SkillHealthReport:
    return build_skill_health(store_of(data_dir), now=NOW, window_days=14)


def skill(report: SkillHealthReport, name: str) -> SkillHealth:
    return next(s for s in report.skills if s.name == name)


def test_runs_outside_the_window_are_left_out(health: SkillHealthReport) -> None:
    assert health.runs == 7
    assert health.window_start == datetime(2026, 2, 23, tzinfo=UTC)


def test_each_skill_has_its_runs_and_mean_self_score(health: SkillHealthReport) -> None:
    assert (skill(health, KQL).runs, skill(health, KQL).mean_self_score) == (4, 3.75)
    assert (skill(health, BISECT).runs, skill(health, BISECT).mean_self_score) == (2, 4.0)


def test_runs_that_noted_no_skill_form_their_own_bucket(health: SkillHealthReport) -> None:
    assert [s.name for s in health.skills] == ["(no skill)", BISECT, KQL]
    assert skill(health, "(no skill)").runs == 1


def test_difficulties_that_recur_after_normalizing_are_counted(health: SkillHealthReport) -> None:
    kql = skill(health, KQL)
    assert kql.fell_short == 2
    assert [(d.text, d.runs) for d in kql.recurring_difficulties] == [
        ("no query for json properties", 2),
        ("nothing", 2),
        ("slow queries", 2),
    ]


def test_confidence_is_compared_with_the_reviewers_verdicts(health: SkillHealthReport) -> None:
    kql = skill(health, KQL)
    assert kql.reviewed_runs == 4
    assert kql.confidence_agreement == pytest.approx(1 - (0.1 + 0.1 + 0.9 + 0.8) / 4)
    assert skill(health, BISECT).confidence_agreement is None


def test_a_skill_whose_recent_half_scores_lower_and_agrees_less_is_flagged(health: SkillHealthReport) -> None:
    kql = skill(health, KQL)
    assert kql.degraded
    assert (kql.earlier_mean_self_score, kql.recent_mean_self_score) == (5.0, 2.5)
    assert kql.degradation_reasons == (
        "mean self-score fell from 5.00 to 2.50",
        "agreement with reviewers fell from 0.90 to 0.15",
    )


def test_a_skill_with_too_few_runs_for_a_trend_is_not_flagged(health: SkillHealthReport) -> None:
    assert not skill(health, BISECT).degraded


def test_the_daily_job_stores_the_report_as_json_and_markdown(data_dir: Path) -> None:
    deps = runner_at(data_dir, NOW).context.deps
    record = json.loads(deps.blob_store.get(run_daily_clustering(deps)).data)
    json_name, markdown_name = skill_health_names(NOW)
    assert record["skill_health"] == json_name == "skill-health/2026/03/08.json"
    stored = SkillHealthReport.model_validate_json(deps.blob_store.get(json_name).data)
    assert stored == build_skill_health(deps.blob_store, now=NOW, window_days=14)
    markdown = deps.blob_store.get(markdown_name).data.decode()
    assert "| kql-investigation | 4 | 3.75 | 2 | 4 | 0.53 | mean self-score fell from 5.00 to 2.50;" in markdown


def test_an_unreadable_report_or_feedback_blob_does_not_stop_the_job(data_dir: Path, tmp_path: Path) -> None:
    source = store_of(data_dir)
    day = f"reports/{START + timedelta(days=1):%Y/%m/%d}/"
    [good] = [n for n in source.list(day) if n.endswith(".json") and not n.endswith(".feedback.json")]
    store = LocalBlobStore(tmp_path / "blobs")
    store.put(good, source.get(good).data)
    store.put(good.removesuffix(".json") + ".feedback.json", b"{not json")
    store.put(f"{day}inv-broken.json", b'{"id": "inv-broken"}')
    report = build_skill_health(store, now=NOW, window_days=14)
    assert report.runs == 1
    assert (skill(report, KQL).runs, skill(report, KQL).reviewed_runs) == (1, 0)
