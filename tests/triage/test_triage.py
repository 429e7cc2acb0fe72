"""Deterministic triage: new errors from the logs, hostile log values, and the incident's environment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentcore.connectors.changes import DeploymentRecord, live_environment_deployments
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.triage import kql_string, run_triage

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
