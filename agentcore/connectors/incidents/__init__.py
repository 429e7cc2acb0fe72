"""The IncidentSink port: post an investigation's summary and link back to where the incident lives.

Adapters: `WebhookIncidentSink` (Slack, Teams or generic JSON webhooks, in
`agentcore.connectors.incidents.webhook`), `GitHubIssueIncidentSink` (a comment on a GitHub issue, in
`agentcore.connectors.incidents.github_issue`), and the wrapper `AtMostOnceSink`
(`agentcore.connectors.incidents.once`), which makes any of them post at most once per investigation.

A sink that fails raises `IncidentPostError` and says whether the post may have landed anyway
(`may_have_posted`): False only when the sink knows nothing was posted (the connection was refused,
the service answered with a refusal). `AtMostOnceSink` retries only those.

Secrets (tokens, webhook URLs, which carry their key) never appear in an error, a log line, a
result or a repr.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable
from urllib.parse import urlsplit

from agentcore.errors import AgentCoreError, UserInputError

PostOutcome = Literal["posted", "already_posted", "in_doubt"]

_INVESTIGATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_UNSAFE_IN_LINK = re.compile(r"[\s<>|\"'`\\]")


class IncidentPostError(AgentCoreError):
    """A post failed. `may_have_posted` is False only when the sink knows nothing was posted."""

    def __init__(self, message: str, *, may_have_posted: bool) -> None:
        super().__init__(message)
        self.may_have_posted = may_have_posted


@dataclass(frozen=True)
class PostResult:
    """What became of a post.

    `posted`: this call posted it. `already_posted`: an earlier call did (`ref` is what it recorded).
    `in_doubt`: an earlier attempt started and did not record an outcome (it crashed, or is still
    running); this call did not post, so the post happened at most once.
    """

    outcome: PostOutcome
    ref: str | None = None
    """Where the post landed (a comment URL), when the sink can tell."""
    detail: str = ""


@runtime_checkable
class IncidentSink(Protocol):
    """Somewhere to tell people what an investigation found."""

    def post(self, investigation_id: str, summary: str, link: str) -> PostResult:
        """Post `summary` with `link` to the investigation. Raise IncidentPostError on failure."""
        ...


def check_investigation_id(investigation_id: str) -> str:
    """Return the id if it is safe as one blob-name segment and in a message; raise UserInputError if not."""
    if not _INVESTIGATION_ID.match(investigation_id):
        raise UserInputError(f"not an investigation id: {investigation_id[:60]!r}")
    return investigation_id


def check_link(link: str) -> str:
    """Return `link` if it is an absolute http(s) URL that every format can carry; raise UserInputError if not."""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or _UNSAFE_IN_LINK.search(link):
        raise UserInputError(f"not an http(s) link to an investigation: {link[:200]!r}")
    return link


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with a note when cut."""
    if len(text) <= limit:
        return text
    note = "\n… (shortened; the full report is at the link)"
    return text[: max(limit - len(note), 0)].rstrip() + note


__all__ = [
    "IncidentPostError",
    "IncidentSink",
    "PostOutcome",
    "PostResult",
    "check_investigation_id",
    "check_link",
    "shorten",
]
