"""Lay a scenario out as an investigation workspace (DESIGN §3).

```
repos/<name>/        every branch and all history, detached at the commit deployed at the incident;
                     repos/CHECKOUTS.md says why
memory/ skills/      copied from the scenario as they are (regular files only; symlinks are not followed)
schemas/<Table>.md   columns, types, row count and time range of each telemetry table
data/telemetry.duckdb  the telemetry, for KQL through DuckDbLogStore
notes/ outputs/ report/
```
truth.json is never copied. The workspace is built beside `root` and renamed into place at the end,
so a failure leaves nothing half-made behind. Given a clone cache, each `repos/<name>` is a symlink to the
shared, read-only checkout of its commit (`_checkout_cache`), whose objects are the cache's; without
one, each is a self-contained clone of its bundle. Given a
telemetry cache, the telemetry database is a copy of its entry (`telemetry_cache`), loaded at most once.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agentcore.connectors.logs import TableSchema
from agentcore.connectors.logs._kql_warmup import warm_kql_in_background
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.errors import ScenarioError, UserInputError
from agentcore.git import GitError
from agentcore.scenarios import DeployedCommit, RepoBundle, Scenario
from agentcore.workspace._checkout_cache import checkouts_dir, link_checkout, shared_checkout
from agentcore.workspace.checkout import cached_clone, check_out_bundle, full_sha, head_commit
from agentcore.workspace.telemetry_cache import cached_tables, copy_telemetry

logger = logging.getLogger(__name__)

TELEMETRY_DATABASE = "data/telemetry.duckdb"
_EMPTY_DIRECTORIES = ("repos", "memory", "skills", "schemas", "notes", "outputs", "report", "data")


class RepoCheckout(BaseModel):
    """One repository in the workspace and why it is at that commit."""

    model_config = ConfigDict(frozen=True)

    name: str
    path: str
    """Relative to the workspace root."""
    commit: str
    rule: str
    reason: str
    services: tuple[str, ...]


class WorkspaceManifest(BaseModel):
    """What `materialize_workspace` made."""

    model_config = ConfigDict(frozen=True)

    root: Path
    checkouts: tuple[RepoCheckout, ...]
    tables: tuple[TableSchema, ...]
    telemetry_database: Path | None
    skipped: tuple[str, ...] = ()
    """Scenario files not copied (symlinks, special files), relative to the scenario."""


def materialize_workspace(
    scenario: Scenario,
    root: Path,
    *,
    clone_cache: Path | None = None,
    telemetry_cache: Path | None = None,
    warm_kql: bool = True,
) -> WorkspaceManifest:
    """Create the workspace for `scenario` at `root`, which must not exist or be empty; repositories
    borrow their objects from `clone_cache`, and telemetry is copied from `telemetry_cache`, when given.
    With telemetry and `warm_kql`, the KQL translator is warmed up meanwhile (not when its queries' translations
    are cached, so that importing the parser would be wasted)."""
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise UserInputError(f"{root}: the workspace directory exists and is not empty")
    root.parent.mkdir(parents=True, exist_ok=True)
    if scenario.telemetry and warm_kql:
        warm_kql_in_background()  # while git checks the repositories out, in subprocesses that leave the GIL free
    staging = root.parent / f".{root.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        for name in _EMPTY_DIRECTORIES:
            (staging / name).mkdir()
        repos = sorted(scenario.repos.values(), key=_name)
        checkouts = tuple(_check_out(scenario, repo, staging, clone_cache) for repo in repos)
        markdown = _checkouts_markdown(scenario, checkouts, read_only=clone_cache is not None)
        (staging / "repos" / "CHECKOUTS.md").write_text(markdown, encoding="utf-8")
        skipped = [*_copy_tree(scenario, "memory", staging), *_copy_tree(scenario, "skills", staging)]
        tables = _load_telemetry(scenario, staging, telemetry_cache, warm_kql)
        if root.exists():
            root.rmdir()
        staging.rename(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info(
        "materialized scenario %s at %s (%d repos, %d tables)", scenario.name, root, len(checkouts), len(tables)
    )
    return WorkspaceManifest(
        root=root,
        checkouts=checkouts,
        tables=tables,
        telemetry_database=root / TELEMETRY_DATABASE if tables else None,
        skipped=tuple(skipped),
    )


def _name(repo: RepoBundle) -> str:
    return repo.name


def _choose_commit(scenario: Scenario, repo: RepoBundle) -> tuple[DeployedCommit | None, tuple[str, ...]]:
    services = tuple(s.name for s in scenario.services if s.repo == repo.name)
    if not services:
        return None, services
    return scenario.deployed_commit(services[0]), services


def _check_out(scenario: Scenario, repo: RepoBundle, staging: Path, clone_cache: Path | None) -> RepoCheckout:
    deployed, services = _choose_commit(scenario, repo)
    if deployed is None:
        commit, rule, reason = repo.head, "head", "no service in scenario.json is built from it: the bundle's HEAD"
    else:
        commit, rule, reason = deployed.commit, deployed.rule, deployed.reason
    relative = f"repos/{repo.name}"
    try:
        if clone_cache is None:
            check_out_bundle(repo.bundle, staging / relative, commit)
            checked_out = head_commit(staging / relative)
        else:
            cache = cached_clone(repo.bundle, clone_cache)
            full = full_sha(cache, commit) or commit
            # A shared checkout is made detached at the full sha it is named by, and never moved: no need to ask git.
            checked_out = full
            link_checkout(shared_checkout(cache, full, checkouts_dir(clone_cache)), staging / relative)
    except (GitError, ValueError) as e:
        raise ScenarioError(f"repos/{repo.name}.bundle: cannot check out {commit}: {e}") from e
    return RepoCheckout(name=repo.name, path=relative, commit=checked_out, rule=rule, reason=reason, services=services)


def _checkouts_markdown(scenario: Scenario, checkouts: tuple[RepoCheckout, ...], *, read_only: bool) -> str:
    lines = [
        "# Checkouts",
        "",
        "Each repository holds every branch and all history, checked out, detached, at the",
        f"commit that was running at the incident ({_iso(scenario.incident_time)}). Inside it, `git log`,",
        "`git show <sha>` and `git diff <a>..<b>` show what changed and when.",
    ]
    if read_only:
        lines += [
            "The repositories are read-only (the code as deployed): read another version with",
            "`git show <sha>:<path>`; to change a file, copy it under notes/ or report/ first.",
        ]
    if not checkouts:
        lines += ["", "This scenario has no repositories."]
    for checkout in checkouts:
        repo = scenario.repos[checkout.name]
        lines += [
            "",
            f"## {checkout.name}",
            "",
            f"- commit: {checkout.commit}",
            f"- rule: {checkout.rule}",
            f"- why: {checkout.reason}",
            f"- services: {', '.join(checkout.services) or 'none'}",
            f"- bundle HEAD ({repo.head_ref}): {repo.head}{_ahead(repo, checkout.commit)}",
        ]
    return "\n".join(lines) + "\n"


def _ahead(repo: RepoBundle, commit: str) -> str:
    shas = [c.sha for c in repo.history]
    if commit == repo.head:
        return ", the same commit"
    if commit in shas:
        return f", {shas.index(commit)} commit(s) later on the same history (not running at the incident)"
    return ", on another branch"


def _copy_tree(scenario: Scenario, name: str, staging: Path) -> list[str]:
    """Copy regular files and directories; never follow or copy a symlink (os.walk does not descend
    into symlinked directories either). Return what was skipped."""
    source = scenario.memory_dir if name == "memory" else scenario.skills_dir
    if source is None:
        return []
    skipped: list[str] = []
    for current, directories, files in os.walk(source, followlinks=False):
        here = Path(current)
        target = staging / name / here.relative_to(source)
        target.mkdir(parents=True, exist_ok=True)
        for entry in sorted([*directories, *files]):
            path = here / entry
            mode = path.lstat().st_mode
            relative = f"{name}/{path.relative_to(source).as_posix()}"
            if stat.S_ISLNK(mode):
                skipped.append(relative)
                logger.warning("not copying %s: symlinks in a scenario are not followed", relative)
            elif stat.S_ISREG(mode):
                _copy_regular_file(path, target / entry)
            elif not stat.S_ISDIR(mode):
                skipped.append(relative)
    return skipped


def _copy_regular_file(source: Path, destination: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(source, flags), "rb") as reader, destination.open("xb") as writer:
        shutil.copyfileobj(reader, writer)


def _load_telemetry(scenario: Scenario, staging: Path, cache: Path | None, warm_kql: bool) -> tuple[TableSchema, ...]:
    if not scenario.telemetry:
        return ()
    database = staging / TELEMETRY_DATABASE
    if cache is None:
        store = DuckDbLogStore.load(scenario.telemetry, database, query_now=scenario.incident_time, warm_kql=warm_kql)
        try:
            tables = tuple(store.tables())
        finally:
            store.close()
    else:
        copy_telemetry(scenario, cache, database)
        tables = cached_tables(scenario, cache)
    for table in tables:
        (staging / "schemas" / f"{table.name}.md").write_text(_schema_markdown(scenario, table), encoding="utf-8")
    return tables


def _schema_markdown(scenario: Scenario, table: TableSchema) -> str:
    span = (
        f"TimeGenerated from {_iso(table.first_time)} to {_iso(table.last_time)} (UTC)."
        if table.first_time and table.last_time
        else "No TimeGenerated values."
    )
    lines = [
        f"# {table.name}",
        "",
        f"Rows: {table.row_count}. {span}",
        f"Query in KQL; `now()` and `ago()` count back from the incident time, {_iso(scenario.incident_time)}.",
        "",
        "| column | type | notes |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {c.name} | {c.type} | {c.description} |" for c in table.columns]
    return "\n".join(lines) + "\n"


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


__all__ = ["TELEMETRY_DATABASE", "RepoCheckout", "WorkspaceManifest", "materialize_workspace"]
