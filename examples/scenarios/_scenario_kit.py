"""What the example-scenario generators share: git history, telemetry rows, alert payloads, output.

Private to `examples/scenarios/`; each `build_*.py` imports it (it runs as a script, so this folder is
on `sys.path`). Everything here is deterministic: git runs with a clean environment, fixed names and
dates and one pack thread; JSON is written sorted by time with fixed separators; randomness comes
only from the `random.Random` a generator seeds and passes in.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------------------------------
# Source files and git history
# ---------------------------------------------------------------------------------------------------


def edit(text: str, *changes: tuple[str, str]) -> str:
    """`text` with each (old, new) replaced once; an `old` that is not there is a bug in the generator."""
    for old, new in changes:
        if text.count(old) != 1:
            raise AssertionError(f"expected {old!r} exactly once")
        text = text.replace(old, new)
    return text


@dataclass(frozen=True)
class Commit:
    """One commit: `files` maps a path to its new content, or to None to delete it."""

    key: str
    author: tuple[str, str]
    date: str
    subject: str
    body: str
    files: Mapping[str, str | None]
    tag: str | None = None

    @property
    def committed_at(self) -> datetime:
        return datetime.fromisoformat(self.date).astimezone(UTC)


def tree_at(commits: Sequence[Commit], key: str) -> dict[str, str]:
    """The files of the repo right after commit `key`, by replaying `commits`."""
    tree: dict[str, str] = {}
    for commit in commits:
        for path, content in commit.files.items():
            if content is None:
                del tree[path]
            else:
                tree[path] = content
        if commit.key == key:
            return tree
    raise AssertionError(f"no commit {key!r}")


def line_of(text: str, needle: str, after: str | None = None) -> int:
    """The 1-based line of `text` that contains `needle`, which must occur on exactly one line; with
    `after`, the first line containing `needle` below the one line that contains `after`."""
    lines = text.splitlines()
    start = 0 if after is None else line_of(text, after)
    matches = [number for number, line in enumerate(lines, start=1) if number > start and needle in line]
    if not matches or (after is None and len(matches) != 1):
        raise AssertionError(f"{needle!r} found on {len(matches)} lines")
    return matches[0]


def run_git(repo: Path, *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> str:
    return _git_bytes(repo, *args, env=env, stdin=stdin).decode().strip()


def _git_bytes(repo: Path, *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> bytes:
    base = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(repo),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LC_ALL": "C",
        "TZ": "UTC",
    }
    settings = ["-c", "pack.threads=1", "-c", "gc.auto=0", "-c", "core.autocrlf=false", "-c", "init.defaultBranch=main"]
    done = subprocess.run(
        ["git", *settings, *args], cwd=repo, env={**base, **(env or {})}, input=stdin, capture_output=True, check=True
    )
    return done.stdout


def build_repo(work: Path, bundle: Path, commits: Sequence[Commit]) -> dict[str, str]:
    """Commit `commits` into a fresh repo at `work` and bundle it; return {commit key: sha}."""
    _init_repo(work)
    shas: dict[str, str] = {}
    for commit in commits:
        for relative, content in commit.files.items():
            path = work / relative
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode())
        message = commit.subject + (f"\n\n{commit.body}\n" if commit.body else "\n")
        shas[commit.key] = _commit_all(work, commit.author, commit.date, message, commit.tag)
    _bundle(work, bundle)
    return shas


def _init_repo(work: Path) -> None:
    work.mkdir(parents=True)
    run_git(work, "init", "-q", "--template=")


def _commit_all(work: Path, author: tuple[str, str], date: str, message: str, tag: str | None) -> str:
    """Commit the whole work tree as `author` (also the committer) at `date`; return the sha."""
    name, email = author
    env = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
    }
    run_git(work, "add", "-A")
    run_git(work, "commit", "-q", "--no-verify", "-m", message, env=env)
    if tag:
        run_git(work, "tag", tag)
    return run_git(work, "rev-parse", "HEAD")


def _bundle(work: Path, bundle: Path) -> None:
    bundle.parent.mkdir(parents=True, exist_ok=True)
    run_git(work, "bundle", "create", "-q", str(bundle), "--all")


# ---------------------------------------------------------------------------------------------------
# Repos kept as files: a base tree and a patch series
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A repo's history as files a reader can open: `folder/base/` is the tree of the first commit
    (`first` gives its key, author, date and message; its `files` stay empty), and each later commit is
    `folder/NNNN-<key>.patch` in `git format-patch` form (author, date, message, diff), applied in order.
    `tags` names the commits (by key) that carry a tag."""

    folder: Path
    first: Commit
    tags: Mapping[str, str] = field(default_factory=dict)

    def patches(self) -> list[Path]:
        return sorted(self.folder.glob("[0-9][0-9][0-9][0-9]-*.patch"))


