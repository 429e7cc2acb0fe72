"""The skill-health report: Agent Signals aggregated per skill over a window of finished investigations.

The daily job reads every report that started in the window (`reports/<yyyy>/<mm>/<dd>/<id>.json`),
the signals the agent wrote into it, and the reviewers' verdicts stored beside it, and writes
`skill-health/<yyyy>/<mm>/<dd>.json` and `.md`. Per skill (a run counts for each skill it noted):
runs, mean self-score, how often the skill fell short, recurring difficulties, how well the agent's
confidence agreed with reviewers, and whether the skill degrades.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from agentcore.errors import BlobNotFoundError, StorageError, UserInputError
from agentcore.reports import Report, load_report
from agentcore.review.feedback import Verdict, read_feedback_at
from agentcore.storage import BlobStore

NO_SKILL = "(no skill)"
"""The bucket of runs that noted no skill: the baseline the skills are read against."""
SCORE_DROP = 0.5
"""Degraded when the recent half's mean self-score is this far below the earlier half's. Half a point on
a 1–5 scale is one run in two scoring a full point lower: small enough to notice a slide within a two-week
window, large enough that one bad run among four does not trip it."""
AGREEMENT_DROP = 0.2
"""Degraded when agreement with reviewers falls by this much (0..1): the agent became overconfident or
underconfident on a fifth of the scale, a change a reviewer would notice across a handful of reviews."""
MIN_RUNS_PER_HALF = 2
"""Fewer runs than this in either half and a trend is noise: no degradation flag is raised."""
RECURRING_AT = 2
"""A difficulty is recurring when its normalized text appears in at least this many runs."""
TOP_DIFFICULTIES = 5
HUMAN_CORRECTNESS = {
    Verdict.CORRECT: 1.0,
    Verdict.INCONCLUSIVE_WAS_RIGHT: 1.0,
    Verdict.PARTLY: 0.5,
    Verdict.WRONG: 0.0,
}
"""A reviewer's verdict as how right the run was, to compare with the agent's confidence."""
_REPORT_JSON = re.compile(r"^reports/\d{4}/\d{2}/\d{2}/[A-Za-z0-9][A-Za-z0-9._-]*\.json$")
_NOISE = re.compile(r"[^a-z0-9 ]+")
_FEEDBACK_SUFFIX = ".feedback.json"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Difficulty(_Frozen):
    text: str
    """Normalized: lowercase, punctuation dropped, whitespace collapsed."""
    runs: int


class SkillHealth(_Frozen):
    """One skill over the window."""

    name: str
    runs: int
    mean_self_score: float
    fell_short: int
    """Runs whose note said the skill did not help."""
    recurring_difficulties: tuple[Difficulty, ...]
    reviewed_runs: int
    confidence_agreement: float | None
    """1 − mean |confidence − reviewer correctness| over reviewed runs with a confidence; None without any."""
    earlier_mean_self_score: float | None
    recent_mean_self_score: float | None
    degraded: bool
    degradation_reasons: tuple[str, ...]


class SkillHealthReport(_Frozen):
    window_start: datetime
    window_end: datetime
    runs: int
    """Reports in the window that carry signals."""
    skills: tuple[SkillHealth, ...]
    """Sorted by name; `(no skill)` among them when some runs noted none."""


@dataclass(frozen=True)
class _Run:
    started_at: datetime
    self_score: int
    confidence: float | None
    correctness: float | None
    hard: str
    notes: dict[str, tuple[bool, str]]


def build_skill_health(store: BlobStore, *, now: datetime, window_days: int) -> SkillHealthReport:
    """Aggregate the window `[today − window_days + 1, today]` (by report start date) into a report."""
    start = (now - timedelta(days=window_days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    runs = _runs(store, start, now)
    buckets: dict[str, list[_Run]] = {}
    for run in runs:
        for name in run.notes or {NO_SKILL: (True, "")}:
            buckets.setdefault(name, []).append(run)
    skills = tuple(_skill_health(name, buckets[name]) for name in sorted(buckets))
    return SkillHealthReport(window_start=start, window_end=now, runs=len(runs), skills=skills)


def _runs(store: BlobStore, start: datetime, now: datetime) -> list[_Run]:
    runs = []
    for name in _report_blobs(store, start, now):
        try:
            report = load_report(store, name)
        except (BlobNotFoundError, StorageError):
            continue  # being rewritten, or not a report: one bad blob must not stop the daily job
        if report.signals is not None and start <= report.started_at <= now:
            runs.append(_run_of(report, _verdict(store, name)))
    return sorted(runs, key=lambda r: r.started_at)


def _verdict(store: BlobStore, report_blob: str) -> Verdict | None:
    """The reviewers' latest verdict on a report; None when nobody reviewed it or the feedback is unreadable."""
    try:
        record = read_feedback_at(store, report_blob)
    except (StorageError, UserInputError):
        return None
    return record.latest.verdict if record is not None else None


def _report_blobs(store: BlobStore, start: datetime, now: datetime) -> Iterable[str]:
    day = start.date()
    while day <= now.date():
        names = sorted(store.list(f"reports/{day:%Y/%m/%d}/"))
        yield from (n for n in names if _REPORT_JSON.match(n) and not n.endswith(_FEEDBACK_SUFFIX))
        day += timedelta(days=1)


