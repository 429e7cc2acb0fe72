"""The traffic of inventory-dependency-slowdown's morning, simulated: requests, dependency calls, exceptions,
traces and pool metrics of inventory-api, catalog-api and fulfillment-worker, seeded so every run writes
the same rows."""

from __future__ import annotations

import math
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

sys.dont_write_bytecode = True
from _scenario_kit import (  # noqa: E402
    Built,
    Rollout,
    Telemetry,
    after,
    arrivals,
    frame,
    line_of,
    ramp,
    spells,
    utc,
    within,
)

# The story's fixed numbers, times in UTC (the generator imports what its alert and truth need)
SEED = 20260324
TELEMETRY_START = utc("2026-03-24T06:30:00Z")
CATALOG_DEPLOY = utc("2026-03-24T07:50:00Z")
INVENTORY_DEPLOY = utc("2026-03-24T08:20:00Z")


# ---------------------------------------------------------------------------------------------------
# Telemetry
# ---------------------------------------------------------------------------------------------------

# The deployed trees, for the stack traces; build_telemetry() reads them from the committed repos.
INVENTORY_TREES: dict[str, dict[str, str]] = {}
CATALOG_TREES: dict[str, dict[str, str]] = {}
FULFILLMENT_TREE: dict[str, str] = {}  # 1.19.0

INVENTORY = "inventory-api"
CATALOG = "catalog-api"
FULFILLMENT = "fulfillment-worker"
PG = "psql-inventory-prod.postgres.database.azure.com | inventory"
REDIS = "redis-inventory-prod.redis.cache.windows.net:6380"
COSMOS = "cosmos-catalog-prod.documents.azure.com"
CARRIER = "api.parcelpoint.example"
SERVICE_BUS = "sb-northwind-prod.servicebus.windows.net/orders-paid"
INVENTORY_URL = "http://ca-inventory-api"
GO_MODULE = "github.com/northwind/inventory"

INVENTORY_REPLICAS = Rollout(
    "4.6.0",
    ("ca-inventory-api--v460-7b5d9c8f6-h2kxq", "ca-inventory-api--v460-7b5d9c8f6-n8vzm"),
    "4.7.0",
    ("ca-inventory-api--v470-5f9c7d6b8-c4rwj", "ca-inventory-api--v470-5f9c7d6b8-x9tlp"),
    INVENTORY_DEPLOY,
    (48, 103),
)
CATALOG_REPLICAS = Rollout(
    "2.11.0",
    ("ca-catalog-api--v2110-6c8d7f5b9-k7p2d", "ca-catalog-api--v2110-6c8d7f5b9-rz5wq"),
    "2.12.0",
    ("ca-catalog-api--v2120-8f6b5d4c7-b3n9x", "ca-catalog-api--v2120-8f6b5d4c7-m6t4h"),
    CATALOG_DEPLOY,
    (35, 81),
)
FULFILLMENT_REPLICAS = Rollout("1.19.0", ("ca-fulfillment-worker--v1190-7d5c6b9f8-q2m7r",))
TRAFFIC = [("06:30", 0.22), ("07:30", 0.38), ("08:30", 0.62), ("09:30", 0.85), ("10:30", 1.0), ("11:30", 1.0)]

SQL = {
    "SELECT stock": "SELECT sku, on_hand, reserved FROM stock WHERE sku = $1",
    "SELECT stock (batch)": "SELECT sku, on_hand, reserved FROM stock WHERE sku = ANY($1)",
    "BEGIN": "BEGIN",
    "SELECT stock FOR UPDATE": "SELECT on_hand, reserved FROM stock WHERE sku = $1 FOR UPDATE",
    "INSERT reservations": (
        "INSERT INTO reservations (id, sku, quantity, expires_at) VALUES ($1, $2, $3, now() + $4::interval)"
    ),
    "UPDATE stock": "UPDATE stock SET reserved = reserved + $2 WHERE sku = $1",
    "COMMIT": "COMMIT",
    "UPDATE reservations": "UPDATE reservations SET status = 'committed' WHERE id = $1 AND status = 'held'",
    "UPDATE reservations (expire)": "expire stale reservations",
}
SQL_MS = {
    "SELECT stock": (1.1, 3.8),
    "SELECT stock (batch)": (1.6, 4.8),
    "BEGIN": (0.3, 0.9),
    "SELECT stock FOR UPDATE": (1.4, 7.5),
    "INSERT reservations": (0.9, 3.2),
    "UPDATE stock": (0.8, 2.9),
    "COMMIT": (0.9, 3.8),
    "UPDATE reservations": (1.0, 3.6),
    "UPDATE reservations (expire)": (2.0, 9.0),
}


