"""No lost work: `kill -9` of a runner process at any stage boundary or in the middle of a step, then a
new process that resumes, and every investigation finishes exactly once.

Each case runs `tests.pipeline.kill_resume_worker` in a real process on the example scenario, stops
it at one point (it says PAUSED and waits), kills it with SIGKILL, and starts a new process that
only resumes what the blob store says is unfinished. The case passes when the investigation ends
with the reference run's report (one report), every model call the reference made was made, and no
call was made twice except those of the step the kill interrupted (its work was never committed).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agentcore.pipeline.state import InvestigationState
from agentcore.reports import load_report
from agentcore.storage.local import LocalBlobStore
from tests.pipeline.pipeline_harness import comparable

REPO_ROOT = Path(__file__).resolve().parents[2]
PROCESS_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Run:
    """What one worker process did: how it ended, and its log of model calls and commits."""

    ended: str
    events: list[str]

    @property
    def calls(self) -> Counter[str]:
        return Counter(e.removeprefix("call ") for e in self.events if e.startswith("call "))

    @property
    def calls_since_last_commit(self) -> Counter[str]:
        last = max((i for i, e in enumerate(self.events) if e.startswith("commit ")), default=-1)
        return Counter(e.removeprefix("call ") for e in self.events[last + 1 :] if e.startswith("call "))


def run_worker(data_dir: Path, mode: str, pause_at: str = "none") -> Run:
    """Run the worker until it says DONE, or until it says PAUSED and is killed with SIGKILL."""
    command = [sys.executable, "-m", "tests.pipeline.kill_resume_worker", str(data_dir), mode, pause_at]
    with subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True) as process:  # fmt: skip
        guard = threading.Timer(PROCESS_TIMEOUT_S, process.kill)
        guard.start()
        try:
            assert process.stdout is not None
            ended = process.stdout.readline().strip()
            if ended == "PAUSED":
                os.kill(process.pid, signal.SIGKILL)
        finally:
            guard.cancel()
            process.wait()
    log = data_dir / f"events-{mode}.log"
    return Run(ended=ended, events=log.read_text().splitlines() if log.exists() else [])


def final_state(data_dir: Path) -> tuple[InvestigationState, dict[str, Any], list[str]]:
    """The one investigation's state, its report (comparable) and its report blobs."""
    store = LocalBlobStore(data_dir / "blobs")
    [name] = [n for n in store.list("investigations/") if n.endswith("/state.json")]
    state = InvestigationState.model_validate_json(store.get(name).data)
    assert state.report_json is not None, state.failure
    reports = [n for n in store.list("reports/") if state.id in n]
    return state, comparable(load_report(store, state.report_json)), reports


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("reference")
    run = run_worker(data_dir, "start")
    assert run.ended.startswith("DONE inv-")
    state, report, _ = final_state(data_dir)
    assert state.stage.value == "done"
    return run, report


BOUNDARIES = ["after-start", *(f"after-commit:{n}" for n in range(2, 8))]
"""After the 202 (state recorded, intake queued), then after each stage's commit: intake, two turn
slices (the second ends in a spawn), the fan-out, the last slice, the report, the pull-request stage."""

MID_STEP = [
    "before-commit:2",
    "call:parent:1",
    "call:child:Hypothesis to check: the payment gateway is down",
    "before-commit:6",
]
"""Inside the intake (its workspace and session written, not committed), inside a turn slice's
model call, inside a subagent's model call, and inside the report stage before its commit."""


@pytest.mark.parametrize("pause_at", BOUNDARIES + MID_STEP)
def test_a_runner_killed_and_restarted_finishes_its_investigation_exactly_once(
    tmp_path: Path, reference: tuple[Run, dict[str, Any]], pause_at: str
) -> None:
    reference_run, reference_report = reference

    killed = run_worker(tmp_path, "start", pause_at)
    resumed = run_worker(tmp_path, "resume")

    assert killed.ended == "PAUSED"
    assert resumed.ended.startswith("DONE inv-"), "the restart found the investigation unfinished"
    state, report, reports = final_state(tmp_path)
    assert state.stage.value == "done"
    assert report == reference_report
    assert len(reports) == 2, "one report: its JSON and its Markdown"
    made = killed.calls + resumed.calls
    assert reference_run.calls - made == Counter(), "a model call the reference made is missing"
    repeated = made - reference_run.calls
    assert repeated - killed.calls_since_last_commit == Counter(), "committed work was done again"
    if pause_at.startswith("call:"):
        assert repeated[pause_at.removeprefix("call:")] == 1, "the interrupted call ran again"
    if pause_at in BOUNDARIES:
        assert repeated == Counter()
