"""Spill: every tool result is saved to outputs/; long ones reach the model as a bounded preview."""

from __future__ import annotations

import hashlib
import re
import tracemalloc
from pathlib import Path

from agentcore.agent.loop import run_session
from agentcore.agent.session import Session
from agentcore.context import ContextConfig, ContextKeeper, render_preview
from agentcore.models import Message, ToolCall
from agentcore.tools import ToolResult
from tests.context.context_helpers import (
    FilesOnlySandbox,
    ScriptedAgent,
    emitted_output,
    new_session,
    runtime_with_context,
    scripted_model,
    small_config,
)

PREVIEW_PATH = re.compile(r"saved in full to (outputs/\d{4}-[0-9a-f]{12}\.txt)")


def capture(workspace: Path, content: str, *, exit_code: int | None = None, config: ContextConfig | None = None):  # type: ignore[no-untyped-def]
    session = new_session()
    keeper = ContextKeeper(FilesOnlySandbox(workspace), config=config or ContextConfig())
    shown = keeper.capture(session, ToolCall(id="c1", name="shell"), ToolResult(content, exit_code=exit_code))
    return session, shown


def numbered_lines(count: int) -> str:
    return "\n".join(f"line {i} ok" for i in range(1, count + 1))


def test_every_result_is_saved_under_its_sequence_number_and_content_hash(workspace: Path) -> None:
    session, _ = capture(workspace, "small output")
    saved = session.context.captured["c1"]
    digest = hashlib.sha256(b"small output").hexdigest()[:12]
    assert saved.path == f"outputs/0001-{digest}.txt"
    assert (workspace / saved.path).read_text() == "small output"


def test_a_result_within_the_inline_limit_reaches_the_model_unchanged(workspace: Path) -> None:
    limit = ContextConfig().inline_limit_chars
    _, shown = capture(workspace, "x" * limit, exit_code=0)
    assert shown.content == "x" * limit


def test_a_long_result_becomes_a_preview_naming_its_file_size_and_exit_code(workspace: Path) -> None:
    content = numbered_lines(5_000)
    session, shown = capture(workspace, content, exit_code=2)
    path = session.context.captured["c1"].path
    assert shown.content.startswith(f"[output saved in full to {path}: {len(content)} chars, 5000 lines; exit code 2.")
    assert (workspace / path).read_text() == content
    assert len(shown.content) < 16_000


def test_the_preview_shows_the_first_and_last_lines_the_config_names(workspace: Path) -> None:
    head, tail = ContextConfig().preview_head_lines, ContextConfig().preview_tail_lines
    _, shown = capture(workspace, numbered_lines(5_000))
    shown_lines = set(shown.content.splitlines())
    assert {f"line {i} ok" for i in range(1, head + 1)} <= shown_lines
    assert {f"line {i} ok" for i in range(5_001 - tail, 5_001)} <= shown_lines
    assert f"line {head + 1} ok" not in shown_lines
    assert f"line {5_000 - tail} ok" not in shown_lines


def test_the_preview_lists_error_looking_lines_from_the_middle_with_their_line_numbers(workspace: Path) -> None:
    lines = numbered_lines(5_000).splitlines()
    lines[1_999] = "Traceback (most recent call last):"
    lines[2_999] = "ERROR payment failed: timeout"
    _, shown = capture(workspace, "\n".join(lines))
    assert "2 look like errors, all of them" in shown.content
    assert "   2000: Traceback (most recent call last):" in shown.content
    assert "   3000: ERROR payment failed: timeout" in shown.content


def test_error_lines_are_capped_and_the_preview_says_how_many_there_were(workspace: Path) -> None:
    content = "\n".join(f"row {i} failed" for i in range(1, 1_001))
    config = ContextConfig(inline_limit_chars=1_000)
    head, tail, errors = config.preview_head_lines, config.preview_tail_lines, config.preview_error_lines
    _, shown = capture(workspace, content, config=config)
    assert f"{1_000 - head - tail} look like errors, the first {errors}:" in shown.content
    assert shown.content.count(" failed") == head + tail + errors


def test_the_preview_ends_with_how_to_read_the_rest(workspace: Path) -> None:
    session, shown = capture(workspace, numbered_lines(5_000))
    path = session.context.captured["c1"].path
    assert shown.content.splitlines()[-1] == (
        f'[To see more: grep with path "{path}", or read_file "{path}" with an offset '
        f"(e.g. offset {ContextConfig().preview_head_lines + 1}).]"
    )


def test_very_long_lines_are_clipped_in_the_preview(workspace: Path) -> None:
    _, shown = capture(workspace, "a" * 50_000 + "\nshort\n")
    assert "… (+49800 chars)" in shown.content
    assert len(shown.content) < 1_000


def test_a_result_that_cannot_be_saved_still_gets_a_preview_that_says_so(workspace: Path) -> None:
    (workspace / "outputs").rmdir()
    (workspace / "outputs").write_text("a file where the folder should be")
    session, shown = capture(workspace, numbered_lines(5_000))
    assert shown.content.startswith("[output could not be saved to a file:")
    assert "c1" not in session.context.captured


def test_spilling_a_huge_output_holds_at_most_one_extra_copy(workspace: Path) -> None:
    content = numbered_lines(1_500_000)  # about 18 MB
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        _, shown = capture(workspace, content)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < 1.2 * len(content)  # the encoded bytes for the file, and a few scan chunks
    assert len(shown.content) < 16_000


def test_a_turn_over_its_aggregate_limit_spills_its_largest_results_first(workspace: Path) -> None:
    agent = ScriptedAgent([], [])
    runtime, _ = runtime_with_context(scripted_model(agent), workspace, small_config())
    session = new_session()
    calls = tuple(
        ToolCall(id=f"c{i}", name="emit", arguments={"label": f"q{i}", "lines": lines})
        for i, lines in enumerate((60, 90, 30, 80), start=1)
    )  # about 3.9k, 5.9k, 1.9k and 5.2k chars: 16.9k in all, over the turn's 10k
    session.messages.append(Message(role="assistant", tool_calls=calls))
    run_session(session, runtime, max_steps=1)
    shown = {m.tool_call_id: m.content for m in session.messages if m.role == "tool"}
    assert PREVIEW_PATH.search(shown["c2"])
    assert PREVIEW_PATH.search(shown["c4"])
    assert shown["c1"] == emitted_output("q1", 60)
    assert shown["c3"] == emitted_output("q3", 30)


def test_render_preview_of_a_short_text_shows_every_line() -> None:
    text = render_preview("a\nb\nc", path="outputs/x.txt", exit_code=None, config=ContextConfig())
    assert text.splitlines()[1:5] == ["--- lines 1-3 ---", "a", "b", "c"]


def test_session_state_of_spilled_results_survives_json(workspace: Path) -> None:
    session, _ = capture(workspace, numbered_lines(5_000))
    restored = Session.from_json(session.to_json())
    assert restored.context.captured["c1"].inline is False
    assert restored.context.outputs_written == 1
