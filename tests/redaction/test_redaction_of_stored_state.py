"""state.json holds the request as it was asked: its alert, question and follow-ups are redacted first."""

from __future__ import annotations

import json
from pathlib import Path

from agentcore.pipeline.api import dispatch
from agentcore.pipeline.state import RequestSpec
from agentcore.reports import Trigger
from tests.pipeline.pipeline_harness import ConversationModel, quick_runner

KEY = "sk-proj-" + "Zq3Xv9Lk2Mn8Pb4Rt6Wy1Hc5Jd7Fg0Sa"


def stored_states(root: Path) -> str:
    return "".join(p.read_text() for p in root.rglob("state.json"))


def test_a_question_and_a_follow_up_holding_a_key_are_stored_redacted(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, model=ConversationModel(turns=["Done."]))
    body = json.dumps({"question": f"why does the job using {KEY} fail?"}).encode()
    answer = dispatch(runner.context, "POST", "/api/investigations", body=body)
    investigation_id = json.loads(answer.body)["id"]
    follow_up = json.dumps({"message": f"also try password={KEY[8:]}"}).encode()
    accepted = dispatch(runner.context, "POST", f"/api/investigations/{investigation_id}/messages", body=follow_up)
    assert accepted.status == 202
    text = stored_states(tmp_path)
    assert "also try password=[REDACTED:" in text
    assert KEY not in text
    assert KEY[8:] not in text
    assert "[REDACTED:" in text


def test_a_request_without_secrets_is_stored_unchanged(tmp_path: Path) -> None:
    from agentcore.redaction import redact_model

    spec = RequestSpec(trigger=Trigger(kind="http", ref="q"), question="why is checkout slow since 14:00?")
    assert redact_model(spec) is spec
