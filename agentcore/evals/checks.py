"""Deterministic checks of one report against what its case expects: culprit rank, category, secrets."""

from __future__ import annotations

from agentcore.evals.cases import Expected, ExpectedCulprit
from agentcore.redaction import Redactor
from agentcore.reports import Report, render_markdown, report_to_json

TOP_N = 3
SHORT_SHA = 7
MIN_TITLE = 10
"""A suspect's title shorter than this is too common a phrase to name it."""


def same_commit(a: str, b: str) -> bool:
    """Whether two commit names (full or abbreviated, at least 7 hex digits) name the same commit."""
    a, b = a.lower(), b.lower()
    return min(len(a), len(b)) >= SHORT_SHA and (a.startswith(b) or b.startswith(a))


def culprit_rank(report: Report, culprit: ExpectedCulprit) -> int | None:
    """The culprit's 1-based position among the report's suspects (best first), or None when it is not one."""
    for position, suspect in enumerate(report.suspects, start=1):
        if suspect.repo == culprit.repo and same_commit(suspect.commit, culprit.commit):
            return position
    return None


def category_matches(report: Report, expected: Expected) -> bool | None:
    """Whether the root cause's category is the expected one; None when either side has none to compare."""
    if expected.category is None or report.root_cause is None:
        return None
    return report.root_cause.category.strip().lower() == expected.category.strip().lower()


def root_cause_correct(report: Report, expected: Expected) -> bool | None:
    """The deterministic verdict on the root cause; None when the report names none (it abstained).

    Right category, and when a culprit is known, the statement names it: its commit (7+ hex digits) or the title of
    the suspect that is the culprit.
    A recorded case without a category is judged by its reviewer: `correct` is right, anything else is not.
    """
    if report.root_cause is None:
        return None
    if expected.category is None:
        return expected.human_verdict == "correct" if expected.human_verdict else None
    if not category_matches(report, expected):
        return False
    culprit = expected.culprit
    if culprit is None:
        return True
    statement = report.root_cause.statement.lower()
    titles = [
        s.title.lower() for s in report.suspects if s.repo == culprit.repo and same_commit(s.commit, culprit.commit)
    ]
    return culprit.commit[:SHORT_SHA].lower() in statement or any(
        len(title) >= MIN_TITLE and title in statement for title in titles
    )


def secrets_in(report: Report) -> tuple[str, ...]:
    """The kinds of secret found in the report's JSON or Markdown (a redacted report has none)."""
    redactor = Redactor()
    redactor.redact_all([report_to_json(report), render_markdown(report)])
    return tuple(sorted(redactor.state.counts))


__all__ = ["TOP_N", "category_matches", "culprit_rank", "root_cause_correct", "same_commit", "secrets_in"]
