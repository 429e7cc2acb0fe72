"""The review app in headless Chromium (Debian's package, driven by Playwright), served by `sre-agent serve`'s server.

Each test opens pages on a live ApiServer over its own copy of the investigations, fails on any
console error or uncaught page error, and saves a screenshot under `screenshots/` (not committed).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, Playwright, sync_playwright

from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline.http_server import ApiServer
from agentcore.pipeline.review_app import read_feedback
from agentcore.pipeline.state import Stage
from tests.review.agent_investigation import HOSTILE_LOG_LINE, IMAGE, SCRIPT
from tests.review.conftest import REPO, Review

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = REPO / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).is_file():
        pytest.skip("chromium is not installed (make chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


@dataclass
class Tab:
    """A page on the live server, with every console error, page error and dialog it raised."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == 200, f"{path}: {response.status}"

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def tab(review: Review, browser: Browser) -> Iterator[Tab]:
    server = ApiServer(review.ctx, "127.0.0.1", 0)
    server.start()
    host, port = server.address
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    tab = Tab(page, f"http://{host}:{port}")
    page.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: tab.errors.append(str(error)))

    def dismiss(dialog: Dialog) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    try:
        yield tab
    finally:
        page.close()
        server.stop()
    assert tab.errors == []
    assert tab.dialogs == []


def test_the_list_loads_and_links_to_each_report(tab: Tab, review: Review) -> None:
    tab.open("/api/review")
    tab.screenshot("review-list")
    assert tab.page.locator("table.investigations tbody tr").count() == 2
    tab.page.get_by_role("link", name="checkout-api 5xx after the coupons deploy").click()
    tab.page.wait_for_url(f"**/api/review/investigations/{review.agent}")
    assert tab.page.locator("h1").inner_text() == "checkout-api 5xx after the coupons deploy"


def test_the_list_filter_form_narrows_the_list(tab: Tab, review: Review) -> None:
    tab.open("/api/review")
    tab.page.get_by_label("Search").fill("exception spike")
    tab.page.get_by_role("button", name="Filter").click()
    tab.page.wait_for_url("**q=exception+spike**")
    rows = tab.page.locator("table.investigations tbody tr")
    assert rows.count() == 1
    assert review.evidence_only in rows.inner_text()


def test_the_evidence_only_report_renders_with_its_suspects_and_timeline(tab: Tab, review: Review) -> None:
    tab.open(f"/api/review/investigations/{review.evidence_only}")
    tab.screenshot("review-report-evidence-only")
    assert "No agent reasoned" in tab.page.locator(".summary").inner_text()
    assert tab.page.locator("table.suspects tbody tr").count() == 7
    assert tab.page.locator("svg.timeline .mark").count() >= 3
    assert tab.page.locator(".evidence pre.source").first.inner_text().startswith("AppExceptions")


def test_hostile_log_text_renders_as_inert_text(tab: Tab, review: Review) -> None:
    tab.open(f"/api/review/investigations/{review.agent}")
    tab.screenshot("review-report-agent")
    excerpt = tab.page.locator("#evidence-0 pre.excerpt").inner_text()
    assert HOSTILE_LOG_LINE in excerpt
    assert SCRIPT in tab.page.locator(".subagent").first.inner_text()
    assert IMAGE in excerpt
    assert tab.page.locator("main script, main img").count() == 0


def test_feedback_submitted_through_the_form_round_trips(tab: Tab, review: Review) -> None:
    tab.open(f"/api/review/investigations/{review.agent}")
    page = tab.page
    page.get_by_label("partly").check()
    page.get_by_label("The root cause, in a sentence").fill("Campaign expiry naive; plus a rate limit")
    page.get_by_label("Culprit repository").fill("checkout")
    page.get_by_label("Culprit commit").fill("b12894d2a204")
    page.get_by_label("Notes").fill(f"the rate limit was a separate change {SCRIPT}")
    page.get_by_label("Your name").fill("ana")
    page.get_by_role("button", name="Record feedback").click()
    page.wait_for_url("**done=feedback")
    tab.screenshot("review-feedback-recorded")
    assert page.get_by_role("status").inner_text() == "Your feedback is recorded."
    assert "Campaign expiry naive; plus a rate limit" in page.locator(".feedback-version").inner_text()
    record = read_feedback(review.store, review.agent)
    assert record is not None
    assert (record.latest.verdict.value, record.latest.by, record.latest.notes) == (
        "partly", "ana", f"the rate limit was a separate change {SCRIPT}")  # fmt: skip


def test_a_follow_up_from_the_page_continues_the_investigation(tab: Tab, review: Review) -> None:
    tab.open(f"/api/review/investigations/{review.agent}")
    tab.page.get_by_label("Question").fill("Did the mobile clients fail too?")
    tab.page.get_by_role("button", name="Ask").click()
    tab.page.wait_for_url("**done=follow-up")
    assert "Did the mobile clients fail too?" in tab.page.inner_text("main")
    loaded = load_state(review.ctx.deps, review.agent)
    assert loaded is not None
    assert (loaded.state.stage, loaded.state.follow_ups) == (Stage.TURNS, ("Did the mobile clients fail too?",))
