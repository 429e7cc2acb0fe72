"""Helpers that build scenario directories with real git repositories and bundles."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Template:
    """A complete scenario built once; `commits` are the checkout repo's shas, oldest first."""

    directory: Path
    commits: list[str]


INCIDENT = "2026-03-02T14:05:00Z"
ALERT: dict[str, Any] = {
    "schemaId": "azureMonitorCommonAlertSchema",
    "data": {
        "essentials": {
            "alertId": "/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a1",
            "alertRule": "checkout-api exceptions",
            "severity": "Sev2",
            "signalType": "Log",
            "monitorCondition": "Fired",
            "monitoringService": "Log Alerts V2",
            "alertTargetIDs": ["/subscriptions/s/resourcegroups/rg/providers/microsoft.insights/components/appi"],
            "firedDateTime": "2026-03-02T14:04:31Z",
        },
        "alertContext": {"conditionType": "LogQueryCriteria", "condition": {"allOf": []}},
    },
}
# (committer date, subject, files) oldest first; the last one lands after the incident.
COMMITS: list[tuple[str, str, dict[str, str]]] = [
    ("2026-02-20T10:00:00Z", "Initial service", {"app/api.py": "def handle():\n    return 200\n"}),
    ("2026-02-25T10:00:00Z", "Add coupons", {"app/coupons.py": "def apply(c):\n    return c.expires_at < 1\n"}),
    ("2026-03-02T12:00:00Z", "Refactor api", {"app/api.py": "def handle():\n    return 200  # same\n"}),
    ("2026-03-02T15:00:00Z", "After the incident", {"README.md": "# later\n"}),
]
ROOT_CAUSE = "coupons.apply compares a None expiry (a sentence only truth.json holds)"


def git(cwd: Path, *args: str, date: str = "2026-01-01T00:00:00Z") -> str:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Dev One",
        "GIT_AUTHOR_EMAIL": "dev.one@example.com",
        "GIT_COMMITTER_NAME": "Dev One",
        "GIT_COMMITTER_EMAIL": "dev.one@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def make_bundle(
    work: Path, bundle: Path, commits: list[tuple[str, str, dict[str, str]]], *, symlinks: dict[str, str] | None = None
) -> list[str]:
    """A repo with `commits` on main, bundled with --all; returns the shas, oldest first."""
    work.mkdir(parents=True)
    git(work, "init", "-q", "-b", "main")
    shas = []
    for index, (date, subject, files) in enumerate(commits):
        for name, content in files.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text(content)
        if index == 0:
            for link, target in (symlinks or {}).items():
                (work / link).symlink_to(target)
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", subject, date=date)
        shas.append(git(work, "rev-parse", "HEAD"))
    bundle.parent.mkdir(parents=True, exist_ok=True)
    git(work, "bundle", "create", "-q", str(bundle), "--all")
    return shas


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
