"""Shared pieces of the context tests: a files-only sandbox, a tool with sized outputs, a scripted agent
whose usage reports realistic token counts, and a small-window configuration."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agentcore.agent.loop import AgentRuntime
from agentcore.agent.session import Session
from agentcore.context import ContextConfig, ContextKeeper, render_request_text
from agentcore.models import Message, ModelRequest, ModelResponse, SystemBlock, ToolCall, ToolSpec, Usage
from agentcore.sandbox import CommandResult
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.testing import FakeClock, ScriptedModel
from agentcore.tools import Toolbox, ToolResult, parse_arguments, spec_from_model
from agentcore.tools.read_file import ReadFileTool

COMPACTION_MARKER = "Your context is nearly full"
CHARS_PER_TOKEN = 4


class FilesOnlySandbox(LocalWorkspaceFiles):
    """Real confined file operations; these tests never run commands."""

    def run(self, command: str, *, timeout_s: float | None = None, cwd: str = ".") -> CommandResult:
        raise AssertionError("no command should run here")


class _EmitArgs(BaseModel):
    label: str
    lines: int = 10
    failing: bool = False


def emitted_output(label: str, lines: int, *, failing: bool = False) -> str:
    """A deterministic log-like output of `lines` lines; failing ones carry an ERROR line in the middle."""
    rows = [f"2026-03-02T14:{i % 60:02d}:00Z INFO {label} request {i} served in {i % 97} ms" for i in range(lines)]
    if failing and lines > 2:
        rows[lines // 2] = f"2026-03-02T14:00:00Z ERROR {label} NullReferenceException in Cart.Total"
    return "\n".join(rows)


class EmitTool:
    """`emit(label, lines)`: a command whose output is as long as asked (a stand-in for log queries)."""

    @property
    def spec(self) -> ToolSpec:
        return spec_from_model("emit", "Print a log excerpt.", _EmitArgs)

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        args: _EmitArgs = parse_arguments(_EmitArgs, arguments)
        content = emitted_output(args.label, args.lines, failing=args.failing)
        return ToolResult(content, is_error=args.failing, exit_code=1 if args.failing else 0)


def small_config(**overrides: Any) -> ContextConfig:
    """A 40k-token window: masking from 20k tokens, compaction from 27k (40k - 1k output - 12k)."""
    values: dict[str, Any] = {
        "window_tokens": 40_000,
        "inline_limit_chars": 6_000,
        "turn_inline_limit_chars": 10_000,
        "prune_threshold_fraction": 0.5,
        "prune_min_maskable_tokens": 4_000,
        "prune_keep_recent_results": 4,
    }
    values.update(overrides)
    return ContextConfig(**values)


def new_session(task: str = "Checkout returns 500s since 14:05. Find out why.") -> Session:
    return Session(
        id="s1",
        investigation_id="inv1",
        model="scripted:claude-sonnet-4-6",
        system=(
            SystemBlock(text="You are sre-agent.", cache_breakpoint=True),
            SystemBlock(text="# Orientation\nrepos/checkout", cache_breakpoint=True),
        ),
        messages=[Message(role="user", content=task)],
        data_nonce="0123456789abcdef",
    )


def sized_usage(request: ModelRequest) -> Usage:
    """Usage as a provider would report it: about one token per four characters of the prompt."""
    return Usage(input_tokens=len(render_request_text(request)) // CHARS_PER_TOKEN, output_tokens=50)


class ScriptedAgent:
    """Answers each request from a queue of planned turns; answers compaction requests with a summary.

    Planned turns are (tool name, arguments) pairs or final texts. `summaries` are used in order for
    compaction requests; an exception in it is raised instead.
    """

    def __init__(self, turns: Iterable[tuple[str, dict[str, Any]] | str], summaries: Iterable[str | Exception] = ()):
        self.turns: deque[tuple[str, dict[str, Any]] | str] = deque(turns)
        self.summaries: deque[str | Exception] = deque(summaries)
        self._ids = 0

    def __call__(self, request: ModelRequest) -> ModelResponse:
        last = request.messages[-1]
        if last.role == "user" and last.content.startswith(COMPACTION_MARKER):
            summary = self.summaries.popleft() if self.summaries else "## Goal\nFind the 500s."
            if isinstance(summary, Exception):
                raise summary
            return self._response(Message(role="assistant", content=summary), request, "end_turn")
        turn = self.turns.popleft()
        if isinstance(turn, str):
            return self._response(Message(role="assistant", content=turn), request, "end_turn")
        self._ids += 1
        call = ToolCall(id=f"t{self._ids}", name=turn[0], arguments=turn[1])
        return self._response(Message(role="assistant", content="", tool_calls=(call,)), request, "tool_use")

    def _response(self, message: Message, request: ModelRequest, stop: Any) -> ModelResponse:
        return ModelResponse(message=message, stop_reason=stop, usage=sized_usage(request), model="scripted")


def scripted_model(agent: Callable[[ModelRequest], ModelResponse], calls: int = 400) -> ScriptedModel:
    return ScriptedModel([agent] * calls)


def runtime_with_context(
    model: ScriptedModel, workspace: Path, config: ContextConfig | None = None, *, max_output_tokens: int = 1_000
) -> tuple[AgentRuntime, ContextKeeper]:
    sandbox = FilesOnlySandbox(workspace)
    keeper = ContextKeeper(sandbox, config=config or small_config(), max_output_tokens=max_output_tokens)
    runtime = AgentRuntime(
        model=model,
        toolbox=Toolbox([EmitTool(), ReadFileTool(sandbox)]),
        clock=FakeClock(),
        max_output_tokens=max_output_tokens,
        prepare_request=keeper.prepare_request,
        context=keeper,
        cache_key="inv1",
    )
    return runtime, keeper
