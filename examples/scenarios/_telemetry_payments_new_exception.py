"""The traffic of payments-new-exception's day, simulated: requests, dependency calls, exceptions, traces and
metrics of payments-api, ledger-api and orders-api (and the callers outside the scenario), seeded so every
run writes the same rows."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
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
SEED = 20260317
TELEMETRY_START = utc("2026-03-17T10:30:00Z")
PAYMENTS_DEPLOY = utc("2026-03-17T13:05:00Z")
LEDGER_DEPLOY = utc("2026-03-17T11:10:00Z")


# ---------------------------------------------------------------------------------------------------
# Telemetry: the deployed code, for the stack traces
# ---------------------------------------------------------------------------------------------------

# The deployed trees, for the stack traces; build_telemetry() reads them from the committed repos.
PAYMENTS_TREES: dict[str, dict[str, str]] = {}
LEDGER_TREES: dict[str, dict[str, str]] = {}
ORDERS_TREE: dict[str, str] = {}  # 5.2.0, in production since the day before

CORELIB = "System.Private.CoreLib, Version=8.0.0.0, Culture=neutral, PublicKeyToken=7cec85d7bea7798e"
LINQ = "System.Linq, Version=8.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a"
MVC = "Microsoft.AspNetCore.Mvc.Core, Version=8.0.0.0, Culture=neutral, PublicKeyToken=adb9793829ddae60"
SQLCLIENT = "Microsoft.Data.SqlClient, Version=5.0.0.0, Culture=neutral, PublicKeyToken=23ec7fc2d6eaa4a5"
DAPPER = "Dapper, Version=2.0.0.0, Culture=neutral, PublicKeyToken=null"
AWAIT = [
    "System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw",
    "System.Runtime.CompilerServices.TaskAwaiter.ThrowForNonSuccess",
    "System.Runtime.CompilerServices.TaskAwaiter.HandleNonSuccessAndDebuggerNotification",
]
MVC_EXECUTE = (
    "Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor+TaskOfIActionResultExecutor+<Execute>d__0.MoveNext"
)


def dotnet_stack(
    assembly: str, tree: dict[str, str], frames: list[tuple[str, str | None, str | None]]
) -> list[dict[str, Any]]:
    """(method, repo path, needle) per frame, innermost first; a None path is a framework frame, and
    "await" stands for the three frames .NET puts between an awaited task and its caller."""
    stack: list[dict[str, Any]] = []
    for method, path, needle in frames:
        if method == "await":
            for name in AWAIT:
                stack.append(frame(len(stack), name, CORELIB))
        elif path is None:
            stack.append(frame(len(stack), method, needle))
        else:
            stack.append(frame(len(stack), method, assembly, f"/src/{path}", line_of(tree[path], needle or "")))
    return stack


def java_stack(frames: list[tuple[str, str, int | str]]) -> list[dict[str, Any]]:
    """(method, file, line or needle): a needle is looked up in the orders repo at 5.2.0."""
    stack: list[dict[str, Any]] = []
    for method, file, where in frames:
        if isinstance(where, str):
            path = next(p for p in ORDERS_TREE if p.endswith(f"/{file}"))
            where = line_of(ORDERS_TREE[path], where)
        stack.append(frame(len(stack), method, None, file, where))
    return stack


# ---------------------------------------------------------------------------------------------------
# Telemetry: the shop
# ---------------------------------------------------------------------------------------------------

PAYMENTS = "payments-api"
LEDGER = "ledger-api"
ORDERS = "orders-api"
ACQUIRER = "pal-live.acquirer.example"
PAYMENTS_SQL = "sql-payments-prod.database.windows.net | payments"
LEDGER_SQL = "sql-ledger-prod.database.windows.net | ledger"
ORDERS_PG = "psql-orders-prod.postgres.database.azure.com | orders"
TAX = "tax-service.internal"
PAYMENTS_URL = "http://ca-payments-api"
ORDERS_URL = "https://orders-api.internal.fabrikam.example"
LEDGER_URL = "http://ca-ledger-api"

PAYMENTS_REPLICAS = Rollout(
    "3.13.0",
    ("ca-payments-api--r3130-6b9d7c5f4-2xkqz", "ca-payments-api--r3130-6b9d7c5f4-8mwtd"),
    "3.14.0",
    ("ca-payments-api--r3140-7c4f8d6b9-jq5vn", "ca-payments-api--r3140-7c4f8d6b9-t3hzc"),
    PAYMENTS_DEPLOY,
    (52, 115),
)
LEDGER_REPLICAS = Rollout(
    "1.9.0",
    ("ca-ledger-api--r190-58c6d9f7b-kd9wq", "ca-ledger-api--r190-58c6d9f7b-zr4mx"),
    "1.10.0",
    ("ca-ledger-api--r1100-84f7b6c5d-6hn2v", "ca-ledger-api--r1100-84f7b6c5d-pq8sl"),
    LEDGER_DEPLOY,
    (47, 98),
)
ORDERS_REPLICAS = Rollout("5.2.0", ("ca-orders-api--r520-6d8b9c7f5-4vktz", "ca-orders-api--r520-6d8b9c7f5-w8qjn"))


@dataclass(frozen=True)
class PastCapture:
    """A capture an order was paid with, as a return finds it."""

    id: str
    tenders: tuple[str, ...]  # "card" / "gift" per tender, in capture order
    amount: float


@dataclass
class Shop:
    t: Telemetry
    acquirer_slow: list[tuple[datetime, datetime]]
    tax_slow: list[tuple[datetime, datetime]]
    postings: dict[tuple[str, str, datetime], list[tuple[float, int]]]

    @property
    def rng(self) -> random.Random:
        return self.t.rng

    def guid(self) -> str:
        value = f"{self.rng.getrandbits(128):032x}"
        return f"{value[:8]}-{value[8:12]}-4{value[13:16]}-a{value[17:20]}-{value[20:]}"

    def tenders(self) -> tuple[str, ...]:
        roll = self.rng.random()
        return ("gift",) if roll < 0.10 else ("gift", "card") if roll < 0.18 else ("card",)

    def psp(self, kind: str) -> str:
        digits = f"{self.rng.randrange(10**15, 10**16)}"
        return f"GC{digits[:14]}" if kind == "gift" else digits


def acquirer_call(
    shop: Shop, at: datetime, op: str, operation: str, kind: str, instance: str, version: str
) -> tuple[float, bool]:
    """One acquirer request from payments-api; returns (time spent, timed out)."""
    t = shop.t
    reference = shop.psp(kind)
    name = f"POST /v71/payments/{reference}/{'captures' if operation == 'capture' else 'refunds'}"
    columns = {
        "AppRoleInstance": instance,
        "AppVersion": version,
        "Data": f"https://{ACQUIRER}/{name.split(' ')[1][1:]}",
    }
    if within(shop.acquirer_slow, at) and shop.rng.random() < 0.55:
        spent = t.dependency(
            at, PAYMENTS, op, name, ACQUIRER, "HTTP", t.ms(5000.2, 5004.0), "Canceled", False, **columns
        )
        if version == "3.14.0":
            key = (
                f"return:rt-{shop.rng.getrandbits(24):06x}"
                if operation == "refund"
                else f"ord-{shop.rng.getrandbits(40):010x}:capture:0"
            )
            t.trace(
                after(at, spent),
                PAYMENTS,
                op,
                f"Acquirer {operation} timed out, key {key}",
                2,
                Properties={"CategoryName": "Fabrikam.Payments.Gateway.AcquirerClient", "Operation": operation},
                AppRoleInstance=instance,
                AppVersion=version,
            )
        return spent, True
    low, high = (160.0, 640.0) if operation == "capture" else (140.0, 480.0)
    return t.dependency(at, PAYMENTS, op, name, ACQUIRER, "HTTP", t.ms(low, high), "200", True, **columns), False


def acquirer_timeout(shop: Shop, at: datetime, op: str, operation: str, instance: str, version: str) -> None:
    tree = PAYMENTS_TREES[version]
    caller = {
        "capture": [
            (
                "Fabrikam.Payments.Gateway.AcquirerClient+<CaptureAsync>d__2.MoveNext",
                "src/Payments/Gateway/AcquirerClient.cs",
                'SendAsync("capture"',
            ),
            ("await", None, None),
            (
                "Fabrikam.Payments.Captures.CaptureHandler+<HandleAsync>d__1.MoveNext",
                "src/Payments/Captures/CaptureHandler.cs",
                "pspReference = await acquirer.CaptureAsync(",
            ),
            ("await", None, None),
            (
                "Fabrikam.Payments.Controllers.CapturesController+<Create>d__1.MoveNext",
                "src/Payments/Controllers/CapturesController.cs",
                "await handler.HandleAsync(",
            ),
        ],
        "refund": [
            (
                "Fabrikam.Payments.Gateway.AcquirerClient+<RefundAsync>d__3.MoveNext",
                "src/Payments/Gateway/AcquirerClient.cs",
                'SendAsync("refund"',
            ),
            ("await", None, None),
            (
                "Fabrikam.Payments.Refunds.RefundHandler+<HandleAsync>d__1.MoveNext",
                "src/Payments/Refunds/RefundHandler.cs",
                "var pspReference = await acquirer.RefundAsync(",
            ),
            ("await", None, None),
            (
                "Fabrikam.Payments.Controllers.RefundsController+<Create>d__1.MoveNext",
                "src/Payments/Controllers/RefundsController.cs",
                "await handler.HandleAsync(",
            ),
        ],
    }[operation]
    frames = [
        (
            "Fabrikam.Payments.Gateway.AcquirerClient+<SendAsync>d__4.MoveNext",
            "src/Payments/Gateway/AcquirerClient.cs",
            "throw new AcquirerTimeoutException(",
        ),
        ("await", None, None),
        *caller,
        (MVC_EXECUTE, None, MVC),
    ]
    message = f"acquirer did not answer the {operation} within 5000 ms"
    kind = "Fabrikam.Payments.Gateway.AcquirerTimeoutException"
    path = "/api/captures" if operation == "capture" else "/api/refunds"
    shop.t.exception(
        at,
        PAYMENTS,
        op,
        kind,
        message,
        dotnet_stack(f"Payments, Version={version}.0, Culture=neutral, PublicKeyToken=null", tree, frames),
        f"{kind} at Fabrikam.Payments.Gateway.AcquirerClient+<SendAsync>d__4.MoveNext",
        SeverityLevel=2,
        Properties={
            "CategoryName": "Fabrikam.Payments.DomainExceptionHandler",
            "OriginalFormat": "{Path} answered {Status}",
            "Path": path,
            "Status": "504",
        },
        AppRoleInstance=instance,
        AppVersion=version,
    )


def no_card_tender(shop: Shop, at: datetime, op: str, instance: str, version: str) -> None:
    tree = PAYMENTS_TREES[version]
    frames = [
        ("System.Linq.ThrowHelper.ThrowNoMatchException", None, LINQ),
        ("System.Linq.Enumerable.First[TSource]", None, LINQ),
        (
            "Fabrikam.Payments.Refunds.RefundAllocator.Allocate",
            "src/Payments/Refunds/RefundAllocator.cs",
            "var card = shares.First(",
        ),
        (
            "Fabrikam.Payments.Refunds.RefundHandler+<HandleAsync>d__1.MoveNext",
            "src/Payments/Refunds/RefundHandler.cs",
            "RefundAllocator.Allocate(capture",
        ),
        ("await", None, None),
        (
            "Fabrikam.Payments.Controllers.RefundsController+<Create>d__1.MoveNext",
            "src/Payments/Controllers/RefundsController.cs",
            "await handler.HandleAsync(",
        ),
        (MVC_EXECUTE, None, MVC),
    ]
    shop.t.exception(
        at,
        PAYMENTS,
        op,
        "System.InvalidOperationException",
        "Sequence contains no matching element",
        dotnet_stack(f"Payments, Version={version}.0, Culture=neutral, PublicKeyToken=null", tree, frames),
        "System.InvalidOperationException at Fabrikam.Payments.Refunds.RefundAllocator.Allocate",
        SeverityLevel=3,
        Properties={
            "CategoryName": "Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware",
            "OriginalFormat": "An unhandled exception has occurred while executing the request.",
            "RequestPath": "/api/refunds",
        },
        AppRoleInstance=instance,
        AppVersion=version,
    )


def ledger_post(shop: Shop, at: datetime, op: str, reference: str, lines: int) -> float:
    """ledger-api's side of POST /api/journal; returns how long it took."""
    t, rng = shop.t, shop.rng
    instance, version = LEDGER_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    spent = t.ms(0.8, 2.5)
    attempts = 2 if rng.random() < 0.02 else 1
    for attempt in range(1, attempts + 1):
        started = spent
        spent += t.dependency(
            after(at, spent), LEDGER, op, LEDGER_SQL, LEDGER_SQL, "SQL", t.ms(1.4, 4.8), "0", **columns
        )
        for _ in range(lines):
            spent += t.dependency(
                after(at, spent), LEDGER, op, LEDGER_SQL, LEDGER_SQL, "SQL", t.ms(0.9, 3.2), "0", **columns
            )
        for line in range(lines):
            deadlocked = attempt < attempts and line == lines - 1
            spent += t.dependency(
                after(at, spent),
                LEDGER,
                op,
                LEDGER_SQL,
                LEDGER_SQL,
                "SQL",
                t.ms(180.0, 1400.0) if deadlocked else t.ms(1.1, 6.5),
                "1205" if deadlocked else "0",
                not deadlocked,
                **columns,
            )
            if deadlocked:
                deadlock(shop, after(at, spent), op, reference, instance, version)
                spent += 40.0 * attempt
        if version == "1.10.0":
            minute = after(at, spent).replace(second=0, microsecond=0)
            shop.postings.setdefault((instance, version, minute), []).append((spent - started, attempt))
    spent += t.ms(0.6, 2.0)
    t.request(at, LEDGER, op, "POST /api/journal", f"{LEDGER_URL}/api/journal", "201", spent, **columns)
    return spent


