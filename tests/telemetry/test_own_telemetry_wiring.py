"""On the embedded default (no connection string) the wiring sends model calls to the ledger file and to
the local log tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from agentcore.pipeline.wiring import build_dependencies
from agentcore.settings import Settings
from agentcore.telemetry.ledger import ModelCallRecord


def test_the_embedded_default_writes_the_ledger_and_the_local_log_tables(tmp_path: Path) -> None:
    deps = build_dependencies(Settings(data_dir=tmp_path, model=None))
    deps.ledger.record(
        ModelCallRecord(
            time=datetime.now(UTC),
            investigation_id="inv-1",
            provider="openai",
            model="gpt-5.4",
            duration_s=30.0,
            outcome="error",
            error_class="timeout",
        )  # fmt: skip
    )
    telemetry = tmp_path / "telemetry"
    assert sorted(path.name for path in telemetry.iterdir()) == [
        "AppDependencies.jsonl",
        "AppExceptions.jsonl",
        "model-calls.jsonl",
    ]
