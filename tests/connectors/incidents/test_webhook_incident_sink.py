"""WebhookIncidentSink posts Slack, Teams or generic JSON (pinned with respx) and never shows its URL."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from agentcore.connectors.incidents import IncidentPostError, IncidentSink, PostResult
from agentcore.connectors.incidents.webhook import WebhookFormat, WebhookIncidentSink
from agentcore.errors import ConfigError, UserInputError

URL = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
LINK = "https://sre.example.com/investigations/inv-42"


@pytest.fixture
def hook() -> Iterator[respx.Route]:
    with respx.mock() as router:
        yield router.post(URL)


def sink(format: WebhookFormat = "slack") -> WebhookIncidentSink:
    return WebhookIncidentSink(URL, format=format)


def sent(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


def test_a_slack_post_is_a_section_with_the_summary_and_a_link(hook: respx.Route) -> None:
    hook.mock(return_value=httpx.Response(200, text="ok"))
    result = sink().post("inv-42", "Bad deploy of checkout.", LINK)
    assert isinstance(sink(), IncidentSink)
    assert result == PostResult(outcome="posted", detail="posted to the slack webhook at hooks.slack.com")
    assert sent(hook) == {
        "text": "sre-agent investigation inv-42: Bad deploy of checkout.",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*sre-agent investigation inv-42*\nBad deploy of checkout.\n"
                    f"<{LINK}|Open the investigation>",
                },
            }
        ],
    }


def test_slack_control_sequences_in_the_summary_are_escaped(hook: respx.Route) -> None:
    hook.mock(return_value=httpx.Response(200, text="ok"))
    sink().post("inv-42", "log said <!channel> & <@U123>", LINK)
    assert "log said &lt;!channel&gt; &amp; &lt;@U123&gt;" in sent(hook)["blocks"][0]["text"]["text"]


def test_a_teams_post_is_an_adaptive_card_with_an_open_url_action(hook: respx.Route) -> None:
    hook.mock(return_value=httpx.Response(202))
    sink("teams").post("inv-42", "Bad deploy.", LINK)
    body = sent(hook)
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert [block["text"] for block in card["body"]] == ["sre-agent investigation inv-42", "Bad deploy."]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open the investigation", "url": LINK}]


def test_a_generic_post_is_plain_json(hook: respx.Route) -> None:
    hook.mock(return_value=httpx.Response(204))
    sink("generic").post("inv-42", "  Bad deploy.\n", LINK)
    assert sent(hook) == {"investigation_id": "inv-42", "summary": "Bad deploy.", "link": LINK}


def test_a_long_summary_is_shortened_with_a_note(hook: respx.Route) -> None:
    hook.mock(return_value=httpx.Response(200))
    sink("generic").post("inv-42", "x" * 10_000, LINK)
    summary = sent(hook)["summary"]
    assert len(summary) <= 2800
    assert summary.endswith("(shortened; the full report is at the link)")


def test_a_refusal_means_nothing_was_posted_and_hides_the_url(hook: respx.Route) -> None:
    hook.mock(return_value=httpx.Response(404, text=f"no_service for {URL}"))
    with pytest.raises(IncidentPostError, match="slack webhook at hooks.slack.com answered 404: no_service") as caught:
        sink().post("inv-42", "s", LINK)
    assert caught.value.may_have_posted is False
    assert "XXXXsecretXXXX" not in str(caught.value)


def test_a_server_error_may_have_posted(hook: respx.Route) -> None:
    hook.mock(return_value=httpx.Response(503))
    with pytest.raises(IncidentPostError, match="answered 503") as caught:
        sink().post("inv-42", "s", LINK)
    assert caught.value.may_have_posted is True


@pytest.mark.parametrize(
    ("failure", "may_have_posted"),
    [(httpx.ConnectError("refused"), False), (httpx.ReadTimeout("no answer"), True)],
)
def test_transport_failures_say_whether_the_post_may_have_landed(
    hook: respx.Route, failure: Exception, may_have_posted: bool
) -> None:
    hook.mock(side_effect=failure)
    with pytest.raises(IncidentPostError, match=f"did not answer \\({type(failure).__name__}\\)") as caught:
        sink().post("inv-42", "s", LINK)
    assert caught.value.may_have_posted is may_have_posted
    assert caught.value.__cause__ is None  # httpx's exception carries the URL


def test_the_url_never_reaches_logs_or_the_repr(hook: respx.Route, caplog: pytest.LogCaptureFixture) -> None:
    hook.mock(return_value=httpx.Response(200))
    caplog.set_level(logging.DEBUG)
    sink().post("inv-42", "s", LINK)
    assert "secret" not in caplog.text
    assert repr(sink()) == "WebhookIncidentSink(format='slack', host='hooks.slack.com')"


@pytest.mark.parametrize("link", ["javascript:alert(1)", "https://x.example/a|b", "/relative", "https://x.example/a b"])
def test_a_link_that_is_not_a_plain_http_url_is_refused(link: str) -> None:
    with pytest.raises(UserInputError, match="not an http"):
        sink().post("inv-42", "s", link)


def test_a_url_that_is_not_http_is_a_config_error_that_does_not_repeat_it() -> None:
    with pytest.raises(ConfigError, match="not an http") as caught:
        WebhookIncidentSink("ftp://hooks.example/secret-key", format="generic")
    assert "secret-key" not in str(caught.value)