def patch_key(patch: Path) -> str:
    """`0009-campaigns.patch` -> `campaigns`, the key deployments and truth refer to."""
    return patch.stem.split("-", 1)[1]


def build_repo_from_source(work: Path, bundle: Path, source: Source) -> dict[str, str]:
    """Commit `source.folder/base`, then apply each patch as its own commit, and bundle the repo; return
    {commit key: sha}. Author, committer and dates come from the patch headers, so the ids never vary."""
    _init_repo(work)
    shutil.copytree(source.folder / "base", work, dirs_exist_ok=True)
    first = source.first
    message = first.subject + (f"\n\n{first.body}\n" if first.body else "\n")
    shas = {first.key: _commit_all(work, first.author, first.date, message, source.tags.get(first.key))}
    for patch in source.patches():
        author, date, message = _patch_header(work, patch)
        run_git(work, "apply", "--index", str(patch))
        key = patch_key(patch)
        shas[key] = _commit_all(work, author, date, message, source.tags.get(key))
    _bundle(work, bundle)
    return shas


def _patch_header(work: Path, patch: Path) -> tuple[tuple[str, str], str, str]:
    """(author, date, message) of a `git format-patch -k` file, decoded by `git mailinfo`."""
    body = work.parent / f".{work.name}-message"
    headers = run_git(work, "mailinfo", "-k", str(body), os.devnull, stdin=patch.read_bytes())
    fields = dict(line.split(": ", 1) for line in headers.splitlines() if ": " in line)
    text = body.read_text(encoding="utf-8").strip("\n")
    body.unlink()
    message = fields["Subject"] + (f"\n\n{text}\n" if text else "\n")
    return (fields["Author"], fields["Email"]), fields["Date"], message


def files_at(work: Path, revision: str) -> dict[str, str]:
    """Every file of the repo at `work` as it is at `revision`, by path."""
    paths = run_git(work, "ls-tree", "-r", "--name-only", revision).splitlines()
    return {path: _git_bytes(work, "show", f"{revision}:{path}").decode() for path in paths}


# ---------------------------------------------------------------------------------------------------
# Telemetry
# ---------------------------------------------------------------------------------------------------


def utc(text: str) -> datetime:
    """`2026-03-17T13:05:00Z` as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def iso(moment: datetime) -> str:
    """Milliseconds and a Z, as Log Analytics exports TimeGenerated."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def iso_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def after(moment: datetime, ms: float) -> datetime:
    return moment + timedelta(milliseconds=ms)


