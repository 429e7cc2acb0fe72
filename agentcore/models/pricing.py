"""List prices of the models we run, to estimate what a call cost. Estimates, not invoices.

USD per million tokens at the standard (not batch, not priority) tier, short-context rates, 5-minute
cache writes. OpenAI has no cache-write surcharge, so its write price is the input price. Refresh the
table from the providers' pricing pages when models change; unknown models estimate to None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentcore.models import Usage


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens."""

    input_usd_per_mtok: float
    cache_write_usd_per_mtok: float
    cache_read_usd_per_mtok: float
    output_usd_per_mtok: float


def _anthropic(input_usd: float, output_usd: float) -> ModelPrice:
    """Anthropic prices 5-minute cache writes at 1.25x and cache reads at 0.1x the input price."""
    return ModelPrice(input_usd, input_usd * 1.25, input_usd * 0.1, output_usd)


def _openai(input_usd: float, cached_usd: float, output_usd: float) -> ModelPrice:
    return ModelPrice(input_usd, input_usd, cached_usd, output_usd)


PRICES: dict[str, ModelPrice] = {
    # Anthropic
    "claude-opus-5": _anthropic(5.00, 25.00),
    "claude-opus-4-8": _anthropic(5.00, 25.00),
    "claude-opus-4-7": _anthropic(5.00, 25.00),
    "claude-opus-4-6": _anthropic(5.00, 25.00),
    "claude-opus-4-5": _anthropic(5.00, 25.00),
    "claude-opus-4-1": _anthropic(15.00, 75.00),
    "claude-opus-4-0": _anthropic(15.00, 75.00),
    "claude-opus-4": _anthropic(15.00, 75.00),
    "claude-sonnet-4-6": _anthropic(3.00, 15.00),
    "claude-sonnet-4-5": _anthropic(3.00, 15.00),
    "claude-sonnet-4-0": _anthropic(3.00, 15.00),
    "claude-sonnet-4": _anthropic(3.00, 15.00),
    "claude-3-7-sonnet": _anthropic(3.00, 15.00),
    "claude-haiku-4-5": _anthropic(1.00, 5.00),
    "claude-3-5-haiku": _anthropic(0.80, 4.00),
    # OpenAI
    "gpt-5.5": _openai(5.00, 0.50, 30.00),
    "gpt-5.4": _openai(2.50, 0.25, 15.00),
    "gpt-5.4-mini": _openai(0.75, 0.075, 4.50),
    "gpt-5.4-nano": _openai(0.20, 0.02, 1.25),
    "gpt-5.2": _openai(1.75, 0.175, 14.00),
    "gpt-5.1": _openai(1.25, 0.125, 10.00),
    "gpt-5": _openai(1.25, 0.125, 10.00),
    "gpt-5-mini": _openai(0.25, 0.025, 2.00),
    "gpt-5-nano": _openai(0.05, 0.005, 0.40),
    "gpt-4.1": _openai(2.00, 0.50, 8.00),
    "gpt-4.1-mini": _openai(0.40, 0.10, 1.60),
    "gpt-4.1-nano": _openai(0.10, 0.025, 0.40),
    "gpt-4o": _openai(2.50, 1.25, 10.00),
    "gpt-4o-mini": _openai(0.15, 0.075, 0.60),
    "o3": _openai(2.00, 0.50, 8.00),
    "o4-mini": _openai(1.10, 0.275, 4.40),
}

# Snapshot suffixes: claude-sonnet-4-5-20250929, gpt-4.1-2025-04-14, claude-3-5-haiku-latest, Vertex's @20250929.
_SNAPSHOT_SUFFIX = re.compile(r"(-\d{8}|-\d{4}-\d{2}-\d{2}|@\d{8}|-latest)$")


def price_for(model: str) -> ModelPrice | None:
    """The list price of `model`, dated snapshots resolving to their family; None when unknown."""
    name = model.strip().lower()
    if name in PRICES:
        return PRICES[name]
    return PRICES.get(_SNAPSHOT_SUFFIX.sub("", name))


def estimate_cost_usd(model: str, usage: Usage) -> float | None:
    """Estimated USD of one call's usage; None for a model not in the table."""
    price = price_for(model)
    if price is None:
        return None
    uncached = max(0, usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens)
    total = (
        uncached * price.input_usd_per_mtok
        + usage.cache_write_tokens * price.cache_write_usd_per_mtok
        + usage.cached_input_tokens * price.cache_read_usd_per_mtok
        + usage.output_tokens * price.output_usd_per_mtok
    )
    return total / 1_000_000


__all__ = ["PRICES", "ModelPrice", "estimate_cost_usd", "price_for"]
