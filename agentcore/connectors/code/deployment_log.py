"""Read a scenario's `deployments.jsonl` (SCENARIOS.md): one deployment per line, keyed by service.

Blank lines are skipped and unknown fields ignored; a malformed line is one UserInputError naming the
file and the line. Times without a zone are taken as UTC, as the scenario loader takes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentcore.errors import UserInputError

MAX_DEPLOYMENT_LOG_BYTES = 50_000_000
"""Largest deployments.jsonl read."""


@dataclass(frozen=True)
class DeploymentRow:
    """One line of deployments.jsonl; `line` is its 1-based line number."""

    line: int
    time: datetime
    service: str
    environment: str
    commit: str
    version: str | None = None
    pr: int | None = None
    author: str | None = None


def parse_utc(text: str) -> datetime:
    """An ISO 8601 time in UTC; a time without a zone is taken as UTC. Raise ValueError if malformed."""
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_deployment_log(path: Path) -> list[DeploymentRow]:
    """The rows of `path` in file order."""
    try:
        if path.stat().st_size > MAX_DEPLOYMENT_LOG_BYTES:
            raise UserInputError(f"{path}: larger than {MAX_DEPLOYMENT_LOG_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UserInputError(f"{path}: cannot read: {e}") from e
    rows: list[DeploymentRow] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            rows.append(_row(path, number, line))
    return rows


__all__ = ["MAX_DEPLOYMENT_LOG_BYTES", "DeploymentRow", "parse_utc", "read_deployment_log"]


def _row(path: Path, number: int, line: str) -> DeploymentRow:
    where = f"{path} line {number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        raise UserInputError(f"{where}: not valid JSON ({e.msg})") from e
    if not isinstance(data, dict):
        raise UserInputError(f"{where}: expected a JSON object")
    try:
        time = parse_utc(_text(data, "time", where))
    except ValueError as e:
        raise UserInputError(f"{where}: 'time' is not an ISO 8601 time") from e
    pr = data.get("pr")
    if pr is not None and (isinstance(pr, bool) or not isinstance(pr, int)):
        raise UserInputError(f"{where}: 'pr' must be an integer")
    return DeploymentRow(
        line=number,
        time=time,
        service=_text(data, "service", where),
        environment=_text(data, "environment", where),
        commit=_text(data, "commit", where),
        version=_optional_text(data, "version", where),
        pr=pr,
        author=_optional_text(data, "author", where),
    )


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = _optional_text(data, key, where)
    if not value:
        raise UserInputError(f"{where}: missing {key!r}")
    return value


def _optional_text(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UserInputError(f"{where}: {key!r} must be a string")
    return value.strip() or None
