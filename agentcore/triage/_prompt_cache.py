"""Prompt-cache hit rates of the GenAI calls a service makes, per model, before and after the symptom's onset.

A request shorter than its model's minimum cacheable prompt (agentcore.models.caching) can never hit the
cache. It is counted as *uncacheable* and left out of the hit rate, so a small router model's 0 % does
not read as a cache regression. The hit rate is cached input tokens over input tokens of the cacheable
requests, from the OpenTelemetry GenAI attributes Application Insights stores in AppDependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from agentcore.connectors.logs import LogStore
from agentcore.models.caching import (
    DEFAULT_MIN_CACHEABLE_PROMPT_TOKENS,
    MIN_CACHEABLE_PROMPT_TOKENS,
    min_cacheable_prompt_tokens,
)
from agentcore.reports import Evidence, EvidenceSource
from agentcore.triage._kql import kql_string, kql_time

LOOKBACK = timedelta(hours=24)


@dataclass(frozen=True)
class CacheWindow:
    """One model's GenAI calls in one window."""

    requests: int
    uncacheable: int
    input_tokens: int
    """Of the cacheable requests only."""
    cached_tokens: int

    @property
    def hit_rate(self) -> float | None:
        """Cached over input tokens of cacheable requests; None when there were none."""
        return self.cached_tokens / self.input_tokens if self.input_tokens else None


@dataclass(frozen=True)
class ModelCacheUse:
    model: str
    min_cacheable_tokens: int
    before: CacheWindow
    after: CacheWindow


def prompt_cache_query(start: datetime, split: datetime, end: datetime) -> str:
    cases = ", ".join(f"model startswith {kql_string(p)}, {t}" for p, t in MIN_CACHEABLE_PROMPT_TOKENS)
    return (
        f"AppDependencies | where TimeGenerated >= {kql_time(start)} and TimeGenerated < {kql_time(end)} "
        '| where isnotempty(tostring(Properties["gen_ai.usage.input_tokens"])) '
        '| extend model = tolower(tostring(Properties["gen_ai.response.model"])), '
        'input = tolong(Properties["gen_ai.usage.input_tokens"]), '
        'cached = tolong(Properties["gen_ai.usage.cached_input_tokens"]) '
        f"| extend min_cacheable = case({cases}, {DEFAULT_MIN_CACHEABLE_PROMPT_TOKENS}) "
        "| summarize requests = count(), uncacheable = countif(input < min_cacheable), "
        "input_tokens = sumif(input, input >= min_cacheable), cached_tokens = sumif(cached, input >= min_cacheable) "
        f"by model, after = TimeGenerated >= {kql_time(split)}"
    )


def prompt_cache_use(logs: LogStore, split: datetime, end: datetime) -> tuple[str, list[ModelCacheUse]]:
    """The query and each model's cache use in the day before `split` and from `split` to `end`."""
    query = prompt_cache_query(split - LOOKBACK, split, end)
    windows: dict[str, dict[bool, CacheWindow]] = {}
    for row in logs.query(query, max_rows=500).as_dicts():
        window = CacheWindow(*(_count(row[k]) for k in ("requests", "uncacheable", "input_tokens", "cached_tokens")))
        windows.setdefault(str(row["model"]), {})[bool(row["after"])] = window
    empty = CacheWindow(0, 0, 0, 0)
    uses = [
        ModelCacheUse(model, min_cacheable_prompt_tokens(model), w.get(False, empty), w.get(True, empty))
        for model, w in sorted(windows.items())
    ]
    return query, uses


def prompt_cache_evidence(logs: LogStore, split: datetime, end: datetime) -> list[Evidence]:
    """One evidence line per model: its hit rate before and after, or that its prompts are uncacheable."""
    if "AppDependencies" not in {t.name for t in logs.tables()}:
        return []
    query, uses = prompt_cache_use(logs, split, end)
    return [Evidence(claim=_claim(use, split), source=EvidenceSource(kind="log_query", ref=query),
                     excerpt=_excerpt(use)) for use in uses]  # fmt: skip


def _claim(use: ModelCacheUse, split: datetime) -> str:
    before, after = use.before.hit_rate, use.after.hit_rate
    if before is None and after is None:
        return (
            f"{use.model}: every prompt is below its {use.min_cacheable_tokens:,}-token minimum cacheable length; "
            "uncacheable, so its 0 cached tokens are expected, not cache misses"
        )
    return f"{use.model}: prompt-cache hit rate {_pct(before)} before {split:%H:%M}Z, {_pct(after)} after"


def _excerpt(use: ModelCacheUse) -> str:
    parts = []
    for label, window in (("before", use.before), ("after", use.after)):
        parts.append(f"{label}: {window.requests} requests, {window.uncacheable} uncacheable, "
                     f"{window.cached_tokens:,} of {window.input_tokens:,} cacheable input tokens cached")  # fmt: skip
    return "; ".join(parts)


def _count(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


__all__ = ["CacheWindow", "ModelCacheUse", "prompt_cache_evidence", "prompt_cache_query", "prompt_cache_use"]
