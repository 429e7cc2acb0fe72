"""OpenAIModelClient: Chat Completions, streamed, for OpenAI, Azure OpenAI and OpenAI-compatible servers.

The SDK's own retries are off; `agentcore.models._retry` owns them. OpenAI caches prompt prefixes by
itself; `prompt_cache_key` (from `ModelRequest.cache_key`) only routes requests of one session to the
same cache, and is sent only where the server is known to accept it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai
from azure.core.credentials import TokenCredential
from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai.types.chat import ChatCompletionChunk

from agentcore.errors import ConfigError
from agentcore.models import Message, ModelRequest, ModelResponse, StopReason, ToolCall, Usage
from agentcore.models._retry import (
    CONNECTION_ERROR,
    DEFAULT_RETRY_POLICY,
    TIMEOUT,
    AttemptFailure,
    IncompleteStreamError,
    RetryPolicy,
    call_with_retries,
    guard_stream,
    http_error_class,
    is_retryable_status,
    stream_error_class,
    transport_failure,
)
from agentcore.telemetry.ledger import ModelCallLedger

AZURE_COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
NO_KEY = "sk-no-key-required"
"""Sent to OpenAI-compatible servers that need no key; the SDK refuses to run without one."""

_STOP_REASONS: dict[str, StopReason] = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "refusal",
}
_CONTEXT_TOO_LONG_HINTS = ("maximum context length", "context_length_exceeded", "exceeds the available context size")


class OpenAIModelClient:
    """One model through the Chat Completions API of OpenAI or a server that speaks it."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        ledger: ModelCallLedger | None = None,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        timeout_s: float = 600,
        sleep: Callable[[float], None] = time.sleep,
        http_client: httpx2.Client | None = None,
        prompt_cache_key_supported: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if api_key is None and base_url is not None:
            api_key = NO_KEY  # llama.cpp and vLLM accept any key unless started with one
        try:
            sdk = openai.OpenAI(
                api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s, http_client=http_client
            )
        except openai.OpenAIError as e:
            raise ConfigError("OpenAI needs an API key: set OPENAI_API_KEY") from e
        self._configure(
            sdk,
            model,
            provider="openai" if base_url is None else "openai-compatible",
            # Servers such as llama.cpp long ignored `max_completion_tokens`; OpenAI deprecated `max_tokens`.
            max_tokens_field="max_completion_tokens" if base_url is None else "max_tokens",
            prompt_cache_key_supported=prompt_cache_key_supported,
            ledger=ledger,
            retry=retry,
            sleep=sleep,
            clock=clock,
        )

    @classmethod
    def azure(
        cls,
        endpoint: str,
        deployment: str,
        *,
        api_version: str,
        api_key: str | None = None,
        credential: TokenCredential | None = None,
        ledger: ModelCallLedger | None = None,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        timeout_s: float = 600,
        sleep: Callable[[float], None] = time.sleep,
        http_client: httpx2.Client | None = None,
        prompt_cache_key_supported: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> OpenAIModelClient:
        """An Azure OpenAI deployment; Entra ID tokens (DefaultAzureCredential unless given) when no key."""
        if api_key is not None and credential is not None:
            raise ConfigError("Azure OpenAI takes an API key or a credential, not both")
        common: dict[str, Any] = {
            "azure_endpoint": endpoint,
            "azure_deployment": deployment,
            "api_version": api_version,
            "max_retries": 0,
            "timeout": timeout_s,
            "http_client": http_client,
        }
        if api_key is not None:
            sdk = openai.AzureOpenAI(api_key=api_key, **common)
        else:
            token_provider = get_bearer_token_provider(
                credential or DefaultAzureCredential(), AZURE_COGNITIVE_SERVICES_SCOPE
            )
            sdk = openai.AzureOpenAI(azure_ad_token_provider=token_provider, **common)
        client = cls.__new__(cls)
        client._configure(
            sdk,
            deployment,
            provider="azure-openai",
            max_tokens_field="max_completion_tokens",
            prompt_cache_key_supported=prompt_cache_key_supported,
            ledger=ledger,
            retry=retry,
            sleep=sleep,
            clock=clock,
        )
        return client

    def _configure(
        self,
        sdk: openai.OpenAI,
        model: str,
        *,
        provider: str,
        max_tokens_field: str,
        prompt_cache_key_supported: bool,
        ledger: ModelCallLedger | None,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self._sdk = sdk
        self._model = model
        self._provider = provider
        self._max_tokens_field = max_tokens_field
        self._prompt_cache_key_supported = prompt_cache_key_supported
        self._ledger = ledger
        self._retry = retry
        self._sleep = sleep
        self._clock = clock

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def model(self) -> str:
        return self._model

    def complete(self, request: ModelRequest) -> ModelResponse:
        params = build_chat_params(
            self._model,
            request,
            max_tokens_field=self._max_tokens_field,
            prompt_cache_key_supported=self._prompt_cache_key_supported,
        )
        return call_with_retries(
            lambda: self._stream_once(params),
            request=request,
            provider=self._provider,
            model=self._model,
            classify=classify_openai_error,
            policy=self._retry,
            ledger=self._ledger,
            sleep=self._sleep,
            clock=self._clock,
        )

    def _stream_once(self, params: dict[str, Any]) -> ModelResponse:
        assembler = _ChunkAssembler()
        with self._sdk.chat.completions.create(**params) as stream:
            for chunk in guard_stream(stream, is_provider_error=_is_provider_error):
                assembler.feed(chunk)
        return assembler.finish(self._model)


def build_chat_params(
    model: str, request: ModelRequest, *, max_tokens_field: str, prompt_cache_key_supported: bool
) -> dict[str, Any]:
    """The Chat Completions request body, streamed with usage, deterministic for a given request."""
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": "\n\n".join(block.text for block in request.system)})
    messages += [_chat_message(message) for message in request.messages]
    params: dict[str, Any] = {
        "model": model,
        "messages": messages,
        max_tokens_field: request.max_output_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.tools:
        params["tools"] = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
            }
            for t in request.tools
        ]
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if prompt_cache_key_supported and request.cache_key:
        params["prompt_cache_key"] = request.cache_key
    return params


def _chat_message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        if not message.tool_call_id:
            raise ValueError("a tool message needs the tool_call_id of the call it answers")
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {
                        "name": call.name,
                        "arguments": json.dumps(call.arguments, ensure_ascii=False, separators=(",", ":")),
                    },
                }
                for call in message.tool_calls
            ],
        }
    return {"role": message.role, "content": message.content}


