"""The LogStore contract, held by DuckDbLogStore (the DuckDB file directly) and KustoLogStore (the same file
behind `duckdb-kql serve`, through the real azure-kusto-data client): the same answers, the same refusals.

The served endpoint ignores every request property (azure-kusto-data sends them as a JSON string, which
duckdb-kql 1.1.2 does not read), so `truncationmaxrecords` does not stop it: KustoLogStore counts and cuts
the rows itself here, which is why `total_rows` is exact on both sides. Queries using `now()` or `ago()` are
left out: the endpoint's clock is the wall clock (its `query_now` option is not read either).
"""

from __future__ import annotations

from typing import Any

import pytest

from agentcore.connectors.logs import LogQueryError, LogStore
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.connectors.logs.kusto import KustoLogStore
from tests.connectors.logs.kql_endpoint import STACK


@pytest.fixture(params=["duckdb", "kusto"])
def log_store(request: pytest.FixtureRequest) -> LogStore:
    store: LogStore = request.getfixturevalue(f"{request.param}_store")
    return store


def column(store: LogStore, kql: str, name: str) -> list[Any]:
    return [row[name] for row in store.query(kql).as_dicts()]


def test_adapter_is_a_log_store(log_store: LogStore) -> None:
    assert isinstance(log_store, LogStore)


def test_where_keeps_only_matching_rows(log_store: LogStore) -> None:
    kql = "AppRequests | where Success == false | order by OperationId asc"
    assert column(log_store, kql, "OperationId") == ["op2", "op3"]


def test_project_keeps_the_named_columns_with_their_kql_types(log_store: LogStore) -> None:
    result = log_store.query("AppRequests | project OperationId, DurationMs, Success, TimeGenerated | take 1")
    assert [(c.name, c.type) for c in result.columns] == [
        ("OperationId", "string"),
        ("DurationMs", "real"),
        ("Success", "bool"),
        ("TimeGenerated", "datetime"),
    ]


def test_summarize_count_by_group(log_store: LogStore) -> None:
    result = log_store.query("AppRequests | summarize n = count() by AppRoleName | order by AppRoleName asc")
    assert [(c.name, c.type) for c in result.columns] == [("AppRoleName", "string"), ("n", "long")]
    assert result.as_dicts() == [{"AppRoleName": "cart-api", "n": 2}, {"AppRoleName": "checkout-api", "n": 3}]


def test_order_by_then_take(log_store: LogStore) -> None:
    assert column(log_store, "AppRequests | order by TimeGenerated asc | take 2", "OperationId") == ["op5", "op1"]


def test_datetimes_are_iso_8601_utc_strings(log_store: LogStore) -> None:
    kql = "AppExceptions | order by TimeGenerated asc | project TimeGenerated"
    assert column(log_store, kql, "TimeGenerated") == ["2026-03-02T13:30:00.100000Z", "2026-03-02T13:50:00.250000Z"]


def test_dynamic_columns_are_parsed_json(log_store: LogStore) -> None:
    (row,) = log_store.query("AppExceptions | where OperationId == 'op2' | project Details, Properties").as_dicts()
    assert row == {"Details": [{"type": "TypeError", "parsedStack": STACK}], "Properties": {"coupon": "SPRING26"}}


def test_rows_beyond_max_rows_are_cut_and_reported(log_store: LogStore) -> None:
    result = log_store.query("AppRequests | order by OperationId asc", max_rows=2)
    assert [row["OperationId"] for row in result.as_dicts()] == ["op1", "op2"]
    assert result.truncated
    assert result.total_rows == 5


def test_result_within_max_rows_is_complete(log_store: LogStore) -> None:
    result = log_store.query("AppRequests | where AppRoleName == 'cart-api'", max_rows=2)
    assert len(result.rows) == 2
    assert not result.truncated
    assert result.total_rows == 2


def test_unknown_table_is_a_log_query_error_naming_it(log_store: LogStore) -> None:
    with pytest.raises(LogQueryError, match="Nope"):
        log_store.query("Nope | take 1")


def test_syntax_error_is_a_log_query_error(log_store: LogStore) -> None:
    with pytest.raises(LogQueryError):
        log_store.query("AppRequests | wherex Success")


