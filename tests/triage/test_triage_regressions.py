"""Latency and failure regressions in triage, on small synthetic telemetry in DuckDB.

The incident is at 14:00; telemetry starts at 08:00. The baseline is everything up to 12:00 (two hours
before the incident), the recent window 13:30-14:00, and onsets are read from 10-minute bins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.pipeline.task import task_message
from agentcore.triage import run_triage
from agentcore.triage._regressions import find_regressions, regression_evidence

INCIDENT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
START = INCIDENT - timedelta(hours=6)
ONSET = datetime(2026, 3, 2, 13, 10, tzinfo=UTC)
DB = "db-1.postgres.example.net | stock"


def at(minute: int) -> datetime:
    return START + timedelta(minutes=minute)


def calls(
    role: str,
    duration: Callable[[datetime], float],
    *,
    target: str = "",
    name: str = "GET /",
    kind: str = "HTTP",
    failed: Callable[[int], bool] = lambda i: False,
    every_min: int = 1,
    request: bool = False,
) -> list[dict[str, Any]]:
    """One call every `every_min` minutes from 08:00 to the incident."""
    rows = []
    for i, minute in enumerate(range(0, 6 * 60, every_min)):
        when = at(minute) + timedelta(seconds=7)
        row = {
            "TimeGenerated": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "AppRoleName": role,
            "Name": name,
            "ResultCode": "500" if failed(i) else "200",
            "DurationMs": duration(when),
            "Success": not failed(i),
            "OperationId": f"op{i}",
        }
        if not request:
            row |= {"Target": target, "DependencyType": kind}
        rows.append(row)
    return rows


def step(before: float, after: float, onset: datetime = ONSET) -> Callable[[datetime], float]:
    return lambda when: after if when >= onset else before


def load(tmp_path: Path, **tables: list[dict[str, Any]]) -> DuckDbLogStore:
    files = {}
    for table, rows in tables.items():
        files[table] = tmp_path / f"{table}.jsonl"
        files[table].write_text("".join(json.dumps(row) + "\n" for row in rows))
    return DuckDbLogStore.load(files, tmp_path / "telemetry.duckdb", query_now=INCIDENT)


def slow_database(tmp_path: Path) -> DuckDbLogStore:
    dependencies = calls("inventory-api", step(8.0, 120.0), target=DB, name="SELECT stock", kind="postgresql")
    dependencies += calls("inventory-api", step(2.0, 2.0), target="cache-1.redis.example.net:6380", kind="Redis")
    return load(tmp_path, AppDependencies=dependencies)


def test_a_dependency_that_got_slower_is_found_with_its_numbers_and_onset(tmp_path: Path) -> None:
    (found,) = find_regressions(slow_database(tmp_path), INCIDENT)
    assert (found.kind, found.app_role, found.dependency, found.dependency_type) == (
        "latency",
        "inventory-api",
        DB,
        "postgresql",
    )
    assert (found.before, found.after) == (8.0, 120.0)
    assert found.onset == ONSET
    assert found.describe() == (
        f"inventory-api's postgresql calls to {DB} got slower: p95 rose from 8.0 ms to 120 ms (15.0\u00d7) from 13:10Z"
    )


def test_a_dependency_whose_latency_held_steady_is_not_a_regression(tmp_path: Path) -> None:
    found = find_regressions(slow_database(tmp_path), INCIDENT)
    assert all("redis" not in r.dependency for r in found)


def test_a_rise_of_a_few_milliseconds_is_not_a_regression_however_large_the_ratio(tmp_path: Path) -> None:
    store = load(tmp_path, AppDependencies=calls("api", step(1.0, 4.0), target="cache", kind="Redis"))
    assert find_regressions(store, INCIDENT) == []


def test_a_dependency_called_too_rarely_is_not_judged(tmp_path: Path) -> None:
    rare = calls("api", step(8.0, 500.0), target="rare.example", every_min=20)
    assert find_regressions(load(tmp_path, AppDependencies=rare), INCIDENT) == []


def test_a_name_stands_in_for_an_empty_target(tmp_path: Path) -> None:
    store = load(tmp_path, AppDependencies=calls("api", step(8.0, 90.0), target="", name="ReadStock", kind="InProc"))
    (found,) = find_regressions(store, INCIDENT)
    assert (found.dependency, found.onset) == ("ReadStock", ONSET)


def test_a_failure_rate_that_rose_is_a_regression_from_the_bin_it_stayed_high(tmp_path: Path) -> None:
    def failed(i: int) -> bool:
        return i % 50 == 0 if at(i) < ONSET else i % 3 == 0

    store = load(tmp_path, AppRequests=calls("checkout-api", step(50.0, 50.0), failed=failed, request=True))
    (found,) = find_regressions(store, INCIDENT)
    assert (found.kind, found.app_role, found.dependency) == ("failures", "checkout-api", "")
    assert found.before < 0.03 < 0.3 < found.after
    assert found.onset == ONSET
    assert found.began == "checkout-api's requests began failing more often"


def test_an_early_spike_does_not_move_the_onset_before_the_lasting_rise(tmp_path: Path) -> None:
    spike = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)

    def duration(when: datetime) -> float:
        return 120.0 if when >= ONSET or spike <= when < spike + timedelta(minutes=10) else 8.0

    store = load(tmp_path, AppDependencies=calls("api", duration, target=DB, kind="postgresql"))
    (found,) = find_regressions(store, INCIDENT)
    assert found.onset == ONSET


def test_calls_to_a_service_that_itself_slowed_down_are_explained_by_it(tmp_path: Path) -> None:
    """catalog-api's calls to inventory got slower because inventory-api did, because its database did."""
    dependencies = calls("inventory-api", step(8.0, 120.0), target=DB, kind="postgresql")
    dependencies += calls("catalog-api", step(15.0, 140.0), target="ca-inventory-api", every_min=1)
    requests = calls("inventory-api", step(20.0, 150.0), request=True)
    found = find_regressions(load(tmp_path, AppDependencies=dependencies, AppRequests=requests), INCIDENT)
    assert [(r.app_role, r.dependency, r.explained) for r in found][0] == ("inventory-api", DB, False)
    assert {(r.app_role, r.dependency) for r in found if r.explained} == {
        ("catalog-api", "ca-inventory-api"),
        ("inventory-api", ""),
    }


