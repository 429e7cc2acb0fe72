"""Every knob of context engineering, with the starting defaults of DESIGN §4. The benchmarks decide."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

DEFAULT_WINDOW_TOKENS = 200_000
"""The window assumed for a model nobody listed."""

KNOWN_WINDOW_TOKENS: tuple[tuple[str, int], ...] = (
    ("claude-sonnet-4", 200_000),
    ("claude-opus-4", 200_000),
    ("claude-haiku-4", 200_000),
    ("claude-3", 200_000),
    ("gpt-5", 400_000),
    ("gpt-4.1", 1_047_576),
    ("gpt-4o", 128_000),
    ("o4-mini", 200_000),
    ("o3", 200_000),
)
"""Model-name prefixes and their context windows, most specific first."""


class ContextConfig(BaseModel):
    """Limits and thresholds of spill, pruning and compaction for one session."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outputs_dir: str = "outputs"
    """Workspace folder where every tool result is saved as `<seq>-<hash>.txt`."""

    inline_limit_chars: int = 8_000
    """A tool result longer than this reaches the model as a preview; the whole of it stays in its file.
    (bench/context: 8k with earlier pruning bills 2.8x fewer units than a loop truncating at 16k; 16k, 1.8x.)"""

    turn_inline_limit_chars: int = 32_000
    """Most characters of inline results in one turn; the largest are spilled first until it fits."""

    preview_head_lines: int = 20
    """Leading lines of a spilled result shown in its preview."""

    preview_tail_lines: int = 10
    """Trailing lines of a spilled result shown in its preview."""

    preview_error_lines: int = 10
    """Most error-looking lines (error, exception, fatal, traceback, failed) shown from the middle.
    (bench/context: previews of 20 + 10 + 10 lines instead of 40 + 20 + 20 took the saving over truncation
    from 2.7x to 3.3x; a preview is re-read with every later request until it is masked, and the whole
    result is one read_file or grep away.)"""

    preview_line_chars: int = 200
    """Preview lines are clipped to this many characters (so a preview stays under about 16k)."""

    trailing_spill_min_chars: int = 2_000
    """When the provider refuses a prompt as too long, trailing results longer than this are spilled."""

    window_tokens: int | None = None
    """The model's context window; None looks the model up in KNOWN_WINDOW_TOKENS (default 200k)."""

    prune_threshold_fraction: float = 0.25
    """Old tool results are masked once the context passes this fraction of the window...
    (DESIGN's 0.5 let every old result be re-read ~40 more times first; bench/context decided.)"""

    prune_min_maskable_tokens: int = 20_000
    """...and at least this many tokens can be masked; otherwise masking would not pay for the cache it breaks."""

    prune_keep_recent_results: int = 5
    """The most recent tool results are never masked."""

    compaction_threshold_fraction: float = 0.8
    """Compaction starts at this fraction of the window (or earlier, see `compaction_headroom_tokens`)."""

    compaction_headroom_tokens: int = 12_000
    """Compaction also starts when fewer than this many tokens remain beside the reserved output."""

    summary_tokens: int = 3_000
    """Length the compaction summary is asked to stay within."""

    summary_limit_chars: int = 20_000
    """A longer summary is cut here (with a note), so a runaway summary cannot refill the window."""

    compaction_failure_limit: int = 3
    """Failed compactions in a row that stop the session."""

    reinjected_plan_chars: int = 8_000
    """Characters of notes/plan.md re-injected after compaction."""

    reinjected_skills: int = 2
    """Most recently read skills re-injected after compaction."""

    reinjected_skill_chars: int = 6_000
    """Characters of each re-injected skill."""

    initial_tokens_per_char: float = 0.25
    """Token estimate per character before the provider has reported any usage."""

    def window_for(self, model: str | None) -> int:
        """The context window in tokens for `model` (`provider:model` or a bare name)."""
        if self.window_tokens is not None:
            return self.window_tokens
        return window_tokens_for(model)

    def compaction_threshold_tokens(self, window: int, reserved_output_tokens: int) -> int:
        """min(fraction of the window, window - reserved output - headroom)."""
        by_fraction = int(window * self.compaction_threshold_fraction)
        by_headroom = window - reserved_output_tokens - self.compaction_headroom_tokens
        return max(1, min(by_fraction, by_headroom))

    def prune_threshold_tokens(self, window: int) -> int:
        return int(window * self.prune_threshold_fraction)


def window_tokens_for(model: str | None) -> int:
    """The listed window of the model whose name starts with a known prefix, else DEFAULT_WINDOW_TOKENS."""
    name = (model or "").rsplit(":", 1)[-1].lower()
    for prefix, tokens in KNOWN_WINDOW_TOKENS:
        if name.startswith(prefix):
            return tokens
    return DEFAULT_WINDOW_TOKENS
