"""The scorecard: every run of every case, the aggregate, calibration; as JSON and as Markdown.

`scorecard.json` is the model below (what `--compare` reads); `scorecard.md` is the same for people.
Calibration sets the root cause's confidence against whether it was right, in five bins, with the Brier
score (the mean squared gap; 0 is perfect, 0.25 is a coin's). Abstentions (no root cause) are counted apart.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agentcore.errors import UserInputError
from agentcore.evals.reproduce import EvidenceCheck

BINS = 5


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JudgeScore(_Frozen):
    verdict: str | None
    root_cause: float | None
    """Mean rubric score, 0 to 2."""
    mitigations: float | None
    agreement: float | None
    """The judge's consistency on this report over repeated gradings; None when graded once."""
    unparsed: int = 0


class RunScore(_Frozen):
    """One run of one case."""

    run: int
    report_id: str
    status: str
    mode: str
    culprit_rank: int | None
    culprit_first: bool | None
    culprit_top3: bool | None
    category_ok: bool | None
    correct: bool | None
    """Whether the root cause is right (deterministic checks); None when the report abstained."""
    confidence: float | None
    evidence: tuple[EvidenceCheck, ...] = ()
    secrets: tuple[str, ...] = ()
    judge: JudgeScore | None = None
    error: str | None = None
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    wall_time_s: float = 0.0

    @property
    def evidence_reproduced(self) -> tuple[int, int]:
        """(reproduced, checkable) evidence blocks: `unchecked` ones are not checkable."""
        checkable = [c for c in self.evidence if c.verdict != "unchecked"]
        return sum(c.verdict == "reproduced" for c in checkable), len(checkable)


class CaseScore(_Frozen):
    name: str
    kind: Literal["scenario", "recorded"]
    path: str
    runs: tuple[RunScore, ...]


class CalibrationBin(_Frozen):
    low: float
    high: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


class Calibration(_Frozen):
    bins: tuple[CalibrationBin, ...]
    brier: float | None
    points: int
    abstained: int


class Aggregate(_Frozen):
    runs: int
    culprit_first: float | None
    culprit_top3: float | None
    category_ok: float | None
    correct: float | None
    evidence_reproduced: float | None
    reports_with_secrets: int
    judge_correct: float | None
    judge_agreement: float | None
    errors: int
    cost_usd: float
    input_tokens: int
    output_tokens: int
    wall_time_s: float


class Scorecard(_Frozen):
    created_at: datetime
    mode: str
    """`evidence-only`, or the agent's `provider:model`."""
    judge: str | None
    runs_per_case: int
    cases: tuple[CaseScore, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    aggregate: Aggregate
    calibration: Calibration


def _share(values: list[bool | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 4) if known else None


def aggregate(cases: tuple[CaseScore, ...]) -> Aggregate:
    runs = [r for c in cases for r in c.runs]
    reproduced = sum(r.evidence_reproduced[0] for r in runs)
    checkable = sum(r.evidence_reproduced[1] for r in runs)
    judged = [r.judge for r in runs if r.judge is not None]
    agreements = [j.agreement for j in judged if j.agreement is not None]
    return Aggregate(
        runs=len(runs),
        culprit_first=_share([r.culprit_first for r in runs]),
        culprit_top3=_share([r.culprit_top3 for r in runs]),
        category_ok=_share([r.category_ok for r in runs]),
        correct=_share([r.correct for r in runs]),
        evidence_reproduced=round(reproduced / checkable, 4) if checkable else None,
        reports_with_secrets=sum(bool(r.secrets) for r in runs),
        judge_correct=_share([j.verdict == "correct" if j.verdict else None for j in judged]),
        judge_agreement=round(sum(agreements) / len(agreements), 4) if agreements else None,
        errors=sum(r.error is not None for r in runs),
        cost_usd=round(sum(r.cost_usd for r in runs), 6),
        input_tokens=sum(r.input_tokens for r in runs),
        output_tokens=sum(r.output_tokens for r in runs),
        wall_time_s=round(sum(r.wall_time_s for r in runs), 3),
    )


def calibration(cases: tuple[CaseScore, ...]) -> Calibration:
    """Confidence against correctness over the runs that named a root cause."""
    runs = [r for c in cases for r in c.runs if r.error is None]
    points = [(r.confidence, r.correct) for r in runs if r.confidence is not None and r.correct is not None]
    bins = []
    for index in range(BINS):
        low, high = index / BINS, (index + 1) / BINS
        inside = [(c, ok) for c, ok in points if low <= c < high or (index == BINS - 1 and c == 1.0)]
        bins.append(CalibrationBin(
            low=low, high=high, count=len(inside),
            mean_confidence=round(sum(c for c, _ in inside) / len(inside), 4) if inside else None,
            accuracy=round(sum(ok for _, ok in inside) / len(inside), 4) if inside else None,
        ))  # fmt: skip
    brier = round(sum((c - float(ok)) ** 2 for c, ok in points) / len(points), 4) if points else None
    abstained = sum(r.confidence is None and r.mode == "agent" for r in runs)
    return Calibration(bins=tuple(bins), brier=brier, points=len(points), abstained=abstained)


def read_scorecard(path: Path) -> Scorecard:
    """A scorecard from `scorecard.json`, or from the directory holding it."""
    file = path / "scorecard.json" if path.is_dir() else path
    try:
        return Scorecard.model_validate_json(file.read_bytes())
    except OSError as e:
        raise UserInputError(f"{file}: {e.strerror or e}") from e
    except ValueError as e:
        raise UserInputError(f"{file}: not a scorecard: {str(e).splitlines()[0]}") from e


__all__ = [
    "Aggregate",
    "Calibration",
    "CalibrationBin",
    "CaseScore",
    "JudgeScore",
    "RunScore",
    "Scorecard",
    "aggregate",
    "calibration",
    "read_scorecard",
]
