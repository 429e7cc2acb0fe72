"""Loading telemetry/*.jsonl into DuckDB: proper types, lenient values, one clear error per bad line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.errors import ScenarioError

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)


def load(tmp_path: Path, tables: dict[str, list[Any] | str | bytes], **options: Any) -> DuckDbLogStore:
    telemetry = tmp_path / "telemetry"
    telemetry.mkdir(exist_ok=True)
    files = {}
    for table, rows in tables.items():
        path = telemetry / f"{table}.jsonl"
        if isinstance(rows, list):
            rows = "".join(json.dumps(row) + "\n" for row in rows)
        path.write_bytes(rows.encode() if isinstance(rows, str) else rows)
        files[table] = path
    return DuckDbLogStore.load(files, tmp_path / "db.duckdb", query_now=INCIDENT, **options)


def test_time_with_offset_and_seven_fraction_digits_is_stored_as_utc(tmp_path: Path) -> None:
    store = load(
        tmp_path,
        {
            "AppTraces": [
                {"TimeGenerated": "2026-03-02T15:30:00+02:00", "Message": "a"},
                {"TimeGenerated": "2026-03-02T13:31:00.1234567Z", "Message": "b"},
                {"TimeGenerated": "2026-03-02 13:32:00", "Message": "c"},
            ]
        },
    )
    assert [r[0] for r in store.query("AppTraces | project TimeGenerated | order by TimeGenerated asc").rows] == [
        "2026-03-02T13:30:00Z",
        "2026-03-02T13:31:00.123456Z",
        "2026-03-02T13:32:00Z",
    ]


def test_strings_are_coerced_to_documented_column_types(tmp_path: Path) -> None:
    row = {
        "TimeGenerated": "2026-03-02T13:00:00Z",
        "Success": "False",
        "DurationMs": "300.5",
        "ResultCode": 500,
        "OperationId": "op",
    }
    store = load(tmp_path, {"AppRequests": [row]})
    result = store.query("AppRequests | where Success == false and DurationMs > 300 | project ResultCode, Url")
    assert result.as_dicts() == [{"ResultCode": "500", "Url": None}]
    types = {c.name: c.type for c in result.columns}
    assert types == {"ResultCode": "string", "Url": "string"}


def test_documented_columns_exist_even_when_absent_from_the_file(tmp_path: Path) -> None:
    store = load(tmp_path, {"AppDependencies": [{"TimeGenerated": "2026-03-02T13:00:00Z"}]})
    (table,) = store.tables()
    assert [c.name for c in table.columns] == [
        "TimeGenerated",
        "AppRoleName",
        "Name",
        "Target",
        "DependencyType",
        "ResultCode",
        "DurationMs",
        "Success",
        "OperationId",
        "Properties",
    ]


def test_dynamic_column_given_as_json_text_is_queryable(tmp_path: Path) -> None:
    details = json.dumps([{"parsedStack": [{"fileName": "a.py", "line": 3}]}])
    row = {"TimeGenerated": "2026-03-02T13:00:00Z", "Details": details, "Properties": '{"k": "v"}'}
    store = load(tmp_path, {"AppExceptions": [row]})
    kql = "AppExceptions | project line = toint(Details[0].parsedStack[0].line), k = tostring(Properties.k)"
    assert store.query(kql).as_dicts() == [{"line": 3, "k": "v"}]


def test_undocumented_columns_get_types_inferred_from_values(tmp_path: Path) -> None:
    rows = [
        {"TimeGenerated": "2026-03-02T13:00:00Z", "Hits": 1, "Ratio": 1, "Flag": True, "Blob": {"a": 1}, "Note": "x"},
        {"TimeGenerated": "2026-03-02T13:01:00Z", "Hits": 2, "Ratio": 0.5, "Flag": False, "Blob": [1], "Note": None},
    ]
    store = load(tmp_path, {"AppTraces": rows})
    types = {c.name: c.type for c in store.tables()[0].columns}
    assert types["Hits"] == "long"
    assert types["Ratio"] == "real"
    assert types["Flag"] == "bool"
    assert types["Blob"] == "dynamic"
    assert types["Note"] == "string"
    assert store.query("AppTraces | summarize sum(Hits)").rows == ((3,),)


def test_undocumented_columns_follow_the_most_common_row_shape_then_rarer_keys(tmp_path: Path) -> None:
    at = "2026-03-02T13:00:00Z"
    rows = [
        {"TimeGenerated": at, "Zone": "a", "Early": 1},  # first, but the rare shape
        *({"TimeGenerated": at, "Zone": "b", "Host": "h", "Build": 7} for _ in range(3)),
        {"TimeGenerated": at, "Zone": "c", "Late": True},  # a key only the very last row has
    ]
    store = load(tmp_path, {"Events_CL": rows})
    assert [c.name for c in store.tables()[0].columns] == ["TimeGenerated", "Zone", "Host", "Build", "Early", "Late"]
    assert store.query("Events_CL | where Late == true | project Zone").rows == (("c",),)


def test_a_custom_table_loads_with_inferred_types(tmp_path: Path) -> None:
    store = load(tmp_path, {"Deployments_CL": [{"TimeGenerated": "2026-03-02T13:00:00Z", "Version": "1.5.0"}]})
    (table,) = store.tables()
    assert table.name == "Deployments_CL"
    assert {c.name: c.type for c in table.columns} == {"TimeGenerated": "datetime", "Version": "string"}


def test_blank_lines_are_skipped_and_empty_files_make_empty_tables(tmp_path: Path) -> None:
    store = load(
        tmp_path,
        {"AppTraces": '\n{"TimeGenerated": "2026-03-02T13:00:00Z"}\n\n', "AppMetrics": ""},
    )
    counts = {t.name: t.row_count for t in store.tables()}
    assert counts == {"AppMetrics": 0, "AppTraces": 1}


def test_a_50_mb_row_loads_and_is_queryable(tmp_path: Path) -> None:
    huge = b'{"TimeGenerated": "2026-03-02T13:00:00Z", "Message": "' + b"x" * 50_000_000 + b'"}\n'
    store = load(tmp_path, {"AppTraces": huge})
    assert store.query("AppTraces | project n = strlen(Message)").rows == ((50_000_000,),)


def test_a_row_over_the_limit_is_a_clear_error(tmp_path: Path) -> None:
    row = {"TimeGenerated": "2026-03-02T13:00:00Z", "Message": "x" * 2000}
    with pytest.raises(ScenarioError, match=r"telemetry/AppTraces.jsonl line 2: row is over the 1024 byte limit"):
        load(tmp_path, {"AppTraces": [{"TimeGenerated": "2026-03-02T13:00:00Z"}, row]}, max_row_bytes=1024)
    assert not (tmp_path / "db.duckdb").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"TimeGenerated": "2026-03-02T13:00:00Z"}\n{oops\n', "line 2: not JSON"),
        ("[1, 2]\n", "line 1: expected a JSON object"),
        ('{"TimeGenerated": "last tuesday"}\n', "line 1: column TimeGenerated: not an ISO 8601 date"),
        ('{"Message": "no time"}\n', "line 1: TimeGenerated is missing"),
        ('{"TimeGenerated": "2026-03-02T13:00:00Z", "SeverityLevel": "high"}\n', "column SeverityLevel"),
        ('{"TimeGenerated": "2026-03-02T13:00:00Z", "message": "a", "Message": "b"}\n', "differ only in case"),
        ('{"TimeGenerated": "2026-03-02T13:00:00Z", "bad name\\"": 1}\n', "is not an identifier"),
        (b'{"TimeGenerated": "2026-03-02T13:00:00Z", "Message": "\xff"}\n', "line 1: not UTF-8"),
    ],
)
def test_malformed_lines_name_the_file_and_line(tmp_path: Path, text: str | bytes, message: str) -> None:
    with pytest.raises(ScenarioError, match="telemetry/AppTraces.jsonl") as caught:
        load(tmp_path, {"AppTraces": text})
    assert message in str(caught.value)


def test_bad_boolean_names_the_column(tmp_path: Path) -> None:
    row = {"TimeGenerated": "2026-03-02T13:00:00Z", "Success": "maybe"}
    with pytest.raises(ScenarioError, match="AppRequests.jsonl line 1: column Success: expected true or false"):
        load(tmp_path, {"AppRequests": [row]})


def test_table_name_that_is_not_an_identifier_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a valid table name"):
        load(tmp_path, {"App Traces": []})


def test_loading_refuses_to_overwrite_an_existing_database(tmp_path: Path) -> None:
    (tmp_path / "db.duckdb").write_bytes(b"")
    with pytest.raises(FileExistsError):
        load(tmp_path, {"AppTraces": []})


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"DurationMs": "fast"}, 'line 1: column DurationMs: expected a finite number, got "fast"'),
        ({"DurationMs": "inf"}, 'line 1: column DurationMs: expected a finite number, got "inf"'),
        ({"Success": 2}, 'line 1: column Success: expected true or false, got "2"'),
        ({"TimeGenerated": 1772456400}, "line 1: column TimeGenerated: not an ISO 8601 date: '1772456400'"),
        ({"TimeGenerated": None}, "line 1: TimeGenerated is missing"),
    ],
)
def test_values_refused_by_the_sql_checks_name_column_and_value(
    tmp_path: Path, row: dict[str, Any], message: str
) -> None:
    with pytest.raises(ScenarioError, match="telemetry/AppRequests.jsonl") as caught:
        load(tmp_path, {"AppRequests": [{"TimeGenerated": "2026-03-02T13:00:00Z", **row}]})
    assert message in str(caught.value)


def test_whole_number_columns_take_whole_numbers_in_any_spelling(tmp_path: Path) -> None:
    rows = [{"TimeGenerated": "2026-03-02T13:00:00Z", "SeverityLevel": level} for level in (3, "2", 1.0, "4.0")]
    store = load(tmp_path, {"AppTraces": rows})
    assert store.query("AppTraces | project SeverityLevel").rows == ((3,), (2,), (1,), (4,))


def test_a_fractional_value_in_a_whole_number_column_is_refused(tmp_path: Path) -> None:
    row = {"TimeGenerated": "2026-03-02T13:00:00Z", "SeverityLevel": 2.5}
    with pytest.raises(ScenarioError, match="line 1: column SeverityLevel: expected a whole number"):
        load(tmp_path, {"AppTraces": [row]})


def test_the_first_bad_row_deep_in_a_file_is_named_by_its_line_counting_blank_lines(tmp_path: Path) -> None:
    good = json.dumps({"TimeGenerated": "2026-03-02T13:00:00Z", "Message": "ok"}) + "\n"
    bad = json.dumps({"TimeGenerated": "2026-03-02T13:00:00Z", "SeverityLevel": "loud"}) + "\n"
    text = good * 30_000 + "\n\n" + good * 30_000 + bad + good + bad
    with pytest.raises(ScenarioError, match="AppTraces.jsonl line 60003: column SeverityLevel"):
        load(tmp_path, {"AppTraces": text})


def test_a_column_that_first_appears_late_in_a_big_file_is_loaded(tmp_path: Path) -> None:
    time = "2026-03-02T13:00:00Z"
    rows = [{"TimeGenerated": time}] * 50_000 + [{"TimeGenerated": time, "Zone": "b"}]
    store = load(tmp_path, {"AppTraces": rows})
    assert store.query("AppTraces | where isnotempty(Zone) | project Zone").rows == (("b",),)


def test_a_key_repeated_in_one_object_names_its_line(tmp_path: Path) -> None:
    time = '"TimeGenerated": "2026-03-02T13:00:00Z"'
    text = f'{{{time}}}\n{{{time}, "Message": 1, "Message": 2}}\n'
    with pytest.raises(ScenarioError, match="AppTraces.jsonl line 2: key 'Message' appears twice"):
        load(tmp_path, {"AppTraces": text})


def test_time_with_a_lower_case_z_is_utc(tmp_path: Path) -> None:
    store = load(tmp_path, {"AppTraces": [{"TimeGenerated": "2026-03-02t13:00:00z"}]})
    assert store.query("AppTraces | project TimeGenerated").rows == (("2026-03-02T13:00:00Z",),)


def test_an_undocumented_column_mixing_text_and_numbers_is_dynamic(tmp_path: Path) -> None:
    rows = [{"TimeGenerated": "2026-03-02T13:00:00Z", "Code": code} for code in (5, "E5")]
    store = load(tmp_path, {"AppTraces": rows})
    assert {c.name: c.type for c in store.tables()[0].columns}["Code"] == "dynamic"
    assert store.query("AppTraces | project Code").rows == ((5,), ("E5",))


def test_an_empty_file_of_an_undocumented_table_makes_no_table(tmp_path: Path) -> None:
    store = load(tmp_path, {"Custom_CL": "", "AppTraces": [{"TimeGenerated": "2026-03-02T13:00:00Z"}]})
    assert [t.name for t in store.tables()] == ["AppTraces"]


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "telemetry" / "AppTraces.jsonl"
    with pytest.raises(ScenarioError, match="telemetry/AppTraces.jsonl: cannot read"):
        DuckDbLogStore.load({"AppTraces": missing}, tmp_path / "db.duckdb", query_now=INCIDENT)


def test_crlf_line_ends_a_byte_order_mark_and_no_final_newline_load(tmp_path: Path) -> None:
    first = b'{"TimeGenerated": "2026-03-02T13:00:00Z", "Message": "a"}'
    text = b"\xef\xbb\xbf" + first + b'\r\n{"TimeGenerated": "2026-03-02T13:01:00Z"}'
    store = load(tmp_path, {"AppTraces": text})
    assert store.query("AppTraces | project Message").rows == (("a",), (None,))
