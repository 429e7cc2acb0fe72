"""AnthropicModelClient: the Anthropic Messages API, streamed, behind the ModelClient port.

The SDK's own retries are off; `agentcore.models._retry` owns them. Prompt caching follows DESIGN §4:
`cache_control` on system blocks marked as breakpoints and, when asked, on the last content block of
the last message, never more than the API's four breakpoints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx2
from anthropic.types import (
    InputJSONDelta,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStopEvent,
    RawMessageStreamEvent,
    TextBlock,
    TextDelta,
    ToolUseBlock,
)

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

MAX_CACHE_BREAKPOINTS = 4
_EPHEMERAL = {"type": "ephemeral"}
_STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "end_turn",
    "stop_sequence": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "refusal": "refusal",
}
# An `error` event arrives inside a 200 stream; its type says which HTTP status it stands for.
_STREAM_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


class AnthropicModelClient:
    """One Claude model through the Anthropic Messages API."""

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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._model = model
        self._ledger = ledger
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._sdk = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s, http_client=http_client
        )

    @property
    def provider(self) -> str:
        return "anthropic"

    @property
    def model(self) -> str:
        return self._model

    def complete(self, request: ModelRequest) -> ModelResponse:
        params = build_messages_params(self._model, request)
        return call_with_retries(
            lambda: self._stream_once(params),
            request=request,
            provider=self.provider,
            model=self._model,
            classify=classify_anthropic_error,
            policy=self._retry,
            ledger=self._ledger,
            sleep=self._sleep,
            clock=self._clock,
        )

    def _stream_once(self, params: dict[str, Any]) -> ModelResponse:
        assembler = _StreamAssembler()
        with self._sdk.messages.create(**params, stream=True) as stream:
            for event in guard_stream(stream, is_provider_error=_is_provider_error):
                assembler.feed(event)
        return assembler.finish(self._model)


def build_messages_params(model: str, request: ModelRequest) -> dict[str, Any]:
    """Keyword arguments of `messages.create` (without `stream`), deterministic for a given request."""
    messages = _messages(request.messages)
    reserve = 1 if request.cache_last_message and messages else 0
    marked = [i for i, block in enumerate(request.system) if block.cache_breakpoint]
    # Over budget, the later system breakpoints win: each one caches everything before it.
    kept = set(marked[max(0, len(marked) - (MAX_CACHE_BREAKPOINTS - reserve)) :])
    params: dict[str, Any] = {"model": model, "max_tokens": request.max_output_tokens}
    if request.system:
        params["system"] = [
            {"type": "text", "text": block.text, **({"cache_control": _EPHEMERAL} if i in kept else {})}
            for i, block in enumerate(request.system)
        ]
    if reserve:
        last_blocks: list[dict[str, Any]] = messages[-1]["content"]
        last_blocks[-1] = {**last_blocks[-1], "cache_control": _EPHEMERAL}
    params["messages"] = messages
    if request.tools:
        params["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in request.tools
        ]
    if request.temperature is not None:
        # The SDK dropped its `temperature` argument; older models still honour the field, newer ones refuse it.
        params["extra_body"] = {"temperature": request.temperature}
    return params


def _messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Provider-neutral messages as Anthropic turns; a run of tool results becomes one user turn."""
    turns: list[dict[str, Any]] = []
    previous_role: str | None = None
    for message in messages:
        if message.role == "tool":
            block = _tool_result(message)
            if previous_role == "tool":
                turns[-1]["content"].append(block)
            else:
                turns.append({"role": "user", "content": [block]})
        elif message.role == "assistant":
            blocks: list[dict[str, Any]] = [{"type": "text", "text": message.content}] if message.content else []
            blocks += [
                {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
                for call in message.tool_calls
            ]
            turns.append({"role": "assistant", "content": blocks or [{"type": "text", "text": ""}]})
        else:
            turns.append({"role": "user", "content": [{"type": "text", "text": message.content}]})
        previous_role = message.role
    return turns


def _tool_result(message: Message) -> dict[str, Any]:
    if not message.tool_call_id:
        raise ValueError("a tool message needs the tool_call_id of the call it answers")
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.content}
    if message.is_error:
        block["is_error"] = True
    return block


