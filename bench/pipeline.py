"""What the staged pipeline costs beside the agent's own work, as ratios to one scripted agent step.

- stage io: for each stage, reading what it needs (state.json, the session, the workspace check or
  the children) and writing its checkpoint (workspace snapshot and outputs, session, conditional
  state commit), on the example scenario's real workspace with a 60-step session, LocalBlobStore;
- workspace: a generated repository of ~100 MB with history (~10 MB with --quick): filling the clone
  cache, restoring the repo from it, and the workspace snapshot without the repo (what is stored) and
  with it (what the clone cache spares), with sizes;
- runner: the local runner (4 worker threads) running 1, 4 and 16 short agent investigations at once
  (a question, a plan, a spawn of two subagents, a conclusion), per investigation.

The baseline is the harness's whole step: `run_session` for one read_file step of a 60-step session
with a ScriptedModel, checkpoint serialized, bracketing every row as in bench/harness.py.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from agentcore.agent.loop import run_session
from agentcore.agent.session import Session
from agentcore.models import Message, ModelRequest, ModelResponse, ToolCall, Usage
from agentcore.pipeline import LocalRunner, StageContext
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline._stage_io import (
    Loaded,
    commit,
    ensure_workspace,
    get_session,
    load_state,
    put_session,
    save_workspace,
    with_checkpoint,
)
from agentcore.pipeline.child_outcome import ChildOutcome
from agentcore.pipeline.state import RequestSpec, Stage
from agentcore.pipeline.wiring import build_dependencies, local_queue, override
from agentcore.reports import Recommendation, Report, Trigger, save_report
from agentcore.sandbox.bubblewrap import bubblewrap_available
from agentcore.sandbox.subprocess import SubprocessSandbox
from agentcore.scenarios import load_scenario
from agentcore.settings import Settings
from agentcore.testing import ScriptedModel, call
from agentcore.tools import Toolbox
from agentcore.tools.core import core_tools
from agentcore.workspace import (
    RepoSource,
    cached_clone,
    directory_lock,
    extract_snapshot,
    forget_restored,
    mark_restored,
    prepare_from_scenario,
    restore_repository,
    write_snapshot,
)
from agentcore.workspace.checkout import check_out_shared
from bench._timing import FULL, QUICK, BenchResult, Plan, Timing, bench_result, measure_bracketed
from bench.harness import (
    LIMITS,
    build_history,
    build_workspace,
    new_runtime,
    new_session,
    resumable_copy,
    system_blocks,
)

BASELINE = "one scripted agent step (read_file, 60-step session)"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "checkout-bad-deploy"
REPO_MB = {False: 100, True: 10}
"""Size of the generated repository (history and checkout), by --quick."""
CONCURRENCY = (1, 4, 16)
RUNNER_WORKERS = 4


def run(quick: bool = False) -> list[BenchResult]:
    table = _Table(QUICK if quick else FULL, heavy=_heavy_plan(quick))
    with tempfile.TemporaryDirectory(prefix="sre-agent-bench-pipeline-") as temp, _quiet():
        scratch = Path(temp)
        table.baseline = _scripted_step(scratch / "harness")
        _stage_rows(table, scratch / "stages")
        _workspace_rows(table, scratch / "workspace", REPO_MB[quick])
        _runner_rows(table, scratch / "runner", repeats=1 if quick else 3)
    return table.results()


def _heavy_plan(quick: bool) -> Plan:
    """For operations of seconds: no warmup, a few samples."""
    samples = 1 if quick else 3
    return Plan(warmup=0, repeat=samples, budget_s=0.0, min_repeat=samples, baseline_repeat=3 if quick else 5)


class _Table:
    """Rows measured so far, each bracketed by the baseline; as bench/harness.py does it."""

    def __init__(self, plan: Plan, *, heavy: Plan) -> None:
        self.plan = plan
        self.heavy = heavy
        self.baseline: Callable[[], object] = lambda: None
        self.rows: list[tuple[str, str, Timing, Timing, str]] = []

    def time_each(
        self, group: str, name: str, setup: Callable[[], Any], action: Callable[[Any], object], *,
        detail: str = "", heavy: bool = False,
    ) -> None:  # fmt: skip
        timing, baseline = measure_bracketed(self.baseline, setup, action, self.heavy if heavy else self.plan)
        self.rows.append((group, name, timing, baseline, detail))

    def add(self, group: str, name: str, samples: list[float], *, detail: str = "") -> None:
        """A row timed by its caller (one sample per run), bracketed here."""
        reference = replace(
            self.plan, warmup=1, repeat=self.heavy.baseline_repeat, min_repeat=self.heavy.baseline_repeat
        )
        before = measure_bracketed(self.baseline, lambda: None, lambda _: None, reference)[1]
        self.rows.append((group, name, Timing(tuple(samples)), before, detail))

    def results(self) -> list[BenchResult]:
        pooled = Timing(tuple(s for row in self.rows for s in row[3].samples_s))
        first = bench_result("baseline", BASELINE, pooled, pooled, detail="sampled before and after every row")
        return [first, *(bench_result(g, n, t, pooled, local_baseline=b, detail=d) for g, n, t, b, d in self.rows)]


# -- the baseline ----------------------------------------------------------------------------------


def _scripted_step(folder: Path) -> Callable[[], object]:
    """One whole agent step with a ScriptedModel: read_file on a 60-step session, checkpoint serialized."""
    build_workspace(folder)
    sandbox = SubprocessSandbox(folder, LIMITS)
    toolbox = Toolbox(core_tools(sandbox, shell_timeout_limit_s=LIMITS.wall_time_s))
    session = new_session(system_blocks(sandbox), build_history(toolbox, 60), 60)
    path = next(p.relative_to(folder).as_posix() for p in sorted((folder / "repos" / "shop" / "src").rglob("*.py")))
    response = call("read_file", {"path": path, "limit": 200}, text="Reading it.")

    def step() -> object:
        runtime = new_runtime(ScriptedModel([response]), toolbox, checkpoint=_serialize)
        return run_session(resumable_copy(session), runtime, max_steps=1)

    return step


def _serialize(session: Session) -> None:
    session.to_json()


# -- stage io --------------------------------------------------------------------------------------


def _stage_rows(table: _Table, folder: Path) -> None:
    ctx, loaded, session, root = _investigation_at_turns(folder)
    size = len(session.to_json()) // 1024

    def fresh() -> Loaded:
        current = load_state(ctx.deps, loaded.state.id)
        assert current is not None
        return current

    def load_for_turns(_: None) -> object:
        current = fresh()
        return ensure_workspace(ctx, current.state), get_session(ctx.deps, current.state.session_blob)

    def checkpoint(current: Loaded) -> None:
        with directory_lock(root):
            saved = save_workspace(ctx, current.state, root)
            blob = put_session(ctx.deps, current.state.id, current.state.step + 1, session)
            new = with_checkpoint(current.state.next_step(ctx.deps.now(), Stage.TURNS).with_session(blob), saved)
            if commit(ctx, current, new):
                mark_restored(root, new.workspace_blob, new.outputs)

    def changed_notes() -> Loaded:
        (root / "notes" / "plan.md").write_text(f"# Plan\n- [x] step {time.perf_counter_ns()}\n")
        return fresh()

    children = _children(ctx, loaded.state.id, session)
    snapshot = ctx.deps.blob_store.get(loaded.state.workspace_blob or "").data
    detail = f"session JSON {size} KB; the example scenario's workspace, snapshot {len(snapshot) // 1024} KB"
    table.time_each("stage io", "load: state + session + workspace check", lambda: None, load_for_turns, detail=detail)
    table.time_each("stage io", "checkpoint: workspace unchanged", fresh, checkpoint, detail="digest, session, state")
    table.time_each("stage io", "checkpoint: notes changed", changed_notes, checkpoint,
                    detail=f"new tar.zst snapshot ({len(snapshot) // 1024} KB), session, state")  # fmt: skip
    table.time_each("stage io", "fanout_done: load two children", lambda: None,
                    lambda _: [ChildOutcome.model_validate_json(ctx.deps.blob_store.get(c).data) for c in children],
                    detail="20-step child sessions")  # fmt: skip
    table.time_each("stage io", "report: store report + commit", fresh, lambda current: _store_report(ctx, current))
    table.time_each("stage io", "restore workspace on a new instance", lambda: forget_restored(root),
                    lambda _: ensure_workspace(ctx, fresh().state), heavy=False,
                    detail="repo from the clone cache, snapshot, outputs")  # fmt: skip


def _investigation_at_turns(folder: Path) -> tuple[StageContext, Loaded, Session, Path]:
    settings = Settings(data_dir=folder / "data", model=None, sandbox="subprocess")
    with override(model=None):
        deps = build_dependencies(settings)
    ctx = StageContext(deps, local_queue(settings))
    state = start_investigation(ctx, RequestSpec(trigger=Trigger(kind="cli", ref="bench")), title="bench")
    root = ctx.workspace_root(state.id)
    prepared = prepare_from_scenario(load_scenario(EXAMPLE), root)
    (root / "outputs" / "0001-bench.txt").write_text("a spilled tool result\n" * 2000)
    harness = folder / "harness"
    build_workspace(harness)
    toolbox = Toolbox(core_tools(SubprocessSandbox(harness, LIMITS), shell_timeout_limit_s=LIMITS.wall_time_s))
    session = new_session(system_blocks(SubprocessSandbox(root, LIMITS)), build_history(toolbox, 60), 60)
    loaded = load_state(deps, state.id)
    assert loaded is not None
    with_repos = loaded.state.with_repos(prepared.repos)
    saved = save_workspace(ctx, with_repos, root)
    session_blob = put_session(deps, state.id, 1, session)
    first = with_checkpoint(with_repos.next_step(deps.now(), Stage.TURNS).with_session(session_blob), saved)
    assert commit(ctx, loaded, first)
    mark_restored(root, first.workspace_blob, first.outputs)
    current = load_state(deps, state.id)
    assert current is not None
    return ctx, current, session, root


def _children(ctx: StageContext, investigation_id: str, parent: Session) -> list[str]:
    names = []
    for index in range(2):
        child = parent.model_copy(update={"id": f"{parent.id}.h{index}", "messages": parent.messages[:41]})
        name = f"investigations/{investigation_id}/children/s60-h{index}.json"
        ctx.deps.blob_store.put(name, ChildOutcome(session=child).model_dump_json().encode())
        names.append(name)
    return names


def _store_report(ctx: StageContext, current: Loaded) -> None:
    state = current.state
    report = Report(id=state.id, title="bench", status="inconclusive", mode="agent", trigger=state.request.trigger,
                    started_at=state.started_at, finished_at=ctx.deps.now(), summary="A bench report.",
                    recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="bench"))  # fmt: skip
    location = save_report(ctx.deps.blob_store, report)
    reported = state.next_step(ctx.deps.now(), Stage.TURNS).with_report(
        location.json_name, location.markdown_name, report.status
    )
    commit(ctx, current, reported)


# -- workspace: a big repository -------------------------------------------------------------------


def _workspace_rows(table: _Table, folder: Path, size_mb: int) -> None:
    source = folder / "source"
    commits = _generate_repo(source, size_mb)
    shape = f"repo {_tree_bytes(source) / 1024**2:.0f} MB with .git, {commits} commits"
    bundle = folder / "big.bundle"
    subprocess.run(["git", "-C", str(source), "bundle", "create", "-q", str(bundle), "--all"], check=True)
    head = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    repo = RepoSource(path="repos/big", source=str(bundle), commit=head)
    counter = iter(range(10**6))
    table.time_each("workspace", "fill the clone cache from the bundle (once per machine)",
                    lambda: folder / f"cache-{next(counter)}", lambda where: cached_clone(bundle, where),
                    heavy=True, detail=f"{shape}; bundle {bundle.stat().st_size / 1024**2:.0f} MB")  # fmt: skip
    cache = folder / "cache"
    cached_clone(bundle, cache)

    def workspace_root() -> Path:
        root = folder / f"ws-{next(counter)}"
        (root / "notes").mkdir(parents=True)
        (root / "notes" / "plan.md").write_text("# Plan\n" * 50)
        return root

    table.time_each("workspace", "restore the repo from the clone cache", workspace_root,
                    lambda root: restore_repository(repo, root, cache), heavy=True, detail=shape)  # fmt: skip
    workspace = workspace_root()
    # A repository checked out in the workspace itself (a restore links to a shared checkout instead), so that
    # the snapshot "with the repo" holds what storing repositories would cost.
    check_out_shared(cached_clone(bundle, cache), workspace / repo.path, head)
    without: tuple[RepoSource, ...] = (repo,)
    for label, repos in (("without the repo (stored)", without), ("with the repo (avoided)", ())):
        _snapshot_rows(table, workspace, folder / label.split()[0], repos, label)


def _snapshot_rows(table: _Table, workspace: Path, folder: Path, repos: tuple[RepoSource, ...], label: str) -> None:
    folder.mkdir()
    archive = folder / "workspace.tar.zst"
    write_snapshot(workspace, archive, repos)
    size = f"tar.zst {archive.stat().st_size / 1024**2:.2f} MB"
    targets = iter(range(10**6))
    table.time_each("workspace", f"snapshot {label}", lambda: None,
                    lambda _: write_snapshot(workspace, archive, repos), heavy=True, detail=size)  # fmt: skip
    table.time_each("workspace", f"extract {label}", lambda: folder / f"x-{next(targets)}",
                    lambda target: extract_snapshot(archive, target), heavy=True, detail=size)  # fmt: skip


def _generate_repo(target: Path, size_mb: int) -> int:
    """A git repository of about `size_mb` (history plus checkout) of hex text, via fast-import.

    The first commit writes every file; each later one rewrites a quarter of them. Hex text packs to
    about 55 %. Returns the number of commits.
    """
    files, file_kb = (200, 48) if size_mb >= 50 else (40, 48)
    base_kb = files * file_kb * 1.55
    per_commit_kb = files // 4 * file_kb * 0.55
    commits = max(2, int((size_mb * 1024 - base_kb) / per_commit_kb))
    env = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True, env=env)
    stream = bytearray()
    for number in range(commits):
        first = (number * 7) % files
        changed = range(files) if number == 0 else [(first + i) % files for i in range(files // 4)]
        message = f"change {number}\n".encode()
        stream += b"commit refs/heads/main\ncommitter Bench <b@x> %d +0000\n" % (1_700_000_000 + number * 3600)
        stream += b"data %d\n%s" % (len(message), message)
        for index in changed:
            data = os.urandom(file_kb * 512).hex().encode()
            stream += b"M 100644 inline src/module_%03d.txt\ndata %d\n%s\n" % (index, len(data), data)
    subprocess.run(["git", "fast-import", "--quiet"], input=bytes(stream), cwd=target, check=True, env=env)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=target, check=True, env=env)
    return commits


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# -- runner throughput -----------------------------------------------------------------------------

_TURNS: list[tuple[str, dict[str, Any]] | str] = [
    ("write", {"path": "notes/plan.md", "content": "# Plan\n- [ ] check both hypotheses\n"}),
    ("read_file", {"path": "notes/plan.md"}),
    ("spawn", {"hypotheses": [{"statement": "the deploy broke it"}, {"statement": "the database is slow"}]}),
    ("write", {"path": "report/conclusion.json", "content": json.dumps({
        "title": "bench", "status": "inconclusive", "summary": "bench", "evidence": [], "hypotheses": [],
        "mitigations": [], "recommendation": {"auto_mitigate": False, "transfer_to": None, "reason": "bench"},
        "signals": {"what_worked": "-", "what_was_hard": "-", "skill_gaps": [], "self_score": 3}})}),
    "done",
]  # fmt: skip


class _ConversationModel:
    """Answers from the conversation (turns taken so far), so any number of sessions can share it."""

    provider = "scripted"
    model = "bench"

    def complete(self, request: ModelRequest) -> ModelResponse:
        usage = Usage(input_tokens=100, output_tokens=20)
        if request.messages[0].content.startswith("Hypothesis to check:"):
            answer = json.dumps({"verdict": "refuted", "answer": "no", "confidence": 0.5})
            return ModelResponse(message=Message(role="assistant", content=answer), stop_reason="end_turn",
                                 usage=usage, model="bench")  # fmt: skip
        turn = _TURNS[sum(1 for m in request.messages if m.role == "assistant")]
        if isinstance(turn, str):
            return ModelResponse(message=Message(role="assistant", content=turn), stop_reason="end_turn",
                                 usage=usage, model="bench")  # fmt: skip
        tool = ToolCall(id=f"t{len(request.messages)}", name=turn[0], arguments=turn[1])
        return ModelResponse(message=Message(role="assistant", content="", tool_calls=(tool,)),
                             stop_reason="tool_use", usage=usage, model="bench")  # fmt: skip


def _runner_rows(table: _Table, folder: Path, *, repeats: int) -> None:
    sandbox: Literal["bubblewrap", "subprocess"] = "bubblewrap" if bubblewrap_available() else "subprocess"
    settings = Settings(data_dir=folder / "data", model=None, sandbox=sandbox, local_workers=RUNNER_WORKERS)
    with override(model=_ConversationModel()):
        deps = build_dependencies(settings)
    for count in CONCURRENCY:
        samples = []
        for _ in range(repeats):
            with LocalRunner(deps) as runner:
                started = time.perf_counter()
                ids = [start_investigation(runner.context, RequestSpec(trigger=Trigger(kind="cli", ref="bench"),
                                                                        question=f"q{n}"), title="bench").id
                       for n in range(count)]  # fmt: skip
                states = runner.wait_for(ids, timeout_s=600)
                elapsed = time.perf_counter() - started
            assert all(s.stage is Stage.DONE for s in states), [s.failure for s in states]
            samples.append(elapsed / count)
            for investigation_id in ids:
                shutil.rmtree(runner.context.workspace_root(investigation_id), ignore_errors=True)
        rate = 1 / statistics.median(samples)  # the typical sample, not the luckiest
        table.add("runner", f"{count} at once, per investigation", samples,
                  detail=f"{rate:.1f} investigations/s; 6 stages + 2 subagents each; {RUNNER_WORKERS} workers, "
                  f"{sandbox}")  # fmt: skip


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the pipeline's INFO and the subprocess sandbox's warning for the run."""
    logger = logging.getLogger("agentcore")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
