"""Context engineering: what the agent is told before it acts, and how its context stays frugal.

- `render_orientation`: the session-static hooks (connectors, repositories, knowledge map, topology,
  what changed), snapshotted at session start behind cache breakpoint 2.
- `ContextKeeper`: spill, pruning (observation masking), compaction and prompt assembly, plugged
  into the agent loop as its `context` and `prepare_request`.
- `render_request_bytes` / `shared_prefix_length`: the canonical bytes of a request in prompt order,
  for the golden cache-stability test and the context benchmark.
"""

from agentcore.context._assembly import (
    assemble_request,
    render_request_bytes,
    render_request_text,
    shared_prefix_length,
)
from agentcore.context._config import DEFAULT_WINDOW_TOKENS, ContextConfig, window_tokens_for
from agentcore.context._spill import is_masked, masked_placeholder, render_preview
from agentcore.context.keeper import ContextKeeper
from agentcore.context.orientation import OrientationBudget, render_orientation

__all__ = [
    "DEFAULT_WINDOW_TOKENS",
    "OrientationBudget",
    "ContextConfig",
    "ContextKeeper",
    "assemble_request",
    "is_masked",
    "masked_placeholder",
    "render_orientation",
    "render_preview",
    "render_request_bytes",
    "render_request_text",
    "shared_prefix_length",
    "window_tokens_for",
]
