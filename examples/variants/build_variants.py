"""Build the ranking variants: small incidents, each one needing one rule of triage's change ranking.

    python examples/variants/build_variants.py        # rewrites examples/variants/<name>/

Every variant is one service (`shop`, logging as `shop-api`) with a short git history of a few Python files,
deployments, and just enough telemetry: requests, the exceptions, and the traces an enabling event leaves.
Each has a culprit and a change built to beat it when the rule it needs is off (README.md says which).
Output is deterministic: fixed times, authors and ids.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROLE = "shop-api"
DENSE = timedelta(hours=3)
"""Requests come at each traffic's own rate in the last hours before the incident, sparser before (small files)."""
SPARSE_EVERY_MINUTES = 20

PRICING = '''"""Prices, discounts and totals."""


def apply_discount(total, coupon):
    if coupon is None:
        return total
    return total - coupon.amount


def bulk_discount(total, quantity):
    return total


def format_price(amount):
    return f"{amount:.2f}"
'''
ORDERS = """from shop.pricing import apply_discount, bulk_discount


def place_order(cart, coupon):
    total = bulk_discount(cart.total, cart.quantity)
    return apply_discount(total, coupon)
"""
EXPORT = """import csv


def export_invoices(invoices, out):
    writer = csv.writer(out)
    for invoice in invoices:
        writer.writerow(format_row(invoice))


def format_row(invoice):
    return [invoice.number, invoice.total]
"""
JOBS = """from shop.export import export_invoices


def run_export(store, out):
    export_invoices(store.invoices_of_yesterday(), out)
"""
CUSTOMERS = """def customer_record(customer):
    return {"id": customer.id, "loyalty_tier": customer.tier}
"""
PROFILES = """def load_profile(record):
    return {"id": record["id"], "tier": record["loyalty_tier"]}
"""
SETTINGS = """DEFAULTS = {"currency": "EUR"}
"""
BASE = {
    "shop/pricing.py": PRICING,
    "shop/orders.py": ORDERS,
    "shop/export.py": EXPORT,
    "shop/jobs.py": JOBS,
    "shop/customers.py": CUSTOMERS,
    "shop/profiles.py": PROFILES,
    "shop/settings.py": SETTINGS,
    "README.md": "# shop\n",
}


@dataclass(frozen=True)
class Commit:
    key: str
    minutes_before: float
    """Commit time, in minutes before the incident."""
    title: str
    edits: dict[str, str]
    """Path -> (old text -> new text) replacements, applied as `old\x00new`; or a whole new file."""


@dataclass(frozen=True)
class Deploy:
    minutes_before: float
    commit: str
    version: str


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    incident: datetime
    commits: list[Commit]
    deploys: list[Deploy]
    culprit: str
    root_cause: str
    notes: str
    error: Error
    requests: list[Traffic]
    traces: list[tuple[float, str]] = field(default_factory=list)
    """(minutes before the incident, message) of traces shop-api wrote."""
    routine_traces: list[tuple[float, str]] = field(default_factory=list)
    """(every so many minutes, message) of traces shop-api writes all day."""


@dataclass(frozen=True)
class Error:
    exception_type: str
    message: str
    stack: list[tuple[str, str]]
    """(method, file) frames, innermost first."""
    first_minutes_before: float
    operation: str
    """The request Name whose calls fail from the first sighting on."""


@dataclass(frozen=True)
class Traffic:
    name: str
    every_minutes: float
    since_minutes_before: float = 26 * 60
    fails_from_minutes_before: float | None = None
    """Calls from this moment on fail (500) and throw the variant's error, every other one."""


def _replace(old: str, new: str) -> str:
    return f"{old}\x00{new}"


def _apply(text: str, edit: str) -> str:
    if "\x00" not in edit:
        return edit
    old, new = edit.split("\x00")
    assert old in text, old
    return text.replace(old, new)


# The variants ---------------------------------------------------------------------------------------------

T1 = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)
ORDER_STACK = [("apply_discount", "/app/shop/pricing.py"), ("place_order", "/app/shop/orders.py")]
PERCENT = _replace("    return total - coupon.amount\n", "    return total - total * coupon.percent / 100\n")
PERCENT_ERROR = "unsupported operand type(s) for /: 'NoneType' and 'int'"


