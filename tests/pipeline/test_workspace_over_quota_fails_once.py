"""A workspace grown past its quota cannot be checkpointed: the investigation fails at once, saying why,
instead of being redelivered (each redelivery would repeat the step's model call)."""

from __future__ import annotations

import json
from pathlib import Path

from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline.state import Stage
from tests.pipeline.pipeline_harness import CONCLUSION, ConversationModel, ask, drain, quick_runner


def test_a_workspace_over_its_quota_fails_the_investigation_on_the_first_delivery(tmp_path: Path) -> None:
    conclusion = json.dumps({**CONCLUSION, "evidence": [], "hypotheses": []})
    model = ConversationModel(turns=[
        ("shell", {"command": "head -c 3000000 /dev/zero > notes/blob.bin"}),
        ("write", {"path": "report/conclusion.json", "content": conclusion}),
        "Done.",
    ])  # fmt: skip
    runner = quick_runner(tmp_path, model=model, workspace_quota_bytes=2_000_000, stage_max_delivery_count=5)
    investigation_id = ask(runner)
    drain(runner)
    state = load_state(runner.context.deps, investigation_id).state  # type: ignore[union-attr]
    assert state.stage is Stage.FAILED
    assert "WorkspaceQuotaError" in (state.failure or "")
    assert model.calls.count("parent:0") == 1
