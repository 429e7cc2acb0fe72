"""Evidence reproducibility: re-run each cited evidence block against the case's own data and compare.

- `log_query` (and a `logs query '<KQL>'` command): re-run against the scenario's telemetry in DuckDB; the
  excerpt is reproduced when its text is in the result, or every value in it (numbers, times, identifiers;
  not percentages, which are derived) is a value of the result. Numbers match at the excerpt's precision.
- `file`: read at the deployed commit from the scenario's bundle; every line of the excerpt is in the file.
- `commit`: the commit is in the bundle; `deployment`: it is, and a deployment row records it.
- Other commands and metrics are not re-run: `unchecked`, which the scorecard counts apart.
"""

from __future__ import annotations

import re
import shlex
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agentcore.connectors.logs import LogQueryError, LogStore
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.evals._values import excerpt_lines, normalized, output_values, value_found, values_of
from agentcore.evals.checks import same_commit
from agentcore.git import GitError, run_git
from agentcore.reports import Evidence, Report
from agentcore.scenarios import Scenario

Verdict = Literal["reproduced", "partly", "not-reproduced", "failed", "unchecked"]
_FILE_REF = re.compile(r"^(?P<path>[^:#]+?)(?:(?::|#L)(?P<start>\d+)(?:-L?(?P<end>\d+))?)?$")


