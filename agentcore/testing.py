"""Test doubles that ship with the library: a scripted model and a fake clock.

They are for tests and documentation. No product path selects them.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from typing import Any

from agentcore.errors import ModelError
from agentcore.models import Message, ModelRequest, ModelResponse, StopReason, ToolCall, Usage

ScriptStep = ModelResponse | ModelError | Callable[[ModelRequest], ModelResponse]


def reply(text: str, *, input_tokens: int = 100, output_tokens: int = 20) -> ModelResponse:
    """A final assistant answer with no tool calls."""
    return ModelResponse(
        message=Message(role="assistant", content=text),
        stop_reason="end_turn",
        usage=Usage(input_tokens=input_tokens, output_tokens=output_tokens),
        model="scripted",
    )


_call_ids = itertools.count(1)


def call(
    name: str,
    arguments: dict[str, Any] | None = None,
    /,
    *,
    text: str = "",
    input_tokens: int = 100,
    output_tokens: int = 20,
) -> ModelResponse:
    """An assistant turn that calls one tool."""
    return calls([(name, arguments or {})], text=text, input_tokens=input_tokens, output_tokens=output_tokens)


def calls(
    invocations: Iterable[tuple[str, dict[str, Any]]],
    *,
    text: str = "",
    input_tokens: int = 100,
    output_tokens: int = 20,
    stop_reason: StopReason = "tool_use",
) -> ModelResponse:
    """An assistant turn that calls several tools at once."""
    tool_calls = tuple(ToolCall(id=f"call_{next(_call_ids)}", name=name, arguments=args) for name, args in invocations)
    return ModelResponse(
        message=Message(role="assistant", content=text, tool_calls=tool_calls),
        stop_reason=stop_reason,
        usage=Usage(input_tokens=input_tokens, output_tokens=output_tokens),
        model="scripted",
    )


class ScriptedModel:
    """A ModelClient that answers from a script, in order, and records every request it saw.

    A step may be a response, a ModelError to raise, or a function of the request (for answers that
    depend on what the agent saw). Running past the end of the script raises AssertionError.
    """

    provider = "scripted"

    def __init__(self, script: Iterable[ScriptStep], *, model: str = "scripted") -> None:
        self._script = list(script)
        self._position = 0
        self._lock = threading.Lock()
        self.model = model
        self.requests: list[ModelRequest] = []

    @property
    def remaining(self) -> int:
        return len(self._script) - self._position

    def complete(self, request: ModelRequest) -> ModelResponse:
        with self._lock:
            if self._position >= len(self._script):
                raise AssertionError(f"ScriptedModel ran out of script after {self._position} calls")
            step = self._script[self._position]
            self._position += 1
            self.requests.append(request)
        if isinstance(step, ModelError):
            raise step
        if isinstance(step, ModelResponse):
            return step
        return step(request)


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
