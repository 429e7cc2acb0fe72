"""The agent harness's own cost per step, the model excluded (a ScriptedModel answers at no cost).

Each part of a step is timed per operation and given as a ratio to a bare `subprocess.run(["true"])`
measured in the same run: a short series just before and after every row, pooled. Each row also
keeps its own brackets' median, which shows when the shared machine's load changed under it.
- sandbox: the shell tool running `true` through SubprocessSandbox and BubblewrapSandbox, and
  building a BubblewrapSandbox (its probe runs once per stage);
- prompt: for sessions of 10, 60 and 200 steps with real tool outputs, building the ModelRequest;
  `advance` up to a ScriptedModel's final answer (the request, plus the JSON dump the loop makes to
  count bytes sent); and the checkpoint, `Session.to_json`, which a tool step calls at least 3 times;
- tools: `Toolbox.dispatch` of read_file, grep, find and write on a generated repo of ~300 files;
- step: one whole `run_session` step with a read_file or a shell call, checkpointing to JSON (not
  stored anywhere: the serialization is the harness's part of the cost).
"""

from __future__ import annotations

import functools
import logging
import random
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agentcore.agent.loop import AgentRuntime, advance, run_session
from agentcore.agent.prompts import render_prompt
from agentcore.agent.session import Budget, Session
from agentcore.context.orientation import render_orientation
from agentcore.models import Message, ModelRequest, ModelResponse, SystemBlock, ToolCall, Usage
from agentcore.sandbox import Sandbox, SandboxLimits
from agentcore.sandbox.bubblewrap import BubblewrapSandbox, bubblewrap_available
from agentcore.sandbox.subprocess import SubprocessSandbox
from agentcore.testing import ScriptedModel, call, reply
from agentcore.tools import Toolbox, ToolResult
from agentcore.tools.core import core_tools
from bench._timing import FULL, QUICK, BenchResult, Plan, Timing, bench_result, measure_bracketed, peak_memory_bytes

BASELINE = "bare subprocess.run(['true'])"
HISTORY_STEPS = (10, 60, 200)
STEP_HISTORY = 60
"""History of the session whole steps run on: a mid-investigation session."""
REPO_MODULES = 120
"""Python modules in the generated repo; with their tests and other files, ~300 files."""
LIMITS = SandboxLimits(wall_time_s=30.0)
_NOUNS = ("payment", "order", "cart", "invoice", "refund", "customer", "token", "retry", "gateway", "ledger")
_VERBS = ("load", "validate", "submit", "cancel", "render", "sync", "resolve", "publish", "record", "charge")
_PACKAGES = ("payments", "orders", "inventory", "api", "common", "notifications")


def run(quick: bool = False) -> list[BenchResult]:
    """Every harness measurement, in table order; the BubblewrapSandbox rows only where bwrap works."""
    table = _Table(QUICK if quick else FULL)
    with tempfile.TemporaryDirectory(prefix="sre-agent-bench-") as temp:
        workspace = Path(temp) / "workspace"
        build_workspace(workspace)
        with _quiet("agentcore.sandbox.subprocess"):
            plain_sandbox = SubprocessSandbox(workspace, LIMITS)
        plain = Toolbox(core_tools(plain_sandbox, shell_timeout_limit_s=LIMITS.wall_time_s))
        bwrap = None
        if bubblewrap_available():
            bwrap = Toolbox(core_tools(BubblewrapSandbox(workspace, LIMITS), shell_timeout_limit_s=LIMITS.wall_time_s))
        history = build_history(plain, max(HISTORY_STEPS))
        system = system_blocks(plain_sandbox)
        _sandbox_rows(table, workspace, plain, bwrap)
        _prompt_rows(table, plain, system, history)
        _tool_rows(table, plain, workspace)
        _step_rows(table, plain, bwrap, system, history)
    return table.results()


