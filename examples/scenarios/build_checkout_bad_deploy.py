"""Build the `checkout-bad-deploy` example scenario, byte for byte the same on every run.

    python examples/scenarios/build_checkout_bad_deploy.py [OUTPUT_DIR]

The story: `checkout`, a small Python service (FastAPI; carts in Redis, coupons in PostgreSQL, a
payments gateway client), gets 13 commits from 3 people over two weeks and is released five times.
Release 1.5.0 goes to production at 13:25Z on 2026-03-02. It carries a commit that adds marketing
campaign codes whose end date may be empty; `coupons._is_expired` (older code, untouched) then compares
None with a datetime and raises TypeError. The campaign email goes out at 13:45Z, SPRING26 traffic
climbs and the exception alert fires at 14:04Z. The same release also carries a README commit and a
pricing refactor (both harmless), and a later commit on main was never deployed. Telemetry covers
08:00Z to 14:05Z with background traffic, a second service (cart-api, with its own deploy at 11:50Z)
and an unrelated recurring error (payment gateway timeouts).

The code is not in this file: _sources/checkout-bad-deploy/repos/checkout/ holds the first commit's tree
and one `git format-patch` file per later commit; read 0009-campaigns.patch for the change that caused
the incident. The topology and the memory notes are files under _sources/checkout-bad-deploy/files/.

The traffic of the day, from which the alert is computed, is simulated in _telemetry_checkout_bad_deploy.py.

Determinism: the kit commits each patch with its own author and date as author and committer, in a
clean git environment with one pack thread; a fixed random seed; sorted, fixed-format JSON.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import UTC, datetime, timedelta
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
    files_under,
    iso,
    write_scenario_from_sources,
)
from _telemetry_checkout_bad_deploy import (  # noqa: E402
    INCIDENT,
    build_telemetry,
)

NAME = "checkout-bad-deploy"
ALERT_FIRED = datetime(2026, 3, 2, 14, 4, 31, 228190, tzinfo=UTC)
ALERT_WINDOW_END = datetime(2026, 3, 2, 14, 4, tzinfo=UTC)
AZURE = Azure("3f1c2e0a-5b7d-4c9e-9a61-2d8b7e4f0c13", "rg-shop-prod", "westeurope")

PRIYA = ("Priya Raman", "priya.raman@contoso.example")
MARCUS = ("Marcus Chen", "marcus.chen@contoso.example")
SOFIA = ("Sofia Alvarez", "sofia.alvarez@contoso.example")

# ---------------------------------------------------------------------------------------------------
# The service's history: _sources/checkout-bad-deploy/repos/checkout/ holds the first commit's tree
# (base/) and one patch per later commit; 0009-campaigns.patch is the change that caused the incident.
# ---------------------------------------------------------------------------------------------------

SOURCES = Path(__file__).resolve().parent / "_sources" / NAME
CHECKOUT = Source(
    SOURCES / "repos" / "checkout",
    Commit(
        "initial",
        PRIYA,
        "2026-02-16T09:12:04+01:00",
        "Initial checkout service: carts, pricing, payments client",
        "Quote and checkout endpoints; carts come from Redis, payments go through the gateway.",
        {},
    ),
    tags={"retries": "v1.1.0", "min-subtotal": "v1.2.0", "logging": "v1.3.0", "httpx": "v1.4.0", "money": "v1.5.0"},
)
CULPRIT = "campaigns"
RELEASED = "money"  # the tip of release 1.5.0, whose files the stack traces point into


# ---------------------------------------------------------------------------------------------------
# Scenario files
# ---------------------------------------------------------------------------------------------------


def alert_window(exceptions: list[dict[str, Any]]) -> tuple[int, int]:
    """(exceptions in the firing window, threshold no earlier 5-minute evaluation crossed)."""

    def count(end: datetime) -> int:
        start = end - timedelta(minutes=15)
        return sum(
            1 for e in exceptions if e["AppRoleName"] == "checkout-api" and iso(start) <= e["TimeGenerated"] < iso(end)
        )

    fire_end = ALERT_WINDOW_END
    earlier = max(count(fire_end - timedelta(minutes=5 * k)) for k in range(1, 60))
    threshold = max(10, 5 * math.ceil((earlier + 1) / 5))
    if count(fire_end) <= threshold:
        raise AssertionError(f"the alert would not fire: {count(fire_end)} <= {threshold}")
    return count(fire_end), threshold


def alert(value: int, threshold: int) -> dict[str, Any]:
    return LogAlert(
        azure=AZURE,
        app_insights="appi-shop-prod",
        app_id="0d5e1c3a-9f4b-4a7e-8c21-6b3f2e9d7a10",
        alert_uuid="6e2b9f4c-1a7d-4c3e-b8f5-0d9a2c7e41b6",
        origin_uuid="b7f3c2d1-4e5a-4f6b-9c8d-7e6f5a4b3c2d",
        rule="checkout-api exception spike",
        severity="Sev2",
        description="More exceptions than usual on checkout-api (15 minute window).",
        fired_at=ALERT_FIRED,
        window_start=ALERT_WINDOW_END - timedelta(minutes=15),
        window_end=ALERT_WINDOW_END,
        search_query='AppExceptions\n| where AppRoleName == "checkout-api"',
        operator="GreaterThan",
        threshold=str(threshold),
        metric_value=float(value),
        time_aggregation="Count",
        dimensions={"AppRoleName": "checkout-api"},
        runbook="memory/runbooks/checkout-errors.md",
        custom_properties={"service": "checkout", "owner": "payments-core"},
        tenant="contoso.example",
    ).payload()


def deployments(shas: dict[str, str]) -> list[dict[str, Any]]:
    cart = "9c41d7e2a8b35f06d1e4c7a2b9f0e3d5c6a81b47"  # cart-api's repo is not part of the scenario
    rows = [
        ("2026-02-18T15:02:11Z", "checkout", "production", shas["retries"], "1.1.0", 12, "Sofia Alvarez"),
        ("2026-02-20T16:40:27Z", "checkout", "production", shas["min-subtotal"], "1.2.0", 15, "Marcus Chen"),
        ("2026-02-24T13:05:49Z", "checkout", "production", shas["logging"], "1.3.0", 17, "Priya Raman"),
        ("2026-02-26T10:48:03Z", "checkout", "production", shas["httpx"], "1.4.0", 19, "Sofia Alvarez"),
        ("2026-03-02T11:50:02Z", "cart", "production", cart, "2.8.1", 88, "Jonas Berg"),
        ("2026-03-02T12:10:37Z", "checkout", "staging", shas["money"], "1.5.0", 23, "Sofia Alvarez"),
        ("2026-03-02T13:25:00Z", "checkout", "production", shas["money"], "1.5.0", 23, "Sofia Alvarez"),
    ]
    return [deployment(*row) for row in rows]


def truth(shas: dict[str, str]) -> dict[str, Any]:
    return {
        "root_cause": (
            "Release 1.5.0 (deployed to production at 13:25Z) includes commit "
            f"{shas[CULPRIT][:12]} 'coupons: accept marketing campaign codes', which builds campaign coupons "
            "with expires_at = campaigns.ends_at. The SPRING26 campaign has no end date, so expires_at is None "
            "and coupons._is_expired raises TypeError ('<' between NoneType and datetime) for every quote or "
            "checkout that uses it: HTTP 500. The campaign email at 13:45Z made SPRING26 traffic climb and "
            "the exception alert fired at 14:04Z."
        ),
        "category": "code-defect",
        "culprit": {"repo": "checkout", "commit": shas[CULPRIT]},
        "notes": (
            "Red herrings: the README and money.py refactor commits shipped in the same release and are "
            "harmless; the 'payments: log capture latency' commit on main was never deployed; "
            "PaymentGatewayTimeout bursts are pre-existing noise; cart-api's 11:50Z deploy is unrelated. "
            "Before 13:25Z SPRING26 was rejected as an unknown coupon (422). Mitigation: roll back to 1.4.0 "
            "or deactivate the campaign; fix: treat a missing end date as never expiring."
        ),
    }


def dump_jsonl(rows: list[dict[str, Any]]) -> bytes:
    rows = sorted(rows, key=lambda row: (row.get("TimeGenerated") or row.get("time"), row.get("OperationId", "")))
    return "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows).encode()


def build(output: Path) -> None:
    def files(built: Built) -> dict[str, bytes]:
        shas = dict(built.shas["checkout"])
        t = build_telemetry(built.tree("checkout", RELEASED))
        value, threshold = alert_window(t.exceptions)
        print(f"{output}: {len(t.requests)} requests, {len(t.exceptions)} exceptions, alert {value} > {threshold}")
        return {
            "scenario.json": dump_json(
                {
                    "name": NAME,
                    "description": "Exception spike on checkout-api 40 minutes after release 1.5.0 reached production",
                    "incident_time": INCIDENT.isoformat().replace("+00:00", "Z"),
                    "services": [{"name": "checkout", "repo": "checkout", "app_role": "checkout-api"}],
                }
            ),
            "alert.json": dump_json(alert(value, threshold)),
            "deployments.jsonl": dump_jsonl(deployments(shas)),
            "truth.json": dump_json(truth(shas)),
            **files_under(SOURCES / "files"),
            "telemetry/AppRequests.jsonl": dump_jsonl(t.requests),
            "telemetry/AppDependencies.jsonl": dump_jsonl(t.dependencies),
            "telemetry/AppExceptions.jsonl": dump_jsonl(t.exceptions),
            "telemetry/AppTraces.jsonl": dump_jsonl(t.traces),
        }

    write_scenario_from_sources(output, NAME, {"checkout": CHECKOUT}, files)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / NAME)