def deadlock(shop: Shop, at: datetime, op: str, reference: str, instance: str, version: str) -> None:
    tree = LEDGER_TREES[version]
    frames = [
        ("Microsoft.Data.SqlClient.SqlConnection.OnError", None, SQLCLIENT),
        ("Microsoft.Data.SqlClient.SqlInternalConnection.OnError", None, SQLCLIENT),
        ("Microsoft.Data.SqlClient.TdsParser.ThrowExceptionAndWarning", None, SQLCLIENT),
        ("Microsoft.Data.SqlClient.TdsParser.TryRun", None, SQLCLIENT),
        ("Microsoft.Data.SqlClient.SqlCommand.InternalEndExecuteNonQuery", None, SQLCLIENT),
        ("Microsoft.Data.SqlClient.SqlCommand.EndExecuteNonQueryAsync", None, SQLCLIENT),
        ("System.Threading.Tasks.TaskFactory`1.FromAsyncCoreLogic", None, CORELIB),
        ("await", None, None),
        ("Dapper.SqlMapper+<ExecuteMultiImplAsync>d__33.MoveNext", None, DAPPER),
        ("await", None, None),
        (
            "Fabrikam.Ledger.Postings.PostingWriter+<InsertAsync>d__8.MoveNext",
            "src/Ledger/Postings/PostingWriter.cs",
            "new CommandDefinition(UpdateBalance, balances",
        ),
        ("await", None, None),
        (
            "Fabrikam.Ledger.Postings.PostingWriter+<WriteAsync>d__7.MoveNext",
            "src/Ledger/Postings/PostingWriter.cs",
            "await InsertAsync(entry, ct);",
        ),
    ]
    process = shop.rng.randint(52, 140)
    message = (
        f"Transaction (Process ID {process}) was deadlocked on lock resources with another process and has been "
        "chosen as the deadlock victim. Rerun the transaction."
    )
    shop.t.exception(
        at,
        LEDGER,
        op,
        "Microsoft.Data.SqlClient.SqlException",
        message,
        dotnet_stack(f"Ledger, Version={version}.0, Culture=neutral, PublicKeyToken=null", tree, frames),
        "Microsoft.Data.SqlClient.SqlException at Microsoft.Data.SqlClient.SqlConnection.OnError",
        SeverityLevel=2,
        Properties={
            "CategoryName": "Fabrikam.Ledger.Postings.PostingWriter",
            "OriginalFormat": "Deadlock posting {Reference}, attempt {Attempt} of {MaxAttempts}",
            "Reference": reference,
            "Attempt": "1",
            "MaxAttempts": "3",
            "Number": "1205",
        },
        AppRoleInstance=instance,
        AppVersion=version,
    )


