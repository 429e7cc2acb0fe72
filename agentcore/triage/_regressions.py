"""Latency and failure regressions: which calls got slower, or failed more often, just before the incident.

Each dependency (AppDependencies, by calling service and Target, or Name when Target is empty) and each
service's own requests (AppRequests, by AppRoleName) are compared across two windows: the RECENT minutes up to
the incident, and a baseline from LOOKBACK before the incident up to BASELINE_GAP before it (the hours just
before an incident may already be affected). A regression's onset is the first BIN-wide bin from which it
stays elevated up to the incident. Every number comes with the KQL that shows it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from agentcore.connectors.logs import LogStore
from agentcore.reports import Evidence, EvidenceSource
from agentcore.triage._kql import kql_string, kql_time

RECENT = timedelta(minutes=30)
BASELINE_GAP = timedelta(hours=2)
LOOKBACK = timedelta(hours=24)
BIN = timedelta(minutes=10)
LATENCY_RATIO = 2.0
"""Recent p95 over baseline p95 from which calls count as slower."""
MIN_LATENCY_RISE_MS = 10.0
"""A p95 that doubles from 1 ms to 2 ms is not an incident: the rise must also be this large."""
MIN_CALLS = 20
"""Calls needed in each window for a p95 or a failure rate to mean anything."""
MIN_FAILURES = 5
FAILURE_RATE_RATIO = 2.0
FAILURE_RATE_RISE = 0.05
"""Failure rate rise (absolute, 0.05 = 5 points) needed on top of the ratio."""
MIN_BIN_CALLS = 5
"""Bins with fewer calls are skipped when reading the onset: too few to say elevated or not."""
MAX_REGRESSIONS = 5
MIN_ROLE_CHARS = 4
"""A service name shorter than this (`api`) is too common to recognise in a dependency's host name."""
_BIN_KQL = f"{int(BIN.total_seconds() // 60)}m"
WHAT_IS_CHECKED = (
    "p95 latency and failure rate of each dependency (AppDependencies) and service (AppRequests), "
    f"the {RECENT / timedelta(minutes=1):.0f} min before the incident against the "
    f"{(LOOKBACK - BASELINE_GAP) / timedelta(hours=1):.0f} h before the last {BASELINE_GAP / timedelta(hours=1):.0f} h"
)
_DEPENDENCY = "iff(isempty(Target), Name, Target)"


@dataclass(frozen=True)
class Regression:
    """Calls that got slower (`latency`, numbers are p95 ms) or failed more often (`failures`, rates 0..1)."""

    kind: Literal["latency", "failures"]
    table: Literal["AppDependencies", "AppRequests"]
    app_role: str
    dependency: str
    """The called host or resource; empty for the service's own requests."""
    dependency_type: str
    before: float
    after: float
    calls_before: int
    calls_after: int
    failures_after: int
    onset: datetime | None
    """Start of the first bin from which the regression stays elevated up to the incident."""
    query: str
    """KQL that shows the regression bin by bin."""
    around_onset: str = ""
    """The bins just before and after the onset, as text for the evidence excerpt."""
    explained: bool = False
    """Whether another regression explains it: calls to a service whose own requests regressed, or a service's
    requests when one of its dependencies regressed."""

    @property
    def subject(self) -> str:
        if not self.dependency:
            return f"{self.app_role}'s requests"
        kind = f"{self.dependency_type} " if self.dependency_type else ""
        return f"{self.app_role}'s {kind}calls to {self.dependency}"

    @property
    def began(self) -> str:
        """Completes "went live 10 min before ..."."""
        return f"{self.subject} got slower" if self.kind == "latency" else f"{self.subject} began failing more often"

    @property
    def severity(self) -> float:
        if self.kind == "latency":
            return self.after / max(self.before, 1.0)
        return self.after / max(self.before, 0.01)

    def numbers(self) -> str:
        if self.kind == "latency":
            return f"p95 rose from {_ms(self.before)} to {_ms(self.after)} ({self.severity:.1f}\u00d7)"
        return (
            f"failure rate rose from {self.before:.1%} to {self.after:.1%} "
            f"({self.failures_after} of {self.calls_after} calls)"
        )

    def describe(self) -> str:
        """One sentence for the report: `<subject> got slower: p95 rose from 8.3 ms to 145 ms (17.4×) from 08:20Z`."""
        since = f" from {self.onset:%H:%M}Z" if self.onset else ""
        return f"{self.began}: {self.numbers()}{since}"