@pytest.mark.parametrize("kql", [".drop table AppRequests", ".set-or-append Copy <| AppRequests"])
def test_writes_are_refused_as_read_only(log_store: LogStore, kql: str) -> None:
    with pytest.raises(LogQueryError, match="read-only"):
        log_store.query(kql)
    assert log_store.query("AppRequests | count").rows == ((5,),)


def test_empty_query_is_a_log_query_error(log_store: LogStore) -> None:
    with pytest.raises(LogQueryError, match="empty"):
        log_store.query("  ")


def test_tables_are_the_queryable_tables_with_kql_types(log_store: LogStore) -> None:
    tables = {t.name: t for t in log_store.tables()}
    assert list(tables) == ["AppExceptions", "AppRequests"]
    types = {c.name: c.type for c in tables["AppRequests"].columns}
    assert types == {
        "TimeGenerated": "datetime",
        "AppRoleName": "string",
        "Name": "string",
        "Url": "string",
        "ResultCode": "string",
        "DurationMs": "real",
        "Success": "bool",
        "OperationId": "string",
    }
    assert {c.name: c.type for c in tables["AppExceptions"].columns}["Details"] == "dynamic"


SAME_ANSWER_QUERIES = [
    "AppRequests | order by OperationId asc",
    "AppRequests | where Success == false | project OperationId, ResultCode, DurationMs | order by OperationId asc",
    "AppRequests | summarize n = count(), mean = avg(DurationMs) by AppRoleName | order by AppRoleName asc",
    "AppRequests | summarize n = count() by bin(TimeGenerated, 1h) | order by TimeGenerated asc",
    "AppRequests | top 2 by DurationMs desc",
    "AppRequests | extend slow = DurationMs > 200 | where slow | count",
    "AppExceptions | order by TimeGenerated asc | project TimeGenerated, Details, Properties, OuterMessage",
    "AppRequests | where Success == false | join kind=inner (AppExceptions | project OperationId, ExceptionType)"
    " on OperationId | project OperationId, ExceptionType | order by OperationId asc",
    "print span = 1d + 2h, ratio = 3 / 2.0, n = toint(7)",
    "print neg = -1h, fine = 3s + 4ms, at = datetime(2026-03-02T13:00:00.5Z)",
    "print d = dynamic(5), s = dynamic('abc'), t = parse_json('\"5\"'), nothing = dynamic(null)",
    "print arr = dynamic([1, '2', {'a': 'x'}]), bag = pack('k', '5', 'n', 5), parts = split('a,1', ',')",
    "AppRequests | summarize codes = make_set(ResultCode) by AppRoleName | order by AppRoleName asc",
    "AppExceptions | project coupon = Properties.coupon, line = Details[0].parsedStack[0].line | take 1",
]


@pytest.mark.parametrize("kql", SAME_ANSWER_QUERIES)
def test_both_adapters_give_the_same_result(duckdb_store: DuckDbLogStore, kusto_store: KustoLogStore, kql: str) -> None:
    assert kusto_store.query(kql, max_rows=3) == duckdb_store.query(kql, max_rows=3)


def test_both_adapters_describe_the_same_tables(duckdb_store: DuckDbLogStore, kusto_store: KustoLogStore) -> None:
    def described(store: LogStore) -> list[tuple[str, tuple[Any, ...]]]:
        return [(t.name, t.columns) for t in store.tables()]

    assert described(kusto_store) == described(duckdb_store)


@pytest.mark.parametrize(
    ("kql", "expected"),
    [
        ("print d = dynamic(5), s = dynamic('abc'), t = parse_json('\"5\"')", (5, "abc", "5")),
        ("print parts = split('a,1', ',')", (["a", "1"],)),
        ("print arr = dynamic([1, '2', {'a': 'x'}])", ([1, "2", {"a": "x"}],)),
        ("print neg = -1h, fine = 1d + 3s + 4ms", ("-01:00:00", "1.00:00:03.0040000")),
    ],
)
def test_values_render_as_json_the_same_way(log_store: LogStore, kql: str, expected: tuple[Any, ...]) -> None:
    (row,) = log_store.query(kql).rows
    assert row == expected