def payments_capture(
    shop: Shop, at: datetime, op: str, order_id: str, tenders: tuple[str, ...], total: float
) -> tuple[str, float]:
    t, rng = shop.t, shop.rng
    instance, version = PAYMENTS_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    spent = t.ms(1.2, 3.5)
    for kind in tenders:
        took, timed_out = acquirer_call(shop, after(at, spent), op, "capture", kind, instance, version)
        spent += took
        if timed_out:
            acquirer_timeout(shop, after(at, spent + 0.4), op, "capture", instance, version)
            spent += t.ms(1.0, 3.0)
            t.request(at, PAYMENTS, op, "POST /api/captures", f"{PAYMENTS_URL}/api/captures", "504", spent, **columns)
            return "504", spent
    capture_id = shop.guid()
    spent += t.dependency(
        after(at, spent), PAYMENTS, op, PAYMENTS_SQL, PAYMENTS_SQL, "SQL", t.ms(1.5, 5.5), "0", **columns
    )
    for _ in tenders:
        spent += t.dependency(
            after(at, spent), PAYMENTS, op, PAYMENTS_SQL, PAYMENTS_SQL, "SQL", t.ms(1.0, 3.5), "0", **columns
        )
    ledger_ms = ledger_post(shop, after(at, spent + 1.1), op, f"capture:{capture_id}", len(tenders) + 1) + t.ms(
        1.5, 4.0
    )
    spent += t.dependency(
        after(at, spent),
        PAYMENTS,
        op,
        "POST /api/journal",
        "ca-ledger-api",
        "HTTP",
        ledger_ms,
        "201",
        Data=f"{LEDGER_URL}/api/journal",
        **columns,
    )
    t.trace(
        after(at, spent),
        PAYMENTS,
        op,
        f"Captured {total:.2f} EUR for order {order_id} as {capture_id} ({len(tenders)} tenders)",
        1,
        Properties={
            "CategoryName": "Fabrikam.Payments.Captures.CaptureHandler",
            "OrderId": order_id,
            "CaptureId": capture_id,
        },
        AppRoleInstance=instance,
        AppVersion=version,
    )
    spent += t.ms(0.8, 2.5)
    t.request(at, PAYMENTS, op, "POST /api/captures", f"{PAYMENTS_URL}/api/captures", "201", spent, **columns)
    return "201", spent