def comment_only_stack_edit() -> Variant:
    docs = _replace(
        '"""Prices, discounts and totals."""\n\n\ndef apply_discount(total, coupon):\n',
        '"""Prices, discounts and totals.\n\nDiscounts never make a total negative; see apply_discount.\n"""\n\n\n'
        "def apply_discount(total, coupon):\n"
        '    """Subtract the coupon: coupon.percent of the total, or coupon.amount."""\n'
        "    # apply_discount runs once per order, after bulk_discount\n",
    )
    return Variant(
        name="comment-only-stack-edit",
        description="TypeError in apply_discount; a later release only rewrote the docstrings of the same file",
        incident=T1,
        commits=[
            Commit("culprit", 200, "pricing: percentage coupons", {"shop/pricing.py": PERCENT}),
            Commit("docs", 130, "pricing: document discount rules", {"shop/pricing.py": docs}),
        ],
        deploys=[Deploy(180, "culprit", "1.1.0"), Deploy(120, "docs", "1.2.0")],
        culprit="culprit",
        root_cause="1.1.0 computes percentage coupons from coupon.percent, which is None for fixed-amount coupons.",
        notes="1.2.0 only edits comments and docstrings of shop/pricing.py, naming apply_discount and percent.",
        error=Error("TypeError", PERCENT_ERROR, ORDER_STACK, 110, "POST /api/orders"),
        requests=[Traffic("POST /api/orders", 2, fails_from_minutes_before=110)],
    )


def common_words_in_message() -> Variant:
    rename = _replace('"loyalty_tier": customer.tier', '"loyalty_level": customer.tier')
    settings = (
        'import os\n\nDEFAULTS = {"currency": "EUR"}\n\n\n'
        "def profile_config(customer, environ=os.environ):\n"
        '    """The customer profile settings, from the environment."""\n'
        "    config = profile = dict(DEFAULTS, customer=customer.id)\n"
        '    for setting in ("currency", "locale", "profile_cache_s"):\n'
        "        if setting.upper() in environ:\n"
        "            config[setting] = environ[setting.upper()]\n"
        "    return config\n"
    )
    return Variant(
        name="common-words-in-message",
        description="ProfileConfigError naming 'loyalty_tier'; a config change in the same release shares plain words",
        incident=T1,
        commits=[
            Commit("culprit", 90, "customers: rename loyalty_tier to loyalty_level", {"shop/customers.py": rename}),
            Commit(
                "config",
                80,
                "config: read customer profile settings from the environment",
                {"shop/settings.py": settings},
            ),
        ],  # fmt: skip
        deploys=[Deploy(60, "config", "1.1.0")],
        culprit="culprit",
        root_cause="The customer record renamed loyalty_tier to loyalty_level; load_profile still reads loyalty_tier.",
        notes="The config commit's diff has the message's plain words (customer, profile, config, setting).",
        error=Error(
            "ProfileConfigError",
            "customer profile config is missing setting 'loyalty_tier'",
            [("load_profile", "/app/shop/profiles.py"), ("place_order", "/app/shop/orders.py")],
            50,
            "POST /api/orders",
        ),
        requests=[Traffic("POST /api/orders", 2, fails_from_minutes_before=50)],
    )


def near_tie() -> Variant:
    stack = _replace("    if coupon is None:\n        return total\n", "    if not coupon:\n        return total\n")
    cap = _replace(
        "    return total - coupon.amount\n",
        "    discount = coupon.amount\n    if discount > total:\n        discount = total\n"
        "    return total - discount\n",
    )
    return Variant(
        name="near-tie",
        description="Two commits of one release edit the function that throws; nothing tells them apart",
        incident=T1,
        commits=[
            Commit("culprit", 70, "pricing: treat an empty coupon as none", {"shop/pricing.py": stack}),
            Commit("cap", 65, "pricing: never discount more than the total", {"shop/pricing.py": cap}),
        ],
        deploys=[Deploy(40, "cap", "1.1.0")],
        culprit="culprit",
        root_cause="An empty coupon object is now treated as none; coupons with amount 0 fail later in apply_discount.",
        notes="Both commits edit apply_discount in the same release with nearly the same size: a tie, not a rank.",
        error=Error(
            "TypeError", "unsupported operand type(s) for -: 'Decimal' and 'dict'", ORDER_STACK, 30, "POST /api/orders"
        ),  # fmt: skip
        requests=[Traffic("POST /api/orders", 2, fails_from_minutes_before=30)],
    )


T_NIGHT = datetime(2026, 5, 5, 2, 10, tzinfo=UTC)


