"""The traffic of llm-prompt-cache-regression's morning, simulated: requests, model and search calls,
exceptions, traces and token metrics of assistant-api, retrieval-api and support-web-bff, seeded so every
run writes the same rows."""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
SEED = 20260407
TELEMETRY_START = utc("2026-04-07T06:30:00Z")
RETRIEVAL_DEPLOY = utc("2026-04-07T08:40:00Z")
ASSISTANT_DEPLOY = utc("2026-04-07T09:30:00Z")
MIN_CACHEABLE_TOKENS = 1024
CACHE_STEP_TOKENS = 128
TOOLS_TOKENS = 2352
SYSTEM_TOKENS = 1283
MESSAGE_OVERHEAD_TOKENS = 11
CONTEXT_TOKENS = 22


# ---------------------------------------------------------------------------------------------------
# Telemetry
# ---------------------------------------------------------------------------------------------------

# The deployed trees, for the stack traces; build_telemetry() reads them from the committed repos.
ASSISTANT_TREES: dict[str, dict[str, str]] = {}
RETRIEVAL_TREES: dict[str, dict[str, str]] = {}

ASSISTANT = "assistant-api"
RETRIEVAL = "retrieval-api"
WEB = "support-web-bff"
OPENAI = "oai-support-prod.openai.azure.com"
SEARCH = "srch-support-prod.search.windows.net"
ORDERS = "orders-api.internal.woodgrove.example"
DESK = "desk.woodgrove.example"
SITE_PACKAGES = "/usr/local/lib/python3.12/site-packages"
MODELS = {
    "draft": ("gpt-4.1", "gpt-41-drafts", "gpt-4.1-2025-04-14"),
    "route": ("gpt-4.1-nano", "gpt-41-nano-router", "gpt-4.1-nano-2025-04-14"),
}

ASSISTANT_REPLICAS = Rollout(
    "2.8.0",
    ("ca-assistant-api--v280-6f8c9d7b5-p4wzk", "ca-assistant-api--v280-6f8c9d7b5-t9hqm"),
    "2.9.0",
    ("ca-assistant-api--v290-58d7c6b9f-c2xrn", "ca-assistant-api--v290-58d7c6b9f-k7mvd"),
    ASSISTANT_DEPLOY,
    (44, 96),
)
RETRIEVAL_REPLICAS = Rollout(
    "1.5.0",
    ("ca-retrieval-api--v150-7c9b8d6f5-g5jtn", "ca-retrieval-api--v150-7c9b8d6f5-w3qzp"),
    "1.6.0",
    ("ca-retrieval-api--v160-9d6f5b8c7-b8rkx", "ca-retrieval-api--v160-9d6f5b8c7-h2vnl"),
    RETRIEVAL_DEPLOY,
    (37, 85),
)
WEB_REPLICAS = Rollout(
    "3.4.0", ("ca-support-web-bff--v340-5b7c8d9f6-q6lzt", "ca-support-web-bff--v340-5b7c8d9f6-x1mwr")
)
DESK_HOURS = [("06:30", 0.7), ("07:30", 1.6), ("08:30", 2.8), ("09:30", 3.4), ("10:30", 3.6), ("11:30", 3.3)]


def cacheable(tokens: int) -> int:
    """What Azure OpenAI can serve from cache for a shared prefix of `tokens`: from 1,024, in steps of 128."""
    if tokens < MIN_CACHEABLE_TOKENS:
        return 0
    return MIN_CACHEABLE_TOKENS + (tokens - MIN_CACHEABLE_TOKENS) // CACHE_STEP_TOKENS * CACHE_STEP_TOKENS


def shared_prefix(version: str) -> int:
    """Tokens every draft prompt starts with: tools and system prompt in 2.8.0; only the tools once #152
    puts the time and the request id on the system prompt's first line (2.9.0)."""
    if version == "2.8.0":
        return TOOLS_TOKENS + SYSTEM_TOKENS + MESSAGE_OVERHEAD_TOKENS
    return TOOLS_TOKENS + 4


