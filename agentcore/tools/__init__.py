"""The tools the model sees, and the dispatcher that turns any tool failure into an observation.

The five core tools (read_file, grep, find, shell, write) are built on the Sandbox port only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from agentcore.errors import ToolError
from agentcore.models import ToolCall, ToolSpec
from agentcore.sandbox import WORKSPACE_MOUNT


class ToolControl:
    """Base of the typed requests a tool hands to the loop instead of an observation (spawn's fan-out)."""


@dataclass(frozen=True)
class ToolResult:
    """What a tool returns to the model. `exit_code` is set by tools that run commands.

    A result with `control` is not an observation: the loop acts on the request and the model sees
    the call's real result later (the loop surfaces the request to its caller; nothing is raised).
    """

    content: str
    is_error: bool = False
    exit_code: int | None = None
    control: ToolControl | None = None


class Tool(Protocol):
    """A tool: its spec for the model, and `run`, which raises ToolError for failures the model can fix."""

    @property
    def spec(self) -> ToolSpec: ...

    def run(self, arguments: Mapping[str, Any]) -> ToolResult: ...


def spec_from_model(name: str, description: str, arguments: type[BaseModel]) -> ToolSpec:
    """A ToolSpec whose schema is generated from a pydantic model, with keys in a stable order."""
    schema = arguments.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    stable = json.loads(json.dumps(schema, sort_keys=True))
    return ToolSpec(name=name, description=description, input_schema=stable)


def parse_arguments(model: type[BaseModel], arguments: Mapping[str, Any]) -> Any:
    """Validate arguments, turning a validation failure into one readable ToolError."""
    try:
        return model.model_validate(dict(arguments))
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}" for err in e.errors()
        )
        raise ToolError(f"invalid arguments: {problems}") from e


class Toolbox:
    """The tools of one session, keyed by name; `specs` is sorted so the prompt prefix stays stable."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self._tools[tool.spec.name] = tool

    def specs(self) -> tuple[ToolSpec, ...]:
        return tuple(self._tools[name].spec for name in sorted(self._tools))

    def names(self) -> list[str]:
        return sorted(self._tools)

    def dispatch(self, call: ToolCall) -> ToolResult:
        """Run a call; every failure comes back as an error result the model can read."""
        if call.parse_error is not None:
            return ToolResult(f"error: the arguments of {call.name} are not valid JSON: {call.parse_error}", True)
        tool = self._tools.get(call.name)
        if tool is None:
            known = ", ".join(self.names())
            return ToolResult(f"error: there is no tool named {call.name!r}; the tools are: {known}", True)
        try:
            return tool.run(call.arguments)
        except ToolError as e:
            return ToolResult(f"error: {e}", is_error=True)
        except OSError as e:
            return ToolResult(f"error: {_describe_os_error(e)}", is_error=True)


def _describe_os_error(error: OSError) -> str:
    """What went wrong, and on which workspace path; a host path (any other absolute path) is never shown.

    The sandboxes name workspace paths in their errors already; this is the last guard, for any tool."""
    if error.errno is None:  # raised on purpose with a message, such as "x is a directory"
        message = str(error)
        return "the file operation failed" if any(_is_host_path(word) for word in message.split()) else message
    what = error.strerror or os.strerror(error.errno)
    names = [os.fsdecode(n) for n in (error.filename, error.filename2) if isinstance(n, (str, bytes))]
    if any(_is_host_path(name) for name in names):
        return what
    return ": ".join([what, *names])


def _is_host_path(text: str) -> bool:
    path = text.strip("'\"(),;")
    return path.startswith("/") and path != WORKSPACE_MOUNT and not path.startswith(f"{WORKSPACE_MOUNT}/")


__all__ = ["Tool", "ToolControl", "ToolResult", "Toolbox", "parse_arguments", "spec_from_model"]
