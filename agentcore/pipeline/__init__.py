"""The pipeline: investigation stages, their state, and the in-process runner (the embedded default)."""

from agentcore.pipeline.investigation import (
    InvestigationOutcome,
    InvestigationRequest,
    new_investigation_id,
    run_investigation,
)

__all__ = ["InvestigationOutcome", "InvestigationRequest", "new_investigation_id", "run_investigation"]
