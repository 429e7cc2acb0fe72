"""Context state is plain session data: a run resumed from JSON sends the same bytes as one that never stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentcore.agent.loop import run_session
from agentcore.agent.session import Session, SessionStatus
from agentcore.context import render_request_bytes
from tests.context.context_helpers import ScriptedAgent, new_session, runtime_with_context, scripted_model

Turn = tuple[str, dict[str, Any]] | str
HALFWAY = 25


def turns() -> list[Turn]:
    emits: list[Turn] = [("emit", {"label": f"q{i}", "lines": 85 if i % 3 else 300}) for i in range(40)]
    return [*emits, "Done."]


def test_a_session_resumed_from_json_sends_the_same_requests_as_an_uninterrupted_one(tmp_path: Path) -> None:
    straight_model = scripted_model(ScriptedAgent(turns()))
    runtime, _ = runtime_with_context(straight_model, tmp_path / "a")
    straight = run_session(new_session(), runtime, max_steps=HALFWAY)
    straight.context.compaction_requested = True
    run_session(straight, runtime)

    agent = ScriptedAgent(turns())
    first_model = scripted_model(agent)
    runtime, _ = runtime_with_context(first_model, tmp_path / "b")
    halfway = run_session(new_session(), runtime, max_steps=HALFWAY)
    halfway.context.compaction_requested = True  # asked for while stored: the request travels in the JSON
    resumed_model = scripted_model(agent)
    runtime, _ = runtime_with_context(resumed_model, tmp_path / "b")
    resumed = run_session(Session.from_json(halfway.to_json()), runtime)

    assert straight.status is resumed.status is SessionStatus.COMPLETED
    assert {e.kind for e in straight.context.events} == {"prune", "compaction"}
    assert resumed.context.events == straight.context.events
    sent = [render_request_bytes(r) for r in [*first_model.requests, *resumed_model.requests]]
    assert sent == [render_request_bytes(r) for r in straight_model.requests]
