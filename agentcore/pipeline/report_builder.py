"""Turns a finished investigation (triage, and the agent's session and conclusion) into a Report."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from agentcore.pipeline._confidence import calibrate
from agentcore.reports import (
    DataEgress,
    Hypothesis,
    Mitigation,
    Recommendation,
    Report,
    ReportedError,
    Suspect,
    Trigger,
    UsageTotals,
)
from agentcore.reports.conclusion import Conclusion
from agentcore.reports.redact import redact_report
from agentcore.triage import Triage

if TYPE_CHECKING:  # only an agent run has a session; an evidence-only report never imports it
    from agentcore.agent.session import Session


def evidence_only_report(
    investigation_id: str, *, title: str, trigger: Trigger, started_at: datetime, finished_at: datetime, triage: Triage
) -> Report:
    """The report of a run in which no model reasoned: the deterministic facts only, and said so."""
    top = triage.suspects[0] if triage.suspects else None
    sentences = ["No agent reasoned: no model was configured, so this report holds deterministic evidence only."]
    if triage.new_errors:
        e = triage.new_errors[0]
        sentences.append(
            f"A new error, {e.exception_type} on {e.app_role}, first appeared at {e.first_seen:%Y-%m-%d %H:%M:%S}Z "
            f"({e.count} times since)."
        )
    if triage.regressions:
        more = len(triage.regressions) - 1
        also = f" ({more} more regression{'s' if more != 1 else ''} in the evidence)" if more else ""
        sentences.append(f"The logs show a regression: {triage.regressions[0].describe()}{also}.")
    if top is not None:
        sentences.append(
            f"The top suspect is {top.repo} {top.commit[:12]} \u201c{top.title}\u201d by {top.author} "
            f"(score {top.score:.2f}): {top.reasons[0] if top.reasons else 'no reasons recorded'}."
        )
    else:
        sentences.append("No change went live in the window before the incident.")
    sentences.append("Checked: " + "; ".join(triage.checked) + ".")
    hypotheses = tuple(
        Hypothesis(statement=f"{s.repo} {s.commit[:12]} ({s.title}) caused the incident", status="open", evidence=(i,))
        for i, s in _suspect_evidence_indexes(triage)
    )
    mitigations: tuple[Mitigation, ...] = ()
    if top is not None and top.deployed_at is not None:
        mitigations = (
            Mitigation(
                action=f"Roll {top.repo} back to the deployment before {top.commit[:12]}, after confirming the suspect",
                risk="medium",
                automated=False,
            ),
        )
    report = Report(
        id=investigation_id,
        title=title,
        status="inconclusive",
        mode="evidence-only",
        trigger=trigger,
        started_at=started_at,
        finished_at=finished_at,
        summary=" ".join(sentences),
        root_cause=None,
        evidence=triage.evidence,
        suspects=triage.suspects,
        hypotheses=hypotheses,
        mitigations=mitigations,
        recommendation=Recommendation(
            auto_mitigate=False,
            transfer_to=None,
            reason="No agent reasoned; an engineer should confirm or refute the top suspect before acting.",
        ),
        errors=tuple(ReportedError(stage="triage", error_class="TriageProblem", message=p) for p in triage.problems),
    )
    return redact_report(report)


def _suspect_evidence_indexes(triage: Triage) -> list[tuple[int, Suspect]]:
    """Each suspect that has an evidence item, with that item's index."""
    suspects = {s.commit: s for s in triage.suspects}
    return [
        (index, suspects[item.source.ref])
        for index, item in enumerate(triage.evidence)
        if item.source.kind in {"deployment", "commit"} and item.source.ref in suspects
    ]