def nightly_job_delayed() -> Variant:
    taxes = _replace(
        "    for invoice in invoices:\n        writer.writerow(format_row(invoice))\n",
        "    for invoice in invoices:\n        writer.writerow(format_row(invoice))\n"
        "        for line in invoice.tax_lines:\n            writer.writerow([invoice.number, line.rate])\n",
    )
    trim = _replace(
        "    return [invoice.number, invoice.total]\n", "    return [str(invoice.number).strip(), invoice.total]\n"
    )
    return Variant(
        name="nightly-job-delayed",
        description="The nightly invoice export fails at 02:00 on code deployed the morning before",
        incident=T_NIGHT,
        commits=[
            Commit("culprit", 20 * 60, "export: include tax lines in the invoice export", {"shop/export.py": taxes}),
            Commit("trim", 60, "export: trim invoice numbers", {"shop/export.py": trim}),
        ],
        deploys=[Deploy(19 * 60 + 50, "culprit", "1.1.0"), Deploy(40, "trim", "1.2.0")],
        culprit="culprit",
        root_cause="export_invoices iterates invoice.tax_lines, which is None for invoices without tax.",
        notes="The export runs once a night, so 1.1.0's code first ran at 02:00; 1.2.0 (01:30) edits format_row.",
        error=Error(
            "TypeError",
            "'NoneType' object is not iterable",
            [("export_invoices", "/app/shop/export.py"), ("run_export", "/app/shop/jobs.py")],
            10,
            "POST /jobs/export-invoices",
        ),
        requests=[
            Traffic("GET /api/orders", 5),
            Traffic(
                "POST /jobs/export-invoices",
                24 * 60,
                since_minutes_before=3 * 24 * 60 + 10,
                fails_from_minutes_before=10,
            ),
        ],  # fmt: skip
    )


T_FLAG = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)


def feature_flag_delayed() -> Variant:
    bulk = _replace(
        "def bulk_discount(total, quantity):\n    return total\n",
        'def bulk_discount(total, quantity):\n    if not flags.enabled("bulk_pricing"):\n        return total\n'
        "    return total - total / (quantity // 10)\n",
    )
    separators = _replace('    return f"{amount:.2f}"\n', '    return f"{amount:,.2f}"\n')
    return Variant(
        name="feature-flag-delayed",
        description="ZeroDivisionError in bulk_discount minutes after the bulk_pricing flag was turned on",
        incident=T_FLAG,
        commits=[
            Commit("culprit", 370, "pricing: bulk discounts behind the bulk_pricing flag", {"shop/pricing.py": bulk}),
            Commit("format", 70, "pricing: thousands separators in prices", {"shop/pricing.py": separators}),
        ],
        deploys=[Deploy(360, "culprit", "1.1.0"), Deploy(60, "format", "1.2.0")],
        culprit="culprit",
        root_cause="bulk_discount divides by quantity // 10, zero under ten items; it only ran once the flag was on.",
        notes="The flag went on at 14:28; 1.2.0 (14:00) edits format_price in the same file.",
        error=Error(
            "ZeroDivisionError",
            "division by zero",
            [("bulk_discount", "/app/shop/pricing.py"), ("place_order", "/app/shop/orders.py")],
            31,
            "POST /api/orders",
        ),
        requests=[Traffic("POST /api/orders", 1, fails_from_minutes_before=31)],
        traces=[(32, "Feature flag 'bulk_pricing' enabled for 100% of traffic (App Configuration refresh)")],
    )


def first_sighting_in_bin() -> Variant:
    separators = _replace('    return f"{amount:.2f}"\n', '    return f"{amount:,.2f}"\n')
    return Variant(
        name="first-sighting-in-bin",
        description="A TypeError first seen at 13:52:30; a harmless release went live at 13:56, in the same 10-min bin",
        incident=T1,
        commits=[
            Commit("culprit", 80, "pricing: percentage coupons", {"shop/pricing.py": PERCENT}),
            Commit("format", 10, "pricing: thousands separators in prices", {"shop/pricing.py": separators}),
        ],
        deploys=[Deploy(70, "culprit", "1.1.0"), Deploy(4, "format", "1.2.0")],
        culprit="culprit",
        root_cause="1.1.0 computes percentage coupons from coupon.percent, which is None for fixed-amount coupons.",
        notes="The failure regression's onset bin starts 13:50; the error was first seen 13:52:30, before 1.2.0.",
        error=Error("TypeError", PERCENT_ERROR, ORDER_STACK, 7.5, "POST /api/orders"),
        requests=[Traffic("POST /api/orders", 0.5, since_minutes_before=6 * 60, fails_from_minutes_before=7.5)],
    )


