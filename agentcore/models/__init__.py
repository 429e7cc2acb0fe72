"""The ModelClient port and the provider-neutral message types every adapter translates.

Adapters: `agentcore.models.anthropic.AnthropicModelClient`, `agentcore.models.openai.OpenAIModelClient`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ToolCall(_Frozen):
    """A tool call as the model asked for it."""

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    parse_error: str | None = None
    """Set when the provider's argument JSON did not parse; `arguments` is then empty."""


class ToolSpec(_Frozen):
    """A tool as the model sees it: name, description, JSON Schema of its arguments."""

    name: str
    description: str
    input_schema: dict[str, Any]


class Message(_Frozen):
    """One conversation message. Tool results are `role="tool"` messages naming their call."""

    role: Literal["user", "assistant", "tool"]
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    is_error: bool = False


class SystemBlock(_Frozen):
    """A piece of the system prompt; `cache_breakpoint` marks the end of a cacheable prefix."""

    text: str
    cache_breakpoint: bool = False


class Usage(_Frozen):
    """Token counts of one call, normalized across providers.

    `input_tokens` is the whole prompt, cached parts included; `cached_input_tokens` were read from
    the provider's cache and `cache_write_tokens` were written to it (both are part of `input_tokens`).
    """

    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )


class ModelRequest(_Frozen):
    """Everything one model call needs, in the fixed order of DESIGN §4."""

    system: tuple[SystemBlock, ...]
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...] = ()
    max_output_tokens: int = 8192
    temperature: float | None = None
    cache_last_message: bool = True
    """Put a rolling cache breakpoint on the last message (Anthropic)."""
    cache_key: str | None = None
    """Routing hint for the provider's prompt cache (OpenAI `prompt_cache_key`)."""
    investigation_id: str | None = None
    """For the model-call ledger only; never sent to the provider."""


StopReason = Literal["end_turn", "tool_use", "max_tokens", "refusal", "other"]


class ModelResponse(_Frozen):
    """The assistant's message and what the call cost."""

    message: Message
    stop_reason: StopReason
    usage: Usage
    model: str


@runtime_checkable
class ModelClient(Protocol):
    """One model behind one provider. `complete` owns transport retries; it raises ModelError."""

    @property
    def provider(self) -> str: ...

    @property
    def model(self) -> str: ...

    def complete(self, request: ModelRequest) -> ModelResponse: ...


def stable_prefix_hash(request: ModelRequest) -> str:
    """Hash of tool definitions plus the system prompt: the part that must stay byte-stable."""
    payload = {
        "tools": [t.model_dump() for t in request.tools],
        "system": [b.model_dump() for b in request.system],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


__all__ = [
    "Message",
    "ModelClient",
    "ModelRequest",
    "ModelResponse",
    "StopReason",
    "SystemBlock",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "stable_prefix_hash",
]