def test_each_regression_is_evidence_with_the_kql_that_shows_it_bin_by_bin(tmp_path: Path) -> None:
    store = slow_database(tmp_path)
    (found,) = find_regressions(store, INCIDENT)
    (evidence,) = regression_evidence([found], INCIDENT)
    assert evidence.source.kind == "log_query"
    assert evidence.claim.startswith(f"inventory-api's postgresql calls to {DB} got slower: p95 rose from 8.0 ms")
    assert "13:00Z 8.0 ms (10 calls), 13:10Z 120 ms (10 calls)" in evidence.excerpt
    rerun = {row["TimeGenerated"]: row["p95_ms"] for row in store.query(evidence.source.ref).as_dicts()}
    assert (rerun["2026-03-02T13:00:00Z"], rerun["2026-03-02T13:10:00Z"]) == (8.0, 120.0)


def test_a_hostile_dependency_name_is_quoted_in_the_kql(tmp_path: Path) -> None:
    hostile = "db'; .drop table AppDependencies; //\nx"
    store = load(tmp_path, AppDependencies=calls("api", step(8.0, 120.0), target=hostile, kind="SQL"))
    (found,) = find_regressions(store, INCIDENT)
    assert (found.dependency, found.onset) == (hostile, ONSET)


def test_without_a_new_error_the_regression_onset_is_the_incidents_onset(tmp_path: Path) -> None:
    triage = run_triage(INCIDENT, [], [], slow_database(tmp_path))
    assert triage.new_errors == ()
    assert triage.onset == ONSET
    assert triage.regressions[0].dependency == DB
    assert triage.problems == ()
    assert triage.evidence[0].source.kind == "log_query"


def test_a_new_error_seen_before_the_regression_stays_the_onset(tmp_path: Path) -> None:
    def exception(when: datetime, exception_type: str) -> dict[str, Any]:
        return {
            "TimeGenerated": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "AppRoleName": "inventory-api",
            "ExceptionType": exception_type,
            "OuterMessage": "boom",
            "Details": "[]",
            "ProblemId": "p",
            "OperationId": "o",
            "Properties": "{}",
        }

    first_error = datetime(2026, 3, 2, 12, 41, 5, tzinfo=UTC)
    exceptions = [exception(at(0), "OldNoise"), exception(first_error, "NewFault")]
    dependencies = calls("inventory-api", step(8.0, 120.0), target=DB, kind="postgresql")
    triage = run_triage(INCIDENT, [], [], load(tmp_path, AppExceptions=exceptions, AppDependencies=dependencies))
    assert [e.exception_type for e in triage.new_errors] == ["NewFault"]
    assert triage.onset == first_error


def test_telemetry_without_requests_or_dependencies_finds_no_regression(tmp_path: Path) -> None:
    store = load(tmp_path, AppTraces=[{"TimeGenerated": "2026-03-02T13:00:00Z", "Message": "hello"}])
    assert find_regressions(store, INCIDENT) == []


def test_a_dependency_without_a_type_still_gets_its_onset(tmp_path: Path) -> None:
    store = load(tmp_path, AppDependencies=calls("api", step(8.0, 90.0), target="legacy.example", kind=""))
    (found,) = find_regressions(store, INCIDENT)
    assert (found.dependency_type, found.onset) == ("", ONSET)
    assert found.subject == "api's calls to legacy.example"


def test_the_agents_head_start_lists_the_regression(tmp_path: Path) -> None:
    triage = run_triage(INCIDENT, [], [], slow_database(tmp_path))
    message = task_message("inv-20260302-140000-abcdef", INCIDENT, None, "Why is stock slow?", triage)
    assert f"- Regression: {triage.regressions[0].describe()}" in message
