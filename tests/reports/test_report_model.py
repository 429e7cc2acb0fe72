"""The report model is exactly the schema of SCENARIOS.md and refuses reports that contradict it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from agentcore.reports import Recommendation, Report, Trigger, report_from_json, report_to_json

ReportFactory = Callable[..., Report]

SCHEMA_KEYS = [
    "id", "title", "status", "mode", "trigger", "started_at", "finished_at", "summary", "root_cause",
    "evidence", "suspects", "hypotheses", "mitigations", "recommendation", "usage", "data_egress",
    "commands_ran_in", "signals", "errors", "escalation", "response_plan", "confidence_basis",
]  # fmt: skip


def test_a_complete_report_round_trips_through_json_unchanged(make_report: ReportFactory) -> None:
    report = make_report()
    assert report_from_json(report_to_json(report)) == report


def test_json_has_the_schema_keys_in_schema_order(make_report: ReportFactory) -> None:
    assert list(json.loads(report_to_json(make_report()))) == SCHEMA_KEYS


def test_json_is_byte_identical_for_equal_reports_built_in_any_key_order(make_report: ReportFactory) -> None:
    first = make_report()
    shuffled = Report.model_validate(dict(reversed(list(first.model_dump().items()))))
    assert report_to_json(shuffled) == report_to_json(first)


def test_json_ends_with_a_newline(make_report: ReportFactory) -> None:
    assert report_to_json(make_report()).endswith("}\n")


def test_times_are_normalized_to_utc(make_report: ReportFactory) -> None:
    plus_one = timezone(timedelta(hours=1))
    report = make_report(
        started_at=datetime(2026, 3, 2, 15, 6, tzinfo=plus_one),
        finished_at=datetime(2026, 3, 2, 15, 10, tzinfo=plus_one),
    )
    assert json.loads(report_to_json(report))["started_at"] == "2026-03-02T14:06:00Z"


def test_naive_times_are_refused(make_report: ReportFactory) -> None:
    with pytest.raises(ValidationError, match="timezone"):
        make_report(started_at=datetime(2026, 3, 2, 14, 6))


def test_a_hypothesis_citing_evidence_that_does_not_exist_is_refused(make_report: ReportFactory) -> None:
    hypotheses = [{"statement": "Bad deploy", "status": "open", "evidence": [0, 2]}]
    with pytest.raises(ValidationError, match="cites evidence 2, but the report has 2 evidence item"):
        make_report(hypotheses=hypotheses)


def test_a_negative_evidence_index_is_refused(make_report: ReportFactory) -> None:
    with pytest.raises(ValidationError):
        make_report(hypotheses=[{"statement": "x", "status": "open", "evidence": [-1]}])


def test_an_evidence_only_report_with_a_root_cause_is_refused(make_report: ReportFactory) -> None:
    with pytest.raises(ValidationError, match="evidence-only report has no root cause"):
        make_report(mode="evidence-only")


def test_an_evidence_only_report_without_a_root_cause_needs_no_usage_or_signals() -> None:
    report = Report(
        id="inv-1",
        title="Checkout errors",
        status="inconclusive",
        mode="evidence-only",
        trigger=Trigger(kind="cli", ref="sre-agent investigate"),
        started_at=datetime(2026, 3, 2, 14, 6, tzinfo=UTC),
        finished_at=datetime(2026, 3, 2, 14, 6, 5, tzinfo=UTC),
        summary="Two deployments in the last day; see suspects.",
        recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="No model configured."),
    )
    assert (report.root_cause, report.signals, report.usage.model_calls) == (None, None, 0)


def test_finishing_before_starting_is_refused(make_report: ReportFactory) -> None:
    with pytest.raises(ValidationError, match="before started_at"):
        make_report(finished_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC))


@pytest.mark.parametrize("confidence", [-0.01, 1.01])
def test_root_cause_confidence_must_lie_between_zero_and_one(make_report: ReportFactory, confidence: float) -> None:
    with pytest.raises(ValidationError, match="confidence"):
        make_report(root_cause={"statement": "s", "category": "c", "confidence": confidence})


@pytest.mark.parametrize("self_score", [0, 6])
def test_self_score_must_lie_between_one_and_five(make_report: ReportFactory, self_score: int) -> None:
    signals = {"what_worked": "a", "what_was_hard": "b", "skill_gaps": [], "self_score": self_score}
    with pytest.raises(ValidationError, match="self_score"):
        make_report(signals=signals)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "done"),
        ("mode", "auto"),
        ("trigger", {"kind": "email", "ref": "x"}),
        ("evidence", [{"claim": "c", "source": {"kind": "web", "ref": "x"}, "excerpt": ""}]),
        ("mitigations", [{"action": "a", "risk": "extreme", "automated": False}]),
        ("hypotheses", [{"statement": "s", "status": "maybe", "evidence": []}]),
    ],
)
def test_values_outside_the_schema_enumerations_are_refused(make_report: ReportFactory, field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        make_report(**{field: value})


def test_fields_outside_the_schema_are_refused(make_report: ReportFactory) -> None:
    with pytest.raises(ValidationError, match="extra"):
        make_report(severity="sev2")


@pytest.mark.parametrize("report_id", ["", "../escape", "a/b", " padded", "x" * 129])
def test_report_ids_must_be_safe_as_blob_names(make_report: ReportFactory, report_id: str) -> None:
    with pytest.raises(ValidationError, match="id"):
        make_report(id=report_id)


def test_data_egress_region_is_optional(make_report: ReportFactory) -> None:
    report = make_report(data_egress=[{"provider": "openai", "model": "m", "bytes_sent": 10, "redactions": 0}])
    assert report.data_egress[0].region is None


def test_a_report_cannot_be_changed_after_it_is_built(make_report: ReportFactory) -> None:
    report = make_report()
    with pytest.raises(ValidationError, match="frozen"):
        report.status = "failed"
