"""Trace a cluster to code: its frames and logging location as file:line at the commit that was deployed
when the cluster began, who last changed those lines (blame) and which deployment first shipped them,
and the changes the deployment in force had shipped to those files (issue 11, point 3).

A frame's file (`/app/checkout/coupons.py`) is the repository file whose path ends with the most of
its trailing components (`checkout/coupons.py`); a one-component match counts only for a file at the
repository's root, so a library's `__init__.py` is not taken for the service's. The line is the frame's,
else the line that defines its function. The deployed commit is the latest release at or before the
cluster's first sighting, else `head` (docs: SCENARIOS.md, "the deployed commit at incident time").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

from agentcore.clustering import _git_trace as git
from agentcore.clustering.clusters import Cluster

BLAME_CONTEXT_LINES = 2
"""Lines blamed either side of a located line."""

MAX_LOCATIONS = 6
MAX_CHANGES = 8


class Release(BaseModel):
    """A deployment of a commit of the repository."""

    model_config = ConfigDict(frozen=True)

    time: datetime
    commit: str
    version: str | None = None
    environment: str | None = None

    @property
    def label(self) -> str:
        name = self.version or self.commit[:12]
        where = f" to {self.environment}" if self.environment else ""
        return f"{name} ({self.commit[:12]}){where} at {self.time:%Y-%m-%d %H:%M}Z"


class BlameRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int
    commit: str
    author: str
    time: datetime
    summary: str
    shipped_in: str | None = None
    """The first deployment (in the same environment) whose commit contains this one."""


class TracedLocation(BaseModel):
    """A frame or the logging statement, found in the repository at the deployed commit."""

    model_config = ConfigDict(frozen=True)

    kind: str
    """`frame` or `logging`."""
    method: str
    source: str
    """The file as the telemetry named it."""
    path: str
    line: int
    text: str
    blame: tuple[BlameRecord, ...]


class TracedChange(BaseModel):
    """A commit the deployment in force shipped that touched a traced file."""

    model_config = ConfigDict(frozen=True)

    commit: str
    title: str
    author: str
    files: tuple[str, ...]
    nearest_location: int
    """Index of the innermost traced location whose file it touched (0 = where it was thrown)."""


class ClusterTrace(BaseModel):
    model_config = ConfigDict(frozen=True)

    cluster_id: str
    repo: str
    deployed_commit: str
    deployed_by: str | None = None
    previous_release: str | None = None
    locations: tuple[TracedLocation, ...] = ()
    changes: tuple[TracedChange, ...] = ()
    """Nearest the throw first."""


@dataclass(frozen=True)
class RepoHistory:
    """A local clone of the service's repository and the service's deployments."""

    name: str
    path: Path
    releases: tuple[Release, ...] = ()
    head: str = "HEAD"


def trace_cluster(cluster: Cluster, repo: RepoHistory) -> ClusterTrace:
    release = _latest_release(repo.releases, cluster.first_seen, environment=None)
    deployed = release.commit if release else git.resolve(repo.path, repo.head)
    same_env = tuple(r for r in repo.releases if release is None or r.environment == release.environment)
    previous = _previous_release(same_env, release)
    tree = git.tree_paths(repo.path, deployed)
    locations = _locations(cluster, repo.path, deployed, tree)
    shipped = _ShippedIn(repo.path, same_env)
    locations = [loc.model_copy(update={"blame": tuple(shipped.mark(b) for b in loc.blame)}) for loc in locations]
    return ClusterTrace(
        cluster_id=cluster.id, repo=repo.name, deployed_commit=deployed,
        deployed_by=release.label if release else None, previous_release=previous.label if previous else None,
        locations=tuple(locations), changes=_changes(repo.path, previous, deployed, locations),
    )  # fmt: skip


def match_path(source: str, tree: Sequence[str]) -> str | None:
    """The repository path `source` names (see the module docstring), or None when none or several do."""
    wanted = PurePosixPath(source.replace("\\", "/")).parts
    best: list[str] = []
    best_count = 0
    for path in tree:
        parts = PurePosixPath(path).parts
        count = _common_suffix(wanted, parts)
        if count == 0 or (count < 2 and count < len(parts)):
            continue
        if count > best_count:
            best, best_count = [path], count
        elif count == best_count:
            best.append(path)
    return best[0] if len(best) == 1 else None


def locate_function(text: str, method: str) -> int | None:
    """The 1-based line that defines `method`'s last name part (`def`, `class`, or a declaration)."""
    name = re.split(r"[.:/]", method)[-1].split("<")[0].strip()
    if not name.isidentifier():
        return None
    definition = re.compile(rf"^\s*(?:async\s+)?(?:def|class|function)\s+{re.escape(name)}\b")
    declaration = re.compile(rf"^\s*[\w<>\[\],\s]*\b{re.escape(name)}\s*\([^;]*$")
    lines = text.splitlines()
    for pattern in (definition, declaration):
        for number, line in enumerate(lines, start=1):
            if pattern.match(line):
                return number
    return None


