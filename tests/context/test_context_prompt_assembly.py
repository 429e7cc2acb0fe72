"""Prompt assembly: fixed order, stable bytes. Each request extends the one before it, except at recorded events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentcore.agent.loop import run_session
from agentcore.agent.session import Session, SessionStatus
from agentcore.context import is_masked, render_request_bytes, shared_prefix_length
from agentcore.models import ModelRequest
from agentcore.redaction import unwrap_untrusted
from agentcore.testing import ScriptedModel
from tests.context.context_helpers import (
    ScriptedAgent,
    emitted_output,
    new_session,
    runtime_with_context,
    scripted_model,
)

Turn = tuple[str, dict[str, Any]] | str


def investigation_turns(count: int) -> list[Turn]:
    """A mix like a real investigation: log queries of all sizes, failures, memory and plan reads."""
    cycle: list[Turn] = []
    for i in range(count):
        kind = i % 6
        if kind in (0, 4):
            cycle.append(("emit", {"label": f"q{i}", "lines": 85 + kind}))
        elif kind == 1:
            cycle.append(("emit", {"label": f"q{i}", "lines": 400}))  # over the inline limit: spilled
        elif kind == 2:
            cycle.append(("emit", {"label": f"q{i}", "lines": 30, "failing": True}))
        elif kind == 3:
            cycle.append(("read_file", {"path": "memory/MEMORY.md"}))
        else:
            cycle.append(("read_file", {"path": "notes/plan.md"}))
    return cycle


@pytest.fixture(scope="module")
def long_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, ScriptedModel, Path]:
    workspace = tmp_path_factory.mktemp("golden")
    for folder in ("notes", "memory", "outputs"):
        (workspace / folder).mkdir()
    (workspace / "notes" / "plan.md").write_text("# Plan\n- [x] alert\n- [ ] deploys\n")
    (workspace / "memory" / "MEMORY.md").write_text("# Memory\n" + "- checkout depends on redis\n" * 120)
    model = scripted_model(ScriptedAgent([*investigation_turns(100), "Done."]))
    runtime, _ = runtime_with_context(model, workspace)
    session = new_session()
    session.budget = session.budget.model_copy(update={"step_limit": 200})
    session = run_session(session, runtime)
    assert session.status is SessionStatus.COMPLETED, session.error
    return session, model, workspace


def test_the_long_run_exercises_both_pruning_and_compaction(long_run: tuple[Session, ScriptedModel, Path]) -> None:
    session, _, _ = long_run
    kinds = {event.kind for event in session.context.events}
    assert kinds == {"prune", "compaction"}


def test_each_request_is_a_byte_prefix_of_the_next_except_at_recorded_events(
    long_run: tuple[Session, ScriptedModel, Path],
) -> None:
    session, model, _ = long_run
    events = {event.request for event in session.context.events}
    rendered = [render_request_bytes(request) for request in model.requests]
    broken = [i for i in range(1, len(rendered)) if i not in events and not rendered[i].startswith(rendered[i - 1])]
    assert broken == []


def test_at_each_recorded_event_the_prefix_really_breaks(long_run: tuple[Session, ScriptedModel, Path]) -> None:
    session, model, _ = long_run
    for event in session.context.events:
        before, after = (render_request_bytes(model.requests[i]) for i in (event.request - 1, event.request))
        assert not after.startswith(before), event


def test_everything_the_model_saw_of_a_tool_result_is_still_readable_in_full(
    long_run: tuple[Session, ScriptedModel, Path],
) -> None:
    session, model, workspace = long_run
    arguments = {c.id: c.arguments for r in model.requests for m in r.messages for c in m.tool_calls}
    checked = 0
    for request in model.requests:
        for message in request.messages:
            if message.role != "tool" or message.tool_call_id is None:
                continue
            saved = session.context.captured[message.tool_call_id]
            full = (workspace / saved.path).read_text()
            assert unwrap_untrusted(message.content) == full or saved.path in message.content
            args = arguments[message.tool_call_id]
            if "label" in args:
                assert full == emitted_output(args["label"], args["lines"], failing=args.get("failing", False))
            checked += 1
    assert checked > 1_000


def test_evicted_messages_are_in_the_compaction_file(long_run: tuple[Session, ScriptedModel, Path]) -> None:
    session, model, workspace = long_run
    compaction = next(e for e in session.context.events if e.kind == "compaction")
    evicted_file = (workspace / "outputs" / "compacted-1.md").read_text()
    fork = model.requests[compaction.request - 1]  # the summary request: the live prompt plus the ask
    for message in fork.messages[1:-1]:
        assert unwrap_untrusted(message.content) in evicted_file
    assert any(is_masked(unwrap_untrusted(m.content)) for m in fork.messages)


def test_tools_are_sorted_by_name_and_system_blocks_carry_both_breakpoints(
    long_run: tuple[Session, ScriptedModel, Path],
) -> None:
    _, model, _ = long_run
    request: ModelRequest = model.requests[0]
    assert [tool.name for tool in request.tools] == ["emit", "read_file"]
    assert [block.cache_breakpoint for block in request.system] == [True, True]
    assert request.cache_last_message is True
    assert request.cache_key == "inv1"


def test_the_static_prefix_is_identical_in_every_request(long_run: tuple[Session, ScriptedModel, Path]) -> None:
    _, model, _ = long_run
    prefixes = {(str([t.model_dump() for t in r.tools]), r.system) for r in model.requests}
    assert len(prefixes) == 1


def test_rendering_orders_tools_then_system_then_messages(tmp_path: Path) -> None:
    model = ScriptedModel([])
    runtime, keeper = runtime_with_context(model, tmp_path)
    session = new_session()
    request = keeper.prepare_request(
        session, ModelRequest(system=session.system, messages=tuple(session.messages), tools=runtime.toolbox.specs())
    )
    lines = render_request_bytes(request).decode().splitlines()
    assert lines[0].startswith('{"tools":[{"description":"Print a log excerpt."')
    assert lines[1].startswith('{"breakpoint":true,"system":"You are sre-agent."')
    assert lines[3].startswith('{"message":')


def test_shared_prefix_length_finds_where_two_requests_diverge() -> None:
    assert shared_prefix_length(b"abcdef", b"abcxyz") == 3
    assert shared_prefix_length(b"abc", b"abcdef") == 3
    assert shared_prefix_length(b"", b"abc") == 0
