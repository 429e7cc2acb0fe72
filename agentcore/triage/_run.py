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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from agentcore.connectors.changes import (
    ChangeCandidate,
    DeploymentRecord,
    collect_candidates,
    live_environment_deployments,
)
from agentcore.connectors.logs import LogQueryError, LogStore
from agentcore.errors import AgentCoreError
from agentcore.reports import Evidence, EvidenceSource, Suspect
from agentcore.triage._exposure import exposure_evidence, find_exposure
from agentcore.triage._kql import kql_string, kql_time
from agentcore.triage._prompt_cache import prompt_cache_evidence
from agentcore.triage._regressions import (
    BIN,
    RECENT,
    WHAT_IS_CHECKED,
    Regression,
    as_datetime,
    find_regressions,
    regression_evidence,
)
from agentcore.triage._signals import Exposure, IncidentSignals, RegressionSignal
from agentcore.triage.ranking import rank_suspects

__all__ = ["NewError", "ServiceRepo", "Triage", "run_triage"]

logger = logging.getLogger(__name__)

LOOKBACK = timedelta(hours=24)
AFTER_INCIDENT = timedelta(minutes=15)
ENABLING_CHECKED = (
    "what first let the failing code run: the failing operation's earlier calls (AppRequests) and flag or "
    "configuration events the service logged in the hour before the new error (AppTraces)"
)
CACHE_CHECKED = (
    "prompt-cache hit rates of GenAI calls per model, before and after the onset (AppDependencies); requests "
    "below a model's minimum cacheable prompt counted as uncacheable, not as misses"
)
MAX_HISTORIES_AT_ONCE = 4
"""Repositories whose change history is read at once (a git log and a cat-file each)."""
NEW_ERROR_GRACE = timedelta(minutes=30)
"""An exception type first seen at least this long after the data starts counts as new."""


@dataclass(frozen=True)
class ServiceRepo:
    """A service, the repo that builds it (a local clone), and the role it logs under."""

    service: str
    repo: str
    repo_path: Path
    app_role: str


@dataclass(frozen=True)
class NewError:
    exception_type: str
    app_role: str
    count: int
    first_seen: datetime
    message: str
    stack_files: tuple[str, ...]
    stack_functions: tuple[str, ...]
    operation_id: str = ""
    """The operation (request) the error was first seen in, to find which operation failed."""


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
    """Find new errors, their stacks and regressions, then rank the changes that went live before the incident.

    Independent reads run side by side, as they mostly wait (on git processes, on DuckDB's threads or on a
    remote store): the change history beside the log queries, and the regression queries beside the new errors.
    """
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="triage") as beside:
        changes = beside.submit(_live_changes, incident_time, services, deployments)
        signals, found = _triage_logs(incident_time, logs, beside)
        candidates, history_problems = changes.result()
    suspects = rank_suspects(candidates, signals)
    found.checked.append("deployments and commits that went live in the 7 days before the incident")
    found.problems.extend(history_problems)
    found.evidence.extend(_deployment_evidence(suspects[:3]))
    return Triage(
        tuple(suspects), tuple(found.evidence), tuple(found.new_errors), signals.symptom_onset, tuple(found.checked),
        tuple(found.problems), tuple(found.regressions),
    )  # fmt: skip


@dataclass
class _LogFindings:
    """What the log queries found, in the order they found it."""

    evidence: list[Evidence]
    checked: list[str]
    problems: list[str]
    new_errors: list[NewError]
    regressions: list[Regression]


def _triage_logs(
    incident_time: datetime, logs: LogStore | None, beside: ThreadPoolExecutor
) -> tuple[IncidentSignals, _LogFindings]:
    """The incident's signals and the log facts behind them (none without a log store).

    The regression queries run on `beside` while this thread finds the new errors and reads the first one's
    enabling events. Those only count when that error set the symptom's onset, which the regressions decide;
    when it did not, what they found (or failed to find) is dropped, as if they had not been read. The facts
    are listed in the same order either way: new errors, regressions, enabling events, prompt-cache use.
    """
    findings = _LogFindings([], [], [], [], [])
    if logs is None:
        return _signals(incident_time, [], []), findings
    regressions_read = beside.submit(_read_regressions, logs, incident_time)
    try:
        findings.new_errors = _find_new_errors(logs, incident_time, findings.evidence)
        findings.checked.append("exception types and when each was first seen (AppExceptions)")
    except LogQueryError as e:
        findings.problems.append(f"exceptions query failed: {e}")
    exposure = _first_error_exposure(logs, findings.new_errors) if findings.new_errors else None
    regressions, regression_problem = regressions_read.result()
    findings.regressions = regressions
    if regression_problem is None:
        findings.evidence.extend(regression_evidence(regressions, incident_time))
        findings.checked.append(WHAT_IS_CHECKED)
    else:
        findings.problems.append(regression_problem)
    signals = _signals(incident_time, findings.new_errors, regressions)
    if findings.new_errors:
        signals = _with_exposure(signals, findings.new_errors, exposure, findings.evidence, findings.problems)
        findings.checked.append(ENABLING_CHECKED)
    # Without a symptom's onset, compare the last half hour with the day before, as the regressions do.
    split = signals.symptom_onset or incident_time - RECENT
    _add_prompt_cache_use(logs, split, incident_time, findings.evidence, findings.checked, findings.problems)
    return signals, findings


