"""Hook: what changed — deployments (data/deployments.jsonl) and commits before the incident, ranked.

Commits come from each repository's history through the sandbox's shell (`git log` / `git rev-list`
run in the workspace), so the hook works with any sandbox. With an incident time, the candidates
are ranked by `agentcore.triage.rank_suspects`, the same deterministic ranking the
report's suspects use; without one, the newest commits are listed.
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from datetime import datetime
from typing import Any

from agentcore.connectors.changes import (
    DEFAULT_WINDOW,
    ChangeCandidate,
    DeploymentRecord,
    FileChange,
    live_environment_deployments,
)
from agentcore.context._text_budget import clip_chars, clip_lines, list_files
from agentcore.errors import AgentCoreError
from agentcore.sandbox import Sandbox
from agentcore.triage import IncidentSignals, rank_suspects

DEPLOYMENTS_PATH = "data/deployments.jsonl"
MAX_DEPLOYMENTS_BYTES = 5_000_000
MAX_DEPLOYMENTS = 12
MAX_SUSPECTS = 10
MAX_COMMITS_PER_REPO = 200
GIT_TIMEOUT_S = 60.0
_RECORD, _FIELD = "\x1e", "\x1f"
_GIT = "git -c core.quotepath=off -c log.showSignature=false"


def render_changes(sandbox: Sandbox, budget_chars: int, incident_time: datetime | None) -> str:
    """`## What changed`: deployments before the incident, then the ranked (or newest) commits."""
    start = incident_time - DEFAULT_WINDOW if incident_time else None
    deployments = [d for d in _deployments(sandbox) if _in_window(d.time, start, incident_time)]
    deployments.sort(key=lambda d: (d.time, d.service, d.environment, d.commit), reverse=True)
    window = f" in the {DEFAULT_WINDOW.days} days before the incident" if incident_time else ""
    lines = [f"## What changed{window}", f"Deployments ({DEPLOYMENTS_PATH}), newest first:"]
    lines += clip_lines([_deployment_line(d) for d in deployments], MAX_DEPLOYMENTS, "deployments") or ["(none)"]
    candidates: list[ChangeCandidate] = []
    live = live_environment_deployments(deployments, incident_time) if incident_time else deployments
    for repo in _repositories(sandbox):
        candidates += _candidates(sandbox, repo, live, start, incident_time)
    if incident_time is not None:
        lines.append("Commits that went live, most suspect first (deterministic ranking; verify before you trust):")
        suspects = rank_suspects(candidates, IncidentSignals(incident_time=incident_time))
        shared = Counter(s.rank for s in suspects)
        rendered = [
            f"- repos/{s.repo} {s.commit[:10]} {s.title!r} by {s.author}, live {_when(s.deployed_at)}, "
            f"score {s.score:.2f}{' (tie)' if shared[s.rank] > 1 else ''}: {'; '.join(s.reasons[:2])}"
            for s in suspects
        ]
    else:
        lines.append("Newest commits (no incident time given, so nothing is ranked):")
        newest = sorted(candidates, key=lambda c: (c.committed_at, c.repo, c.commit), reverse=True)
        rendered = [
            f"- repos/{c.repo} {c.commit[:10]} {c.title!r} by {c.author}, {_when(c.committed_at)}" for c in newest
        ]
    lines += clip_lines(rendered, MAX_SUSPECTS, "commits") or ["(none)"]
    return clip_chars("\n".join(lines), budget_chars)


def _in_window(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or moment >= start) and (end is None or moment <= end)


def _when(moment: datetime | None) -> str:
    return "unknown" if moment is None else moment.strftime("%Y-%m-%dT%H:%MZ")


def _deployment_line(d: DeploymentRecord) -> str:
    extras = [part for part in (d.version, f"PR #{d.pr}" if d.pr else None, d.author) if part]
    return f"- {_when(d.time)} {d.service} → {d.environment} at {d.commit[:10]}" + (
        f" ({', '.join(extras)})" if extras else ""
    )


def _deployments(sandbox: Sandbox) -> list[DeploymentRecord]:
    """Well-formed rows of the deployments file; malformed rows are skipped."""
    try:
        size = sandbox.stat(DEPLOYMENTS_PATH).size
        data = sandbox.read_bytes(DEPLOYMENTS_PATH, 0, min(size, MAX_DEPLOYMENTS_BYTES))
    except (OSError, AgentCoreError):
        return []
    records = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        record = _deployment(line)
        if record is not None:
            records.append(record)
    return records


def _deployment(line: str) -> DeploymentRecord | None:
    try:
        row: Any = json.loads(line)
        return DeploymentRecord(
            time=datetime.fromisoformat(str(row["time"])),
            service=str(row["service"]),
            environment=str(row["environment"]),
            commit=str(row["commit"]),
            version=str(row["version"]) if row.get("version") else None,
            pr=int(row["pr"]) if row.get("pr") else None,
            author=str(row["author"]) if row.get("author") else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError, AgentCoreError):
        return None


def _repositories(sandbox: Sandbox) -> list[str]:
    """Names of the git repositories under repos/ (folders holding a `.git`)."""
    folders = sorted({path.split("/")[1] for path in list_files(sandbox, "repos") if path.count("/") >= 2})
    repositories = []
    for name in folders:
        try:
            sandbox.stat(f"repos/{name}/.git")
        except (OSError, AgentCoreError):
            continue
        repositories.append(name)
    return repositories


def _git(sandbox: Sandbox, repo: str, command: str) -> str:
    result = sandbox.run(f"cd {shlex.quote('repos/' + repo)} && {{ {command}; }}", timeout_s=GIT_TIMEOUT_S)
    return result.output.decode("utf-8", errors="replace") if result.exit_code == 0 else ""


def _candidates(
    sandbox: Sandbox, repo: str, deployments: list[DeploymentRecord], start: datetime | None, end: datetime | None
) -> list[ChangeCandidate]:
    window = (f" --since={start.isoformat()}" if start else "") + (f" --until={end.isoformat()}" if end else "")
    log = _git(
        sandbox,
        repo,
        f"{_GIT} log --no-merges --no-renames --no-color --numstat --format=%x1e%H%x1f%an%x1f%cI%x1f%s"
        f"{window} -n {MAX_COMMITS_PER_REPO} HEAD --",
    )
    live_since = _first_deployment_of_each_commit(sandbox, repo, deployments, window)
    candidates = []
    for record in log.split(_RECORD)[1:]:
        header, _, numstat = record.partition("\n")
        sha, author, committed, title = header.split(_FIELD, 3)
        deployment = live_since.get(sha)
        candidates.append(
            ChangeCandidate(
                repo=repo,
                commit=sha,
                title=title,
                author=author,
                committed_at=datetime.fromisoformat(committed),
                files=_file_changes(numstat),
                deployed_at=deployment.time if deployment else None,
                deployment=deployment,
            )
        )
    return candidates


def _first_deployment_of_each_commit(
    sandbox: Sandbox, repo: str, deployments: list[DeploymentRecord], window: str
) -> dict[str, DeploymentRecord]:
    """Commit -> the earliest deployment whose commit contains it (deployments of other repos match nothing)."""
    if not deployments:
        return {}
    script = (
        "; ".join(
            f"echo {_RECORD}{index}; {_GIT} rev-list --no-merges{window} -n {MAX_COMMITS_PER_REPO} "
            f"{shlex.quote(d.commit)} -- 2>/dev/null"
            for index, d in enumerate(deployments)
        )
        + "; true"
    )
    earliest: dict[str, DeploymentRecord] = {}
    for block in _git(sandbox, repo, script).split(_RECORD)[1:]:
        index, *shas = block.split()
        deployment = deployments[int(index)]
        for sha in shas:
            if sha not in earliest or deployment.time < earliest[sha].time:
                earliest[sha] = deployment
    return earliest


def _file_changes(numstat: str) -> tuple[FileChange, ...]:
    changes = []
    for line in numstat.splitlines():
        parts = line.split("\t", 2)
        if len(parts) != 3:
            continue
        added, deleted, path = parts
        binary = added == "-" or deleted == "-"
        changes.append(FileChange(path, 0 if binary else int(added), 0 if binary else int(deleted), binary))
    return tuple(sorted(changes, key=lambda change: change.path))
