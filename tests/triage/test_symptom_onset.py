"""When the symptom began: a new error's exact first sighting against the 10-minute bin of a regression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentcore.connectors.logs import LogQueryError
from agentcore.reports import Evidence
from agentcore.triage import NewError, Regression
from agentcore.triage._run import _signals, _with_exposure
from agentcore.triage._signals import EnablingEvent, Exposure

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


def test_enabling_events_read_for_an_error_that_did_not_set_the_onset_are_dropped_with_their_failure() -> None:
    # The regression began a bin before the error: its enabling events, read beside the regression queries,
    # say nothing about the symptom, and neither does their failure.
    sighting = BIN_START + timedelta(minutes=25)
    errors = [error("shop-api", sighting)]
    signals = _signals(INCIDENT, errors, [failures("cart-api", BIN_START)])
    evidence: list[Evidence] = []
    problems: list[str] = []
    failed = LogQueryError("AppTraces: table not found")
    assert _with_exposure(signals, errors, failed, evidence, problems) == signals
    assert _with_exposure(signals, errors, Exposure(sighting, "POST /x", (BIN_START,)), evidence, problems) == signals
    assert (evidence, problems) == ([], [])


def test_enabling_events_of_the_error_that_set_the_onset_are_used_and_their_failure_reported() -> None:
    sighting = BIN_START + timedelta(minutes=25)
    errors = [error("shop-api", sighting)]
    signals = _signals(INCIDENT, errors, [])
    problems: list[str] = []
    assert _with_exposure(signals, errors, LogQueryError("AppTraces: no"), [], problems) == signals
    assert problems == ["enabling-event queries failed: AppTraces: no"]
    flag = EnablingEvent(sighting - timedelta(minutes=10), "Feature flag 'bulk_pricing' enabled")
    exposure = Exposure(sighting, events=(flag,))
    evidence: list[Evidence] = []
    assert _with_exposure(signals, errors, exposure, evidence, []).exposure == exposure
    assert [e.claim for e in evidence] == [
        "shortly before the new error first appeared, the service logged \"Feature flag 'bulk_pricing' enabled\""
    ]
