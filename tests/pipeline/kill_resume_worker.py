"""A runner process for the kill -9 tests: `python -m tests.pipeline.kill_resume_worker DATA MODE PAUSE`.

MODE `start` starts an investigation of the example scenario and runs it; MODE `resume` resumes
whatever is unfinished in DATA and runs it to its end. PAUSE (`none`, `after-start`,
`before-commit:N`, `after-commit:N`, `call:KEY`) is where the process stops and waits to be killed:
after recording the investigation (the 202), around its N-th write of a state.json, or inside the
model call KEY. It says `PAUSED` or `DONE <id>` on stdout, and logs every model call and state
commit, in order, to `DATA/events-MODE.log`.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from agentcore.pipeline import LocalRunner
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.storage.local import LocalBlobStore
from tests.pipeline.pipeline_harness import FIXED_NOW, ConversationModel, example_request, pipeline_settings


class Events:
    """The process's log of model calls and commits; `pause` stops the calling thread for good."""

    def __init__(self, path: Path, pause_at: str) -> None:
        self._path = path
        self._pause_at = pause_at
        self._lock = threading.Lock()

    def record(self, event: str) -> None:
        with self._lock, self._path.open("a") as log:
            log.write(event + "\n")

    def maybe_pause(self, where: str) -> None:
        if where == self._pause_at:
            self.record(f"paused {where}")
            print("PAUSED", flush=True)
            threading.Event().wait()


class CommitWatchingStore(LocalBlobStore):
    """Records each state.json write and pauses before or after the chosen one."""

    def __init__(self, root: Path, events: Events) -> None:
        super().__init__(root)
        self._events = events
        self._commits = 0
        self._lock = threading.Lock()

    def put(self, name: str, data: bytes, **kwargs: Any) -> str:
        if not name.endswith("/state.json"):
            return super().put(name, data, **kwargs)
        with self._lock:
            self._commits += 1
            number = self._commits
        self._events.maybe_pause(f"before-commit:{number}")
        etag = super().put(name, data, **kwargs)
        self._events.record(f"commit {number}")
        self._events.maybe_pause(f"after-commit:{number}")
        return etag


def main(data_dir: Path, mode: str, pause_at: str) -> None:
    events = Events(data_dir / f"events-{mode}.log", pause_at)

    def on_call(key: str) -> bool:
        events.record(f"call {key}")
        events.maybe_pause(f"call:{key}")
        return False

    settings = pipeline_settings(data_dir, sandbox="subprocess")
    with override(model=ConversationModel(crash_on=on_call), now=lambda: FIXED_NOW,
                  blob_store=CommitWatchingStore(data_dir / "blobs", events)):  # fmt: skip
        deps = build_dependencies(settings)
    runner = LocalRunner(deps, workers=1)
    if mode == "start":
        request = example_request()
        ids = [start_investigation(runner.context, request.to_spec(), title=request.title).id]
        events.maybe_pause("after-start")
        runner.start()
    else:
        runner.start()
        ids = runner.resume_unfinished()
    runner.wait_for(ids, timeout_s=300)
    runner.stop()
    print("DONE", *ids, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
