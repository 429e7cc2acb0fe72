"""The report page's timeline: which events it shows, and where they land on the chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentcore.pipeline._review_views import read_report, timeline_events
from agentcore.pipeline._stage_io import load_state
from agentcore.review.timeline import LANES, TimelineEvent, layout_timeline
from tests.review.conftest import Review

T0 = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def test_there_is_no_chart_without_events() -> None:
    assert layout_timeline([]) is None


def test_marks_are_in_time_order_in_their_kinds_lane_inside_the_plot() -> None:
    events = [TimelineEvent("alert", T0 + timedelta(minutes=40), "fired"),
              TimelineEvent("deployment", T0, "deployed"),
              TimelineEvent("first_seen", T0 + timedelta(minutes=1), "first seen")]  # fmt: skip
    chart = layout_timeline(events)
    assert chart is not None
    assert [m.label for m in chart.marks] == ["deployed", "first seen", "fired"]
    lane_y = {lane.kind: lane.y for lane in chart.lanes}
    assert all(m.y == lane_y[m.kind] for m in chart.marks)
    xs = [m.x for m in chart.marks]
    assert xs == sorted(xs)
    assert chart.plot_left < xs[0]
    assert xs[-1] < chart.plot_right
    assert [lane.kind for lane in chart.lanes] == [kind for kind, _ in LANES]


def test_one_event_still_gets_a_readable_axis() -> None:
    chart = layout_timeline([TimelineEvent("alert", T0, "fired")])
    assert chart is not None
    assert len({tick.text for tick in chart.ticks}) > 1


def test_an_agent_run_shows_alerts_deployments_first_sightings_and_itself(review: Review) -> None:
    loaded = load_state(review.ctx.deps, review.agent)
    assert loaded is not None
    events = timeline_events(loaded.state, read_report(review.store, loaded.state))
    assert {e.kind for e in events} == {"alert", "deployment", "first_seen", "investigation"}


def test_a_replayed_scenario_leaves_out_the_run_months_after_its_incident(review: Review) -> None:
    loaded = load_state(review.ctx.deps, review.evidence_only)
    assert loaded is not None
    events = timeline_events(loaded.state, read_report(review.store, loaded.state))
    assert "investigation" not in {e.kind for e in events}
    assert {"alert", "deployment", "first_seen"} <= {e.kind for e in events}