def payments_refund(
    shop: Shop, at: datetime, op: str, capture: PastCapture, amount: float, reason: str
) -> tuple[str, float]:
    t, rng = shop.t, shop.rng
    instance, version = PAYMENTS_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    spent = t.ms(1.2, 3.5)
    spent += t.dependency(
        after(at, spent), PAYMENTS, op, PAYMENTS_SQL, PAYMENTS_SQL, "SQL", t.ms(2.0, 7.5), "0", **columns
    )
    if version == "3.14.0":
        if "card" not in capture.tenders:
            spent += t.ms(0.3, 1.2)
            no_card_tender(shop, after(at, spent), op, instance, version)
            spent += t.ms(1.5, 4.0)
            t.request(at, PAYMENTS, op, "POST /api/refunds", f"{PAYMENTS_URL}/api/refunds", "500", spent, **columns)
            return "500", spent
        allocations = capture.tenders
    else:
        allocations = capture.tenders[:1]
    for kind in allocations:
        took, timed_out = acquirer_call(shop, after(at, spent), op, "refund", kind, instance, version)
        spent += took
        if timed_out:
            acquirer_timeout(shop, after(at, spent + 0.4), op, "refund", instance, version)
            spent += t.ms(1.0, 3.0)
            t.request(at, PAYMENTS, op, "POST /api/refunds", f"{PAYMENTS_URL}/api/refunds", "504", spent, **columns)
            return "504", spent
        spent += t.dependency(
            after(at, spent), PAYMENTS, op, PAYMENTS_SQL, PAYMENTS_SQL, "SQL", t.ms(2.5, 8.0), "0", **columns
        )
    refund_id = shop.guid()
    ledger_ms = ledger_post(shop, after(at, spent + 1.1), op, f"refund:{refund_id}", len(allocations) + 1) + t.ms(
        1.5, 4.0
    )
    spent += t.dependency(
        after(at, spent),
        PAYMENTS,
        op,
        "POST /api/journal",
        "ca-ledger-api",
        "HTTP",
        ledger_ms,
        "201",
        Data=f"{LEDGER_URL}/api/journal",
        **columns,
    )
    suffix = f"{reason}, {len(allocations)} tenders" if version == "3.14.0" else reason
    t.trace(
        after(at, spent),
        PAYMENTS,
        op,
        f"Refunded {amount:.2f} EUR of capture {capture.id} as {refund_id} ({suffix})",
        1,
        Properties={
            "CategoryName": "Fabrikam.Payments.Refunds.RefundHandler",
            "CaptureId": capture.id,
            "RefundId": refund_id,
            "ReasonCode": reason,
        },
        AppRoleInstance=instance,
        AppVersion=version,
    )
    spent += t.ms(0.8, 2.5)
    t.request(at, PAYMENTS, op, "POST /api/refunds", f"{PAYMENTS_URL}/api/refunds", "202", spent, **columns)
    return "202", spent


