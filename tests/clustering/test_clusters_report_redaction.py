"""A clusters report holds error messages as examples: secrets in them are redacted before it is stored or shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from agentcore.clustering import cluster_window
from agentcore.clustering.report import ClusteringReport
from agentcore.connectors.logs import ColumnSchema, QueryResult, TableSchema
from agentcore.pipeline.clustering import store_clustering_report
from agentcore.storage.local import LocalBlobStore

END = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
SECRET = "sk-proj-" + "Zq3Xv9Lk2Mn8Pb4Rt6Wy1Hc5Jd7Fg0Sa"
PASSWORD = "hunterTwoSecretPass"


class TracesOnly:
    """A log store whose only table holds two error traces with secrets in their messages."""

    def tables(self) -> list[TableSchema]:
        return [TableSchema(name="AppTraces", columns=(ColumnSchema(name="Message", type="string"),))]

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        names = ("TimeGenerated", "AppRoleName", "Message", "OperationId", "Properties")
        columns = tuple(ColumnSchema(name=n, type="string") for n in names)
        if "2026-02-28" in kql:  # the window before: nothing
            return QueryResult(columns=columns, rows=())
        rows = (
            ((END - timedelta(minutes=5)).isoformat(), "billing", f"login failed with key {SECRET}", "op1", "{}"),
            (
                (END - timedelta(minutes=4)).isoformat(),
                "billing",
                f"db connect password={PASSWORD} refused",
                "op2",
                "{}",
            ),
        )
        return QueryResult(columns=columns, rows=rows)


def report() -> ClusteringReport:
    return cluster_window(TracesOnly(), window_end=END, window=timedelta(hours=24))


def test_the_clusters_report_holds_no_secret_from_the_messages() -> None:
    text = report().model_dump_json()
    assert SECRET not in text
    assert PASSWORD not in text
    assert "[REDACTED:" in text


def test_the_stored_report_holds_no_secret(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    unredacted = report().model_copy(update={"service": f"billing {SECRET}"})
    stored = store_clustering_report(store, unredacted, now=END)
    for name in (stored.json_name, stored.markdown_name):
        assert SECRET not in store.get(name).data.decode()
