"""Runs an evaluation: each case (investigated, or as recorded) scored, then the scorecard.

`run_eval(cases, deps, judge=..., runs=N)` investigates each scenario case N times on the local runner with
`deps` (its model, or none: evidence-only), scores every report with the deterministic checks and, when a
judge model is given, the judge; a recorded case is scored as it was recorded. The judge grades the first
report of a case N times, which measures its own consistency, and each later report once.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from agentcore.errors import AgentCoreError
from agentcore.evals.cases import EvalCase, LoadedCases
from agentcore.evals.checks import TOP_N, category_matches, culprit_rank, root_cause_correct, secrets_in
from agentcore.evals.judge import JudgeResult, judge_report
from agentcore.evals.reproduce import check_evidence
from agentcore.evals.scorecard import CaseScore, JudgeScore, RunScore, Scorecard, aggregate, calibration
from agentcore.models import ModelClient, Usage
from agentcore.models.pricing import estimate_cost_usd
from agentcore.pipeline import InvestigationRequest, run_investigation
from agentcore.pipeline.wiring import Dependencies
from agentcore.reports import Report, Trigger
from agentcore.storage.local import LocalBlobStore

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, RunScore], None]


def run_eval(
    loaded: LoadedCases,
    deps: Dependencies,
    *,
    judge: ModelClient | None = None,
    runs: int = 1,
    on_run: Progress | None = None,
) -> Scorecard:
    """Evaluate every case of `loaded` and return the scorecard (write it with `render.write_scorecard`)."""
    runs = max(1, runs)
    scored = []
    for case in loaded.cases:
        case_runs = []
        for number in range(1 if case.kind == "recorded" else runs):
            judge_runs = runs if number == 0 else 1
            score = _one_run(case, number, deps, judge, judge_runs)
            case_runs.append(score)
            if on_run is not None:
                on_run(case.name, number, score)
        scored.append(CaseScore(name=case.name, kind=case.kind, path=str(case.path), runs=tuple(case_runs)))
    cases = tuple(scored)
    mode = f"{deps.model.provider}:{deps.model.model}" if deps.model is not None else "evidence-only"
    return Scorecard(
        created_at=datetime.now(UTC),
        mode=mode,
        judge=f"{judge.provider}:{judge.model}" if judge is not None else None,
        runs_per_case=runs,
        cases=cases,
        skipped=loaded.skipped,
        aggregate=aggregate(cases),
        calibration=calibration(cases),
    )


def _one_run(case: EvalCase, number: int, deps: Dependencies, judge: ModelClient | None, judge_runs: int) -> RunScore:
    started = time.monotonic()
    if case.recorded is not None:
        report: Report = case.recorded
    else:
        assert case.scenario is not None
        request = InvestigationRequest(trigger=Trigger(kind="cli", ref=case.scenario.name), scenario=case.scenario)
        try:
            report = run_investigation(request, _isolated(deps, case, number)).report
        except AgentCoreError as e:
            logger.warning("eval case %s run %d failed: %s", case.name, number, e)
            return _failed(number, f"{type(e).__name__}: {e}", time.monotonic() - started)
    recorded_wall = (report.finished_at - report.started_at).total_seconds()
    wall = time.monotonic() - started if case.recorded is None else recorded_wall
    return score_report(case, number, report, judge=judge, judge_runs=judge_runs, wall_time_s=wall)


def _isolated(deps: Dependencies, case: EvalCase, number: int) -> Dependencies:
    """The run's own blob store: investigations learn (memory, insight notes), and a run that saw an earlier
    run's notes, which name the root cause, would not be scored independently of it."""
    run_id = uuid.uuid4().hex[:8]
    folder = deps.settings.data_dir / "eval-runs" / f"{case.name}-{number}-{run_id}" / "blobs"
    return replace(deps, blob_store=LocalBlobStore(folder))


def score_report(
    case: EvalCase, number: int, report: Report, *, judge: ModelClient | None, judge_runs: int, wall_time_s: float
) -> RunScore:
    """Every check of one report against its case; the judge's tokens count with the run's."""
    expected = case.expected
    rank = culprit_rank(report, expected.culprit) if expected.culprit else None
    known = expected.culprit is not None
    result, error = _judged(judge, report, case, judge_runs)
    usage = report.usage
    extra = result.usage if result is not None else None
    return RunScore(
        run=number,
        report_id=report.id,
        status=report.status,
        mode=report.mode,
        culprit_rank=rank,
        culprit_first=rank == 1 if known else None,
        culprit_top3=(rank is not None and rank <= TOP_N) if known else None,
        category_ok=category_matches(report, expected),
        correct=root_cause_correct(report, expected),
        confidence=report.root_cause.confidence if report.root_cause else None,
        evidence=check_evidence(report, case.scenario),
        secrets=secrets_in(report),
        judge=_judge_score(result) if result is not None else None,
        error=error,
        cost_usd=round(usage.cost_usd + _judge_cost(judge, extra), 6),
        input_tokens=usage.input_tokens + (extra.input_tokens if extra else 0),
        output_tokens=usage.output_tokens + (extra.output_tokens if extra else 0),
        wall_time_s=round(wall_time_s, 3),
    )


def _judged(
    judge: ModelClient | None, report: Report, case: EvalCase, runs: int
) -> tuple[JudgeResult | None, str | None]:
    if judge is None or not case.expected.root_cause.strip():
        return None, None
    try:
        return judge_report(judge, report, case.expected, runs=runs), None
    except AgentCoreError as e:
        return None, f"judge: {type(e).__name__}: {e}"


def _judge_score(result: JudgeResult) -> JudgeScore:
    grades = result.grades
    return JudgeScore(
        verdict=result.verdict,
        root_cause=_mean([g.root_cause for g in grades]),
        mitigations=_mean([g.mitigations for g in grades]),
        agreement=None if result.agreement is None else round(result.agreement, 4),
        unparsed=result.unparsed,
    )


def _judge_cost(judge: ModelClient | None, usage: Usage | None) -> float:
    """The judge's estimated spend (0 when its price is unknown, as the ledger counts it)."""
    if judge is None or usage is None:
        return 0.0
    return estimate_cost_usd(judge.model, usage) or 0.0


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _failed(number: int, error: str, wall_time_s: float) -> RunScore:
    return RunScore(
        run=number, report_id="", status="failed", mode="", culprit_rank=None, culprit_first=None,
        culprit_top3=None, category_ok=None, correct=None, confidence=None, error=error,
        wall_time_s=round(wall_time_s, 3),
    )  # fmt: skip


__all__ = ["Progress", "run_eval", "score_report"]
