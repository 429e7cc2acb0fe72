"""Startup: an evidence-only investigation of the example scenario from a cold interpreter, against `python -c pass`.

Each sample is a fresh `python -m agentcore.cli investigate --scenario examples/scenarios/checkout-bad-deploy`
with no model configured and its own empty data directory: interpreter start, imports, the first KQL parse,
loading telemetry, cloning the bundles, triage and the report, exactly what a user waits for. Baseline and
runs alternate, so load on the machine hits both. The target is a median under 0.5 s; the detail column
says whether it is met. Modules are byte-compiled once, as an installed package's are (this machine sets
PYTHONDONTWRITEBYTECODE, which would make every sample compile agentcore from source; a row measures that too).
The CPU row is user + system time of the child and its git subprocesses: on a machine shared with other
work, wall time mostly measures the load, CPU time what the run costs. The last row is one run with
`-X importtime` summed (imports only).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._timing import BenchResult, Timing, bench_result

BASELINE = "`python -c pass` (a bare interpreter start)"
TARGET_S = 0.5
SCENARIO = Path(__file__).resolve().parent.parent / "examples" / "scenarios" / "checkout-bad-deploy"
FULL_RUNS, QUICK_RUNS = 9, 2


def _environment(bytecode_dir: Path | None) -> dict[str, str]:
    """This environment without any model or data-dir setting, so the run is evidence-only and isolated.

    With `bytecode_dir`, modules are byte-compiled once into it and read from there after (as an installed
    package's are), even where PYTHONDONTWRITEBYTECODE is set, as on this machine; without, that setting stays.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SRE_AGENT_", "ANTHROPIC_", "OPENAI_"))}
    if bytecode_dir is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_dir)
    return env


def _children_cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, with the command's own children) of one run."""
    cpu_before, started = _children_cpu_s(), time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=SCENARIO.parent.parent.parent)
    return time.perf_counter() - started, _children_cpu_s() - cpu_before


def _investigate(data_dir: Path, *flags: str) -> list[str]:
    cli = ["-m", "agentcore.cli", "investigate", "--scenario", str(SCENARIO), "--data-dir", str(data_dir)]
    return [sys.executable, *flags, *cli]


def import_seconds(data_dir: Path, env: dict[str, str]) -> float:
    """Seconds spent importing top-level modules in one run (`-X importtime`, cumulative of the roots)."""
    done = subprocess.run(_investigate(data_dir, "-X", "importtime"), capture_output=True, text=True, env=env)
    total_us = 0
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if found and not found.group(2).startswith(" "):
            total_us += int(found.group(1))
    return total_us / 1e6


def _series(scratch: Path, env: dict[str, str], runs: int, tag: str) -> tuple[list[float], ...]:
    """Alternating `python -c pass` and investigate runs: (bare wall, bare CPU, run wall, run CPU)."""
    _timed(_investigate(scratch / f"warmup-{tag}"), env)  # byte-compiles (when allowed) and fills the page cache
    series: tuple[list[float], ...] = ([], [], [], [])
    for i in range(runs):
        for offset, command in ((0, [sys.executable, "-c", "pass"]), (2, _investigate(scratch / f"{tag}{i}"))):
            wall, cpu = _timed(command, env)
            series[offset].append(wall)
            series[offset + 1].append(cpu)
    return series


def run(quick: bool) -> list[BenchResult]:
    runs = QUICK_RUNS if quick else FULL_RUNS
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch_name:
        scratch = Path(scratch_name)
        env = _environment(scratch / "bytecode")
        bare, bare_cpu, cold, cold_cpu = _series(scratch, env, runs, "run")
        _, _, source, _ = _series(scratch, _environment(None), runs, "source")
        imports = import_seconds(scratch / "importtime", env)
    baseline, timing = Timing(tuple(bare)), Timing(tuple(cold))
    met = "met" if timing.median_s < TARGET_S else "NOT met"
    name = f"evidence-only investigate {SCENARIO.name}"
    return [
        bench_result("startup", "python -c pass", baseline, baseline),
        bench_result("startup", name, timing, baseline, detail=f"target < {TARGET_S:g} s median: {met}"),
        bench_result(
            "startup",
            "  its CPU (user + system)",
            Timing(tuple(cold_cpu)),
            Timing(tuple(bare_cpu)),
            detail="× base here is against the CPU of `python -c pass`",
        ),
        bench_result(
            "startup",
            "  the same, compiling from source each run",
            Timing(tuple(source)),
            baseline,
            detail="PYTHONDONTWRITEBYTECODE as this machine sets it",
        ),
        bench_result(
            "startup",
            "  of which imports (-X importtime, one run)",
            Timing((imports,)),
            baseline,
            detail="sum of the top-level imports' cumulative times",
        ),
    ]
