"""Build the `payments-new-exception` example scenario, byte for byte the same on every run.

    python examples/scenarios/build_payments_new_exception.py [OUTPUT_DIR]

The story: three services of the Fabrikam shop. `orders-api` (Java, Spring Boot) takes orders and, at
the returns desk, asks `payments-api` (.NET 8) to refund them; payments talks to the card acquirer and
posts every capture and refund to `ledger-api` (.NET 8). 32 commits by eight people over four weeks.

Payments release 3.14.0 reaches production at 13:05Z on 2026-03-17. It carries #431 "refunds: allocate
partial refunds across split tenders", which gives any rounding remainder to the capture's card tender
with `shares.First(s => s.Tender.Kind == TenderKind.Card)`. Orders paid entirely by gift card have no
card tender, so their refunds now throw `InvalidOperationException: Sequence contains no matching
element` (HTTP 500); orders-api retries three times and gives up. The first failing return comes at
13:18Z; the returns desk starts its afternoon batch at 14:00Z and the 5xx alert fires at 14:20Z. The
release carries two newer commits (one touches RefundHandler.cs), a later commit on main was never
deployed, ledger-api shipped 1.10.0 at 11:10Z, orders-api 5.2.0 (which changed RefundService.java) went
out the day before, and there is recurring noise: acquirer timeouts (504), tax-service timeouts and
ledger deadlock retries.

The code is not in this file: _sources/payments-new-exception/repos/<repo>/ holds each repo's first tree and one
`git format-patch` file per later commit; read repos/payments/0011-allocator.patch for the change that
caused the incident. The topology and the memory notes are files under _sources/payments-new-exception/files/.

The traffic of the day, from which the alert is computed, is simulated in _telemetry_payments_new_exception.py.

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
    telemetry_files,
    utc,
    write_scenario_from_sources,
)
from _telemetry_payments_new_exception import (  # noqa: E402
    LEDGER,
    ORDERS,
    PAYMENTS,
    PAYMENTS_DEPLOY,
    TELEMETRY_START,
    build_telemetry,
)

NAME = "payments-new-exception"
INCIDENT = utc("2026-03-17T14:25:00Z")
ALERT_EVALUATED = utc("2026-03-17T14:20:00Z")
AZURE = Azure("8c0d6f3e-2b41-4f7a-9d55-1e6a3b9c7f20", "rg-shop-prod", "northeurope")

NADIA = ("Nadia Petrova", "nadia.petrova@fabrikam.example")
TOMAS = ("Tomás Ortega", "tomas.ortega@fabrikam.example")
AISHA = ("Aisha Bello", "aisha.bello@fabrikam.example")
LUKAS = ("Lukas Meyer", "lukas.meyer@fabrikam.example")
GRETA = ("Greta Lind", "greta.lind@fabrikam.example")
OMAR = ("Omar Haddad", "omar.haddad@fabrikam.example")
BEN = ("Ben Okafor", "ben.okafor@fabrikam.example")
MEI = ("Mei Tanaka", "mei.tanaka@fabrikam.example")

# ---------------------------------------------------------------------------------------------------
# The repos' histories: _sources/<NAME>/repos/<repo>/ holds the first commit's tree (base/) and one
# `git format-patch` file per later commit, applied in order; truth.json's culprit is the patch
# that caused the incident (here repos/payments/0011-allocator.patch).
# ---------------------------------------------------------------------------------------------------

SOURCES = Path(__file__).resolve().parent / "_sources" / NAME
PAYMENTS_SOURCE = Source(
    SOURCES / "repos" / "payments",
    Commit(
        "import",
        TOMAS,
        "2026-02-16T09:41:12+01:00",
        "Move payments out of the platform monorepo",
        "History before this commit stays in platform/legacy (last there as 3.10.2). Same code, own\n"
        "solution and Dockerfile; deployment moves to this repo's release workflow.",
        {},
    ),
    tags={"acquirer-timeout": "v3.11.0", "sqlclient": "v3.12.0", "split-tender": "v3.13.0", "psp-reference": "v3.14.0"},
)
LEDGER_SOURCE = Source(
    SOURCES / "repos" / "ledger",
    Commit("init", GRETA, "2026-02-16T10:05:33+01:00", "Ledger API: double-entry journal on Azure SQL", "", {}),
    tags={"snapshot": "v1.8.0", "sqlclient": "v1.9.0", "metrics": "v1.10.0"},
)
ORDERS_SOURCE = Source(
    SOURCES / "repos" / "orders",
    Commit(
        "init", BEN, "2026-02-16T13:20:41+00:00", "Orders service: orders, returns, payments and tax clients", "", {}
    ),
    tags={"tax-timeout": "v5.0.0", "reason-codes": "v5.1.0", "batch": "v5.2.0"},
)


# ---------------------------------------------------------------------------------------------------
# Alert, deployments, truth (the topology and memory notes are files under _sources/<NAME>/files/)
# ---------------------------------------------------------------------------------------------------

THRESHOLD = 5
TELEMETRY_LIMIT = utc("2026-03-17T14:40:00Z")
APP_INSIGHTS = "appi-shop-prod"
ALERT_QUERY = 'AppRequests\n| where AppRoleName == "payments-api" and toint(ResultCode) >= 500'


def server_errors(requests: list[dict[str, Any]], end: datetime) -> int:
    start = end - timedelta(minutes=15)
    return sum(
        1
        for r in requests
        if r["AppRoleName"] == PAYMENTS and int(r["ResultCode"]) >= 500 and iso(start) <= r["TimeGenerated"] < iso(end)
    )


def first_firing(requests: list[dict[str, Any]]) -> tuple[datetime, int]:
    """The rule runs every 5 minutes over the last 15; the first run over the threshold, and its count."""
    moment = TELEMETRY_START + timedelta(minutes=15)
    while moment <= TELEMETRY_LIMIT:
        value = server_errors(requests, moment)
        if value > THRESHOLD:
            if moment < PAYMENTS_DEPLOY:
                raise AssertionError(f"noise alone fires the alert at {moment}")
            return moment, value
        moment += timedelta(minutes=5)
    raise AssertionError("the alert never fires")


def alert(evaluated: datetime, value: int) -> dict[str, Any]:
    return LogAlert(
        azure=AZURE,
        app_insights=APP_INSIGHTS,
        app_id="5b2e7c91-0d4a-4f36-8e1b-93a6c2d7f410",
        alert_uuid="c41f7a2e-9b3d-4e68-a5c0-7d2e1f9b8a36",
        origin_uuid="e8d2b6a4-3f1c-47e9-b0d5-2a9c8e7f6b13",
        rule="payments-api server errors",
        severity="Sev2",
        description="More than 5 responses with status 500 or above from payments-api in 15 minutes.",
        fired_at=evaluated + timedelta(seconds=41, microseconds=229713),
        window_start=evaluated - timedelta(minutes=15),
        window_end=evaluated,
        search_query=ALERT_QUERY,
        operator="GreaterThan",
        threshold=str(THRESHOLD),
        metric_value=float(value),
        time_aggregation="Count",
        dimensions={"AppRoleName": PAYMENTS},
        runbook="memory/runbooks/payments-5xx.md",
        custom_properties={"service": "payments", "owner": "payments-core"},
    ).payload()


def deployments(shas: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    p, led, o = shas["payments"], shas["ledger"], shas["orders"]
    rows = [
        ("2026-02-20T15:30:02Z", "payments", "staging", p["acquirer-timeout"], "3.11.0", 407, "Nadia Petrova"),
        ("2026-02-23T10:31:07Z", "payments", "production", p["acquirer-timeout"], "3.11.0", 407, "Nadia Petrova"),
        ("2026-02-24T14:05:40Z", "orders", "production", o["tax-timeout"], "5.0.0", None, "Ben Okafor"),
        ("2026-02-26T11:02:18Z", "ledger", "production", led["snapshot"], "1.8.0", None, "Greta Lind"),
        ("2026-03-02T15:20:44Z", "payments", "staging", p["sqlclient"], "3.12.0", None, "Lukas Meyer"),
        ("2026-03-03T09:58:12Z", "payments", "production", p["sqlclient"], "3.12.0", None, "Lukas Meyer"),
        ("2026-03-04T08:55:03Z", "orders", "staging", o["reason-codes"], "5.1.0", None, "Mei Tanaka"),
        ("2026-03-04T13:20:31Z", "orders", "production", o["reason-codes"], "5.1.0", None, "Mei Tanaka"),
        ("2026-03-05T10:20:16Z", "ledger", "staging", led["sqlclient"], "1.9.0", None, "Greta Lind"),
        ("2026-03-06T09:47:55Z", "ledger", "production", led["sqlclient"], "1.9.0", None, "Greta Lind"),
        ("2026-03-10T16:02:51Z", "payments", "staging", p["split-tender"], "3.13.0", 421, "Tomás Ortega"),
        ("2026-03-11T10:29:33Z", "payments", "production", p["split-tender"], "3.13.0", 421, "Tomás Ortega"),
        ("2026-03-13T09:03:17Z", "orders", "staging", o["batch"], "5.2.0", 288, "Mei Tanaka"),
        ("2026-03-16T10:20:45Z", "orders", "production", o["batch"], "5.2.0", 288, "Mei Tanaka"),
        ("2026-03-16T14:12:09Z", "ledger", "staging", led["metrics"], "1.10.0", None, "Greta Lind"),
        ("2026-03-17T09:41:26Z", "payments", "staging", p["psp-reference"], "3.14.0", 435, "Tomás Ortega"),
        ("2026-03-17T11:10:00Z", "ledger", "production", led["metrics"], "1.10.0", None, "Greta Lind"),
        ("2026-03-17T13:05:00Z", "payments", "production", p["psp-reference"], "3.14.0", 435, "Tomás Ortega"),
    ]
    return [deployment(*row) for row in rows]


def truth(shas: dict[str, dict[str, str]], fired: datetime) -> dict[str, Any]:
    p = shas["payments"]
    return {
        "root_cause": (
            "payments-api release 3.14.0 (production at 13:05Z) includes "
            f"{p['allocator'][:12]} 'refunds: allocate partial refunds across split tenders (#431)'. "
            "RefundAllocator.Allocate gives the rounding remainder to the card tender with "
            "shares.First(s => s.Tender.Kind == TenderKind.Card); a capture paid entirely by gift card has no card "
            "tender, so First throws InvalidOperationException ('Sequence contains no matching element') and POST "
            "/api/refunds answers 500 for every return of a gift-card-only order. orders-api retries three times "
            "and marks the return refund-failed. The returns desk's afternoon batch (from 14:00Z) multiplied the "
            f"failures and the 5xx alert fired at {fired:%H:%M}Z."
        ),
        "category": "code-defect",
        "culprit": {"repo": "payments", "commit": p["allocator"]},
        "notes": (
            "The culprit is not the newest commit of the release: #433 (tender count on the refund log line, "
            "touches RefundHandler.cs, harmless) and #435 (PSP reference on acquirer failures, the release's tag) "
            "came after it, and #437 on main was never deployed. Red herrings: ledger-api 1.10.0 went to production "
            "at 11:10Z the same day (metrics only; postings keep answering 201); orders-api 5.2.0 (the day before) "
            "changed RefundService.java, and orders-api's new HttpServerErrorException$InternalServerError, whose "
            "stack names RefundService.java, is the consequence of the 500s, not a cause; 3.13.0 (#421) introduced "
            "gift-card tenders but sent refunds to the first tender, which works. Recurring noise: "
            "AcquirerTimeoutException (504) and orders' GatewayTimeout on checkout during acquirer slow spells, "
            "orders' ResourceAccessException when tax-service is slow (falls back to the standard rate), and "
            "ledger deadlock retries (SqlException 1205). Staging has no gift-card data, so it stayed quiet. "
            "Mitigation: roll back payments-api to 3.13.0 and re-send the refund-failed returns; fix: give the "
            "remainder to the largest tender when there is no card, and test a gift-card-only capture."
        ),
    }


def build(output: Path) -> None:
    def files(built: Built) -> dict[str, bytes]:
        t = build_telemetry(TELEMETRY_LIMIT, built)
        evaluated, value = first_firing(t.requests)
        if evaluated != ALERT_EVALUATED:
            raise AssertionError(f"the alert now fires at {evaluated:%H:%M}Z; update ALERT_EVALUATED and the docstring")
        cutoff = iso(INCIDENT)
        for rows in t.tables().values():
            rows[:] = [row for row in rows if row["TimeGenerated"] < cutoff]

        shas = {repo: dict(by_key) for repo, by_key in built.shas.items()}
        scenario = {
            "name": NAME,
            "description": "payments-api 5xx alert: refunds failing two hours after release 3.14.0 reached production",
            "incident_time": INCIDENT.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "services": [
                {"name": "payments", "repo": "payments", "app_role": PAYMENTS},
                {"name": "ledger", "repo": "ledger", "app_role": LEDGER},
                {"name": "orders", "repo": "orders", "app_role": ORDERS},
            ],
        }
        print(
            f"{output}: {len(t.requests)} requests, {len(t.exceptions)} exceptions, "
            f"alert {value} > {THRESHOLD} at {evaluated:%H:%M}Z"
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
        output, NAME, {"payments": PAYMENTS_SOURCE, "ledger": LEDGER_SOURCE, "orders": ORDERS_SOURCE}, files
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / NAME)
