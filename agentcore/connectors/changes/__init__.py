"""Changes: what was deployed and committed before an incident, and which change most likely caused it.

`collect_candidates` reads a local clone with git; `rank_suspects` turns candidates into the report's
`Suspect`s, best first, each with human-readable reasons.
"""

from agentcore.connectors.changes.correlation import (
    DEFAULT_WINDOW,
    ChangeCandidate,
    DeploymentRecord,
    FileChange,
    IncidentSignals,
    RegressionSignal,
    collect_candidates,
    live_environment_deployments,
    rank_suspects,
)

__all__ = [
    "DEFAULT_WINDOW",
    "ChangeCandidate",
    "DeploymentRecord",
    "FileChange",
    "IncidentSignals",
    "RegressionSignal",
    "collect_candidates",
    "live_environment_deployments",
    "rank_suspects",
]
