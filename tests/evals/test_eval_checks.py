"""The deterministic checks of a report against its case: culprit rank, category, right or not, secrets."""

from __future__ import annotations

from datetime import UTC, datetime

from agentcore.evals.cases import Expected, ExpectedCulprit
from agentcore.evals.checks import category_matches, culprit_rank, root_cause_correct, same_commit, secrets_in
from agentcore.reports import Recommendation, Report, RootCause, Suspect, Trigger

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
CULPRIT = ExpectedCulprit(repo="checkout", commit="b12894d2a204d77c6fb92f7f4d24d80f1afcc181")
EXPECTED = Expected(root_cause="campaign coupons without an end date", category="code-defect", culprit=CULPRIT)


def suspect(commit: str, repo: str = "checkout") -> Suspect:
    return Suspect(repo=repo, commit=commit, title="t", author="a", deployed_at=None, score=0.5, reasons=())


def report(*suspects: Suspect, cause: RootCause | None = None, summary: str = "s") -> Report:
    return Report(
        id="inv-1", title="t", status="completed" if cause else "inconclusive", mode="agent",
        trigger=Trigger(kind="cli", ref="x"), started_at=NOW, finished_at=NOW, summary=summary, root_cause=cause,
        suspects=suspects, recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="r"),
    )  # fmt: skip


def test_the_culprit_rank_is_its_position_among_the_suspects_by_abbreviated_sha() -> None:
    ranked = report(suspect("3945ab1c9b4f"), suspect("b12894d2a204"), suspect("e3594f0aee4d"))
    assert culprit_rank(ranked, CULPRIT) == 2


def test_a_culprit_in_another_repository_with_the_same_sha_prefix_is_not_the_culprit() -> None:
    assert culprit_rank(report(suspect("b12894d2a204", repo="payments")), CULPRIT) is None


def test_a_sha_shorter_than_seven_digits_names_no_commit() -> None:
    assert not same_commit("b1289", CULPRIT.commit)


def test_the_category_is_compared_without_case_or_spaces() -> None:
    cause = RootCause(statement="x", category=" Code-Defect ", confidence=0.8)
    assert category_matches(report(cause=cause), EXPECTED) is True


def test_a_root_cause_in_the_right_category_naming_another_commit_is_wrong() -> None:
    cause = RootCause(statement="3945ab1c9b4f broke rounding", category="code-defect", confidence=0.8)
    assert root_cause_correct(report(suspect("3945ab1c9b4f"), cause=cause), EXPECTED) is False


def test_a_root_cause_naming_the_culprit_commit_in_the_right_category_is_right() -> None:
    cause = RootCause(statement="b12894d sets expires_at to None", category="code-defect", confidence=0.8)
    assert root_cause_correct(report(cause=cause), EXPECTED) is True


def test_a_report_that_abstains_is_neither_right_nor_wrong() -> None:
    assert root_cause_correct(report(suspect("b12894d2a204")), EXPECTED) is None


def test_a_secret_left_in_a_report_is_found_by_kind() -> None:
    leaky = report(summary="the gateway key is AKIAIOSFODNN7EXAMPLE and it worked")
    assert secrets_in(leaky) == ("aws-access-key",)


def test_a_redacted_report_has_no_secret() -> None:
    assert secrets_in(report(summary="the key was [REDACTED:aws-access-key#1]")) == ()


def test_a_root_cause_naming_the_culprit_by_its_title_is_right() -> None:
    cause = RootCause(statement="Coupons: accept marketing campaign codes broke expiry", category="code-defect",
                      confidence=0.8)  # fmt: skip
    culprit = suspect("b12894d2a204").model_copy(update={"title": "coupons: accept marketing campaign codes"})
    assert root_cause_correct(report(culprit, cause=cause), EXPECTED) is True


def test_a_root_cause_that_does_not_name_the_culprit_is_wrong_even_when_it_is_the_top_suspect() -> None:
    cause = RootCause(statement="the payment gateway times out", category="code-defect", confidence=0.8)
    top = suspect("b12894d2a204").model_copy(update={"title": "coupons: accept marketing campaign codes"})
    assert root_cause_correct(report(top, cause=cause), EXPECTED) is False
