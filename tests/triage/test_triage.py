"""Deterministic triage: new errors from the logs, hostile log values, and the incident's environment."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import agentcore.triage._run as triage_run
from agentcore.connectors.changes import DeploymentRecord, live_environment_deployments
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.git import run_git
from agentcore.triage import kql_string, run_triage
from agentcore.triage._run import ServiceRepo

INCIDENT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
HOSTILE = [
    "Evil' or 1==1 //",
    'Quote"and\\backslash',
    "'; .drop table AppExceptions; //",
    "Multi\nline | take 0",
]


def exception_row(when: datetime, exception_type: str, *, file: str = "app/coupons.py", method: str = "apply") -> str:
    details = [{"parsedStack": [{"method": method, "fileName": file, "line": 12, "level": 0, "assembly": "app"}]}]
    return json.dumps(
        {
            "TimeGenerated": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "AppRoleName": "checkout-api",
            "ExceptionType": exception_type,
            "OuterMessage": f"{exception_type} happened",
            "Details": json.dumps(details),
            "ProblemId": "p",
            "OperationId": "o",
            "Properties": "{}",
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> DuckDbLogStore:
    rows = [exception_row(INCIDENT - timedelta(hours=6, minutes=m), "PaymentGatewayTimeout") for m in range(0, 300, 30)]
    rows += [exception_row(INCIDENT - timedelta(minutes=30 - i), HOSTILE[i % len(HOSTILE)]) for i in range(8)]
    source = tmp_path / "AppExceptions.jsonl"
    source.write_text("\n".join(rows) + "\n")
    return DuckDbLogStore.load({"AppExceptions": source}, tmp_path / "t.duckdb", query_now=INCIDENT)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_log_value_quoted_for_kql_matches_only_itself(store: DuckDbLogStore, value: str) -> None:
    result = store.query(f"AppExceptions | where ExceptionType == {kql_string(value)} | summarize n = count()")
    assert result.rows == ((2,),)


def test_triage_finds_new_errors_even_when_their_names_are_hostile(store: DuckDbLogStore) -> None:
    triage = run_triage(INCIDENT, [], [], store)
    assert {e.exception_type for e in triage.new_errors} <= set(HOSTILE)
    assert len(triage.new_errors) == 3
    assert triage.problems == ()
    assert triage.new_errors[0].stack_files == ("app/coupons.py",)


def test_an_error_present_from_the_start_of_the_data_is_not_new(store: DuckDbLogStore) -> None:
    triage = run_triage(INCIDENT, [], [], store)
    assert "PaymentGatewayTimeout" not in {e.exception_type for e in triage.new_errors}


def test_only_the_environment_live_at_the_incident_counts() -> None:
    def row(hours_before: float, environment: str, commit: str) -> DeploymentRecord:
        return DeploymentRecord(INCIDENT - timedelta(hours=hours_before), "checkout", environment, commit)

    rows = [row(30, "production", "a" * 40), row(3, "staging", "b" * 40), row(0.5, "production", "b" * 40)]
    assert [r.environment for r in live_environment_deployments(rows, INCIDENT)] == ["production", "production"]


def one_commit_repo(path: Path) -> Path:
    run_git(None, "init", "--quiet", "-b", "main", str(path))
    (path / "app.py").write_text("VALUE = 1\n", encoding="utf-8")
    run_git(path, "add", "app.py")
    run_git(path, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "--quiet", "-m", "first")
    return path


def test_each_repositorys_history_is_read_beside_the_others_and_reported_in_service_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = [
        ServiceRepo("cart", "cart", tmp_path / "no-such-repo", "cart-api"),
        ServiceRepo("checkout", "checkout", one_commit_repo(tmp_path / "checkout"), "checkout-api"),
    ]
    meeting = threading.Barrier(2, timeout=10)
    read_history = triage_run.collect_candidates

    def meeting_the_other(*args: object, **kwargs: object) -> object:
        meeting.wait()  # BrokenBarrierError after 10 s when the histories are read one after another
        return read_history(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(triage_run, "collect_candidates", meeting_the_other)

    triage = run_triage(INCIDENT, services, [], None)

    assert not meeting.broken
    histories = [problem.split(":")[0] for problem in triage.problems if problem.startswith("change history")]
    assert histories == ["change history of cart could not be read"]
