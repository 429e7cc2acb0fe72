"""GitHubIssueIncidentSink comments on an issue over REST (pinned with respx) and keeps its token out of sight."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx

from agentcore.connectors.incidents import IncidentPostError, PostResult
from agentcore.connectors.incidents.github_issue import GitHubIssueIncidentSink
from agentcore.errors import ConfigError

TOKEN = "ghp_secret-comment-token"
COMMENTS = "https://api.github.com/repos/acme/shop/issues/12/comments"
LINK = "https://sre.example.com/investigations/inv-42"
HTML_URL = "https://github.com/acme/shop/issues/12#issuecomment-1"


@pytest.fixture
def comments() -> Iterator[respx.Route]:
    with respx.mock() as router:
        yield router.post(COMMENTS)


def sink() -> GitHubIssueIncidentSink:
    return GitHubIssueIncidentSink("https://api.github.com", TOKEN, repo="acme/shop", issue=12)


def test_the_comment_is_posted_with_the_token_and_its_url_is_the_ref(comments: respx.Route) -> None:
    comments.mock(return_value=httpx.Response(201, json={"id": 1, "html_url": HTML_URL}))
    assert sink().post("inv-42", "Bad deploy.", LINK) == PostResult(
        outcome="posted", ref=HTML_URL, detail="commented on acme/shop#12"
    )
    request = comments.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert json.loads(request.content)["body"] == (
        "<!-- sre-agent investigation: inv-42 -->\n"
        "**sre-agent investigation `inv-42`**\n\nBad deploy.\n\n"
        f"[Open the investigation]({LINK})\n"
    )


def test_mentions_in_the_summary_do_not_notify_anyone(comments: respx.Route) -> None:
    comments.mock(return_value=httpx.Response(201, json={"html_url": HTML_URL}))
    sink().post("inv-42", "log line: ping @oncall and @acme/sre", LINK)
    body = json.loads(comments.calls.last.request.content)["body"]
    assert "@oncall" not in body
    assert "@\u200boncall and @\u200bacme/sre" in body


def test_a_forbidden_comment_was_not_posted_and_the_error_hides_the_token(comments: respx.Route) -> None:
    comments.mock(return_value=httpx.Response(403, json={"message": "Resource not accessible by integration"}))
    with pytest.raises(
        IncidentPostError, match="403 to the comment on acme/shop#12: Resource not accessible"
    ) as caught:
        sink().post("inv-42", "s", LINK)
    assert caught.value.may_have_posted is False
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(sink())


def test_a_server_error_may_have_posted(comments: respx.Route) -> None:
    comments.mock(return_value=httpx.Response(502, text="bad gateway"))
    with pytest.raises(IncidentPostError) as caught:
        sink().post("inv-42", "s", LINK)
    assert caught.value.may_have_posted is True


def test_a_refused_connection_was_not_posted(comments: respx.Route) -> None:
    comments.mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(IncidentPostError, match="did not answer") as caught:
        sink().post("inv-42", "s", LINK)
    assert caught.value.may_have_posted is False


@pytest.mark.parametrize(("repo", "issue"), [("shop", 1), ("acme/shop", 0)])
def test_a_bad_target_is_a_config_error(repo: str, issue: int) -> None:
    with pytest.raises(ConfigError):
        GitHubIssueIncidentSink("https://api.github.com", TOKEN, repo=repo, issue=issue)
