"""Which texts are secrets: every listed format is caught, and what logs are full of survives."""

from __future__ import annotations

import pytest

from agentcore.redaction import Redactor, may_hold_secret
from bench._redaction_corpus import Case, corpus
from bench.redaction import score

SECRETS = [c for c in corpus() if c.kind is not None]
LOOKALIKES = [c for c in corpus() if c.kind is None]


def _id(case: Case) -> str:
    return f"{case.kind or 'lookalike'}:{case.line[:40]}"


@pytest.mark.parametrize("case", SECRETS, ids=_id)
def test_each_secret_of_the_corpus_is_replaced_by_a_placeholder_naming_its_kind(case: Case) -> None:
    redactor = Redactor()
    redacted = redactor.redact(case.line)
    assert case.value not in redacted
    assert f"[REDACTED:{case.kind}#1]" in redacted
    assert redactor.state.counts == {case.kind: 1}


@pytest.mark.parametrize("case", LOOKALIKES, ids=_id)
def test_each_lookalike_of_the_corpus_survives_untouched(case: Case) -> None:
    redactor = Redactor()
    assert redactor.redact(case.line) == case.line
    assert redactor.state.total == 0


def test_every_secret_format_contains_a_fragment_the_prefilter_looks_for() -> None:
    assert all(may_hold_secret(case.line) for case in SECRETS)


def test_the_context_around_a_secret_stays_readable() -> None:
    line = "DefaultEndpointsProtocol=https;AccountName=stprod;AccountKey=" + "QUJD" * 22 + ";EndpointSuffix=x"
    assert Redactor().redact(line) == (
        "DefaultEndpointsProtocol=https;AccountName=stprod;AccountKey=[REDACTED:azure-storage-key#1];EndpointSuffix=x"
    )


def test_a_keyword_value_that_does_not_look_generated_survives() -> None:
    line = "token=abc api_key=changeme access_token: 12345678901234567890"
    assert Redactor().redact(line) == line


def test_a_password_given_by_a_template_variable_survives() -> None:
    line = 'password="{{ vault.db_password }}" pwd=${PGPASSWORD}'
    assert Redactor().redact(line) == line


def test_the_benchmark_scores_the_corpus_at_full_recall_and_no_false_positive() -> None:
    per_kind, misnamed, false_positives, lookalikes = score(corpus())
    assert all(caught == total for caught, total in per_kind.values())
    assert misnamed == 0
    assert false_positives == 0
    assert lookalikes == len(LOOKALIKES)