class EvidenceCheck(BaseModel):
    """What re-running one evidence block showed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    kind: str
    verdict: Verdict
    detail: str


@dataclass(frozen=True)
class _Sources:
    scenario: Scenario
    logs: LogStore | None
    repos: dict[str, tuple[Path, str]]
    """Repo name -> (bare clone, deployed commit)."""


def check_evidence(report: Report, scenario: Scenario | None) -> tuple[EvidenceCheck, ...]:
    """One check per evidence block of `report`, in order; all unchecked without a scenario to check against."""
    if scenario is None:
        return tuple(
            EvidenceCheck(index=i, kind=e.source.kind, verdict="unchecked", detail="no scenario to re-run against")
            for i, e in enumerate(report.evidence)
        )
    with _opened(scenario) as sources:
        return tuple(_check(i, item, sources) for i, item in enumerate(report.evidence))


@contextmanager
def _opened(scenario: Scenario) -> Iterator[_Sources]:
    with tempfile.TemporaryDirectory(prefix="sre-agent-eval-") as scratch:
        root = Path(scratch)
        logs = None
        if scenario.telemetry:
            logs = DuckDbLogStore.load(scenario.telemetry, root / "telemetry.duckdb", query_now=scenario.incident_time)
        repos = {name: (_bare_clone(repo.bundle, root / name), _deployed(scenario, name, repo.head))
                 for name, repo in scenario.repos.items()}  # fmt: skip
        try:
            yield _Sources(scenario, logs, repos)
        finally:
            if isinstance(logs, DuckDbLogStore):
                logs.close()


def _bare_clone(bundle: Path, destination: Path) -> Path:
    run_git(None, "clone", "--quiet", "--bare", str(bundle), str(destination))
    return destination


def _deployed(scenario: Scenario, repo: str, head: str) -> str:
    for service in scenario.services:
        if service.repo == repo:
            return scenario.deployed_commit(service.name).commit
    return head


def _check(index: int, item: Evidence, sources: _Sources) -> EvidenceCheck:
    kind, ref = item.source.kind, item.source.ref
    if kind == "command" and ref.strip().startswith("logs query"):
        kind, ref = "log_query", _kql_of_command(ref)
    if kind == "log_query":
        verdict, detail = _check_query(ref, item.excerpt, sources.logs)
    elif kind == "file":
        verdict, detail = _check_file(ref, item.excerpt, sources)
    elif kind in {"commit", "deployment"}:
        verdict, detail = _check_commit(ref, kind == "deployment", sources)
    else:
        verdict, detail = "unchecked", f"{kind} evidence is not re-run by the evaluation"
    return EvidenceCheck(index=index, kind=item.source.kind, verdict=verdict, detail=detail)


def _kql_of_command(command: str) -> str:
    try:
        words = shlex.split(command)
    except ValueError:
        return command.strip().removeprefix("logs query").strip()
    return " ".join(words[2:])


def _check_query(kql: str, excerpt: str, logs: LogStore | None) -> tuple[Verdict, str]:
    if logs is None:
        return "failed", "the scenario has no telemetry to query"
    try:
        result = logs.query(kql, max_rows=1000)
    except LogQueryError as e:
        return "failed", f"the query failed: {str(e).splitlines()[0][:200]}"
    rendered = "\n".join(" ".join(f"{c.name}={v}" for c, v in zip(result.columns, row, strict=True))
                         for row in result.rows)  # fmt: skip
    if normalized(excerpt) and normalized(excerpt) in normalized(rendered):
        return "reproduced", f"the excerpt is in the {len(result.rows)} row(s) the query returns"
    return _by_values(excerpt, output_values(rendered), f"{len(result.rows)} row(s)")


def _by_values(excerpt: str, found_in: set[str], what: str) -> tuple[Verdict, str]:
    values = values_of(excerpt)
    if not values:
        return "unchecked", "the excerpt holds no value to compare"
    missing = [v for v in values if not value_found(v, found_in)]
    shown = ", ".join(missing[:5])
    if not missing:
        return "reproduced", f"all {len(values)} value(s) of the excerpt are in the {what}"
    if len(missing) < len(values):
        return "partly", f"{len(values) - len(missing)} of {len(values)} value(s) found; not: {shown}"
    return "not-reproduced", f"none of the {len(values)} value(s) is in the {what} (e.g. {shown})"


def _check_file(ref: str, excerpt: str, sources: _Sources) -> tuple[Verdict, str]:
    match = _FILE_REF.match(ref.strip())
    if match is None:
        return "failed", f"cannot read a path from {ref!r}"
    path = match.group("path").strip().removeprefix("./")
    candidates = list(sources.repos.items())
    if path.startswith("repos/"):
        name, _, path = path.removeprefix("repos/").partition("/")
        candidates = [(n, r) for n, r in candidates if n == name]
    for name, (bare, commit) in candidates:
        try:
            text = run_git(bare, "show", f"{commit}:{path}")
        except GitError:
            continue
        lines = excerpt_lines(excerpt)
        if not lines:
            return "reproduced", f"{name}/{path} exists at {commit[:12]}"
        body = normalized(text)
        missing = [line for line in lines if line not in body]
        if not missing:
            return "reproduced", f"every excerpt line is in {name}/{path} at {commit[:12]}"
        verdict: Verdict = "partly" if len(missing) < len(lines) else "not-reproduced"
        return verdict, f"{len(missing)} of {len(lines)} excerpt line(s) are not in {name}/{path} at {commit[:12]}"
    return "failed", f"{path} is in no repository at its deployed commit"


def _check_commit(ref: str, deployed: bool, sources: _Sources) -> tuple[Verdict, str]:
    sha = ref.strip().split()[0] if ref.strip() else ""
    for name, (bare, _commit) in sources.repos.items():
        try:
            full = run_git(bare, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}").strip()
        except GitError:
            continue
        if not deployed:
            return "reproduced", f"{full[:12]} is a commit of {name}"
        if any(_shipped_in(bare, full, d.commit) for d in sources.scenario.deployments):
            return "reproduced", f"{full[:12]} of {name} shipped in a recorded deployment"
        return "not-reproduced", f"{full[:12]} of {name} shipped in no recorded deployment"
    return "not-reproduced", f"{sha[:40]!r} is a commit of no repository in the scenario"


def _shipped_in(bare: Path, commit: str, deployed: str) -> bool:
    """Whether `commit` is `deployed` or one of its ancestors."""
    if same_commit(commit, deployed):
        return True
    try:
        return run_git(bare, "merge-base", commit, deployed).strip() == commit
    except GitError:
        return False


__all__ = ["EvidenceCheck", "Verdict", "check_evidence"]