@dataclass
class Desk:
    t: Telemetry
    throttled: list[tuple[datetime, datetime]]
    orders_slow: list[tuple[datetime, datetime]]
    usage: dict[tuple[str, str, datetime, str], list[tuple[int, int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @property
    def rng(self) -> random.Random:
        return self.t.rng


def llm_call(
    d: Desk, at: datetime, op: str, instance: str, version: str, purpose: str, tokens: tuple[int, int, int]
) -> float:
    """One chat completion as assistant/llm/client.py records it: a GenAI span and the usage metrics."""
    prompt, cached, completion = tokens
    model, deployment, snapshot = MODELS[purpose]
    if purpose == "route":
        duration = 160.0 + 0.12 * prompt + 9.0 * completion + d.rng.uniform(0, 180)
    else:
        duration = 420.0 + 0.05 * (prompt - cached) + 0.006 * cached + 15.5 * completion + d.rng.uniform(-150, 450)
    properties = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "az.ai.openai",
        "gen_ai.response.model": snapshot,
        "gen_ai.usage.input_tokens": str(prompt),
        "gen_ai.usage.output_tokens": str(completion),
        "gen_ai.usage.cached_input_tokens": str(cached),
        "purpose": purpose,
        "server.address": OPENAI,
    }
    d.t.dependency(
        at,
        ASSISTANT,
        op,
        f"chat {deployment}",
        OPENAI,
        "GenAI | az.ai.openai",
        duration,
        "",
        True,
        Properties=properties,
        AppRoleInstance=instance,
        AppVersion=version,
    )
    d.usage[(instance, version, at.replace(second=0, microsecond=0), purpose)].append(tokens)
    return round(duration, 1)


def retrieval_search(d: Desk, at: datetime, op: str) -> tuple[float, int]:
    """retrieval-api's side of POST /v1/search; returns (duration, passages)."""
    t, rng = d.t, d.rng
    instance, version = RETRIEVAL_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    spent = t.ms(0.8, 2.5)
    embed = "POST /openai/deployments/embed-small/embeddings"
    if within(d.throttled, at) and rng.random() < 0.5:
        spent += t.dependency(
            after(at, spent), RETRIEVAL, op, embed, OPENAI, "HTTP", t.ms(18.0, 45.0), "429", False, **columns
        )
        embeddings_throttled(d, after(at, spent + 0.4), op, instance, version)
    else:
        spent += t.dependency(
            after(at, spent), RETRIEVAL, op, embed, OPENAI, "HTTP", t.ms(24.0, 95.0), "200", **columns
        )
    search = "POST /indexes('kb-passages')/docs/search.post.search"
    spent += t.dependency(after(at, spent), RETRIEVAL, op, search, SEARCH, "HTTP", t.ms(45.0, 170.0), "200", **columns)
    passages = 6 if version == "1.5.0" else 6 - (1 if rng.random() < 0.12 else 0)
    spent += t.ms(0.5, 2.0)
    t.request(at, RETRIEVAL, op, "POST /v1/search", "http://ca-retrieval-api/v1/search", "200", spent, **columns)
    return spent, passages


def embeddings_throttled(d: Desk, at: datetime, op: str, instance: str, version: str) -> None:
    tree = RETRIEVAL_TREES[version]
    frames = [
        frame(0, "_request", "openai", f"{SITE_PACKAGES}/openai/_base_client.py", 1059),
        frame(1, "request", "openai", f"{SITE_PACKAGES}/openai/_base_client.py", 999),
        frame(2, "post", "openai", f"{SITE_PACKAGES}/openai/_base_client.py", 1277),
        frame(3, "create", "openai", f"{SITE_PACKAGES}/openai/resources/embeddings.py", 128),
        frame(
            4,
            "embed",
            "retrieval",
            "/app/retrieval/embeddings.py",
            line_of(tree["retrieval/embeddings.py"], "response = _client.embeddings.create("),
        ),
    ]
    message = (
        "Error code: 429 - {'error': {'code': '429', 'message': 'Requests to the Embeddings_Create Operation under "
        "Azure OpenAI API version 2024-10-21 have exceeded call rate limit of your current AIServices S0 pricing tier. "
        "Please retry after 1 second.'}}"
    )
    d.t.exception(
        at,
        RETRIEVAL,
        op,
        "openai.RateLimitError",
        message,
        frames,
        "openai.RateLimitError at embed",
        SeverityLevel=2,
        Properties={"logger": "retrieval.embeddings", "message": "embeddings throttled, keyword search only"},
        AppRoleInstance=instance,
        AppVersion=version,
    )


def orders_timeout(d: Desk, at: datetime, op: str, instance: str, version: str) -> None:
    tree = ASSISTANT_TREES[version]
    httpx = f"{SITE_PACKAGES}/httpx"
    frames = [
        frame(0, "map_httpcore_exceptions", "httpx", f"{httpx}/_transports/default.py", 118),
        frame(1, "__exit__", "contextlib", "/usr/local/lib/python3.12/contextlib.py", 158),
        frame(2, "handle_request", "httpx", f"{httpx}/_transports/default.py", 249),
        frame(3, "_send_single_request", "httpx", f"{httpx}/_client.py", 1015),
        frame(4, "_send_handling_redirects", "httpx", f"{httpx}/_client.py", 979),
        frame(5, "_send_handling_auth", "httpx", f"{httpx}/_client.py", 942),
        frame(6, "send", "httpx", f"{httpx}/_client.py", 914),
        frame(7, "request", "httpx", f"{httpx}/_client.py", 827),
        frame(8, "get", "httpx", f"{httpx}/_client.py", 1053),
        frame(
            9,
            "get_order",
            "assistant",
            "/app/assistant/tools.py",
            line_of(tree["assistant/tools.py"], 'response = _orders.get(f"/v1/orders/{order_id}")'),
        ),
        frame(
            10,
            "run",
            "assistant",
            "/app/assistant/tools.py",
            line_of(tree["assistant/tools.py"], "return json.dumps(handler(**json.loads("),
        ),
    ]
    d.t.exception(
        at,
        ASSISTANT,
        op,
        "httpx.ReadTimeout",
        "The read operation timed out",
        frames,
        "httpx.ReadTimeout at get_order",
        SeverityLevel=2,
        Properties={"logger": "assistant.tools", "message": "tool get_order failed: The read operation timed out"},
        AppRoleInstance=instance,
        AppVersion=version,
    )


def draft_tokens(d: Desk, version: str, passages: int) -> tuple[int, int]:
    """(prompt tokens, cached tokens) of a draft's first gpt-4.1 call."""
    rng = d.rng
    ticket = min(2600, max(120, int(rng.lognormvariate(6.0, 0.55))))
    documents = sum(rng.randint(118, 196) for _ in range(passages))
    system = SYSTEM_TOKENS + (9 if version == "2.9.0" else 0)
    prompt = TOOLS_TOKENS + system + MESSAGE_OVERHEAD_TOKENS + CONTEXT_TOKENS + ticket + documents + 52
    hit = rng.random() < 0.95
    return prompt, cacheable(shared_prefix(version)) if hit else 0


def assistant_draft(d: Desk, at: datetime, op: str, ticket_id: str, orders_down: bool = False) -> float:
    t, rng = d.t, d.rng
    instance, version = ASSISTANT_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    spent = t.ms(1.0, 4.0)
    route_tokens = (rng.randint(148, 214), 0, rng.randint(2, 6))
    spent += llm_call(d, after(at, spent), op, instance, version, "route", route_tokens)
    took, passages = retrieval_search(d, after(at, spent + 1.0), op)
    spent += t.dependency(
        after(at, spent),
        ASSISTANT,
        op,
        "POST /v1/search",
        "ca-retrieval-api",
        "HTTP",
        took + t.ms(1.0, 3.0),
        "200",
        **columns,
    )
    prompt, cached = draft_tokens(d, version, passages)
    tool_round = orders_down or rng.random() < 0.12
    completion = rng.randint(38, 92) if tool_round else rng.randint(170, 520)
    spent += llm_call(d, after(at, spent), op, instance, version, "draft", (prompt, cached, completion))
    if tool_round:
        order = f"WG-2026-{rng.randint(100000, 199999):07d}"
        if orders_down or (within(d.orders_slow, at) and rng.random() < 0.5):
            spent += t.dependency(
                after(at, spent),
                ASSISTANT,
                op,
                f"GET /v1/orders/{order}",
                ORDERS,
                "HTTP",
                t.ms(2500.3, 2503.0),
                "",
                False,
                **columns,
            )
            orders_timeout(d, after(at, spent + 0.3), op, instance, version)
            result = rng.randint(22, 30)
        else:
            spent += t.dependency(
                after(at, spent),
                ASSISTANT,
                op,
                f"GET /v1/orders/{order}",
                ORDERS,
                "HTTP",
                t.ms(38.0, 180.0),
                "200",
                **columns,
            )
            result = rng.randint(160, 420)
        second = prompt + completion + 12 + result
        second_cached = cacheable(prompt) if rng.random() < 0.9 else cached
        spent += llm_call(
            d, after(at, spent), op, instance, version, "draft", (second, second_cached, rng.randint(170, 520))
        )
    intent = rng.choices(
        [
            "where-is-my-order",
            "return-request",
            "refund-status",
            "damaged-item",
            "product-question",
            "invoice-request",
            "complaint",
            "other",
        ],
        weights=[30, 18, 14, 9, 12, 6, 5, 6],
    )[0]
    request_id = f"{rng.getrandbits(48):012x}"
    message = f"draft {request_id} for ticket {ticket_id}: intent {intent}, {passages} passages"
    t.trace(after(at, spent), ASSISTANT, op, message, 1, Properties={"logger": "assistant.drafts"}, **columns)
    spent += t.ms(0.8, 3.0)
    t.request(at, ASSISTANT, op, "POST /v1/drafts", "http://ca-assistant-api/v1/drafts", "200", spent, **columns)
    return spent


def agent_asks_for_draft(d: Desk, at: datetime, orders_down: bool = False) -> None:
    t, rng = d.t, d.rng
    op = t.operation_id()
    instance, version = WEB_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    ticket = f"T-{rng.randint(480000, 499999)}"
    spent = t.ms(1.5, 5.0)
    spent += t.dependency(
        after(at, spent), WEB, op, f"GET /api/v2/tickets/{ticket}", DESK, "HTTP", t.ms(40.0, 160.0), "200", **columns
    )
    took = assistant_draft(d, after(at, spent + 2.0), op, ticket, orders_down) + t.ms(2.0, 6.0)
    spent += t.dependency(
        after(at, spent), WEB, op, "POST /v1/drafts", "ca-assistant-api", "HTTP", took, "200", **columns
    )
    url = f"https://desk-bff.woodgrove.example/api/tickets/{ticket}/draft"
    t.request(at, WEB, op, "POST /api/tickets/:id/draft", url, "200", spent + t.ms(1.0, 4.0), **columns)


def usage_metrics(d: Desk) -> None:
    """assistant/llm/usage.py, exported once a minute per replica and model."""
    for (instance, version, minute, purpose), calls in sorted(d.usage.items()):
        model, deployment, _ = MODELS[purpose]
        properties = {"gen_ai.request.model": model, "deployment": deployment, "purpose": purpose}
        for index, name in enumerate(("llm.tokens.prompt", "llm.tokens.prompt_cached", "llm.tokens.completion")):
            values = [float(call[index]) for call in calls]
            d.t.metric(
                minute + timedelta(seconds=60),
                ASSISTANT,
                name,
                values,
                Properties=properties,
                AppRoleInstance=instance,
                AppVersion=version,
            )


def startup_traces(t: Telemetry) -> None:
    for rollout, role in ((ASSISTANT_REPLICAS, ASSISTANT), (RETRIEVAL_REPLICAS, RETRIEVAL)):
        for instance, delay in zip(rollout.new, rollout.delays_s, strict=True):
            started = rollout.at + timedelta(seconds=delay - 12)
            for index, message in enumerate(
                (
                    "Started server process [1]",
                    "Application startup complete.",
                    "Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)",
                )
            ):
                t.trace(
                    started + timedelta(milliseconds=40 * index),
                    role,
                    "",
                    message,
                    1,
                    Properties={"logger": "uvicorn.error"},
                    AppRoleInstance=instance,
                    AppVersion=rollout.new_version,
                )


def build_telemetry(end: datetime, built: Built) -> Telemetry:
    """The rows up to `end`; stack frames point into the deployed code of the `built` repos."""
    ASSISTANT_TREES.update({"2.8.0": built.tree("assistant", "router"), "2.9.0": built.tree("assistant", "openai-172")})
    RETRIEVAL_TREES.update({"1.5.0": built.tree("retrieval", "throttle"), "1.6.0": built.tree("retrieval", "rerank")})
    t = Telemetry(random.Random(SEED))
    rng = t.rng
    throttled = [(utc("2026-04-07T06:34:10Z"), utc("2026-04-07T06:41:40Z"))] + spells(
        rng, TELEMETRY_START, end, 1.0, (50, 150)
    )
    orders_slow = [(utc("2026-04-07T06:41:00Z"), utc("2026-04-07T06:47:00Z"))] + spells(
        rng, TELEMETRY_START, end, 1.0, (120, 300)
    )
    d = Desk(t, throttled, orders_slow)
    agent_asks_for_draft(d, utc("2026-04-07T06:43:27.512Z"), orders_down=True)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: ramp(m, DESK_HOURS), 3.6):
        agent_asks_for_draft(d, at)
    usage_metrics(d)
    startup_traces(t)
    return t