def routine_config_refresh() -> Variant:
    refactor = _replace(
        "    return total - coupon.amount\n",
        "    amount = coupon.amount\n    if amount <= 0:\n        return total\n    discounted = total - amount\n"
        "    if discounted < 0:\n        discounted = 0\n    if coupon.single_use:\n        coupon.spent = True\n"
        "    discounted = round(discounted, 2)\n    return discounted\n",
    )
    percent = _replace("    amount = coupon.amount\n", "    amount = total * coupon.percent / 100\n")
    return Variant(
        name="routine-config-refresh",
        description="TypeError in apply_discount 5 min after a deploy; the service logs a config refresh every 5 min",
        incident=T1,
        commits=[
            Commit("refactor", 2 * 24 * 60 + 30, "pricing: never discount below zero", {"shop/pricing.py": refactor}),
            Commit("culprit", 40, "pricing: percentage coupons", {"shop/pricing.py": percent}),
        ],
        deploys=[Deploy(2 * 24 * 60, "refactor", "1.1.0"), Deploy(20, "culprit", "1.2.0")],
        culprit="culprit",
        root_cause="1.2.0 computes percentage coupons from coupon.percent, which is None for fixed-amount coupons.",
        notes="'Configuration refreshed' is logged every 5 minutes all day: routine, it enables nothing.",
        error=Error("TypeError", PERCENT_ERROR, ORDER_STACK, 15, "POST /api/orders"),
        requests=[Traffic("POST /api/orders", 2, fails_from_minutes_before=15)],
        routine_traces=[(5, "Configuration refreshed from App Configuration (etag 0x8DC4A2F3B1E)")],
    )


VARIANTS = (
    comment_only_stack_edit, common_words_in_message, near_tie, nightly_job_delayed, feature_flag_delayed,
    first_sighting_in_bin, routine_config_refresh,
)  # fmt: skip


# Writing a variant ----------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _id(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _git(repo: Path, *args: str, when: datetime | None = None) -> str:
    env = os.environ | {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env |= {"GIT_AUTHOR_NAME": "Ana Lima", "GIT_AUTHOR_EMAIL": "ana@example.com"}
    env |= {"GIT_COMMITTER_NAME": "Ana Lima", "GIT_COMMITTER_EMAIL": "ana@example.com"}
    if when is not None:
        env |= {"GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()}
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True).stdout


def _history(variant: Variant, repo: Path) -> dict[str, str]:
    _git(repo, "init", "-q", "-b", "main")
    files = dict(BASE)
    plan = [Commit("base", 10 * 24 * 60, "shop: orders, pricing and the invoice export", {}), *variant.commits]
    shas = {}
    for commit in plan:
        for path, edit in commit.edits.items():
            files[path] = _apply(files[path], edit)
        for path, text in files.items():
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(text)
        when = variant.incident - timedelta(minutes=commit.minutes_before)
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", commit.title, when=when)
        shas[commit.key] = _git(repo, "rev-parse", "HEAD").strip()
    return shas


def _requests(variant: Variant) -> Iterator[dict[str, Any]]:
    for traffic in variant.requests:
        moment = variant.incident - timedelta(minutes=traffic.since_minutes_before)
        end = variant.incident + timedelta(minutes=10)
        index = 0
        while moment < end:
            failing_from = traffic.fails_from_minutes_before
            fails = failing_from is not None and moment >= variant.incident - timedelta(minutes=failing_from)
            fails = fails and (index % 2 == 0 or traffic.every_minutes >= 60)
            yield {
                "TimeGenerated": _iso(moment), "AppRoleName": ROLE, "Name": traffic.name,
                "Url": "https://shop.contoso.example" + traffic.name.split(" ", 1)[1],
                "ResultCode": "500" if fails else "200", "DurationMs": 42.0 if fails else 18.0 + index % 7,
                "Success": not fails, "OperationId": _id(variant.name, traffic.name, index),
            }  # fmt: skip
            index += 1
            dense = moment >= variant.incident - DENSE or traffic.every_minutes >= 60
            moment += timedelta(minutes=traffic.every_minutes if dense else SPARSE_EVERY_MINUTES)


def _exceptions(variant: Variant, requests: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    start = variant.incident - timedelta(hours=24)
    for hour in range(0, 24, 3):
        yield _exception(variant, start + timedelta(hours=hour, minutes=1), "TimeoutError", "read timed out",
                         [("fetch_rates", "/app/shop/rates.py")], _id(variant.name, "noise", hour))  # fmt: skip
    error = variant.error
    for request in requests:
        if request["Name"] == error.operation and not request["Success"]:
            moment = datetime.fromisoformat(request["TimeGenerated"].replace("Z", "+00:00")) + timedelta(seconds=2)
            yield _exception(variant, moment, error.exception_type, error.message, error.stack, request["OperationId"])


def _exception(
    variant: Variant, moment: datetime, kind: str, message: str, stack: list[tuple[str, str]], operation: str
) -> dict[str, Any]:
    frames = [
        {"level": level, "method": method, "fileName": path, "line": 10 + level, "assembly": "shop"}
        for level, (method, path) in enumerate(stack)
    ]
    details = [{"id": operation[:8], "outerId": "0", "type": kind, "message": message, "parsedStack": frames}]
    return {
        "TimeGenerated": _iso(moment), "AppRoleName": ROLE, "ExceptionType": kind, "OuterMessage": message,
        "Details": details, "ProblemId": f"{kind} at {stack[0][0]}", "OperationId": operation, "Properties": {},
    }  # fmt: skip


def _routine(variant: Variant) -> Iterator[tuple[float, str]]:
    for every, message in variant.routine_traces:
        minutes = 24 * 60 - 3.0
        while minutes > -10:
            yield minutes, message
            minutes -= every


def _alert(variant: Variant) -> dict[str, Any]:
    fired = variant.incident - timedelta(minutes=1)
    return {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": f"/subscriptions/0/providers/Microsoft.AlertsManagement/alerts/{_id(variant.name)}",
                "alertRule": "shop-api exceptions",
                "severity": "Sev2",
                "signalType": "Log",
                "monitorCondition": "Fired",
                "monitoringService": "Log Alerts V2",
                "alertTargetIDs": [
                    "/subscriptions/0/resourcegroups/rg-shop/providers/microsoft.insights/components/appi"
                ],
                "originAlertId": _id(variant.name, "origin"),
                "firedDateTime": _iso(fired),
                "description": variant.description,
                "essentialsVersion": "1.0",
                "alertContextVersion": "1.0",
            },  # fmt: skip
            "alertContext": {},
        },
    }


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(row, separators=(",", ":"), ensure_ascii=False) + "\n" for row in rows))


