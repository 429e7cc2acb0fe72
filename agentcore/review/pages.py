"""The review app's pages: view models in, HTML out, through autoescaped Jinja2 templates.

Why Jinja2 rather than string templates: with `autoescape=True` every `{{ value }}` is escaped unless
a template says otherwise (none does), so text from logs, alerts and the model cannot become markup
by someone forgetting an `html.escape`. Undefined names are errors (StrictUndefined). The pages carry
no JavaScript: filters are a GET form, feedback and follow-ups are POST forms answered with a
redirect. The Content-Security-Policy (`CONTENT_SECURITY_POLICY`) therefore allows no script at all,
and the stylesheet only by its hash, so even a template bug could not run injected script.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from agentcore.agent.spawn import SubagentResult
from agentcore.reports import Report, UsageTotals
from agentcore.review.feedback import FeedbackRecord, Verdict
from agentcore.review.timeline import TimelineChart

_TEMPLATES = Path(__file__).resolve().parent / "templates"
STYLESHEET = (_TEMPLATES / "style.css").read_text(encoding="utf-8")
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLESHEET.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""No script from anywhere; the one inline stylesheet by hash; forms post only to this app."""

PAGE_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)
"""Sent with every page. `no-referrer`: links may carry the Functions key (`code`), keep it here."""

STATUSES = ("running", "completed", "inconclusive", "failed")
VERDICTS = tuple(v.value for v in Verdict)


@dataclass(frozen=True)
class Links:
    """Builds the app's URLs, carrying the Functions key (`code`) along when the page was opened with one."""

    key: str | None = None

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        query = {k: v for k, v in (params or {}).items() if v}
        if self.key:
            query["code"] = self.key
        return f"{path}?{urlencode(query)}" if query else path


@dataclass(frozen=True)
class InvestigationRow:
    """One line of the investigations list."""

    id: str
    title: str
    status: str
    service: str
    started_at: datetime
    duration: timedelta | None
    cost_usd: float
    verdict: str | None


@dataclass(frozen=True)
class ListFilters:
    """What the list is narrowed to (all optional): query parameters, checked."""

    status: str = ""
    verdict: str = ""
    service: str = ""
    q: str = ""
    days: int = 7


@dataclass(frozen=True)
class ListPage:
    rows: tuple[InvestigationRow, ...]
    filters: ListFilters
    services: tuple[str, ...]
    scanned: int
    truncated: bool


@dataclass(frozen=True)
class ReportPage:
    """Everything the report page shows about one investigation."""

    id: str
    title: str
    status: str
    stage: str
    mode: str
    started_at: datetime
    duration: timedelta | None
    usage: UsageTotals
    report: Report | None
    timeline: TimelineChart | None
    subagents: tuple[SubagentResult, ...]
    feedback: FeedbackRecord | None
    pending_follow_ups: tuple[str, ...]
    follow_up_refusal: str | None
    """Why this investigation cannot take a follow-up question; None when it can."""
    pull_request: str | None = None
    """What the `pr` stage decided about the agent's patch, in words; None before it ran."""
    awaiting_approval: bool = False
    """The `pr` stage refused only for want of a person's approval: the page offers the approval form."""
    notice: str = ""
    error: str = ""
    form: Mapping[str, str] = field(default_factory=dict)
    """A refused feedback form's values, so the reviewer does not type them again."""


def _timestamp(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M:%S}Z"


def _duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _usd(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(timestamp=_timestamp, duration=_duration, usd=_usd)
    env.globals.update(stylesheet=STYLESHEET, statuses=STATUSES, verdicts=VERDICTS)
    return env


_ENV = _environment()


def render_list(page: ListPage, links: Links) -> str:
    """The investigations list, with its filter form."""
    return _ENV.get_template("list.html").render(page=page, links=links)


def render_report(page: ReportPage, links: Links) -> str:
    """One investigation's report page, with the feedback and follow-up forms."""
    return _ENV.get_template("report.html").render(page=page, links=links, cited=_cited_by(page.report))


def render_not_found(message: str, links: Links) -> str:
    return _ENV.get_template("not_found.html").render(message=message, links=links)


def _cited_by(report: Report | None) -> Mapping[int, Sequence[int]]:
    """Evidence index -> the hypotheses (by index) that cite it."""
    cited: dict[int, list[int]] = {}
    for number, hypothesis in enumerate(report.hypotheses if report else ()):
        for index in hypothesis.evidence:
            cited.setdefault(index, []).append(number)
    return cited
