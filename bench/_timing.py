"""Measurement helpers shared by the benchmarks: repeated timing with warmup, median and p90, peak memory.

Times are wall-clock (`time.perf_counter`) per call, with the garbage collector left on (a real step
pays for its collections too) and a `gc.collect()` before each series so one series does not pay for
the previous one's garbage. Peak memory is measured in a separate, untimed call, because tracemalloc
slows every allocation down.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

Prepared = TypeVar("Prepared")


@dataclass(frozen=True)
class Plan:
    """How hard to measure: untimed warmup calls, the most timed calls, and a time cap per series."""

    warmup: int
    repeat: int
    budget_s: float
    min_repeat: int = 5
    """Always take at least this many samples, whatever the budget, so p90 means something."""
    baseline_repeat: int = 15
    """Baseline calls timed just before and again just after each series (see `measure_bracketed`)."""


FULL = Plan(warmup=3, repeat=60, budget_s=1.5)
QUICK = Plan(warmup=1, repeat=5, budget_s=0.2, min_repeat=3, baseline_repeat=3)


@dataclass(frozen=True)
class Timing:
    """The per-call durations of one series, in seconds."""

    samples_s: tuple[float, ...]

    @property
    def median_s(self) -> float:
        return statistics.median(self.samples_s)

    @property
    def p90_s(self) -> float:
        return percentile(self.samples_s, 0.9)


@dataclass(frozen=True)
class BenchResult:
    """One row of a benchmark's table. `ratio` is median / the module's baseline median, same run."""

    group: str
    name: str
    median_s: float
    p90_s: float
    samples: int
    ratio: float
    baseline_median_s: float
    """The ratio's denominator: the median of the run's baseline samples."""
    local_baseline_median_s: float | None = None
    """The median of the baseline calls just before and after this series, when taken: far from
    `baseline_median_s`, it says the machine's load changed while this row ran."""
    peak_bytes: int | None = None
    """Most memory Python held at once during one call (tracemalloc), when measured."""
    detail: str = ""


def percentile(values: tuple[float, ...] | list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample at or above `fraction` of the sorted samples."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def measure_each(setup: Callable[[], Prepared], action: Callable[[Prepared], object], plan: Plan) -> Timing:
    """Time `action(setup())`; `setup` runs untimed before every call (fresh state for each sample)."""
    for _ in range(plan.warmup):
        action(setup())
    gc.collect()
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < plan.repeat:
        if len(samples) >= plan.min_repeat and time.perf_counter() - started >= plan.budget_s:
            break
        prepared = setup()
        begin = time.perf_counter()
        action(prepared)
        samples.append(time.perf_counter() - begin)
    return Timing(tuple(samples))


def measure(action: Callable[[], object], plan: Plan) -> Timing:
    """Time `action()` repeatedly after warmup, within the plan's budget."""
    return measure_each(lambda: None, lambda _: action(), plan)


def measure_bracketed(
    baseline: Callable[[], object], setup: Callable[[], Prepared], action: Callable[[Prepared], object], plan: Plan
) -> tuple[Timing, Timing]:
    """Time `action(setup())` as `measure_each` does, and `baseline()` in a short series just before and after.

    The second timing pools both baseline series: pooled over a run, the brackets sample the
    baseline across the whole run rather than only at its start, and each row's own brackets show
    whether the load changed while it ran. (Not interleaved call by call: the baseline's fork and
    exec would evict the caches that microsecond-scale actions rely on.)
    """
    reference = replace(plan, warmup=1, repeat=plan.baseline_repeat, min_repeat=plan.baseline_repeat)
    before = measure(baseline, reference)
    timing = measure_each(setup, action, plan)
    after = measure(baseline, reference)
    return timing, Timing(before.samples_s + after.samples_s)


def peak_memory_bytes(action: Callable[[], object]) -> int:
    """The most memory Python had allocated at once, above what it held before, while `action` ran."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        action()
        return max(0, tracemalloc.get_traced_memory()[1] - before)
    finally:
        if not was_tracing:
            tracemalloc.stop()


def bench_result(
    group: str,
    name: str,
    timing: Timing,
    baseline: Timing,
    *,
    local_baseline: Timing | None = None,
    peak_bytes: int | None = None,
    detail: str = "",
) -> BenchResult:
    """A table row for `timing`, with its ratio to `baseline`, measured in the same run."""
    return BenchResult(
        group=group,
        name=name,
        median_s=timing.median_s,
        p90_s=timing.p90_s,
        samples=len(timing.samples_s),
        ratio=timing.median_s / baseline.median_s,
        baseline_median_s=baseline.median_s,
        local_baseline_median_s=None if local_baseline is None else local_baseline.median_s,
        peak_bytes=peak_bytes,
        detail=detail,
    )