def traffic(moment: datetime) -> float:
    return ramp(moment, TRAFFIC)


def go_frame(
    level: int, function: str, path: str, version: str, needle: str, after_line: str | None = None
) -> dict[str, Any]:
    """A frame of our own Go code, as the Application Insights Go SDK reports it (built with -trimpath)."""
    line = line_of(INVENTORY_TREES[version][path], needle, after_line)
    directory, _, last = function.rpartition("/")
    package = f"{directory}/{last.split('.', 1)[0]}"
    return frame(level, function, package, f"{GO_MODULE}/{path}", line)


def stdlib_frames(start: int, version: str) -> list[dict[str, Any]]:
    """net/http and our request middleware, below a handler."""
    frames = [
        ("net/http.HandlerFunc.ServeHTTP", "net/http/server.go", 2171),
        ("net/http.(*ServeMux).ServeHTTP", "net/http/server.go", 2688),
    ]
    if version == "4.7.0":
        frames.append(("net/http.(*timeoutHandler).ServeHTTP.func1", "net/http/server.go", 3578))
    stack = [frame(start + i, f, "net/http", p, n) for i, (f, p, n) in enumerate(frames)]
    stack.append(
        go_frame(
            start + len(stack),
            f"{GO_MODULE}/internal/telemetry.Requests.func1",
            "internal/telemetry/requests.go",
            version,
            "next.ServeHTTP(rec",
        )
    )
    stack += [
        frame(len(stack) + start, "net/http.HandlerFunc.ServeHTTP", "net/http", "net/http/server.go", 2171),
        frame(len(stack) + start + 1, "net/http.serverHandler.ServeHTTP", "net/http", "net/http/server.go", 3142),
        frame(len(stack) + start + 2, "net/http.(*conn).serve", "net/http", "net/http/server.go", 2044),
    ]
    return stack


@dataclass
class World:
    t: Telemetry
    carrier_busy: list[tuple[datetime, datetime]]
    pool_use: dict[tuple[str, datetime], int] = field(default_factory=lambda: defaultdict(int))

    @property
    def rng(self) -> random.Random:
        return self.t.rng

    def sku(self) -> str:
        return f"SKU-{self.rng.randint(10000, 48999)}"


def connection_ms(w: World, at: datetime, version: str) -> float:
    """Time to get a connection: from the idle pool (4.6.0), or a new TLS + SCRAM session every time (4.7.0).
    Opening a session costs Azure Database for PostgreSQL more as the connection rate climbs with traffic."""
    if version == "4.7.0" or w.rng.random() < 0.01:
        median = 18.0 + 95.0 * traffic(at) ** 1.5
        return w.rng.lognormvariate(math.log(median), 0.35)
    return w.rng.uniform(0.005, 0.05)


def pg(
    w: World, at: datetime, op: str, name: str, instance: str, version: str, acquire: bool = True, extra_ms: float = 0.0
) -> float:
    """One PostgreSQL call as store/db.go times it; `acquire` when it needs a connection from the pool."""
    low, high = SQL_MS[name]
    base = w.rng.uniform(low, high) * (3.0 if w.rng.random() < 0.03 else 1.0) + extra_ms
    waited = connection_ms(w, at, version) if acquire else 0.0
    if acquire:
        w.pool_use[(instance, at.replace(second=0, microsecond=0))] += 1
    columns = {"AppRoleInstance": instance, "AppVersion": version, "Data": SQL[name]}
    return w.t.dependency(at, INVENTORY, op, name, PG, "postgresql", base + waited, "", True, **columns)


