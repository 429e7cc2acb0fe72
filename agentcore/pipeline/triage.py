"""Deterministic triage: what the logs and the change history say before any model reasons.

It finds new exception types and their stacks, and latency and failure regressions of dependencies and
requests; then it ranks the changes that went live before the incident against them. It fills the report's
`suspects` in both modes, is the whole of evidence-only mode, and gives the agent a head start. Every fact
comes with the KQL that shows it, so an engineer can re-run it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from agentcore.connectors.changes import (
    DeploymentRecord,
    IncidentSignals,
    RegressionSignal,
    collect_candidates,
    live_environment_deployments,
    rank_suspects,
)
from agentcore.connectors.logs import LogQueryError, LogStore
from agentcore.errors import AgentCoreError
from agentcore.pipeline._kql import kql_string, kql_time
from agentcore.pipeline._regressions import (
    BIN,
    WHAT_IS_CHECKED,
    Regression,
    as_datetime,
    find_regressions,
    regression_evidence,
)
from agentcore.reports import Evidence, EvidenceSource, Suspect
from agentcore.workspace import ServiceRepo

__all__ = [
    "NewError",
    "Regression",
    "ServiceRepo",
    "Triage",
    "kql_string",
    "kql_time",
    "run_triage",
]

logger = logging.getLogger(__name__)

LOOKBACK = timedelta(hours=24)
AFTER_INCIDENT = timedelta(minutes=15)
NEW_ERROR_GRACE = timedelta(minutes=30)
"""An exception type first seen at least this long after the data starts counts as new."""


@dataclass(frozen=True)
class NewError:
    exception_type: str
    app_role: str
    count: int
    first_seen: datetime
    message: str
    stack_files: tuple[str, ...]
    stack_functions: tuple[str, ...]


@dataclass(frozen=True)
class Triage:
    """What triage found. `onset` is when the earliest symptom showed: a new error or a regression."""

    suspects: tuple[Suspect, ...]
    evidence: tuple[Evidence, ...]
    new_errors: tuple[NewError, ...]
    onset: datetime | None
    checked: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())
    regressions: tuple[Regression, ...] = ()
    """Latency and failure regressions, the ones nothing else explains first."""


def run_triage(
    incident_time: datetime,
    services: Sequence[ServiceRepo],
    deployments: Sequence[DeploymentRecord],
    logs: LogStore | None,
) -> Triage:
    """Find new errors, their stacks and regressions, then rank the changes that went live before the incident."""
    evidence: list[Evidence] = []
    checked: list[str] = []
    problems: list[str] = []
    new_errors: list[NewError] = []
    regressions: list[Regression] = []
    if logs is not None:
        try:
            new_errors = _find_new_errors(logs, incident_time, evidence)
            checked.append("exception types and when each was first seen (AppExceptions)")
        except LogQueryError as e:
            problems.append(f"exceptions query failed: {e}")
        try:
            regressions = find_regressions(logs, incident_time)
            evidence.extend(regression_evidence(regressions, incident_time))
            checked.append(WHAT_IS_CHECKED)
        except LogQueryError as e:
            problems.append(f"regression queries failed: {e}")
    signals = _signals(incident_time, new_errors, regressions)
    suspects = _rank_changes(incident_time, services, deployments, signals, problems)
    checked.append("deployments and commits that went live in the 7 days before the incident")
    evidence.extend(_deployment_evidence(suspects[:3]))
    return Triage(
        tuple(suspects), tuple(evidence), tuple(new_errors), signals.symptom_onset, tuple(checked), tuple(problems),
        tuple(regressions),
    )  # fmt: skip


def _signals(
    incident_time: datetime, new_errors: Sequence[NewError], regressions: Sequence[Regression]
) -> IncidentSignals:
    """The incident's signals; the symptom is the earliest to show (an exact error sighting wins a tie).

    Only regressions no other one explains count: calls to a service that itself slowed down show its onset
    late or, with a noisy bin, early, never more truly than the service itself.
    """
    leading = [r for r in regressions if not r.explained] or list(regressions)
    symptoms = [(e.first_seen, timedelta(0), "the new error first appeared") for e in new_errors]
    symptoms += [(r.onset, BIN, r.began) for r in leading if r.onset is not None]
    no_symptom = (None, timedelta(0), "")
    onset, resolution, symptom = min(symptoms, key=lambda s: (s[0], s[1]), default=no_symptom)
    return IncidentSignals(
        incident_time=incident_time,
        stack_files=frozenset(f for e in new_errors for f in e.stack_files),
        stack_functions=frozenset(f for e in new_errors for f in e.stack_functions),
        error_messages=tuple(e.message for e in new_errors if e.message),
        symptom_onset=onset,
        symptom=symptom,
        symptom_onset_resolution=resolution,
        regressions=tuple(RegressionSignal(r.kind, r.app_role, r.dependency, r.dependency_type) for r in leading),
    )


def _find_new_errors(logs: LogStore, incident_time: datetime, evidence: list[Evidence]) -> list[NewError]:
    if "AppExceptions" not in {t.name for t in logs.tables()}:
        return []
    start, end = incident_time - LOOKBACK, incident_time + AFTER_INCIDENT
    window = f"TimeGenerated >= {kql_time(start)} and TimeGenerated < {kql_time(end)}"
    overview = (
        f"AppExceptions | where {window} "
        "| summarize occurrences = count(), first_seen = min(TimeGenerated), last_seen = max(TimeGenerated) "
        "by ExceptionType, AppRoleName | order by occurrences desc"
    )
    rows = logs.query(overview, max_rows=200).as_dicts()
    if not rows:
        return []
    data_start = min(as_datetime(r["first_seen"]) for r in rows)
    found: list[NewError] = []
    for row in rows:
        first_seen = as_datetime(row["first_seen"])
        if first_seen - data_start < NEW_ERROR_GRACE or first_seen > end:
            continue
        found.append(_describe_new_error(logs, row, first_seen, window))
        if len(found) == 3:
            break
    if found:
        table = "\n".join(
            f"{e.exception_type} on {e.app_role}: {e.count} since {e.first_seen:%H:%M:%S}Z" for e in found
        )
        top = found[0]
        evidence.append(
            Evidence(
                claim=f"{top.exception_type} on {top.app_role} is new: first seen {top.first_seen:%Y-%m-%d %H:%M:%S}Z, "
                f"{top.count} times since, never in the {_hours(LOOKBACK)} h before",
                source=EvidenceSource(kind="log_query", ref=overview),
                excerpt=table,
            )
        )
    return found


def _describe_new_error(logs: LogStore, row: dict[str, Any], first_seen: datetime, window: str) -> NewError:
    exception_type, app_role = str(row["ExceptionType"]), str(row["AppRoleName"])
    sample = (
        f"AppExceptions | where {window} and ExceptionType == {kql_string(exception_type)} "
        f"and AppRoleName == {kql_string(app_role)} | order by TimeGenerated asc | take 1 "
        "| project OuterMessage, Details"
    )
    try:
        sample_rows = logs.query(sample, max_rows=1).as_dicts()
    except LogQueryError as e:
        logger.warning("sample of %r could not be read: %s", exception_type[:80], e)
        sample_rows = []
    message = str(sample_rows[0].get("OuterMessage") or "") if sample_rows else ""
    files, functions = _stack_of(sample_rows[0].get("Details") if sample_rows else None)
    return NewError(exception_type, app_role, int(row["occurrences"]), first_seen, message, files, functions)


def _stack_of(details: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """File names and methods of the parsed stack in an AppExceptions `Details` value."""
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except json.JSONDecodeError:
            return (), ()
    files: list[str] = []
    functions: list[str] = []
    for entry in details if isinstance(details, list) else []:
        frames = entry.get("parsedStack", []) if isinstance(entry, dict) else []
        for frame in frames if isinstance(frames, list) else []:
            if isinstance(frame, dict):
                if frame.get("fileName"):
                    files.append(str(frame["fileName"]))
                if frame.get("method"):
                    functions.append(str(frame["method"]))
    return tuple(dict.fromkeys(files)), tuple(dict.fromkeys(functions))


def _rank_changes(
    incident_time: datetime,
    services: Sequence[ServiceRepo],
    deployments: Sequence[DeploymentRecord],
    signals: IncidentSignals,
    problems: list[str],
) -> list[Suspect]:
    candidates = []
    for service in services:
        rows = live_environment_deployments(
            [d for d in deployments if d.service in (service.service, service.app_role)], incident_time
        )
        try:
            candidates.extend(
                collect_candidates(service.repo_path, service.repo, rows, incident_time, window=7 * LOOKBACK)
            )
        except AgentCoreError as e:
            problems.append(f"change history of {service.repo} could not be read: {e}")
    return rank_suspects(candidates, signals)


def _deployment_evidence(suspects: Sequence[Suspect]) -> list[Evidence]:
    return [
        Evidence(
            claim=f"{s.repo} {s.commit[:12]} ({s.title}) is a suspect, score {s.score:.2f}",
            source=EvidenceSource(kind="deployment" if s.deployed_at else "commit", ref=s.commit),
            excerpt="; ".join(s.reasons),
        )
        for s in suspects
    ]


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)
