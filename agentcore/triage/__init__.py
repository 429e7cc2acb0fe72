"""Triage: the deterministic facts of an incident and the ranking of the changes that could have caused it.

`run_triage` reads the logs (new exception types and their stacks, latency and failure regressions, the
events that first exposed a code path) and the change history (through `agentcore.connectors.changes`), and
ranks the changes that went live before the incident (`rank_suspects`). No model is involved: it fills the
report's suspects in both modes and is the whole of evidence-only mode. Every fact comes with the KQL that
shows it, so an engineer can re-run it.
"""

from agentcore.triage._kql import kql_string, kql_time
from agentcore.triage._regressions import Regression
from agentcore.triage._run import NewError, ServiceRepo, Triage, run_triage
from agentcore.triage._signals import IncidentSignals, RegressionSignal
from agentcore.triage.ranking import TIE_MARGIN, rank_suspects

__all__ = [
    "TIE_MARGIN",
    "IncidentSignals",
    "NewError",
    "Regression",
    "RegressionSignal",
    "ServiceRepo",
    "Triage",
    "kql_string",
    "kql_time",
    "rank_suspects",
    "run_triage",
]