def redis(
    w: World, at: datetime, op: str, name: str, instance: str, version: str, low: float = 0.5, high: float = 2.2
) -> float:
    data = {
        "GET": "GET stock:*",
        "SET": "SET stock:* EX",
        "DEL": "DEL stock:*",
        "MGET": "MGET stock:*",
        "PIPELINE": "SET stock:* EX (pipeline)",
    }[name]
    columns = {"AppRoleInstance": instance, "AppVersion": version, "Data": data}
    return w.t.dependency(at, INVENTORY, op, name, REDIS, "Redis", w.rng.uniform(low, high), "", True, **columns)


def reset_chance(at: datetime, version: str) -> float:
    """Connections Azure dropped after ~4 idle minutes; more of them when traffic is low."""
    if version == "4.7.0":
        return 0.0
    return 0.03 if at.hour < 7 else 0.015 * max(0.0, 1.1 - traffic(at))


def reset_on_read(w: World, at: datetime, op: str, instance: str, version: str, handler: str) -> float:
    """The first read fails with ECONNRESET; store.readWithRetry records it and reads again."""
    columns = {"AppRoleInstance": instance, "AppVersion": version, "Data": SQL["SELECT stock"]}
    spent = w.t.dependency(
        at, INVENTORY, op, "SELECT stock", PG, "postgresql", w.rng.uniform(0.3, 1.4), "", False, **columns
    )
    path = "internal/store/stock.go"
    frames = [
        go_frame(
            0,
            f"{GO_MODULE}/internal/store.(*Store).readWithRetry",
            "internal/store/db.go",
            version,
            "s.tel.Exception(ctx, err, contracts.Warning",
        ),
        go_frame(
            1,
            f"{GO_MODULE}/internal/store.(*Store).GetStock",
            path,
            version,
            "err := s.readWithRetry(ctx, func() error {",
        ),
    ]
    if handler == "BatchGet":
        frames.append(
            go_frame(
                2, f"{GO_MODULE}/internal/store.(*Store).BatchGet", path, version, "st, err := s.GetStock(ctx, sku)"
            )
        )
        frames.append(
            go_frame(
                3,
                f"{GO_MODULE}/internal/api.(*Handlers).BatchGet",
                "internal/api/handlers.go",
                version,
                "fresh, err := h.store.BatchGet(ctx, missing)",
            )
        )
    else:
        frames.append(
            go_frame(
                2,
                f"{GO_MODULE}/internal/api.(*Handlers).GetStock",
                "internal/api/handlers.go",
                version,
                "st, err := h.store.GetStock(ctx, sku)",
            )
        )
    frames += stdlib_frames(len(frames), version)
    port = w.rng.randint(32768, 60999)
    message = f"read tcp 10.40.2.{w.rng.choice((17, 18))}:{port}->10.40.8.5:5432: read: connection reset by peer"
    w.t.exception(
        after(at, spent),
        INVENTORY,
        op,
        "*net.OpError",
        message,
        frames,
        f"*net.OpError at {GO_MODULE}/internal/store.(*Store).readWithRetry",
        SeverityLevel=2,
        Properties={"retry": "true"},
        AppRoleInstance=instance,
        AppVersion=version,
    )
    return spent + pg(
        w,
        after(at, spent + 0.2),
        op,
        "SELECT stock",
        instance,
        version,
        extra_ms=w.rng.lognormvariate(math.log(45.0), 0.3),
    )


def stock_lookup(w: World, at: datetime, op: str) -> float:
    """GET /v1/stock/{sku}; returns the request's duration."""
    t, rng = w.t, w.rng
    instance, version = INVENTORY_REPLICAS.pick(rng, at)
    sku = w.sku()
    spent = t.ms(0.2, 0.8)
    spent += redis(w, after(at, spent), op, "GET", instance, version)
    if rng.random() < 0.16:
        if rng.random() < reset_chance(at, version):
            spent += reset_on_read(w, after(at, spent), op, instance, version, "GetStock")
        else:
            spent += pg(w, after(at, spent), op, "SELECT stock", instance, version)
        spent += redis(w, after(at, spent), op, "SET", instance, version)
    spent += t.ms(0.2, 1.0)
    t.request(
        at,
        INVENTORY,
        op,
        "GET /v1/stock/{sku}",
        f"{INVENTORY_URL}/v1/stock/{sku}",
        "200",
        spent,
        AppRoleInstance=instance,
        AppVersion=version,
    )
    return spent


