"""The report's confidence follows the evidence, and the report abstains rather than guess."""

from __future__ import annotations

from agentcore.pipeline._confidence import calibrate
from agentcore.reports import (
    Evidence,
    EvidenceSource,
    Hypothesis,
    Recommendation,
    Report,
    RootCause,
    Suspect,
    Trigger,
)
from tests.pipeline.pipeline_harness import FIXED_NOW

LOGS = Evidence(claim="TypeError is new", source=EvidenceSource(kind="log_query", ref="AppExceptions | take 1"),
                excerpt="TypeError")  # fmt: skip
CODE = Evidence(claim="expires_at may be None", source=EvidenceSource(kind="file", ref="checkout/coupons.py:40"),
                excerpt="if expires_at < now:")  # fmt: skip
SAME_LOGS = Evidence(claim="again", source=EvidenceSource(kind="log_query", ref="AppExceptions  |  TAKE 1"),
                     excerpt="TypeError")  # fmt: skip
SUSPECT = Suspect(repo="checkout", commit="b12894d2a204d77c", title="coupons: campaigns", author="a", deployed_at=None,
                  score=0.84, reasons=("r",))  # fmt: skip


def report(*evidence: Evidence, status: str = "confirmed", stated: float = 0.9) -> Report:
    return Report(
        id="inv-1", title="t", status="completed", mode="agent", trigger=Trigger(kind="cli", ref="x"),
        started_at=FIXED_NOW, finished_at=FIXED_NOW, summary="The coupon change broke checkout.",
        root_cause=RootCause(statement="open campaigns crash coupons", category="code-defect", confidence=stated),
        evidence=evidence, suspects=(SUSPECT,),
        hypotheses=(Hypothesis(statement="the coupon change", status=status, evidence=tuple(range(len(evidence)))),),
        recommendation=Recommendation(auto_mitigate=True, transfer_to=None, reason="roll back"),
    )  # fmt: skip


def test_one_source_caps_a_stated_certainty_at_one_half() -> None:
    calibrated = calibrate(report(LOGS), (), min_confidence=0.5)
    assert calibrated.status == "completed"
    assert calibrated.root_cause is not None
    assert calibrated.root_cause.confidence == 0.5
    assert calibrated.confidence_basis is not None
    assert (calibrated.confidence_basis.stated, calibrated.confidence_basis.supporting_sources) == (0.9, 1)


def test_independent_sources_of_two_kinds_support_more_confidence() -> None:
    calibrated = calibrate(report(LOGS, CODE), (), min_confidence=0.5)
    assert calibrated.root_cause is not None
    assert calibrated.root_cause.confidence == 0.75


def test_the_same_query_cited_twice_counts_as_one_source() -> None:
    calibrated = calibrate(report(LOGS, SAME_LOGS), (), min_confidence=0.5)
    assert calibrated.confidence_basis is not None
    assert calibrated.confidence_basis.supporting_sources == 1


def test_a_lower_stated_confidence_is_kept() -> None:
    calibrated = calibrate(report(LOGS, CODE, stated=0.6), (), min_confidence=0.5)
    assert calibrated.root_cause is not None
    assert calibrated.root_cause.confidence == 0.6


def test_without_a_confirmed_hypothesis_the_report_abstains_with_its_best_leads() -> None:
    calibrated = calibrate(report(LOGS, CODE, status="open"), (), min_confidence=0.5)
    assert calibrated.status == "inconclusive"
    assert calibrated.root_cause is None
    assert calibrated.summary.startswith("Inconclusive: no hypothesis was confirmed by cited evidence. Best leads:")
    assert "open campaigns crash coupons" in calibrated.summary
    assert "top suspect checkout b12894d2a204" in calibrated.summary
    assert calibrated.recommendation.auto_mitigate is False


def test_missing_data_lowers_the_confidence_under_the_bar_and_the_report_abstains() -> None:
    calibrated = calibrate(report(LOGS), ("regression queries failed: timeout",), min_confidence=0.5)
    assert calibrated.status == "inconclusive"
    assert calibrated.confidence_basis is not None
    assert calibrated.confidence_basis.computed == 0.425
    assert calibrated.confidence_basis.missing_data == ("regression queries failed: timeout",)


def test_a_report_without_a_root_cause_is_left_as_it_is() -> None:
    plain = report(LOGS).model_copy(update={"root_cause": None, "status": "inconclusive"})
    assert calibrate(plain, (), min_confidence=0.5) == plain