def _common_suffix(a: Sequence[str], b: Sequence[str]) -> int:
    count = 0
    while count < min(len(a), len(b)) and a[-1 - count] == b[-1 - count]:
        count += 1
    return count


def _latest_release(releases: Sequence[Release], moment: datetime, *, environment: str | None) -> Release | None:
    chosen = [r for r in releases if r.time <= moment and environment in (None, r.environment)]
    return max(chosen, key=lambda r: r.time) if chosen else None


def _previous_release(releases: Sequence[Release], release: Release | None) -> Release | None:
    if release is None:
        return None
    earlier = [r for r in releases if r.time < release.time and r.commit != release.commit]
    return max(earlier, key=lambda r: r.time) if earlier else None


def _wanted_locations(cluster: Cluster) -> list[tuple[str, str, str, int | None]]:
    """(kind, method, file, line) for each frame, then the logging statement when it names a file."""
    wanted = [("frame", f.method, f.file, f.line) for f in cluster.frames if f.file]
    path, _, function = cluster.logging_location.rpartition(":")
    if path and function and "|" not in cluster.logging_location:
        wanted.append(("logging", function, path, None))
    return wanted


def _locations(cluster: Cluster, repo: Path, commit: str, tree: list[str]) -> list[TracedLocation]:
    found: list[TracedLocation] = []
    for kind, method, source, line in _wanted_locations(cluster):
        path = match_path(source, tree)
        if path is None:
            continue
        text = git.file_text(repo, commit, path)
        number = line or locate_function(text, method)
        lines = text.splitlines()
        if number is None or not 1 <= number <= len(lines):
            continue
        start, end = max(1, number - BLAME_CONTEXT_LINES), min(len(lines), number + BLAME_CONTEXT_LINES)
        blamed = tuple(
            BlameRecord(line=b.line, commit=b.commit, author=b.author, time=b.time, summary=b.summary)
            for b in git.blame(repo, commit, path, start, end)
        )
        found.append(TracedLocation(kind=kind, method=method, source=source, path=path, line=number,
                                    text=lines[number - 1].strip(), blame=blamed))  # fmt: skip
        if len(found) >= MAX_LOCATIONS:
            break
    return found


class _ShippedIn:
    """Which release first shipped a commit, remembered per commit."""

    def __init__(self, repo: Path, releases: Sequence[Release]) -> None:
        self._repo = repo
        self._releases = sorted(releases, key=lambda r: r.time)
        self._known: dict[str, str | None] = {}

    def mark(self, record: BlameRecord) -> BlameRecord:
        if record.commit not in self._known:
            first = next((r for r in self._releases if git.contains(self._repo, record.commit, r.commit)), None)
            self._known[record.commit] = first.label if first else None
        return record.model_copy(update={"shipped_in": self._known[record.commit]})


def _changes(
    repo: Path, previous: Release | None, deployed: str, locations: Sequence[TracedLocation]
) -> tuple[TracedChange, ...]:
    paths = list(dict.fromkeys(location.path for location in locations))
    if not paths:
        return ()
    nearest = {path: min(i for i, loc in enumerate(locations) if loc.path == path) for path in paths}
    commits = git.commits_touching(repo, previous.commit if previous else None, deployed, paths)
    changes = [
        TracedChange(commit=c.sha, title=c.title, author=c.author, files=c.files,
                     nearest_location=min(nearest[f] for f in c.files if f in nearest))
        for c in commits
        if any(f in nearest for f in c.files)
    ]  # fmt: skip
    return tuple(sorted(changes, key=lambda change: change.nearest_location)[:MAX_CHANGES])


def render_trace(trace: ClusterTrace) -> str:
    """The trace as Markdown lines: where, who last changed it, and what the deployment shipped there."""
    deployed = trace.deployed_by or f"{trace.deployed_commit[:12]} (no deployment recorded: the repository's head)"
    lines = [f"Repository `{trace.repo}` at {trace.deployed_commit[:12]}, deployed as {deployed}."]
    for location in trace.locations:
        at = next((b for b in location.blame if b.line == location.line), None)
        who = (f" last changed by {at.commit[:12]} ({at.author}, {at.time:%Y-%m-%d}: {at.summary})"
               f"{', shipped in ' + at.shipped_in if at.shipped_in else ''}") if at else ""  # fmt: skip
        lines.append(f"- {location.kind} {location.method} at {location.path}:{location.line} `{location.text}`;{who}")
    if trace.changes:
        since = f" since {trace.previous_release}" if trace.previous_release else ""
        lines.append(f"Changes to those files shipped by that deployment{since}, nearest the error first:")
        lines += [f"- {c.commit[:12]} {c.title} ({c.author}): {', '.join(c.files)}" for c in trace.changes]
    return "\n".join(lines)


__all__ = [
    "BlameRecord",
    "ClusterTrace",
    "Release",
    "RepoHistory",
    "TracedChange",
    "TracedLocation",
    "locate_function",
    "match_path",
    "render_trace",
    "trace_cluster",
]
