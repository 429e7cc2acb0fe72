"""Compaction: a cache-hitting summary fork replaces the history; the evicted span, plan and skills survive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentcore.agent.loop import run_session
from agentcore.agent.prompts import render_prompt
from agentcore.agent.session import Session, SessionStatus
from agentcore.context import ContextConfig, render_request_bytes
from agentcore.errors import ContextTooLongError, ModelError
from agentcore.models import Message
from agentcore.redaction import unwrap_untrusted
from agentcore.testing import ScriptedModel, ScriptStep, call, reply
from tests.context.context_helpers import (
    COMPACTION_MARKER,
    ScriptedAgent,
    emitted_output,
    new_session,
    runtime_with_context,
    scripted_model,
    small_config,
)

Turn = tuple[str, dict[str, Any]] | str
SUMMARY = "## Goal\nFind the 500s.\n## Timeline\n- queried logs\n## Next steps\n- read Cart.Total"


def no_pruning(**overrides: Any) -> ContextConfig:
    return small_config(prune_min_maskable_tokens=10_000_000, **overrides)


def emits(count: int, start: int = 0) -> list[Turn]:
    return [("emit", {"label": f"q{i}", "lines": 85}) for i in range(start, start + count)]


def run(
    workspace: Path,
    turns: list[Turn],
    summaries: list[str | Exception] | None = None,
    config: ContextConfig | None = None,
    session: Session | None = None,
) -> tuple[Session, ScriptedModel]:
    model = scripted_model(ScriptedAgent(turns, summaries if summaries is not None else [SUMMARY]))
    runtime, _ = runtime_with_context(model, workspace, config or no_pruning())
    return run_session(session or new_session(), runtime), model


def compaction_indexes(model: ScriptedModel) -> list[int]:
    return [i for i, r in enumerate(model.requests) if r.messages[-1].content.startswith(COMPACTION_MARKER)]


def test_past_the_threshold_the_history_is_replaced_by_the_task_and_a_summary(workspace: Path) -> None:
    session, model = run(workspace, [*emits(24), "Done."])
    assert session.status is SessionStatus.COMPLETED
    assert [e.kind for e in session.context.events] == ["compaction"]
    after = model.requests[session.context.events[0].request]
    assert after.messages[0] == new_session().messages[0]
    assert after.messages[1].role == "user"
    assert SUMMARY in after.messages[1].content
    assert len(after.messages) == 2


def test_the_summary_request_is_the_live_prompt_plus_one_user_message(workspace: Path) -> None:
    _, model = run(workspace, [*emits(24), "Done."])
    [index] = compaction_indexes(model)
    fork, previous = model.requests[index], model.requests[index - 1]
    assert render_request_bytes(fork).startswith(render_request_bytes(previous))
    assert fork.tools == previous.tools
    assert fork.system == previous.system
    assert fork.messages[-1].content == render_prompt("compaction", summary_tokens="3000")


def test_the_compaction_template_asks_for_the_fixed_sections() -> None:
    text = render_prompt("compaction", summary_tokens="3000")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Goal",
        "## Timeline",
        "## Hypotheses",
        "## Changes made to systems",
        "## State",
        "## Next steps",
        "## Files",
    ]
    assert "about 3000 tokens" in text


def test_the_evicted_messages_are_kept_in_full_in_a_file(workspace: Path) -> None:
    session, _ = run(workspace, [*emits(24), "Done."])
    evicted = (workspace / "outputs" / "compacted-1.md").read_text()
    assert '`emit` {"label": "q0", "lines": 85}' in evicted
    assert emitted_output("q0", 85) in evicted
    assert "outputs/compacted-1.md" in session.messages[1].content


def test_the_plan_is_reinjected_with_an_instruction_to_reread_it(workspace: Path) -> None:
    (workspace / "notes" / "plan.md").write_text("# Plan\n- [x] logs\n- [ ] deploys\n")
    session, _ = run(workspace, [*emits(24), "Done."])
    resumed = session.messages[1].content
    assert "# Plan\n- [x] logs\n- [ ] deploys" in resumed
    assert "Re-read notes/plan.md with read_file before you continue" in resumed


def test_without_a_plan_the_reinjected_message_asks_for_one(workspace: Path) -> None:
    session, _ = run(workspace, [*emits(24), "Done."])
    assert "notes/plan.md does not exist yet: write it" in session.messages[1].content


def test_the_two_most_recently_read_skills_are_reinjected(workspace: Path) -> None:
    for name in ("alpha", "beta", "gamma"):
        (workspace / "skills" / f"{name}.md").write_text(f"how to {name}\n")
    reads: list[Turn] = [("read_file", {"path": f"skills/{name}.md"}) for name in ("alpha", "beta", "gamma")]
    session, _ = run(workspace, [*reads, *emits(24), "Done."])
    resumed = session.messages[1].content
    assert "## Skill you used recently: skills/gamma.md\nhow to gamma" in resumed
    assert "## Skill you used recently: skills/beta.md\nhow to beta" in resumed
    assert "skills/alpha.md" not in resumed


def test_a_compaction_request_compacts_before_the_next_call_and_is_then_cleared(workspace: Path) -> None:
    session = new_session()
    session.messages.append(Message(role="assistant", content="Looking."))
    session.context.compaction_requested = True
    session, model = run(workspace, ["Done."], session=session)
    assert [e.kind for e in session.context.events] == ["compaction"]
    assert compaction_indexes(model) == [0]
    assert session.context.compaction_requested is False
    assert session.final_answer == "Done."


def test_a_failed_requested_compaction_stays_requested_for_the_next_call(workspace: Path) -> None:
    session = new_session()
    session.messages.append(Message(role="assistant", content="Looking."))
    session.context.compaction_requested = True
    session, model = run(workspace, [("emit", {"label": "q", "lines": 3}), "Done."], ["", SUMMARY], session=session)
    assert compaction_indexes(model) == [0, 2]
    assert session.context.compactions == 1
    assert session.context.compaction_requested is False


def test_a_human_message_waiting_at_compaction_time_is_kept_verbatim(workspace: Path) -> None:
    session = new_session()
    session.messages += [
        Message(role="assistant", content="Looking."),
        Message(role="user", content="Also check the redis cache."),
    ]
    session.context.compaction_requested = True
    session, _ = run(workspace, ["Done."], session=session)
    assert session.messages[2] == Message(role="user", content="Also check the redis cache.")


def test_a_model_reply_of_slash_compact_is_a_final_answer_and_compacts_nothing(workspace: Path) -> None:
    session, model = run(workspace, [*emits(2), "/compact", "Done."])
    assert session.status is SessionStatus.COMPLETED
    assert session.final_answer == "/compact"
    assert session.context.events == []
    assert compaction_indexes(model) == []


def test_three_failed_compactions_in_a_row_stop_the_session_with_a_clear_error(workspace: Path) -> None:
    failures: list[str | Exception] = [
        ModelError("overloaded", retryable=True, status=529),
        "  ",
        ModelError("x", retryable=False),
    ]
    session, _ = run(workspace, [*emits(30), "Done."], failures)
    assert session.status is SessionStatus.FAILED
    assert session.error is not None
    assert session.error.startswith("context compaction failed 3 times in a row")
    assert "the summary call failed: x" in session.error


def test_a_successful_compaction_resets_the_failure_count(workspace: Path) -> None:
    session, _ = run(workspace, [*emits(26), "Done."], [ModelError("overloaded", retryable=True), "", SUMMARY])
    assert session.status is SessionStatus.COMPLETED
    assert session.context.compaction_failures == 0
    assert session.context.compactions == 1


def test_a_prompt_refused_as_too_long_is_retried_once_with_trailing_results_spilled(workspace: Path) -> None:
    too_long = ContextTooLongError("prompt is too long: 210000 tokens > 200000 maximum")
    model = ScriptedModel([call("emit", {"label": "big", "lines": 85}), too_long, reply("Done.")])
    runtime, _ = runtime_with_context(model, workspace, no_pruning())
    session = run_session(new_session(), runtime)
    assert session.status is SessionStatus.COMPLETED
    assert [e.kind for e in session.context.events] == ["spill_retry"]
    retried = unwrap_untrusted(model.requests[2].messages[-1].content)
    assert retried.startswith("[output saved in full to outputs/0001-")


def test_when_spilling_is_not_enough_the_session_is_compacted_and_retried(workspace: Path) -> None:
    too_long = ContextTooLongError("prompt is too long")
    script: list[ScriptStep] = [call("emit", {"label": "big", "lines": 85}), too_long, too_long, reply(SUMMARY)]
    script.append(reply("Done."))
    model = ScriptedModel(script)
    runtime, _ = runtime_with_context(model, workspace, no_pruning())
    session = run_session(new_session(), runtime)
    assert session.status is SessionStatus.COMPLETED
    assert [e.kind for e in session.context.events] == ["spill_retry", "compaction"]


def test_a_prompt_still_refused_after_compaction_fails_the_session(workspace: Path) -> None:
    too_long = ContextTooLongError("prompt is too long")
    script: list[ScriptStep] = [call("emit", {"label": "big", "lines": 85}), too_long, too_long, reply(SUMMARY)]
    script.append(too_long)
    runtime, _ = runtime_with_context(ScriptedModel(script), workspace, no_pruning())
    session = run_session(new_session(), runtime)
    assert session.status is SessionStatus.FAILED
    assert session.error is not None
    assert "ContextTooLongError" in session.error
