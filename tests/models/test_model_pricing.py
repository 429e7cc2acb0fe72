"""Cost estimates from the price table: cache reads and writes priced apart, snapshots resolved."""

from __future__ import annotations

import pytest

from agentcore.models import Usage
from agentcore.models.pricing import PRICES, estimate_cost_usd, price_for


def test_anthropic_cost_prices_cache_reads_writes_and_output_apart() -> None:
    usage = Usage(input_tokens=1_000_000, cached_input_tokens=600_000, cache_write_tokens=100_000, output_tokens=10_000)
    # claude-sonnet-4-6: $3 input, $3.75 cache write, $0.30 cache read, $15 output per million tokens
    expected = 0.3 * 3.00 + 0.1 * 3.75 + 0.6 * 0.30 + 0.01 * 15.00
    assert estimate_cost_usd("claude-sonnet-4-6", usage) == pytest.approx(expected)


def test_openai_cost_prices_cached_input_at_the_cached_rate() -> None:
    usage = Usage(input_tokens=5120, cached_input_tokens=4096, output_tokens=61)
    expected = (1024 * 2.00 + 4096 * 0.50 + 61 * 8.00) / 1_000_000
    assert estimate_cost_usd("gpt-4.1", usage) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("snapshot", "family"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("gpt-4.1-2025-04-14", "gpt-4.1"),
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
    ],
)
def test_dated_snapshots_are_priced_as_their_family(snapshot: str, family: str) -> None:
    assert price_for(snapshot) == PRICES[family]


@pytest.mark.parametrize("model", ["llama-3.1-8b-instruct", "gpt-4.1-turbo-ultra", "my-azure-deployment", ""])
def test_unknown_models_have_no_estimate(model: str) -> None:
    assert estimate_cost_usd(model, Usage(input_tokens=100, output_tokens=10)) is None


def test_openai_cache_writes_cost_the_input_price() -> None:
    price = PRICES["gpt-4.1"]
    assert price.cache_write_usd_per_mtok == price.input_usd_per_mtok


def test_empty_usage_costs_nothing() -> None:
    assert estimate_cost_usd("claude-opus-4-6", Usage()) == 0.0
