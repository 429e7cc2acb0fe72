"""When the symptom began: a new error's exact first sighting against the 10-minute bin of a regression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentcore.triage import NewError, Regression
from agentcore.triage._run import _signals

INCIDENT = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)
BIN_START = datetime(2026, 5, 4, 13, 50, tzinfo=UTC)


def error(role: str, first_seen: datetime) -> NewError:
    return NewError("TypeError", role, 12, first_seen, "boom", ("/app/shop/pricing.py",), ("apply_discount",))


def failures(role: str, onset: datetime) -> Regression:
    return Regression("failures", "AppRequests", role, "", "", 0.0, 0.4, 100, 60, 24, onset=onset, query="")


def test_an_error_first_seen_inside_the_regressions_onset_bin_sets_the_onset_to_the_second() -> None:
    sighting = BIN_START + timedelta(minutes=2, seconds=30)
    signals = _signals(INCIDENT, [error("shop-api", sighting)], [failures("shop-api", BIN_START)])
    assert (signals.symptom_onset, signals.symptom_onset_resolution) == (sighting, timedelta(0))


def test_a_regression_of_another_service_keeps_its_bin_even_with_an_error_inside_it() -> None:
    sighting = BIN_START + timedelta(minutes=2, seconds=30)
    signals = _signals(INCIDENT, [error("shop-api", sighting)], [failures("cart-api", BIN_START)])
    assert (signals.symptom_onset, signals.symptom_onset_resolution) == (BIN_START, timedelta(minutes=10))


def test_a_regression_whose_bin_ended_before_the_error_keeps_its_earlier_onset() -> None:
    sighting = BIN_START + timedelta(minutes=12)
    signals = _signals(INCIDENT, [error("shop-api", sighting)], [failures("shop-api", BIN_START)])
    assert signals.symptom_onset == BIN_START
