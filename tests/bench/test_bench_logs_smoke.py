"""`python -m bench logs --quick` and the startup bench's pieces: shape, not speed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from bench import logs, startup
from bench.__main__ import main


@pytest.fixture(scope="module")
def quick_rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    results_dir = tmp_path_factory.mktemp("bench-logs")
    assert main(["logs", "--quick", "--results-dir", str(results_dir)]) == 0
    rows: list[dict[str, object]] = json.loads((results_dir / "logs.json").read_text())["results"]
    return rows


def test_logs_bench_reports_the_baseline_and_our_loader_with_peak_memory(quick_rows: list[dict[str, object]]) -> None:
    assert [row["name"] for row in quick_rows] == [
        f"read_json into a table, {logs.QUICK_ROWS:,} rows",
        f"load_jsonl_tables, {logs.QUICK_ROWS:,} rows",
    ]
    assert all(isinstance(row["peak_bytes"], int) and row["peak_bytes"] > 10 * 1024**2 for row in quick_rows)
    assert "2×" in str(quick_rows[1]["detail"])


def test_generated_telemetry_loads_with_every_documented_type(tmp_path: Path) -> None:
    path = logs.generate(tmp_path / "telemetry" / "AppDependencies.jsonl", 100)
    store = DuckDbLogStore.load({"AppDependencies": path}, tmp_path / "db.duckdb", query_now=datetime.now(UTC))
    result = store.query("AppDependencies | summarize n = count(), failed = countif(Success == false)")
    assert result.rows == ((100, 6),)


def test_startup_bench_runs_without_a_model_or_a_data_dir_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SRE_AGENT_MODEL", "anthropic:some-model")
    monkeypatch.setenv("SRE_AGENT_DATA_DIR", "/somewhere")
    assert not [name for name in startup._environment(None) if name.startswith("SRE_AGENT_")]


def test_startup_bench_fills_a_data_directorys_memory_with_incident_notes(tmp_path: Path) -> None:
    from agentcore.memory import MemoryStore
    from agentcore.storage.local import LocalBlobStore

    startup.add_memory_notes(tmp_path, 5)
    blobs = LocalBlobStore(tmp_path / "blobs")
    assert len(MemoryStore(blobs).names()) == 5
    assert blobs.get("memory/MEMORY.md").data.decode().count("- incidents/") == 5


def test_startup_bench_times_investigations_after_the_first_in_one_process(tmp_path: Path) -> None:
    env = {**startup._environment(None), "SRE_AGENT_CACHE_DIR": str(tmp_path / "cache")}
    seconds = startup.in_a_warm_worker(tmp_path / "data", env, 1)
    assert len(seconds) == 1
    assert seconds[0] > 0
