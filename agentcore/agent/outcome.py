"""How a run of the loop ended, as a value the caller switches on (a `match` statement), never an exception.

- `Finished`: the session ended; its status says how (completed, failed, or a budget limit).
- `Suspended`: the slice ran out (steps or seconds) with the session still running; run it again later.
- `FanOutRequested`: a `spawn` call deferred its children; the call stays pending in the session until
  they have run elsewhere and the call is replayed with them.

Compaction is not an outcome: it is asked for as input (`ContextState.compaction_requested`) and the
loop's context keeper does it before the next model call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from agentcore.agent.hypothesis import Hypothesis
from agentcore.agent.session import SessionStatus


@dataclass(frozen=True)
class Finished:
    """The session is no longer running."""

    status: SessionStatus


@dataclass(frozen=True)
class Suspended:
    """The slice ended before the session did: `steps` or `time` ran out."""

    reason: Literal["steps", "time"]


@dataclass(frozen=True)
class FanOutRequested:
    """The spawn call `call_id` waits for one child per hypothesis; the session is safe to store as it is."""

    call_id: str
    hypotheses: tuple[Hypothesis, ...]


RunOutcome = Finished | Suspended | FanOutRequested