def batch_lookup(w: World, at: datetime, op: str, size: int) -> float:
    """POST /v1/stock:batchGet: one MGET, then the misses from PostgreSQL (one query each before #77)."""
    t, rng = w.t, w.rng
    instance, version = INVENTORY_REPLICAS.pick(rng, at)
    spent = t.ms(0.3, 1.2)
    spent += redis(w, after(at, spent), op, "MGET", instance, version, 0.9, 3.4)
    misses = sum(1 for _ in range(size) if rng.random() < 0.12)
    if misses and version == "4.7.0":
        spent += pg(w, after(at, spent), op, "SELECT stock (batch)", instance, version, extra_ms=0.12 * misses)
    for _ in range(misses if version == "4.6.0" else 0):
        if rng.random() < reset_chance(at, version):
            spent += reset_on_read(w, after(at, spent), op, instance, version, "BatchGet")
        else:
            spent += pg(w, after(at, spent), op, "SELECT stock", instance, version)
    if misses:
        spent += redis(w, after(at, spent), op, "PIPELINE", instance, version, 0.8, 2.6)
    spent += t.ms(0.3, 1.5)
    t.request(
        at,
        INVENTORY,
        op,
        "POST /v1/stock:batchGet",
        f"{INVENTORY_URL}/v1/stock:batchGet",
        "200",
        spent,
        AppRoleInstance=instance,
        AppVersion=version,
    )
    return spent


def reservation(w: World, at: datetime) -> None:
    """POST /v1/reservations from checkout-api (outside this scenario)."""
    t, rng = w.t, w.rng
    op = t.operation_id()
    instance, version = INVENTORY_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    spent = t.ms(0.3, 1.0)
    if rng.random() < 0.6 * reset_chance(at, version):
        spent += t.dependency(
            after(at, spent),
            INVENTORY,
            op,
            "BEGIN",
            PG,
            "postgresql",
            rng.uniform(0.3, 1.2),
            "",
            False,
            Data="BEGIN",
            **columns,
        )
        frames = [
            go_frame(
                0,
                f"{GO_MODULE}/internal/api.(*Handlers).fail",
                "internal/api/handlers.go",
                version,
                "h.tel.Exception(r.Context(), err, contracts.Error",
            ),
            go_frame(
                1,
                f"{GO_MODULE}/internal/api.(*Handlers).CreateReservation",
                "internal/api/handlers.go",
                version,
                "h.fail(w, r, err)",
                "err := h.store.Reserve(",
            ),
            *stdlib_frames(2, version),
        ]
        port = rng.randint(32768, 60999)
        peer = f"10.40.2.{rng.choice((17, 18))}:{port}->10.40.8.5:5432"
        message = f"begin reservation: read tcp {peer}: read: connection reset by peer"
        t.exception(
            after(at, spent),
            INVENTORY,
            op,
            "*fmt.wrapError",
            message,
            frames,
            f"*fmt.wrapError at {GO_MODULE}/internal/api.(*Handlers).fail",
            SeverityLevel=3,
            Properties={"route": "POST /v1/reservations"},
            **columns,
        )
        t.request(
            at,
            INVENTORY,
            op,
            "POST /v1/reservations",
            f"{INVENTORY_URL}/v1/reservations",
            "503",
            spent + t.ms(0.3, 1.0),
            **columns,
        )
        return
    spent += pg(w, after(at, spent), op, "BEGIN", instance, version)
    for name in ("SELECT stock FOR UPDATE", "INSERT reservations", "UPDATE stock", "COMMIT"):
        spent += pg(w, after(at, spent), op, name, instance, version, acquire=False)
    spent += redis(w, after(at, spent), op, "DEL", instance, version)
    code = "409" if rng.random() < 0.02 else "201"
    t.request(
        at,
        INVENTORY,
        op,
        "POST /v1/reservations",
        f"{INVENTORY_URL}/v1/reservations",
        code,
        spent + t.ms(0.3, 1.2),
        **columns,
    )


