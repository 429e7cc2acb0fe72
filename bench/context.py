"""Context engineering, measured: one long scripted investigation replayed three ways in one run.

- naive: every tool result inline, no pruning, no compaction (it sends requests larger than any real
  window, so ratios against it flatter; it is kept to show the scale of the problem);
- truncate: the realistic baseline, a loop that simply cuts each result to 16,000 characters;
- spill: results over the inline limit (and a turn's results over the turn limit) become previews;
- full: spill, pruning (observation masking) and compaction with the default config (200k window);
- full-48k: the same with a 48k window, so that compaction happens too (an extra row, for its cost).

The script is the same in all three (≥ 60 tool calls on a generated workspace: big log extracts,
file reads, greps, failing commands, plan and memory reads), run by the real tools on a
SubprocessSandbox; a scripted model answers and reports ~bytes/4 input tokens, so calibration sees
realistic counts. Costs come from the canonical request bytes (tokens = bytes / 4) and an ideal
prefix cache: the bytes a request shares with the longest-matching earlier request are cache reads
(x0.1), the rest are written to the cache (x1.25; the rolling breakpoint caches every new suffix).
Rows are timed once (the replay's wall time; ratio to the naive replay's); the numbers that matter
are in the detail column and the table printed above it.
"""

from __future__ import annotations

import logging
import random
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentcore.agent.loop import AgentRuntime, run_session
from agentcore.agent.session import Budget, Session, SessionStatus
from agentcore.context import ContextConfig, ContextKeeper, render_request_bytes, shared_prefix_length
from agentcore.context._config import window_tokens_for
from agentcore.models import Message, ModelRequest, ModelResponse, ToolCall, ToolSpec, Usage
from agentcore.pipeline.agent_setup import system_blocks
from agentcore.sandbox import SandboxLimits
from agentcore.sandbox.subprocess import SubprocessSandbox
from agentcore.testing import ScriptedModel
from agentcore.tools import Tool, Toolbox, ToolResult
from agentcore.tools.core import core_tools
from bench._timing import BenchResult, percentile
from bench.harness import build_workspace

BASELINE = "the naive replay (everything inline)"
MODEL = "anthropic:claude-sonnet-4-6"
TRUNCATE_CHARS = 16_000
"""The realistic baseline cuts every tool result to this many characters, and does nothing else."""
TARGET_SAVING_VS_TRUNCATE = 3.0
"""The full design should bill at least this many times fewer input units than the truncating loop."""
TARGET_PREFIX_STABLE = 0.95
"""Bytes of each request outside events that extend the previous request, byte-weighted and per request median."""
BYTES_PER_TOKEN = 4
CACHE_READ, CACHE_WRITE = 0.1, 1.25
CACHE_LOOKBACK = 8
"""Earlier requests a request's prefix is compared with (plus the first): enough for an exact-prefix cache."""
LIMITS = SandboxLimits(wall_time_s=60.0)
Turn = tuple[str, list[tuple[str, dict[str, Any]]]]
SUMMARY = (
    "## Goal\nCheckout API returns 500s since 13:05; find the cause.\n## Timeline\n"
    + "".join(f"- step {i}: queried logs / read code; see outputs/ files\n" for i in range(40))
    + "## Hypotheses\n- null coupon in cart total: confirmed (outputs/, repos/shop/src/api)\n"
    "## Changes made to systems\nnone\n## State\nroot cause likely found\n## Next steps\n- write the report\n"
    "## Files\n- notes/plan.md\n"
)


REASONING = (
    "The 500s started at 13:05 and cluster on POST /api/cart/checkout; before reading more code I want to "
    "see whether the failures share an operation or a cart, and whether they began with a deployment.",
    "This supports the coupon hypothesis but does not prove it: the traceback points at cart.total, and "
    "the amount attribute is read from a coupon that can be None. I will check where coupons are loaded.",
    "Nothing here about the payments gateway; its latency looks flat, so I will mark that hypothesis as "
    "refuted in notes/plan.md once the dependency query confirms it, and go back to the cart code.",
)
"""What the scripted investigator says beside each call (an agent's reasoning is never masked)."""


