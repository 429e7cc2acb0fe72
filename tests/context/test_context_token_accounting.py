"""Token accounting: the last reported count plus calibrated chars for what is new; windows per model."""

from __future__ import annotations

from pathlib import Path

from agentcore.agent.loop import run_session
from agentcore.agent.session import ContextState
from agentcore.context import (
    DEFAULT_WINDOW_TOKENS,
    ContextConfig,
    ContextKeeper,
    render_request_text,
    window_tokens_for,
)
from agentcore.context._tokens import calibrate, estimate_tokens, tokens_per_char
from agentcore.models import Message, ModelRequest
from tests.context.context_helpers import (
    FilesOnlySandbox,
    ScriptedAgent,
    new_session,
    runtime_with_context,
    scripted_model,
)


def test_before_any_usage_a_token_is_estimated_as_four_characters() -> None:
    assert estimate_tokens(ContextState(), ContextConfig(), 40_000) == 10_000


def test_the_ratio_is_the_running_ratio_of_reported_tokens_to_request_characters() -> None:
    state = ContextState()
    calibrate(state, 1_000, 300)
    calibrate(state, 3_000, 700)
    assert tokens_per_char(state, ContextConfig()) == 1_000 / 4_000


def test_the_estimate_is_the_last_reported_count_plus_new_characters_at_the_ratio() -> None:
    state = ContextState()
    calibrate(state, 10_000, 3_000)
    assert estimate_tokens(state, ContextConfig(), 12_000) == 3_000 + 600


def test_a_shrunk_request_is_estimated_below_the_last_count() -> None:
    state = ContextState()
    calibrate(state, 10_000, 3_000)
    assert estimate_tokens(state, ContextConfig(), 5_000) == 1_500


def test_a_usage_report_of_zero_tokens_is_ignored() -> None:
    state = ContextState()
    calibrate(state, 10_000, 0)
    assert state == ContextState()


def test_an_odd_report_cannot_push_the_ratio_out_of_its_sane_range() -> None:
    state = ContextState()
    calibrate(state, 1_000_000, 1)
    assert tokens_per_char(state, ContextConfig()) == 0.05


def test_each_successful_call_calibrates_the_session(tmp_path: Path) -> None:
    model = scripted_model(ScriptedAgent(["Done."]))
    runtime, _ = runtime_with_context(model, tmp_path)
    session = run_session(new_session(), runtime)
    assert session.context.last_input_tokens == session.usage.input_tokens > 0
    assert 0.24 < tokens_per_char(session.context, ContextConfig()) <= 0.25


def test_the_keeper_estimates_a_request_including_messages_added_since_the_last_call(tmp_path: Path) -> None:
    keeper = ContextKeeper(FilesOnlySandbox(tmp_path))
    session = new_session()
    calibrate(session.context, 1_000, 250)
    session.messages.append(Message(role="user", content="x" * 4_000))
    request = ModelRequest(system=session.system, messages=tuple(session.messages))
    chars = len(render_request_text(request))
    assert chars > 4_000
    assert keeper.estimate_tokens(session, request) == round(250 + 0.25 * (chars - 1_000))


def test_windows_default_by_model_and_to_200k_for_unknown_models() -> None:
    assert window_tokens_for("anthropic:claude-sonnet-4-6") == 200_000
    assert window_tokens_for("openai:gpt-4.1-mini") == 1_047_576
    assert window_tokens_for("openai:gpt-4o") == 128_000
    assert window_tokens_for("openai:some-local-model") == DEFAULT_WINDOW_TOKENS == 200_000
    assert window_tokens_for(None) == 200_000


def test_a_configured_window_wins_over_the_model_default() -> None:
    assert ContextConfig(window_tokens=32_000).window_for("anthropic:claude-sonnet-4-6") == 32_000


def test_compaction_starts_at_80_percent_of_the_window_when_that_comes_first() -> None:
    assert ContextConfig().compaction_threshold_tokens(200_000, 8_192) == 160_000


def test_compaction_starts_earlier_when_output_reserve_and_headroom_leave_less() -> None:
    assert ContextConfig().compaction_threshold_tokens(32_000, 8_192) == 32_000 - 8_192 - 12_000


def test_pruning_starts_at_a_quarter_of_the_window() -> None:
    assert ContextConfig().prune_threshold_tokens(200_000) == 50_000