def commit_reservation(w: World, at: datetime, op: str) -> float:
    t, rng = w.t, w.rng
    instance, version = INVENTORY_REPLICAS.pick(rng, at)
    spent = t.ms(0.2, 0.8) + pg(w, after(at, 0.5), op, "UPDATE reservations", instance, version)
    reservation_id = f"res_{rng.getrandbits(48):012x}"
    t.request(
        at,
        INVENTORY,
        op,
        "POST /v1/reservations/{id}:commit",
        f"{INVENTORY_URL}/v1/reservations/{reservation_id}:commit",
        "204",
        spent + t.ms(0.2, 0.8),
        AppRoleInstance=instance,
        AppVersion=version,
    )
    return spent


def expiry_sweeps(w: World, end: datetime) -> None:
    """Every replica releases stale reservations once a minute (no request around it)."""
    for index in range(2):
        moment = TELEMETRY_START + timedelta(seconds=7 + 23 * index)
        while moment < end:
            rollout = INVENTORY_REPLICAS
            new = moment >= rollout.at + timedelta(seconds=rollout.delays_s[index])
            instance, version = (rollout.new[index], "4.7.0") if new else (rollout.old[index], "4.6.0")
            pg(w, moment, "", "UPDATE reservations (expire)", instance, version)
            moment += timedelta(minutes=1)


def product_page(w: World, at: datetime, discontinued: bool = False) -> None:
    t, rng = w.t, w.rng
    op = t.operation_id()
    instance, version = CATALOG_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    slug = f"p-{rng.getrandbits(32):08x}"
    spent = t.ms(0.4, 1.5)
    spent += t.dependency(
        after(at, spent), CATALOG, op, "Query products", COSMOS, "Azure DocumentDB", t.ms(3.0, 11.0), "200", **columns
    )
    if discontinued or rng.random() < 0.012:
        catalog_type_error(w, after(at, spent + 0.3), op, instance, version)
        t.request(
            at,
            CATALOG,
            op,
            "GET /products/:slug",
            f"https://catalog.northwind.example/products/{slug}",
            "500",
            spent + t.ms(0.5, 2.0),
            **columns,
        )
        return
    took = stock_lookup(w, after(at, spent + 0.8), op) + t.ms(0.6, 2.0)
    spent += t.dependency(
        after(at, spent), CATALOG, op, f"GET /v1/stock/{w.sku()}", "ca-inventory-api", "HTTP", took, "200", **columns
    )
    t.request(
        at,
        CATALOG,
        op,
        "GET /products/:slug",
        f"https://catalog.northwind.example/products/{slug}",
        "200",
        spent + t.ms(0.8, 3.0),
        **columns,
    )


def listing_page(w: World, at: datetime) -> None:
    t, rng = w.t, w.rng
    op = t.operation_id()
    instance, version = CATALOG_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    slug = rng.choice(["kitchen", "garden", "lighting", "bathroom", "storage", "textiles", "tools"])
    spent = t.ms(0.4, 1.5)
    spent += t.dependency(
        after(at, spent), CATALOG, op, "Query products", COSMOS, "Azure DocumentDB", t.ms(6.0, 26.0), "200", **columns
    )
    pages = 1
    if version == "2.12.0":
        spent += t.dependency(
            after(at, spent),
            CATALOG,
            op,
            "Query products",
            COSMOS,
            "Azure DocumentDB",
            t.ms(6.0, 26.0),
            "200",
            **columns,
        )
        pages = 2
    slowest = 0.0
    for _ in range(pages):
        took = batch_lookup(w, after(at, spent + 0.9), op, rng.randint(12, 24)) + t.ms(0.6, 2.0)
        t.dependency(
            after(at, spent), CATALOG, op, "POST /v1/stock:batchGet", "ca-inventory-api", "HTTP", took, "200", **columns
        )
        slowest = max(slowest, took)
    url = f"https://catalog.northwind.example/categories/{slug}?page={rng.randint(0, 4)}"
    t.request(at, CATALOG, op, "GET /categories/:slug", url, "200", spent + slowest + t.ms(1.0, 4.0), **columns)


