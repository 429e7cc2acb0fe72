"""Translations of KQL query shapes kept on disk give byte for byte the SQL that translating directly gives."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb_kql
import pytest

from agentcore.connectors.logs import LogStore, QueryResult, TableSchema
from agentcore.connectors.logs._kql_templates import fill_template, kql_template
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.connectors.logs.kql_cache import KqlTranslations
from agentcore.scenarios import load_scenario
from agentcore.triage import run_triage

SCENARIOS = Path(__file__).resolve().parents[3] / "examples" / "scenarios"
EXAMPLES = sorted(p for p in SCENARIOS.iterdir() if (p / "scenario.json").is_file())
TIMES_KQL = "T | where TimeGenerated >= datetime(2026-03-01T14:05:00Z) and Name == 'checkout-api' | take 5"
SCHEMA = {"T": ["TimeGenerated", "Name"]}


class _Recorded:
    """A LogStore that answers from another one and keeps each query's text."""

    def __init__(self, store: DuckDbLogStore) -> None:
        self.store = store
        self.queries: list[str] = []

    def tables(self) -> list[TableSchema]:
        return self.store.tables()

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        self.queries.append(kql)
        return self.store.query(kql, max_rows=max_rows)


def _direct(schema: Mapping[str, Sequence[str]], now: datetime) -> Any:
    def translate(kql: str) -> tuple[str, dict[str, Any]]:
        result = duckdb_kql.to_sql(kql, schema=dict(schema), allow_write=False, query_now=now)
        return str(result), dict(result.parameters)

    return translate


@pytest.fixture(scope="module")
def triage_queries(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict[str, list[str]], datetime]]:
    """Every query triage runs on every example scenario, with that scenario's tables and incident time."""
    found = []
    for directory in EXAMPLES:
        scenario = load_scenario(directory)
        database = tmp_path_factory.mktemp(scenario.name) / "telemetry.duckdb"
        store = DuckDbLogStore.load(scenario.telemetry, database, query_now=scenario.incident_time)
        recorded = _Recorded(store)
        logs: LogStore = recorded
        run_triage(scenario.incident_time, (), (), logs)
        schema = {t.name: [c.name for c in t.columns] for t in store.tables()}
        store.close()
        found += [(kql, schema, scenario.incident_time) for kql in recorded.queries]
    assert len(found) >= 4 * len(EXAMPLES)
    return found


def _through_cache(
    translations: KqlTranslations, queries: list[tuple[str, dict[str, list[str]], datetime]]
) -> Iterator[tuple[str, str]]:
    for kql, schema, now in queries:
        direct = _direct(schema, now)
        yield translations.translate(kql, schema, direct)[0], direct(kql)[0]


def test_every_triage_query_of_every_example_translates_as_directly_when_learned_and_when_reused(
    triage_queries: list[tuple[str, dict[str, list[str]], datetime]], tmp_path: Path
) -> None:
    translations = KqlTranslations(tmp_path)
    for via_cache, direct in _through_cache(translations, triage_queries):  # the first scenario's are learned
        assert via_cache == direct
    for via_cache, direct in _through_cache(KqlTranslations(tmp_path), triage_queries):  # all from templates now
        assert via_cache == direct


def test_a_second_incident_reuses_the_first_ones_templates(
    triage_queries: list[tuple[str, dict[str, list[str]], datetime]], tmp_path: Path
) -> None:
    translations = KqlTranslations(tmp_path)
    list(_through_cache(translations, triage_queries))
    reused = [kql for kql, schema, _ in triage_queries if translations.lookup(kql, schema) is not None]
    assert len(reused) == len(triage_queries)
    stored = len(list(translations.directory.glob("*.json")))
    assert stored < len(triage_queries)  # shapes, not queries: the examples' incidents share templates


def test_a_query_of_a_known_shape_with_other_literals_is_filled_from_the_template(tmp_path: Path) -> None:
    translations = KqlTranslations(tmp_path)
    translations.translate(TIMES_KQL, SCHEMA, _direct(SCHEMA, datetime.fromisoformat("2026-03-02T14:00:00+00:00")))
    other = TIMES_KQL.replace("2026-03-01T14:05:00Z", "2027-12-31T23:59:59Z").replace("checkout-api", "inventory-api")
    filled = translations.lookup(other, SCHEMA)
    assert filled is not None
    assert filled == _direct(SCHEMA, datetime.fromisoformat("2026-03-02T14:00:00+00:00"))(other)[0]
    assert "inventory-api" in filled
    assert "2027-12-31T23:59:59Z" in filled