@dataclass(frozen=True)
class _Group:
    table: Literal["AppDependencies", "AppRequests"]
    app_role: str
    dependency: str
    dependency_type: str

    def where(self) -> str:
        clause = f"AppRoleName == {kql_string(self.app_role)}"
        if self.table == "AppDependencies":
            clause += f" and {_DEPENDENCY} == {kql_string(self.dependency)}"
            kind = f"== {kql_string(self.dependency_type)}" if self.dependency_type else ""
            clause += f" and DependencyType {kind}" if kind else " and isempty(DependencyType)"
        return clause


def find_regressions(logs: LogStore, incident_time: datetime) -> list[Regression]:
    """Regressions of dependencies and requests, the ones no other regression explains first, then by severity."""
    tables = {t.name for t in logs.tables()}
    found: list[Regression] = []
    for table in ("AppDependencies", "AppRequests"):
        if table in tables:
            found.extend(_compare_windows(logs, table, incident_time))
    found = [replace(r, explained=_is_explained(r, found)) for r in found]
    found.sort(key=lambda r: (r.explained, -r.severity))
    return [_with_onset(logs, r, incident_time) for r in found[:MAX_REGRESSIONS]]


def _compare_windows(
    logs: LogStore, table: Literal["AppDependencies", "AppRequests"], incident_time: datetime
) -> list[Regression]:
    start, baseline_end, recent_start = incident_time - LOOKBACK, incident_time - BASELINE_GAP, incident_time - RECENT
    extend = f"period = iff(TimeGenerated >= {kql_time(recent_start)}, 'recent', 'baseline')"
    by = "AppRoleName, period"
    if table == "AppDependencies":
        extend += f", dependency = {_DEPENDENCY}"
        by = "AppRoleName, dependency, DependencyType, period"
    query = (
        f"{table} | where TimeGenerated >= {kql_time(start)} and TimeGenerated < {kql_time(incident_time)} "
        f"| where TimeGenerated < {kql_time(baseline_end)} or TimeGenerated >= {kql_time(recent_start)} "
        f"| extend {extend} "
        f"| summarize calls = count(), failures = countif(Success == false), p95_ms = percentile(DurationMs, 95) "
        f"by {by}"
    )
    windows: dict[_Group, dict[str, dict[str, Any]]] = {}
    for row in logs.query(query, max_rows=10_000).as_dicts():
        group = _Group(
            table, str(row["AppRoleName"]), str(row.get("dependency") or ""), _text(row.get("DependencyType"))
        )
        windows.setdefault(group, {})[str(row["period"])] = row
    found: list[Regression] = []
    for group, periods in windows.items():
        before, after = periods.get("baseline"), periods.get("recent")
        if before is None or after is None or int(before["calls"]) < MIN_CALLS or int(after["calls"]) < MIN_CALLS:
            continue
        found.extend(_judge(group, before, after))
    return found


def _judge(group: _Group, before: dict[str, Any], after: dict[str, Any]) -> list[Regression]:
    calls_before, calls_after, failures_after = int(before["calls"]), int(after["calls"]), int(after["failures"])

    def regression(kind: Literal["latency", "failures"], level_before: float, level_after: float) -> Regression:
        return Regression(
            kind, group.table, group.app_role, group.dependency, group.dependency_type, level_before, level_after,
            calls_before, calls_after, failures_after, onset=None, query="",
        )  # fmt: skip

    found: list[Regression] = []
    p95_before, p95_after = float(before["p95_ms"] or 0), float(after["p95_ms"] or 0)
    if p95_after >= LATENCY_RATIO * p95_before and p95_after - p95_before >= MIN_LATENCY_RISE_MS:
        found.append(regression("latency", p95_before, p95_after))
    rate_before, rate_after = int(before["failures"]) / calls_before, failures_after / calls_after
    if (
        failures_after >= MIN_FAILURES
        and rate_after >= FAILURE_RATE_RATIO * rate_before
        and rate_after - rate_before >= FAILURE_RATE_RISE
    ):
        found.append(regression("failures", rate_before, rate_after))
    return found


