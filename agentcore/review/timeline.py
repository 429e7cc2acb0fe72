"""The report page's timeline: alerts, deployments and first sightings laid out for an inline SVG.

Only geometry is computed here (lanes, x positions, tick labels); the template draws it, so every
label from logs or alerts goes through the template's escaping like any other text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

EventKind = Literal["alert", "deployment", "first_seen", "investigation"]

LANES: tuple[tuple[EventKind, str], ...] = (
    ("alert", "Alerts"),
    ("deployment", "Deployments"),
    ("first_seen", "First sightings"),
    ("investigation", "Investigation"),
)
"""The chart's rows, top to bottom, and their labels."""

WIDTH_PX = 960
_LEFT_PX = 130
_RIGHT_PX = 48
_LANE_PX = 44
_TOP_PX = 16
_AXIS_PX = 34
_TICKS = 6


@dataclass(frozen=True)
class TimelineEvent:
    """Something that happened at a time: which lane it belongs in and what to call it."""

    kind: EventKind
    at: datetime
    label: str


@dataclass(frozen=True)
class Mark:
    kind: EventKind
    x: float
    y: float
    label: str
    time: str


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class Lane:
    kind: EventKind
    name: str
    y: float


@dataclass(frozen=True)
class TimelineChart:
    """Everything the template needs to draw the chart, in SVG user units (pixels)."""

    width: int
    height: int
    lanes: tuple[Lane, ...]
    marks: tuple[Mark, ...]
    ticks: tuple[Tick, ...]
    axis_y: float
    plot_left: float
    plot_right: float


def layout_timeline(events: Sequence[TimelineEvent]) -> TimelineChart | None:
    """Place `events` on a shared time axis, one lane per kind; None when there is nothing to draw."""
    if not events:
        return None
    times = [e.at.astimezone(UTC) for e in events]
    start, end = min(times), max(times)
    span = max(end - start, timedelta(minutes=1))
    start, end = start - span * 0.04, end + span * 0.04
    left, right = float(_LEFT_PX), float(WIDTH_PX - _RIGHT_PX)

    def x_of(at: datetime) -> float:
        return round(left + (right - left) * ((at - start) / (end - start)), 1)

    lanes = tuple(Lane(kind, name, _TOP_PX + _LANE_PX * (i + 0.5)) for i, (kind, name) in enumerate(LANES))
    y_of = {lane.kind: lane.y for lane in lanes}
    marks = tuple(
        Mark(e.kind, x_of(at), y_of[e.kind], e.label, f"{at:%Y-%m-%d %H:%M:%S}Z")
        for e, at in sorted(zip(events, times, strict=True), key=lambda pair: pair[1])
    )
    axis_y = _TOP_PX + _LANE_PX * len(LANES)
    step = (end - start) / (_TICKS - 1)
    fmt = "%H:%M" if end - start <= timedelta(days=1) else "%m-%d %H:%M"
    ticks = tuple(Tick(x_of(start + step * i), f"{start + step * i:{fmt}}") for i in range(_TICKS))
    return TimelineChart(
        width=WIDTH_PX,
        height=int(axis_y + _AXIS_PX),
        lanes=lanes,
        marks=marks,
        ticks=ticks,
        axis_y=axis_y,
        plot_left=left,
        plot_right=right,
    )
