"""sre-agent's own errors as a scenario, so that it investigates them in its own source.

Its model calls are telemetry (`agentcore.telemetry.local`): the embedded default appends them to
`<data_dir>/telemetry/`. `write_self_scenario` freezes that telemetry with the code that produced it in the
scenario format (SCENARIOS.md): one service, `sre-agent`, logging as `APP_ROLE_NAME`, built from the
running package's source, deployed now. The clustering, the tracing into code and the investigations then
run exactly as for any service's scenario.

The source is the package's git checkout with its history (blame and suspects then work) when the package
runs from a clean checkout on a branch; otherwise (an installed wheel, local edits) a one-commit repository
of the files that are running, so that every frame's line number points at the code that raised it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import agentcore
from agentcore.errors import UserInputError
from agentcore.git import GitError, run_git
from agentcore.telemetry.local import APP_ROLE_NAME, self_telemetry_files

SERVICE = "sre-agent"
KEEP_SCENARIOS = 10
"""Self-scenarios kept under the data directory (the newest); investigations read theirs while they run."""
_BUNDLE_TIMEOUT_S = 300.0


def package_source() -> Path:
    """The directory that holds the running `agentcore` package (a checkout's root, or site-packages)."""
    return Path(agentcore.__file__).resolve().parent.parent


def write_self_scenario(telemetry_dir: Path, target: Path, *, now: datetime, source: Path | None = None) -> Path:
    """A scenario at `target` of sre-agent's own telemetry, incident time `now`; return `target`."""
    files = self_telemetry_files(telemetry_dir)
    if "AppExceptions" not in files:
        raise UserInputError(f"--self: no own telemetry in {telemetry_dir} (AppExceptions.jsonl): nothing failed yet")
    (target / "telemetry").mkdir(parents=True)
    (target / "repos").mkdir()
    for table, path in files.items():
        shutil.copyfile(path, target / "telemetry" / f"{table}.jsonl")
    commit = _bundle_source(source or package_source(), target / "repos" / f"{SERVICE}.bundle", now=now)
    # The format keeps whole seconds: round up, so that the errors of this very second are in the window.
    moment = (now.replace(microsecond=0) + timedelta(seconds=1 if now.microsecond else 0)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    facts = {
        "name": f"{SERVICE}-self-{now:%Y%m%d-%H%M%S}",
        "description": "sre-agent's own failed model calls, with the source that made them",
        "incident_time": moment,
        "services": [{"name": SERVICE, "repo": SERVICE, "app_role": APP_ROLE_NAME}],
    }
    (target / "scenario.json").write_text(json.dumps(facts, indent=1), encoding="utf-8")
    deployment = {"time": moment, "service": SERVICE, "environment": "local", "commit": commit,
                  "version": agentcore.__version__}  # fmt: skip
    (target / "deployments.jsonl").write_text(json.dumps(deployment) + "\n", encoding="utf-8")
    (target / "alert.json").write_text(json.dumps(_alert(now, moment)), encoding="utf-8")
    return target


def new_self_scenario_dir(data_dir: Path, now: datetime) -> Path:
    """A new folder for a self-scenario under `<data_dir>/self-scenarios/`, named so that names sort by time
    (two runs in one instant get two folders)."""
    return data_dir / "self-scenarios" / f"{now:%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}"


def prune_self_scenarios(parent: Path, keep: int = KEEP_SCENARIOS) -> None:
    """Remove all but the newest `keep` scenarios under `parent` (names sort by time)."""
    if parent.is_dir():
        for old in sorted(p for p in parent.iterdir() if p.is_dir())[:-keep]:
            shutil.rmtree(old, ignore_errors=True)


def _bundle_source(source: Path, bundle: Path, *, now: datetime) -> str:
    """Bundle the code at `source` (see the module's docstring); return the commit that is running."""
    if (branch := _branch_of_clean_checkout(source)) is not None:  # its history only, not every ref of a clone
        run_git(source, "bundle", "create", "--quiet", str(bundle.resolve()), branch, timeout_s=_BUNDLE_TIMEOUT_S)
        return run_git(source, "rev-parse", "HEAD").strip()
    with tempfile.TemporaryDirectory(prefix="sre-agent-self-source-") as scratch:
        repo = Path(scratch)
        shutil.copytree(source / "agentcore", repo / "agentcore", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        run_git(None, "init", "--quiet", "--template=", "-b", "main", str(repo))
        run_git(repo, "add", "--all")
        run_git(
            repo, "-c", "user.name=sre-agent", "-c", "user.email=sre-agent@localhost", "commit", "--quiet",
            "--no-verify", "-m", f"sre-agent {agentcore.__version__} as it ran on {now:%Y-%m-%d %H:%M} UTC",
        )  # fmt: skip
        run_git(repo, "bundle", "create", "--quiet", str(bundle.resolve()), "--all", timeout_s=_BUNDLE_TIMEOUT_S)
        return run_git(repo, "rev-parse", "HEAD").strip()


def _branch_of_clean_checkout(source: Path) -> str | None:
    """The branch (`refs/heads/...`) `source` has checked out, when it is a checkout's root and its agentcore/
    has no local edits; else None."""
    if not (source / ".git").exists() or not (source / "agentcore").is_dir():
        return None
    try:
        if Path(run_git(source, "rev-parse", "--show-toplevel").strip()).resolve() != source.resolve():
            return None
        branch = run_git(source, "symbolic-ref", "--quiet", "HEAD").strip()
        edits = run_git(source, "status", "--porcelain", "--untracked-files=no", "--", "agentcore").strip()
    except GitError:
        return None
    return None if edits or not branch.startswith("refs/heads/") else branch


def _alert(now: datetime, moment: str) -> dict[str, object]:
    """A common-alert-schema payload: the daily clustering found new errors in sre-agent's own calls."""
    return {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": f"sre-agent-self-{now:%Y%m%d%H%M%S}",
                "alertRule": "sre-agent own errors",
                "severity": "Sev3",
                "signalType": "Log",
                "monitorCondition": "Fired",
                "monitoringService": "Log Alerts V2",
                "firedDateTime": moment,
                "description": "New clusters of errors in sre-agent's own model calls.",
            },
            "alertContext": {},
            "customProperties": {"service": SERVICE},
        },
    }


__all__ = ["SERVICE", "new_self_scenario_dir", "package_source", "prune_self_scenarios", "write_self_scenario"]
