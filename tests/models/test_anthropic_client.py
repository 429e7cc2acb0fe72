"""AnthropicModelClient against recorded Messages API streams, through the real anthropic SDK."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import respx

from agentcore.errors import ContextTooLongError, ModelError
from agentcore.models import Message, ModelRequest, SystemBlock, ToolCall, ToolSpec, stable_prefix_hash
from agentcore.models._retry import RetryPolicy
from agentcore.models.anthropic import AnthropicModelClient
from agentcore.telemetry.ledger import InMemoryLedger
from tests.models.respx_bridge import BrokenStream

API_KEY = "sk-ant-test-SECRET-0001"
URL = "https://api.anthropic.com/v1/messages"
FIXTURES = Path(__file__).parent / "fixtures"
TOOLS = (
    ToolSpec(name="read_file", description="Read a file.", input_schema={"type": "object", "properties": {}}),
    ToolSpec(name="grep", description="Search files.", input_schema={"type": "object", "required": ["pattern"]}),
)
REQUEST = ModelRequest(
    system=(
        SystemBlock(text="You are an SRE agent.", cache_breakpoint=True),
        SystemBlock(text="Hooks: repos, topology.", cache_breakpoint=True),
    ),
    messages=(
        Message(role="user", content="Alert: 5xx on checkout."),
        Message(
            role="assistant",
            content="Looking.",
            tool_calls=(
                ToolCall(id="toolu_a", name="grep", arguments={"pattern": "5xx"}),
                ToolCall(id="toolu_b", name="read_file", arguments={"path": "notes/plan.md"}),
            ),
        ),
        Message(role="tool", tool_call_id="toolu_a", content="no matches", is_error=False),
        Message(role="tool", tool_call_id="toolu_b", content="no such file", is_error=True),
    ),
    tools=TOOLS,
    investigation_id="inv-7",
)
OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def sse(name: str) -> httpx.Response:
    body = (FIXTURES / name).read_bytes()
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


def error(status: int, error_type: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": "req_011"}
    return httpx.Response(status, headers=headers, json=body)


@pytest.fixture
def ledger() -> InMemoryLedger:
    return InMemoryLedger()


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(http_client: httpx2.Client, ledger: InMemoryLedger, slept: list[float]) -> AnthropicModelClient:
    return AnthropicModelClient(
        "claude-sonnet-4-6", api_key=API_KEY, ledger=ledger, sleep=slept.append, http_client=http_client
    )


def sent_body(route: respx.Route, call: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls[call].request.content)
    return body


def test_system_blocks_carry_cache_control_where_marked(
    respx_mock: respx.MockRouter, client: AnthropicModelClient
) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("anthropic_end_turn.sse"))
    request = REQUEST.model_copy(
        update={"system": (SystemBlock(text="static", cache_breakpoint=True), SystemBlock(text="volatile"))}
    )
    client.complete(request)
    assert sent_body(route)["system"] == [
        {"type": "text", "text": "static", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "volatile"},
    ]


def test_request_body_has_tools_in_order_and_streams(
    respx_mock: respx.MockRouter, client: AnthropicModelClient
) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("anthropic_end_turn.sse"))
    client.complete(REQUEST)
    body = sent_body(route)
    assert body["model"] == "claude-sonnet-4-6"
    assert body["stream"] is True
    assert body["max_tokens"] == 8192
    assert [t["name"] for t in body["tools"]] == ["read_file", "grep"]
    assert body["tools"][1] == {
        "name": "grep",
        "description": "Search files.",
        "input_schema": {"type": "object", "required": ["pattern"]},
    }
    assert "temperature" not in body
    assert "inv-7" not in route.calls[0].request.content.decode()


def test_tool_calls_and_results_become_tool_use_and_one_user_turn(
    respx_mock: respx.MockRouter, client: AnthropicModelClient
) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("anthropic_end_turn.sse"))
    client.complete(REQUEST)
    assert sent_body(route)["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Alert: 5xx on checkout."}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Looking."},
                {"type": "tool_use", "id": "toolu_a", "name": "grep", "input": {"pattern": "5xx"}},
                {"type": "tool_use", "id": "toolu_b", "name": "read_file", "input": {"path": "notes/plan.md"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_a", "content": "no matches"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_b",
                    "content": "no such file",
                    "is_error": True,
                    "cache_control": {"type": "ephemeral"},
                },
            ],
        },
    ]


def test_no_message_breakpoint_when_cache_last_message_is_off(
    respx_mock: respx.MockRouter, client: AnthropicModelClient
) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("anthropic_end_turn.sse"))
    client.complete(REQUEST.model_copy(update={"cache_last_message": False}))
    assert "cache_control" not in json.dumps(sent_body(route)["messages"])


def test_at_most_four_cache_breakpoints_keeping_the_latest_system_ones(
    respx_mock: respx.MockRouter, client: AnthropicModelClient
) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("anthropic_end_turn.sse"))
    system = tuple(SystemBlock(text=f"block {i}", cache_breakpoint=True) for i in range(5))
    client.complete(REQUEST.model_copy(update={"system": system}))
    body = sent_body(route)
    marked = [block["text"] for block in body["system"] if "cache_control" in block]
    assert marked == ["block 2", "block 3", "block 4"]
    assert json.dumps(body).count('"cache_control"') == 4


def test_text_and_tool_use_are_assembled_from_the_stream(
    respx_mock: respx.MockRouter, client: AnthropicModelClient
) -> None:
    respx_mock.post(URL).mock(return_value=sse("anthropic_text_and_tool_use.sse"))
    response = client.complete(REQUEST)
    assert response.message.content == "The 5xx spike started at 09:12. Let me check the deploy log."
    assert response.message.tool_calls == (
        ToolCall(
            id="toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            name="grep",
            arguments={"pattern": "deployed", "path": "notes/", "glob": "*.md"},
        ),
        ToolCall(id="toolu_01Pz7wYk2GLYxXoRxHgzvzU3", name="find", arguments={"pattern": "*.log"}),
    )
    assert response.stop_reason == "tool_use"
    assert response.model == "claude-sonnet-4-5-20250929"


def test_usage_counts_cache_reads_and_writes_in_the_whole_prompt(
    respx_mock: respx.MockRouter, client: AnthropicModelClient
) -> None:
    respx_mock.post(URL).mock(return_value=sse("anthropic_text_and_tool_use.sse"))
    usage = client.complete(REQUEST).usage
    assert usage.input_tokens == 472 + 1200 + 18000
    assert usage.cached_input_tokens == 18000
    assert usage.cache_write_tokens == 1200
    assert usage.output_tokens == 89


def test_malformed_tool_json_becomes_a_parse_error(respx_mock: respx.MockRouter, client: AnthropicModelClient) -> None:
    respx_mock.post(URL).mock(return_value=sse("anthropic_malformed_tool_json.sse"))
    broken, fine = client.complete(REQUEST).message.tool_calls
    assert broken.name == "shell"
    assert broken.arguments == {}
    assert broken.parse_error is not None
    assert "invalid JSON" in broken.parse_error
    assert fine == ToolCall(id="toolu_01Ok", name="read_file", arguments={"path": "notes/plan.md"})


def test_end_turn_maps_to_end_turn(respx_mock: respx.MockRouter, client: AnthropicModelClient) -> None:
    respx_mock.post(URL).mock(return_value=sse("anthropic_end_turn.sse"))
    response = client.complete(REQUEST)
    assert response.stop_reason == "end_turn"
    assert response.message.tool_calls == ()


def test_429_waits_as_long_as_retry_after_says(
    respx_mock: respx.MockRouter, client: AnthropicModelClient, slept: list[float], ledger: InMemoryLedger
) -> None:
    limited = error(429, "rate_limit_error", "Number of requests has exceeded your rate limit", {"retry-after": "7"})
    respx_mock.post(URL).mock(side_effect=[limited, sse("anthropic_end_turn.sse")])
    client.complete(REQUEST)
    assert slept == [7.0]
    assert [(r.attempt, r.outcome, r.status_code, r.error_class) for r in ledger.records] == [
        (1, "error", 429, "http_429"),
        (2, "ok", None, None),
    ]


@pytest.mark.parametrize(
    "failure",
    [
        error(500, "api_error", "Internal server error"),
        error(503, "api_error", "Service unavailable"),
        httpx.Response(529, json=OVERLOADED),
    ],
    ids=["500", "503", "529"],
)
def test_server_errors_are_retried_then_succeed(
    respx_mock: respx.MockRouter, client: AnthropicModelClient, slept: list[float], failure: httpx.Response
) -> None:
    route = respx_mock.post(URL).mock(side_effect=[failure, sse("anthropic_end_turn.sse")])
    assert client.complete(REQUEST).stop_reason == "end_turn"
    assert route.call_count == 2
    assert len(slept) == 1
    assert 0.0 <= slept[0] <= 1.0


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(400, "invalid_request_error"), (401, "authentication_error"), (404, "not_found_error")],
)
def test_client_errors_are_never_retried(
    respx_mock: respx.MockRouter,
    client: AnthropicModelClient,
    ledger: InMemoryLedger,
    slept: list[float],
    status: int,
    error_type: str,
) -> None:
    route = respx_mock.post(URL).mock(return_value=error(status, error_type, "nope"))
    with pytest.raises(ModelError) as caught:
        client.complete(REQUEST)
    assert caught.value.retryable is False
    assert caught.value.status == status
    assert route.call_count == 1
    assert slept == []
    assert [(r.outcome, r.status_code) for r in ledger.records] == [("error", status)]


def test_prompt_too_long_raises_context_too_long(respx_mock: respx.MockRouter, client: AnthropicModelClient) -> None:
    respx_mock.post(URL).mock(
        return_value=error(400, "invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum")
    )
    with pytest.raises(ContextTooLongError, match="208310 tokens"):
        client.complete(REQUEST)


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        (httpx.ConnectError("[Errno 104] Connection reset by peer"), "connection_error"),
        (httpx.ReadTimeout("The read operation timed out"), "timeout"),
    ],
    ids=["connection-reset", "timeout"],
)
def test_connection_resets_and_timeouts_are_retried(
    respx_mock: respx.MockRouter,
    client: AnthropicModelClient,
    ledger: InMemoryLedger,
    failure: Exception,
    error_class: str,
) -> None:
    respx_mock.post(URL).mock(side_effect=[failure, sse("anthropic_end_turn.sse")])
    assert client.complete(REQUEST).stop_reason == "end_turn"
    assert ledger.records[0].outcome == "error"
    assert ledger.records[0].error_class == error_class


def test_a_stream_that_breaks_mid_response_is_retried(
    respx_mock: respx.MockRouter, client: AnthropicModelClient, ledger: InMemoryLedger
) -> None:
    head = (FIXTURES / "anthropic_text_and_tool_use.sse").read_bytes()[:900]
    broken = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=BrokenStream(head))
    respx_mock.post(URL).mock(side_effect=[broken, sse("anthropic_end_turn.sse")])
    assert client.complete(REQUEST).message.content == "Root cause: the 09:10 deploy."
    assert ledger.records[0].error_class == "stream_broken"


def test_a_stream_that_ends_without_message_stop_is_retried(
    respx_mock: respx.MockRouter, client: AnthropicModelClient, ledger: InMemoryLedger
) -> None:
    text = (FIXTURES / "anthropic_end_turn.sse").read_text()
    cut = httpx.Response(200, headers={"content-type": "text/event-stream"}, text=text.split("event: message_stop")[0])
    respx_mock.post(URL).mock(side_effect=[cut, sse("anthropic_end_turn.sse")])
    client.complete(REQUEST)
    assert ledger.records[0].error_class == "stream_broken"


def test_an_overloaded_error_event_inside_the_stream_is_retried(
    respx_mock: respx.MockRouter, client: AnthropicModelClient, ledger: InMemoryLedger
) -> None:
    head = (FIXTURES / "anthropic_end_turn.sse").read_text().split("event: content_block_start")[0]
    body = head + f"event: error\ndata: {json.dumps(OVERLOADED)}\n\n"
    in_stream = httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)
    respx_mock.post(URL).mock(side_effect=[in_stream, sse("anthropic_end_turn.sse")])
    client.complete(REQUEST)
    assert [(r.outcome, r.status_code, r.error_class) for r in ledger.records] == [
        ("error", 529, "stream:overloaded_error"),
        ("ok", None, None),
    ]


def test_running_out_of_attempts_raises_retryable_model_error(
    respx_mock: respx.MockRouter, http_client: httpx2.Client, ledger: InMemoryLedger, slept: list[float]
) -> None:
    client = AnthropicModelClient(
        "claude-sonnet-4-6",
        api_key=API_KEY,
        ledger=ledger,
        retry=RetryPolicy(max_attempts=3),
        sleep=slept.append,
        http_client=http_client,
    )
    respx_mock.post(URL).mock(return_value=httpx.Response(529, json=OVERLOADED))
    with pytest.raises(ModelError) as caught:
        client.complete(REQUEST)
    assert caught.value.retryable is True
    assert caught.value.status == 529
    assert len(ledger.records) == 3
    assert len(slept) == 2


def test_ledger_rows_name_the_call_and_never_hold_the_key(
    respx_mock: respx.MockRouter, client: AnthropicModelClient, ledger: InMemoryLedger
) -> None:
    route = respx_mock.post(URL).mock(side_effect=[error(500, "api_error", "boom"), sse("anthropic_end_turn.sse")])
    client.complete(REQUEST)
    assert API_KEY in " ".join(route.calls[0].request.headers.values())  # the key was sent ...
    dumped = "".join(r.model_dump_json() for r in ledger.records)
    assert API_KEY not in dumped  # ... and never recorded
    assert {(r.provider, r.model, r.investigation_id) for r in ledger.records} == {
        ("anthropic", "claude-sonnet-4-6", "inv-7")
    }
    assert {r.prefix_hash for r in ledger.records} == {stable_prefix_hash(REQUEST)}


def test_temperature_is_sent_when_set(respx_mock: respx.MockRouter, client: AnthropicModelClient) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("anthropic_end_turn.sse"))
    client.complete(REQUEST.model_copy(update={"temperature": 0.2, "max_output_tokens": 1024}))
    body = sent_body(route)
    assert body["temperature"] == 0.2
    assert body["max_tokens"] == 1024
