"""Build the `inventory-dependency-slowdown` example scenario, byte for byte the same on every run.

    python examples/scenarios/build_inventory_dependency_slowdown.py [OUTPUT_DIR]

The story: three services of the Northwind shop. `inventory-api` (Go) answers stock lookups from a Redis
cache in front of PostgreSQL and holds reservations; `catalog-api` (Node.js) calls it for product and
listing pages; `fulfillment-worker` (Python) commits reservations when orders are paid. 31 commits by
eight people over four weeks.

Inventory release 4.7.0 reaches production at 08:20Z on 2026-03-24. It carries #76, a one-line change
to `config/production.yaml`: `max_idle_conns: 0`, meant to stop the occasional "connection reset by
peer" on connections Azure dropped while idle. With no idle connections kept, every query dials a new
TLS connection to Azure Database for PostgreSQL (our dependency timing includes getting the
connection), so PostgreSQL dependency durations jump from a few milliseconds to 40-200 ms and
inventory-api's p95 climbs with the morning traffic until the latency alert fires. There are no new
exceptions (the resets even stop). Red herrings: the same release carries a rewrite of the batch stock
query (#77) and a docs commit after the culprit; catalog-api 2.12.0 went out at 07:50Z and doubled the
batch lookups (the latency stayed flat until 08:20Z); recurring noise: connection resets before the
deploy, a known catalog TypeError, carrier rate limits in fulfillment.

The code is not in this file: _sources/inventory-dependency-slowdown/repos/<repo>/ holds each repo's first tree and one
`git format-patch` file per later commit; read repos/inventory/0010-idle-conns.patch for the change that
caused the incident. The topology and the memory notes are files under _sources/inventory-dependency-slowdown/files/.

The traffic of the day, from which the alert is computed, is simulated in _telemetry_inventory_dependency_slowdown.py.

Determinism: the kit commits each patch with its own author and date as author and committer, in a
clean git environment with one pack thread; a fixed random seed; sorted, fixed-format JSON.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
from _scenario_kit import (  # noqa: E402
    Azure,
    Built,
    Commit,
    LogAlert,
    Source,
    deployment,
    dump_json,
    dump_jsonl,
    files_under,
    iso,
    percentile,
    telemetry_files,
    utc,
    write_scenario_from_sources,
)
from _telemetry_inventory_dependency_slowdown import (  # noqa: E402
    CATALOG,
    FULFILLMENT,
    INVENTORY,
    INVENTORY_DEPLOY,
    TELEMETRY_START,
    build_telemetry,
)

NAME = "inventory-dependency-slowdown"
TELEMETRY_LIMIT = utc("2026-03-24T10:30:00Z")
ALERT_EVALUATED = utc("2026-03-24T09:30:00Z")
INCIDENT = ALERT_EVALUATED + timedelta(minutes=5)
AZURE = Azure("5e7a1c94-3d2b-4f80-b6e1-0c9d8a7f2b35", "rg-northwind-prod", "westeurope")

DANIEL = ("Daniel Kim", "daniel.kim@northwind.example")
FATIMA = ("Fatima Zahra", "fatima.zahra@northwind.example")
RAJ = ("Raj Patel", "raj.patel@northwind.example")
ELENA = ("Elena Rossi", "elena.rossi@northwind.example")
SAM = ("Sam Oduya", "sam.oduya@northwind.example")
LINH = ("Linh Nguyen", "linh.nguyen@northwind.example")
PIOTR = ("Piotr Nowak", "piotr.nowak@northwind.example")
GRACE = ("Grace Mensah", "grace.mensah@northwind.example")

# ---------------------------------------------------------------------------------------------------
# The repos' histories: _sources/<NAME>/repos/<repo>/ holds the first commit's tree (base/) and one
# `git format-patch` file per later commit, applied in order; truth.json's culprit is the patch
# that caused the incident (here repos/inventory/0010-idle-conns.patch).
# ---------------------------------------------------------------------------------------------------

SOURCES = Path(__file__).resolve().parent / "_sources" / NAME
INVENTORY_SOURCE = Source(
    SOURCES / "repos" / "inventory",
    Commit(
        "init",
        DANIEL,
        "2026-02-23T10:14:52-05:00",
        "inventory-api: stock lookups and reservations on PostgreSQL, Redis read cache",
        "Replaces the stock endpoints of the old monolith. Telemetry goes to Application Insights with\n"
        "the Go SDK (requests, dependencies, exceptions).",
        {},
    ),
    tags={"pool-stats": "v4.4.0", "pgx": "v4.5.0", "reset-retry": "v4.6.0", "config-docs": "v4.7.0"},
)
CATALOG_SOURCE = Source(
    SOURCES / "repos" / "catalog",
    Commit("init", SAM, "2026-02-25T09:47:18+01:00", "catalog-api: products and categories from Cosmos DB", "", {}),
    tags={"listing-stock": "v2.10.0", "filter": "v2.11.0", "undici": "v2.12.0"},
)
FULFILLMENT_SOURCE = Source(
    SOURCES / "repos" / "fulfillment",
    Commit("init", PIOTR, "2026-02-24T13:02:49+01:00", "fulfillment-worker: book shipments for paid orders", "", {}),
    tags={"commit-reservations": "v1.17.0", "servicebus": "v1.18.0", "prefetch": "v1.19.0"},
)


# ---------------------------------------------------------------------------------------------------
# Alert, deployments, truth (the topology and memory notes are files under _sources/<NAME>/files/)
# ---------------------------------------------------------------------------------------------------

THRESHOLD_MS = 150
APP_INSIGHTS = "appi-northwind-prod"
ALERT_QUERY = (
    'AppRequests\n| where AppRoleName == "inventory-api"\n'
    "| summarize P95DurationMs = percentile(DurationMs, 95) by AppRoleName"
)


def p95(requests: list[dict[str, Any]], end: datetime) -> float:
    start, stop = iso(end - timedelta(minutes=15)), iso(end)
    durations = [
        r["DurationMs"] for r in requests if r["AppRoleName"] == INVENTORY and start <= r["TimeGenerated"] < stop
    ]
    return percentile(durations, 95)


def first_firing(requests: list[dict[str, Any]]) -> tuple[datetime, float]:
    """Every 5 minutes over the last 15; it fires when two evaluations in a row are over the threshold."""
    moment, previous = TELEMETRY_START + timedelta(minutes=15), 0.0
    while moment <= TELEMETRY_LIMIT:
        value = p95(requests, moment)
        if value > THRESHOLD_MS and previous > THRESHOLD_MS:
            if moment < INVENTORY_DEPLOY:
                raise AssertionError(f"the alert fires before the deploy, at {moment}")
            return moment, value
        moment, previous = moment + timedelta(minutes=5), value
    raise AssertionError("the alert never fires")


def alert(evaluated: datetime, value: float) -> dict[str, Any]:
    return LogAlert(
        azure=AZURE,
        app_insights=APP_INSIGHTS,
        app_id="a7c3e1f0-5d92-4b8e-9f64-2e0b7d1c8a53",
        alert_uuid="2d9e4b71-6c0a-4f3d-8e25-b1a7c9f04e68",
        origin_uuid="7f3a1c5e-0b8d-4e92-a6f1-3c5e7b9d2a40",
        rule="inventory-api p95 latency",
        severity="Sev2",
        description="inventory-api p95 request duration above 150 ms for two evaluations in a row (15 minute windows).",
        fired_at=evaluated + timedelta(seconds=38, microseconds=604122),
        window_start=evaluated - timedelta(minutes=15),
        window_end=evaluated,
        search_query=ALERT_QUERY,
        operator="GreaterThan",
        threshold=str(THRESHOLD_MS),
        metric_value=round(value, 1),
        time_aggregation="Maximum",
        metric_measure_column="P95DurationMs",
        dimensions={"AppRoleName": INVENTORY},
        runbook="memory/runbooks/inventory-latency.md",
        custom_properties={"service": "inventory", "owner": "stock-platform"},
        failing_periods=(2, 2),
    ).payload()


def deployments(shas: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    i, c, f = shas["inventory"], shas["catalog"], shas["fulfillment"]
    rows = [
        ("2026-02-27T16:03:11Z", "inventory", "staging", i["pool-stats"], "4.4.0", 64, "Raj Patel"),
        ("2026-03-02T09:40:12Z", "inventory", "production", i["pool-stats"], "4.4.0", 64, "Raj Patel"),
        ("2026-03-03T10:00:33Z", "fulfillment", "production", f["commit-reservations"], "1.17.0", None, "Piotr Nowak"),
        ("2026-03-05T13:02:47Z", "inventory", "staging", i["pgx"], "4.5.0", None, "Raj Patel"),
        ("2026-03-06T10:15:44Z", "inventory", "production", i["pgx"], "4.5.0", None, "Raj Patel"),
        ("2026-03-09T11:20:05Z", "catalog", "production", c["listing-stock"], "2.10.0", 198, "Sam Oduya"),
        ("2026-03-12T08:45:19Z", "fulfillment", "production", f["servicebus"], "1.18.0", None, "Piotr Nowak"),
        ("2026-03-12T16:30:08Z", "inventory", "staging", i["reset-retry"], "4.6.0", 72, "Daniel Kim"),
        ("2026-03-13T10:05:21Z", "inventory", "production", i["reset-retry"], "4.6.0", 72, "Daniel Kim"),
        ("2026-03-17T14:00:52Z", "catalog", "staging", c["filter"], "2.11.0", 207, "Linh Nguyen"),
        ("2026-03-18T09:31:50Z", "catalog", "production", c["filter"], "2.11.0", 207, "Linh Nguyen"),
        ("2026-03-19T17:02:44Z", "fulfillment", "staging", f["prefetch"], "1.19.0", None, "Piotr Nowak"),
        ("2026-03-20T09:12:07Z", "fulfillment", "production", f["prefetch"], "1.19.0", None, "Piotr Nowak"),
        ("2026-03-23T13:45:10Z", "catalog", "staging", c["undici"], "2.12.0", 212, "Sam Oduya"),
        ("2026-03-23T15:12:40Z", "inventory", "staging", i["config-docs"], "4.7.0", None, "Elena Rossi"),
        ("2026-03-24T07:50:00Z", "catalog", "production", c["undici"], "2.12.0", 212, "Sam Oduya"),
        ("2026-03-24T08:20:00Z", "inventory", "production", i["config-docs"], "4.7.0", None, "Elena Rossi"),
    ]
    return [deployment(*row) for row in rows]


def truth(shas: dict[str, dict[str, str]], evaluated: datetime) -> dict[str, Any]:
    i = shas["inventory"]
    return {
        "root_cause": (
            "inventory-api release 4.7.0 (production at 08:20Z) includes "
            f"{i['idle-conns'][:12]} 'config: production keeps no idle database connections (#76)', which sets "
            "database.max_idle_conns: 0 in config/production.yaml. database/sql then closes every connection "
            "after use, so each PostgreSQL call opens a new TLS + SCRAM session with Azure Database for "
            "PostgreSQL; store/db.go times calls including getting the connection, so PostgreSQL dependency "
            "durations went from under 10 ms (p95) to 75-200 ms, growing with the connection rate as morning "
            "traffic rose, and inventory-api's request p95 went from about 20 ms to over 150 ms. The latency "
            f"alert fired at {evaluated:%H:%M}Z. db.pool.max_idle_closed in AppMetrics jumps from 0 to one per "
            "call at the deploy and the startup trace shows db.max_idle_conns=0. There is no new exception: "
            "the ECONNRESET warnings the change aimed at stop."
        ),
        "category": "config-change",
        "culprit": {"repo": "inventory", "commit": i["idle-conns"]},
        "notes": (
            "The culprit is not the newest commit of the release: #77 (batchGet misses in one query) and the "
            "docs commit came after it, and #78 on main was never deployed. Red herrings: #77 rewrote the "
            "batch stock query in internal/store/stock.go, the obvious code suspect, but it cuts round trips; "
            "#74 (3 s request timeout) shipped in the same release; catalog-api 2.12.0 went to production at "
            "07:50Z and doubled the batchGet calls (inventory request volume rises 30 minutes before, latency "
            "stays flat until 08:20Z, Redis durations never move); fulfillment-worker 1.19.0 (03-20) only "
            "prefetches messages. Recurring noise: *net.OpError ECONNRESET warnings (retried reads) and a rare "
            "*fmt.wrapError 503 on reservations before the deploy, catalog-api's TypeError on discontinued "
            "products (CAT-412), fulfillment's CarrierRateLimited 429s. Staging did not change "
            "(config/staging.yaml) and has little traffic. Mitigation: roll back to 4.6.0 or restore "
            "max_idle_conns: 16; for INV-231, set conn_max_idle_time below Azure's 4-minute idle timeout "
            "(e.g. 3m) instead."
        ),
    }


def build(output: Path) -> None:
    def files(built: Built) -> dict[str, bytes]:
        t = build_telemetry(TELEMETRY_LIMIT, built)
        evaluated, value = first_firing(t.requests)
        if evaluated != ALERT_EVALUATED:
            raise AssertionError(f"the alert now fires at {evaluated:%H:%M}Z; update ALERT_EVALUATED")
        cutoff = iso(INCIDENT)
        for rows in t.tables().values():
            rows[:] = [row for row in rows if row["TimeGenerated"] < cutoff]

        shas = {repo: dict(by_key) for repo, by_key in built.shas.items()}
        scenario = {
            "name": NAME,
            "description": "inventory-api p95 latency alert: PostgreSQL calls slow since release 4.7.0, no new errors",
            "incident_time": INCIDENT.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "services": [
                {"name": "inventory", "repo": "inventory", "app_role": INVENTORY},
                {"name": "catalog", "repo": "catalog", "app_role": CATALOG},
                {"name": "fulfillment", "repo": "fulfillment", "app_role": FULFILLMENT},
            ],
        }
        print(
            f"{output}: {len(t.requests)} requests, {len(t.dependencies)} dependencies, "
            f"p95 {value:.0f} ms at {evaluated:%H:%M}Z"
        )
        return {
            "scenario.json": dump_json(scenario),
            "alert.json": dump_json(alert(evaluated, value)),
            "deployments.jsonl": dump_jsonl(deployments(shas)),
            "truth.json": dump_json(truth(shas, evaluated)),
            **files_under(SOURCES / "files"),
            **telemetry_files(t),
        }

    write_scenario_from_sources(
        output,
        NAME,
        {"inventory": INVENTORY_SOURCE, "catalog": CATALOG_SOURCE, "fulfillment": FULFILLMENT_SOURCE},
        files,
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / NAME)
