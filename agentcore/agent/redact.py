"""What the model is sent and what is stored: the session redacted in place, tool output marked as data.

Tool results are redacted as they arrive (`redact_tool_result`, before they are spilled to files);
everything else that enters the conversation (the alert in the task, follow-up questions, hooks in
the system prompt, a resumed summary) is caught by `redact_session`, which runs before every request
is built and before the session is stored. It numbers into the session's own `RedactionState`, so
the same secret keeps the same placeholder across stages.
"""

from __future__ import annotations

from typing import Any

from agentcore.agent.session import Session
from agentcore.models import Message, ModelRequest, SystemBlock, ToolCall
from agentcore.redaction import Redactor, wrap_untrusted
from agentcore.tools import ToolResult

KnownClean = dict[int, object]
"""Objects (messages, system blocks) already redacted, by `id`; each maps to itself, which keeps it alive."""

Marked = dict[int, tuple[Message, Message]]
"""Tool messages already wrapped in the delimiter, by `id`: (the message, what the model is sent of it)."""


def mark_untrusted(request: ModelRequest, nonce: str, memo: Marked | None = None) -> ModelRequest:
    """`request` with each tool result inside the session's untrusted-data delimiter.

    The same message always becomes the same bytes (the nonce is the session's), so the prompt prefix
    stays cacheable; `memo` spares re-wrapping the same message on every request.
    """
    cache: Marked = {} if memo is None else memo

    def marked(message: Message) -> Message:
        if message.role != "tool":
            return message
        known = cache.get(id(message))
        if known is not None and known[0] is message:
            return known[1]
        wrapped = message.model_copy(update={"content": wrap_untrusted(message.content, nonce)})
        cache[id(message)] = (message, wrapped)
        return wrapped

    return request.model_copy(update={"messages": tuple(marked(m) for m in request.messages)})


def redact_tool_result(session: Session, result: ToolResult) -> ToolResult:
    """`result` with its secrets replaced, numbered in the session's redaction state."""
    content = Redactor(session.redaction).redact(result.content)
    if content == result.content:
        return result
    return ToolResult(content, is_error=result.is_error, exit_code=result.exit_code)


def redact_session(session: Session, known_clean: KnownClean | None = None) -> int:
    """Redact the system prompt, every message and the outcome text in place; return the replacements made.

    Objects in `known_clean` are skipped, and what this call checked is added to it, so a caller that
    keeps it (the loop, for one runtime) scans each message once rather than on every request.
    """
    memo: KnownClean = {} if known_clean is None else known_clean
    redactor = Redactor(session.redaction)
    before = session.redaction.total
    system = tuple(_checked(block, memo, lambda b: _redacted_block(b, redactor)) for block in session.system)
    if any(new is not old for new, old in zip(system, session.system, strict=True)):
        session.system = system
    for index, message in enumerate(session.messages):
        redacted = _checked(message, memo, lambda m: _redacted_message(m, redactor))
        if redacted is not message:
            session.messages[index] = redacted
    if session.final_answer is not None:
        session.final_answer = redactor.redact(session.final_answer)
    if session.error is not None:
        session.error = redactor.redact(session.error)
    return session.redaction.total - before


def _checked(item: Any, memo: KnownClean, redact: Any) -> Any:
    if memo.get(id(item)) is item:
        return item
    redacted = redact(item)
    memo[id(redacted)] = redacted
    return redacted


def _redacted_block(block: SystemBlock, redactor: Redactor) -> SystemBlock:
    text = redactor.redact(block.text)
    return block if text == block.text else block.model_copy(update={"text": text})


def _redacted_message(message: Message, redactor: Redactor) -> Message:
    content = redactor.redact(message.content)
    calls = tuple(_redacted_call(call, redactor) for call in message.tool_calls)
    if content == message.content and all(new is old for new, old in zip(calls, message.tool_calls, strict=True)):
        return message
    return message.model_copy(update={"content": content, "tool_calls": calls})


def _redacted_call(call: ToolCall, redactor: Redactor) -> ToolCall:
    arguments = redactor.redact_json(call.arguments)
    parse_error = None if call.parse_error is None else redactor.redact(call.parse_error)
    if arguments == call.arguments and parse_error == call.parse_error:
        return call
    return call.model_copy(update={"arguments": arguments, "parse_error": parse_error})
