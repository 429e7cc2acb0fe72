"""When the failing code path could first run after a change: enabling events, rule by rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentcore.triage._exposure import _enabling_events
from agentcore.triage._matching import message_terms
from agentcore.triage._signals import EnablingEvent, Exposure

SIGHTING = datetime(2026, 5, 5, 2, 0, 2, tzinfo=UTC)
NIGHTLY = (SIGHTING - timedelta(days=2), SIGHTING - timedelta(days=1), SIGHTING.replace(second=0))


def hours_before(hours: float) -> datetime:
    return SIGHTING - timedelta(hours=hours)


def test_a_change_deployed_in_a_quiet_stretch_of_the_failing_operation_first_runs_at_its_next_call() -> None:
    exposure = Exposure(SIGHTING, "POST /jobs/export", NIGHTLY)
    assert exposure.exposed_at(hours_before(8)) == (NIGHTLY[-1], "POST /jobs/export first ran after it")


def test_an_operation_called_every_few_minutes_exposes_a_change_at_once() -> None:
    calls = tuple(SIGHTING.replace(second=0) - timedelta(minutes=5 * n) for n in reversed(range(100)))
    assert Exposure(SIGHTING, "POST /api/orders", calls).exposed_at(hours_before(2)) is None


def test_no_calls_before_the_data_begins_is_not_a_quiet_stretch() -> None:
    exposure = Exposure(SIGHTING, "POST /jobs/export", NIGHTLY[-1:])
    assert exposure.exposed_at(hours_before(30)) is None


def test_a_flag_turned_on_after_the_deploy_is_when_the_change_first_ran() -> None:
    flag = EnablingEvent(hours_before(0.5), "Feature flag 'bulk_pricing' enabled")
    moment, why = Exposure(SIGHTING, events=(flag,)).exposed_at(hours_before(6)) or (None, "")
    assert moment == flag.time
    assert "bulk_pricing" in why


def test_a_flag_turned_on_before_the_deploy_changes_nothing_for_it() -> None:
    flag = EnablingEvent(hours_before(0.5), "Feature flag 'bulk_pricing' enabled")
    assert Exposure(SIGHTING, events=(flag,)).exposed_at(hours_before(0.25)) is None


def test_plain_words_of_an_error_message_weigh_little_against_an_identifier() -> None:
    terms = message_terms(["customer profile config is missing setting 'loyalty_tier'"])
    assert terms["loyalty_tier"] == 1.0
    assert terms["config"] < 0.25 * terms["loyalty_tier"]
    assert sum(terms[w] for w in ("customer", "profile", "config", "setting")) < terms["loyalty_tier"]


def test_a_configuration_refresh_logged_all_day_is_routine_and_enables_nothing() -> None:
    refreshes = [(hours_before(h / 12), f"Configuration refreshed (etag 0x8DC4A{h:04d})") for h in range(288)]
    assert _enabling_events(sorted(refreshes), SIGHTING) == ()


def test_a_flag_turned_on_once_within_the_hour_is_an_enabling_event() -> None:
    flag = (hours_before(0.5), "Feature flag 'bulk_pricing' enabled")
    started = (hours_before(20), "shop-api started")
    assert _enabling_events([started, flag], SIGHTING) == (EnablingEvent(*flag),)


def test_a_flag_turned_on_more_than_an_hour_before_the_first_sighting_is_not() -> None:
    assert _enabling_events([(hours_before(3), "Feature flag 'bulk_pricing' enabled")], SIGHTING) == ()