def arrivals(
    rng: random.Random, start: datetime, end: datetime, per_minute: Callable[[datetime], float], peak: float
) -> Iterator[datetime]:
    """A non-homogeneous Poisson process by thinning: `per_minute(t)` never exceeds `peak`."""
    moment = start
    while True:
        moment += timedelta(seconds=rng.expovariate(peak / 60.0))
        if moment >= end:
            return
        if rng.random() < per_minute(moment) / peak:
            yield moment.replace(microsecond=(moment.microsecond // 1000) * 1000)


def ramp(moment: datetime, points: Sequence[tuple[str, float]]) -> float:
    """Piecewise-linear daily traffic shape: `points` are ("HH:MM", level) in UTC, sorted."""
    minutes = moment.hour * 60 + moment.minute + moment.second / 60
    marks = [(int(h) * 60 + int(m), level) for (h, m), level in ((p.split(":"), v) for p, v in points)]
    if minutes <= marks[0][0]:
        return marks[0][1]
    for (m0, v0), (m1, v1) in zip(marks, marks[1:], strict=False):
        if minutes <= m1:
            return v0 + (v1 - v0) * (minutes - m0) / (m1 - m0)
    return marks[-1][1]


@dataclass(frozen=True)
class Rollout:
    """Replicas of one Container App, each replaced by a replica of the new revision `delays_s` after `at`."""

    old_version: str
    old: tuple[str, ...]
    new_version: str = ""
    new: tuple[str, ...] = ()
    at: datetime = datetime.max.replace(tzinfo=UTC)
    delays_s: tuple[int, ...] = ()

    def pick(self, rng: random.Random, moment: datetime) -> tuple[str, str]:
        """(AppRoleInstance, AppVersion) of the replica that served a request at `moment`."""
        index = rng.randrange(len(self.old))
        if self.new and moment >= self.at + timedelta(seconds=self.delays_s[index]):
            return self.new[index], self.new_version
        return self.old[index], self.old_version


def spells(
    rng: random.Random, start: datetime, end: datetime, per_hour: float, length_s: tuple[int, int]
) -> list[tuple[datetime, datetime]]:
    """Short periods (a dependency's slow spells) starting as a Poisson process."""
    found: list[tuple[datetime, datetime]] = []
    moment = start
    while True:
        moment += timedelta(seconds=rng.expovariate(per_hour / 3600.0))
        if moment >= end:
            return found
        found.append((moment, moment + timedelta(seconds=rng.randint(*length_s))))


def within(periods: Sequence[tuple[datetime, datetime]], moment: datetime) -> bool:
    return any(begin <= moment < finish for begin, finish in periods)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, as a sanity check of the story while generating."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def frame(
    level: int, method: str, assembly: str | None, file_name: str | None = None, line: int | None = None
) -> dict[str, Any]:
    """One `parsedStack` entry; frames without symbols have no file or line, Java's have no assembly."""
    entry: dict[str, Any] = {"level": level, "method": method}
    if assembly is not None:
        entry["assembly"] = assembly
    if file_name is not None:
        entry["fileName"] = file_name
        entry["line"] = line or 0
    return entry


@dataclass
class Telemetry:
    """Rows of the Application Insights tables, in the workspace-based schema."""

    rng: random.Random
    requests: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    traces: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)

    def operation_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def span_id(self) -> str:
        return f"{self.rng.getrandbits(64):016x}"

    def ms(self, low: float, high: float) -> float:
        return round(self.rng.uniform(low, high), 1)

    def request(
        self,
        at: datetime,
        role: str,
        op: str,
        name: str,
        url: str,
        code: str,
        duration: float,
        success: bool | None = None,
        **columns: Any,
    ) -> None:
        """An incoming request; unless `success` says otherwise, 4xx and 5xx are failures, as in the SDKs."""
        row = {
            "TimeGenerated": iso(at),
            "AppRoleName": role,
            "Name": name,
            "Url": url,
            "ResultCode": code,
            "DurationMs": round(duration, 1),
            "Success": int(code) < 400 if success is None else success,
            "OperationId": op,
        }
        self.requests.append(row | columns)

    def dependency(
        self,
        at: datetime,
        role: str,
        op: str,
        name: str,
        target: str,
        kind: str,
        duration: float,
        result: str = "",
        success: bool = True,
        **columns: Any,
    ) -> float:
        row = {
            "TimeGenerated": iso(at),
            "AppRoleName": role,
            "Name": name,
            "Target": target,
            "DependencyType": kind,
            "ResultCode": result,
            "DurationMs": round(duration, 1),
            "Success": success,
            "OperationId": op,
        }
        self.dependencies.append(row | columns)
        return round(duration, 1)

    def exception(
        self,
        at: datetime,
        role: str,
        op: str,
        kind: str,
        message: str,
        stack: list[dict[str, Any]],
        problem_id: str,
        **columns: Any,
    ) -> None:
        details = [
            {
                "id": f"{self.rng.getrandbits(32):08x}",
                "outerId": "0",
                "type": kind,
                "message": message,
                "hasFullStack": True,
                "parsedStack": stack,
            }
        ]
        row = {
            "TimeGenerated": iso(at),
            "AppRoleName": role,
            "ExceptionType": kind,
            "OuterMessage": message,
            "Details": details,
            "ProblemId": problem_id,
            "OperationId": op,
        }
        self.exceptions.append(row | columns)

    def trace(self, at: datetime, role: str, op: str, message: str, level: int, **columns: Any) -> None:
        row = {
            "TimeGenerated": iso(at),
            "AppRoleName": role,
            "Message": message,
            "SeverityLevel": level,
            "OperationId": op,
        }
        self.traces.append(row | columns)

    def metric(self, at: datetime, role: str, name: str, values: Sequence[float], **columns: Any) -> None:
        """One pre-aggregated metric row (Sum, Count, Min, Max) over `values`."""
        row = {
            "TimeGenerated": iso(at),
            "AppRoleName": role,
            "Name": name,
            "Sum": round(sum(values), 3),
            "Count": len(values),
            "Min": round(min(values), 3) if values else 0.0,
            "Max": round(max(values), 3) if values else 0.0,
        }
        self.metrics.append(row | columns)

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        named = {
            "AppRequests": self.requests,
            "AppDependencies": self.dependencies,
            "AppExceptions": self.exceptions,
            "AppTraces": self.traces,
            "AppMetrics": self.metrics,
        }
        return {name: rows for name, rows in named.items() if rows}


