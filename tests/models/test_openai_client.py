"""OpenAIModelClient against recorded Chat Completions streams, through the real openai SDK."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import respx
from azure.core.credentials import AccessToken

from agentcore.errors import ConfigError, ContextTooLongError, ModelError
from agentcore.models import Message, ModelRequest, SystemBlock, ToolCall, ToolSpec
from agentcore.models.openai import AZURE_COGNITIVE_SERVICES_SCOPE, OpenAIModelClient
from agentcore.telemetry.ledger import InMemoryLedger
from tests.models.respx_bridge import BrokenStream

API_KEY = "sk-proj-test-SECRET-0002"
URL = "https://api.openai.com/v1/chat/completions"
FIXTURES = Path(__file__).parent / "fixtures"
REQUEST = ModelRequest(
    system=(
        SystemBlock(text="You are an SRE agent.", cache_breakpoint=True),
        SystemBlock(text="Hooks: repos, topology.", cache_breakpoint=True),
    ),
    messages=(
        Message(role="user", content="Alert: 5xx on checkout."),
        Message(
            role="assistant",
            content="",
            tool_calls=(
                ToolCall(id="call_a", name="grep", arguments={"pattern": "5xx"}),
                ToolCall(id="call_b", name="read_file", arguments={"path": "notes/plan.md"}),
            ),
        ),
        Message(role="tool", tool_call_id="call_a", content="no matches"),
        Message(role="tool", tool_call_id="call_b", content="no such file", is_error=True),
    ),
    tools=(
        ToolSpec(name="read_file", description="Read a file.", input_schema={"type": "object", "properties": {}}),
        ToolSpec(name="grep", description="Search files.", input_schema={"type": "object", "required": ["pattern"]}),
    ),
    cache_key="inv-7",
    investigation_id="inv-7",
)


def sse(name: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=(FIXTURES / name).read_bytes())


def error(status: int, code: str | None, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}
    return httpx.Response(status, headers=headers, json=body)


def sent_body(route: respx.Route, call: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls[call].request.content)
    return body


@pytest.fixture
def ledger() -> InMemoryLedger:
    return InMemoryLedger()


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(http_client: httpx2.Client, ledger: InMemoryLedger, slept: list[float]) -> OpenAIModelClient:
    return OpenAIModelClient("gpt-4.1", api_key=API_KEY, ledger=ledger, sleep=slept.append, http_client=http_client)


def test_system_blocks_are_joined_into_one_system_message_in_order(
    respx_mock: respx.MockRouter, client: OpenAIModelClient
) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("openai_text.sse"))
    client.complete(REQUEST)
    assert sent_body(route)["messages"][0] == {
        "role": "system",
        "content": "You are an SRE agent.\n\nHooks: repos, topology.",
    }


def test_tool_calls_and_results_use_the_chat_completions_shapes(
    respx_mock: respx.MockRouter, client: OpenAIModelClient
) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("openai_text.sse"))
    client.complete(REQUEST)
    assert sent_body(route)["messages"][1:] == [
        {"role": "user", "content": "Alert: 5xx on checkout."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "grep", "arguments": '{"pattern":"5xx"}'}},
                {
                    "id": "call_b",
                    "type": "function",
                    "function": {"name": "read_file", "arguments": '{"path":"notes/plan.md"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "no matches"},
        {"role": "tool", "tool_call_id": "call_b", "content": "no such file"},
    ]


def test_request_streams_with_usage_tools_and_cache_key(
    respx_mock: respx.MockRouter, client: OpenAIModelClient
) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("openai_text.sse"))
    client.complete(REQUEST)
    body = sent_body(route)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["max_completion_tokens"] == 8192
    assert body["prompt_cache_key"] == "inv-7"
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "read_file",
                "description": "Read a file.",
                "parameters": {"type": "object", "properties": {}},
            },
        },
        {
            "type": "function",
            "function": {
                "name": "grep",
                "description": "Search files.",
                "parameters": {"type": "object", "required": ["pattern"]},
            },
        },
    ]
    assert "temperature" not in body


def test_prompt_cache_key_is_left_out_where_unsupported(
    respx_mock: respx.MockRouter, http_client: httpx2.Client
) -> None:
    client = OpenAIModelClient("gpt-4.1", api_key=API_KEY, http_client=http_client, prompt_cache_key_supported=False)
    route = respx_mock.post(URL).mock(return_value=sse("openai_text.sse"))
    client.complete(REQUEST)
    assert "prompt_cache_key" not in sent_body(route)


def test_compatible_server_gets_max_tokens_and_a_placeholder_key(
    respx_mock: respx.MockRouter, http_client: httpx2.Client, ledger: InMemoryLedger
) -> None:
    client = OpenAIModelClient("qwen3-8b", base_url="http://127.0.0.1:8080/v1", ledger=ledger, http_client=http_client)
    route = respx_mock.post("http://127.0.0.1:8080/v1/chat/completions").mock(return_value=sse("openai_text.sse"))
    client.complete(REQUEST)
    body = sent_body(route)
    assert body["model"] == "qwen3-8b"
    assert body["max_tokens"] == 8192
    assert "max_completion_tokens" not in body
    assert route.calls[0].request.headers["authorization"] == "Bearer sk-no-key-required"
    assert client.provider == "openai-compatible"
    assert ledger.records[0].provider == "openai-compatible"


def test_tool_call_deltas_are_assembled_by_index(respx_mock: respx.MockRouter, client: OpenAIModelClient) -> None:
    respx_mock.post(URL).mock(return_value=sse("openai_tool_calls.sse"))
    response = client.complete(REQUEST)
    assert response.message.content == "Checking both sources."
    assert response.message.tool_calls == (
        ToolCall(id="call_Fq3xR1", name="grep", arguments={"pattern": "OOMKilled", "path": "outputs"}),
        ToolCall(id="call_Hk9yT2", name="shell", arguments={"command": "changes list --since 2h"}),
    )
    assert response.stop_reason == "tool_use"
    assert response.model == "gpt-4.1-2025-04-14"


def test_usage_maps_prompt_cached_and_completion_tokens(
    respx_mock: respx.MockRouter, client: OpenAIModelClient
) -> None:
    respx_mock.post(URL).mock(return_value=sse("openai_tool_calls.sse"))
    usage = client.complete(REQUEST).usage
    assert usage.input_tokens == 5120
    assert usage.cached_input_tokens == 4096
    assert usage.cache_write_tokens == 0
    assert usage.output_tokens == 61


def test_malformed_arguments_become_a_parse_error(respx_mock: respx.MockRouter, client: OpenAIModelClient) -> None:
    respx_mock.post(URL).mock(return_value=sse("openai_malformed_arguments.sse"))
    response = client.complete(REQUEST)
    (call,) = response.message.tool_calls
    assert call.id == "call_Bad1"
    assert call.arguments == {}
    assert call.parse_error is not None
    assert "invalid JSON" in call.parse_error
    assert response.stop_reason == "max_tokens"


def test_text_answer_ends_the_turn(respx_mock: respx.MockRouter, client: OpenAIModelClient) -> None:
    respx_mock.post(URL).mock(return_value=sse("openai_text.sse"))
    response = client.complete(REQUEST)
    assert response.message.content == "Root cause: the 09:10 deploy."
    assert response.stop_reason == "end_turn"
    assert response.usage.cached_input_tokens == 0


def test_429_waits_as_long_as_retry_after_ms_says(
    respx_mock: respx.MockRouter, client: OpenAIModelClient, slept: list[float], ledger: InMemoryLedger
) -> None:
    limited = error(429, "rate_limit_exceeded", "Rate limit reached", {"retry-after-ms": "2500", "retry-after": "3"})
    respx_mock.post(URL).mock(side_effect=[limited, sse("openai_text.sse")])
    client.complete(REQUEST)
    assert slept == [2.5]
    assert [(r.attempt, r.outcome, r.status_code, r.error_class) for r in ledger.records] == [
        (1, "error", 429, "http_429"),
        (2, "ok", None, None),
    ]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_then_succeed(
    respx_mock: respx.MockRouter, client: OpenAIModelClient, slept: list[float], status: int
) -> None:
    route = respx_mock.post(URL).mock(side_effect=[error(status, None, "server error"), sse("openai_text.sse")])
    assert client.complete(REQUEST).stop_reason == "end_turn"
    assert route.call_count == 2
    assert len(slept) == 1
    assert 0.0 <= slept[0] <= 1.0


@pytest.mark.parametrize("status", [400, 401, 404])
def test_client_errors_are_never_retried(
    respx_mock: respx.MockRouter, client: OpenAIModelClient, ledger: InMemoryLedger, slept: list[float], status: int
) -> None:
    route = respx_mock.post(URL).mock(return_value=error(status, "invalid_api_key", "nope"))
    with pytest.raises(ModelError) as caught:
        client.complete(REQUEST)
    assert caught.value.retryable is False
    assert caught.value.status == status
    assert route.call_count == 1
    assert slept == []
    assert [(r.outcome, r.status_code) for r in ledger.records] == [("error", status)]


def test_context_length_exceeded_raises_context_too_long(
    respx_mock: respx.MockRouter, client: OpenAIModelClient
) -> None:
    message = (
        "This model's maximum context length is 1047576 tokens. However, your messages resulted in 1200000 tokens."
    )
    respx_mock.post(URL).mock(return_value=error(400, "context_length_exceeded", message))
    with pytest.raises(ContextTooLongError, match="maximum context length"):
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
    client: OpenAIModelClient,
    ledger: InMemoryLedger,
    failure: Exception,
    error_class: str,
) -> None:
    respx_mock.post(URL).mock(side_effect=[failure, sse("openai_text.sse")])
    assert client.complete(REQUEST).stop_reason == "end_turn"
    assert ledger.records[0].error_class == error_class


def test_a_stream_that_breaks_mid_response_is_retried(
    respx_mock: respx.MockRouter, client: OpenAIModelClient, ledger: InMemoryLedger
) -> None:
    head = (FIXTURES / "openai_tool_calls.sse").read_bytes()[:1200]
    broken = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=BrokenStream(head))
    respx_mock.post(URL).mock(side_effect=[broken, sse("openai_text.sse")])
    assert client.complete(REQUEST).message.content == "Root cause: the 09:10 deploy."
    assert [(r.outcome, r.error_class) for r in ledger.records] == [("error", "stream_broken"), ("ok", None)]


def test_a_stream_without_finish_reason_is_retried(
    respx_mock: respx.MockRouter, client: OpenAIModelClient, ledger: InMemoryLedger
) -> None:
    chunks = (FIXTURES / "openai_text.sse").read_text().split("\n\n")
    cut = httpx.Response(200, headers={"content-type": "text/event-stream"}, text="\n\n".join(chunks[:3]) + "\n\n")
    respx_mock.post(URL).mock(side_effect=[cut, sse("openai_text.sse")])
    client.complete(REQUEST)
    assert ledger.records[0].error_class == "stream_broken"


def test_ledger_rows_never_hold_the_key(
    respx_mock: respx.MockRouter, client: OpenAIModelClient, ledger: InMemoryLedger
) -> None:
    route = respx_mock.post(URL).mock(side_effect=[error(503, None, "busy"), sse("openai_text.sse")])
    client.complete(REQUEST)
    assert route.calls[0].request.headers["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in "".join(r.model_dump_json() for r in ledger.records)
    assert {(r.provider, r.model, r.investigation_id) for r in ledger.records} == {("openai", "gpt-4.1", "inv-7")}


class FakeCredential:
    """A TokenCredential that hands out a fixed token and remembers the scopes it was asked for."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("entra-token-SECRET-0003", 4_102_444_800)


