"""Reports in the blob store: `reports/<yyyy>/<mm>/<dd>/<id>.json` and `.md`, dated by `started_at` (UTC)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from agentcore.errors import StorageError
from agentcore.reports._model import Report, report_from_json, report_to_json
from agentcore.reports.markdown import render_markdown
from agentcore.reports.redact import redact_report
from agentcore.storage import BlobStore

_JSON_TYPE = "application/json; charset=utf-8"
_MARKDOWN_TYPE = "text/markdown; charset=utf-8"


@dataclass(frozen=True)
class ReportLocation:
    """The blob names one report is stored under."""

    json_name: str
    markdown_name: str


def report_location(report: Report) -> ReportLocation:
    """Where `report` lives: `reports/<yyyy>/<mm>/<dd>/<id>.{json,md}`, the date taken from `started_at`."""
    stem = f"reports/{report.started_at:%Y/%m/%d}/{report.id}"
    return ReportLocation(json_name=f"{stem}.json", markdown_name=f"{stem}.md")


def save_report(store: BlobStore, report: Report) -> ReportLocation:
    """Write the Markdown, then the JSON, overwriting an earlier save of the same report.

    The JSON goes last, so a reader that finds `<id>.json` also finds its `<id>.md`. Both are redacted
    here as a last guard (builders redact with the investigation's numbering first).
    """
    report = redact_report(report)
    location = report_location(report)
    store.put(location.markdown_name, render_markdown(report).encode("utf-8"), content_type=_MARKDOWN_TYPE)
    store.put(location.json_name, report_to_json(report).encode("utf-8"), content_type=_JSON_TYPE)
    return location


def load_report(store: BlobStore, location: ReportLocation | str) -> Report:
    """Read a report back from its location or its JSON blob name.

    Raises BlobNotFoundError when it is missing and StorageError when the blob is not a valid report.
    """
    name = location.json_name if isinstance(location, ReportLocation) else location
    blob = store.get(name)
    try:
        return report_from_json(blob.data)
    except ValidationError as e:
        raise StorageError(f"{name} is not a valid report: {e}") from e
