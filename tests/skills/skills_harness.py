"""Scripted investigations for the skills tests: a question answered on the local runner at a chosen time,
by a model that reads a skill and writes the conclusion it is given."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from agentcore.pipeline import LocalRunner
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.reports import Report, load_report
from tests.pipeline.pipeline_harness import (
    CONCLUSION,
    ConversationModel,
    Turn,
    ask,
    drain,
    new_broker,
    pipeline_settings,
)


def conclusion(**changes: Any) -> dict[str, Any]:
    return {**CONCLUSION, "evidence": [], "hypotheses": [], **changes}


def skill_turns(skill: str, written: dict[str, Any]) -> list[Turn]:
    """Plan, read one skill, write `written` as report/conclusion.json, finish."""
    return [
        ("write", {"path": "notes/plan.md", "content": "# Plan\n"}),
        ("read_file", {"path": f"skills/{skill}/SKILL.md"}),
        ("write", {"path": "report/conclusion.json", "content": json.dumps(written)}),
        "Done.",
    ]


def runner_at(data_dir: Path, now: datetime, model: Any = None) -> LocalRunner:
    settings = pipeline_settings(data_dir, sandbox="subprocess", pr_repo_allowlist=())
    with override(model=model, now=lambda: now):
        deps = build_dependencies(settings)
    return LocalRunner(deps, queue=new_broker(settings), workers=1)


def investigate(data_dir: Path, now: datetime, turns: list[Turn]) -> Report:
    """One question investigated to its report, started at `now`."""
    runner = runner_at(data_dir, now, ConversationModel(turns=turns))
    investigation = ask(runner)
    drain(runner)
    store = runner.context.deps.blob_store
    [name] = [n for n in store.list(f"reports/{now:%Y/%m/%d}/") if n.endswith(f"{investigation}.json")]
    return load_report(store, name)
