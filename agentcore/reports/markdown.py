"""`report.md`: the report for the on-call engineer, in the order they need it.

Text in a report comes from logs, code and alerts, so it is data: table cells are escaped, code spans
and fences grow past any backticks inside them, and one-line fields are kept to one line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from agentcore.reports._model import (
    DataEgress,
    Evidence,
    Hypothesis,
    Mitigation,
    Report,
    ReportedError,
    Signals,
    Suspect,
    UsageTotals,
)

EVIDENCE_ONLY_BANNER = (
    "> **Evidence-only report: no agent reasoned about this incident.** Everything below comes from "
    "deterministic steps only (change correlation and fixed queries); no root cause was inferred."
)
"""The first line of every evidence-only report."""

_SOURCE_LABELS = {
    "log_query": "log query",
    "file": "file",
    "commit": "commit",
    "command": "command",
    "metric": "metric",
    "deployment": "deployment",
}


def render_markdown(report: Report) -> str:
    """Render `report` as Markdown: header, summary, root cause, evidence, suspects, and the rest."""
    blocks: list[str] = []
    if report.mode == "evidence-only":
        blocks.append(EVIDENCE_ONLY_BANNER)
    blocks.append(f"# {_one_line(report.title)}")
    blocks.append(_header(report))
    blocks.append(_section("Summary", report.summary.strip() or "_No summary._"))
    blocks.append(_section("Root cause", _root_cause(report)))
    blocks.append(_section("Evidence", _evidence(report.evidence)))
    blocks.append(_section("Suspects", _suspects(report.suspects)))
    blocks.append(_section("Hypotheses", _hypotheses(report.hypotheses)))
    blocks.append(_section("Mitigations", _mitigations(report.mitigations)))
    blocks.append(_section("Recommendation", _recommendation(report)))
    blocks.append(_section("Usage", _usage(report.usage)))
    blocks.append(_section("Data sent to model providers", _data_egress(report.data_egress) + _ran_in(report)))
    if report.signals is not None:
        blocks.append(_section("Agent's notes on this run", _signals(report.signals)))
    blocks.append(_section("Errors", _errors(report.errors)))
    return "\n\n".join(blocks) + "\n"


def _header(report: Report) -> str:
    if report.root_cause is not None:
        confidence = f"root cause confidence {_percent(report.root_cause.confidence)}"
    else:
        confidence = "no root cause"
    elapsed = report.finished_at - report.started_at
    return _bullets(
        [
            f"**Status:** {report.status} ({confidence})",
            f"**Mode:** {report.mode}",
            f"**Trigger:** {report.trigger.kind} {_code(report.trigger.ref)}",
            f"**Ran:** {_time(report.started_at)} → {_time(report.finished_at)} ({_duration(elapsed)})",
            f"**Report id:** {_code(report.id)}",
            *([f"**Response plan:** {_code(report.response_plan)}"] if report.response_plan else []),
        ]
    )


def _root_cause(report: Report) -> str:
    cause = report.root_cause
    if cause is None:
        if report.mode == "evidence-only":
            return "_Not determined: no agent reasoned in this run. Start from the suspects below._"
        return "_Not determined._ See the hypotheses and the recommendation for what was checked."
    return f"{cause.statement.strip()}\n\nCategory: {_code(cause.category)} · confidence {_percent(cause.confidence)}"


def _evidence(items: Sequence[Evidence]) -> str:
    if not items:
        return "_None._"
    parts = []
    for number, item in enumerate(items, start=1):
        label = _SOURCE_LABELS[item.source.kind]
        parts.append(
            f"**[{number}]** {_one_line(item.claim)}\n\n"
            f"Source: {label} {_code(item.source.ref)}\n\n"
            f"{_fence(item.excerpt)}"
        )
    return "\n\n".join(parts)


def _suspects(items: Sequence[Suspect]) -> str:
    if not items:
        return "_No changes found in the window before the incident._"
    shared = Counter(suspect.rank for suspect in items if suspect.rank is not None)
    rows = [
        [
            _rank(suspect.rank, shared) if suspect.rank is not None else str(position),
            f"{suspect.score:.2f}",
            _code(f"{suspect.repo}@{suspect.commit[:10]}"),
            suspect.title,
            suspect.author,
            _time(suspect.deployed_at) if suspect.deployed_at else "not recorded",
            "; ".join(suspect.reasons),
        ]
        for position, suspect in enumerate(items, start=1)
    ]
    return _table(["#", "Score", "Change", "Title", "Author", "Deployed", "Why"], rows)


def _rank(rank: int, shared: Counter[int]) -> str:
    """`2`, or `2 (tie)` when other suspects share the rank: their scores are too close to order them."""
    return f"{rank} (tie)" if shared[rank] > 1 else str(rank)


def _hypotheses(items: Sequence[Hypothesis]) -> str:
    if not items:
        return "_None recorded._"
    lines = []
    for number, hypothesis in enumerate(items, start=1):
        cited = ", ".join(f"[{index + 1}]" for index in hypothesis.evidence)
        evidence = f" (evidence {cited})" if cited else " (no evidence cited)"
        lines.append(f"{number}. **{hypothesis.status}**: {_one_line(hypothesis.statement)}{evidence}")
    return "\n".join(lines)


def _mitigations(items: Sequence[Mitigation]) -> str:
    if not items:
        return "_None proposed._"
    rows = [[m.action, m.risk, "yes" if m.automated else "no"] for m in items]
    return _table(["Action", "Risk", "Automated"], rows)


def _recommendation(report: Report) -> str:
    advice = report.recommendation
    return _bullets(
        [
            f"**Auto-mitigate:** {'yes' if advice.auto_mitigate else 'no'}",
            f"**Transfer to:** {_one_line(advice.transfer_to) if advice.transfer_to else 'nobody (stays here)'}",
            f"**Reason:** {_one_line(advice.reason)}",
            *_escalation(report),
        ]
    )


def _escalation(report: Report) -> list[str]:
    if report.escalation is None:
        return []
    escalation = report.escalation
    return [f"**Escalated by skill `{escalation.skill}`:** {_one_line(escalation.condition)}"]


def _usage(usage: UsageTotals) -> str:
    if usage.model_calls == 0:
        return "No model calls."
    return (
        f"{usage.model_calls:,} model calls · input {usage.input_tokens:,} tokens "
        f"({usage.cached_input_tokens:,} cached, {usage.cache_write_tokens:,} written to cache) · "
        f"output {usage.output_tokens:,} tokens · cost ${usage.cost_usd:,.4f}"
    )


def _data_egress(items: Sequence[DataEgress]) -> str:
    if not items:
        return "Nothing was sent to a model provider."
    rows = [
        [e.provider, e.model, e.region or "not stated", f"{e.bytes_sent:,}", f"{e.redactions:,}", _kinds(e)]
        for e in items
    ]
    return _table(["Provider", "Model", "Region", "Bytes sent", "Redactions", "Redacted kinds"], rows)


def _kinds(egress: DataEgress) -> str:
    if not egress.redacted_kinds:
        return "none"
    return ", ".join(f"{kind} \u00d7{count}" for kind, count in sorted(egress.redacted_kinds.items()))


def _signals(signals: Signals) -> str:
    gaps = ", ".join(signals.skill_gaps) if signals.skill_gaps else "none"
    return _bullets(
        [
            f"**What worked:** {_one_line(signals.what_worked)}",
            f"**What was hard:** {_one_line(signals.what_was_hard)}",
            f"**Skill gaps:** {_one_line(gaps)}",
            f"**Self-score:** {signals.self_score}/5",
            *([f"**Confidence:** {signals.confidence:.2f}"] if signals.confidence is not None else []),
            *(
                f"**Skill `{note.name}`:** {'helped' if note.helped else 'fell short'}"
                + (f": {_one_line(note.note)}" if note.note else "")
                for note in signals.skills
            ),
        ]
    )


def _errors(items: Sequence[ReportedError]) -> str:
    if not items:
        return "None."
    rows = [[e.stage, e.error_class, e.message] for e in items]
    return _table(["Stage", "Error", "Message"], rows)


# Formatting primitives.


def _section(title: str, body: str) -> str:
    return f"## {title}\n\n{body}"


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
    ]
    lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows)
    return "\n".join(lines)


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|") or " "


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _code(text: str) -> str:
    text = _one_line(text)
    if not text:
        return "(none)"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if "`" in text else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence(text: str) -> str:
    body = text.rstrip("\n")
    if not body.strip():
        return "_No excerpt._"
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{body}\n{fence}"


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100)} %"


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


def _ran_in(report: Report) -> str:
    return "" if report.commands_ran_in is None else f"\n\nShell commands ran {report.commands_ran_in}."
