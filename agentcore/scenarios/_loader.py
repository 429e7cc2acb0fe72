"""`load_scenario`: read and validate a scenario directory, one clear `ScenarioError` per problem."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agentcore.alerts import Alert, parse_alert
from agentcore.errors import ScenarioError, UserInputError
from agentcore.git import GitError
from agentcore.scenarios._git import BundleHistory, read_bundle, scratch_directory
from agentcore.scenarios._models import (
    Deployment,
    RepoBundle,
    RepoCommit,
    Scenario,
    ScenarioSpec,
    Topology,
    Truth,
)

_Model = TypeVar("_Model", bound=BaseModel)
_RECENT_LIMIT = 8
_RECENT: dict[tuple[Path, tuple[tuple[str, int, int, int], ...]], Scenario] = {}
"""The last scenarios loaded, by directory and `directory_signature`."""
_RECENT_LOCK = threading.Lock()
_REPO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def load_scenario(directory: Path, *, cache_dir: Path | None = None) -> Scenario:
    """Load the scenario in `directory` (format: SCENARIOS.md). Extra files are ignored; optional parts
    may be missing; a malformed part raises ScenarioError naming the file (and line, for JSONL).

    Bundles are read here (HEAD's history; every deployment and culprit commit must be in its bundle).
    Telemetry rows are checked when they are loaded into DuckDB (`materialize_workspace`), with the
    same kind of error naming file and line; here only the table names are.

    A scenario loaded before in this process, whose files have not changed since (same names, sizes,
    modification times and inodes), is returned again without reading its bundles: the CLI and intake
    both load the one a run investigates. With `cache_dir` (the user's cache directory), what each bundle
    holds is kept there and read from there the next time instead of cloning the bundle (`_bundle_cache`)."""
    root = directory.resolve()
    if not root.is_dir():
        raise ScenarioError(f"{directory}: not a scenario directory")
    signature = directory_signature(root)
    if signature is not None:
        with _RECENT_LOCK:
            found = _RECENT.get((root, signature))
        if found is not None:
            return found
    scenario = _load(root, cache_dir)
    if signature is not None:
        with _RECENT_LOCK:
            _RECENT[(root, signature)] = scenario
            while len(_RECENT) > _RECENT_LIMIT:
                del _RECENT[next(iter(_RECENT))]
    return scenario


def _load(root: Path, cache_dir: Path | None) -> Scenario:
    spec = _read_model(root, "scenario.json", ScenarioSpec)
    if spec is None:
        raise ScenarioError("scenario.json: missing; every scenario needs one")
    alert = _read_alert(root)
    with scratch_directory() as scratch:
        histories = _read_bundles(root, Path(scratch), cache_dir)
        _check_services(spec, histories)
        deployments = _read_deployments(root, spec, histories)
        truth = _read_truth(root, histories)
    return Scenario(
        directory=root,
        name=spec.name,
        description=spec.description,
        incident_time=spec.incident_time,
        services=spec.services,
        alert=alert,
        repos={name: repo for name, (repo, _) in histories.items()},
        deployments=deployments,
        telemetry=_find_telemetry(root),
        topology=_read_model(root, "topology.json", Topology),
        memory_dir=_optional_directory(root, "memory"),
        skills_dir=_optional_directory(root, "skills"),
        truth=truth,
    )


def directory_signature(root: Path) -> tuple[tuple[str, int, int, int], ...] | None:
    """Every entry under `root` with its size, modification time and inode; None when a directory is a
    symlink (what it holds could change without anything under `root` changing)."""
    entries: list[tuple[str, int, int, int]] = []
    for current, directories, files in os.walk(root, followlinks=False):
        for name in [*directories, *files]:
            path = Path(current) / name
            if name in directories and path.is_symlink():
                return None
            try:
                found = path.stat()
            except OSError:
                return None
            entries.append((str(path.relative_to(root)), found.st_size, found.st_mtime_ns, found.st_ino))
    return tuple(sorted(entries))


def scenario_file(root: Path, relative: str) -> Path | None:
    """`root/relative` if it exists; refused if it is a symlink leading out of the scenario."""
    path = root / relative
    if not path.exists() and not path.is_symlink():
        return None
    real = path.resolve()
    if real != root and root not in real.parents:
        raise ScenarioError(f"{relative}: a symlink pointing outside the scenario directory is refused")
    if not real.exists():
        raise ScenarioError(f"{relative}: a dangling symlink")
    return path


def _read_text(root: Path, relative: str) -> str | None:
    path = scenario_file(root, relative)
    if path is None:
        return None
    if not path.is_file():
        raise ScenarioError(f"{relative}: not a file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{relative}: not UTF-8 text ({e.reason} at byte {e.start})") from e


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ScenarioError(f"{where}: not JSON: {e.msg} at line {e.lineno} column {e.colno}") from e


def _validate(model: type[_Model], data: Any, where: str) -> _Model:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(f"{where}: {describe_validation_error(e)}") from e


def describe_validation_error(error: ValidationError) -> str:
    """The first problem of a pydantic error as `services[0].repo: Field required`, on one line."""
    first = error.errors()[0]
    location = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{location or 'document'}: {first['msg']}{more}"


def _read_model(root: Path, relative: str, model: type[_Model]) -> _Model | None:
    text = _read_text(root, relative)
    return None if text is None else _validate(model, _parse_json(text, relative), relative)


def _read_alert(root: Path) -> Alert:
    path = scenario_file(root, "alert.json")
    if path is None:
        raise ScenarioError("alert.json: missing; every scenario needs one")
    if not path.is_file():
        raise ScenarioError("alert.json: not a file")
    try:
        return parse_alert(path.read_bytes())
    except UserInputError as e:
        raise ScenarioError(f"alert.json: {str(e).removeprefix('alert: ')}") from e


_Histories = dict[str, tuple[RepoBundle, BundleHistory]]


def _read_bundles(root: Path, scratch: Path, cache_dir: Path | None) -> _Histories:
    histories: _Histories = {}
    repos = _optional_directory(root, "repos")
    if repos is None:
        return histories
    for bundle in sorted(repos.glob("*.bundle")):
        name, relative = bundle.name.removesuffix(".bundle"), f"repos/{bundle.name}"
        if not _REPO_NAME.fullmatch(name):
            raise ScenarioError(f"{relative}: repository name {name!r} is refused (letters, digits, . _ - only)")
        checked = scenario_file(root, relative)
        if checked is None or not checked.is_file():
            raise ScenarioError(f"{relative}: not a file")
        (scratch / name).mkdir()
        try:
            history = read_bundle(checked, scratch / name, cache=cache_dir)
        except GitError as e:
            raise ScenarioError(f"{relative}: not a readable git bundle: {e}") from e
        commits = tuple(
            RepoCommit(sha=sha, committed_at=at, author=author, subject=subject)
            for sha, at, author, subject in history.history
        )
        repo = RepoBundle(name=name, bundle=checked, head=history.head, head_ref=history.head_ref, history=commits)
        histories[name] = (repo, history)
    return histories


def _check_services(spec: ScenarioSpec, histories: _Histories) -> None:
    seen: set[str] = set()
    for index, service in enumerate(spec.services):
        if service.name in seen:
            raise ScenarioError(f"scenario.json: services[{index}].name: {service.name!r} appears twice")
        seen.add(service.name)
        if service.repo not in histories:
            raise ScenarioError(f"scenario.json: services[{index}].repo: no repos/{service.repo}.bundle")


def _jsonl_rows(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def _read_deployments(root: Path, spec: ScenarioSpec, histories: _Histories) -> tuple[Deployment, ...]:
    text = _read_text(root, "deployments.jsonl")
    if text is None:
        return ()
    repo_of = {name: s.repo for s in spec.services for name in (s.name, s.app_role)}
    rows: list[tuple[int, Deployment]] = []
    for number, line in _jsonl_rows(text):
        where = f"deployments.jsonl line {number}"
        data = _parse_json(line, where)
        if not isinstance(data, dict):
            raise ScenarioError(f"{where}: expected a JSON object, got {type(data).__name__}")
        rows.append((number, _validate(Deployment, data, where)))
    wanted: dict[str, list[str]] = {}
    for _, row in rows:
        repo = repo_of.get(row.service)
        if repo is not None and repo in histories:
            wanted.setdefault(repo, []).append(row.commit)
    # One `git cat-file --batch-check` per bundle for all its deployments, not one per deployment.
    names = {repo: histories[repo][1].resolve(list(dict.fromkeys(commits))) for repo, commits in wanted.items()}
    resolved = []
    for number, row in rows:
        repo = repo_of.get(row.service)
        if repo is not None:
            where = f"deployments.jsonl line {number}"
            row = row.model_copy(update={"commit": _resolve(histories, repo, row.commit, where, names.get(repo))})
        resolved.append(row)
    return tuple(resolved)


def _resolve(
    histories: _Histories, repo: str, commit: str, where: str, names: dict[str, str | None] | None = None
) -> str:
    """The full sha of `commit` in `repo`'s bundle (from `names`, resolved before, when given)."""
    if repo not in histories:
        raise ScenarioError(f"{where}: no repos/{repo}.bundle")
    full = (names if names is not None else histories[repo][1].resolve([commit]))[commit]
    if full is None:
        raise ScenarioError(f"{where}: commit {commit} is not in repos/{repo}.bundle")
    return full


def _read_truth(root: Path, histories: _Histories) -> Truth | None:
    truth = _read_model(root, "truth.json", Truth)
    if truth is None or truth.culprit is None:
        return truth
    full = _resolve(histories, truth.culprit.repo, truth.culprit.commit, "truth.json: culprit")
    return truth.model_copy(update={"culprit": truth.culprit.model_copy(update={"commit": full})})


def _find_telemetry(root: Path) -> dict[str, Path]:
    directory = _optional_directory(root, "telemetry")
    if directory is None:
        return {}
    tables: dict[str, Path] = {}
    for path in sorted(directory.glob("*.jsonl")):
        relative = f"telemetry/{path.name}"
        table = path.name.removesuffix(".jsonl")
        if not _TABLE_NAME.fullmatch(table):
            raise ScenarioError(f"{relative}: table name {table!r} is refused (letters, digits and _ only)")
        checked = scenario_file(root, relative)
        if checked is None or not checked.is_file():
            raise ScenarioError(f"{relative}: not a file")
        tables[table] = checked
    return tables


def _optional_directory(root: Path, relative: str) -> Path | None:
    path = scenario_file(root, relative)
    if path is not None and not path.is_dir():
        raise ScenarioError(f"{relative}: expected a directory")
    return path
