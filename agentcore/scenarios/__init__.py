"""Scenarios: frozen incidents (alert, code with history, deployments, telemetry, topology, truth).

`load_scenario(directory)` reads and validates one (format: SCENARIOS.md, a public contract);
`Scenario.deployed_commit(service)` says which commit ran at the incident and why;
`agentcore.workspace.materialize_workspace` lays it out as an investigation workspace.
"""

from agentcore.scenarios._loader import describe_validation_error, load_scenario
from agentcore.scenarios._models import (
    Culprit,
    DeployedCommit,
    Deployment,
    RepoBundle,
    RepoCommit,
    Resource,
    Scenario,
    ScenarioSpec,
    Service,
    Topology,
    Truth,
)

__all__ = [
    "Culprit",
    "DeployedCommit",
    "Deployment",
    "RepoBundle",
    "RepoCommit",
    "Resource",
    "Scenario",
    "ScenarioSpec",
    "Service",
    "Topology",
    "Truth",
    "describe_validation_error",
    "load_scenario",
]