class _Table:
    """The rows measured so far, each with the baseline calls that bracketed it."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rows: list[tuple[str, str, Timing, Timing, int | None, str]] = []

    def time(self, group: str, name: str, action: Callable[[], object], *, detail: str = "") -> None:
        self.time_each(group, name, lambda: None, lambda _: action(), detail=detail)

    def time_each(
        self,
        group: str,
        name: str,
        setup: Callable[[], Any],
        action: Callable[[Any], object],
        *,
        detail: str = "",
        memory: bool = False,
    ) -> None:
        """Time `action(setup())`, setup untimed; with `memory`, also the peak of one more call."""
        timing, baseline = measure_bracketed(_bare_true, setup, action, self.plan)
        peak = None
        if memory:
            prepared = setup()
            peak = peak_memory_bytes(lambda: action(prepared))
        self.rows.append((group, name, timing, baseline, peak, detail))

    def results(self) -> list[BenchResult]:
        """The baseline first (every bracketing series pooled), then each row as a ratio to it."""
        pooled = Timing(tuple(sample for row in self.rows for sample in row[3].samples_s))
        first = bench_result("sandbox", BASELINE, pooled, pooled, detail="baseline, sampled before and after every row")
        return [
            first,
            *(
                bench_result(g, n, t, pooled, local_baseline=b, peak_bytes=p, detail=d)
                for g, n, t, b, p, d in self.rows
            ),
        ]


def _sandbox_rows(table: _Table, workspace: Path, plain: Toolbox, bwrap: Toolbox | None) -> None:
    table.time("sandbox", "bare subprocess.run(['bash', '-c', 'true'])", _bare_bash_true)
    shell_true = ToolCall(id="bench", name="shell", arguments={"command": "true"})
    table.time("sandbox", "shell `true`, SubprocessSandbox", functools.partial(_dispatch_ok, plain, shell_true))
    if bwrap is None:
        return
    table.time("sandbox", "shell `true`, BubblewrapSandbox", functools.partial(_dispatch_ok, bwrap, shell_true))
    table.time(
        "sandbox",
        "BubblewrapSandbox() construction",
        lambda: BubblewrapSandbox(workspace, LIMITS),
        detail="bwrap --help + probe; once per stage",
    )


def _prompt_rows(table: _Table, toolbox: Toolbox, system: tuple[SystemBlock, ...], history: list[Message]) -> None:
    for steps in HISTORY_STEPS:
        session = new_session(system, history, steps)
        shape = f"{len(session.messages)} messages, session JSON {len(session.to_json()) // 1024} KB"

        def build_request(s: Session = session) -> ModelRequest:
            return ModelRequest(
                system=s.system,
                messages=tuple(s.messages),
                tools=toolbox.specs(),
                cache_key=s.investigation_id,
                investigation_id=s.investigation_id,
            )

        def fresh_runtime(s: Session = session) -> tuple[Session, AgentRuntime]:
            return resumable_copy(s), new_runtime(ScriptedModel([reply("done")]), toolbox)

        table.time("prompt", f"{steps} steps: ModelRequest build", build_request, detail=shape)
        table.time_each(
            "prompt",
            f"{steps} steps: advance() to a final answer",
            fresh_runtime,
            lambda prepared: advance(*prepared),
            detail="request + its JSON dump for bytes_sent; no checkpoint",
            memory=True,
        )
        table.time_each(
            "prompt", f"{steps} steps: checkpoint to_json", session.model_copy, Session.to_json, memory=True
        )


def _tool_rows(table: _Table, toolbox: Toolbox, workspace: Path) -> None:
    files = [f"repos/shop/src/{p}/{_module_name(i)}.py" for i, p in _modules()]
    big = max(files, key=lambda path: (workspace / path).stat().st_size)
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("read_file 200 lines", "read_file", {"path": big, "limit": 200}),
        ("grep a rare word over the repo", "grep", {"pattern": r"GatewayTimeout\w*", "path": "repos"}),
        (
            "grep a common word, *.py, 100 hits",
            "grep",
            {"pattern": r"def \w+_payment", "path": "repos", "glob": "*.py"},
        ),
        ("find **/test_*.py", "find", {"pattern": "**/test_*.py", "path": "repos"}),
        ("write notes/plan.md, 2 KB", "write", {"path": "notes/plan.md", "content": _plan_text()}),
    ]
    for label, name, arguments in calls:
        tool_call = ToolCall(id="bench", name=name, arguments=arguments)
        size = len(_succeeded(toolbox.dispatch(tool_call)).content)
        table.time("tools", label, functools.partial(_dispatch_ok, toolbox, tool_call), detail=f"{size} chars out")


def _step_rows(
    table: _Table, plain: Toolbox, bwrap: Toolbox | None, system: tuple[SystemBlock, ...], history: list[Message]
) -> None:
    path = f"repos/shop/src/payments/{_module_name(0)}.py"
    read = call("read_file", {"path": path, "limit": 200}, text="Reading the payment client.")
    shell = call("shell", {"command": "true"}, text="Checking the deployed version.")
    cases: list[tuple[str, Toolbox, ModelResponse, int]] = [
        (f"read_file, {STEP_HISTORY}-step session", plain, read, STEP_HISTORY),
        (f"read_file, {max(HISTORY_STEPS)}-step session", plain, read, max(HISTORY_STEPS)),
        (f"shell `true` SubprocessSandbox, {STEP_HISTORY}-step session", plain, shell, STEP_HISTORY),
    ]
    if bwrap is not None:
        cases.append((f"shell `true` BubblewrapSandbox, {STEP_HISTORY}-step session", bwrap, shell, STEP_HISTORY))
    for label, toolbox, response, steps in cases:
        session = new_session(system, history, steps)
        checkpoints = _checkpoints_of_one_step(session, toolbox, response)

        def fresh(s: Session = session, tb: Toolbox = toolbox, r: ModelResponse = response) -> tuple[Session, Any]:
            return resumable_copy(s), new_runtime(ScriptedModel([r]), tb, checkpoint=_serialize)

        detail = f"{checkpoints} checkpoints to JSON"
        table.time_each("step", label, fresh, lambda p: run_session(*p, max_steps=1), detail=detail, memory=True)


def _checkpoints_of_one_step(session: Session, toolbox: Toolbox, response: ModelResponse) -> int:
    """Run the step once untimed: check that its tool succeeded and count the checkpoints it made."""
    made: list[int] = []
    copy = resumable_copy(session)
    run_session(
        copy, new_runtime(ScriptedModel([response]), toolbox, checkpoint=lambda s: made.append(s.step)), max_steps=1
    )
    last = copy.messages[-1]
    if copy.step != session.step + 1 or last.role != "tool" or last.is_error:
        raise RuntimeError(f"the benchmarked step did not run its tool cleanly: {last.content[:200]}")
    return len(made)


def _serialize(session: Session) -> None:
    session.to_json()


def new_runtime(
    model: ScriptedModel, toolbox: Toolbox, *, checkpoint: Callable[[Session], None] | None = None
) -> AgentRuntime:
    """A runtime as the pipeline builds it, with a price for the scripted model (no warning per call)."""
    return AgentRuntime(model=model, toolbox=toolbox, estimate_cost_usd=_free, checkpoint=checkpoint, cache_key="bench")


def _free(_model: str, _usage: Usage) -> float:
    return 0.0


def system_blocks(sandbox: Sandbox) -> tuple[SystemBlock, ...]:
    """The system prompt and the workspace's orientation, as the pipeline builds them."""
    return (
        SystemBlock(text=render_prompt("system"), cache_breakpoint=True),
        SystemBlock(text=render_orientation(sandbox), cache_breakpoint=True),
    )


