"""duckdb-kql is imported when a log store is used, not when its module is, and warmed up once per process."""

from __future__ import annotations

import subprocess
import sys

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
