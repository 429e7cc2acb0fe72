"""Confidence that means something: what the evidence supports caps what the agent states.

The computed confidence grows with the number of independent evidence sources that confirmed hypotheses
cite (1 - 0.5^n: one source 0.5, two 0.75, three 0.875), is held to `SINGLE_KIND_CAP` when every source is
of one kind (a log query cannot corroborate itself), and loses `MISSING_DATA_FACTOR` for each thing triage
could not check. A conclusion under the bar, or with no confirmed hypothesis, becomes `inconclusive`: the
report abstains and names its best leads instead of guessing.
"""

from __future__ import annotations

from agentcore.reports import ConfidenceBasis, Evidence, Report, RootCause

SINGLE_KIND_CAP = 0.7
MISSING_DATA_FACTOR = 0.85
MAX_COMPUTED = 0.95


def supporting_sources(report: Report) -> set[tuple[str, str]]:
    """The distinct (kind, reference) sources cited by the report's confirmed hypotheses."""
    cited = {index for h in report.hypotheses if h.status == "confirmed" for index in h.evidence}
    return {_source_key(report.evidence[index]) for index in cited}


def _source_key(item: Evidence) -> tuple[str, str]:
    return item.source.kind, " ".join(item.source.ref.split()).lower()


def computed_confidence(sources: set[tuple[str, str]], missing_data: tuple[str, ...]) -> float:
    """The confidence the evidence supports (see the module's docstring)."""
    if not sources:
        return 0.0
    value = min(MAX_COMPUTED, 1.0 - 0.5 ** len(sources))
    if len({kind for kind, _ in sources}) == 1:
        value = min(value, SINGLE_KIND_CAP)
    return round(value * MISSING_DATA_FACTOR ** len(missing_data), 4)


def calibrate(report: Report, missing_data: tuple[str, ...], *, min_confidence: float) -> Report:
    """`report` with its root cause's confidence capped by the evidence, or abstaining when it is too weak.

    Reports without a root cause (evidence-only, failed, already inconclusive) are returned as they are.
    """
    cause = report.root_cause
    if cause is None:
        return report
    sources = supporting_sources(report)
    computed = computed_confidence(sources, missing_data)
    basis = ConfidenceBasis(
        stated=cause.confidence, computed=computed, supporting_sources=len(sources), missing_data=missing_data
    )
    capped = RootCause(statement=cause.statement, category=cause.category, confidence=min(cause.confidence, computed))
    if sources and computed >= min_confidence and report.status == "completed":
        return report.model_copy(update={"root_cause": capped, "confidence_basis": basis})
    return _abstain(report, capped, basis, min_confidence)


def _abstain(report: Report, lead: RootCause, basis: ConfidenceBasis, min_confidence: float) -> Report:
    if basis.supporting_sources == 0:
        why = "no hypothesis was confirmed by cited evidence"
    else:
        why = (
            f"the evidence supports a confidence of {basis.computed:.2f} ({basis.supporting_sources} source(s)), "
            f"under the bar of {min_confidence:.2f}"
        )
    leads = [f"the agent's leading explanation, {lead.statement.strip()} ({lead.category}, not confirmed)"]
    leads += [f"open hypothesis: {h.statement}" for h in report.hypotheses if h.status == "open"][:3]
    if report.suspects:
        top = report.suspects[0]
        leads.append(f"top suspect {top.repo} {top.commit[:12]} \u201c{top.title}\u201d (score {top.score:.2f})")
    summary = f"Inconclusive: {why}. Best leads: " + "; ".join(leads) + ". " + report.summary
    recommendation = report.recommendation.model_copy(
        update={"auto_mitigate": False, "reason": f"Inconclusive ({why}); confirm a lead before acting."}
    )
    return report.model_copy(
        update={
            "status": "inconclusive",
            "root_cause": None,
            "summary": summary,
            "recommendation": recommendation,
            "confidence_basis": basis,
        }
    )


__all__ = ["calibrate", "computed_confidence", "supporting_sources"]