@dataclass(frozen=True)
class Replay:
    """One mode's requests, in order, and the request indexes where the prefix broke on purpose."""

    name: str
    requests: list[ModelRequest]
    events: set[int]
    event_kinds: str
    """e.g. `1 prune, 2 compaction`."""
    status: SessionStatus
    seconds: float


@dataclass(frozen=True)
class Costs:
    input_tokens: int
    billed_units: float
    peak_tokens: int
    stable_fraction: float
    """Bytes equal to the previous request's prefix, over requests that are not at an event."""
    stable_fraction_all: float
    broken: int
    """Requests outside events that do not extend the previous one byte for byte (should be 0)."""
    per_request_stable: tuple[float, ...]
    """For each request outside events: the share of its bytes that repeat the previous request's prefix."""
    over_window: int
    """Requests larger than the mode's context window (no provider would accept them)."""


def run(quick: bool = False) -> list[BenchResult]:
    turns = investigation(quick)
    calls = sum(len(t[1]) for t in turns)
    modes: dict[str, tuple[ContextConfig | None, int | None]] = {
        "naive": (None, None),
        "truncate": (None, TRUNCATE_CHARS),
        "spill": (ContextConfig(window_tokens=10**9, prune_min_maskable_tokens=10**9), None),
        "full": (ContextConfig(), None),
        "full-48k": (ContextConfig(window_tokens=48_000), None),
    }
    # Every mode is judged against the window a real model would have (the spill row only lifts the
    # keeper's own thresholds out of the way).
    windows = {name: window_tokens_for(MODEL) for name in modes}
    windows["full-48k"] = 48_000
    with tempfile.TemporaryDirectory(prefix="sre-agent-bench-context-") as temp:
        template = Path(temp) / "template"
        build_investigation_workspace(template)
        replays = [
            replay(name, config, turns, template, Path(temp) / name, truncate_chars=cut)
            for name, (config, cut) in modes.items()
        ]
    costs = {r.name: measure(r.requests, r.events, windows[r.name]) for r in replays}
    print_table(replays, costs, calls)
    print_targets(costs)
    naive = replays[0]
    return [
        BenchResult(
            group="context",
            name=r.name,
            median_s=r.seconds,
            p90_s=r.seconds,
            samples=1,
            ratio=r.seconds / naive.seconds,
            baseline_median_s=naive.seconds,
            detail=describe(costs[r.name], costs["naive"], len(r.requests), r.event_kinds),
        )
        for r in replays
    ]


def describe(costs: Costs, naive: Costs, requests: int, events: str) -> str:
    return (
        f"input {costs.input_tokens / 1e6:.2f}M tok; billed {costs.billed_units / 1e6:.2f}M units "
        f"({naive.billed_units / costs.billed_units:.1f}x fewer than naive); peak {costs.peak_tokens / 1e3:.0f}k; "
        f"{costs.over_window} requests over the window; "
        f"per-request prefix-stable median {_median(costs.per_request_stable):.1%}; "
        f"prefix-stable {costs.stable_fraction:.1%} outside events ({costs.stable_fraction_all:.1%} all); "
        f"events: {events}; "
        f"{costs.broken} unexpected prefix breaks; {requests} requests"
    )


def print_table(replays: list[Replay], costs: dict[str, Costs], calls: int) -> None:
    print(f"\ncontext: one scripted investigation of {calls} tool calls, replayed {len(replays)} ways")
    header = f"{'mode':<8} {'requests':>8} {'input tok':>10} {'billed units':>12} {'vs naive':>8} {'vs trunc':>8} "
    header += f"{'peak ctx':>9} {'>window':>7} {'prefix-stable':>13} {'p10/med/min per req':>20} {'breaks':>6}  events"
    print(header)
    base, trunc = costs["naive"].billed_units, costs["truncate"].billed_units
    for r in replays:
        c = costs[r.name]
        spread = c.per_request_stable
        per_request = f"{_percentile(spread, 0.1):.0%}/{_median(spread):.0%}/{min(spread, default=1.0):.0%}"
        print(
            f"{r.name:<8} {len(r.requests):>8} {c.input_tokens:>10,} {c.billed_units:>12,.0f} "
            f"{base / c.billed_units:>7.2f}x {trunc / c.billed_units:>7.2f}x {c.peak_tokens:>9,} {c.over_window:>7} "
            f"{c.stable_fraction:>13.1%} {per_request:>20} {c.broken:>6}  {r.event_kinds}"
        )