# ---------------------------------------------------------------------------------------------------
# Topology, deployments, alerts
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Azure:
    """Where a scenario's resources live."""

    subscription: str
    resource_group: str
    location: str

    def resource_id(self, provider: str, name: str) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/{provider}/{name}"

    def resource(self, provider: str, name: str, tags: dict[str, str], depends: Sequence[str] = ()) -> dict[str, Any]:
        return {
            "id": self.resource_id(provider, name),
            "type": provider,
            "name": name,
            "resourceGroup": self.resource_group,
            "subscriptionId": self.subscription,
            "location": self.location,
            "tags": tags,
            "dependsOn": list(depends),
        }


def deployment(
    time: str, service: str, environment: str, commit: str, version: str, pr: int | None, author: str
) -> dict[str, Any]:
    row: dict[str, Any] = {"time": time, "service": service, "environment": environment, "commit": commit}
    row["version"] = version
    if pr is not None:
        row["pr"] = pr
    row["author"] = author
    return row


@dataclass(frozen=True)
class LogAlert:
    """A Log Alerts V2 (scheduled query) rule that fired, in the common alert schema."""

    azure: Azure
    app_insights: str
    app_id: str
    alert_uuid: str
    origin_uuid: str
    rule: str
    severity: str
    description: str
    fired_at: datetime
    window_start: datetime
    window_end: datetime
    search_query: str
    operator: str
    threshold: str
    metric_value: float
    time_aggregation: str
    dimensions: Mapping[str, str]
    metric_measure_column: str | None = None
    runbook: str | None = None
    custom_properties: Mapping[str, str] | None = None
    failing_periods: tuple[int, int] = (1, 1)
    tenant: str | None = None  # the directory in the Logs links; the subscription id when None

    def payload(self) -> dict[str, Any]:
        target = self.azure.resource_id("Microsoft.Insights/components", self.app_insights).lower()
        api = f"https://api.applicationinsights.io/v1/apps/{self.app_id}/query"
        span = f"{_link_time(self.window_start)}%2f{_link_time(self.window_end)}"
        logs_ui = (
            f"https://portal.azure.com#@{self.tenant or self.azure.subscription}/blade/Microsoft_Azure_Monitoring_Logs/"
            "LogsBlade/source/Alerts.EmailLinks"
        )
        window = self.window_end - self.window_start
        condition = {
            "searchQuery": self.search_query,
            "metricMeasureColumn": self.metric_measure_column,
            "targetResourceTypes": "['microsoft.insights/components']",
            "operator": self.operator,
            "threshold": self.threshold,
            "timeAggregation": self.time_aggregation,
            "dimensions": [{"name": name, "value": value} for name, value in self.dimensions.items()],
            "metricValue": self.metric_value,
            "failingPeriods": {
                "numberOfEvaluationPeriods": self.failing_periods[0],
                "minFailingPeriodsToAlert": self.failing_periods[1],
            },
            "linkToSearchResultsUI": logs_ui,
            "linkToFilteredSearchResultsUI": logs_ui,
            "linkToSearchResultsAPI": f"{api}?timespan={span}",
            "linkToFilteredSearchResultsAPI": f"{api}?timespan={span}",
        }
        return {
            "schemaId": "azureMonitorCommonAlertSchema",
            "data": {
                "essentials": {
                    "alertId": f"/subscriptions/{self.azure.subscription}/providers/Microsoft.AlertsManagement/"
                    f"alerts/{self.alert_uuid}",
                    "alertRule": self.rule,
                    "severity": self.severity,
                    "signalType": "Log",
                    "monitorCondition": "Fired",
                    "monitoringService": "Log Alerts V2",
                    "alertTargetIDs": [target],
                    "configurationItems": [target],
                    "originAlertId": self.origin_uuid,
                    "firedDateTime": self.fired_at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z",
                    "description": self.description,
                    "essentialsVersion": "1.0",
                    "alertContextVersion": "1.0",
                    "investigationLink": "https://portal.azure.com/#view/Microsoft_Azure_Monitoring_Alerts/"
                    f"Investigation.ReactView/alertId/{self.alert_uuid}",
                },
                "alertContext": {
                    "properties": {"runbook": self.runbook} if self.runbook else {},
                    "conditionType": "LogQueryCriteria",
                    "condition": {
                        "windowSize": _duration(window),
                        "allOf": [condition],
                        "windowStartTime": iso_seconds(self.window_start),
                        "windowEndTime": iso_seconds(self.window_end),
                    },
                },
                "customProperties": dict(self.custom_properties) if self.custom_properties else None,
            },
        }