def _json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def build(variant: Variant, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    (out / "repos").mkdir(parents=True)
    (out / "telemetry").mkdir()
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch) / "shop"
        repo.mkdir()
        shas = _history(variant, repo)
        _git(repo, "bundle", "create", "-q", str(out / "repos" / "shop.bundle"), "--all")
    base = Deploy(9 * 24 * 60, "base", "1.0.0")
    _jsonl(out / "deployments.jsonl", [
        {"time": _iso(variant.incident - timedelta(minutes=d.minutes_before)), "service": "shop",
         "environment": "production", "commit": shas[d.commit], "version": d.version, "author": "Ana Lima"}
        for d in (base, *variant.deploys)
    ])  # fmt: skip
    requests = sorted(_requests(variant), key=lambda row: row["TimeGenerated"])
    _jsonl(out / "telemetry" / "AppRequests.jsonl", requests)
    exceptions = sorted(_exceptions(variant, requests), key=lambda row: row["TimeGenerated"])
    _jsonl(out / "telemetry" / "AppExceptions.jsonl", exceptions)
    traces = [
        {"TimeGenerated": _iso(variant.incident - timedelta(minutes=m)), "AppRoleName": ROLE, "Message": message,
         "SeverityLevel": 1, "OperationId": _id(variant.name, "trace", m), "Properties": {}}
        for m, message in [(24 * 60 - 5, "shop-api started"), *variant.traces, *_routine(variant)]
    ]  # fmt: skip
    _jsonl(out / "telemetry" / "AppTraces.jsonl", sorted(traces, key=lambda row: row["TimeGenerated"]))
    _json(out / "alert.json", _alert(variant))
    _json(out / "scenario.json", {
        "name": variant.name, "description": variant.description, "incident_time": _iso(variant.incident),
        "services": [{"name": "shop", "repo": "shop", "app_role": ROLE}],
    })  # fmt: skip
    _json(out / "truth.json", {
        "root_cause": variant.root_cause, "category": "code-defect",
        "culprit": {"repo": "shop", "commit": shas[variant.culprit]}, "notes": variant.notes,
    })  # fmt: skip


def main() -> None:
    for make in VARIANTS:
        variant = make()
        build(variant, HERE / variant.name)


if __name__ == "__main__":
    main()
