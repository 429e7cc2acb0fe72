"""Error records grouped by their strongest evidence, with ids that stay the same from one day to the next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentcore.clustering import Evidence, StackFrame, assign_lines, cluster_records, counts_by_id
from agentcore.clustering.grouping import frame_identity, group_keys, is_in_app
from agentcore.clustering.records import ErrorRecord, exception_record, logging_location, trace_record

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
APP_FRAMES = (
    StackFrame("PaymentsClient.capture", "/app/checkout/payments.py", 51),
    StackFrame("post_checkout", "/app/checkout/api.py", 45),
)
FRAMEWORK = StackFrame("run_endpoint_function", "/usr/lib/python3.11/site-packages/fastapi/routing.py", 212)


def exception(message: str, *, minutes: int = 0, frames: tuple[StackFrame, ...] = APP_FRAMES, **kw: str) -> ErrorRecord:
    return ErrorRecord(
        time=T0 + timedelta(minutes=minutes), service=kw.get("service", "checkout-api"), message=message,
        exception_type=kw.get("exception_type", "PaymentGatewayTimeout"), frames=frames,
        fingerprint=kw.get("fingerprint", ""), operation=kw.get("operation", ""), source="AppExceptions",
    )  # fmt: skip


def trace(message: str, *, minutes: int = 0, location: str = "", service: str = "checkout-api") -> ErrorRecord:
    return ErrorRecord(time=T0 + timedelta(minutes=minutes), service=service, message=message,
                       logging_location=location, source="AppTraces")  # fmt: skip


def test_an_explicit_fingerprint_wins_over_every_other_evidence() -> None:
    records = [exception("a", fingerprint="fp-1"), exception("b", fingerprint="fp-1", exception_type="Other")]
    [cluster] = cluster_records(records)
    assert (cluster.evidence, cluster.count) == (Evidence.FINGERPRINT, 2)


def test_exceptions_group_by_type_and_in_app_frames_not_by_line_numbers() -> None:
    moved = tuple(StackFrame(f.method, f.file, (f.line or 0) + 7) for f in APP_FRAMES)
    records = [exception("capture timed out after 3.0s"), exception("capture timed out after 9.1s", frames=moved)]
    [cluster] = cluster_records(records)
    assert cluster.evidence is Evidence.STACK
    assert cluster.title == "PaymentGatewayTimeout at payments:PaymentsClient.capture<api:post_checkout"


def test_framework_frames_are_skipped_when_choosing_the_failure_site() -> None:
    assert not is_in_app(FRAMEWORK)
    assert not is_in_app(StackFrame("System.Net.Http.HttpClient.SendAsync", "", None))
    assert is_in_app(APP_FRAMES[0])
    via_framework = exception("x", frames=(FRAMEWORK, *APP_FRAMES))
    assert group_keys([via_framework]) == group_keys([exception("x")])


def test_the_same_type_thrown_from_another_site_is_another_cluster() -> None:
    elsewhere = (StackFrame("LedgerClient.post", "/app/checkout/ledger.py", 20), APP_FRAMES[1])
    assert len(cluster_records([exception("t"), exception("t", frames=elsewhere)])) == 2


def test_traces_group_by_their_logging_statement() -> None:
    records = [trace("db pool exhausted (31 waiting)", location="db.py:acquire"),
               trace("connection pool has no free slot", location="db.py:acquire")]  # fmt: skip
    [cluster] = cluster_records(records)
    assert cluster.evidence is Evidence.LOGGING_LOCATION


def test_without_stack_or_location_records_group_by_message_template_per_service() -> None:
    records = [trace(f"upstream ledger returned 503 after {n} ms") for n in range(5)]
    records += [trace(f"upstream ledger returned 503 after {n} ms", service="orders-api") for n in range(3)]
    clusters = cluster_records(records)
    assert sorted(c.count for c in clusters) == [3, 5]
    assert {c.evidence for c in clusters} == {Evidence.TEMPLATE}
    assert clusters[0].title == "upstream ledger returned <*> after <*>"


def test_a_cluster_keeps_its_id_on_another_day() -> None:
    today = cluster_records([exception("t", minutes=m) for m in range(4)] + [trace("disk full on /var/x")])
    tomorrow = cluster_records([exception("t", minutes=60 * 24 + m) for m in range(9)] + [trace("disk full on /var/y")])
    assert {c.id for c in today} == {c.id for c in tomorrow}


def test_clusters_report_counts_sightings_services_operations_and_examples() -> None:
    records = [exception(f"capture timed out after {n}s", minutes=n, operation=f"op{n % 2}") for n in range(5)]
    [cluster] = cluster_records(records)
    assert (cluster.count, cluster.operations, cluster.services) == (5, 2, ("checkout-api",))
    assert (cluster.first_seen, cluster.last_seen) == (T0, T0 + timedelta(minutes=4))
    assert len(cluster.examples) == 3
    assert cluster.frames[0].file == "/app/checkout/payments.py"


def test_new_clusters_rank_first_then_count_then_growth() -> None:
    old_big = [trace("old failure", location="a.py:f")] * 50
    old_growing = [trace("growing failure", location="b.py:g")] * 20
    brand_new = [trace("brand new failure", location="c.py:h")] * 2
    yesterday = cluster_records(old_big[:45] + old_growing[:2])
    today = cluster_records(old_big + old_growing + brand_new, previous=counts_by_id(yesterday))
    assert [c.title.split(":")[0] for c in today][:1] == ["brand new failure"]
    assert [(c.count, c.previous_count, c.new) for c in today] == [(2, 0, True), (50, 45, False), (20, 2, False)]
    assert today[2].growth > today[1].growth


def test_plain_lines_get_a_cluster_id_and_template_each() -> None:
    assigned = assign_lines(["job 17 failed", "job 18 failed", "disk /dev/sda1 is full"])
    assert assigned[0] == assigned[1]
    assert assigned[0][1] == "job <*> failed"
    assert assigned[0][0] != assigned[2][0]


def test_rows_from_the_telemetry_tables_become_records() -> None:
    row = {"TimeGenerated": "2026-03-02T08:41:03.111Z", "AppRoleName": "checkout-api", "ExceptionType": "E",
           "OuterMessage": "boom", "Details": [{"parsedStack": [{"level": 0, "method": "m", "fileName": "/a/b.py",
           "line": 3}]}], "OperationId": "op", "Properties": {"fingerprint": "fp"}}  # fmt: skip
    record = exception_record(row)
    assert (record.exception_type, record.fingerprint, record.frames) == ("E", "fp", (StackFrame("m", "/a/b.py", 3),))
    traced = trace_record({"TimeGenerated": "2026-03-02T08:41:03Z", "Message": "m",
                           "Properties": '{"code.filepath": "/app/x.py", "code.function": "f"}'})  # fmt: skip
    assert traced.logging_location == "/app/x.py:f"
    assert logging_location({"CategoryName": "Shop.Cart", "{OriginalFormat}": "Cart {Id} empty"}) == (
        "Shop.Cart|Cart {Id} empty"
    )
    assert frame_identity(StackFrame("Cart.Total", "C:\\src\\Cart.cs", 4)) == "Cart:Cart.Total"


def test_a_message_seen_in_the_window_before_is_not_new_even_when_its_template_needs_both_windows() -> None:
    from agentcore.clustering import cluster_against_history

    before = [trace(f"retrying {name} after timeout") for name in ("ledger", "fraud")]
    current = [trace(f"retrying {name} after timeout") for name in ("pricing", "stock", "tax", "search")]
    [cluster] = cluster_against_history(current, before)
    assert (cluster.new, cluster.previous_count, cluster.count) == (False, 2, 4)
