"""Shared parts of the pipeline tests: a model that answers from the conversation, crash injection,
and a driver that runs the local runner's stages one message at a time.

The model's answer is a function of the request (how many turns the parent has taken; which
hypothesis a child checks), so a stage that is run again after a crash asks the same questions and
gets the same answers: the same report.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentcore.models import Message, ModelRequest, ModelResponse, ToolCall, Usage
from agentcore.pipeline import InvestigationRequest, LocalRunner
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline.state import InvestigationState
from agentcore.pipeline.wiring import Dependencies, build_dependencies, local_queue, override
from agentcore.queues.local import LocalQueue
from agentcore.reports import Report, load_report
from agentcore.settings import Settings
from agentcore.storage import Blob, BlobStore, BlobVersion, Lease

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"
FIXED_NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)

CONCLUSION = {
    "title": "SPRING26 coupons crash checkout",
    "status": "completed",
    "summary": "Release 1.5.0 made campaign coupons without an end date raise TypeError.",
    "root_cause": {"statement": "8a33d36 sets expires_at=None for open campaigns", "category": "code-defect",
                   "confidence": 0.9},
    "evidence": [{"claim": "TypeError is new", "source": {"kind": "log_query", "ref": "AppExceptions | summarize"},
                  "excerpt": "TypeError 31"}],
    "hypotheses": [{"statement": "the coupon change broke checkout", "status": "confirmed", "evidence": [0]}],
    "mitigations": [{"action": "roll back to 1.4.0", "risk": "low", "automated": False}],
    "recommendation": {"auto_mitigate": False, "transfer_to": "checkout team", "reason": "code fix needed"},
    "culprit": {"repo": "checkout", "commit": "8a33d36e299e"},
    "signals": {"what_worked": "triage", "what_was_hard": "nothing", "skill_gaps": [], "self_score": 4},
}  # fmt: skip

Turn = tuple[str, dict[str, Any]] | str | Callable[[ModelRequest], tuple[str, dict[str, Any]]]

PARENT_TURNS: list[Turn] = [
    ("write", {"path": "notes/plan.md", "content": "# Plan\n- [ ] new errors\n- [ ] suspects\n"}),
    ("read_file", {"path": "repos/CHECKOUTS.md"}),
    ("grep", {"pattern": "expires_at", "path": "repos/checkout", "glob": "*.py"}),
    ("spawn", {"hypotheses": [{"statement": "the coupon change broke checkout"},
                              {"statement": "the payment gateway is down"}]}),
    ("write", {"path": "report/conclusion.json", "content": json.dumps(CONCLUSION)}),
    "Done: the coupon change of release 1.5.0 is the root cause.",
]  # fmt: skip
"""The parent's n-th answer (n = assistant messages so far); a string is its final answer."""


