"""duckdb-kql, imported on first use and warmed once per process.

Importing duckdb-kql builds its ANTLR lexer and parser (hundreds of milliseconds), and the first queries
of each shape fill the parser's prediction caches. A process that never queries logs should pay for
neither; one that will (it opens a DuckDbLogStore, or lays a workspace with telemetry out) starts both
in a daemon thread, so they overlap cloning repositories instead of delaying the first query; unless its
queries' translations are kept (`kql_cache`), when importing the parser at all is likely wasted. Loading
telemetry does not start it: that thread, busy in Python, would hold the GIL between the loader's
many DuckDB calls and about double the load's wall time.
"""

from __future__ import annotations

import importlib
import logging
import threading
from types import ModuleType

logger = logging.getLogger(__name__)

WARMUP_QUERIES = (
    "T | where TimeGenerated >= datetime(2026-03-02T12:00:00Z) and TimeGenerated < datetime(2026-03-02T14:00:00Z) "
    "and Name == 'x' | summarize n = count(), first_seen = min(TimeGenerated), last_seen = max(TimeGenerated) "
    "by Name, Kind | order by n desc",
    "T | where Name == 'x' and Kind == 'y' | order by TimeGenerated asc | take 1 | project Name, Kind",
    "T | summarize n = count(), failed = countif(Ok == false), p95 = percentile(Ms, 95) by bin(TimeGenerated, 5m), "
    "Name | extend rate = todouble(failed) / n",
)
"""Shapes like the fixed queries of triage: translating them once fills the parser's caches."""
_WARMUP_SCHEMA = {"T": ["TimeGenerated", "Name", "Kind", "Ok", "Ms"]}

_started = threading.Event()


def kql_translator() -> ModuleType:
    """The duckdb_kql module (imported now if nobody has yet; a warm-up in progress is waited for)."""
    return importlib.import_module("duckdb_kql")


def warm_kql_in_background() -> None:
    """Import duckdb-kql and translate a few typical queries in a daemon thread, once per process."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_warm, name="kql-warmup", daemon=True).start()


def _warm() -> None:
    try:
        translator = kql_translator()
        for query in WARMUP_QUERIES:
            translator.to_sql(query, schema=_WARMUP_SCHEMA, allow_write=False)
    except Exception:  # a warm-up is only an optimization: the real query reports any real problem
        logger.debug("warming up the KQL translator failed", exc_info=True)


__all__ = ["WARMUP_QUERIES", "kql_translator", "warm_kql_in_background"]
