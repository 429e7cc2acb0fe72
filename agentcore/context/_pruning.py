"""Pruning by observation masking: old tool results become one stable line naming their file.

Only tool results are masked, never user or assistant text. The most recent results stay, and so do
reads of the plan, memory and skills: the agent's own bearings. Each mask rewrites the cached suffix
of the prompt, so the caller masks rarely and everything maskable at once.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from agentcore.agent.session import Session
from agentcore.context._spill import is_masked, masked_placeholder
from agentcore.models import Message, ToolCall
from agentcore.sandbox import WORKSPACE_MOUNT

PROTECTED_READ_FILES = ("notes/plan.md",)
PROTECTED_READ_FOLDERS = ("memory", "skills")


def workspace_relative(path: str) -> str:
    """A model-written path as a normalized workspace-relative path (`./a/../b` -> `b`)."""
    pure = PurePosixPath(path.strip() or ".")
    if pure.is_absolute():
        try:
            pure = pure.relative_to(WORKSPACE_MOUNT)
        except ValueError:
            return pure.as_posix()
    parts: list[str] = []
    for part in pure.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def read_path(call: ToolCall | None) -> str | None:
    """The normalized path a read_file call read, or None for any other call."""
    if call is None or call.name != "read_file":
        return None
    path = call.arguments.get("path")
    return workspace_relative(path) if isinstance(path, str) else None


def is_protected_read(call: ToolCall | None) -> bool:
    """read_file of notes/plan.md or of anything under memory/ or skills/."""
    path = read_path(call)
    if path is None:
        return False
    return path in PROTECTED_READ_FILES or path.split("/", 1)[0] in PROTECTED_READ_FOLDERS


def calls_by_id(messages: list[Message]) -> dict[str, ToolCall]:
    return {call.id: call for message in messages if message.role == "assistant" for call in message.tool_calls}


def maskable_results(session: Session, keep_recent: int) -> list[int]:
    """Indexes of tool messages that may be masked: saved to a file, not yet masked, not recent, not protected."""
    calls = calls_by_id(session.messages)
    results = [i for i, m in enumerate(session.messages) if m.role == "tool"]
    old = results[: max(0, len(results) - keep_recent)]
    maskable = []
    for index in old:
        message = session.messages[index]
        call_id = message.tool_call_id or ""
        if call_id not in session.context.captured or is_masked(message.content):
            continue
        if is_protected_read(calls.get(call_id)):
            continue
        maskable.append(index)
    return maskable


def masked_chars_saved(session: Session, indexes: list[int]) -> int:
    """Characters the prompt loses when the results at `indexes` are masked."""
    saved = 0
    for index in indexes:
        message = session.messages[index]
        captured = session.context.captured[message.tool_call_id or ""]
        saved += len(message.content) - len(masked_placeholder(captured.chars, captured.path))
    return saved


def mask_results(session: Session, indexes: list[int]) -> None:
    """Replace each result at `indexes` with its placeholder line."""
    for index in indexes:
        message = session.messages[index]
        captured = session.context.captured[message.tool_call_id or ""]
        placeholder = masked_placeholder(captured.chars, captured.path)
        session.messages[index] = message.model_copy(update={"content": placeholder})