# ---------------------------------------------------------------------------------------------------
# Telemetry: orders-api (Java agent) and the callers outside the scenario
# ---------------------------------------------------------------------------------------------------

SPRING_CLIENT = [
    (
        "org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.applyStatusHandlers",
        "DefaultRestClient.java",
        698,
    ),
    (
        "org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.lambda$readBody$4",
        "DefaultRestClient.java",
        679,
    ),
    ("org.springframework.web.client.DefaultRestClient.readWithMessageConverters", "DefaultRestClient.java", 200),
    ("org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.readBody", "DefaultRestClient.java", 678),
    ("org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.body", "DefaultRestClient.java", 631),
]
STATUS_HANDLER = [
    ("org.springframework.web.client.HttpServerErrorException.create", "HttpServerErrorException.java", 102),
    ("org.springframework.web.client.StatusHandler.lambda$defaultHandler$3", "StatusHandler.java", 89),
    ("org.springframework.web.client.StatusHandler.handle", "StatusHandler.java", 146),
]
RETRY_PROXY = [
    ("org.springframework.aop.support.AopUtils.invokeJoinpointUsingReflection", "AopUtils.java", 351),
    (
        "org.springframework.aop.framework.ReflectiveMethodInvocation.invokeJoinpoint",
        "ReflectiveMethodInvocation.java",
        196,
    ),
    ("org.springframework.aop.framework.ReflectiveMethodInvocation.proceed", "ReflectiveMethodInvocation.java", 163),
    (
        "org.springframework.retry.interceptor.RetryOperationsInterceptor$1.doWithRetry",
        "RetryOperationsInterceptor.java",
        135,
    ),
    ("org.springframework.retry.support.RetryTemplate.doExecute", "RetryTemplate.java", 357),
    ("org.springframework.retry.support.RetryTemplate.execute", "RetryTemplate.java", 230),
    ("org.springframework.retry.interceptor.RetryOperationsInterceptor.invoke", "RetryOperationsInterceptor.java", 164),
    ("org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor.intercept", "CglibAopProxy.java", 720),
]
BATCH_STREAM = [
    ("java.util.stream.ReferencePipeline$3$1.accept", "ReferencePipeline.java", 197),
    ("java.util.ArrayList$ArrayListSpliterator.forEachRemaining", "ArrayList.java", 1708),
    ("java.util.stream.AbstractPipeline.copyInto", "AbstractPipeline.java", 509),
    ("java.util.stream.AbstractPipeline.wrapAndCopyInto", "AbstractPipeline.java", 499),
    ("java.util.stream.AbstractPipeline.evaluate", "AbstractPipeline.java", 575),
    ("java.util.stream.AbstractPipeline.evaluateToArrayNode", "AbstractPipeline.java", 260),
    ("java.util.stream.ReferencePipeline.toArray", "ReferencePipeline.java", 616),
    ("java.util.stream.ReferencePipeline.toList", "ReferencePipeline.java", 621),
]
SPRING_MVC = [
    ("jdk.internal.reflect.DirectMethodHandleAccessor.invoke", "DirectMethodHandleAccessor.java", 103),
    ("java.lang.reflect.Method.invoke", "Method.java", 580),
    ("org.springframework.web.method.support.InvocableHandlerMethod.doInvoke", "InvocableHandlerMethod.java", 255),
    (
        "org.springframework.web.method.support.InvocableHandlerMethod.invokeForRequest",
        "InvocableHandlerMethod.java",
        188,
    ),
    (
        "org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod.invokeAndHandle",
        "ServletInvocableHandlerMethod.java",
        118,
    ),
    ("org.springframework.web.servlet.DispatcherServlet.doDispatch", "DispatcherServlet.java", 1089),
    ("org.springframework.web.servlet.FrameworkServlet.processRequest", "FrameworkServlet.java", 1003),
]
REASONS = ["damaged", "wrong-item", "not-as-described", "changed-mind", "other"]


def java_logger(logger: str, level: str, thread: str, **extra: str) -> dict[str, str]:
    return {"LoggerName": logger, "LoggingLevel": level, "SourceType": "Logger", "ThreadName": thread, **extra}


def pg(shop: Shop, at: datetime, op: str, statement: str, sql: str, columns: dict[str, str]) -> float:
    return shop.t.dependency(
        at, ORDERS, op, statement, ORDERS_PG, "postgresql", shop.t.ms(0.9, 5.5), "", Data=sql, **columns
    )


