"""The telemetry cache: a scenario's telemetry is loaded into DuckDB once per content and copied into workspaces."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.errors import ScenarioError
from agentcore.scenarios import Scenario, load_scenario
from agentcore.workspace import cached_telemetry, materialize_workspace
from agentcore.workspace.telemetry_cache import telemetry_key

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"


@pytest.fixture(scope="module")
def example() -> Scenario:
    return load_scenario(EXAMPLE)


def scenario_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "scenario"
    shutil.copytree(EXAMPLE, copy)
    return copy


def counts(database: Path) -> dict[str, int]:
    store = DuckDbLogStore(database)
    try:
        return {table.name: table.row_count for table in store.tables()}
    finally:
        store.close()


def test_the_second_request_for_the_same_telemetry_reuses_the_first_load(example: Scenario, tmp_path: Path) -> None:
    first = cached_telemetry(example, tmp_path / "cache")
    assert first is not None
    loaded = first.stat()
    second = cached_telemetry(example, tmp_path / "cache")
    assert second == first
    assert (second.stat().st_ino, second.stat().st_mtime_ns) == (loaded.st_ino, loaded.st_mtime_ns)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [first.name]


def test_the_cached_database_holds_every_row_of_the_telemetry(example: Scenario, tmp_path: Path) -> None:
    entry = cached_telemetry(example, tmp_path / "cache")
    assert entry is not None
    lines = {table: len(path.read_text().splitlines()) for table, path in example.telemetry.items()}
    assert counts(entry) == lines


def test_a_changed_telemetry_file_gets_its_own_entry(tmp_path: Path) -> None:
    directory = scenario_copy(tmp_path)
    before = telemetry_key(load_scenario(directory))
    traces = directory / "telemetry" / "AppTraces.jsonl"
    traces.write_text("".join(traces.read_text().splitlines(keepends=True)[:-1]))
    after = load_scenario(directory)
    assert telemetry_key(after) != before
    entry = cached_telemetry(after, tmp_path / "cache")
    assert entry is not None
    assert counts(entry)["AppTraces"] == len(traces.read_text().splitlines())


def test_another_incident_time_gets_its_own_entry(example: Scenario) -> None:
    later = example.model_copy(update={"incident_time": example.incident_time + timedelta(minutes=5)})
    assert telemetry_key(later) != telemetry_key(example)


def test_malformed_telemetry_is_a_scenario_error_and_leaves_no_entry(tmp_path: Path) -> None:
    directory = scenario_copy(tmp_path)
    (directory / "telemetry" / "AppTraces.jsonl").write_text('{"TimeGenerated": "2026-01-01T00:00:00Z"}\n{broken\n')
    with pytest.raises(ScenarioError, match=r"telemetry/AppTraces\.jsonl line 2"):
        cached_telemetry(load_scenario(directory), tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_scenario_without_telemetry_has_no_entry(example: Scenario, tmp_path: Path) -> None:
    assert cached_telemetry(example.model_copy(update={"telemetry": {}}), tmp_path / "cache") is None
    assert not (tmp_path / "cache").exists()


def test_a_workspace_from_the_cache_has_its_own_copy_with_the_same_tables(example: Scenario, tmp_path: Path) -> None:
    loaded = materialize_workspace(example, tmp_path / "loaded")
    copied = materialize_workspace(example, tmp_path / "copied", telemetry_cache=tmp_path / "cache")
    assert copied.tables == loaded.tables
    assert copied.telemetry_database is not None
    (entry,) = (tmp_path / "cache").glob("*.duckdb")
    assert copied.telemetry_database.stat().st_ino != entry.stat().st_ino
    assert (copied.root / "schemas" / "AppRequests.md").read_text() == (
        loaded.root / "schemas" / "AppRequests.md"
    ).read_text()


def test_an_entrys_tables_are_described_once_and_kept_beside_it(example: Scenario, tmp_path: Path) -> None:
    first = materialize_workspace(example, tmp_path / "first", telemetry_cache=tmp_path / "cache")
    (described,) = (tmp_path / "cache").glob("*.tables.json")
    kept = json.loads(described.read_text(encoding="utf-8"))
    assert [table["name"] for table in kept] == [table.name for table in first.tables]
    kept[0]["row_count"] = 123456789  # what a later workspace gets is the kept description, not a new one
    described.write_text(json.dumps(kept), encoding="utf-8")
    second = materialize_workspace(example, tmp_path / "second", telemetry_cache=tmp_path / "cache")
    assert second.tables[0].row_count == 123456789