def agent_report(
    investigation_id: str,
    *,
    title: str,
    trigger: Trigger,
    started_at: datetime,
    finished_at: datetime,
    triage: Triage,
    session: Session,
    conclusion: Conclusion | None,
    conclusion_problem: str | None,
    commands_ran_in: str | None = None,
    min_confidence: float = 0.5,
) -> Report:
    """The report of an agent run: its conclusion, then the deterministic evidence after its own.

    Its confidence is capped by what the evidence supports, and below `min_confidence` (the setting
    `conclusion_min_confidence`) it abstains: `inconclusive`, with the best leads (`_confidence`).
    Redacted with the session's numbering, so a secret has the same placeholder as the agent saw.
    """
    report = _agent_report(
        investigation_id, title=title, trigger=trigger, started_at=started_at, finished_at=finished_at,
        triage=triage, session=session, conclusion=conclusion, conclusion_problem=conclusion_problem,
        commands_ran_in=commands_ran_in,
    )  # fmt: skip
    report = calibrate(report, triage.problems, min_confidence=min_confidence)
    return redact_report(report, session.redaction)


def _agent_report(
    investigation_id: str,
    *,
    title: str,
    trigger: Trigger,
    started_at: datetime,
    finished_at: datetime,
    triage: Triage,
    session: Session,
    conclusion: Conclusion | None,
    conclusion_problem: str | None,
    commands_ran_in: str | None,
) -> Report:
    from agentcore.agent.session import SessionStatus

    errors = [ReportedError(stage="triage", error_class="TriageProblem", message=p) for p in triage.problems]
    if session.status is not SessionStatus.COMPLETED:
        errors.append(ReportedError(stage="agent", error_class=session.status.value, message=session.error or ""))
    if conclusion is None:
        errors.append(ReportedError(stage="report", error_class="ConclusionMissing", message=conclusion_problem or ""))
        status: Literal["failed", "inconclusive"] = (
            "failed" if session.status is SessionStatus.FAILED else "inconclusive"
        )
        summary = (session.final_answer or "The agent ended without a conclusion.").strip()
        return Report(
            id=investigation_id,
            title=title,
            status=status,
            mode="agent",
            trigger=trigger,
            started_at=started_at,
            finished_at=finished_at,
            summary=summary,
            evidence=triage.evidence,
            suspects=triage.suspects,
            recommendation=Recommendation(
                auto_mitigate=False, transfer_to=None, reason="The agent did not reach a conclusion."
            ),
            usage=usage_of(session),
            data_egress=egress_of(session),
            commands_ran_in=commands_ran_in,
            errors=tuple(errors),
        )
    return Report(
        id=investigation_id,
        title=conclusion.title,
        status=conclusion.status,
        mode="agent",
        trigger=trigger,
        started_at=started_at,
        finished_at=finished_at,
        summary=conclusion.summary,
        root_cause=conclusion.root_cause,
        evidence=(*conclusion.evidence, *triage.evidence),
        suspects=triage.suspects,
        hypotheses=conclusion.hypotheses,
        mitigations=conclusion.mitigations,
        recommendation=conclusion.recommendation,
        usage=usage_of(session),
        data_egress=egress_of(session),
        commands_ran_in=commands_ran_in,
        signals=conclusion.signals,
        escalation=conclusion.escalation,
        errors=tuple(errors),
    )


def usage_of(session: Session) -> UsageTotals:
    usage = session.total_usage
    return UsageTotals(
        model_calls=session.total_model_calls,
        input_tokens=usage.input_tokens,
        cached_input_tokens=usage.cached_input_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        output_tokens=usage.output_tokens,
        cost_usd=round(session.total_cost_usd, 6),
    )


def egress_of(session: Session) -> tuple[DataEgress, ...]:
    if session.model is None:
        return ()
    provider, _, model = session.model.partition(":")
    sent = session.bytes_sent + sum(c.bytes_sent for c in session.children)
    counts = session.redaction.counts
    return (
        DataEgress(
            provider=provider,
            model=model,
            bytes_sent=sent,
            redactions=sum(counts.values()),
            redacted_kinds=dict(sorted(counts.items())),
        ),
    )