def new_session(system: tuple[SystemBlock, ...], history: list[Message], steps: int) -> Session:
    """A running session after `steps` tool steps: the task, then one call and its result per step."""
    task = Message(role="user", content="Alert: checkout p95 latency above 2 s since 10:42 UTC. Find the cause.")
    return Session(
        id="bench",
        investigation_id="bench",
        model="scripted:scripted",
        system=system,
        messages=[task, *history[: 2 * steps]],
        budget=Budget(step_limit=10_000),
        step=steps,
        usage=Usage(input_tokens=1_000 * steps, output_tokens=100 * steps),
        model_calls=steps,
    )


def resumable_copy(session: Session) -> Session:
    """A copy the loop can append to without touching the original (messages themselves are frozen)."""
    return session.model_copy(update={"messages": list(session.messages)})


def build_history(toolbox: Toolbox, steps: int) -> list[Message]:
    """`steps` assistant calls and their real results on the workspace; shell answers are log excerpts."""
    rng = random.Random(7)
    modules = list(_modules())
    messages: list[Message] = []
    for step in range(steps):
        index, package = modules[rng.randrange(len(modules))]
        kinds: list[tuple[str, dict[str, Any]]] = [
            ("read_file", {"path": f"repos/shop/src/{package}/{_module_name(index)}.py", "limit": 80}),
            ("grep", {"pattern": rng.choice(_NOUNS), "path": f"repos/shop/src/{package}", "max_matches": 30}),
            ("shell", {"command": f"logs query 'AppRequests | where Name has \"{rng.choice(_NOUNS)}\" | take 30'"}),
            ("find", {"pattern": "*.py", "path": f"repos/shop/src/{package}"}),
        ]
        name, arguments = kinds[step % len(kinds)]
        tool_call = ToolCall(id=f"call_{step}", name=name, arguments=arguments)
        result = _log_excerpt(rng) if name == "shell" else toolbox.dispatch(tool_call)
        text = f"Step {step}: checking {name} {arguments.get('path', '')} for the {rng.choice(_NOUNS)} path."
        messages.append(Message(role="assistant", content=text, tool_calls=(tool_call,)))
        messages.append(Message(role="tool", tool_call_id=tool_call.id, content=result.content))
    return messages


