"""KustoLogStore on the wire: what each request carries, and how partial failures, truncation and service
errors in ADX's answers become results or LogQueryErrors. The real azure-kusto-data client talks to pinned
HTTP (`responses`); the answers are in kusto_frames.py."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from azure.core.credentials import AccessToken

from agentcore.connectors.logs import ColumnSchema, LogQueryError
from agentcore.connectors.logs.kusto import KustoLogStore
from agentcore.errors import ConfigError
from tests.connectors.logs.kusto_frames import (
    LOW_MEMORY,
    OK_COMPLETION,
    RESULT_SET_TOO_LARGE,
    SHARD_FAILURE_COMPLETION,
    TOO_LARGE_COMPLETION,
    api_error,
    v1_answer,
    v2_answer,
)

CLUSTER = "https://sreagent.westeurope.kusto.windows.net"
LOCAL = "http://127.0.0.1:31415"  # an endpoint without authentication; its answers here are ADX's
QUERY_URL = f"{LOCAL}/v2/rest/query"
MGMT_URL = f"{LOCAL}/v1/rest/mgmt"
COLUMNS = [("OperationId", "string"), ("DurationMs", "real")]
ROWS = [["op1", 120.0], ["op2", 300.0], ["op3", 250.0]]
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub3QtYS1yZWFsLXRva2VuIn0.c2VjcmV0.c2ln"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def store() -> Iterator[KustoLogStore]:
    opened = KustoLogStore.with_no_authentication(LOCAL, database="Logs", request_timeout_s=45)
    yield opened
    opened.close()


def sent(call: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON body of a recorded request and its options (the SDK sends `properties` as a JSON string)."""
    body = json.loads(call.request.body)
    return body, json.loads(body["properties"])["Options"]


