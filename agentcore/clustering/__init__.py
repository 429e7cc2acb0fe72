"""Error clustering: group a window's error records by their strongest evidence, rank the clusters, and
compare them with the window before. `templates` mines message templates from free text."""

from agentcore.clustering.clusters import (
    Cluster,
    ClusterFrame,
    assign_lines,
    cluster_against_history,
    cluster_records,
    counts_by_id,
    rank,
)
from agentcore.clustering.grouping import Evidence, GroupKey, group_keys
from agentcore.clustering.records import ErrorRecord, StackFrame, read_error_records
from agentcore.clustering.run import cluster_window
from agentcore.clustering.templates import MinerConfig, mask_line, mine_templates

__all__ = [
    "Cluster",
    "ClusterFrame",
    "ErrorRecord",
    "Evidence",
    "GroupKey",
    "MinerConfig",
    "StackFrame",
    "assign_lines",
    "cluster_against_history",
    "cluster_records",
    "cluster_window",
    "counts_by_id",
    "group_keys",
    "mask_line",
    "mine_templates",
    "rank",
    "read_error_records",
]