def _log_excerpt(rng: random.Random) -> ToolResult:
    rows = [
        f'{{"TimeGenerated": "2026-11-29T10:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z", '
        f'"Name": "POST /api/{rng.choice(_NOUNS)}", "ResultCode": {rng.choice((200, 200, 500, 504))}, '
        f'"DurationMs": {rng.randrange(5, 4000)}, "OperationId": "{rng.getrandbits(64):016x}"}}'
        for _ in range(30)
    ]
    return ToolResult("\n".join([f"exit code 0 · {rng.uniform(0.2, 2.0):.2f} s", *rows]), exit_code=0)


def build_workspace(root: Path) -> None:
    """A workspace as DESIGN §3 lays it out, with a generated repo of ~300 files under repos/shop."""
    rng = random.Random(42)
    shop = root / "repos" / "shop"
    for index, package in _modules():
        _write(shop / "src" / package / f"{_module_name(index)}.py", _python_module(rng, package, index))
        _write(shop / "tests" / package / f"test_{_module_name(index)}.py", _python_module(rng, package, index))
    for index in range(40):
        _write(shop / "deploy" / f"service-{index:02d}.yaml", _deploy_yaml(rng, index))
    for index in range(30):
        _write(shop / "docs" / f"runbook-{index:02d}.md", f"# Runbook {index}\n\n" + "Restart the pod.\n" * 40)
    _write(root / "repos" / "CHECKOUTS.md", "- shop: checked out at 3f2c1ab (deployed 2026-11-29 10:40 UTC)\n")
    _write(root / "memory" / "MEMORY.md", "# Memory\n\n- checkout depends on the payments gateway.\n" * 10)
    _write(root / "schemas" / "AppRequests.md", "| column | type |\n|---|---|\n| TimeGenerated | datetime |\n")
    _write(root / "notes" / "plan.md", _plan_text())
    for folder in ("outputs", "report", "skills", "bin"):
        (root / folder).mkdir(parents=True, exist_ok=True)


def _modules() -> Iterator[tuple[int, str]]:
    return ((index, _PACKAGES[index % len(_PACKAGES)]) for index in range(REPO_MODULES))


def _module_name(index: int) -> str:
    return f"{_NOUNS[index % len(_NOUNS)]}_{_VERBS[index // len(_NOUNS) % len(_VERBS)]}_{index}"


def _python_module(rng: random.Random, package: str, index: int) -> str:
    lines = [
        f'"""The {package} {_module_name(index)} module."""',
        "",
        "import logging",
        "",
        "log = logging.getLogger()",
    ]
    for _ in range(rng.randint(4, 14)):
        noun = rng.choice(_NOUNS)
        lines += ["", "", f"def {rng.choice(_VERBS)}_{noun}(request, timeout_s={rng.randint(1, 30)}.0):"]
        lines.append(f'    """{rng.choice(_VERBS).capitalize()} the {noun} of a request."""')
        for _ in range(rng.randint(4, 20)):
            lines.append(f"    {noun}_{rng.randrange(100)} = request.get('{rng.choice(_NOUNS)}', {rng.randrange(999)})")
        lines.append(f"    log.info('{noun} done in %.2f s', timeout_s)")
        lines.append(f"    return {noun}_{rng.randrange(100)}")
    if index % 50 == 7:
        lines += ["", "", "class GatewayTimeoutError(TimeoutError):", '    """The payments gateway did not answer."""']
    return "\n".join(lines) + "\n"


def _deploy_yaml(rng: random.Random, index: int) -> str:
    return (
        f"name: service-{index:02d}\nreplicas: {rng.randint(2, 12)}\nimage: shop/{rng.choice(_NOUNS)}:1.{index}\n"
        f"env:\n  TIMEOUT_S: '{rng.randint(1, 30)}'\n  RETRIES: '{rng.randint(0, 5)}'\n"
    )


def _plan_text() -> str:
    items = [
        f"- [ ] H{i}: the {noun} change at 10:40 raised latency; check its timeout" for i, noun in enumerate(_NOUNS)
    ]
    return "# Plan\n\n" + "\n".join(items * 3) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _dispatch_ok(toolbox: Toolbox, tool_call: ToolCall) -> ToolResult:
    return _succeeded(toolbox.dispatch(tool_call))


def _succeeded(result: ToolResult) -> ToolResult:
    if result.is_error:
        raise RuntimeError(f"a benchmarked tool call failed, so it would time the error path: {result.content}")
    return result


def _bare_true() -> None:
    subprocess.run(["true"], check=True)


def _bare_bash_true() -> None:
    subprocess.run(["bash", "-c", "true"], check=True)


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Silence a logger's expected warning (SubprocessSandbox's 'not a boundary') while building it."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
