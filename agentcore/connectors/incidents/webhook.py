"""WebhookIncidentSink: POST a summary and a link to an incoming webhook, as Slack, Teams or plain JSON.

- `slack`: Slack incoming webhooks: `text` (the notification fallback) and `blocks` with one mrkdwn
  section. `&`, `<` and `>` are escaped, so text from logs cannot ping `<!channel>` or a user.
- `teams`: a message with one Adaptive Card attachment, which Teams Workflows ("When a Teams webhook
  request is received") and the older incoming-webhook connectors both accept.
- `generic`: `{"investigation_id", "summary", "link"}`.

The URL is the secret (Slack's and Teams' carry their key), so errors, logs and the repr name only
its host (httpx's own request log line is redacted too). A 2xx answer is a post. Refusals (4xx)
and connection failures before the request was sent mean nothing was posted; a 5xx answer or a
timeout after sending may have posted.
"""

from __future__ import annotations

import logging
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from agentcore.connectors._secret_urls import hidden_from_http_logs
from agentcore.connectors.incidents import IncidentPostError, PostResult, check_link, shorten
from agentcore.errors import ConfigError

logger = logging.getLogger(__name__)

WebhookFormat = Literal["slack", "teams", "generic"]

MAX_SUMMARY_CHARS = 2800
"""Summary characters sent; Slack caps a section's text at 3000."""

TIMEOUT_S = 10.0

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol)


class WebhookIncidentSink:
    """Posts to one webhook URL in one format."""

    def __init__(
        self,
        url: str,
        *,
        http_client: httpx.Client | None = None,
        format: WebhookFormat,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError("the incident webhook URL is not an http(s) URL")  # the URL itself is a secret
        if format not in ("slack", "teams", "generic"):
            raise ConfigError(f"unknown webhook format {format!r}; use slack, teams or generic")
        self._url = url
        self._host = parts.hostname
        self._format: WebhookFormat = format
        self._http_client = http_client
        self._timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"WebhookIncidentSink(format={self._format!r}, host={self._host!r})"

    def post(self, investigation_id: str, summary: str, link: str) -> PostResult:
        payload = webhook_payload(self._format, investigation_id, summary, check_link(link))
        what = f"{self._format} webhook at {self._host}"
        client = self._http_client or httpx.Client(timeout=self._timeout_s)
        parts = urlsplit(self._url)
        try:
            with hidden_from_http_logs(self._url, parts.path if len(parts.path) > 1 else "", parts.query):
                response = client.post(self._url, json=payload)
        except httpx.HTTPError as e:
            # `from None`: httpx's exceptions and their request carry the URL, which is a secret.
            raise IncidentPostError(
                f"{what} did not answer ({type(e).__name__})", may_have_posted=not isinstance(e, _NOT_SENT)
            ) from None
        finally:
            if self._http_client is None:
                client.close()
        if response.is_success:
            logger.info("posted investigation %s to the %s", investigation_id, what)
            return PostResult(outcome="posted", detail=f"posted to the {what}")
        reason = self._scrubbed(response.text)
        raise IncidentPostError(
            f"{what} answered {response.status_code}: {reason}".rstrip(": "),
            may_have_posted=response.status_code >= 500,
        )

    def _scrubbed(self, text: str) -> str:
        """A short error body with the URL (and its path, which holds the key) taken out."""
        path = urlsplit(self._url).path
        text = text.replace(self._url, "<webhook>")
        if len(path) > 1:
            text = text.replace(path, "<webhook>")
        return " ".join(text.split())[:200]


def webhook_payload(format: WebhookFormat, investigation_id: str, summary: str, link: str) -> dict[str, Any]:
    """The JSON body for `format`."""
    summary = shorten(summary.strip(), MAX_SUMMARY_CHARS)
    heading = f"sre-agent investigation {investigation_id}"
    if format == "slack":
        escaped = _slack_escaped(summary)
        return {
            "text": f"{heading}: {escaped}",
            "blocks": [
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": f"*{heading}*\n{escaped}\n<{link}|Open the investigation>"},
                }
            ],
        }
    if format == "teams":
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": heading, "weight": "Bolder", "size": "Medium", "wrap": True},
                {"type": "TextBlock", "text": summary, "wrap": True},
            ],
            "actions": [{"type": "Action.OpenUrl", "title": "Open the investigation", "url": link}],
        }
        attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        return {"type": "message", "attachments": [attachment]}
    return {"investigation_id": investigation_id, "summary": summary, "link": link}


def _slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["WebhookFormat", "WebhookIncidentSink", "webhook_payload"]
