"""The report schema of SCENARIOS.md as frozen pydantic models.

Field names and order follow the schema exactly; the JSON written from these models is the public
`report.json`. Lists are tuples so that a report cannot change after it is built.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware time, normalized to UTC (naive times are refused: they are ambiguous)."""

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Count = Annotated[int, Field(ge=0)]

REPORT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
"""Report ids become blob names (`reports/<yyyy>/<mm>/<dd>/<id>.json`), so they stay path-safe."""

TriggerKind = Literal["alert", "http", "schedule", "cli"]
ReportStatus = Literal["completed", "failed", "inconclusive"]
ReportMode = Literal["agent", "evidence-only"]
SourceKind = Literal["log_query", "file", "commit", "command", "metric", "deployment"]
HypothesisStatus = Literal["confirmed", "refuted", "open"]
Risk = Literal["low", "medium", "high"]


class Trigger(_Frozen):
    """What started the investigation: an alert id, an HTTP request id, a schedule name, a CLI call."""

    kind: TriggerKind
    ref: str


class RootCause(_Frozen):
    """The cause the investigation settled on, with its confidence from 0 to 1."""

    statement: str
    category: str
    confidence: Fraction


class EvidenceSource(_Frozen):
    """Where a piece of evidence came from: the query, path, sha, command, metric or deployment."""

    kind: SourceKind
    ref: str


class Evidence(_Frozen):
    """One claim, its source and the excerpt that supports it."""

    claim: str
    source: EvidenceSource
    excerpt: str


class Suspect(_Frozen):
    """A change that may have caused the incident, ranked best first in `Report.suspects`.

    `deployed_at` is None when no deployment record says when the commit went live (the ranking then
    used its commit time).
    """

    repo: str
    commit: str
    title: str
    author: str
    deployed_at: UtcDatetime | None
    score: Fraction
    reasons: tuple[str, ...]
    rank: Annotated[int, Field(ge=1)] | None = None
    """1 for the best; suspects whose scores are too close to tell apart share a rank (a tie). None: unranked."""


class Hypothesis(_Frozen):
    """A candidate explanation; `evidence` holds indexes into `Report.evidence`."""

    statement: str
    status: HypothesisStatus
    evidence: tuple[Annotated[int, Field(ge=0)], ...] = ()


class Mitigation(_Frozen):
    """An action that would reduce impact, its risk, and whether the agent could run it unattended."""

    action: str
    risk: Risk
    automated: bool


class Recommendation(_Frozen):
    """What the on-call engineer should do next, and to whom the incident should go, if anyone."""

    auto_mitigate: bool
    transfer_to: str | None
    reason: str


class UsageTotals(_Frozen):
    """Model usage over the whole investigation (the `usage` block); zero when no model ran."""

    model_calls: Count = 0
    input_tokens: Count = 0
    cached_input_tokens: Count = 0
    cache_write_tokens: Count = 0
    output_tokens: Count = 0
    cost_usd: Annotated[float, Field(ge=0.0)] = 0.0


class DataEgress(_Frozen):
    """What left for one model provider: bytes sent, and how many secrets were redacted first, by kind."""

    provider: str
    model: str
    region: str | None = None
    bytes_sent: Count
    redactions: Count
    redacted_kinds: dict[str, Count] = Field(default_factory=dict)
    """How many of `redactions` were of each kind (`azure-storage-key`, `jwt`, ...), kinds sorted by name."""


class SkillNote(_Frozen):
    """How one skill the agent read served this run: whether it helped, and how it fell short when it did not."""

    name: Annotated[str, Field(min_length=1, max_length=64)]
    helped: bool
    note: str = ""
    """What was missing or wrong in the skill; empty when it helped as it is."""


class Signals(_Frozen):
    """The agent's own account of the run, for improving skills and prompts (Agent Signals)."""

    what_worked: str
    what_was_hard: str
    skill_gaps: tuple[str, ...] = ()
    self_score: Annotated[int, Field(ge=1, le=5)]
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    """How sure the agent is of its conclusion, 0..1; compared with reviewers' verdicts by the skill-health job."""
    skills: tuple[SkillNote, ...] = ()
    """One note per skill it read."""


class Escalation(_Frozen):
    """A skill's stop-and-escalate condition held: the run ended inconclusive and went to `transfer_to`."""

    skill: Annotated[str, Field(min_length=1, max_length=64)]
    condition: Annotated[str, Field(min_length=1)]
    """The condition, as the skill states it, and what showed that it held."""
    transfer_to: Annotated[str, Field(min_length=1)]


class ReportedError(_Frozen):
    """A failure recorded during the run (the `errors` block): which stage, what class, what message."""

    stage: str
    error_class: str
    message: str


class ConfidenceBasis(_Frozen):
    """What the report's confidence rests on: the evidence behind the conclusion and the data that was missing.

    `computed` is the confidence the evidence supports; the agent's `stated` one is capped by it.
    """

    stated: Fraction
    computed: Fraction
    supporting_sources: Count
    """Distinct evidence sources (kind and reference) cited by confirmed hypotheses."""
    missing_data: tuple[str, ...] = ()
    """What could not be checked (triage problems), each of which lowers `computed`."""


class Report(_Frozen):
    """The outcome of one investigation: `report.json`, and through `render_markdown`, `report.md`."""

    id: Annotated[str, Field(pattern=REPORT_ID_PATTERN)]
    title: Annotated[str, Field(min_length=1)]
    status: ReportStatus
    mode: ReportMode
    trigger: Trigger
    started_at: UtcDatetime
    finished_at: UtcDatetime
    summary: str
    root_cause: RootCause | None = None
    evidence: tuple[Evidence, ...] = ()
    suspects: tuple[Suspect, ...] = ()
    hypotheses: tuple[Hypothesis, ...] = ()
    mitigations: tuple[Mitigation, ...] = ()
    recommendation: Recommendation
    usage: UsageTotals = UsageTotals()
    data_egress: tuple[DataEgress, ...] = ()
    commands_ran_in: str | None = None
    """Where the agent's shell commands ran (this host's sandbox, or a remote session pool); None when no agent ran."""
    signals: Signals | None = None
    errors: tuple[ReportedError, ...] = ()
    escalation: Escalation | None = None
    """Set when a skill's stop-and-escalate condition ended the run (additive: after the original schema keys)."""
    response_plan: str | None = None
    """The response plan the investigation ran under (`agentcore.pipeline.response_plans`); None: no plans."""
    confidence_basis: ConfidenceBasis | None = None
    """How the evidence bounded the root cause's confidence; None when no root cause was weighed."""

    @model_validator(mode="after")
    def _check_consistency(self) -> Report:
        if self.mode == "evidence-only" and self.root_cause is not None:
            raise ValueError("an evidence-only report has no root cause: no agent reasoned about it")
        if self.finished_at < self.started_at:
            raise ValueError(f"finished_at {self.finished_at} is before started_at {self.started_at}")
        count = len(self.evidence)
        for number, hypothesis in enumerate(self.hypotheses):
            for index in hypothesis.evidence:
                if index >= count:
                    raise ValueError(
                        f"hypothesis {number} cites evidence {index}, but the report has {count} evidence item(s)"
                    )
        return self


def report_to_json(report: Report) -> str:
    """The report as deterministic JSON: schema key order, UTC times, two-space indent, final newline."""
    return report.model_dump_json(indent=2) + "\n"


def report_from_json(text: str | bytes) -> Report:
    """Parse and validate `report.json`; raises pydantic's ValidationError when it breaks the schema."""
    return Report.model_validate_json(text)
