"""Changes: what was deployed and committed before an incident, read from deployment records and git.

`collect_candidates` reads a local clone with git and returns the commits that went live before the incident,
each with its files, changed identifiers and deployment. Which of them most likely caused the incident is
triage's question (`agentcore.triage`), not this package's.
"""

from agentcore.connectors.changes._candidates import DEFAULT_WINDOW, collect_candidates, live_environment_deployments
from agentcore.connectors.changes._file_kinds import (
    is_documentation,
    is_runtime_config,
    is_runtime_template,
    is_test,
)
from agentcore.connectors.changes._records import ChangeCandidate, DeploymentRecord, FileChange, require_utc

__all__ = [
    "DEFAULT_WINDOW",
    "ChangeCandidate",
    "DeploymentRecord",
    "FileChange",
    "collect_candidates",
    "is_documentation",
    "is_runtime_config",
    "is_runtime_template",
    "is_test",
    "live_environment_deployments",
    "require_utc",
]
