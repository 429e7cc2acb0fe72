"""The shortest prompt each model caches at all. Below it a request is *uncacheable*: its 0 cached tokens
are expected, not a miss, and a hit rate that counts it reports a false alarm (a small router model's
0 % all day long). Refresh the table from the providers' prompt-caching pages when models change.
"""

from __future__ import annotations

DEFAULT_MIN_CACHEABLE_PROMPT_TOKENS = 1024
"""OpenAI and Azure OpenAI cache prompts from 1,024 tokens (in 128-token steps) on every model that caches."""

MIN_CACHEABLE_PROMPT_TOKENS: tuple[tuple[str, int], ...] = (
    ("claude-opus-4-6", 4096),
    ("claude-opus-4-5", 4096),
    ("claude-haiku-4-5", 4096),
    ("claude-3-5-haiku", 2048),
    ("claude-3-haiku", 2048),
    ("claude-", 1024),
    ("gpt-", 1024),
    ("o1", 1024),
    ("o3", 1024),
    ("o4", 1024),
)
"""Model-name prefixes (after any `provider:`), most specific first, and their minimum cacheable prompt."""


def min_cacheable_prompt_tokens(model: str) -> int:
    """The minimum cacheable prompt of `model` (`provider:name`, a bare name, or a dated version)."""
    name = model.rsplit(":", 1)[-1].lower()
    for prefix, tokens in MIN_CACHEABLE_PROMPT_TOKENS:
        if name.startswith(prefix):
            return tokens
    return DEFAULT_MIN_CACHEABLE_PROMPT_TOKENS


__all__ = ["DEFAULT_MIN_CACHEABLE_PROMPT_TOKENS", "MIN_CACHEABLE_PROMPT_TOKENS", "min_cacheable_prompt_tokens"]
