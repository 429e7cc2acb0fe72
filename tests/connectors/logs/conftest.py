"""Fixtures of the LogStore tests: one telemetry database, a DuckDbLogStore on it, and a KustoLogStore on
the same data served by `duckdb-kql serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.connectors.logs.kusto import KustoLogStore
from tests.connectors.logs.kql_endpoint import DATABASE, build_telemetry_database, served_kql_endpoint


@pytest.fixture(scope="session")
def telemetry_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once; no test writes to it."""
    return build_telemetry_database(tmp_path_factory.mktemp("log-store-telemetry"))


@pytest.fixture(scope="session")
def kql_endpoint(telemetry_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_kql_endpoint(telemetry_database, tmp_path_factory.mktemp("duckdb-kql-serve")) as url:
        yield url


@pytest.fixture(scope="module")
def duckdb_store(telemetry_database: Path) -> Iterator[DuckDbLogStore]:
    store = DuckDbLogStore(telemetry_database)
    yield store
    store.close()


@pytest.fixture(scope="module")
def kusto_store(kql_endpoint: str) -> Iterator[KustoLogStore]:
    store = KustoLogStore.with_no_authentication(kql_endpoint, database=DATABASE)
    yield store
    store.close()
