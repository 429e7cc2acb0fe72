"""KQL over scenario telemetry in DuckDB: the operators the agent uses, relative time, refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentcore.connectors.logs import LogQueryError, LogStore
from agentcore.connectors.logs import duckdb as duckdb_store
from agentcore.connectors.logs.duckdb import DuckDbLogStore

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
STACK = [
    {"level": 0, "method": "_is_expired", "fileName": "/app/checkout/coupons.py", "line": 58, "assembly": "checkout"},
    {"level": 1, "method": "apply", "fileName": "/app/checkout/coupons.py", "line": 71, "assembly": "checkout"},
]
MESSAGE = "'<' not supported between instances of 'NoneType' and 'datetime'"

REQUESTS = [
    ("2026-03-02T13:00:00Z", "checkout-api", "POST /checkout", "200", 120.0, True, "op1"),
    ("2026-03-02T13:30:00Z", "checkout-api", "POST /checkout", "500", 300.0, False, "op2"),
    ("2026-03-02T13:50:00Z", "checkout-api", "POST /checkout", "500", 250.0, False, "op3"),
    ("2026-03-02T14:00:00Z", "cart-api", "GET /cart", "200", 50.0, True, "op4"),
    ("2026-03-01T14:00:00Z", "cart-api", "GET /cart", "200", 70.0, True, "op5"),
]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDbLogStore]:
    root = tmp_path_factory.mktemp("logs")
    telemetry = root / "telemetry"
    telemetry.mkdir()
    columns = ("TimeGenerated", "AppRoleName", "Name", "ResultCode", "DurationMs", "Success", "OperationId")
    requests = [dict(zip(columns, row, strict=True)) for row in REQUESTS]
    exceptions = [
        {
            "TimeGenerated": t,
            "AppRoleName": "checkout-api",
            "ExceptionType": "TypeError",
            "OuterMessage": MESSAGE,
            "Details": [{"type": "TypeError", "message": MESSAGE, "parsedStack": STACK}],
            "ProblemId": "TypeError at checkout.coupons._is_expired",
            "OperationId": op,
            "Properties": {"coupon": "SPRING26"},
        }
        for t, op in (("2026-03-02T13:30:00.1Z", "op2"), ("2026-03-02T13:50:00.2Z", "op3"))
    ]
    files = {
        "AppRequests": _write_jsonl(telemetry / "AppRequests.jsonl", requests),
        "AppExceptions": _write_jsonl(telemetry / "AppExceptions.jsonl", exceptions),
    }
    opened = DuckDbLogStore.load(files, root / "telemetry.duckdb", query_now=INCIDENT)
    yield opened
    opened.close()


def column(store: DuckDbLogStore, kql: str, name: str) -> list[Any]:
    return [row[name] for row in store.query(kql).as_dicts()]


def test_store_satisfies_the_log_store_port(store: DuckDbLogStore) -> None:
    assert isinstance(store, LogStore)


def test_where_filters_rows(store: DuckDbLogStore) -> None:
    assert column(store, "AppRequests | where Success == false | order by OperationId asc", "OperationId") == [
        "op2",
        "op3",
    ]


def test_project_keeps_only_named_columns(store: DuckDbLogStore) -> None:
    result = store.query("AppRequests | project OperationId, DurationMs | take 1")
    assert [c.name for c in result.columns] == ["OperationId", "DurationMs"]
    assert [c.type for c in result.columns] == ["string", "real"]


def test_has_matches_whole_terms_while_contains_matches_substrings(store: DuckDbLogStore) -> None:
    assert store.query("AppRequests | where Name has 'check' | count").rows == ((0,),)
    assert store.query("AppRequests | where Name has 'CHECKOUT' | count").rows == ((3,),)
    assert store.query("AppRequests | where Name contains 'CHECK' | count").rows == ((3,),)
    assert store.query("AppRequests | where AppRoleName =~ 'CART-API' | count").rows == ((2,),)


def test_extend_adds_a_computed_column(store: DuckDbLogStore) -> None:
    kql = "AppRequests | extend slow = DurationMs > 200 | where slow | order by OperationId asc"
    assert column(store, kql, "OperationId") == ["op2", "op3"]


def test_summarize_count_avg_percentile_dcount_by_group(store: DuckDbLogStore) -> None:
    kql = (
        "AppRequests | summarize n = count(), mean = avg(DurationMs), p95 = percentile(DurationMs, 95), "
        "names = dcount(Name) by AppRoleName | order by AppRoleName asc"
    )
    rows = store.query(kql).as_dicts()
    assert rows == [
        {"AppRoleName": "cart-api", "n": 2, "mean": 60.0, "p95": 70.0, "names": 1},
        {"AppRoleName": "checkout-api", "n": 3, "mean": pytest.approx(223.333, abs=0.01), "p95": 300.0, "names": 1},
    ]


def test_bin_buckets_time_and_renders_utc(store: DuckDbLogStore) -> None:
    kql = "AppRequests | where AppRoleName == 'checkout-api' | summarize n = count() by bin(TimeGenerated, 1h)"
    rows = {row["TimeGenerated"]: row["n"] for row in store.query(kql).as_dicts()}
    assert rows == {"2026-03-02T13:00:00Z": 3}


def test_top_orders_and_limits(store: DuckDbLogStore) -> None:
    assert column(store, "AppRequests | top 2 by DurationMs desc", "DurationMs") == [300.0, 250.0]


def test_order_by_ascending(store: DuckDbLogStore) -> None:
    assert column(store, "AppRequests | order by TimeGenerated asc | take 2", "OperationId") == ["op5", "op1"]


def test_join_correlates_failed_requests_with_exceptions(store: DuckDbLogStore) -> None:
    kql = (
        "AppRequests | where Success == false "
        "| join kind=inner (AppExceptions | project OperationId, ExceptionType) on OperationId "
        "| project OperationId, ResultCode, ExceptionType | order by OperationId asc"
    )
    assert store.query(kql).as_dicts() == [
        {"OperationId": "op2", "ResultCode": "500", "ExceptionType": "TypeError"},
        {"OperationId": "op3", "ResultCode": "500", "ExceptionType": "TypeError"},
    ]


def test_parse_extracts_fields_from_text(store: DuckDbLogStore) -> None:
    kql = (
        "AppExceptions | take 1 | parse OuterMessage with \"'<' not supported between instances of '\" "
        'left "\' and \'" right "\'" | project left, right'
    )
    assert store.query(kql).as_dicts() == [{"left": "NoneType", "right": "datetime"}]


def test_parse_json_and_dynamic_paths_reach_the_stack(store: DuckDbLogStore) -> None:
    kql = (
        "AppExceptions | take 1 | extend d = parse_json(Details) "
        "| project file = tostring(d[0].parsedStack[0].fileName), line = toint(d[0].parsedStack[0].line), "
        "coupon = tostring(Properties.coupon)"
    )
    assert store.query(kql).as_dicts() == [{"file": "/app/checkout/coupons.py", "line": 58, "coupon": "SPRING26"}]


def test_mv_expand_walks_every_frame(store: DuckDbLogStore) -> None:
    kql = (
        "AppExceptions | mv-expand d = Details | mv-expand frame = d.parsedStack "
        "| summarize hits = count() by method = tostring(frame.method), line = toint(frame.line) "
        "| order by line asc"
    )
    assert store.query(kql).as_dicts() == [
        {"method": "_is_expired", "line": 58, "hits": 2},
        {"method": "apply", "line": 71, "hits": 2},
    ]


def test_dynamic_columns_come_back_as_json_values(store: DuckDbLogStore) -> None:
    (row,) = store.query("AppExceptions | take 1 | project Details, Properties").as_dicts()
    assert row["Properties"] == {"coupon": "SPRING26"}
    assert isinstance(row["Details"], list)
    assert row["Details"][0]["parsedStack"] == STACK


def test_ago_is_relative_to_the_incident_time_not_the_wall_clock(store: DuckDbLogStore) -> None:
    kql = "AppRequests | where TimeGenerated > ago(30m) | order by OperationId asc"
    assert column(store, kql, "OperationId") == ["op3", "op4"]


def test_let_binds_a_value_and_a_table(store: DuckDbLogStore) -> None:
    assert store.query("let window = 30m; AppRequests | where TimeGenerated > ago(window) | count").rows == ((2,),)
    kql = "let failed = AppRequests | where Success == false; failed | union (AppExceptions) | count"
    assert store.query(kql).rows == ((4,),)


def test_now_is_the_incident_time(store: DuckDbLogStore) -> None:
    assert store.query("print t = now()").as_dicts() == [{"t": "2026-03-02T14:05:00Z"}]


def test_reopened_store_keeps_the_incident_clock(store: DuckDbLogStore) -> None:
    reopened = DuckDbLogStore(store.database)
    try:
        assert reopened.query_now == INCIDENT
        assert reopened.query("print t = ago(1d)").as_dicts() == [{"t": "2026-03-01T14:05:00Z"}]
    finally:
        reopened.close()


def test_rows_beyond_max_rows_are_cut_and_counted(store: DuckDbLogStore) -> None:
    result = store.query("AppRequests", max_rows=2)
    assert len(result.rows) == 2
    assert result.truncated
    assert result.total_rows == 5


@pytest.mark.parametrize("max_rows", [2, 4, 5, 9])
def test_rows_fetched_a_chunk_at_a_time_come_back_whole_and_in_order(
    store: DuckDbLogStore, monkeypatch: pytest.MonkeyPatch, max_rows: int
) -> None:
    everything = store.query("AppRequests | order by OperationId asc")
    monkeypatch.setattr(duckdb_store, "_FETCH_ROWS", 2)
    chunked = store.query("AppRequests | order by OperationId asc", max_rows=max_rows)
    assert chunked.rows == everything.rows[:max_rows]
    assert (chunked.truncated, chunked.total_rows) == (max_rows < 5, 5)


def test_result_within_max_rows_is_complete(store: DuckDbLogStore) -> None:
    result = store.query("AppRequests | count")
    assert not result.truncated
    assert result.total_rows == 1
    assert result.rows == ((5,),)


@pytest.mark.parametrize(
    ("kql", "named"),
    [
        ("AppRequests | make-series n = count() on TimeGenerated step 1h", "`make-series`"),
        ("AppRequests | summarize percentiles(DurationMs, 50, 95)", "`percentiles`"),
        ("search 'checkout'", "`search`"),
        ("AppRequests | evaluate bag_unpack(Properties)", "`evaluate`"),
        ("AppRequests | top-nested 2 of AppRoleName by count()", "`top-nested`"),
        ("AppRequests | where * has 'x'", "`*`"),
        ("AppExceptions | extend k = bag_keys(Properties)", "`bag_keys`"),
        ("externaldata (x: string) ['file:///etc/passwd']", "`externaldata`"),
    ],
)
def test_unsupported_operator_is_refused_by_name(store: DuckDbLogStore, kql: str, named: str) -> None:
    with pytest.raises(LogQueryError, match="unsupported KQL") as caught:
        store.query(kql)
    assert named in str(caught.value)


@pytest.mark.parametrize("kql", [".set-or-replace Copy <| AppRequests", ".drop table AppRequests"])
def test_writes_are_refused(store: DuckDbLogStore, kql: str) -> None:
    with pytest.raises(LogQueryError, match="read-only"):
        store.query(kql)
    assert store.query("AppRequests | count").rows == ((5,),)


def test_syntax_error_is_a_log_query_error(store: DuckDbLogStore) -> None:
    with pytest.raises(LogQueryError, match="KQL syntax error"):
        store.query("AppRequests | wherex Success")


def test_unknown_table_lists_the_tables(store: DuckDbLogStore) -> None:
    with pytest.raises(LogQueryError, match=r"Nope.*tables: AppExceptions, AppRequests"):
        store.query("Nope | take 1")


def test_unknown_column_is_a_log_query_error(store: DuckDbLogStore) -> None:
    with pytest.raises(LogQueryError, match="not found"):
        store.query("AppRequests | where Missing == 1")


def test_slow_query_is_stopped_at_the_timeout(store: DuckDbLogStore) -> None:
    slow = DuckDbLogStore(store.database, timeout_s=0.2)
    try:
        with pytest.raises(LogQueryError, match="longer than"):
            slow.query("range x from 1 to 3000000 step 1 | summarize dcount(x), avg(x), percentile(x, 50)")
        # The stop was that query's alone: the next one on the same store runs and answers.
        assert slow.query("AppRequests | count").rows == ((5,),)
    finally:
        slow.close()


def test_queries_from_several_threads_each_get_their_own_answer(store: DuckDbLogStore) -> None:
    sizes = [1, 2, 3, 4, 5] * 8
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda n: store.query(f"AppRequests | take {n} | count").rows, sizes))
    assert answers == [((n,),) for n in sizes]


def test_tables_are_described_once_per_store(store: DuckDbLogStore, monkeypatch: pytest.MonkeyPatch) -> None:
    first = store.tables()
    described: list[str] = []
    monkeypatch.setattr(store, "_describe", lambda name, columns: described.append(name))
    assert store.tables() == first
    assert described == []


def test_tables_report_types_counts_and_time_range(store: DuckDbLogStore) -> None:
    tables = {t.name: t for t in store.tables()}
    assert list(tables) == ["AppExceptions", "AppRequests"]
    requests = tables["AppRequests"]
    types = {c.name: c.type for c in requests.columns}
    assert types["TimeGenerated"] == "datetime"
    assert types["Success"] == "bool"
    assert types["DurationMs"] == "real"
    assert requests.row_count == 5
    assert requests.first_time == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    assert requests.last_time == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert {c.name: c.type for c in tables["AppExceptions"].columns}["Details"] == "dynamic"
