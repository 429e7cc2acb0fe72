"""ContextKeeper: keeps one session's prompt inside the model's window, cheaply and without losing data.

The loop calls it at four points (see `agentcore.agent.loop.ContextControl`): each tool result is
saved and maybe spilled (`capture`); a turn's results are capped together (`close_turn`); before a
call, old results are masked and, when that is not enough, the session is compacted (`before_call`);
a prompt the provider refuses as too long is shrunk and retried (`recover`). Every change to messages
the model already saw is recorded as a ContextEvent, so cache breaks are accounted for.
"""

from __future__ import annotations

import logging

from agentcore.agent.loop import Complete, LiveRequest
from agentcore.agent.session import CapturedOutput, ContextEvent, ContextEventKind, Session, SessionStatus
from agentcore.context._assembly import assemble_request, render_request_text
from agentcore.context._compaction import (
    PLAN_PATH,
    CompactionFailedError,
    checked_summary,
    evicted_markdown,
    masked_view,
    read_capped,
    recent_skills,
    resume_message,
    split_for_compaction,
    summary_request,
)
from agentcore.context._config import ContextConfig
from agentcore.context._pruning import mask_results, maskable_results, masked_chars_saved
from agentcore.context._spill import render_preview, save_output
from agentcore.context._tokens import calibrate, estimate_tokens, tokens_per_char
from agentcore.errors import AgentCoreError, ContextTooLongError, ModelError
from agentcore.models import Message, ModelRequest, ModelResponse, ToolCall
from agentcore.sandbox import Sandbox
from agentcore.tools import ToolResult

logger = logging.getLogger(__name__)