def classify_anthropic_error(exc: Exception) -> AttemptFailure | None:
    """Anthropic SDK exceptions (and raw transport errors from the stream) as the retry policy sees them."""
    if isinstance(exc, anthropic.APIStatusError):
        error_type, detail = _error_details(exc.body)
        status = exc.status_code
        error_class = http_error_class(status)
        if status < 400:  # an `error` event inside a streamed 200 response
            status = _STREAM_ERROR_STATUS.get(error_type or "", 500)
            error_class = stream_error_class(error_type)
        return AttemptFailure(
            message=f"{error_type or 'error'}: {detail}",
            retryable=is_retryable_status(status),
            error_class=error_class,
            status=status,
            headers=exc.response.headers,
            context_too_long=status == 400 and "prompt is too long" in detail.lower(),
        )
    if isinstance(exc, anthropic.APITimeoutError):
        return AttemptFailure(f"{exc}", retryable=True, error_class=TIMEOUT)
    if isinstance(exc, anthropic.APIConnectionError):
        return AttemptFailure(f"{exc}", retryable=True, error_class=CONNECTION_ERROR)
    return transport_failure(exc)


def _is_provider_error(exc: Exception) -> bool:
    """The SDK raises an `error` event from inside the stream as an APIStatusError."""
    return isinstance(exc, anthropic.APIStatusError)


def _error_details(body: object) -> tuple[str | None, str]:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return (str(error.get("type")) if error.get("type") else None, str(error.get("message", "")))
    return None, str(body) if body else ""


@dataclass
class _ToolPart:
    id: str
    name: str
    json_parts: list[str] = field(default_factory=list)

    def to_call(self) -> ToolCall:
        raw = "".join(self.json_parts)
        if not raw.strip():
            return ToolCall(id=self.id, name=self.name)
        try:
            arguments = json.loads(raw)
        except json.JSONDecodeError as e:
            return ToolCall(id=self.id, name=self.name, parse_error=f"invalid JSON ({e}): {raw[:200]!r}")
        if not isinstance(arguments, dict):
            return ToolCall(id=self.id, name=self.name, parse_error=f"arguments are not a JSON object: {raw[:200]!r}")
        return ToolCall(id=self.id, name=self.name, arguments=arguments)


@dataclass
class _StreamAssembler:
    """Builds one ModelResponse from the Messages API event stream."""

    parts: dict[int, list[str] | _ToolPart] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    stop_reason: str | None = None
    model: str | None = None
    stopped: bool = False

    def feed(self, event: RawMessageStreamEvent) -> None:
        if isinstance(event, RawMessageStartEvent):
            self.model = event.message.model
            self._take_usage(event.message.usage.model_dump())
        elif isinstance(event, RawContentBlockStartEvent):
            block = event.content_block
            if isinstance(block, TextBlock):
                self.parts[event.index] = [block.text]
            elif isinstance(block, ToolUseBlock):
                self.parts[event.index] = _ToolPart(id=block.id, name=block.name)
        elif isinstance(event, RawContentBlockDeltaEvent):
            part = self.parts.get(event.index)
            if isinstance(event.delta, TextDelta) and isinstance(part, list):
                part.append(event.delta.text)
            elif isinstance(event.delta, InputJSONDelta) and isinstance(part, _ToolPart):
                part.json_parts.append(event.delta.partial_json)
        elif isinstance(event, RawMessageDeltaEvent):
            self.stop_reason = event.delta.stop_reason or self.stop_reason
            self._take_usage(event.usage.model_dump())
        elif isinstance(event, RawMessageStopEvent):
            self.stopped = True

    def _take_usage(self, usage: dict[str, Any]) -> None:
        for key in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens"):
            if isinstance(usage.get(key), int):
                self.usage[key] = usage[key]

    def finish(self, fallback_model: str) -> ModelResponse:
        if not self.stopped:
            raise IncompleteStreamError("the Messages stream ended without message_stop")
        ordered = [self.parts[i] for i in sorted(self.parts)]
        text = "".join("".join(p) for p in ordered if isinstance(p, list))
        calls = tuple(p.to_call() for p in ordered if isinstance(p, _ToolPart))
        cache_read = self.usage.get("cache_read_input_tokens", 0)
        cache_write = self.usage.get("cache_creation_input_tokens", 0)
        return ModelResponse(
            message=Message(role="assistant", content=text, tool_calls=calls),
            stop_reason=_STOP_REASONS.get(self.stop_reason or "", "other"),
            usage=Usage(
                input_tokens=self.usage.get("input_tokens", 0) + cache_read + cache_write,
                cached_input_tokens=cache_read,
                cache_write_tokens=cache_write,
                output_tokens=self.usage.get("output_tokens", 0),
            ),
            model=self.model or fallback_model,
        )


__all__ = ["MAX_CACHE_BREAKPOINTS", "AnthropicModelClient", "build_messages_params", "classify_anthropic_error"]
