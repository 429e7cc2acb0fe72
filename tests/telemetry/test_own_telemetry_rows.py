"""sre-agent's own model calls as rows of the SCENARIOS.md tables: AppDependencies for every attempt,
AppExceptions with the real parsed stack for every failed one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentcore.errors import ToolError
from agentcore.models import ToolSpec
from agentcore.telemetry.ledger import ModelCallRecord
from agentcore.telemetry.local import LocalTelemetryTables
from agentcore.telemetry.scope import bind_step
from agentcore.telemetry.stack import describe_exception
from agentcore.tools import ToolResult

WHEN = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def rows(directory: Path, table: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / f"{table}.jsonl").read_text().splitlines()]


def ok_call() -> ModelCallRecord:
    return ModelCallRecord(
        time=WHEN, investigation_id="inv-9", provider="anthropic", model="claude-sonnet-4-6",
        input_tokens=1200, cached_input_tokens=1000, cache_write_tokens=100, output_tokens=80,
        duration_s=2.5, outcome="ok",
    )  # fmt: skip


SECRET = "sk-ant-api03-" + "Q7x9Lm2Kp4" * 9


def raise_rate_limited() -> None:
    raise RuntimeError(f"429 from api key {SECRET}")


def failed_call() -> ModelCallRecord:
    try:
        raise_rate_limited()
    except RuntimeError as exc:
        details = describe_exception(exc)
    return ok_call().model_copy(
        update={"outcome": "error", "error_class": "http_429", "status_code": 429, "failure": details,
                "input_tokens": 0, "output_tokens": 0, "cached_input_tokens": 0, "cache_write_tokens": 0}
    )  # fmt: skip


def test_a_model_call_is_a_genai_dependency_row_with_its_tokens(tmp_path: Path) -> None:
    bind_step("inv-9", 3)
    LocalTelemetryTables(tmp_path).record(ok_call())
    [row] = rows(tmp_path, "AppDependencies")
    assert (row["Name"], row["Target"], row["DependencyType"]) == (
        "chat claude-sonnet-4-6", "api.anthropic.com", "GenAI | anthropic"
    )  # fmt: skip
    assert (row["Success"], row["ResultCode"], row["DurationMs"], row["AppRoleName"]) == (
        True,
        "200",
        2500.0,
        "sre-agent",
    )
    assert row["Properties"]["gen_ai.usage.input_tokens"] == 1200
    assert row["Properties"]["gen_ai.usage.output_tokens"] == 80
    assert row["Properties"]["gen_ai.usage.cache_read.input_tokens"] == 1000
    assert row["Properties"]["sre_agent.investigation.id"] == "inv-9"
    assert row["Properties"]["sre_agent.investigation.step"] == 3


def test_a_successful_call_writes_no_exception_row(tmp_path: Path) -> None:
    LocalTelemetryTables(tmp_path).record(ok_call())
    assert not (tmp_path / "AppExceptions.jsonl").exists()


def test_a_failed_attempt_is_a_failed_dependency_and_an_exception(tmp_path: Path) -> None:
    LocalTelemetryTables(tmp_path).record(failed_call())
    [dependency] = rows(tmp_path, "AppDependencies")
    [exception] = rows(tmp_path, "AppExceptions")
    assert (dependency["Success"], dependency["ResultCode"]) == (False, "429")
    assert exception["ExceptionType"] == "agentcore.errors.ModelError"
    assert exception["Properties"]["error.type"] == "http_429"
    assert exception["Details"][1]["type"] == "RuntimeError"
    assert exception["OperationId"] == dependency["OperationId"] != ""


def test_the_parsed_stack_is_the_real_one_innermost_first_with_repository_paths(tmp_path: Path) -> None:
    LocalTelemetryTables(tmp_path).record(failed_call())
    [exception] = rows(tmp_path, "AppExceptions")
    stack = exception["Details"][0]["parsedStack"]
    assert [frame["level"] for frame in stack] == list(range(len(stack)))
    thrower, catcher = stack[0], stack[1]
    assert thrower["method"] == "tests.telemetry.test_own_telemetry_rows.raise_rate_limited"
    assert thrower["fileName"] == "tests/telemetry/test_own_telemetry_rows.py"
    assert catcher["method"] == "tests.telemetry.test_own_telemetry_rows.failed_call"
    assert any(frame["fileName"].endswith("_pytest/python.py") for frame in stack)  # the callers are there too


def test_secrets_never_reach_the_rows(tmp_path: Path) -> None:
    LocalTelemetryTables(tmp_path).record(failed_call())
    text = (tmp_path / "AppExceptions.jsonl").read_text()
    assert SECRET not in text
    assert "[REDACTED:" in text
    assert "429 from api key" in text


@pytest.mark.parametrize("table", ["AppDependencies", "AppExceptions"])
def test_rows_load_into_the_embedded_log_store(tmp_path: Path, table: str) -> None:
    from agentcore.connectors.logs.duckdb import DuckDbLogStore

    tables = LocalTelemetryTables(tmp_path / "telemetry")
    tables.record(failed_call())
    store = DuckDbLogStore.load(tables.files(), tmp_path / "t.duckdb", query_now=WHEN)
    try:
        result = store.query(f"{table} | where AppRoleName == 'sre-agent' | count")
        assert result.as_dicts()[0]["Count"] == 1
    finally:
        store.close()


def test_a_tool_call_is_an_inproc_dependency_row_with_the_step(tmp_path: Path) -> None:
    from agentcore.models import ToolCall
    from agentcore.telemetry.spans import TracedToolbox

    class Missing:
        spec = ToolSpec(name="read_file", description="Read.", input_schema={"type": "object"})

        def run(self, arguments: dict[str, Any]) -> ToolResult:
            raise ToolError("no such file: notes/plan.md")

    bind_step("inv-4", 6)
    TracedToolbox([Missing()], rows=LocalTelemetryTables(tmp_path)).dispatch(ToolCall(id="t1", name="read_file"))
    [row] = rows(tmp_path, "AppDependencies")
    assert (row["Name"], row["DependencyType"], row["Success"]) == ("execute_tool read_file", "InProc", False)
    assert row["Properties"]["gen_ai.tool.name"] == "read_file"
    assert row["Properties"]["error.type"] == "tool_error"
    assert row["Properties"]["sre_agent.investigation.step"] == 6


@pytest.mark.parametrize(
    "installed",
    [".python_packages/lib/site-packages/anthropic/_client.py", ".venv/lib/python3.11/site-packages/httpx/_api.py"],
)
def test_installed_packages_beside_the_source_keep_their_absolute_paths(installed: str) -> None:
    from agentcore.telemetry.stack import SOURCE_ROOT, source_file

    path = str(SOURCE_ROOT / installed)
    assert source_file(path) == path
    assert source_file(str(SOURCE_ROOT / "agentcore" / "models" / "_retry.py")) == "agentcore/models/_retry.py"
