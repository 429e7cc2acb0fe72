"""Compaction: summarize the session as a fork of the live prompt, keep the evicted span as a file,
and restart the conversation from the task, the summary, the plan and the recently used skills.

The summary request is the live request plus one user message (agentcore/prompts/compaction.md), so
it reads the whole conversation from the prompt cache. The pieces here are pure; `ContextKeeper`
sends the request and applies the result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from agentcore.agent.prompts import render_prompt
from agentcore.agent.session import Session
from agentcore.context._config import ContextConfig
from agentcore.context._pruning import calls_by_id, read_path
from agentcore.context._spill import is_masked, masked_placeholder
from agentcore.errors import AgentCoreError
from agentcore.models import Message, ModelRequest
from agentcore.sandbox import Sandbox
from agentcore.skills import skill_file_of

SKILLS_FOLDER = "skills/"
PLAN_PATH = "notes/plan.md"


class CompactionFailedError(AgentCoreError):
    """A compaction attempt did not produce a usable, smaller history. Internal to the context package."""


@dataclass(frozen=True)
class CompactionSplit:
    """Which messages stay verbatim around the summary and which are evicted to a file."""

    head: list[Message]
    evicted: list[Message]
    tail: list[Message]


def summary_request(live: ModelRequest, config: ContextConfig) -> ModelRequest:
    """The live request plus one user message asking for the summary: a cache-hitting fork."""
    ask = Message(role="user", content=render_prompt("compaction", summary_tokens=str(config.summary_tokens)))
    return live.model_copy(
        update={
            "messages": (*live.messages, ask),
            "max_output_tokens": min(live.max_output_tokens, config.summary_tokens * 2),
        }
    )


def masked_view(live: ModelRequest, session: Session) -> ModelRequest:
    """`live` with every saved tool result masked: the fallback when the fork itself is too long."""
    captured = session.context.captured
    messages = []
    for message in live.messages:
        saved = captured.get(message.tool_call_id or "")
        if message.role == "tool" and saved is not None and not is_masked(message.content):
            message = message.model_copy(update={"content": masked_placeholder(saved.chars, saved.path)})
        messages.append(message)
    return live.model_copy(update={"messages": tuple(messages)})


def checked_summary(text: str, config: ContextConfig) -> str:
    """The summary, cut at the configured limit; an empty one is a failure."""
    summary = text.strip()
    if not summary:
        raise CompactionFailedError("the model returned an empty summary")
    if len(summary) > config.summary_limit_chars:
        cut = len(summary) - config.summary_limit_chars
        summary = f"{summary[: config.summary_limit_chars]}\n(summary cut: {cut} more chars)"
    return summary


def split_for_compaction(messages: list[Message]) -> CompactionSplit:
    """Keep the first user message (the task) and the trailing user messages (questions not yet answered)."""
    head = messages[:1] if messages and messages[0].role == "user" else []
    end = len(messages)
    while end > len(head) and messages[end - 1].role == "user":
        end -= 1
    return CompactionSplit(head=head, evicted=messages[len(head) : end], tail=messages[end:])


def evicted_markdown(session: Session, evicted: list[Message], number: int) -> str:
    """The evicted messages in full, as Markdown, for `outputs/compacted-<n>.md`."""
    lines = [
        f"# Messages evicted by compaction {number} of session {session.id} (step {session.step})",
        "",
        "Tool results shown as a preview or a masked line name the file that holds the whole output.",
    ]
    for position, message in enumerate(evicted, start=1):
        label = message.role if message.role != "tool" else f"tool result for {message.tool_call_id}"
        lines += ["", f"## {position}. {label}{' (error)' if message.is_error else ''}", ""]
        if message.content:
            lines.append(message.content)
        for call in message.tool_calls:
            arguments = json.dumps(call.arguments, ensure_ascii=False, sort_keys=True)
            lines.append(f"- tool call `{call.name}` {arguments} (id {call.id})")
    return "\n".join(lines) + "\n"


def recent_skills(messages: list[Message], limit: int) -> list[str]:
    """SKILL.md paths of the skills read with read_file (`skills/<name>/...`), most recent first, no repeats."""
    calls = calls_by_id(messages)
    paths: list[str] = []
    for message in reversed(messages):
        if message.role != "tool" or message.is_error:
            continue
        path = read_path(calls.get(message.tool_call_id or ""))
        skill = skill_file_of(path) if path else None  # a supporting file's read re-injects its SKILL.md
        if skill and skill not in paths:
            paths.append(skill)
        if len(paths) >= limit:
            break
    return paths


def read_capped(sandbox: Sandbox, path: str, limit_chars: int) -> str | None:
    """Up to `limit_chars` of a workspace text file, with a truncation note; None when it cannot be read."""
    try:
        size = sandbox.stat(path).size
        data = sandbox.read_bytes(path, 0, limit_chars * 4)
    except (OSError, AgentCoreError):
        return None
    text = data.decode("utf-8", errors="replace")
    if len(text) > limit_chars or size > len(data):
        text = f"{text[:limit_chars]}\n(truncated: {max(0, size - limit_chars)} more bytes; read {path})"
    return text


def resume_message(
    summary: str, *, number: int, evicted_path: str, plan: str | None, skills: list[tuple[str, str]]
) -> str:
    """The user message that replaces the evicted span."""
    parts = [
        f"[Context compacted ({number}). The conversation before this point was replaced by the summary "
        f"below. Its messages are kept in full in {evicted_path}, and every tool output is still in its "
        "file under outputs/.]",
        "",
        summary,
        "",
        f"## Your plan ({PLAN_PATH}, as it is now)",
        plan if plan is not None else f"({PLAN_PATH} does not exist yet: write it before you go on.)",
        "",
        f"Re-read {PLAN_PATH} with read_file before you continue, and keep it up to date.",
    ]
    for path, text in skills:
        parts += ["", f"## Skill you used recently: {path}", text]
    parts += ["", "Continue the investigation from the state above."]
    return "\n".join(parts)