def classify_openai_error(exc: Exception) -> AttemptFailure | None:
    """OpenAI SDK exceptions (and raw transport errors) as the retry policy sees them."""
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _detail(exc)
        return AttemptFailure(
            message=f"{exc.code or exc.type or 'error'}: {detail}",
            retryable=is_retryable_status(status),
            error_class=http_error_class(status),
            status=status,
            headers=exc.response.headers,
            context_too_long=status in (400, 413) and _is_context_too_long(exc, detail),
        )
    if isinstance(exc, openai.APITimeoutError):
        return AttemptFailure(f"{exc}", retryable=True, error_class=TIMEOUT)
    if isinstance(exc, openai.APIConnectionError):
        return AttemptFailure(f"{exc}", retryable=True, error_class=CONNECTION_ERROR)
    if isinstance(exc, openai.APIError):  # an error object inside a streamed 200 response
        detail = _detail(exc)
        stated = int(exc.code) if exc.code and exc.code.isdigit() else None
        too_long = _is_context_too_long(exc, detail)
        return AttemptFailure(
            message=f"{exc.code or exc.type or 'error'}: {detail}",
            retryable=not too_long and (stated is None or is_retryable_status(stated)),
            error_class=stream_error_class(exc.type),
            status=stated,
            context_too_long=too_long,
        )
    return transport_failure(exc)


def _is_provider_error(exc: Exception) -> bool:
    """An error object the server sent inside the stream (the SDK raises it as a bare APIError)."""
    return isinstance(exc, openai.APIError) and not isinstance(exc, openai.APIConnectionError)


def _detail(exc: openai.APIError) -> str:
    """The provider's own message; the SDK's `message` repeats the whole body."""
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    return str(message) if message else exc.message


def _is_context_too_long(exc: openai.APIError, detail: str) -> bool:
    if exc.code == "context_length_exceeded" or exc.type == "exceed_context_size_error":
        return True
    return any(hint in detail.lower() for hint in _CONTEXT_TOO_LONG_HINTS)


@dataclass
class _CallPart:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def to_call(self, index: int) -> ToolCall:
        call_id = self.id or f"call_{index}"
        raw = "".join(self.arguments)
        if not raw.strip():
            return ToolCall(id=call_id, name=self.name)
        try:
            arguments = json.loads(raw)
        except json.JSONDecodeError as e:
            return ToolCall(id=call_id, name=self.name, parse_error=f"invalid JSON ({e}): {raw[:200]!r}")
        if not isinstance(arguments, dict):
            return ToolCall(id=call_id, name=self.name, parse_error=f"arguments are not a JSON object: {raw[:200]!r}")
        return ToolCall(id=call_id, name=self.name, arguments=arguments)


@dataclass
class _ChunkAssembler:
    """Builds one ModelResponse from Chat Completions chunks; tool calls are merged by their index."""

    text: list[str] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)
    calls: dict[int, _CallPart] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    model: str | None = None

    def feed(self, chunk: ChatCompletionChunk) -> None:
        self.model = chunk.model or self.model
        if chunk.usage is not None:
            details = chunk.usage.prompt_tokens_details
            self.usage = Usage(
                input_tokens=chunk.usage.prompt_tokens,
                cached_input_tokens=(details.cached_tokens or 0) if details is not None else 0,
                output_tokens=chunk.usage.completion_tokens,
            )
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta.content:
                self.text.append(delta.content)
            if delta.refusal:
                self.refusal.append(delta.refusal)
            for piece in delta.tool_calls or ():
                part = self.calls.setdefault(piece.index, _CallPart())
                part.id = part.id or (piece.id or "")
                if piece.function is not None:
                    part.name = part.name or (piece.function.name or "")
                    part.arguments.append(piece.function.arguments or "")
            self.finish_reason = choice.finish_reason or self.finish_reason

    def finish(self, fallback_model: str) -> ModelResponse:
        if self.finish_reason is None:
            raise IncompleteStreamError("the Chat Completions stream ended without a finish_reason")
        calls = tuple(self.calls[i].to_call(i) for i in sorted(self.calls))
        stop_reason = _STOP_REASONS.get(self.finish_reason, "other")
        if calls and stop_reason == "end_turn":
            stop_reason = "tool_use"  # some compatible servers finish tool calls with "stop"
        if self.refusal and not self.text:
            stop_reason = "refusal"
        return ModelResponse(
            message=Message(role="assistant", content="".join(self.text or self.refusal), tool_calls=calls),
            stop_reason=stop_reason,
            usage=self.usage,
            model=self.model or fallback_model,
        )


__all__ = ["AZURE_COGNITIVE_SERVICES_SCOPE", "OpenAIModelClient", "build_chat_params", "classify_openai_error"]
