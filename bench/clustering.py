"""Error clustering, measured: grouping accuracy (GA) on Loghub-2k and throughput, against drain3 in the same run.

GA (the standard metric, defined in shared/data/README.md): a message is grouped correctly when the
set of messages in its predicted group equals the set with its ground-truth EventId. One miner
configuration serves all 14 datasets. drain3 runs with its defaults in a virtualenv of its own
(`bench/.venvs/drain3`, made on first use from PyPI), because it pins old dependencies; its row is
skipped with the reason when that venv cannot be made. Throughput is lines per second over each
dataset (the miner's whole pass, masking included). Targets: average GA >= 0.92 and >= 3x drain3's
lines per second. A row mines one million synthetic error lines for time and peak memory; the last
clusters one million synthetic error *records with stack traces* end to end on the embedded default
(AppExceptions JSONL loaded into DuckDB, then `cluster_window`), in a process of its own so its peak
resident memory is its own; its ratio is the clustering time over the loading time of the same run.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agentcore.clustering.templates import mine_templates
from bench._timing import BenchResult, peak_memory_bytes

BASELINE = "drain3 (defaults) over the same dataset"
ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SRE_AGENT_LOGHUB_DIR", ROOT.parent / "shared" / "data" / "loghub-2k"))
DRAIN3_VENV = Path(__file__).resolve().parent / ".venvs" / "drain3"
DRAIN3_VERSION = "0.9.11"
DRAIN3_REQUIREMENTS = Path(__file__).resolve().parent / "drain3-requirements.txt"
"""drain3 and its dependencies, each pinned with its hash."""
TARGET_GA = 0.92
TARGET_SPEEDUP = 3.0


def grouping_accuracy(predicted: Sequence[object], truth: Sequence[str]) -> float:
    """Share of messages whose predicted group holds exactly the messages of their true group."""
    predicted_groups: dict[object, set[int]] = defaultdict(set)
    true_groups: dict[str, set[int]] = defaultdict(set)
    for index, (group, event) in enumerate(zip(predicted, truth, strict=True)):
        predicted_groups[group].add(index)
        true_groups[event].add(index)
    right = sum(predicted_groups[group] == true_groups[event] for group, event in zip(predicted, truth, strict=True))
    return right / len(truth)


def datasets() -> list[str]:
    return sorted(p.name.split("_2k")[0] for p in DATA_DIR.glob("*_2k.log_structured_corrected.csv"))


def load(name: str) -> tuple[list[str], list[str]]:
    with (DATA_DIR / f"{name}_2k.log_structured_corrected.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["Content"] for row in rows], [row["EventId"] for row in rows]


def run(quick: bool = False) -> list[BenchResult]:
    names = datasets()
    if not names:
        print(f"clustering: no Loghub samples under {DATA_DIR}; set SRE_AGENT_LOGHUB_DIR")
        return [_million_records(quick)]
    repeats = 1 if quick else 5
    drain = _drain3(names, repeats)
    results, ours_ga, drain_ga = [], [], []
    print(f"\nclustering: grouping accuracy on Loghub-2k ({len(names)} datasets), ours vs drain3 {DRAIN3_VERSION}")
    print(f"{'dataset':<12} {'GA ours':>8} {'GA drain3':>9} {'ours l/s':>10} {'drain3 l/s':>10} {'speed':>6}")
    for name in names:
        lines, truth = load(name)
        seconds = statistics.median(_timed(lines) for _ in range(repeats))
        ga = grouping_accuracy(mine_templates(lines), truth)
        ours_ga.append(ga)
        theirs = drain.get(name)
        theirs_ga = grouping_accuracy(theirs.assignments, truth) if theirs else float("nan")
        theirs_s = theirs.seconds if theirs else float("nan")
        drain_ga.append(theirs_ga)
        print(f"{name:<12} {ga:>8.3f} {theirs_ga:>9.3f} {len(lines) / seconds:>10,.0f} "
              f"{len(lines) / theirs_s:>10,.0f} {theirs_s / seconds:>5.1f}x")  # fmt: skip
        results.append(BenchResult(group="clustering", name=name, median_s=seconds, p90_s=seconds, samples=repeats,
                                   ratio=seconds / theirs_s, baseline_median_s=theirs_s,
                                   detail=f"GA {ga:.3f} (drain3 {theirs_ga:.3f})"))  # fmt: skip
    average, average_drain = statistics.mean(ours_ga), statistics.mean(drain_ga)
    # Throughput over all 28,000 lines: total time against total time (a per-dataset median would let the
    # small, quick datasets decide).
    speedup = sum(r.baseline_median_s for r in results) / sum(r.median_s for r in results)
    print(f"{'average':<12} {average:>8.3f} {average_drain:>9.3f}   overall speed-up {speedup:.1f}x")
    print(f"  {'met   ' if average >= TARGET_GA else 'MISSED'} average GA >= {TARGET_GA}: {average:.3f}")
    print(f"  {'met   ' if speedup >= TARGET_SPEEDUP else 'MISSED'} >= {TARGET_SPEEDUP:.0f}x drain3's lines/s: "
          f"{speedup:.1f}x")  # fmt: skip
    results.append(_million(quick))
    results.append(_million_records(quick))
    return results


def _timed(lines: list[str]) -> float:
    started = time.perf_counter()
    mine_templates(lines)
    return time.perf_counter() - started


def _million(quick: bool) -> BenchResult:
    count = 100_000 if quick else 1_000_000
    lines = synthetic_error_lines(count)
    started = time.perf_counter()
    templates = mine_templates(lines)
    seconds = time.perf_counter() - started
    peak = peak_memory_bytes(lambda: mine_templates(lines))
    return BenchResult(group="clustering", name=f"{count:,} synthetic error lines", median_s=seconds, p90_s=seconds,
                       samples=1, ratio=float("nan"), baseline_median_s=float("nan"), peak_bytes=peak,
                       detail=f"{count / seconds:,.0f} lines/s; {len(set(templates))} templates")  # fmt: skip


def _million_records(quick: bool) -> BenchResult:
    count = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="sre-agent-bench-records-") as scratch:
        done = subprocess.run([sys.executable, "-m", "bench._error_records", str(count), scratch], cwd=ROOT,
                              capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"the error-records run failed: {done.stderr.strip()[-500:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    load_s, cluster_s, peak = measured["load_s"], measured["cluster_s"], int(measured["peak_rss_bytes"])
    total = load_s + cluster_s
    print(f"clustering: {count:,} error records with stacks, embedded default: load {load_s:.1f}s, "
          f"cluster {cluster_s:.1f}s, {count / total:,.0f} records/s, peak RSS {peak / 2**20:,.0f} MiB, "
          f"{measured['clusters']} clusters (expected {measured['expected_clusters']})")  # fmt: skip
    return BenchResult(group="clustering", name=f"{count:,} synthetic error records (DuckDB + cluster_window)",
                       median_s=total, p90_s=total, samples=1, ratio=cluster_s / load_s, baseline_median_s=load_s,
                       peak_bytes=peak, detail=f"{count / total:,.0f} records/s end to end; peak RSS "
                       f"{peak / 2**20:,.0f} MiB; {measured['clusters']}/{measured['expected_clusters']} clusters; "
                       f"JSONL {measured['file_bytes'] / 2**20:,.0f} MiB")  # fmt: skip


def synthetic_error_lines(count: int, seed: int = 11) -> list[str]:
    """Error messages of 40 kinds with ids, numbers, hosts and durations, as a busy service logs them."""
    rng = random.Random(seed)
    kinds = [
        "timeout calling {svc} after {ms} ms (attempt {n} of 3)",
        "HTTP 429 from {svc}: retry after {n} s",
        "order {guid} failed: NullReferenceException in CartTotal at line {n}",
        "connection reset by peer {ip}:{port}",
        "stream closed before message_stop after {n} events",
        "could not read /var/data/{svc}/{guid}.json: permission denied",
        "payment {guid} declined by {svc} with code {n}",
        "slow query on {svc}: {ms} ms for {n} rows",
    ]
    services = ["ledger", "fraud", "inventory", "pricing", "checkout"]
    templates = [f"{kind} [{svc}]" for kind in kinds for svc in services]
    lines = []
    for _ in range(count):
        lines.append(rng.choice(templates).format(
            svc=rng.choice(services), ms=rng.randint(100, 30_000), n=rng.randint(1, 999),
            guid=f"{rng.getrandbits(128):032x}", ip=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7",
            port=rng.randint(1024, 65535)))  # fmt: skip
    return lines


@dataclass(frozen=True)
class DrainRun:
    assignments: list[int]
    seconds: float


def drain3_python() -> Path | None:
    """drain3's virtualenv's Python, made (again) when missing or made from other requirements; None if it cannot be.

    The virtualenv records the hash of the requirements it was made from, so a half-made one, or one made before
    they were pinned, is made again."""
    python = DRAIN3_VENV / "bin" / "python"
    made_from = DRAIN3_VENV / "requirements.sha256"
    wanted = hashlib.sha256(DRAIN3_REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and made_from.is_file() and made_from.read_text(encoding="utf-8") == wanted:
        return python
    shutil.rmtree(DRAIN3_VENV, ignore_errors=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps", "--no-build-isolation"]
    made = subprocess.run([sys.executable, "-m", "venv", str(DRAIN3_VENV)], capture_output=True, check=False)
    if made.returncode or subprocess.run([*pip, "-r", str(DRAIN3_REQUIREMENTS)], capture_output=True).returncode:
        return None
    made_from.write_text(wanted, encoding="utf-8")
    return python


def _drain3(names: list[str], repeats: int) -> dict[str, DrainRun]:
    python = drain3_python()
    if python is None:
        print(f"clustering: drain3 {DRAIN3_VERSION} could not be installed in {DRAIN3_VENV}; its column is empty")
        return {}
    runner = Path(__file__).resolve().parent / "_drain3_runner.py"
    command = [str(python), str(runner), str(DATA_DIR), str(repeats), *names]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        print(f"clustering: drain3 failed: {done.stderr.strip()[-300:]}")
        return {}
    parsed = json.loads(done.stdout)
    return {name: DrainRun(list(run["assignments"]), float(run["seconds"])) for name, run in parsed.items()}