def catalog_type_error(w: World, at: datetime, op: str, instance: str, version: str) -> None:
    """Known bug CAT-412: a discontinued product has no price block."""
    tree = CATALOG_TREES[version]
    path = "src/routes/products.js"
    lines = (
        line_of(tree[path], "price: { amount: product.price.amount"),
        line_of(tree[path], "return productView(product, stock);"),
    )
    frames = [
        frame(0, "productView", f"at productView (/app/{path}:{lines[0]}:41)", f"/app/{path}", lines[0]),
        frame(1, "Object.<anonymous>", f"at Object.<anonymous> (/app/{path}:{lines[1]}:12)", f"/app/{path}", lines[1]),
        frame(
            2,
            "process.processTicksAndRejections",
            "at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
            "node:internal/process/task_queues",
            95,
        ),
    ]
    w.t.exception(
        at,
        CATALOG,
        op,
        "TypeError",
        "Cannot read properties of undefined (reading 'amount')",
        frames,
        "TypeError at productView",
        SeverityLevel=3,
        AppRoleInstance=instance,
        AppVersion=version,
    )


def ship_order(w: World, at: datetime) -> None:
    """fulfillment-worker processes one orders-paid message."""
    t, rng = w.t, w.rng
    op = t.operation_id()
    instance, version = FULFILLMENT_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    order_id = f"ord-{rng.getrandbits(40):010x}"
    spent = t.ms(1.0, 4.0)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        took = commit_reservation(w, after(at, spent + 1.0), op) + t.ms(1.0, 3.0)
        spent += t.dependency(
            after(at, spent),
            FULFILLMENT,
            op,
            "POST /v1/reservations/{id}:commit",
            "ca-inventory-api",
            "HTTP",
            took,
            "204",
            **columns,
        )
    limited = within(w.carrier_busy, at) and rng.random() < 0.45
    code = "429" if limited else "201"
    spent += t.dependency(
        after(at, spent),
        FULFILLMENT,
        op,
        "POST /v2/shipments",
        CARRIER,
        "HTTP",
        t.ms(25.0, 60.0) if limited else t.ms(180.0, 690.0),
        code,
        not limited,
        **columns,
    )
    if limited:
        carrier_rate_limited(w, after(at, spent + 0.5), op, columns)
        spent += t.dependency(
            after(at, spent + 1.0),
            FULFILLMENT,
            op,
            "abandon",
            SERVICE_BUS,
            "Azure Service Bus",
            t.ms(3.0, 9.0),
            "",
            **columns,
        )
    else:
        shipment = f"shp_{rng.getrandbits(40):010x}"
        t.trace(
            after(at, spent),
            FULFILLMENT,
            op,
            f"shipment {shipment} booked for order {order_id}",
            1,
            Properties={"logger": "fulfillment.worker"},
            **columns,
        )
        spent += t.dependency(
            after(at, spent + 1.0),
            FULFILLMENT,
            op,
            "complete",
            SERVICE_BUS,
            "Azure Service Bus",
            t.ms(3.0, 9.0),
            "",
            **columns,
        )
    t.request(
        at, FULFILLMENT, op, "orders-paid process", SERVICE_BUS, "0", spent + t.ms(0.5, 2.0), not limited, **columns
    )


def carrier_rate_limited(w: World, at: datetime, op: str, columns: dict[str, str]) -> None:
    tree = FULFILLMENT_TREE
    frames = [
        ("create_shipment", "fulfillment/carriers.py", "raise CarrierRateLimited("),
        ("handle", "fulfillment/worker.py", "shipment = carriers.create_shipment(order)"),
        ("main", "fulfillment/worker.py", "handle(json.loads(str(message)))"),
    ]
    stack = [frame(i, m, "fulfillment", f"/app/{p}", line_of(tree[p], n)) for i, (m, p, n) in enumerate(frames)]
    message = f"carrier answered 429 Too Many Requests (retry after {w.rng.choice((10, 20, 30))} s)"
    w.t.exception(
        at,
        FULFILLMENT,
        op,
        "fulfillment.carriers.CarrierRateLimited",
        message,
        stack,
        "fulfillment.carriers.CarrierRateLimited at create_shipment",
        SeverityLevel=2,
        Properties={"logger": "fulfillment.worker", "message": "carrier rate limit, requeued"},
        **columns,
    )