def refund_failed(
    shop: Shop, at: datetime, op: str, return_id: str, batch: bool, thread: str, columns: dict[str, str]
) -> None:
    caller = (
        [
            *BATCH_STREAM,
            (
                "com.fabrikam.orders.returns.ReturnsController.receiveBatch",
                "ReturnsController.java",
                "returnIds.stream().map(",
            ),
        ]
        if batch
        else [
            (
                "com.fabrikam.orders.returns.ReturnsController.receive",
                "ReturnsController.java",
                "return refunds.refundReturn(returnId);",
            )
        ]
    )
    frames = [
        *STATUS_HANDLER,
        *SPRING_CLIENT,
        ("com.fabrikam.orders.payments.PaymentsClient.refund", "PaymentsClient.java", ".body(RefundResult.class);"),
        *RETRY_PROXY,
        (
            "com.fabrikam.orders.returns.RefundService.refundReturn",
            "RefundService.java",
            "var result = payments.refund(",
        ),
        *caller,
        *SPRING_MVC,
    ]
    trace_id = f"00-{op}-{shop.t.span_id()}-01"
    message = (
        '500 Internal Server Error: "{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.1","title":"An error '
        f'occurred while processing your request.","status":500,"traceId":"{trace_id}"}}"'
    )
    kind = "org.springframework.web.client.HttpServerErrorException$InternalServerError"
    shop.t.exception(
        at,
        ORDERS,
        op,
        kind,
        message,
        java_stack(frames),
        f"{kind} at com.fabrikam.orders.payments.PaymentsClient.refund",
        SeverityLevel=3,
        Properties=java_logger(
            "com.fabrikam.orders.returns.RefundService",
            "ERROR",
            thread,
            **{
                "Logger Message": f"Refund of return {return_id} failed: "
                "payments-api answered 500 INTERNAL_SERVER_ERROR"
            },
        ),
        **columns,
    )


def capture_failed(shop: Shop, at: datetime, op: str, thread: str, columns: dict[str, str]) -> None:
    frames = [
        *STATUS_HANDLER,
        *SPRING_CLIENT,
        ("com.fabrikam.orders.payments.PaymentsClient.capture", "PaymentsClient.java", ".body(Capture.class);"),
        ("com.fabrikam.orders.OrderController.create", "OrderController.java", "var capture = payments.capture("),
        *SPRING_MVC,
    ]
    message = (
        '504 Gateway Timeout: "{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.5","title":"Gateway Timeout",'
        '"status":504,"detail":"acquirer did not answer the capture within 5000 ms"}"'
    )
    kind = "org.springframework.web.client.HttpServerErrorException$GatewayTimeout"
    shop.t.exception(
        at,
        ORDERS,
        op,
        kind,
        message,
        java_stack(frames),
        f"{kind} at com.fabrikam.orders.payments.PaymentsClient.capture",
        SeverityLevel=3,
        Properties={"ThreadName": thread},
        **columns,
    )


def tax_timeout(shop: Shop, at: datetime, op: str, thread: str, columns: dict[str, str]) -> None:
    frames = [
        (
            "org.springframework.web.client.DefaultRestClient$DefaultRequestBodyUriSpec.createResourceAccessException",
            "DefaultRestClient.java",
            534,
        ),
        (
            "org.springframework.web.client.DefaultRestClient$DefaultRequestBodyUriSpec.exchangeInternal",
            "DefaultRestClient.java",
            459,
        ),
        (
            "org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.readBody",
            "DefaultRestClient.java",
            678,
        ),
        ("org.springframework.web.client.DefaultRestClient$DefaultResponseSpec.body", "DefaultRestClient.java", 631),
        ("com.fabrikam.orders.tax.TaxClient.quote", "TaxClient.java", 'return http.post().uri("/api/quotes")'),
        ("com.fabrikam.orders.OrderController.create", "OrderController.java", "quote = tax.quote(request.country()"),
        *SPRING_MVC,
    ]
    kind = "org.springframework.web.client.ResourceAccessException"
    shop.t.exception(
        at,
        ORDERS,
        op,
        kind,
        'I/O error on POST request for "http://tax-service.internal/api/quotes": Read timed out',
        java_stack(frames),
        f"{kind} at com.fabrikam.orders.tax.TaxClient.quote",
        SeverityLevel=2,
        Properties=java_logger(
            "com.fabrikam.orders.OrderController",
            "WARN",
            thread,
            **{"Logger Message": "tax-service did not answer, using the standard rate"},
        ),
        **columns,
    )


def place_order(shop: Shop, at: datetime) -> None:
    t, rng = shop.t, shop.rng
    op = t.operation_id()
    instance, version = ORDERS_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    thread = f"http-nio-8080-exec-{rng.randint(1, 10)}"
    order_id = f"ord-{rng.getrandbits(48):012x}"
    total = round(rng.uniform(14.0, 260.0), 2)
    spent = t.ms(1.5, 4.0)
    quote = {"Data": f"http://{TAX}/api/quotes", **columns}
    if within(shop.tax_slow, at) and rng.random() < 0.6:
        spent += t.dependency(
            after(at, spent), ORDERS, op, "POST /api/quotes", TAX, "HTTP", t.ms(2000.4, 2003.5), "", False, **quote
        )
        tax_timeout(shop, after(at, spent + 0.3), op, thread, columns)
    else:
        spent += t.dependency(
            after(at, spent), ORDERS, op, "POST /api/quotes", TAX, "HTTP", t.ms(34.0, 140.0), "200", **quote
        )
    spent += pg(
        shop,
        after(at, spent),
        op,
        "INSERT orders",
        "INSERT INTO orders (id, country, currency, tax, total, status) VALUES (?, ?, ?, ?, ?, 'placed')",
        columns,
    )
    status, took = payments_capture(shop, after(at, spent + 1.4), op, order_id, shop.tenders(), total)
    spent += t.dependency(
        after(at, spent),
        ORDERS,
        op,
        "POST /api/captures",
        "ca-payments-api",
        "HTTP",
        took + t.ms(1.5, 4.0),
        status,
        int(status) < 400,
        Data=f"{PAYMENTS_URL}/api/captures",
        **columns,
    )
    code = "201"
    if status == "504":
        capture_failed(shop, after(at, spent + 0.5), op, thread, columns)
        code = "500"
    else:
        spent += pg(
            shop,
            after(at, spent),
            op,
            "UPDATE orders",
            "UPDATE orders SET status = 'paid', capture_id = ? WHERE id = ?",
            columns,
        )
        spent += pg(
            shop,
            after(at, spent),
            op,
            "SELECT orders",
            "SELECT id, total, status, capture_id FROM orders WHERE id = ?",
            columns,
        )
    t.request(at, ORDERS, op, "POST /api/orders", f"{ORDERS_URL}/api/orders", code, spent + t.ms(0.8, 2.5), **columns)


