"""One end-to-end clustering of N synthetic error records with stack traces, in a process of its own.

`python -m bench._error_records N DIR` writes N AppExceptions rows (the SCENARIOS.md format, parsedStack
included) to DIR/AppExceptions.jsonl, loads them into the embedded log store (DuckDB), clusters the
window with `cluster_window`, and prints one JSON line: seconds to load and to cluster, the clusters
found and expected, and the process's peak resident memory (its own process, so nothing measured
before it counts).
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agentcore.clustering import cluster_window
from agentcore.connectors.logs.duckdb import DuckDbLogStore

WINDOW_END = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)
SERVICES = ("checkout-api", "cart-api", "payments", "inventory", "pricing")
EXCEPTIONS = (
    ("app.errors.PaymentGatewayTimeout", "capture timed out after {ms} ms for order {guid}"),
    ("app.errors.InventoryConflict", "stock for sku {n} changed under order {guid}"),
    ("KeyError", "'coupon_{n}'"),
    ("ValueError", "invalid quantity {n} for cart {guid}"),
    ("app.errors.UpstreamUnavailable", "pricing answered 503 after {ms} ms"),
    ("ConnectionResetError", "[Errno 104] Connection reset by peer 10.{n}.0.7"),
    ("app.errors.RateLimited", "HTTP 429 from fraud: retry after {n} s"),
    ("TypeError", "unsupported operand type(s) for +: 'NoneType' and 'Decimal' in cart {guid}"),
)
SITES = (
    ("PaymentsClient.capture", "/app/app/payments.py"),
    ("CartTotals.compute", "/app/app/cart.py"),
    ("Coupons.apply", "/app/app/coupons.py"),
    ("StockReservations.reserve", "/app/app/inventory.py"),
)
CALLERS = (("post_checkout", "/app/app/api.py"), ("handle", "/app/app/worker.py"))
FRAMEWORK = (
    ("starlette.routing.Route.handle", "/usr/local/lib/python3.12/site-packages/starlette/routing.py"),
    ("httpx.Client.send", "/usr/local/lib/python3.12/site-packages/httpx/_client.py"),
)
KINDS = [(e, s, c) for e in range(len(EXCEPTIONS)) for s in range(len(SITES)) for c in range(len(CALLERS))]
"""64 failure kinds: an exception type, the site that raised it and the caller that got there."""


def synthetic_error_rows(count: int, seed: int = 11) -> Iterator[str]:
    """`count` AppExceptions rows as JSON lines, spread over the 24 h before WINDOW_END."""
    rng = random.Random(seed)
    for _ in range(count):
        exception, site, caller = KINDS[rng.randrange(len(KINDS))]
        kind, template = EXCEPTIONS[exception]
        guid = f"{rng.getrandbits(64):016x}"
        message = template.format(ms=rng.randint(100, 30_000), n=rng.randint(1, 999), guid=guid)
        stack = [
            {"level": 0, "method": FRAMEWORK[1][0], "fileName": FRAMEWORK[1][1], "line": rng.randint(900, 999)},
            {"level": 1, "method": SITES[site][0], "fileName": SITES[site][1], "line": rng.randint(10, 400)},
            {"level": 2, "method": CALLERS[caller][0], "fileName": CALLERS[caller][1], "line": rng.randint(10, 90)},
            {"level": 3, "method": FRAMEWORK[0][0], "fileName": FRAMEWORK[0][1], "line": 277},
        ]
        when = WINDOW_END - timedelta(seconds=rng.uniform(1, 86_399))
        row = {
            "TimeGenerated": when.isoformat().replace("+00:00", "Z"),
            "AppRoleName": rng.choice(SERVICES),
            "ExceptionType": kind,
            "OuterMessage": message,
            "Details": [{"id": "1", "outerId": "0", "type": kind, "message": message, "parsedStack": stack}],
            "OperationId": f"{rng.getrandbits(128):032x}",
        }
        yield json.dumps(row, separators=(",", ":")) + "\n"


def main(count: int, directory: Path) -> dict[str, float | int]:
    path = directory / "AppExceptions.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(synthetic_error_rows(count))  # streamed: the generator's memory is not the clustering's
    started = time.perf_counter()
    store = DuckDbLogStore.load({"AppExceptions": path}, directory / "records.duckdb", query_now=WINDOW_END)
    loaded = time.perf_counter()
    try:
        report = cluster_window(store, window_end=WINDOW_END, window=timedelta(hours=24))
    finally:
        store.close()
    clustered = time.perf_counter()
    return {
        "records": report.records,
        "clusters": len(report.clusters),
        "expected_clusters": len(KINDS),
        "load_s": loaded - started,
        "cluster_s": clustered - loaded,
        "file_bytes": path.stat().st_size,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), Path(sys.argv[2]))))