def _with_onset(logs: LogStore, regression: Regression, incident_time: datetime) -> Regression:
    group = _Group(regression.table, regression.app_role, regression.dependency, regression.dependency_type)
    query = (
        f"{regression.table} | where TimeGenerated >= {kql_time(incident_time - LOOKBACK)} "
        f"and TimeGenerated < {kql_time(incident_time)} | where {group.where()} "
        f"| summarize calls = count(), failures = countif(Success == false), p95_ms = percentile(DurationMs, 95) "
        f"by bin(TimeGenerated, {_BIN_KQL}) | order by TimeGenerated asc"
    )
    bins = logs.query(query, max_rows=2_000).as_dicts()
    onset = _onset_of(bins, _elevated(regression))
    return replace(regression, onset=onset, query=query, around_onset=_around(bins, onset, regression.kind))


def _around(bins: Sequence[dict[str, Any]], onset: datetime | None, kind: str) -> str:
    """`08:00Z 7.3 ms (146 calls), 08:10Z ...`: two bins before the onset and three from it."""
    if onset is None:
        return ""
    index = next(i for i, row in enumerate(bins) if as_datetime(row["TimeGenerated"]) == onset)
    shown = []
    for row in bins[max(0, index - 2) : index + 3]:
        calls, failures = int(row["calls"]), int(row["failures"])
        level = _ms(float(row["p95_ms"] or 0)) if kind == "latency" else f"{failures} failed"
        shown.append(f"{as_datetime(row['TimeGenerated']):%H:%M}Z {level} ({calls} calls)")
    return ", ".join(shown)


def _elevated(regression: Regression) -> Callable[[dict[str, Any]], bool]:
    """Elevated: past halfway from the baseline to the recent level (in ratio for latency, in points for rates)."""
    if regression.kind == "latency":
        threshold = math.sqrt(max(regression.before, 0.1) * regression.after)
        return lambda row: float(row["p95_ms"] or 0) >= threshold
    halfway = (regression.before + regression.after) / 2
    return lambda row: int(row["failures"]) > 0 and int(row["failures"]) / int(row["calls"]) >= halfway


def _onset_of(bins: Sequence[dict[str, Any]], elevated: Callable[[dict[str, Any]], bool]) -> datetime | None:
    """Start of the earliest bin from which every bin with enough calls is elevated, up to the last one."""
    onset: datetime | None = None
    for row in reversed(bins):
        if int(row["calls"]) < MIN_BIN_CALLS:
            continue
        if not elevated(row):
            break
        onset = as_datetime(row["TimeGenerated"])
    return onset


def _is_explained(regression: Regression, regressions: Sequence[Regression]) -> bool:
    """Calls to a service whose own requests regressed (its role named in the target, `ca-inventory-api` for
    `inventory-api`), or a service's requests when one of its dependencies regressed."""
    if regression.dependency:
        return any(
            not other.dependency and other.app_role != regression.app_role and _names(regression.dependency, other)
            for other in regressions
        )
    return any(bool(other.dependency) and other.app_role == regression.app_role for other in regressions)


def _names(target: str, service: Regression) -> bool:
    role = service.app_role.lower()
    return (
        len(role) >= MIN_ROLE_CHARS
        and re.search(rf"(?<![a-z0-9]){re.escape(role)}(?![a-z0-9])", target.lower()) is not None
    )


def regression_evidence(regressions: Sequence[Regression], incident_time: datetime) -> list[Evidence]:
    """One evidence item per regression: the claim with its numbers, the KQL by bin, and the bins near the onset."""
    start, end = incident_time - LOOKBACK, incident_time - BASELINE_GAP
    window = (
        f"in the {_minutes(RECENT)} min before the incident, against {start:%Y-%m-%d %H:%M}Z to {end:%Y-%m-%d %H:%M}Z"
    )
    items = []
    for r in regressions:
        excerpt = (
            f"baseline: {r.calls_before} calls; last {_minutes(RECENT)} min: {r.calls_after} calls, "
            f"{r.failures_after} failed; {r.numbers()}"
        )
        if r.onset is not None:
            excerpt += f"; elevated in every {_minutes(BIN)}-min bin since {r.onset:%Y-%m-%d %H:%M}Z: {r.around_onset}"
        items.append(
            Evidence(
                claim=f"{r.began}: {r.numbers()} {window}",
                source=EvidenceSource(kind="log_query", ref=r.query),
                excerpt=excerpt,
            )
        )
    return items


def as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