def refund_return(shop: Shop, at: datetime, op: str, return_id: str, batch: bool, columns: dict[str, str]) -> float:
    """RefundService.refundReturn: up to three attempts on 5xx (spring-retry, 500 ms then 1 s)."""
    t, rng = shop.t, shop.rng
    thread = f"http-nio-8080-exec-{rng.randint(1, 10)}"
    spent = pg(
        shop,
        at,
        op,
        "SELECT returns",
        "SELECT r.id, o.capture_id, r.amount, r.reason_code, r.status = 'refunded' AS refunded "
        "FROM returns r JOIN orders o ON o.id = r.order_id WHERE r.id = ?",
        columns,
    )
    capture = PastCapture(shop.guid(), shop.tenders(), round(rng.uniform(18.0, 240.0), 2))
    amount = capture.amount if rng.random() < 0.7 else round(capture.amount * rng.uniform(0.2, 0.8), 2)
    reason = rng.choices(REASONS, weights=[22, 14, 18, 38, 8])[0]
    status = "500"
    for attempt in range(3):
        status, took = payments_refund(shop, after(at, spent + 1.4), op, capture, amount, reason)
        spent += t.dependency(
            after(at, spent),
            ORDERS,
            op,
            "POST /api/refunds",
            "ca-payments-api",
            "HTTP",
            took + t.ms(1.5, 4.0),
            status,
            int(status) < 400,
            Data=f"{PAYMENTS_URL}/api/refunds",
            **columns,
        )
        if int(status) < 500:
            break
        if attempt < 2:
            spent += 500.0 * 2**attempt + t.ms(0.5, 3.0)
    if int(status) >= 500:
        refund_failed(shop, after(at, spent + 0.6), op, return_id, batch, thread, columns)
        spent += pg(
            shop,
            after(at, spent + 1.0),
            op,
            "UPDATE returns",
            "UPDATE returns SET status = 'refund-failed', last_error = ? WHERE id = ?",
            columns,
        )
    else:
        spent += pg(
            shop,
            after(at, spent),
            op,
            "UPDATE returns",
            "UPDATE returns SET status = 'refunded', refunded_at = now() WHERE id = ?",
            columns,
        )
        t.trace(
            after(at, spent),
            ORDERS,
            op,
            f"Return {return_id} refunded: {amount:.2f} received",
            1,
            Properties=java_logger("com.fabrikam.orders.returns.RefundService", "INFO", thread),
            **columns,
        )
    return spent


def receive_returns(shop: Shop, at: datetime, count: int | None) -> None:
    """The returns desk: one parcel (`count` None) or the afternoon batch."""
    t, rng = shop.t, shop.rng
    op = t.operation_id()
    instance, version = ORDERS_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    ids = [f"rt-{rng.getrandbits(40):010x}" for _ in range(count or 1)]
    spent = t.ms(1.0, 3.0)
    for return_id in ids:
        spent += refund_return(shop, after(at, spent), op, return_id, count is not None, columns) + t.ms(0.3, 1.5)
    if count is None:
        name, url = "POST /api/returns/{returnId}/receive", f"{ORDERS_URL}/api/returns/{ids[0]}/receive"
    else:
        name, url = "POST /api/returns/batch/receive", f"{ORDERS_URL}/api/returns/batch/receive"
    t.request(at, ORDERS, op, name, url, "200", spent + t.ms(0.8, 2.5), **columns)


def get_order(shop: Shop, at: datetime) -> None:
    t, rng = shop.t, shop.rng
    op = t.operation_id()
    instance, version = ORDERS_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    order_id = f"ord-{rng.getrandbits(48):012x}"
    spent = t.ms(1.0, 3.0) + pg(
        shop, at, op, "SELECT orders", "SELECT id, total, status, capture_id FROM orders WHERE id = ?", columns
    )
    t.request(
        at,
        ORDERS,
        op,
        "GET /api/orders/{id}",
        f"{ORDERS_URL}/api/orders/{order_id}",
        "200",
        spent + t.ms(0.8, 2.5),
        **columns,
    )


def get_capture(shop: Shop, at: datetime) -> None:
    """The customer-service portal looks a capture up."""
    t, rng = shop.t, shop.rng
    op = t.operation_id()
    instance, version = PAYMENTS_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    spent = t.ms(0.8, 2.5)
    spent += t.dependency(
        after(at, spent), PAYMENTS, op, PAYMENTS_SQL, PAYMENTS_SQL, "SQL", t.ms(1.8, 6.5), "0", **columns
    )
    code = "404" if rng.random() < 0.03 else "200"
    t.request(
        at,
        PAYMENTS,
        op,
        "GET /api/captures/{id}",
        f"{PAYMENTS_URL}/api/captures/{shop.guid()}",
        code,
        spent + t.ms(0.6, 2.0),
        **columns,
    )


