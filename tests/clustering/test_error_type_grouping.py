"""One call site, one exception class, different failures: `error.type` keeps them apart (issue 11.1)."""

from __future__ import annotations

from datetime import UTC, datetime

from agentcore.clustering import ErrorRecord, StackFrame, cluster_records
from agentcore.clustering.grouping import Evidence, GroupKey, group_keys

WHEN = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
FRAMES = (
    StackFrame(
        "/usr/lib/python3/site-packages/anthropic/_base_client.py", "/x/site-packages/anthropic/_base_client.py"
    ),
    StackFrame("agentcore.models.anthropic.AnthropicModelClient._stream_once", "agentcore/models/anthropic.py", 121),
    StackFrame("agentcore.models._retry.call_with_retries", "agentcore/models/_retry.py", 193),
)


def failure(error_type: str = "") -> ErrorRecord:
    return ErrorRecord(
        time=WHEN, service="sre-agent", message="anthropic: failed", exception_type="agentcore.errors.ModelError",
        frames=FRAMES, error_type=error_type,
    )  # fmt: skip


def test_records_that_differ_only_in_error_type_are_different_clusters() -> None:
    clusters = cluster_records([failure("http_429"), failure("http_400"), failure("http_429")])
    assert sorted(cluster.count for cluster in clusters) == [1, 2]


def test_records_with_the_same_error_type_share_a_cluster() -> None:
    assert len({key.cluster_id for key in group_keys([failure("timeout"), failure("timeout")])}) == 1


def test_a_record_without_error_type_keeps_the_key_it_always_had() -> None:
    [key] = group_keys([failure()])
    expected = "agentcore.errors.ModelError@anthropic:agentcore.models.anthropic.AnthropicModelClient._stream_once" \
        "<_retry:agentcore.models._retry.call_with_retries"  # fmt: skip
    assert key == GroupKey(Evidence.STACK, expected)
