"""Pruning: past half the window, old tool results are masked in one batch, each to a line naming its file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentcore.agent.loop import run_session
from agentcore.agent.session import Session, SessionStatus
from agentcore.context import ContextConfig, is_masked, masked_placeholder
from agentcore.redaction import unwrap_untrusted
from agentcore.testing import ScriptedModel
from agentcore.tools.read_file import ReadFileTool
from tests.context.context_helpers import (
    FilesOnlySandbox,
    ScriptedAgent,
    emitted_output,
    new_session,
    runtime_with_context,
    scripted_model,
    small_config,
)

Turn = tuple[str, dict[str, Any]] | str


def emits(count: int, lines: int = 85, start: int = 0) -> list[Turn]:
    """`count` emit calls of about 5.3k characters each (under the 6k inline limit)."""
    return [("emit", {"label": f"q{i}", "lines": lines}) for i in range(start, start + count)]


def run(workspace: Path, turns: list[Turn], config: ContextConfig | None = None) -> tuple[Session, ScriptedModel]:
    model = scripted_model(ScriptedAgent([*turns, "Done."]))
    runtime, _ = runtime_with_context(model, workspace, config or small_config())
    session = run_session(new_session(), runtime)
    assert session.status is SessionStatus.COMPLETED, session.error
    return session, model


def tool_contents(session: Session) -> list[str]:
    return [m.content for m in session.messages if m.role == "tool"]


def test_nothing_is_masked_below_half_the_window(workspace: Path) -> None:
    session, _ = run(workspace, emits(6))
    assert not any(is_masked(content) for content in tool_contents(session))
    assert session.context.events == []


def test_past_half_the_window_all_old_results_are_masked_in_one_batch(workspace: Path) -> None:
    session, model = run(workspace, emits(16))
    [event] = session.context.events
    assert event.kind == "prune"
    request = model.requests[event.request]
    shown = [unwrap_untrusted(m.content) for m in request.messages if m.role == "tool"]
    assert all(is_masked(content) for content in shown[:-4])
    assert not any(is_masked(content) for content in shown[-4:])


def test_masking_waits_until_enough_tokens_can_be_masked(workspace: Path) -> None:
    session, _ = run(workspace, emits(16), small_config(prune_min_maskable_tokens=1_000_000))
    assert not any(is_masked(content) for content in tool_contents(session))


def test_a_masked_result_is_one_line_naming_the_file_that_still_holds_it(workspace: Path) -> None:
    session, _ = run(workspace, emits(16))
    first = next(m for m in session.messages if m.role == "tool")
    saved = session.context.captured[first.tool_call_id or ""]
    assert first.content == masked_placeholder(saved.chars, saved.path)
    assert first.content == f"[output masked: {saved.chars} chars, saved at {saved.path}; read it again if needed]"
    assert (workspace / saved.path).read_text() == emitted_output("q0", 85)


def test_a_masked_result_can_be_read_again_with_read_file(workspace: Path) -> None:
    session, _ = run(workspace, emits(16))
    first = next(m for m in session.messages if m.role == "tool")
    path = session.context.captured[first.tool_call_id or ""].path
    page = ReadFileTool(FilesOnlySandbox(workspace)).run({"path": path, "limit": 2000}).content
    assert "q0 request 84 served" in page


def test_reads_of_the_plan_memory_and_skills_are_never_masked(workspace: Path) -> None:
    (workspace / "notes" / "plan.md").write_text("# Plan\n- [ ] check deploys\n")
    (workspace / "memory" / "checkout.md").write_text("checkout talks to redis\n")
    (workspace / "skills" / "kusto.md").write_text("use summarize first\n")
    reads: list[Turn] = [
        ("read_file", {"path": "notes/plan.md"}),
        ("read_file", {"path": "./memory/checkout.md"}),
        ("read_file", {"path": "/workspace/skills/kusto.md"}),
    ]
    session, _ = run(workspace, [*reads, *emits(16)])
    first_three = tool_contents(session)[:3]
    assert not any(is_masked(content) for content in first_three)
    assert "check deploys" in first_three[0]


def test_user_and_assistant_text_is_never_masked(workspace: Path) -> None:
    session, _ = run(workspace, emits(16))
    assert session.messages[0].content.startswith("Checkout returns 500s")
    assert all(not is_masked(m.content) for m in session.messages if m.role != "tool")


def test_a_placeholder_stays_byte_identical_in_every_later_request(workspace: Path) -> None:
    session, model = run(workspace, emits(20))
    event = session.context.events[0]
    first_id = next(m.tool_call_id for m in session.messages if m.role == "tool")
    seen = {
        m.content for request in model.requests[event.request :] for m in request.messages if m.tool_call_id == first_id
    }
    assert len(seen) == 1