class ContextKeeper:
    """Spill, pruning, compaction and prompt assembly for one session. Holds no session state itself."""

    def __init__(self, sandbox: Sandbox, *, config: ContextConfig | None = None, max_output_tokens: int = 8192) -> None:
        self._sandbox = sandbox
        self.config = config or ContextConfig()
        self._max_output_tokens = max_output_tokens
        self._compacted_in_recovery = False

    # -- thresholds and estimates ------------------------------------------------------------------

    def window_tokens(self, session: Session) -> int:
        return self.config.window_for(session.model)

    def compaction_threshold_tokens(self, session: Session) -> int:
        return self.config.compaction_threshold_tokens(self.window_tokens(session), self._max_output_tokens)

    def prune_threshold_tokens(self, session: Session) -> int:
        return self.config.prune_threshold_tokens(self.window_tokens(session))

    def estimate_tokens(self, session: Session, request: ModelRequest) -> int:
        """Estimated input tokens of `request`, from the last reported count and the calibrated ratio."""
        return estimate_tokens(session.context, self.config, len(render_request_text(request)))

    # -- the loop's hooks --------------------------------------------------------------------------

    def prepare_request(self, session: Session, request: ModelRequest) -> ModelRequest:
        return assemble_request(session, request)

    def capture(self, session: Session, call: ToolCall, result: ToolResult) -> ToolResult:
        """Save the whole result to outputs/; return a preview instead when it is over the inline limit."""
        state = session.context
        state.outputs_written += 1
        content = result.content
        inline = len(content) <= self.config.inline_limit_chars
        try:
            path: str | None = save_output(self._sandbox, self.config.outputs_dir, state.outputs_written, content)
        except (OSError, AgentCoreError) as e:
            logger.warning("session=%s could not save the output of %s: %s", session.id, call.id, e)
            path = None
        if path is not None:
            state.captured[call.id] = CapturedOutput(path=path, chars=len(content), exit_code=result.exit_code)
        if inline:
            return result
        if path is not None:
            state.captured[call.id] = state.captured[call.id].model_copy(update={"inline": False})
        preview = render_preview(content, path=path, exit_code=result.exit_code, config=self.config)
        return ToolResult(preview, is_error=result.is_error, exit_code=result.exit_code)

    def close_turn(self, session: Session) -> None:
        """Spill the turn's largest inline results until the turn fits its aggregate limit."""
        trailing = _trailing_results(session)
        total = sum(len(session.messages[i].content) for i in trailing)
        while total > self.config.turn_inline_limit_chars:
            candidates = [i for i in trailing if self._inline(session, i)]
            if not candidates:
                return
            largest = max(candidates, key=lambda i: (len(session.messages[i].content), -i))
            total -= self._spill_message(session, largest)

    def before_call(self, session: Session, live: LiveRequest, complete: Complete) -> None:
        if session.context.compaction_requested:
            if self._compact(session, live, complete, reason="asked for"):
                session.context.compaction_requested = False
            return
        estimate = self.estimate_tokens(session, live())
        if estimate >= self.prune_threshold_tokens(session) and self._prune(session):
            estimate = self.estimate_tokens(session, live())
        if estimate >= self.compaction_threshold_tokens(session):
            self._compact(session, live, complete, reason=f"about {estimate} tokens in context")

    def observe(self, session: Session, request: ModelRequest, response: ModelResponse) -> None:
        calibrate(session.context, len(render_request_text(request)), response.usage.input_tokens)

    def recover(self, session: Session, attempt: int, live: LiveRequest, complete: Complete) -> bool:
        """First spill the trailing results and retry; then compact (until it works or the breaker trips)."""
        if attempt == 0:
            self._compacted_in_recovery = False
            if self._spill_trailing(session):
                self._record(session, "spill_retry", "the provider refused the prompt as too long")
                return True
        if self._compacted_in_recovery:
            return False
        self._compacted_in_recovery = True
        while session.status is SessionStatus.RUNNING:
            if self._compact(session, live, complete, reason="the provider refused the prompt as too long"):
                return True
        return False

    # -- pruning -----------------------------------------------------------------------------------

    def _prune(self, session: Session) -> bool:
        indexes = maskable_results(session, self.config.prune_keep_recent_results)
        saved_chars = masked_chars_saved(session, indexes)
        saved_tokens = round(saved_chars * tokens_per_char(session.context, self.config))
        if not indexes or saved_tokens < self.config.prune_min_maskable_tokens:
            return False
        mask_results(session, indexes)
        self._record(session, "prune", f"masked {len(indexes)} results, about {saved_tokens} tokens")
        return True

    # -- spilling already-captured results ---------------------------------------------------------

    def _inline(self, session: Session, index: int) -> bool:
        captured = session.context.captured.get(session.messages[index].tool_call_id or "")
        return captured is not None and captured.inline

    def _spill_message(self, session: Session, index: int) -> int:
        """Replace an inline result by its preview; return how many characters that saved."""
        message = session.messages[index]
        call_id = message.tool_call_id or ""
        captured = session.context.captured[call_id]
        preview = render_preview(message.content, path=captured.path, exit_code=captured.exit_code, config=self.config)
        session.context.captured[call_id] = captured.model_copy(update={"inline": False})
        if len(preview) >= len(message.content):
            return 0
        session.messages[index] = message.model_copy(update={"content": preview})
        return len(message.content) - len(preview)

    def _spill_trailing(self, session: Session) -> bool:
        spilled = False
        for index in _trailing_results(session):
            message = session.messages[index]
            if self._inline(session, index) and len(message.content) > self.config.trailing_spill_min_chars:
                spilled = self._spill_message(session, index) > 0 or spilled
        return spilled

    # -- compaction --------------------------------------------------------------------------------

    def _compact(self, session: Session, live: LiveRequest, complete: Complete, *, reason: str) -> bool:
        state = session.context
        number = state.compactions + 1
        try:
            summary = self._summarize(session, live, complete)
            self._replace_history(session, summary, number, live)
        except CompactionFailedError as e:
            state.compaction_failures += 1
            logger.warning("session=%s compaction %d failed (%s): %s", session.id, number, reason, e)
            if state.compaction_failures >= self.config.compaction_failure_limit:
                session.status = SessionStatus.FAILED
                session.error = (
                    f"context compaction failed {state.compaction_failures} times in a row, so the "
                    f"conversation cannot be kept inside the model's window; last failure: {e}"
                )
            return False
        state.compaction_failures = 0
        state.compactions = number
        self._record(session, "compaction", reason)
        logger.info("session=%s compaction %d done (%s)", session.id, number, reason)
        return True

    def _summarize(self, session: Session, live: LiveRequest, complete: Complete) -> str:
        request = summary_request(live(), self.config)
        try:
            try:
                response = complete(request)
            except ContextTooLongError:
                response = complete(masked_view(request, session))
        except ModelError as e:
            raise CompactionFailedError(f"the summary call failed: {e}") from e
        return checked_summary(response.message.content, self.config)

    def _replace_history(self, session: Session, summary: str, number: int, live: LiveRequest) -> None:
        split = split_for_compaction(session.messages)
        evicted_path = f"{self.config.outputs_dir}/compacted-{number}.md"
        try:
            self._sandbox.write_bytes(evicted_path, evicted_markdown(session, split.evicted, number).encode())
        except (OSError, AgentCoreError) as e:
            raise CompactionFailedError(f"could not keep the evicted messages in {evicted_path}: {e}") from e
        plan = read_capped(self._sandbox, PLAN_PATH, self.config.reinjected_plan_chars)
        skills = []
        for path in recent_skills(split.evicted, self.config.reinjected_skills):
            text = read_capped(self._sandbox, path, self.config.reinjected_skill_chars)
            if text is not None:
                skills.append((path, text))
        text = resume_message(summary, number=number, evicted_path=evicted_path, plan=plan, skills=skills)
        previous = session.messages
        session.messages = [*split.head, Message(role="user", content=text), *split.tail]
        estimate = self.estimate_tokens(session, live())
        if estimate >= self.compaction_threshold_tokens(session):
            session.messages = previous
            raise CompactionFailedError(f"the compacted context would still hold about {estimate} tokens")

    def _record(self, session: Session, kind: ContextEventKind, detail: str) -> None:
        state = session.context
        state.events.append(ContextEvent(step=session.step, request=state.requests_sent, kind=kind, detail=detail))


def _trailing_results(session: Session) -> list[int]:
    """Indexes of the tool messages after the last assistant message."""
    indexes: list[int] = []
    for index in range(len(session.messages) - 1, -1, -1):
        role = session.messages[index].role
        if role == "assistant":
            break
        if role == "tool":
            indexes.append(index)
    return indexes[::-1]
