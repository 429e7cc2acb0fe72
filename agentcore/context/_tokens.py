"""Token accounting: the provider's last count plus a calibrated estimate of what was added since.

Thresholds must act before the provider refuses a prompt, so the estimate for the next request is
`last reported input tokens + tokens per char * (chars now - chars then)`. Tokens per char is the
running ratio of reported input tokens to request characters over the session's calls, clamped to
a sane range so one odd report (a test double, a proxy that reports nothing) cannot blind it.
"""

from __future__ import annotations

from agentcore.agent.session import ContextState
from agentcore.context._config import ContextConfig

MIN_TOKENS_PER_CHAR = 0.05
MAX_TOKENS_PER_CHAR = 1.0


def tokens_per_char(state: ContextState, config: ContextConfig) -> float:
    """The calibrated ratio, or the configured starting guess before any usage was reported."""
    if state.calibration_chars <= 0 or state.calibration_tokens <= 0:
        return config.initial_tokens_per_char
    ratio = state.calibration_tokens / state.calibration_chars
    return min(MAX_TOKENS_PER_CHAR, max(MIN_TOKENS_PER_CHAR, ratio))


def calibrate(state: ContextState, request_chars: int, input_tokens: int) -> None:
    """Fold one successful call into the ratio and remember it as the base of the next estimate."""
    if input_tokens <= 0 or request_chars <= 0:
        return
    state.calibration_tokens += input_tokens
    state.calibration_chars += request_chars
    state.last_input_tokens = input_tokens
    state.last_request_chars = request_chars


def estimate_tokens(state: ContextState, config: ContextConfig, request_chars: int) -> int:
    """Estimated input tokens of a request of `request_chars` canonical characters."""
    ratio = tokens_per_char(state, config)
    if state.last_input_tokens <= 0:
        return round(ratio * request_chars)
    return max(0, round(state.last_input_tokens + ratio * (request_chars - state.last_request_chars)))
