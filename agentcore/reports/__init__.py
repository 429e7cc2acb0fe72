"""The report every investigation ends in: the schema of SCENARIOS.md, its Markdown, its blobs.

`Report` and its parts are frozen pydantic models; `report_to_json` is the deterministic `report.json`,
`render_markdown` the `report.md`, and `save_report` / `load_report` keep both in a `BlobStore`.
"""

from agentcore.reports._model import (
    REPORT_ID_PATTERN,
    ConfidenceBasis,
    DataEgress,
    Escalation,
    Evidence,
    EvidenceSource,
    Hypothesis,
    Mitigation,
    Recommendation,
    Report,
    ReportedError,
    RootCause,
    Signals,
    SkillNote,
    Suspect,
    Trigger,
    UsageTotals,
    report_from_json,
    report_to_json,
)
from agentcore.reports.markdown import EVIDENCE_ONLY_BANNER, render_markdown
from agentcore.reports.store import ReportLocation, load_report, report_location, save_report

__all__ = [
    "EVIDENCE_ONLY_BANNER",
    "REPORT_ID_PATTERN",
    "ConfidenceBasis",
    "DataEgress",
    "Escalation",
    "Evidence",
    "EvidenceSource",
    "Hypothesis",
    "Mitigation",
    "Recommendation",
    "Report",
    "ReportLocation",
    "ReportedError",
    "RootCause",
    "Signals",
    "SkillNote",
    "Suspect",
    "Trigger",
    "UsageTotals",
    "load_report",
    "render_markdown",
    "report_from_json",
    "report_location",
    "report_to_json",
    "save_report",
]