def pool_metrics(w: World, end: datetime) -> None:
    """store/poolstats.go: per replica and minute, what database/sql reports."""
    rng = w.rng
    for index in range(2):
        moment = TELEMETRY_START.replace(second=0) + timedelta(minutes=1, seconds=11 + 17 * index)
        while moment < end:
            rollout = INVENTORY_REPLICAS
            new = moment >= rollout.at + timedelta(seconds=rollout.delays_s[index])
            instance, version = (rollout.new[index], "4.7.0") if new else (rollout.old[index], "4.6.0")
            used = w.pool_use.get((instance, (moment - timedelta(minutes=1)).replace(second=0)), 0)
            if version == "4.7.0":
                values = {
                    "db.pool.open_connections": rng.choice((0, 0, 0, 1)),
                    "db.pool.idle": 0,
                    "db.pool.wait_count": 0,
                    "db.pool.max_idle_closed": used,
                }
            else:
                open_now = max(1, round(1 + 3 * traffic(moment) + rng.uniform(-0.6, 0.6)))
                values = {
                    "db.pool.open_connections": open_now,
                    "db.pool.idle": open_now - rng.choice((0, 0, 1)),
                    "db.pool.wait_count": 0,
                    "db.pool.max_idle_closed": 0,
                }
            for name, value in values.items():
                w.t.metric(
                    moment,
                    INVENTORY,
                    name,
                    [float(value)],
                    Properties={"db.system": "postgresql", "pool": "primary"},
                    AppRoleInstance=instance,
                    AppVersion=version,
                )
            moment += timedelta(minutes=1)


def startup_traces(t: Telemetry) -> None:
    for instance, delay in zip(INVENTORY_REPLICAS.new, INVENTORY_REPLICAS.delays_s, strict=True):
        message = (
            "inventory-api 4.7.0 starting: environment=production db.max_open_conns=32 db.max_idle_conns=0 "
            "db.conn_max_lifetime=30m0s db.conn_max_idle_time=10m0s"
        )
        t.trace(
            INVENTORY_DEPLOY + timedelta(seconds=delay - 14),
            INVENTORY,
            "",
            message,
            1,
            AppRoleInstance=instance,
            AppVersion="4.7.0",
        )
    for instance, delay in zip(CATALOG_REPLICAS.new, CATALOG_REPLICAS.delays_s, strict=True):
        at = CATALOG_DEPLOY + timedelta(seconds=delay - 9)
        t.trace(
            at, CATALOG, "", "Server listening at http://0.0.0.0:8080", 1, AppRoleInstance=instance, AppVersion="2.12.0"
        )


def build_telemetry(end: datetime, built: Built) -> Telemetry:
    """The rows up to `end`; stack frames point into the deployed code of the `built` repos."""
    INVENTORY_TREES.update(
        {"4.6.0": built.tree("inventory", "reset-retry"), "4.7.0": built.tree("inventory", "config-docs")}
    )
    CATALOG_TREES.update({"2.11.0": built.tree("catalog", "filter"), "2.12.0": built.tree("catalog", "undici")})
    FULFILLMENT_TREE.update(built.tree("fulfillment", "prefetch"))
    t = Telemetry(random.Random(SEED))
    rng = t.rng
    busy = [(utc("2026-03-24T06:41:00Z"), utc("2026-03-24T06:49:00Z"))] + spells(
        rng, TELEMETRY_START, end, 0.8, (120, 420)
    )
    w = World(t, busy)
    product_page(w, utc("2026-03-24T06:38:12.418Z"), discontinued=True)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 3.6 * traffic(m), 3.6):
        product_page(w, at)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 2.2 * traffic(m), 2.2):
        listing_page(w, at)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 1.6 * traffic(m), 1.6):
        reservation(w, at)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 1.1 * traffic(m) + 0.2, 1.3):
        ship_order(w, at)
    expiry_sweeps(w, end)
    pool_metrics(w, end)
    startup_traces(t)
    return t
