"""Prompt assembly in the fixed order of DESIGN §4, and the canonical bytes that order implies.

Order: tool definitions (sorted by name, keys sorted), the static system prompt (cache breakpoint 1),
the session-static hooks (breakpoint 2), then the conversation with a rolling breakpoint on the last
message. `render_request_text` serializes a request in that order one item per line, so a request
that only appended messages renders as a byte-extension of the one before: the property the prompt
cache needs and the golden test checks. Cache markers are annotations, not content, and are left out.
"""

from __future__ import annotations

import json
from typing import Any

from agentcore.agent.session import Session
from agentcore.models import Message, ModelRequest


def assemble_request(session: Session, request: ModelRequest) -> ModelRequest:
    """`request` with sorted tools, the session's system blocks, a rolling breakpoint and a cache key."""
    return request.model_copy(
        update={
            "tools": tuple(sorted(request.tools, key=lambda spec: spec.name)),
            "system": session.system,
            "cache_last_message": True,
            "cache_key": request.cache_key or session.investigation_id,
        }
    )


def _line(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def render_message(message: Message) -> str:
    """One message as one canonical line."""
    return _line({"message": message.model_dump(mode="json")})


def render_request_text(request: ModelRequest) -> str:
    """Tools, then system blocks, then messages, one canonical JSON line each."""
    parts = [_line({"tools": [spec.model_dump(mode="json") for spec in request.tools]})]
    parts += [_line({"system": block.text, "breakpoint": block.cache_breakpoint}) for block in request.system]
    parts += [render_message(message) for message in request.messages]
    return "".join(parts)


def render_request_bytes(request: ModelRequest) -> bytes:
    return render_request_text(request).encode("utf-8")


def shared_prefix_length(first: bytes, second: bytes) -> int:
    """Length of the longest common prefix, by bisection over slice comparisons (fast in C)."""
    low, high = 0, min(len(first), len(second))
    if first[:high] == second[:high]:
        return high
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low