class SimulatedCrash(Exception):
    """The process died here: the stage's message is delivered again, to a fresh process."""

    raised = 0
    """How many were raised so far (in this test process)."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        SimulatedCrash.raised += 1


def _response(message: Message) -> ModelResponse:
    return ModelResponse(
        message=message,
        stop_reason="tool_use" if message.tool_calls else "end_turn",
        usage=Usage(input_tokens=100, output_tokens=20),
        model="conversation",
    )


@dataclass
class ConversationModel:
    """A ModelClient whose answer depends only on the conversation it is shown.

    `crash_on(call)` makes the call for which it returns True raise SimulatedCrash (once).
    `marker` is written into the plan, so concurrent investigations can be told apart.
    """

    crash_on: Callable[[str], bool] = lambda _key: False
    turns: list[Turn] = field(default_factory=lambda: list(PARENT_TURNS))
    provider: str = "scripted"
    model: str = "conversation"
    calls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def complete(self, request: ModelRequest) -> ModelResponse:
        first = request.messages[0].content
        if first.startswith("Hypothesis to check:"):
            key = f"child:{first}"
            self._record(key)
            verdict = "confirmed" if "coupon" in first else "refuted"
            answer = {"verdict": verdict, "answer": f"{verdict}: {first[21:61]}", "confidence": 0.8}
            return _response(Message(role="assistant", content=json.dumps(answer)))
        turn = sum(1 for m in request.messages if m.role == "assistant")
        self._record(f"parent:{turn}")
        investigation = first.split(".", 1)[0].removeprefix("Investigation ")
        planned = self.turns[turn]
        if callable(planned):
            planned = planned(request)
        if isinstance(planned, str):
            return _response(Message(role="assistant", content=planned))
        name, arguments = planned
        if name == "write" and arguments["path"] == "notes/plan.md":
            arguments = {**arguments, "content": f"{arguments['content']}investigation: {investigation}\n"}
        call = ToolCall(id=f"t{turn}", name=name, arguments=arguments)
        return _response(Message(role="assistant", content="", tool_calls=(call,)))

    def _record(self, key: str) -> None:
        with self._lock:
            self.calls.append(key)
            crash = self.crash_on(key)
        if crash:
            raise SimulatedCrash(f"model call {key}")


class CrashingStore:
    """A BlobStore that dies around chosen writes: `crash(name, count, when)` decides, `when` being
    "before" or "after" the `count`-th put of `name`."""

    def __init__(self, inner: BlobStore, crash: Callable[[str, int, str], bool], puts: dict[str, int]) -> None:
        self.inner = inner
        self._crash = crash
        self._puts = puts
        self._lock = threading.Lock()

    @property
    def remote(self) -> bool:
        return self.inner.remote

    def get(self, name: str) -> Blob:
        return self.inner.get(name)

    def put(self, name: str, data: bytes, **kwargs: Any) -> str:
        with self._lock:
            self._puts[name] = self._puts.get(name, 0) + 1
            count = self._puts[name]
        if self._crash(name, count, "before"):
            raise SimulatedCrash(f"before writing {name} (write {count})")
        etag = self.inner.put(name, data, **kwargs)
        if self._crash(name, count, "after"):
            raise SimulatedCrash(f"after writing {name} (write {count})")
        return etag

    def list(self, prefix: str) -> Iterator[str]:
        return self.inner.list(prefix)

    def list_versions(self, prefix: str) -> Iterator[BlobVersion]:
        return self.inner.list_versions(prefix)

    def delete(self, name: str) -> None:
        self.inner.delete(name)

    def upload_file(self, name: str, path: Path, **kwargs: Any) -> str:
        return self.inner.upload_file(name, path, **kwargs)

    def download_file(self, name: str, path: Path) -> str:
        return self.inner.download_file(name, path)

    def acquire_lease(self, name: str, *, duration_s: float) -> Lease | None:
        return self.inner.acquire_lease(name, duration_s=duration_s)


class RecordingQueue(LocalQueue):
    """A LocalQueue that keeps every send and, with `twice`, delivers each message twice (a duplicate
    that duplicate detection cannot catch: another message id)."""

    def __init__(self, *, twice: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent: list[tuple[str, str]] = []
        self._twice = twice

    def send(self, queue: str, body: bytes, *, message_id: str | None = None, scheduled_at: Any = None) -> str:
        sent = super().send(queue, body, message_id=message_id, scheduled_at=scheduled_at)
        self.sent.append((queue, sent))
        if self._twice:
            super().send(queue, body, message_id=f"{sent}:again", scheduled_at=scheduled_at)
        return sent


def pipeline_settings(data_dir: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir, "model": None, "sandbox": "bubblewrap", "turn_slice_max_steps": 2,
        "pr_repo_allowlist": ("checkout",), "stage_max_delivery_count": 10,
    }  # fmt: skip
    values.update(changes)
    return Settings(**values)


def example_request() -> InvestigationRequest:
    return InvestigationRequest.from_cli(scenario=EXAMPLE, alert_file=None, question=None, repos=[])


@dataclass
class Driver:
    """Runs stage messages one at a time on fresh 'processes' (runner + dependencies) over one broker.

    After a SimulatedCrash the process is thrown away with everything it held in memory and on its
    local disk (the workspaces); the message comes back from the queue, as after a lost lock.
    """

    settings: Settings
    model: Any
    queue: LocalQueue
    store_wrapper: Callable[[BlobStore], BlobStore] = lambda store: store
    delivered: int = 0
    restarts: int = 0

    def new_process(self) -> LocalRunner:
        with override(model=self.model, now=lambda: FIXED_NOW):
            deps = build_dependencies(self.settings)
        deps = _with_store(deps, self.store_wrapper(deps.blob_store))
        return LocalRunner(deps, queue=self.queue, workers=1)

    def start(self, request: InvestigationRequest) -> str:
        runner = self.new_process()
        return start_investigation(runner.context, request.to_spec(), title=request.title).id

    def run(self, max_deliveries: int = 200) -> None:
        """Deliver until the queue is empty; a crash replaces the process (and its workspaces)."""
        runner = self.new_process()
        while self.delivered < max_deliveries:
            crashes_before = SimulatedCrash.raised
            if not runner.run_one():
                return
            self.delivered += 1
            if SimulatedCrash.raised != crashes_before:
                self.restarts += 1
                shutil.rmtree(self.settings.data_dir / "workspaces", ignore_errors=True)
                runner = self.new_process()
        raise AssertionError(f"still delivering after {max_deliveries} messages")

    def state(self, investigation_id: str) -> InvestigationState:
        loaded = load_state(self.new_process().context.deps, investigation_id)
        assert loaded is not None
        return loaded.state

    def report(self, investigation_id: str) -> Report:
        state = self.state(investigation_id)
        assert state.report_json is not None, state.failure
        return load_report(self.new_process().context.deps.blob_store, state.report_json)


def _with_store(deps: Dependencies, store: BlobStore) -> Dependencies:
    return replace(deps, blob_store=store)


def comparable(report: Report) -> dict[str, Any]:
    """A report without what differs between two runs of the same investigation: its id."""
    return report.model_dump(mode="json", exclude={"id"})


def new_broker(settings: Settings, **kwargs: Any) -> RecordingQueue:
    base = local_queue(settings)
    return RecordingQueue(lock_duration_s=base.lock_duration_s, max_delivery_count=base.max_delivery_count, **kwargs)


QUESTION_TURNS: list[Turn] = [
    ("write", {"path": "notes/plan.md", "content": "# Plan\n"}),
    ("write", {"path": "report/conclusion.json", "content": json.dumps({**CONCLUSION, "evidence": [],
                                                                         "hypotheses": []})}),
    "Done.",
]  # fmt: skip
"""A short agent run for a question with no repos: a plan, a conclusion, an answer."""


def quick_runner(data_dir: Path, *, model: Any = None, **changes: Any) -> LocalRunner:
    """A runner (not started: drive it with `drain`) on the subprocess sandbox, for fast tests."""
    settings = pipeline_settings(data_dir, sandbox="subprocess", pr_repo_allowlist=(), **changes)
    with override(model=model, now=lambda: FIXED_NOW):
        deps = build_dependencies(settings)
    return LocalRunner(deps, queue=new_broker(settings), workers=1)


def drain(runner: LocalRunner, limit: int = 100) -> int:
    """Deliver messages until none is left; return how many."""
    for count in range(limit):
        if not runner.run_one():
            return count
    raise AssertionError(f"still delivering after {limit} messages")


def ask(runner: LocalRunner, question: str = "why is checkout failing?") -> str:
    from agentcore.pipeline.state import RequestSpec
    from agentcore.reports import Trigger

    spec = RequestSpec(trigger=Trigger(kind="http", ref="question"), question=question)
    return start_investigation(runner.context, spec, title=question).id
