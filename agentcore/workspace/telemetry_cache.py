"""A scenario's telemetry loaded into DuckDB once per content, then copied into each workspace that needs it.

Loading checks every row (a malformed one is a `ScenarioError` naming file and line) and is the biggest
fixed cost of laying a workspace out. The CLI loads it before an investigation starts, so bad telemetry
is refused with exit 2 and nothing started; intake then copies that database instead of loading it again.

Entries live in the user's cache directory, so a second data directory (a second run of the same scenario)
finds them too. An entry is named by a hash of everything its content depends on: each table's name and file bytes, the
incident time (`now()` in queries), the DuckDB version and the loader's own source. A changed file, a
newer DuckDB or a changed loader never reuses an old database. Entries are built under a temporary name
and renamed into place, so two processes loading the same telemetry at once both end with a whole file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from pathlib import Path

import agentcore.connectors.logs as logs_package
from agentcore.connectors.logs import TableSchema
from agentcore.connectors.logs.duckdb import DuckDbLogStore, build_database
from agentcore.scenarios import Scenario

TELEMETRY_CACHE_FOLDER = "telemetry"
"""The cache's folder in the user's cache directory (`Settings.cache_dir`): entries are named by their content,
so every data directory shares them."""

_LOADER_SOURCES = (
    "duckdb.py", "_jsonl_loader.py", "_jsonl_lines.py", "_column_sql.py", "_telemetry_tables.py", "_rendering.py",
)  # fmt: skip
"""The modules whose code decides what a loaded database holds and how its tables are described
(in agentcore/connectors/logs/)."""


def telemetry_cache_dir(cache_dir: Path) -> Path:
    """Where the cache lives in the user's cache directory (the CLI and the stages must agree)."""
    return (cache_dir / TELEMETRY_CACHE_FOLDER).resolve()


def telemetry_key(scenario: Scenario) -> str:
    """The hash naming the database of this scenario's telemetry (see the module docstring)."""
    import duckdb

    digest = hashlib.sha256()
    digest.update(f"duckdb {duckdb.__version__}\0".encode())
    loader_dir = Path(logs_package.__file__).resolve().parent
    for name in _LOADER_SOURCES:
        digest.update(name.encode() + b"\0" + (loader_dir / name).read_bytes() + b"\0")
    digest.update(scenario.incident_time.isoformat().encode() + b"\0")
    for table, path in sorted(scenario.telemetry.items()):
        digest.update(table.encode() + b"\0")
        with path.open("rb") as reader:
            for chunk in iter(lambda: reader.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def cached_telemetry(scenario: Scenario, cache: Path) -> Path | None:
    """The scenario's telemetry as a DuckDB file in `cache`, loaded now unless it already is; None without telemetry.

    A malformed file raises `ScenarioError` and leaves no entry behind.
    """
    if not scenario.telemetry:
        return None
    entry = _entry(scenario, cache)
    if entry.is_file():
        return entry
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f".{entry.stem}.{uuid.uuid4().hex[:8]}.partial"
    try:
        build_database(scenario.telemetry, partial, query_now=scenario.incident_time)
        partial.replace(entry)
    finally:
        partial.unlink(missing_ok=True)
    return entry


def loaded_telemetry(scenario: Scenario, cache: Path) -> Path | None:
    """The scenario's telemetry database in `cache` if it is loaded already; never loads it."""
    if not scenario.telemetry:
        return None
    entry = _entry(scenario, cache)
    return entry if entry.is_file() else None


def _entry(scenario: Scenario, cache: Path) -> Path:
    return cache / f"{telemetry_key(scenario)}.duckdb"


def cached_tables(scenario: Scenario, cache: Path) -> tuple[TableSchema, ...]:
    """The tables of the scenario's telemetry database in `cache`, as `DuckDbLogStore.tables()` describes them.

    Described once per entry and kept beside it (`<entry>.tables.json`): opening a DuckDB file to describe it
    costs 20-40 ms, which every workspace laid out from the entry would pay again.
    """
    entry = cached_telemetry(scenario, cache)
    if entry is None:
        return ()
    described = entry.with_name(entry.stem + ".tables.json")
    try:
        return tuple(TableSchema.model_validate(table) for table in json.loads(described.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass  # not described yet (or unreadable): describe it now
    store = DuckDbLogStore(entry, warm_kql=False)
    try:
        tables = tuple(store.tables())
    finally:
        store.close()
    partial = cache / f".{described.name}.{uuid.uuid4().hex[:8]}.partial"
    try:
        partial.write_text(json.dumps([t.model_dump(mode="json") for t in tables]), encoding="utf-8")
        partial.replace(described)
    finally:
        partial.unlink(missing_ok=True)
    return tables


def copy_telemetry(scenario: Scenario, cache: Path, database: Path) -> bool:
    """Put the scenario's telemetry database at `database` (a new file) through the cache; False without telemetry."""
    entry = cached_telemetry(scenario, cache)
    if entry is None:
        return False
    database.parent.mkdir(parents=True, exist_ok=True)
    with entry.open("rb") as reader, database.open("xb") as writer:
        shutil.copyfileobj(reader, writer)
    return True


__all__ = [
    "TELEMETRY_CACHE_FOLDER",
    "cached_tables",
    "cached_telemetry",
    "copy_telemetry",
    "loaded_telemetry",
    "telemetry_cache_dir",
    "telemetry_key",
]