def test_a_translation_that_reads_the_clock_is_not_stored(tmp_path: Path) -> None:
    translations = KqlTranslations(tmp_path)
    kql = "T | where TimeGenerated > ago(1h) and Name == 'checkout-api'"
    sql, parameters = translations.translate(kql, SCHEMA, _direct(SCHEMA, datetime.fromisoformat("2026-03-02T14:00")))
    assert parameters
    assert "SELECT" in sql
    assert not translations.holds_any()


def test_a_template_that_does_not_reproduce_the_translation_is_not_stored(tmp_path: Path) -> None:
    def lowercasing(kql: str) -> tuple[str, dict[str, Any]]:  # changes a literal, as a translator might
        return f"SELECT {kql.lower()!r}", {}

    translations = KqlTranslations(tmp_path)
    assert (
        translations.translate("T | where Name == 'CHECKOUT'", SCHEMA, lowercasing)[0]
        == lowercasing("T | where Name == 'CHECKOUT'")[0]
    )
    assert not translations.holds_any()


def test_an_unreadable_entry_is_a_miss(tmp_path: Path) -> None:
    translations = KqlTranslations(tmp_path)
    translations.translate(TIMES_KQL, SCHEMA, _direct(SCHEMA, datetime.fromisoformat("2026-03-02T14:00:00+00:00")))
    [entry] = translations.directory.glob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    assert translations.lookup(TIMES_KQL, SCHEMA) is None


def test_another_schema_does_not_read_a_translation(tmp_path: Path) -> None:
    translations = KqlTranslations(tmp_path)
    translations.translate(TIMES_KQL, SCHEMA, _direct(SCHEMA, datetime.fromisoformat("2026-03-02T14:00:00+00:00")))
    assert translations.lookup(TIMES_KQL, {"T": ["TimeGenerated", "Name", "Kind"]}) is None


def test_entries_are_kept_per_duckdb_kql_version(tmp_path: Path) -> None:
    assert KqlTranslations(tmp_path).directory.name == f"duckdb-kql-{duckdb_kql.__version__}"


def test_short_verbatim_and_commented_literals_stay_in_the_template() -> None:
    kql = "T // it's a 'comment'\n| where A == 'ab' and B == @'C:\\temp\\x' and C has h'secret' and D == 'long\\'s'"
    assert kql_template(kql).text == kql


def test_a_placeholder_keeps_the_shape_of_its_value() -> None:
    template = kql_template("T | where Name == 'GET /api/cart/{cart_id}' and Code == '5003'")
    assert template.values == ("GET /api/cart/{cart_id}", "5003")
    name, code = template.placeholders
    assert [c for c in name if not c.isalnum()] == [c for c in template.values[0] if not c.isalnum()]
    assert name.split()[0].isupper()
    assert code.isdigit()
    assert len(code) == 4
    assert name != template.values[0]
    assert code != "5003"


def test_filling_needs_every_placeholder_in_the_sql() -> None:
    template = kql_template("T | where Name == 'checkout-api' and Role == 'inventory-api'")
    first, second = template.placeholders
    assert fill_template(f"x = '{first}'", template) is None
    assert fill_template(f"x = '{first}' AND y = '{second}'", template) == "x = 'checkout-api' AND y = 'inventory-api'"


def test_a_quote_in_a_value_is_doubled_in_the_sql() -> None:
    template = kql_template("""T | where Name == "it's-done" """)
    [placeholder] = template.placeholders
    assert fill_template("x = '" + placeholder.replace("'", "''") + "'", template) == "x = 'it''s-done'"


def test_stored_entries_are_json_with_the_template_sql(tmp_path: Path) -> None:
    translations = KqlTranslations(tmp_path)
    translations.translate(TIMES_KQL, SCHEMA, _direct(SCHEMA, datetime.fromisoformat("2026-03-02T14:00:00+00:00")))
    [entry] = translations.directory.glob("*.json")
    stored = json.loads(entry.read_text(encoding="utf-8"))
    assert "checkout-api" not in stored["sql"]
    assert "SELECT" in stored["sql"]
