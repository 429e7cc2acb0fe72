"""Which commits went live before an incident: deployments joined with git history.

`collect_candidates` asks git which commits went live in each deployment before the incident; ranking them
against the incident is triage's job (`agentcore.triage.rank_suspects`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from agentcore.connectors.changes._git_history import GitCommit, read_commits, resolve_commits
from agentcore.connectors.changes._records import ChangeCandidate, DeploymentRecord, require_utc

logger = logging.getLogger(__name__)

DEFAULT_WINDOW = timedelta(days=7)
"""How far before the incident changes are collected."""

__all__ = ["DEFAULT_WINDOW", "collect_candidates", "live_environment_deployments"]


def collect_candidates(
    repo_path: Path,
    repo_name: str,
    deployments: Sequence[DeploymentRecord],
    incident_time: datetime,
    *,
    window: timedelta = DEFAULT_WINDOW,
) -> list[ChangeCandidate]:
    """Commits of the clone at `repo_path` that went live in the `window` before `incident_time`.

    A deployment in the window makes live the commits between the previous deployment of the same
    service and environment and its own commit (`git rev-list previous..deployed`); with no earlier
    deployment on record, the commits it contains that were committed inside the window. A commit
    that went live in several deployments keeps the earliest. Deployments whose commit this clone
    does not have are skipped (they belong to another repository); when none is left, commits on
    HEAD by commit time stand in, with `deployed_at` None. Newest first.
    """
    incident_time = require_utc(incident_time, "incident_time")
    start = incident_time - window
    resolved = resolve_commits(repo_path, (d.commit for d in deployments))
    known = [replace(d, commit=resolved[d.commit]) for d in deployments if d.commit in resolved]
    skipped = len(deployments) - len(known)
    if skipped:
        logger.info("%s: skipped %d deployment(s) whose commit is not in %s", repo_name, skipped, repo_path)
    if not known:
        commits = read_commits(repo_path, ["HEAD"], since=start)
        candidates = [_candidate(repo_name, c, None) for c in commits if start <= c.committed_at <= incident_time]
        return _newest_first(candidates)
    earliest: dict[str, ChangeCandidate] = {}
    for deployment, previous in _deployments_in_window(known, start, incident_time):
        if previous is None:
            commits = [c for c in read_commits(repo_path, [deployment.commit], since=start) if c.committed_at >= start]
        else:
            commits = read_commits(repo_path, [f"{previous.commit}..{deployment.commit}"])
        for commit in commits:
            seen = earliest.get(commit.sha)
            if seen is None or seen.live_since > deployment.time:
                earliest[commit.sha] = _candidate(repo_name, commit, deployment)
    return _newest_first(earliest.values())


def _deployments_in_window(
    deployments: Sequence[DeploymentRecord], start: datetime, end: datetime
) -> list[tuple[DeploymentRecord, DeploymentRecord | None]]:
    """Each deployment in [start, end] with the one before it for the same service and environment."""
    streams: dict[tuple[str, str], list[DeploymentRecord]] = defaultdict(list)
    for deployment in deployments:
        streams[(deployment.service, deployment.environment)].append(deployment)
    pairs: list[tuple[DeploymentRecord, DeploymentRecord | None]] = []
    for key in sorted(streams):
        stream = sorted(streams[key], key=lambda d: (d.time, d.commit))
        for index, deployment in enumerate(stream):
            if start <= deployment.time <= end:
                pairs.append((deployment, stream[index - 1] if index else None))
    return pairs


def _candidate(repo_name: str, commit: GitCommit, deployment: DeploymentRecord | None) -> ChangeCandidate:
    return ChangeCandidate(
        repo=repo_name,
        commit=commit.sha,
        title=commit.title,
        author=commit.author,
        committed_at=commit.committed_at,
        files=commit.files,
        diff_identifiers=commit.identifiers,
        config_identifiers=commit.config_identifiers,
        deployed_at=deployment.time if deployment else None,
        deployment=deployment,
    )


def _newest_first(candidates: Iterable[ChangeCandidate]) -> list[ChangeCandidate]:
    return sorted(candidates, key=lambda c: (-c.live_since.timestamp(), -c.committed_at.timestamp(), c.commit))


def live_environment_deployments(rows: Sequence[DeploymentRecord], incident_time: datetime) -> list[DeploymentRecord]:
    """Per service, only the deployments of the environment that was live at the incident (its latest one's).

    A release reaches staging before production; counting the staging time as "went live" would make
    a change look older than it is in the environment that failed.
    """
    kept: list[DeploymentRecord] = []
    for service in sorted({d.service for d in rows}):
        mine = [d for d in rows if d.service == service]
        before = [d for d in mine if d.time <= incident_time]
        if not before:
            kept.extend(mine)
            continue
        environment = max(before, key=lambda d: d.time).environment
        kept.extend(d for d in mine if d.environment == environment)
    return kept