def print_targets(costs: dict[str, Costs]) -> None:
    """Each target with its measured value, and MISSED where the design falls short."""
    saving = costs["truncate"].billed_units / costs["full"].billed_units
    lines = [(f"full bills >= {TARGET_SAVING_VS_TRUNCATE:.0f}x fewer units than truncate", f"{saving:.2f}x",
              saving >= TARGET_SAVING_VS_TRUNCATE)]  # fmt: skip
    for name in ("full", "full-48k"):
        c = costs[name]
        lines.append((f"{name}: prefix-stable >= {TARGET_PREFIX_STABLE:.0%} (bytes)", f"{c.stable_fraction:.1%}",
                      c.stable_fraction >= TARGET_PREFIX_STABLE))  # fmt: skip
        median = _median(c.per_request_stable)
        lines.append((f"{name}: prefix-stable >= {TARGET_PREFIX_STABLE:.0%} (per-request median)", f"{median:.1%}",
                      median >= TARGET_PREFIX_STABLE))  # fmt: skip
        lines.append((f"{name}: no request over the window", str(c.over_window), c.over_window == 0))
        lines.append((f"{name}: no unexpected prefix break", str(c.broken), c.broken == 0))
    print("context targets:")
    for label, value, met in lines:
        print(f"  {'met   ' if met else 'MISSED'} {label}: {value}")


def _median(values: tuple[float, ...]) -> float:
    return statistics.median(values) if values else 1.0


def _percentile(values: tuple[float, ...], fraction: float) -> float:
    return percentile(values, fraction) if values else 1.0


