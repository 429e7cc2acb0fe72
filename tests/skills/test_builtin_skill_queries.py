"""Every KQL query a built-in skill teaches runs on the local log store, over a real scenario's telemetry,
and the prompt-cache skill's query shows that scenario's drop in cache hits."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.skills import builtin_skills

SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "llm-prompt-cache-regression"
TABLES = ("AppRequests", "AppExceptions", "AppTraces", "AppDependencies", "AppMetrics", "union ")


def taught_queries(text: str) -> list[str]:
    """The inline-code spans of a skill that are KQL queries over the tables."""
    return [q for q in re.findall(r"`([^`\n]+)`", text) if q.startswith(TABLES) and "|" in q]


QUERIES = [
    pytest.param(query, id=f"{skill.name}-{number}")
    for skill in builtin_skills()
    for number, query in enumerate(taught_queries(skill.text))
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDbLogStore]:
    files = {path.stem: path for path in sorted((SCENARIO / "telemetry").glob("*.jsonl"))}
    incident = json.loads((SCENARIO / "scenario.json").read_text())["incident_time"]
    database = tmp_path_factory.mktemp("telemetry") / "telemetry.duckdb"
    logs = DuckDbLogStore.load(files, database, query_now=datetime.fromisoformat(incident))
    yield logs
    logs.close()


def test_the_skills_teach_at_least_one_query_each() -> None:
    assert len(QUERIES) >= 8
    names = {str(p.id).rsplit("-", 1)[0] for p in QUERIES}
    assert names == {"kql-investigation", "llm-api-errors", "prompt-cache-regression"}


@pytest.mark.parametrize("query", QUERIES)
def test_a_query_from_a_skill_runs_on_the_local_store(store: DuckDbLogStore, query: str) -> None:
    result = store.query(query.replace("'<id>'", "'0'"), max_rows=50)
    assert result.columns


def test_the_cache_hit_query_shows_the_drop_after_the_assistant_deployment(store: DuckDbLogStore) -> None:
    [query] = [str(p.values[0]) for p in QUERIES if "hit_rate" in str(p.values[0])]
    rows = store.query(query, max_rows=500).as_dicts()
    drafts = [row for row in rows if str(row["model"]).startswith("gpt-4.1-2")]
    before = [float(str(row["hit_rate"])) for row in drafts if str(row["TimeGenerated"]) < "2026-04-07T09:30"]
    after = [float(str(row["hit_rate"])) for row in drafts if str(row["TimeGenerated"]) >= "2026-04-07T09:30"]
    assert before
    assert after
    assert min(before) > 0.55 > max(after)