def _read_regressions(logs: LogStore, incident_time: datetime) -> tuple[list[Regression], str | None]:
    """The regressions, or none and why their queries failed."""
    try:
        return find_regressions(logs, incident_time), None
    except LogQueryError as e:
        return [], f"regression queries failed: {e}"


def _first_error_exposure(logs: LogStore, new_errors: Sequence[NewError]) -> Exposure | LogQueryError | None:
    """The enabling events of the earliest new error, or the error that stopped their queries."""
    first = min(new_errors, key=lambda e: e.first_seen)
    try:
        return find_exposure(logs, first.app_role, first.operation_id, first.first_seen)
    except LogQueryError as e:
        return e


def _add_prompt_cache_use(
    logs: LogStore, split: datetime, incident_time: datetime, evidence: list[Evidence], checked: list[str],
    problems: list[str],
) -> None:  # fmt: skip
    try:
        found = prompt_cache_evidence(logs, split, incident_time + AFTER_INCIDENT)
    except LogQueryError as e:
        problems.append(f"prompt-cache query failed: {e}")
        return
    if found:
        evidence.extend(found)
        checked.append(CACHE_CHECKED)


def _signals(
    incident_time: datetime, new_errors: Sequence[NewError], regressions: Sequence[Regression]
) -> IncidentSignals:
    """The incident's signals; the symptom is the earliest to show (an exact error sighting wins a tie).

    Only regressions no other one explains count: calls to a service that itself slowed down show its onset
    late or, with a noisy bin, early, never more truly than the service itself.
    """
    leading = [r for r in regressions if not r.explained] or list(regressions)
    symptoms = [(e.first_seen, timedelta(0), "the new error first appeared") for e in new_errors]
    symptoms += [(r.onset, BIN, r.began) for r in leading if r.onset is not None and not _sighted_in(r, new_errors)]
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


def _sighted_in(regression: Regression, new_errors: Sequence[NewError]) -> bool:
    """Whether a new error of the same service was first seen inside the regression's onset bin: the bin only
    says the symptom began somewhere in those minutes, the error's first sighting says when."""
    onset = regression.onset
    return onset is not None and any(
        e.app_role == regression.app_role and onset <= e.first_seen < onset + BIN for e in new_errors
    )


def _with_exposure(
    signals: IncidentSignals,
    new_errors: Sequence[NewError],
    exposure: Exposure | LogQueryError | None,
    evidence: list[Evidence],
    problems: list[str],
) -> IncidentSignals:
    """The signals with the enabling events of the first new error, when it set the symptom's onset."""
    first = min(new_errors, key=lambda e: e.first_seen)
    if signals.symptom_onset != first.first_seen or exposure is None:
        return signals
    if isinstance(exposure, LogQueryError):
        problems.append(f"enabling-event queries failed: {exposure}")
        return signals
    evidence.extend(exposure_evidence(exposure))
    return replace(signals, exposure=exposure)


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
        "| project OuterMessage, Details, OperationId"
    )
    try:
        sample_rows = logs.query(sample, max_rows=1).as_dicts()
    except LogQueryError as e:
        logger.warning("sample of %r could not be read: %s", exception_type[:80], e)
        sample_rows = []
    message = str(sample_rows[0].get("OuterMessage") or "") if sample_rows else ""
    files, functions = _stack_of(sample_rows[0].get("Details") if sample_rows else None)
    operation_id = str(sample_rows[0].get("OperationId") or "") if sample_rows else ""
    count = int(row["occurrences"])
    return NewError(exception_type, app_role, count, first_seen, message, files, functions, operation_id)


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


def _live_changes(
    incident_time: datetime, services: Sequence[ServiceRepo], deployments: Sequence[DeploymentRecord]
) -> tuple[list[ChangeCandidate], list[str]]:
    """The changes of every service's repository that went live before the incident, and the histories that
    could not be read. Each repository's history is read beside the others' (git processes, mostly waited on)."""

    def history(service: ServiceRepo) -> list[ChangeCandidate] | str:
        rows = live_environment_deployments(
            [d for d in deployments if d.service in (service.service, service.app_role)], incident_time
        )
        try:
            return collect_candidates(service.repo_path, service.repo, rows, incident_time, window=7 * LOOKBACK)
        except AgentCoreError as e:
            return f"change history of {service.repo} could not be read: {e}"

    if len(services) > 1:
        workers = min(len(services), MAX_HISTORIES_AT_ONCE)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="triage-history") as pool:
            histories = list(pool.map(history, services))
    else:
        histories = [history(service) for service in services]
    candidates: list[ChangeCandidate] = []
    problems: list[str] = []
    for found in histories:  # in the services' order, whichever finished first
        if isinstance(found, str):
            problems.append(found)
        else:
            candidates.extend(found)
    return candidates, problems


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