def _link_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H%%3a%M%%3a%S.0000000Z")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"PT{minutes // 60}H" if minutes % 60 == 0 else f"PT{minutes}M"


# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------


def dump_json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def dump_jsonl(rows: Sequence[dict[str, Any]]) -> bytes:
    ordered = sorted(
        rows, key=lambda row: (row.get("TimeGenerated") or row.get("time"), row.get("OperationId", ""), row.get("Name"))
    )
    return "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in ordered).encode()


def write_scenario(
    output: Path,
    name: str,
    repos: Mapping[str, Sequence[Commit]],
    files: Callable[[dict[str, dict[str, str]]], dict[str, bytes]],
) -> None:
    """Bundle each repo, then write the files `files(shas)` returns ({repo: {commit key: sha}} in)."""
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as scratch:
        staging = Path(scratch) / "scenario"
        shas = {
            repo: build_repo(Path(scratch) / "work" / repo, staging / "repos" / f"{repo}.bundle", commits)
            for repo, commits in repos.items()
        }
        _publish(staging, files(shas), output)


@dataclass(frozen=True)
class Built:
    """The repos of a scenario once committed: their commit ids by key, and their trees at any commit."""

    shas: Mapping[str, Mapping[str, str]]
    works: Mapping[str, Path]

    def tree(self, repo: str, key: str) -> dict[str, str]:
        """The files of `repo` right after commit `key` (for the line numbers of stack frames)."""
        return files_at(self.works[repo], self.shas[repo][key])


def write_scenario_from_sources(
    output: Path, name: str, sources: Mapping[str, Source], files: Callable[[Built], dict[str, bytes]]
) -> None:
    """Commit and bundle each repo from its base tree and patches, then write the files `files(built)`
    returns next to the bundles; `output` is replaced as a whole."""
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as scratch:
        staging = Path(scratch) / "scenario"
        works = {repo: Path(scratch) / "work" / repo for repo in sources}
        shas = {
            repo: build_repo_from_source(works[repo], staging / "repos" / f"{repo}.bundle", source)
            for repo, source in sources.items()
        }
        _publish(staging, files(Built(shas, works)), output)


def _publish(staging: Path, files: Mapping[str, bytes], output: Path) -> None:
    for relative, content in files.items():
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        (staging / relative).write_bytes(content)
    if output.exists():
        shutil.rmtree(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(staging, output)


def files_under(folder: Path) -> dict[str, bytes]:
    """The files below `folder` by relative path: the parts of a scenario written by hand (memory notes,
    topology) that a generator copies as they are."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


def telemetry_files(telemetry: Telemetry) -> dict[str, bytes]:
    return {f"telemetry/{table}.jsonl": dump_jsonl(rows) for table, rows in telemetry.tables().items()}
