"""`changes list`: deployments before the incident, newest first, each with the commits it made live.

A deployment makes live the commits between the previous deployment of the same service and
environment and its own commit. A deployment whose commit is older than the previous one's is a
rollback and lists what it took away. Without any deployment on record, the commits on each
repository's checked-out HEAD inside the window stand in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from agentcore.connectors.code import CommitInfo
from agentcore.connectors.code.deployment_log import DeploymentRow, read_deployment_log
from agentcore.connectors.code.git import REPO_NAME, LocalGitCodeHost
from agentcore.connectors.commands._cli import ScenarioFacts, ago, capped, count, read_scenario, stamp
from agentcore.errors import AgentCoreError, UserInputError

DEPLOYMENTS_FILE = Path("data/deployments.jsonl")
MAX_COMMITS_PER_DEPLOYMENT = 12
"""Commits listed under one deployment before a "(N more)" note."""

MAX_TITLE_CHARS = 100


@dataclass(frozen=True)
class ListRequest:
    service: str | None
    since: timedelta
    limit: int


def list_changes(workspace: Path, request: ListRequest) -> list[str]:
    facts = read_scenario(workspace)
    now = facts.incident_time
    start = now - request.since
    log = workspace / DEPLOYMENTS_FILE
    rows = read_deployment_log(log) if log.is_file() else []
    _check_service(request.service, facts, rows, workspace)
    selected = [r for r in rows if request.service in (None, r.service)]
    reference = "incident time" if facts.known else "now; no data/scenario.json, so the wall clock"
    header = f"changes from {stamp(start)} to {stamp(now)} ({reference})"
    host = LocalGitCodeHost(workspace / "repos", follow_links=True)  # inside the sandbox: repos may be linked
    if not selected:
        return [f"{header}: no deployments on record", *_head_commits(workspace, host, facts, request, start)]
    window = sorted((r for r in selected if start <= r.time <= now), key=lambda r: (r.time, r.line), reverse=True)
    lines = [f"{header}: {count(len(window), 'deployment')}, newest first"]
    previous = _previous_deployments(rows)
    for row in window[: request.limit]:
        lines += _deployment_lines(row, previous.get(row.line), now, host, facts, workspace)
    if len(window) > request.limit:
        hidden = count(len(window) - request.limit, "more deployment")
        lines.append(f"({hidden} in the window; raise --limit or narrow --since)")
    earlier = sum(1 for r in selected if r.time < start)
    later = sum(1 for r in selected if r.time > now)
    if earlier:
        lines.append(f"({count(earlier, 'earlier deployment')}; widen --since to see them)")
    if later:
        lines.append(f"({count(later, 'deployment')} after {stamp(now)} not shown)")
    lines.append("details of one commit: changes show <sha> [--repo R]")
    return lines


def _check_service(service: str | None, facts: ScenarioFacts, rows: list[DeploymentRow], workspace: Path) -> None:
    if service is None:
        return
    known = set(facts.repos_by_service) | {r.service for r in rows} | set(repo_names(workspace))
    if service not in known:
        raise UserInputError(f"no service {service!r}; services: {', '.join(sorted(known)) or 'none'}")


def _previous_deployments(rows: list[DeploymentRow]) -> dict[int, DeploymentRow]:
    """Line of each deployment -> the deployment before it of the same service and environment."""
    streams: dict[tuple[str, str], list[DeploymentRow]] = defaultdict(list)
    for row in rows:
        streams[(row.service, row.environment)].append(row)
    previous: dict[int, DeploymentRow] = {}
    for stream in streams.values():
        stream.sort(key=lambda r: (r.time, r.line))
        for before, after in zip(stream, stream[1:], strict=False):
            previous[after.line] = before
    return previous


def _deployment_lines(
    row: DeploymentRow,
    previous: DeploymentRow | None,
    now: datetime,
    host: LocalGitCodeHost,
    facts: ScenarioFacts,
    workspace: Path,
) -> list[str]:
    extras = [
        row.version or "",
        f"PR #{row.pr}" if row.pr is not None else "",
        f"by {row.author}" if row.author else "",
    ]
    head = (
        f"{stamp(row.time)}  {row.service} -> {row.environment}  {row.commit[:10]}  {' '.join(e for e in extras if e)}"
    )
    lines = [f"{head.rstrip()}  ({ago(now - row.time)} before)"]
    repo = facts.repos_by_service.get(row.service)
    if repo is None and facts.known:
        return [*lines, f"  (no repository for service {row.service!r} in data/scenario.json)"]
    repo = repo or row.service
    if not (workspace / "repos" / repo).is_dir():
        return [*lines, f"  (repos/{repo} is not in this workspace)"]
    try:
        return lines + _made_live(host, repo, row, previous)
    except AgentCoreError as e:
        return [*lines, f"  ({e})"]


def _made_live(host: LocalGitCodeHost, repo: str, row: DeploymentRow, previous: DeploymentRow | None) -> list[str]:
    deployed = host.resolve(repo, row.commit)
    base = None
    if previous is not None:
        try:
            base = host.resolve(repo, previous.commit)
        except UserInputError:
            base = None
    if previous is None or base is None:
        first = host.commit(repo, deployed)
        return ["  first deployment on record here; deployed commit:", _commit_line(first)]
    new = host.commits_between(repo, base, deployed)
    if new:
        title = f"  {count(len(new), 'new commit')} since {base[:10]} (deployed {stamp(previous.time)}):"
        return [title, *_commit_lines(new, repo, f"{base[:10]}..{deployed[:10]}")]
    removed = host.commits_between(repo, deployed, base)
    if removed:
        title = f"  rollback: takes away {count(len(removed), 'commit')} deployed {stamp(previous.time)}:"
        return [title, *_commit_lines(removed, repo, f"{deployed[:10]}..{base[:10]}")]
    return [f"  no new commits (the same commit as the deployment at {stamp(previous.time)})"]


def _commit_lines(commits: list[CommitInfo], repo: str, revisions: str) -> list[str]:
    return capped(
        [_commit_line(c) for c in commits],
        MAX_COMMITS_PER_DEPLOYMENT,
        lambda hidden: f"    ({hidden} more; git -C repos/{repo} log --oneline {revisions})",
    )


def _commit_line(commit: CommitInfo) -> str:
    title = commit.title if len(commit.title) <= MAX_TITLE_CHARS else commit.title[: MAX_TITLE_CHARS - 1] + "…"
    merge = " [merge]" if len(commit.parents) > 1 else ""
    return f"    {commit.sha[:10]}  {stamp(commit.time)}  {commit.author}: {title}{merge}"


def _head_commits(
    workspace: Path, host: LocalGitCodeHost, facts: ScenarioFacts, request: ListRequest, start: datetime
) -> list[str]:
    if request.service is not None:
        repos = [facts.repos_by_service.get(request.service, request.service)]
    else:
        repos = repo_names(workspace)
    if not repos:
        return ["(no repositories under repos/ either)"]
    lines = ["commits on each repository's checked-out HEAD in the window instead:"]
    for repo in repos:
        try:
            commits = host.commits_in_window(repo, start, facts.incident_time)
        except AgentCoreError as e:
            lines.append(f"repos/{repo}: ({e})")
            continue
        lines.append(f"repos/{repo}: {count(len(commits), 'commit')}")
        lines += [_commit_line(c) for c in commits[: request.limit]]
        if len(commits) > request.limit:
            lines.append(f"    ({len(commits) - request.limit} more; raise --limit, or git -C repos/{repo} log)")
    return lines


def repo_names(workspace: Path) -> list[str]:
    folder = workspace / "repos"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and REPO_NAME.match(p.name))
