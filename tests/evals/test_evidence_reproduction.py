"""Each cited evidence block is re-run against the scenario's own telemetry and bundles, and compared."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.evals.reproduce import EvidenceCheck, check_evidence
from agentcore.reports import Evidence, EvidenceSource, Recommendation, Report, Trigger
from agentcore.scenarios import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"
NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
COUNT_BY_TYPE = (
    "AppExceptions | where AppRoleName == 'checkout-api' | summarize n = count() by ExceptionType | order by n desc"
)


def evidence(kind: str, ref: str, excerpt: str) -> Evidence:
    return Evidence(claim="c", source=EvidenceSource(kind=kind, ref=ref), excerpt=excerpt)  # type: ignore[arg-type]


BLOCKS = {
    "query as printed": evidence("log_query", COUNT_BY_TYPE, "ExceptionType=TypeError n=31"),
    "query values": evidence("log_query", COUNT_BY_TYPE, "TypeError: 31 occurrences"),
    "query invented": evidence("log_query", COUNT_BY_TYPE, "KeyError: 412 occurrences"),
    "query broken": evidence("log_query", "AppExceptionz | take 1", "anything 1"),
    "logs command": evidence("command", f"logs query \"{COUNT_BY_TYPE}\"", "TypeError 31"),
    "file at deployed commit": evidence(
        "file", "repos/checkout/checkout/coupons.py:75-76",
        "75: def _is_expired(coupon: Coupon, now: datetime) -> bool:\n76:     return coupon.expires_at < now",
    ),
    "file line invented": evidence("file", "checkout/coupons.py:76", "return coupon.expires_at is not None"),
    "file absent": evidence("file", "checkout/refunds.py:1", "import os"),
    "commit in bundle": evidence("commit", "b12894d2a204", "coupons: accept marketing campaign codes"),
    "commit unknown": evidence("commit", "0123456789ab", "nothing"),
    "deployment shipped": evidence("deployment", "b12894d2a204d77c6fb92f7f4d24d80f1afcc181", "1.5.0"),
    "metric": evidence("metric", "requests/failed", "31"),
}  # fmt: skip


@pytest.fixture(scope="module")
def checks() -> dict[str, EvidenceCheck]:
    report = Report(
        id="inv-1", title="t", status="inconclusive", mode="agent", trigger=Trigger(kind="cli", ref="x"),
        started_at=NOW, finished_at=NOW, summary="s", evidence=tuple(BLOCKS.values()),
        recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="r"),
    )  # fmt: skip
    found = check_evidence(report, load_scenario(EXAMPLE))
    return dict(zip(BLOCKS, found, strict=True))


@pytest.mark.parametrize(
    ("block", "verdict"),
    [
        ("query as printed", "reproduced"),
        ("query values", "reproduced"),
        ("query invented", "not-reproduced"),
        ("query broken", "failed"),
        ("logs command", "reproduced"),
        ("file at deployed commit", "reproduced"),
        ("file line invented", "not-reproduced"),
        ("file absent", "failed"),
        ("commit in bundle", "reproduced"),
        ("commit unknown", "not-reproduced"),
        ("deployment shipped", "reproduced"),
        ("metric", "unchecked"),
    ],
)
def test_each_evidence_block_gets_the_verdict_its_source_supports(
    checks: dict[str, EvidenceCheck], block: str, verdict: str
) -> None:
    assert checks[block].verdict == verdict, checks[block].detail


def test_the_check_names_what_was_missing() -> None:
    report = Report(
        id="inv-1", title="t", status="inconclusive", mode="agent", trigger=Trigger(kind="cli", ref="x"),
        started_at=NOW, finished_at=NOW, summary="s", evidence=(BLOCKS["query invented"],),
        recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="r"),
    )  # fmt: skip
    (check,) = check_evidence(report, load_scenario(EXAMPLE))
    assert "KeyError" in check.detail
    assert "412" in check.detail


def test_without_a_scenario_every_block_is_unchecked() -> None:
    report = Report(
        id="inv-1", title="t", status="inconclusive", mode="agent", trigger=Trigger(kind="cli", ref="x"),
        started_at=NOW, finished_at=NOW, summary="s", evidence=(BLOCKS["query values"],),
        recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="r"),
    )  # fmt: skip
    assert [c.verdict for c in check_evidence(report, None)] == ["unchecked"]
