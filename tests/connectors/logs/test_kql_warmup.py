"""duckdb-kql is imported when a log store is used, not when its module is, and warmed up once per process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agentcore.connectors.logs._kql_warmup import _WARMUP_SCHEMA, WARMUP_QUERIES, kql_translator


def test_importing_the_duckdb_log_store_loads_neither_duckdb_nor_the_kql_parser() -> None:
    probe = (
        "import sys, agentcore.connectors.logs.duckdb, agentcore.connectors.logs.kusto; "
        "print(sorted(m for m in ('duckdb', 'duckdb_kql') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("kql", WARMUP_QUERIES)
def test_every_warmup_query_translates(kql: str) -> None:
    assert "SELECT" in str(kql_translator().to_sql(kql, schema=_WARMUP_SCHEMA, allow_write=False))


def test_loading_a_store_warms_the_kql_parser_in_one_background_thread(tmp_path: Path) -> None:
    telemetry, database = tmp_path / "AppTraces.jsonl", tmp_path / "db.duckdb"
    telemetry.write_text('{"TimeGenerated": "2026-03-02T13:00:00Z"}\n')
    probe = f"""
import sys, threading
from datetime import UTC, datetime
from pathlib import Path
from agentcore.connectors.logs.duckdb import DuckDbLogStore
now = datetime(2026, 3, 2, 14, tzinfo=UTC)
DuckDbLogStore.load({{"AppTraces": Path({str(telemetry)!r})}}, Path({str(database)!r}), query_now=now)
DuckDbLogStore(Path({str(database)!r}))
warmers = [t for t in threading.enumerate() if t.name == "kql-warmup"]
for t in warmers:
    t.join()
print(len(warmers), "duckdb_kql" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "True"]
