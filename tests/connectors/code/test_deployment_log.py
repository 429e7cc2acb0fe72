"""deployments.jsonl rows: lenient about blank lines and extra fields, precise about what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.connectors.code.deployment_log import DeploymentRow, read_deployment_log
from agentcore.errors import UserInputError


def log(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deployments.jsonl"
    path.write_text(text)
    return path


def test_rows_keep_their_line_numbers_and_times_are_utc(tmp_path: Path) -> None:
    path = log(
        tmp_path,
        '\n{"time": "2026-03-02T15:05:00+01:00", "service": "api", "environment": "prod", "commit": "abc1234",'
        ' "pr": 7, "extra": true}\n{"time": "2026-03-02T14:10:00", "service": "api", "environment": "prod",'
        ' "commit": "def5678"}\n',
    )
    assert read_deployment_log(path) == [
        DeploymentRow(2, datetime(2026, 3, 2, 14, 5, tzinfo=UTC), "api", "prod", "abc1234", pr=7),
        DeploymentRow(3, datetime(2026, 3, 2, 14, 10, tzinfo=UTC), "api", "prod", "def5678"),
    ]


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("[1]", "expected a JSON object"),
        ('{"service": "a", "environment": "p", "commit": "c"}', "missing 'time'"),
        ('{"time": "2026-03-02T14:00:00Z", "environment": "p", "commit": "c"}', "missing 'service'"),
        (
            '{"time": "2026-03-02T14:00:00Z", "service": "a", "environment": "p", "commit": 5}',
            "'commit' must be a string",
        ),
        ('{"time": "2026-03-02T14:00:00Z", "service": "a", "environment": "p", "commit": "c", "pr": true}', "'pr'"),
    ],
)
def test_a_malformed_row_names_its_line(tmp_path: Path, line: str, complaint: str) -> None:
    with pytest.raises(UserInputError, match=f"deployments.jsonl line 1: .*{complaint}"):
        read_deployment_log(log(tmp_path, line + "\n"))