def measure(requests: list[ModelRequest], events: set[int], window_tokens: int) -> Costs:
    rendered = [render_request_bytes(r) for r in requests]
    billed, stable, stable_total, stable_all, total, broken = 0.0, 0, 0, 0, 0, 0
    per_request: list[float] = []
    for i, current in enumerate(rendered):
        earlier = {0, *range(max(0, i - CACHE_LOOKBACK), i)} - {i} if i else set()
        cached = max((shared_prefix_length(rendered[j], current) for j in earlier), default=0)
        billed += (CACHE_READ * cached + CACHE_WRITE * (len(current) - cached)) / BYTES_PER_TOKEN
        previous = shared_prefix_length(rendered[i - 1], current) if i else 0
        total += len(current)
        stable_all += previous
        if i not in events:
            stable += previous
            stable_total += len(current)
            broken += bool(i) and previous < len(rendered[i - 1])
            if i:
                per_request.append(previous / len(current))
    return Costs(
        input_tokens=sum(len(r) for r in rendered) // BYTES_PER_TOKEN,
        billed_units=billed,
        peak_tokens=max(len(r) for r in rendered) // BYTES_PER_TOKEN,
        stable_fraction=stable / stable_total,
        stable_fraction_all=stable_all / total,
        broken=broken,
        per_request_stable=tuple(per_request),
        over_window=sum(len(r) // BYTES_PER_TOKEN > window_tokens for r in rendered),
    )


def replay(
    name: str,
    config: ContextConfig | None,
    turns: list[Turn],
    template: Path,
    workspace: Path,
    *,
    truncate_chars: int | None = None,
) -> Replay:
    shutil.copytree(template, workspace, symlinks=True)
    logging.getLogger("agentcore.sandbox.subprocess").setLevel(logging.ERROR)
    sandbox = SubprocessSandbox(workspace, LIMITS)
    model = ScriptedModel([ScriptedInvestigator(turns)] * (len(turns) + 20))
    keeper = ContextKeeper(sandbox, config=config) if config is not None else None
    tools: list[Tool] = list(core_tools(sandbox, shell_timeout_limit_s=LIMITS.wall_time_s))
    if truncate_chars is not None:
        tools = [TruncatingTool(tool, truncate_chars) for tool in tools]
    runtime = AgentRuntime(
        model=model,
        toolbox=Toolbox(tools),
        cache_key="bench",
        estimate_cost_usd=lambda _model, _usage: 0.0,
        prepare_request=keeper.prepare_request if keeper else None,
        context=keeper,
    )
    session = Session(
        id="bench",
        investigation_id="bench",
        model=MODEL,
        system=system_blocks("system", "# Orientation\n" + "- repos/shop: the shop service\n" * 40),
        messages=[Message(role="user", content="Alert: checkout-api HTTP 5xx rate above 5% since 13:05 UTC.")],
        budget=Budget(step_limit=len(turns) + 20, token_limit=10**10, cost_limit_usd=10**6),
    )
    started = time.perf_counter()
    run_session(session, runtime)
    seconds = time.perf_counter() - started
    events = {event.request for event in session.context.events}
    kinds = Counter(event.kind for event in session.context.events)
    described = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "none"
    return Replay(name, list(model.requests), events, described, session.status, seconds)


class TruncatingTool:
    """The realistic baseline's tools: each result cut to a fixed number of characters, nothing kept aside."""

    def __init__(self, tool: Tool, limit_chars: int) -> None:
        self._tool = tool
        self._limit = limit_chars

    @property
    def spec(self) -> ToolSpec:
        return self._tool.spec

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        result = self._tool.run(arguments)
        if len(result.content) <= self._limit:
            return result
        cut = len(result.content) - self._limit
        kept = f"{result.content[: self._limit]}\n[... {cut} characters cut]"
        return ToolResult(kept, result.is_error, result.exit_code)


class ScriptedInvestigator:
    """Plays the planned turns in order; answers a compaction request with a fixed summary."""

    def __init__(self, turns: list[Turn]) -> None:
        self._turns = list(turns)
        self._next = 0
        self._ids = 0

    def __call__(self, request: ModelRequest) -> ModelResponse:
        usage = Usage(input_tokens=len(render_request_bytes(request)) // BYTES_PER_TOKEN, output_tokens=200)
        last = request.messages[-1]
        if last.role == "user" and last.content.startswith("Your context is nearly full"):
            return ModelResponse(
                message=Message(role="assistant", content=SUMMARY), stop_reason="end_turn", usage=usage, model="bench"
            )
        if self._next >= len(self._turns):
            text = "Root cause: a null coupon in the cart total (see report/conclusion.json)."
            return ModelResponse(
                message=Message(role="assistant", content=text), stop_reason="end_turn", usage=usage, model="bench"
            )
        text, invocations = self._turns[self._next]
        text = f"{text} {REASONING[self._next % len(REASONING)]}"
        self._next += 1
        calls = []
        for tool, arguments in invocations:
            self._ids += 1
            calls.append(ToolCall(id=f"call_{self._ids}", name=tool, arguments=arguments))
        message = Message(role="assistant", content=text, tool_calls=tuple(calls))
        return ModelResponse(message=message, stop_reason="tool_use", usage=usage, model="bench")


def investigation(quick: bool) -> list[Turn]:
    """The planned turns: a realistic mix, 2-3 calls in some turns, ≥ 60 calls in the full run."""
    opening: list[Turn] = [
        ("Start from memory.", [("read_file", {"path": "memory/MEMORY.md"})]),
        ("Write the plan.", [("write", {"path": "notes/plan.md", "content": "# Plan\n- [ ] logs\n- [ ] code\n"})]),
        ("Which tables?", [("shell", {"command": "ls -la data/logs && wc -l data/logs/*"})]),
        ("Pull the failing requests.", [("shell", {"command": "grep ',500,' data/logs/AppRequests.csv | head -3000"})]),
        ("And the exceptions.", [("shell", {"command": "head -400 data/logs/AppExceptions.log"})]),
    ]
    cycle: list[Callable[[int], Turn]] = [
        lambda i: (
            f"Errors around minute {i}.",
            [("grep", {"pattern": f"13:{i % 60:02d}:.*ERROR", "path": "data/logs"})],
        ),
        lambda i: (
            f"Read module {i}.",
            [("read_file", {"path": _module_path(i)}), ("grep", {"pattern": "def charge_", "path": "repos/shop/src"})],
        ),
        lambda i: (
            f"Raw window {i}.",
            [("shell", {"command": f"sed -n '{i * 900},{i * 900 + 1500}p' data/logs/app.log"})],
        ),
        lambda i: (f"Try importing {i}.", [("shell", {"command": f"python3 -c 'import shop_{i}'"})]),
        lambda i: ("Check the plan.", [("read_file", {"path": "notes/plan.md"})]),
        lambda i: (
            f"Where is gateway {i} used?",
            [
                ("grep", {"pattern": "gateway", "path": "repos/shop", "max_matches": 300}),
                ("find", {"pattern": "*.yaml"}),
            ],
        ),
        lambda i: (f"Missing file {i}.", [("shell", {"command": f"cat data/logs/archive-{i}.log"})]),
        lambda i: (
            f"Latency rows {i}.",
            [("shell", {"command": f"awk -F, '$5 > {900 + i}' data/logs/AppRequests.csv | head -800"})],
        ),
    ]
    count = 24 if quick else 72
    return [*opening, *(cycle[i % len(cycle)](i) for i in range(count))]


def _module_path(index: int) -> str:
    packages = ("payments", "orders", "inventory", "api", "common", "notifications")
    nouns = ("payment", "order", "cart", "invoice", "refund", "customer", "token", "retry", "gateway", "ledger")
    verbs = ("load", "validate", "submit", "cancel", "render", "sync", "resolve", "publish", "record", "charge")
    module = index * 7 % 120
    name = f"{nouns[module % 10]}_{verbs[module // 10 % 10]}_{module}"
    return f"repos/shop/src/{packages[module % 6]}/{name}.py"


def build_investigation_workspace(root: Path) -> None:
    """The harness's workspace (a ~300-file repo, memory, plan) plus log extracts under data/logs."""
    build_workspace(root)
    rng = random.Random(7)
    logs = root / "data" / "logs"
    logs.mkdir(parents=True)
    rows = ["TimeGenerated,AppRoleName,Name,ResultCode,DurationMs,Success,OperationId"]
    for i in range(40_000):
        code = 500 if rng.random() < 0.08 else 200
        rows.append(
            f"2026-03-02T13:{i // 700 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z,checkout-api,POST /api/cart/checkout,"
            f"{code},{rng.randint(5, 2500)},{str(code == 200).lower()},op-{rng.getrandbits(48):012x}"
        )
    (logs / "AppRequests.csv").write_text("\n".join(rows) + "\n")
    app = []
    for i in range(60_000):
        level = rng.choices(["INFO", "WARN", "ERROR"], weights=[85, 10, 5])[0]
        app.append(
            f"2026-03-02T13:{i // 1000 % 60:02d}:{i % 60:02d}Z {level} checkout-api "
            f"cart={rng.getrandbits(32):08x} step={i}"
        )
        if level == "ERROR" and i % 7 == 0:
            app += [
                "Traceback (most recent call last):",
                '  File "/app/src/api/cart.py", line 88, in total',
                "    return sum(item.price for item in items) - coupon.amount",
                "AttributeError: 'NoneType' object has no attribute 'amount'",
            ]
    (logs / "app.log").write_text("\n".join(app) + "\n")
    exceptions = [
        f"{line}\n  at Shop.Cart.Total() in /src/Cart.cs:line {40 + i % 9}\n"
        "  at Shop.Checkout.Post() in /src/Checkout.cs:line 112"
        for i, line in enumerate(a for a in app if " ERROR " in a)
    ]
    (logs / "AppExceptions.log").write_text("\n".join(exceptions) + "\n")
    (root / "skills" / "kql.md").write_text("# KQL\nSummarize before you pull rows.\n" * 20)
