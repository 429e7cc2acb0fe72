"""When the failing code path could first run: the enabling events of a new error.

A bug can sit in production for hours before anything calls it: a nightly job runs once a day, a feature flag
or a configuration change turns a code path on. Until then the time since its deploy says nothing about it.
Two facts show when the path became reachable: the calls of the operation the error first failed in (a change
that went live before a quiet stretch of that operation was first exercised at its next call), and a flag or
configuration event the service logged shortly before the first sighting. Each fact comes with its KQL.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

from agentcore.connectors.logs import LogQueryError, LogStore
from agentcore.reports import Evidence, EvidenceSource
from agentcore.triage._kql import kql_string, kql_time
from agentcore.triage._regressions import as_datetime
from agentcore.triage._signals import EnablingEvent, Exposure

ENABLING_WINDOW = timedelta(hours=1)
"""A flag or configuration event counts as enabling when it came at most this long before the first sighting."""
CALLS_LOOKBACK = timedelta(days=7)
"""How far back the failing operation's calls are read: the window changes are collected from."""
MAX_CALL_BINS = 20_000
ROUTINE_LOOKBACK = timedelta(hours=24)
"""How far back a flag or configuration message is counted to tell a one-off event from a routine one."""
MAX_ROUTINE = 2
"""A message logged more often than this in ROUTINE_LOOKBACK is routine (`configuration refreshed`)."""
MAX_TRACES = 5_000
_VARYING = re.compile(r"[0-9a-f]{6,}|\d+")
_ENABLING = re.compile(
    r"\b(feature[ _-]?flag|flag|toggle|feature|configuration|config|setting)s?\b.*?"
    r"\b(enabled|disabled|turned on|turned off|switched|changed|updated|set to|rolled out|refresh(ed)?|reloaded)\b",
    re.IGNORECASE,
)


def find_exposure(logs: LogStore, app_role: str, operation_id: str, first_seen: datetime) -> Exposure | None:
    """The failing operation's call history and the enabling events before `first_seen`, or None when the logs
    name neither (no request shares the error's operation id, and no flag or configuration event)."""
    tables = {t.name for t in logs.tables()}
    operation, calls_query = "", ""
    calls: tuple[datetime, ...] = ()
    if "AppRequests" in tables and operation_id:
        operation = _operation_name(logs, app_role, operation_id)
        if operation:
            calls_query = _calls_query(app_role, operation, first_seen)
            rows = logs.query(calls_query, max_rows=MAX_CALL_BINS).as_dicts()
            calls = tuple(as_datetime(row["TimeGenerated"]) for row in rows)
    events_query = ""
    events: tuple[EnablingEvent, ...] = ()
    if "AppTraces" in tables:
        events_query = _events_query(app_role, first_seen)
        rows = logs.query(events_query, max_rows=MAX_TRACES).as_dicts()
        events = _enabling_events(
            [(as_datetime(row["TimeGenerated"]), str(row["Message"])) for row in rows], first_seen
        )
    if not operation and not events:
        return None
    return Exposure(first_seen, operation, calls, events, calls_query, events_query)


def exposure_evidence(exposure: Exposure) -> list[Evidence]:
    """The enabling events and a quiet stretch of the failing operation, each with the KQL that shows it."""
    items = []
    if exposure.events:
        last = exposure.events[-1]
        items.append(
            Evidence(
                claim=f"shortly before the new error first appeared, the service logged {last.message!r}",
                source=EvidenceSource(kind="log_query", ref=exposure.events_query),
                excerpt="\n".join(f"{e.time:%Y-%m-%d %H:%M:%S}Z {e.message}" for e in exposure.events[-5:]),
            )
        )
    quiet = exposure.quiet_before_first_sighting()
    if quiet is not None:
        items.append(
            Evidence(
                claim=f"{exposure.operation} had not run since {quiet[0]:%Y-%m-%d %H:%M}Z when it first failed at "
                f"{quiet[1]:%Y-%m-%d %H:%M}Z",
                source=EvidenceSource(kind="log_query", ref=exposure.calls_query),
                excerpt=", ".join(f"{c:%m-%d %H:%M}Z" for c in exposure.calls[-6:]),
            )
        )
    return items


def _enabling_events(traces: list[tuple[datetime, str]], first_seen: datetime) -> tuple[EnablingEvent, ...]:
    """Flag or configuration events of the last ENABLING_WINDOW that are not routine: a message (digits and hex
    ids aside) logged more than MAX_ROUTINE times in the day is a periodic refresh, which enables nothing."""
    shapes = Counter(_shape(message) for _, message in traces)
    return tuple(
        EnablingEvent(time, message)
        for time, message in traces
        if time >= first_seen - ENABLING_WINDOW and _ENABLING.search(message) and shapes[_shape(message)] <= MAX_ROUTINE
    )


def _shape(message: str) -> str:
    return _VARYING.sub("#", message.lower())


def _operation_name(logs: LogStore, app_role: str, operation_id: str) -> str:
    """The failing service's own request in the error's operation (a trace spans every service it calls)."""
    query = (
        f"AppRequests | where OperationId == {kql_string(operation_id)} and AppRoleName == {kql_string(app_role)} "
        "| order by TimeGenerated asc | take 1 | project Name"
    )
    try:
        rows = logs.query(query, max_rows=1).as_dicts()
    except LogQueryError:
        return ""
    return str(rows[0].get("Name") or "") if rows else ""


def _calls_query(app_role: str, operation: str, first_seen: datetime) -> str:
    return (
        f"AppRequests | where TimeGenerated >= {kql_time(first_seen - CALLS_LOOKBACK)} "
        f"and TimeGenerated <= {kql_time(first_seen)} "
        f"| where AppRoleName == {kql_string(app_role)} and Name == {kql_string(operation)} "
        "| summarize calls = count() by bin(TimeGenerated, 1m) | order by TimeGenerated asc"
    )


def _events_query(app_role: str, first_seen: datetime) -> str:
    return (
        f"AppTraces | where TimeGenerated >= {kql_time(first_seen - ROUTINE_LOOKBACK)} "
        f"and TimeGenerated <= {kql_time(first_seen)} and AppRoleName == {kql_string(app_role)} "
        '| where Message contains "flag" or Message contains "config" or Message contains "setting" '
        'or Message contains "feature" or Message contains "toggle" '
        "| project TimeGenerated, Message | order by TimeGenerated asc"
    )
