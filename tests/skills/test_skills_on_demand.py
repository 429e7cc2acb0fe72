"""Only the skills index is in the static system prompt; a body enters the conversation when it is read,
is never masked by pruning, and comes back after compaction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentcore.agent.loop import run_session
from agentcore.agent.session import Session
from agentcore.context import ContextConfig
from agentcore.context._spill import is_masked
from agentcore.models import ModelRequest
from agentcore.pipeline.agent_setup import new_parent_session
from agentcore.settings import Settings
from agentcore.skills import builtin_skills, install_skills, render_skills_index, workspace_skills_index
from agentcore.testing import ScriptedModel
from tests.context.context_helpers import (
    FilesOnlySandbox,
    ScriptedAgent,
    runtime_with_context,
    scripted_model,
    small_config,
)
from tests.skills.skills_harness import conclusion, investigate, skill_turns

Turn = tuple[str, dict[str, Any]] | str
SKILL = "skills/kql-investigation/SKILL.md"
BODY_LINE = "Aggregate before raw rows."
SUMMARY = "## Goal\nFind the 500s.\n## Next steps\n- query onset"


def emits(count: int) -> list[Turn]:
    return [("emit", {"label": f"q{i}", "lines": 85}) for i in range(count)]


def parent_session(workspace: Path) -> Session:
    install_skills(workspace, builtin_skills())
    session = new_parent_session(
        "inv1",
        model=ScriptedModel([]),
        orientation="# Orientation\nrepos/checkout",
        task="Checkout returns 500s since 14:05. Find out why.",
        settings=Settings(data_dir=workspace.parent / "data"),
        skills_index=workspace_skills_index(FilesOnlySandbox(workspace)),
    )
    return session.model_copy(update={"data_nonce": "0123456789abcdef"})


def run(workspace: Path, turns: list[Turn], config: ContextConfig) -> tuple[Session, ScriptedModel]:
    model = scripted_model(ScriptedAgent(turns, [SUMMARY]))
    runtime, _ = runtime_with_context(model, workspace, config)
    return run_session(parent_session(workspace), runtime), model


def test_the_static_system_prompt_lists_every_skill_by_name_and_description(workspace: Path) -> None:
    static = parent_session(workspace).system[0].text
    for skill in builtin_skills():
        assert f"- `{skill.name}` ({skill.path}): {skill.description}" in static


def test_no_skill_body_is_in_the_prompt_until_the_skill_is_read(workspace: Path) -> None:
    _, model = run(workspace, [("read_file", {"path": SKILL}), "Done."], small_config())
    first, second = model.requests[0], model.requests[1]
    assert all(BODY_LINE not in block.text for block in first.system)
    assert all(BODY_LINE not in message.content for message in first.messages)
    assert BODY_LINE in second.messages[-1].content


def test_the_skills_index_is_byte_stable_whatever_the_install_order(tmp_path: Path) -> None:
    forward, backward = tmp_path / "a", tmp_path / "b"
    install_skills(forward, builtin_skills())
    install_skills(backward, reversed(builtin_skills()))
    index = workspace_skills_index(FilesOnlySandbox(forward))
    assert index == workspace_skills_index(FilesOnlySandbox(backward))
    assert index == render_skills_index(builtin_skills())


def test_a_read_skill_is_never_masked_by_pruning(workspace: Path) -> None:
    session, _ = run(workspace, [("read_file", {"path": SKILL}), *emits(16), "Done."], small_config())
    assert any(event.kind == "prune" for event in session.context.events)
    skill_result = next(m for m in session.messages if m.role == "tool")
    assert not is_masked(skill_result.content)
    assert BODY_LINE in skill_result.content


def test_a_read_skill_is_reinjected_after_compaction(workspace: Path) -> None:
    no_pruning = small_config(prune_min_maskable_tokens=10_000_000)
    session, _ = run(workspace, [("read_file", {"path": SKILL}), *emits(24), "Done."], no_pruning)
    assert [event.kind for event in session.context.events] == ["compaction"]
    resumed = session.messages[1].content
    assert f"## Skill you used recently: {SKILL}\n---\nname: kql-investigation" in resumed
    assert BODY_LINE in resumed


def test_reading_a_skills_supporting_file_reinjects_its_skill_md(workspace: Path) -> None:
    install_skills(workspace, builtin_skills())
    (workspace / "skills" / "kql-investigation" / "onset.md").write_text("bin by 5m\n")
    no_pruning = small_config(prune_min_maskable_tokens=10_000_000)
    reads: list[Turn] = [("read_file", {"path": "skills/kql-investigation/onset.md"})]
    session, _ = run(workspace, [*reads, *emits(24), "Done."], no_pruning)
    assert f"## Skill you used recently: {SKILL}\n" in session.messages[1].content


def test_an_investigation_installs_the_skills_and_indexes_them_in_its_system_prompt(tmp_path: Path) -> None:
    seen: list[ModelRequest] = []

    def first_turn(request: ModelRequest) -> tuple[str, dict[str, Any]]:
        seen.append(request)
        return "write", {"path": "notes/plan.md", "content": "# Plan\n"}

    turns = skill_turns("kql-investigation", conclusion())
    investigate(tmp_path, datetime(2026, 3, 14, 9, 30, tzinfo=UTC), [first_turn, *turns[1:]])
    [request] = seen
    assert request.system[0].text.endswith(render_skills_index(builtin_skills()))
    assert BODY_LINE not in "".join(block.text for block in request.system)