def test_each_query_carries_a_fresh_request_id_the_server_timeout_a_row_limit_and_read_only(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    http.add(responses.POST, QUERY_URL, json=v2_answer(COLUMNS, ROWS))
    store.query("AppRequests | take 3", max_rows=10)
    store.query("AppRequests | take 3", max_rows=10)
    (body, options), (_, again) = sent(http.calls[0]), sent(http.calls[1])
    assert body["db"] == "Logs"
    assert body["csl"] == "AppRequests | take 3"
    assert options == {"servertimeout": "0:00:45", "request_readonly": True, "truncationmaxrecords": 11}
    assert again == options
    ids = [str(call.request.headers["x-ms-client-request-id"]) for call in http.calls]
    assert all(re.fullmatch(r"sre-agent;[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", i) for i in ids)
    assert ids[0] != ids[1]
    assert http.calls[0].request.headers["x-ms-app"] == "sre-agent"
    assert "Authorization" not in http.calls[0].request.headers


def test_show_commands_go_to_the_management_endpoint_without_a_row_limit(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    table_names = [("TableName", "String", "string"), ("DatabaseName", "String", "string")]
    http.add(responses.POST, MGMT_URL, json=v1_answer(table_names, [["AppRequests", "Logs"], ["AppTraces", "Logs"]]))
    result = store.query(".show tables", max_rows=1)
    assert result.rows == (("AppRequests", "Logs"),)
    assert result.truncated
    _, options = sent(http.calls[0])
    assert options == {"servertimeout": "0:00:45", "request_readonly": True}


@pytest.mark.parametrize("kql", [".drop table AppRequests", ".set-or-append Copy <| AppRequests", ".ingest inline"])
def test_writes_are_refused_before_anything_is_sent(
    http: responses.RequestsMock, store: KustoLogStore, kql: str
) -> None:
    with pytest.raises(LogQueryError, match="read-only"):
        store.query(kql)
    assert len(http.calls) == 0


def test_rows_cut_at_the_row_limit_are_reported_as_truncated(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    # truncationmaxrecords=3: ADX sent 3 rows, then the partial-failure object in the data.
    http.add(responses.POST, QUERY_URL, json=v2_answer(COLUMNS, ROWS, error_in_data=RESULT_SET_TOO_LARGE))
    result = store.query("AppRequests", max_rows=2)
    assert result.rows == (("op1", 120.0), ("op2", 300.0))
    assert result.truncated
    assert result.total_rows is None


def test_row_limit_reported_only_in_completion_information_is_also_truncation(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    http.add(responses.POST, QUERY_URL, json=v2_answer(COLUMNS, ROWS, completion=[TOO_LARGE_COMPLETION]))
    result = store.query("AppRequests", max_rows=2)
    assert len(result.rows) == 2
    assert result.truncated
    assert result.total_rows is None


def test_result_cut_by_the_size_limit_within_max_rows_is_an_error(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    http.add(responses.POST, QUERY_URL, json=v2_answer(COLUMNS, ROWS[:1], error_in_data=RESULT_SET_TOO_LARGE))
    with pytest.raises(LogQueryError, match=r"cut the result after 1 rows.*64 MB.*80DA0003"):
        store.query("AppRequests", max_rows=100)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (v2_answer(COLUMNS, ROWS[:2], error_in_data=LOW_MEMORY), "E_LOW_MEMORY_CONDITION"),
        (v2_answer(COLUMNS, ROWS[:2], completion=[SHARD_FAILURE_COMPLETION, OK_COMPLETION]), "E_EXTENT_LOAD_FAILED"),
        (v2_answer(COLUMNS, ROWS, error_in_data=LOW_MEMORY), "E_LOW_MEMORY_CONDITION"),
    ],
    ids=["in-data", "in-completion-information", "in-data-past-max-rows"],
)
def test_partial_failure_withholds_the_rows_and_gives_the_service_reason(
    http: responses.RequestsMock, store: KustoLogStore, answer: list[dict[str, Any]], reason: str
) -> None:
    http.add(responses.POST, QUERY_URL, json=answer)
    with pytest.raises(LogQueryError, match=f"failed part-way.*{reason}"):
        store.query("AppRequests", max_rows=2)


def test_more_than_one_result_table_is_refused(http: responses.RequestsMock, store: KustoLogStore) -> None:
    http.add(responses.POST, QUERY_URL, json=v2_answer(COLUMNS, ROWS, extra_primary=True))
    with pytest.raises(LogQueryError, match="more than one result table"):
        store.query("AppRequests | fork (take 1) (take 2)")


@pytest.mark.parametrize(
    "reply",
    [
        {"json": api_error("TooManyRequests", "Request is throttled.", "Kusto.DataNode.Exceptions.Throttled")},
        {"body": "Too many requests"},
    ],
    ids=["kusto-error-body", "plain-body"],
)
def test_throttling_is_a_log_query_error_that_says_so(
    http: responses.RequestsMock, store: KustoLogStore, reply: dict[str, Any]
) -> None:
    http.add(responses.POST, QUERY_URL, status=429, **reply)
    with pytest.raises(LogQueryError, match="throttling requests \\(HTTP 429\\)"):
        store.query("AppRequests")


def test_server_error_carries_the_status_and_the_service_message(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    failure = api_error("InternalServiceError", "Node 12 failed to respond", "Kusto.Common.Svc.Exceptions.Internal")
    http.add(responses.POST, QUERY_URL, status=500, json=failure)
    with pytest.raises(LogQueryError, match="HTTP 500.*InternalServiceError: Node 12 failed to respond"):
        store.query("AppRequests")


def test_gateway_page_instead_of_a_kusto_answer_is_a_log_query_error(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    http.add(responses.POST, QUERY_URL, status=502, body="<html>Bad Gateway</html>", content_type="text/html")
    with pytest.raises(LogQueryError, match="HTTP 502.*not a readable Kusto response"):
        store.query("AppRequests")


def test_semantic_error_carries_the_service_message(http: responses.RequestsMock, store: KustoLogStore) -> None:
    message = "Semantic error: SEM0100: 'take' operator: Failed to resolve table or column expression named 'Nope'"
    http.add(responses.POST, QUERY_URL, status=400, json=api_error("SEM0100", message, "Kusto.Data.Exceptions.Sem"))
    with pytest.raises(LogQueryError, match="HTTP 400.*Failed to resolve table or column expression named 'Nope'"):
        store.query("Nope | take 1")


def test_unreachable_endpoint_is_a_log_query_error(http: responses.RequestsMock, store: KustoLogStore) -> None:
    http.add(responses.POST, QUERY_URL, body=requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(LogQueryError, match=r"no answer from http://127.0.0.1:31415 within 75 s.*ConnectTimeout"):
        store.query("AppRequests")


def test_values_are_json_compatible_like_the_duckdb_store(http: responses.RequestsMock, store: KustoLogStore) -> None:
    columns = [("t", "datetime"), ("d", "timespan"), ("m", "decimal"), ("g", "guid"), ("p", "dynamic"), ("n", "long")]
    row: list[Any] = [
        "2026-03-02T13:30:00.1234567Z",
        "1.02:03:04.5000000",
        "1.25",
        "74be27de-1e4e-49d9-b579-fe0b331d3642",
    ]
    row += [{"coupon": "SPRING26", "tries": [1, 2]}, 9007199254740993]
    http.add(responses.POST, QUERY_URL, json=v2_answer(columns, [row]))
    result = store.query("print t, d, m, g, p, n")
    assert [c.type for c in result.columns] == ["datetime", "timespan", "decimal", "guid", "dynamic", "long"]
    assert result.rows == (
        (
            "2026-03-02T13:30:00.123456Z",
            "1.02:03:04.5000000",
            1.25,
            "74be27de-1e4e-49d9-b579-fe0b331d3642",
            {"coupon": "SPRING26", "tries": [1, 2]},
            9007199254740993,
        ),
    )


def schema_document(database: str) -> str:
    columns = [
        {"Name": "TimeGenerated", "Type": "System.DateTime", "CslType": "datetime"},
        {
            "Name": "ItemCount",
            "Type": "System.Int32",
            "CslType": "int",
            "DocString": "how many items one row stands for",
        },
        {"Name": "Measurements", "Type": "System.Object"},
    ]
    tables = {
        "AppTraces": {"Name": "AppTraces", "OrderedColumns": columns},
        "AppEvents": {"Name": "AppEvents", "OrderedColumns": columns[:1]},
    }
    return json.dumps({"Plugins": [], "Databases": {database: {"Name": database, "Tables": tables, "Functions": {}}}})


def test_tables_come_from_the_database_schema_in_one_command(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    answer = v1_answer([("DatabaseSchema", "String", "string")], [[schema_document("Logs")]])
    http.add(responses.POST, MGMT_URL, json=answer)
    tables = store.tables()
    assert sent(http.calls[0])[0]["csl"] == ".show database ['Logs'] schema as json"
    assert [t.name for t in tables] == ["AppEvents", "AppTraces"]
    assert tables[1].columns == (
        ColumnSchema(name="TimeGenerated", type="datetime", description="when it happened, UTC"),
        ColumnSchema(name="ItemCount", type="int", description="how many items one row stands for"),
        ColumnSchema(name="Measurements", type="dynamic", description=""),
    )
    assert tables[1].row_count is None


def test_tables_of_another_database_are_an_error_not_an_empty_list(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    answer = v1_answer([("DatabaseSchema", "String", "string")], [[schema_document("Other")]])
    http.add(responses.POST, MGMT_URL, json=answer)
    with pytest.raises(LogQueryError, match="does not describe database Logs"):
        store.tables()


def test_throttled_schema_command_is_not_mistaken_for_an_unsupported_one(
    http: responses.RequestsMock, store: KustoLogStore
) -> None:
    http.add(responses.POST, MGMT_URL, status=429, body="Too many requests")
    with pytest.raises(LogQueryError, match="throttling"):
        store.tables()
    assert len(http.calls) == 1


class FixedToken:
    """A TokenCredential that hands out one token and counts the asks."""

    def __init__(self) -> None:
        self.scopes: list[str] = []
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(TOKEN, int(time.time()) + 3600)


def test_credential_token_is_sent_as_a_bearer_and_never_appears_in_errors_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    credential = FixedToken()
    store = KustoLogStore(CLUSTER, credential, database="Logs")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http, caplog.at_level(logging.DEBUG):
        http.add(responses.GET, f"{CLUSTER}/v1/rest/auth/metadata", status=404)  # public cloud defaults
        http.add(responses.POST, f"{CLUSTER}/v2/rest/query", status=401, body="Unauthorized")
        with pytest.raises(LogQueryError, match="may not query database Logs .*HTTP 401") as caught:
            store.query("AppRequests")
        (query_call,) = [call for call in http.calls if call.request.method == "POST"]
        assert query_call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    store.close()
    assert credential.scopes
    assert not credential.closed, "the caller's credential stays open"
    assert TOKEN not in str(caught.value)
    assert TOKEN not in caplog.text


def test_a_token_is_never_sent_over_plain_http() -> None:
    with pytest.raises(ConfigError, match="https"):
        KustoLogStore("http://sreagent.westeurope.kusto.windows.net", FixedToken(), database="Logs")


@pytest.mark.parametrize("timeout_s", [0, -1, 3601])
def test_request_timeout_must_fit_kusto_limits(timeout_s: float) -> None:
    with pytest.raises(ConfigError, match="request_timeout_s"):
        KustoLogStore.with_no_authentication(LOCAL, database="Logs", request_timeout_s=timeout_s)


def test_endpoint_without_the_schema_command_is_asked_table_by_table(
    kusto_store: KustoLogStore, caplog: pytest.LogCaptureFixture
) -> None:
    # duckdb-kql serve refuses `.show database ... schema as json`, and its `.show tables` also lists the
    # store's own `sre_agent.store_info`, which no query can name.
    with caplog.at_level(logging.WARNING, logger="agentcore.connectors.logs.kusto"):
        names = [t.name for t in kusto_store.tables()]
    assert names == ["AppExceptions", "AppRequests"]
    assert "lists table store_info but cannot query it by name" in caplog.text
