"""`sre-agent investigate --scenario` loads the scenario's telemetry into DuckDB once: the CLI's check fills the
telemetry cache (in the user's cache directory), and intake copies that database into the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentcore.cli import main
from agentcore.connectors.logs import duckdb as logs_duckdb
from agentcore.connectors.logs.duckdb import build_database
from agentcore.workspace import telemetry_cache

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"


def test_an_investigation_of_a_scenario_loads_its_telemetry_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "SRE_AGENT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    loads: list[Path] = []

    def counted(files: dict[str, Path], database: Path, **options: Any) -> None:
        loads.append(database)
        build_database(files, database, **options)

    monkeypatch.setattr(logs_duckdb, "build_database", counted)
    monkeypatch.setattr(telemetry_cache, "build_database", counted)
    data, cache = tmp_path / "data", tmp_path / "cache"
    monkeypatch.setenv("SRE_AGENT_CACHE_DIR", str(cache))
    code = main(["investigate", "--scenario", str(EXAMPLE), "--data-dir", str(data), "--sandbox", "subprocess"])
    assert code == 0, capsys.readouterr().err
    assert len(loads) == 1
    (workspace_database,) = (data / "workspaces").glob("*/data/telemetry.duckdb")
    (entry,) = (cache / "telemetry").glob("*.duckdb")
    assert workspace_database.stat().st_size == entry.stat().st_size
