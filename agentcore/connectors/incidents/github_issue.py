"""GitHubIssueIncidentSink: post the summary as a comment on a GitHub issue, over plain REST (httpx).

`POST {endpoint}/repos/{owner}/{repo}/issues/{number}/comments` with `{"body": ...}`; the answer's
`html_url` becomes the result's `ref`. The comment starts with a hidden marker naming the
investigation, so people (and tools) can find the agent's comments. `@` mentions in the summary are
defused (text from logs must not page people), and the token never appears in an error or a repr.
"""

from __future__ import annotations

import logging
import re

import httpx

from agentcore.connectors.incidents import IncidentPostError, PostResult, check_link, shorten
from agentcore.errors import ConfigError

logger = logging.getLogger(__name__)

MAX_SUMMARY_CHARS = 60_000
"""Summary characters sent; GitHub caps a comment at 65,536."""

TIMEOUT_S = 10.0
API_VERSION = "2022-11-28"

_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol)


class GitHubIssueIncidentSink:
    """Comments on issue `issue` of `repo` (`owner/name`) at `endpoint` (GitHub or Enterprise Server's `/api/v3`)."""

    def __init__(
        self,
        endpoint: str,
        token: str,
        *,
        repo: str,
        issue: int,
        http_client: httpx.Client | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        if not _REPO.match(repo):
            raise ConfigError(f"not a GitHub repository name (owner/name): {repo!r}")
        if issue < 1:
            raise ConfigError(f"not an issue number: {issue}")
        if not token:
            raise ConfigError("GitHubIssueIncidentSink needs a token that may comment on issues")
        self._endpoint = endpoint.rstrip("/")
        self._token = token
        self._repo = repo
        self._issue = issue
        self._http_client = http_client
        self._timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"GitHubIssueIncidentSink(endpoint={self._endpoint!r}, repo={self._repo!r}, issue={self._issue})"

    def post(self, investigation_id: str, summary: str, link: str) -> PostResult:
        body = comment_body(investigation_id, summary, check_link(link))
        where = f"{self._repo}#{self._issue}"
        url = f"{self._endpoint}/repos/{self._repo}/issues/{self._issue}/comments"
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "sre-agent",
        }
        client = self._http_client or httpx.Client(timeout=self._timeout_s)
        try:
            response = client.post(url, json={"body": body}, headers=headers)
        except httpx.HTTPError as e:
            raise IncidentPostError(
                f"GitHub did not answer the comment on {where} ({type(e).__name__})",
                may_have_posted=not isinstance(e, _NOT_SENT),
            ) from e
        finally:
            if self._http_client is None:
                client.close()
        if response.status_code == 201:
            ref = _html_url(response)
            logger.info("commented investigation %s on %s", investigation_id, where)
            return PostResult(outcome="posted", ref=ref, detail=f"commented on {where}")
        raise IncidentPostError(
            f"GitHub answered {response.status_code} to the comment on {where}: {_message(response)}".rstrip(": "),
            may_have_posted=response.status_code >= 500,
        )


def comment_body(investigation_id: str, summary: str, link: str) -> str:
    """The comment's Markdown: a hidden marker, a heading, the summary with mentions defused, the link."""
    text = _MENTION.sub("@\u200b", shorten(summary.strip(), MAX_SUMMARY_CHARS))
    return (
        f"<!-- sre-agent investigation: {investigation_id} -->\n"
        f"**sre-agent investigation `{investigation_id}`**\n\n{text}\n\n[Open the investigation]({link})\n"
    )


def _html_url(response: httpx.Response) -> str | None:
    try:
        url = response.json().get("html_url")
    except (ValueError, AttributeError):
        return None
    return url if isinstance(url, str) else None


def _message(response: httpx.Response) -> str:
    try:
        message = response.json().get("message", "")
    except (ValueError, AttributeError):
        return ""
    return " ".join(str(message).split())[:200]


__all__ = ["GitHubIssueIncidentSink", "comment_body"]
