"""Prompt-cache hit rates leave out requests a model could never cache, and say so, instead of reporting misses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.models.caching import min_cacheable_prompt_tokens
from agentcore.scenarios import load_scenario
from agentcore.triage._prompt_cache import prompt_cache_evidence, prompt_cache_use

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "llm-prompt-cache-regression"
DEPLOYED = datetime(2026, 4, 7, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDbLogStore]:
    scenario = load_scenario(EXAMPLE)
    store = DuckDbLogStore.load(
        scenario.telemetry, tmp_path_factory.mktemp("cache") / "t.duckdb", query_now=scenario.incident_time
    )
    yield store
    store.close()


@pytest.mark.parametrize(
    ("model", "tokens"),
    [("gpt-4.1-nano-2025-04-14", 1024), ("anthropic:claude-haiku-4-5", 4096), ("claude-3-5-haiku-latest", 2048),
     ("claude-sonnet-4-6", 1024), ("some-local-model", 1024)],
)  # fmt: skip
def test_each_model_has_a_minimum_cacheable_prompt(model: str, tokens: int) -> None:
    assert min_cacheable_prompt_tokens(model) == tokens


def test_the_router_models_short_prompts_are_uncacheable_not_misses(logs: DuckDbLogStore) -> None:
    _, uses = prompt_cache_use(logs, DEPLOYED, datetime(2026, 4, 7, 10, 15, tzinfo=UTC))
    nano = next(u for u in uses if u.model.startswith("gpt-4.1-nano"))
    assert nano.before.requests == nano.before.uncacheable > 0
    assert nano.before.hit_rate is None
    assert nano.after.hit_rate is None


def test_the_chat_models_hit_rate_falls_after_the_deploy(logs: DuckDbLogStore) -> None:
    _, uses = prompt_cache_use(logs, DEPLOYED, datetime(2026, 4, 7, 10, 15, tzinfo=UTC))
    chat = next(u for u in uses if u.model.startswith("gpt-4.1-2025"))
    assert chat.before.uncacheable == 0
    assert chat.before.hit_rate is not None
    assert chat.after.hit_rate is not None
    assert round(chat.before.hit_rate, 2) == 0.69
    assert chat.after.hit_rate < 0.5


def test_the_evidence_says_uncacheable_for_the_router_and_gives_rates_for_the_chat_model(logs: DuckDbLogStore) -> None:
    claims = [e.claim for e in prompt_cache_evidence(logs, DEPLOYED, datetime(2026, 4, 7, 10, 15, tzinfo=UTC))]
    assert any("nano" in c and "uncacheable" in c and "1,024-token minimum" in c for c in claims)
    assert any(c.startswith("gpt-4.1-2025-04-14: prompt-cache hit rate 69% before 09:30Z") for c in claims)
