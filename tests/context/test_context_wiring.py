"""The investigation's runtime (agent_setup) runs every session through a ContextKeeper."""

from __future__ import annotations

from pathlib import Path

from agentcore.agent.loop import run_session
from agentcore.context import ContextConfig, ContextKeeper
from agentcore.pipeline.agent_setup import build_agent_runtime, new_parent_session
from agentcore.settings import Settings
from agentcore.testing import FakeClock, ScriptedModel, call, reply
from tests.context.context_helpers import FilesOnlySandbox


def test_the_parent_runtime_spills_results_and_assembles_requests(workspace: Path) -> None:
    (workspace / "notes" / "big.txt").write_text("\n".join(f"row {i}" for i in range(5_000)))
    finish = [reply("Done.")] * 3  # the conclusion check nudges twice: no report/conclusion.json here
    model = ScriptedModel([call("read_file", {"path": "notes/big.txt", "limit": 2000}), *finish])
    settings = Settings()
    session = new_parent_session("inv9", model=model, orientation="# Orientation", task="Go.", settings=settings)
    runtime = build_agent_runtime(
        session,
        model=model,
        sandbox=FilesOnlySandbox(workspace),
        settings=settings,
        clock=FakeClock(),
        estimate_cost_usd=lambda _model, _usage: 0.0,
        context_config=ContextConfig(inline_limit_chars=1_000),
    )
    assert isinstance(runtime.context, ContextKeeper)
    run_session(session, runtime)
    result = next(m for m in session.messages if m.role == "tool")
    assert result.content.startswith("[output saved in full to outputs/0001-")
    assert [tool.name for tool in model.requests[0].tools] == sorted(tool.name for tool in model.requests[0].tools)
    assert model.requests[0].cache_key == "inv9"