def balance_checks(shop: Shop, at: datetime) -> None:
    """finance-reconciler reads three balances every five minutes."""
    t, rng = shop.t, shop.rng
    for offset, account in enumerate(("1100-acquirer-clearing", "2300-gift-card-liability", "4100-sales-returns")):
        moment = after(at, 1200.0 * offset + t.ms(0, 400))
        op = t.operation_id()
        instance, version = LEDGER_REPLICAS.pick(rng, moment)
        columns = {"AppRoleInstance": instance, "AppVersion": version}
        spent = t.ms(0.6, 2.0)
        spent += t.dependency(
            after(moment, spent), LEDGER, op, LEDGER_SQL, LEDGER_SQL, "SQL", t.ms(0.5, 1.6), "0", **columns
        )
        spent += t.dependency(
            after(moment, spent), LEDGER, op, LEDGER_SQL, LEDGER_SQL, "SQL", t.ms(1.2, 4.0), "0", **columns
        )
        url = f"{LEDGER_URL}/api/accounts/{account}/balance?currency=EUR"
        t.request(
            moment, LEDGER, op, "GET /api/accounts/{account}/balance", url, "200", spent + t.ms(0.5, 1.5), **columns
        )


def startup_traces(t: Telemetry) -> None:
    for rollout, role in ((PAYMENTS_REPLICAS, PAYMENTS), (LEDGER_REPLICAS, LEDGER)):
        for instance, delay in zip(rollout.new, rollout.delays_s, strict=True):
            started = rollout.at + timedelta(seconds=delay - 21)
            lines = [
                ("Now listening on: http://[::]:8080", "Microsoft.Hosting.Lifetime"),
                ("Application started. Press Ctrl+C to shut down.", "Microsoft.Hosting.Lifetime"),
                ("Hosting environment: Production", "Microsoft.Hosting.Lifetime"),
                ("Content root path: /app", "Microsoft.Hosting.Lifetime"),
            ]
            for index, (message, category) in enumerate(lines):
                t.trace(
                    started + timedelta(milliseconds=3 * index),
                    role,
                    "",
                    message,
                    1,
                    Properties={"CategoryName": category},
                    AppRoleInstance=instance,
                    AppVersion=rollout.new_version,
                )


def posting_metrics(shop: Shop) -> None:
    for (instance, version, minute), postings in sorted(shop.postings.items()):
        columns = {
            "AppRoleInstance": instance,
            "AppVersion": version,
            "Properties": {"_MS.AggregationIntervalMs": "60000"},
        }
        shop.t.metric(
            minute + timedelta(seconds=60), LEDGER, "ledger.posting.duration", [ms for ms, _ in postings], **columns
        )
        shop.t.metric(
            minute + timedelta(seconds=60),
            LEDGER,
            "ledger.posting.attempts",
            [float(a) for _, a in postings],
            **columns,
        )


def returns_desk(shop: Shop, end: datetime) -> None:
    """Single parcels all day; from 14:00Z the afternoon batch, a batch every few minutes."""
    rng = shop.rng
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 0.25, 0.25):
        receive_returns(shop, at, None)
    moment = utc("2026-03-17T14:00:00Z")
    while True:
        moment += timedelta(seconds=rng.uniform(240, 480))
        if moment >= end:
            return
        receive_returns(shop, moment.replace(microsecond=(moment.microsecond // 1000) * 1000), rng.randint(5, 12))


def build_telemetry(end: datetime, built: Built) -> Telemetry:
    """The rows up to `end`; stack frames point into the deployed code of the `built` repos."""
    PAYMENTS_TREES.update(
        {"3.13.0": built.tree("payments", "split-tender"), "3.14.0": built.tree("payments", "psp-reference")}
    )
    LEDGER_TREES.update({"1.9.0": built.tree("ledger", "sqlclient"), "1.10.0": built.tree("ledger", "metrics")})
    ORDERS_TREE.update(built.tree("orders", "batch"))
    t = Telemetry(random.Random(SEED))
    rng = t.rng
    acquirer_slow = [(utc("2026-03-17T10:36:10Z"), utc("2026-03-17T10:38:50Z"))]
    acquirer_slow += spells(rng, TELEMETRY_START, end, 0.7, (30, 75))
    tax_slow = [(utc("2026-03-17T10:41:30Z"), utc("2026-03-17T10:45:10Z"))]
    tax_slow += spells(rng, TELEMETRY_START, end, 1.0, (60, 150))
    shop = Shop(t, acquirer_slow, tax_slow, {})
    shape = [("10:30", 0.9), ("11:30", 1.2), ("12:30", 1.5), ("13:30", 1.3), ("15:00", 1.1), ("16:00", 1.0)]
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: ramp(m, shape), 1.6):
        place_order(shop, at)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 0.6 * ramp(m, shape), 1.0):
        get_order(shop, at)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 0.3, 0.3):
        get_capture(shop, at)
    returns_desk(shop, end)
    moment = TELEMETRY_START + timedelta(seconds=17)
    while moment < end:
        balance_checks(shop, moment)
        moment += timedelta(minutes=5)
    startup_traces(t)
    posting_metrics(shop)
    return t