AZURE_URL = "https://contoso-aoai.openai.azure.com/openai/deployments/sre-gpt/chat/completions"


def test_azure_sends_to_the_deployment_with_api_version_and_a_bearer_token(
    respx_mock: respx.MockRouter, http_client: httpx2.Client, ledger: InMemoryLedger
) -> None:
    credential = FakeCredential()
    client = OpenAIModelClient.azure(
        "https://contoso-aoai.openai.azure.com",
        "sre-gpt",
        api_version="2024-10-21",
        credential=credential,
        ledger=ledger,
        http_client=http_client,
    )
    route = respx_mock.post(AZURE_URL, params={"api-version": "2024-10-21"}).mock(return_value=sse("openai_text.sse"))
    client.complete(REQUEST)
    sent = route.calls[0].request
    assert sent.headers["authorization"] == "Bearer entra-token-SECRET-0003"
    assert credential.scopes[0] == (AZURE_COGNITIVE_SERVICES_SCOPE,)
    assert sent_body(route)["model"] == "sre-gpt"
    assert "prompt_cache_key" not in sent_body(route)
    assert (client.provider, client.model) == ("azure-openai", "sre-gpt")
    assert "entra-token-SECRET-0003" not in "".join(r.model_dump_json() for r in ledger.records)


def test_azure_with_a_key_sends_the_api_key_header(respx_mock: respx.MockRouter, http_client: httpx2.Client) -> None:
    client = OpenAIModelClient.azure(
        "https://contoso-aoai.openai.azure.com",
        "sre-gpt",
        api_version="2024-10-21",
        api_key="azure-key-SECRET-0004",
        http_client=http_client,
    )
    route = respx_mock.post(AZURE_URL, params={"api-version": "2024-10-21"}).mock(return_value=sse("openai_text.sse"))
    client.complete(REQUEST)
    assert route.calls[0].request.headers["api-key"] == "azure-key-SECRET-0004"


def test_temperature_is_sent_when_set(respx_mock: respx.MockRouter, client: OpenAIModelClient) -> None:
    route = respx_mock.post(URL).mock(return_value=sse("openai_text.sse"))
    client.complete(REQUEST.model_copy(update={"temperature": 0.2}))
    assert sent_body(route)["temperature"] == 0.2


def test_openai_without_any_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIModelClient("gpt-4.1")


def test_azure_refuses_a_key_and_a_credential_together() -> None:
    with pytest.raises(ConfigError, match="not both"):
        OpenAIModelClient.azure(
            "https://contoso-aoai.openai.azure.com",
            "sre-gpt",
            api_version="2024-10-21",
            api_key="azure-key",
            credential=FakeCredential(),
        )