def _run_of(report: Report, verdict: Verdict | None) -> _Run:
    assert report.signals is not None
    signals = report.signals
    return _Run(
        started_at=report.started_at,
        self_score=signals.self_score,
        confidence=signals.confidence,
        correctness=HUMAN_CORRECTNESS[verdict] if verdict is not None else None,
        hard=signals.what_was_hard,
        notes={note.name: (note.helped, note.note) for note in signals.skills},
    )


def _skill_health(name: str, runs: Sequence[_Run]) -> SkillHealth:
    half = len(runs) // 2
    earlier, recent = runs[:half], runs[half:]
    reasons = _degradation(earlier, recent)
    return SkillHealth(
        name=name,
        runs=len(runs),
        mean_self_score=round(_mean([r.self_score for r in runs]) or 0.0, 3),
        fell_short=sum(1 for r in runs if name in r.notes and not r.notes[name][0]),
        recurring_difficulties=_recurring(name, runs),
        reviewed_runs=sum(1 for r in runs if r.correctness is not None),
        confidence_agreement=_agreement(runs),
        earlier_mean_self_score=_rounded(_mean([r.self_score for r in earlier])),
        recent_mean_self_score=_rounded(_mean([r.self_score for r in recent])),
        degraded=bool(reasons),
        degradation_reasons=tuple(reasons),
    )


def _degradation(earlier: Sequence[_Run], recent: Sequence[_Run]) -> list[str]:
    """Why the recent half looks worse than the earlier one: lower self-scores, or less agreement with people."""
    reasons = []
    if len(earlier) >= MIN_RUNS_PER_HALF and len(recent) >= MIN_RUNS_PER_HALF:
        score_before = _mean([r.self_score for r in earlier]) or 0.0
        score_after = _mean([r.self_score for r in recent]) or 0.0
        if score_after < score_before - SCORE_DROP:
            reasons.append(f"mean self-score fell from {score_before:.2f} to {score_after:.2f}")
    before, after = _agreement(earlier), _agreement(recent)
    reviewed = min(sum(1 for r in half if r.correctness is not None) for half in (earlier, recent))
    if before is not None and after is not None and reviewed >= MIN_RUNS_PER_HALF and after < before - AGREEMENT_DROP:
        reasons.append(f"agreement with reviewers fell from {before:.2f} to {after:.2f}")
    return reasons


def _agreement(runs: Sequence[_Run]) -> float | None:
    gaps = [abs(r.confidence - r.correctness) for r in runs if r.confidence is not None and r.correctness is not None]
    mean = _mean(gaps)
    return None if mean is None else round(1.0 - mean, 3)


def _recurring(name: str, runs: Sequence[_Run]) -> tuple[Difficulty, ...]:
    """Difficulties seen in at least RECURRING_AT runs: what was hard, and how this skill fell short."""
    counts: Counter[str] = Counter()
    for run in runs:
        texts = {normalized(run.hard)}
        if name in run.notes and not run.notes[name][0]:
            texts.add(normalized(run.notes[name][1]))
        counts.update(text for text in texts if text)
    common = sorted((c for c in counts.items() if c[1] >= RECURRING_AT), key=lambda c: (-c[1], c[0]))
    return tuple(Difficulty(text=text, runs=count) for text, count in common[:TOP_DIFFICULTIES])


def normalized(text: str) -> str:
    """Lowercase, punctuation dropped, whitespace collapsed: `Slow KQL!` and `slow  kql` count together."""
    return " ".join(_NOISE.sub(" ", text.lower()).split())


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def skill_health_names(now: datetime) -> tuple[str, str]:
    """`skill-health/<yyyy>/<mm>/<dd>.json` and `.md` for a run on `now`'s day."""
    stem = f"skill-health/{now:%Y/%m/%d}"
    return f"{stem}.json", f"{stem}.md"


def store_skill_health(store: BlobStore, report: SkillHealthReport) -> tuple[str, str]:
    """Write the report as JSON and Markdown; a second run on the same day replaces the first."""
    json_name, markdown_name = skill_health_names(report.window_end)
    store.put(json_name, report.model_dump_json(indent=1).encode(), content_type="application/json")
    markdown = render_skill_health_markdown(report).encode()
    store.put(markdown_name, markdown, content_type="text/markdown; charset=utf-8")
    return json_name, markdown_name


def render_skill_health_markdown(report: SkillHealthReport) -> str:
    lines = [
        f"# Skill health, {report.window_start:%Y-%m-%d} to {report.window_end:%Y-%m-%d}",
        "",
        f"{report.runs} investigation(s) with signals.",
        "",
        "| Skill | Runs | Mean self-score | Fell short | Reviewed | Confidence agreement | Degraded |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in report.skills:
        agreement = "n/a" if s.confidence_agreement is None else f"{s.confidence_agreement:.2f}"
        flag = "; ".join(s.degradation_reasons) if s.degraded else "no"
        score = f"{s.mean_self_score:.2f}"
        cells = [s.name, str(s.runs), score, str(s.fell_short), str(s.reviewed_runs), agreement, flag]
        lines.append(f"| {' | '.join(cells)} |")
    for s in report.skills:
        if s.recurring_difficulties:
            lines += ["", f"## {s.name}: recurring difficulties", ""]
            lines += [f"- {d.text} ({d.runs} runs)" for d in s.recurring_difficulties]
    return "\n".join(lines) + "\n"
