"""Clusters of error records, with what a reviewer needs to rank them: counts, first and last sighting,
services, examples, and the trend against the window before."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from agentcore.clustering.grouping import Evidence, GroupKey, describe_key, group_keys
from agentcore.clustering.records import ErrorRecord, StackFrame
from agentcore.clustering.templates import MinerConfig, mine_templates

MAX_EXAMPLES = 3


class ClusterFrame(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: str
    file: str
    line: int | None = None


class Cluster(BaseModel):
    """One group of errors in a window."""

    model_config = ConfigDict(frozen=True)

    id: str
    """Stable across windows: the same evidence gives the same id tomorrow."""
    evidence: Evidence
    title: str
    count: int
    first_seen: datetime
    last_seen: datetime
    services: tuple[str, ...]
    operations: int
    """Distinct operation ids (requests) that hit it."""
    examples: tuple[str, ...]
    exception_type: str = ""
    frames: tuple[ClusterFrame, ...] = ()
    """The first example's stack, innermost first: where tracing to code starts."""
    logging_location: str = ""
    previous_count: int = 0
    """Its count in the window before; 0 with `new` when it did not occur."""
    new: bool = True

    @property
    def growth(self) -> float:
        """Count over the previous window's (1 + previous, so a new cluster's growth is its count)."""
        return self.count / (1 + self.previous_count)


def cluster_records(
    records: Sequence[ErrorRecord],
    *,
    previous: Mapping[str, int] | None = None,
    config: MinerConfig | None = None,
) -> list[Cluster]:
    """Clusters ranked: new ones first, then by count, then by growth. `previous` maps id -> count before."""
    before = previous or {}
    members: dict[GroupKey, list[ErrorRecord]] = defaultdict(list)
    for key, record in zip(group_keys(records, config), records, strict=True):
        members[key].append(record)
    clusters = [_cluster(key, group, before) for key, group in members.items()]
    return rank(clusters)


def cluster_against_history(
    current: Sequence[ErrorRecord], before: Sequence[ErrorRecord], config: MinerConfig | None = None
) -> list[Cluster]:
    """Clusters of `current`, ranked, with counts from `before`. Templates are mined over both windows at
    once, so a message that occurs in both gets one template and one id, and is not reported as new."""
    keys = group_keys([*before, *current], config)
    previous: Counter[str] = Counter(key.cluster_id for key in keys[: len(before)])
    members: dict[GroupKey, list[ErrorRecord]] = defaultdict(list)
    for key, record in zip(keys[len(before) :], current, strict=True):
        members[key].append(record)
    return rank([_cluster(key, group, previous) for key, group in members.items()])


def rank(clusters: Sequence[Cluster]) -> list[Cluster]:
    """New first (a new failure mode is news even when small), then count, then growth; id breaks ties."""
    return sorted(clusters, key=lambda c: (not c.new, -c.count, -c.growth, c.id))


def counts_by_id(clusters: Sequence[Cluster]) -> dict[str, int]:
    return {cluster.id: cluster.count for cluster in clusters}


def _cluster(key: GroupKey, group: list[ErrorRecord], previous: Mapping[str, int]) -> Cluster:
    first = group[0]
    examples = tuple(dict.fromkeys(record.message for record in group))[:MAX_EXAMPLES]
    cluster_id = key.cluster_id
    return Cluster(
        id=cluster_id,
        evidence=key.evidence,
        title=describe_key(key, first),
        count=len(group),
        first_seen=min(record.time for record in group),
        last_seen=max(record.time for record in group),
        services=tuple(sorted({record.service for record in group if record.service})),
        operations=len({record.operation for record in group if record.operation}),
        examples=examples,
        exception_type=first.exception_type,
        frames=tuple(_frame(f) for f in first.frames),
        logging_location=first.logging_location,
        previous_count=previous.get(cluster_id, 0),
        new=cluster_id not in previous,
    )


def _frame(frame: StackFrame) -> ClusterFrame:
    return ClusterFrame(method=frame.method, file=frame.file, line=frame.line)


def assign_lines(lines: Sequence[str], config: MinerConfig | None = None) -> list[tuple[str, str]]:
    """For plain log lines (no stack, no location): each line's `(cluster_id, template)`."""
    templates = mine_templates(lines, config)
    ids = {t: GroupKey(Evidence.TEMPLATE, t).cluster_id for t in set(templates)}
    return [(ids[t], t) for t in templates]


__all__ = [
    "Cluster",
    "ClusterFrame",
    "assign_lines",
    "cluster_against_history",
    "cluster_records",
    "counts_by_id",
    "rank",
]
