"""A report holds no secret: every text in it is redacted before it is saved or shown.

The agent only ever saw redacted text, but a report also carries deterministic evidence (log excerpts
from triage) and whatever the model wrote; both pass through here. Given the investigation's
`RedactionState`, a secret gets the same placeholder in the report as in the conversation.
"""

from __future__ import annotations

from agentcore.redaction import RedactionState, Redactor
from agentcore.reports._model import Report


def redact_report(report: Report, state: RedactionState | None = None) -> Report:
    """`report` with every string redacted (the data-egress block, which holds only counts, as is).

    `state` is copied, not changed: the counts it holds stay those of what was sent to the model.
    """
    redactor = Redactor(state.model_copy(deep=True) if state is not None else None)
    data = report.model_dump(mode="json", exclude={"data_egress"})
    redacted = redactor.redact_json(data)
    if redactor.state.total == 0:
        return report
    return Report.model_validate({**redacted, "data_egress": report.data_egress})
