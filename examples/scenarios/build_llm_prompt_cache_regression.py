"""Build the `llm-prompt-cache-regression` example scenario, byte for byte the same on every run.

    python examples/scenarios/build_llm_prompt_cache_regression.py [OUTPUT_DIR]

The story, after the prompt-cache incident in Microsoft's account of building Azure SRE Agent: the
Woodgrove support desk drafts replies with `assistant-api` (Python), which routes each ticket with a
small model (gpt-4.1-nano), fetches knowledge-base passages from `retrieval-api` (Python) and drafts
with gpt-4.1; agents work in `support-web-bff` (TypeScript). 32 commits by six people over a month.

Azure OpenAI caches the longest prompt prefix it has seen recently, from 1,024 tokens in steps of 128.
assistant-api's requests start with ~2,350 tokens of tool definitions and a ~1,280-token system
prompt, so about 3,584 tokens of each ~5,000-token draft prompt are cached: a ~70 % hit rate on
gpt-4.1. Release 2.9.0 (production 09:30Z on 2026-04-07) carries #152, which puts "Current time ...
Request ..." at the top of the system prompt so the model sees the date first. The shared prefix now
ends after the tools, the cached part drops to 2,304 tokens and the hit rate to ~48 %; the Log Alerts
V2 rule on the cache hit rate fires. Meanwhile gpt-4.1-nano shows 0 % all day: a false alarm, its
~180-token routing prompts are below the 1,024-token minimum. The same release also rewords the
refund policy in the static prompt (a cold cache for a minute, no more), retrieval-api shipped 1.6.0
at 08:40Z (passage count unchanged), and there is recurring noise (embedding 429s, orders tool
timeouts).

Determinism: fixed authors, emails and dates, a clean git environment with one pack thread, a fixed
random seed, and sorted, fixed-format JSON (see _scenario_kit.py).
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
from _scenario_kit import (  # noqa: E402
    Azure,
    Commit,
    LogAlert,
    Rollout,
    Telemetry,
    after,
    arrivals,
    deployment,
    dump_json,
    dump_jsonl,
    edit,
    frame,
    iso,
    line_of,
    ramp,
    spells,
    telemetry_files,
    tree_at,
    utc,
    within,
    write_scenario,
)

NAME = "llm-prompt-cache-regression"
SEED = 20260407
TELEMETRY_START = utc("2026-04-07T06:30:00Z")
TELEMETRY_LIMIT = utc("2026-04-07T11:30:00Z")
RETRIEVAL_DEPLOY = utc("2026-04-07T08:40:00Z")
ASSISTANT_DEPLOY = utc("2026-04-07T09:30:00Z")
ALERT_EVALUATED = utc("2026-04-07T10:00:00Z")
INCIDENT = ALERT_EVALUATED + timedelta(minutes=5)
AZURE = Azure("d1b84f2a-7e63-4c05-9a1d-6f2e8b3c5a97", "rg-support-ai-prod", "swedencentral")

AMARA = ("Amara Obi", "amara.obi@woodgrove.example")
HENRIK = ("Henrik Larsen", "henrik.larsen@woodgrove.example")
PRIYANKA = ("Priyanka Iyer", "priyanka.iyer@woodgrove.example")
TOM = ("Tom Becker", "tom.becker@woodgrove.example")
CHLOE = ("Chloé Martin", "chloe.martin@woodgrove.example")
DIEGO = ("Diego Ramírez", "diego.ramirez@woodgrove.example")

MIN_CACHEABLE_TOKENS = 1024
CACHE_STEP_TOKENS = 128
TOOLS_TOKENS = 2352
SYSTEM_TOKENS = 1283
MESSAGE_OVERHEAD_TOKENS = 11
CONTEXT_TOKENS = 22

# ---------------------------------------------------------------------------------------------------
# assistant (Python): the prompt parts
# ---------------------------------------------------------------------------------------------------


def tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


def text(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


ORDER_ID = text(
    "Woodgrove order number as the customer wrote it, e.g. WG-2026-0148823. Strip spaces and '#'.",
    pattern="^WG-[0-9]{4}-[0-9]{7}$",
)
TOOLS = [
    tool(
        "get_order",
        "Look up one order: status, items with quantities and prices, payment method, delivery address (city and "
        "country only), and the dates it was placed, paid, shipped and delivered. Use it whenever the ticket names "
        "an order number or the customer asks where their order is, what they paid or what they ordered. Do not "
        "guess order details; if the order number is missing, ask the customer for it in the draft.",
        {"order_id": ORDER_ID},
        ["order_id"],
    ),
    tool(
        "get_shipment",
        "Tracking for the parcels of an order: carrier, tracking number, the latest scan with place and time, and "
        "the promised delivery window. An order can ship in several parcels; each has its own status. Use it for "
        "'where is my parcel' questions after get_order shows the order as shipped. A parcel without a scan for "
        "5 working days is considered lost: say so and offer a replacement or a refund, as the policy says.",
        {
            "order_id": ORDER_ID,
            "parcel": {
                "type": "integer",
                "minimum": 1,
                "description": "Parcel number, 1 for the first; omit for all parcels.",
            },
        },
        ["order_id"],
    ),
    tool(
        "get_customer",
        "The customer's account: name, preferred language, loyalty tier (none, silver, gold), marketing consent, "
        "and the number of orders, returns and open tickets in the last 12 months. Use the preferred language for "
        "the draft when it differs from the agent's. Never put the loyalty tier or counts in the reply itself.",
        {"email": text("Email address the ticket came from.", format="email")},
        ["email"],
    ),
    tool(
        "list_returns",
        "Returns opened for an order, with their reason code, status (requested, label-sent, in-transit, received, "
        "refunded, rejected) and, once received, the inspection result. Use it before promising a refund: a refund "
        "is only due once the return is received and passed inspection, except for lost parcels and damaged "
        "deliveries, where the policy allows refunding at once.",
        {"order_id": ORDER_ID},
        ["order_id"],
    ),
    tool(
        "create_return_label",
        "Create a prepaid return label for items of an order and email it to the customer. Only for orders "
        "delivered within the return window (30 days, 60 for gold customers) and items that are returnable "
        "(not hygiene products, not personalised items, not gift cards). The draft must tell the customer that the "
        "label is on its way and how to pack the items; the agent confirms before the label is really sent.",
        {
            "order_id": ORDER_ID,
            "items": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "sku": text("Item SKU from get_order."),
                        "quantity": {"type": "integer", "minimum": 1},
                    },
                    "required": ["sku", "quantity"],
                    "additionalProperties": False,
                },
            },
            "reason": text(
                "Why the customer returns it.",
                enum=["damaged", "wrong-item", "not-as-described", "changed-mind", "other"],
            ),
        },
        ["order_id", "items", "reason"],
    ),
    tool(
        "propose_refund",
        "Propose a refund for the agent to approve: the amount, the items or the delivery fee it covers, and the "
        "policy clause that allows it. Proposals above 150 EUR, or for customers with more than 3 refunds in 12 "
        "months, go to a team lead instead of the agent. Never tell the customer a refund is done: say it has been "
        "requested and when they can expect it (3-5 working days to the original payment method).",
        {
            "order_id": ORDER_ID,
            "amount": {"type": "number", "exclusiveMinimum": 0, "description": "Amount in the order's currency."},
            "covers": text("What the refund is for, in a few words, e.g. 'delivery fee' or '1 x SKU 44-2071'."),
            "clause": text("Policy clause, e.g. 'R4 damaged on arrival'."),
        },
        ["order_id", "amount", "covers", "clause"],
    ),
    tool(
        "search_help_center",
        "Search the public help center for an article to link in the reply (sizing guides, care instructions, "
        "delivery times per country, how to use a gift card). Returns titles, URLs and a one-line summary. Link at "
        "most two articles, and only ones that answer the customer's question; the knowledge-base passages in the "
        "prompt are for you, the help center links are for the customer.",
        {"query": text("A few words, in the customer's language.")},
        ["query"],
    ),
    tool(
        "escalate_to_human",
        "Hand the ticket to a specialist queue instead of drafting a full reply: legal threats, data protection "
        "requests (access, deletion), suspected fraud, safety issues with a product, press enquiries, or a customer "
        "who has written more than three times about the same problem. The draft then only acknowledges the "
        "message and says a specialist will answer within one working day.",
        {
            "queue": text(
                "Where it goes.", enum=["legal", "privacy", "fraud", "product-safety", "press", "complaints"]
            ),
            "summary": text("Two or three sentences for the specialist: what happened and what the customer wants."),
        },
        ["queue", "summary"],
    ),
    tool(
        "add_internal_note",
        "Add a note to the ticket that only agents see: what you looked up and why the draft says what it says, "
        "especially when the draft deviates from the usual answer or when tool results contradict the customer. "
        "Keep it factual and short. Do not repeat personal data the agent can already see on the ticket.",
        {"note": text("The note, at most 600 characters.", maxLength=600)},
        ["note"],
    ),
]
TOOLS_JSON = json.dumps(TOOLS, indent=2, ensure_ascii=False) + "\n"

SYSTEM_MD_V1 = """You draft replies for the Woodgrove customer support team. Woodgrove sells furniture, lighting,
textiles and kitchenware online in Germany, France, the Netherlands, Belgium, Austria and Ireland. An
agent reads every draft, edits it and sends it; you never talk to the customer directly.

# What a good draft looks like
- It answers the customer's actual question first, in one or two sentences, before any detail.
- It is short: most replies are 60 to 150 words. Use a list only for steps the customer has to follow.
- It is in the customer's language (German, French, Dutch or English) and uses the informal or formal
  form the customer used. When unsure, use the formal form.
- It is warm but not effusive. No "We are so sorry for any inconvenience this may have caused". One
  apology at most, and only when Woodgrove got something wrong.
- It signs off with the agent's first name, which the ticket gives you, and nothing else.
- It never invents facts. Order details, tracking, return status and refunds come from the tools; policy
  comes from the passages of the knowledge base in the prompt. If neither says it, the draft says the
  agent will check and come back, and you add an internal note saying what is missing.

# Orders and delivery
- Standard delivery is 3-5 working days in Germany, the Netherlands and Belgium, 4-6 elsewhere. Bulky
  items (sofas, wardrobes, beds) go by freight with a two-hour delivery slot the carrier agrees by phone.
- A parcel without a tracking scan for 5 working days is lost. Offer a replacement if the item is in
  stock, otherwise a refund; the customer chooses.
- Never promise a delivery date the tracking does not support.

# Returns
- Customers can return items within 30 days of delivery (60 days for gold customers), except hygiene
  products, personalised items and gift cards. Returns are free within the window.
- Offer a return label with create_return_label when the customer asks to return something eligible;
  tell them to pack the items in the original packaging if they still have it, any sturdy box otherwise.
- Outside the window, an agent may still accept a return as a gesture; say the agent will check.

# Refunds
- A refund goes back to the original payment method 3-5 working days after the return is received and
  passes inspection. Gift-card payments are refunded to a new gift card.
- Damaged on arrival (with a photo) and lost parcels are refunded without a return, once the agent
  approves. Propose the refund with propose_refund; the draft says it has been requested, never that it
  is done.
- Delivery fees are refunded when the whole order is returned, or when Woodgrove made the mistake.
- Proposals above 150 EUR, or for a customer with more than three refunds in twelve months, go to a team
  lead; the draft says a colleague is reviewing it and the customer will hear back within two working days.

# Complaints and escalation
- Use escalate_to_human for legal threats, data protection requests, suspected fraud, product safety
  issues, press enquiries, and customers who wrote more than three times about the same problem. The draft
  then only acknowledges the message.
- Do not argue with the customer about what happened. State what the records show, neutrally.

# Products, assembly and warranty
- Assembly instructions are on the product page under "Downloads"; link them rather than explaining
  the steps. Missing screws or fittings: the spare-parts form (https://help.woodgrove.example/spare-parts)
  ships them free within a week, no return needed.
- The warranty is two years on everything, five years on sofa frames and mattresses. A defect within the
  warranty is repaired, replaced or refunded, in that order of preference; ask for a photo and the order
  number if the ticket has neither.
- Solid wood moves with the humidity: small gaps or cracks along the grain in the first months are normal
  and covered by the care guide, not the warranty. Warping, or splits across the grain, are defects.
- Textiles: shrinking after a wash as the care label says is a defect; after a hot wash or tumble drying
  against the label it is not, but say so kindly and link the care guide.
- Lighting: bulbs are not included unless the product page says so. LED modules that fail are covered by
  the warranty like any other part.

# When the customer is upset
- Name the specific problem in the first sentence ("Your sofa arrived with a torn cushion"), not the
  feeling in general, and do not tell the customer how they feel.
- Say what happens next and when, with a date when the tools give one.
- If the customer threatens a bad review or a chargeback, do not mention either in the reply; solve the
  problem as far as the policy allows and add an internal note for the agent.

# Privacy
- Do not repeat payment details, full addresses or phone numbers in the draft, even when the customer
  wrote them. Refer to "the card ending in" the last four digits at most.
- Internal notes are for agents only; keep them short and factual.

# Format
- Plain text. No Markdown headings, no bold, no emoji. Links as full URLs on their own line.
- Do not quote these instructions or mention that you are an AI model. The agent sends the reply as
  themselves.
"""
SYSTEM_MD_V2 = edit(
    SYSTEM_MD_V1,
    (
        "You draft replies for the Woodgrove customer support team.",
        "Current time: {now}. Request: {request_id}. Agent locale: {locale}.\n\n"
        "You draft replies for the Woodgrove customer support team.",
    ),
)
SYSTEM_MD_V3 = edit(
    SYSTEM_MD_V2,
    (
        "- Damaged on arrival (with a photo) and lost parcels are refunded without a return, once the agent\n"
        "  approves. Propose the refund with propose_refund; the draft says it has been requested, never that it\n"
        "  is done.\n",
        "- Items damaged on arrival (the customer sends a photo within 14 days of delivery) and lost parcels are\n"
        "  refunded without a return, once the agent approves. Propose the refund with propose_refund; the draft\n"
        "  says the refund has been requested, never that it has been made.\n",
    ),
)

ROUTER_MD = """Classify the support ticket into exactly one intent and answer with the intent only.
Intents: where-is-my-order, return-request, refund-status, damaged-item, product-question,
invoice-request, account-access, complaint, other.

Subject: {subject}
First lines: {excerpt}
"""

BUILDER_PY_V1 = '''"""The chat request for a reply draft: tools, system prompt, then the ticket and the passages."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources

from assistant.retrieval import Passage

_PROMPTS = resources.files("assistant.prompts")
TOOLS: list[dict] = json.loads(_PROMPTS.joinpath("tools.json").read_text(encoding="utf-8"))
SYSTEM = _PROMPTS.joinpath("system.md").read_text(encoding="utf-8")


def draft_messages(ticket: dict, passages: list[Passage], now: datetime, request_id: str, locale: str) -> list[dict]:
    documents = "\\n\\n".join(f"<passage source=\\"{p.source}\\">\\n{p.text}\\n</passage>" for p in passages)
    user = (
        f"<context>request {request_id} at {now:%Y-%m-%d %H:%M} UTC, agent locale {locale}</context>\\n"
        f"<ticket>\\n{ticket['thread']}\\n</ticket>\\n<documents>\\n{documents}\\n</documents>\\n"
        f"Draft the reply for {ticket['agent_first_name']}."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
'''
BUILDER_PY_V2 = '''"""The chat request for a reply draft.

Azure OpenAI caches the longest prefix of a prompt it has seen in the last minutes (from 1,024 tokens,
in steps of 128) and bills cached tokens at a quarter of the price. The provider renders the tool
definitions first (~2,350 tokens), then the messages. So everything that is the same for every draft
comes first: tools, then the system prompt (~1,280 tokens); everything that changes per ticket or per
request (the context line, the ticket, the passages) comes after it, in the user message.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources

from assistant.retrieval import Passage

_PROMPTS = resources.files("assistant.prompts")
TOOLS: list[dict] = json.loads(_PROMPTS.joinpath("tools.json").read_text(encoding="utf-8"))
SYSTEM = _PROMPTS.joinpath("system.md").read_text(encoding="utf-8")


def draft_messages(ticket: dict, passages: list[Passage], now: datetime, request_id: str, locale: str) -> list[dict]:
    documents = "\\n\\n".join(f"<passage source=\\"{p.source}\\">\\n{p.text}\\n</passage>" for p in passages)
    user = (
        f"<ticket>\\n{ticket['thread']}\\n</ticket>\\n<documents>\\n{documents}\\n</documents>\\n"
        f"<context>request {request_id} at {now:%Y-%m-%d %H:%M} UTC, agent locale {locale}</context>\\n"
        f"Draft the reply for {ticket['agent_first_name']}."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
'''
BUILDER_PY_V3 = edit(
    BUILDER_PY_V2,
    (
        "        f\"<ticket>\\n{ticket['thread']}\\n</ticket>\\n<documents>\\n{documents}\\n</documents>\\n\"\n"
        '        f"<context>request {request_id} at {now:%Y-%m-%d %H:%M} UTC, agent locale {locale}</context>\\n"\n',
        "        f\"<ticket>\\n{ticket['thread']}\\n</ticket>\\n<documents>\\n{documents}\\n</documents>\\n\"\n"
        '        f"Answer in {locale} unless the customer wrote in another language.\\n"\n'
        '        f"<context>request {request_id} at {now:%Y-%m-%d %H:%M} UTC, agent locale {locale}</context>\\n"\n',
    ),
)
BUILDER_PY_V4 = edit(
    BUILDER_PY_V3,
    (
        '        f"<context>request {request_id} at {now:%Y-%m-%d %H:%M} UTC, agent locale {locale}</context>\\n"\n',
        "",
    ),
    (
        '    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]\n',
        '    # The date first: drafts said "yesterday" for week-old tickets when it came after the thread (#152).\n'
        '    system = SYSTEM.format(now=f"{now:%A %Y-%m-%d %H:%M} UTC", request_id=request_id, locale=locale)\n'
        '    return [{"role": "system", "content": system}, {"role": "user", "content": user}]\n',
    ),
)

ROUTER_PY = '''"""Which kind of ticket is it? A small model answers in one word, before the draft."""

from __future__ import annotations

from importlib import resources

from assistant.llm import client
from assistant.settings import settings

INTENTS = frozenset(
    {"where-is-my-order", "return-request", "refund-status", "damaged-item", "product-question",
     "invoice-request", "account-access", "complaint", "other"}
)
_PROMPT = resources.files("assistant.prompts").joinpath("router.md").read_text(encoding="utf-8")


def route(ticket: dict) -> str:
    prompt = _PROMPT.format(subject=ticket["subject"], excerpt=ticket["thread"][:300])
    messages = [{"role": "user", "content": prompt}]
    answer = client.complete(settings.router_deployment, messages, purpose="route", max_tokens=8)
    intent = answer.content.strip().lower()
    return intent if intent in INTENTS else "other"
'''
ROUTER_PY_V2 = edit(
    ROUTER_PY,
    (
        "    intent = answer.content.strip().lower()\n",
        '    intent = answer.content.strip().lower()\n    log.debug("intent %s for ticket %s", intent, ticket["id"])\n',
    ),
    ("from importlib import resources\n", "import logging\nfrom importlib import resources\n"),
    ("_PROMPT = ", "log = logging.getLogger(__name__)\n_PROMPT = "),
)

SETTINGS_PY_V1 = '''"""Settings from the environment (Container App settings)."""

from __future__ import annotations

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    azure_openai_endpoint: str = "https://oai-support-prod.openai.azure.com"
    api_version: str = "2024-10-21"
    draft_deployment: str = "gpt-41-drafts"
    """gpt-4.1 (2025-04-14)."""
    retrieval_url: str = "http://ca-retrieval-api"
    orders_url: str = "https://orders-api.internal.woodgrove.example"


settings = Settings()
'''
SETTINGS_PY_V2 = edit(
    SETTINGS_PY_V1,
    (
        '    """gpt-4.1 (2025-04-14)."""\n',
        '    """gpt-4.1 (2025-04-14)."""\n'
        '    router_deployment: str = "gpt-41-nano-router"\n'
        '    """gpt-4.1-nano (2025-04-14): intent routing, prompts of ~180 tokens."""\n',
    ),
)

CLIENT_PY_V1 = '''"""Chat completions on Azure OpenAI, each in a GenAI client span with its token usage."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai import AzureOpenAI
from opentelemetry import trace

from assistant.settings import settings

_tracer = trace.get_tracer(__name__)
_host = urlparse(settings.azure_openai_endpoint).hostname
_client = AzureOpenAI(
    azure_endpoint=settings.azure_openai_endpoint,
    api_version=settings.api_version,
    azure_ad_token_provider=get_bearer_token_provider(
        DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
    ),
    max_retries=2,
)


@dataclass(frozen=True)
class Answer:
    content: str
    tool_calls: list
    message: dict


def complete(
    deployment: str, messages: list[dict], *, purpose: str, tools: list[dict] | None = None, max_tokens: int = 800
) -> Answer:
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "az.ai.openai",
        "server.address": _host,
        "purpose": purpose,
    }
    with _tracer.start_as_current_span(f"chat {deployment}", kind=trace.SpanKind.CLIENT, attributes=attributes) as span:
        response = _client.chat.completions.create(
            model=deployment, messages=messages, tools=tools or None, max_tokens=max_tokens, temperature=0.3
        )
        span.set_attribute("gen_ai.response.model", response.model)
        span.set_attribute("gen_ai.usage.input_tokens", response.usage.prompt_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", response.usage.completion_tokens)
    choice = response.choices[0].message
    return Answer(choice.content or "", list(choice.tool_calls or []), choice.model_dump(exclude_none=True))
'''
CLIENT_PY_V2 = edit(
    CLIENT_PY_V1,
    (
        "from assistant.settings import settings\n",
        "from assistant.llm import usage\nfrom assistant.settings import settings\n",
    ),
    (
        '        span.set_attribute("gen_ai.usage.output_tokens", response.usage.completion_tokens)\n',
        '        span.set_attribute("gen_ai.usage.output_tokens", response.usage.completion_tokens)\n'
        "        details = response.usage.prompt_tokens_details\n"
        "        cached = details.cached_tokens if details and details.cached_tokens else 0\n"
        '        span.set_attribute("gen_ai.usage.cached_input_tokens", cached)\n'
        "    n = response.usage\n"
        "    usage.record(response.model, deployment, purpose, n.prompt_tokens, cached, n.completion_tokens)\n",
    ),
)

USAGE_PY = '''"""Token usage per model as metrics: the prompt-cache hit rate is cached / prompt.

Exported once a minute to Application Insights (AppMetrics): llm.tokens.prompt,
llm.tokens.prompt_cached and llm.tokens.completion, with the model, the deployment and the purpose
(route or draft) as dimensions.
"""

from __future__ import annotations

from opentelemetry import metrics

_meter = metrics.get_meter("assistant.llm")
_prompt = _meter.create_histogram("llm.tokens.prompt", unit="{token}")
_cached = _meter.create_histogram("llm.tokens.prompt_cached", unit="{token}")
_completion = _meter.create_histogram("llm.tokens.completion", unit="{token}")


def record(model: str, deployment: str, purpose: str, prompt: int, cached: int, completion: int) -> None:
    dimensions = {"gen_ai.request.model": _family(model), "deployment": deployment, "purpose": purpose}
    _prompt.record(prompt, dimensions)
    _cached.record(cached, dimensions)
    _completion.record(completion, dimensions)


def _family(model: str) -> str:
    """gpt-4.1-2025-04-14 -> gpt-4.1: dashboards group by model family, not snapshot."""
    return model.rsplit("-", 3)[0] if model.count("-") >= 3 and model[-10:-6].isdigit() else model
'''

RETRIEVAL_CLIENT_PY_V1 = '''"""Knowledge-base passages from retrieval-api."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from assistant.settings import settings

_client = httpx.Client(base_url=settings.retrieval_url, timeout=4.0)


@dataclass(frozen=True)
class Passage:
    source: str
    text: str


def passages_for(ticket: dict, top: int = 6) -> list[Passage]:
    query = ticket["subject"] + "\\n" + ticket["thread"][:1500]
    response = _client.post("/v1/search", json={"query": query, "top": top})
    response.raise_for_status()
    return [Passage(hit["source"], hit["text"]) for hit in response.json()["hits"]]
'''
RETRIEVAL_CLIENT_PY_V2 = edit(
    RETRIEVAL_CLIENT_PY_V1,
    (
        '    response = _client.post("/v1/search", json={"query": query, "top": top})\n',
        '    body = {"query": query, "top": top, "product": ticket.get("product")}\n'
        '    response = _client.post("/v1/search", json=body)\n',
    ),
)

TOOLS_PY_V1 = '''"""What the model\\'s tool calls run: lookups in orders-api, and proposals the agent confirms."""

from __future__ import annotations

import json
import logging

import httpx

from assistant.settings import settings

log = logging.getLogger(__name__)
_orders = httpx.Client(base_url=settings.orders_url, timeout=2.5)


def get_order(order_id: str) -> dict:
    response = _orders.get(f"/v1/orders/{order_id}")
    response.raise_for_status()
    return response.json()


def get_shipment(order_id: str, parcel: int | None = None) -> dict:
    response = _orders.get(f"/v1/orders/{order_id}/shipments", params={"parcel": parcel} if parcel else None)
    response.raise_for_status()
    return response.json()


HANDLERS = {"get_order": get_order, "get_shipment": get_shipment}


def run(call) -> str:
    """The result of one tool call as the JSON the model reads; a failed lookup is a result too."""
    handler = HANDLERS.get(call.function.name)
    if handler is None:
        return json.dumps({"error": f"{call.function.name} is not available; add an internal note instead"})
    try:
        return json.dumps(handler(**json.loads(call.function.arguments)))
    except httpx.HTTPError as e:
        log.warning("tool %s failed: %s", call.function.name, e, exc_info=True)
        return json.dumps({"error": "the lookup failed; tell the agent to check manually"})
'''
TOOLS_PY_V2 = edit(
    TOOLS_PY_V1,
    (
        'HANDLERS = {"get_order": get_order, "get_shipment": get_shipment}\n',
        "def escalate_to_human(queue: str, summary: str) -> dict:\n"
        '    """Recorded on the ticket by support-web when the agent accepts the draft."""\n'
        '    return {"queued": queue, "summary": summary}\n\n\n'
        'HANDLERS = {"get_order": get_order, "get_shipment": get_shipment, "escalate_to_human": escalate_to_human}\n',
    ),
)

DRAFTS_PY_V1 = '''"""A reply draft: passages from the knowledge base, then gpt-4.1 with tools, at most three rounds."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from assistant import tools
from assistant.llm import client
from assistant.prompts import builder
from assistant.retrieval import passages_for
from assistant.settings import settings

log = logging.getLogger(__name__)
MAX_ROUNDS = 3


def draft_reply(ticket: dict, locale: str) -> dict:
    request_id = uuid.uuid4().hex[:12]
    passages = passages_for(ticket)
    messages = builder.draft_messages(ticket, passages, datetime.now(UTC), request_id, locale)
    for _ in range(MAX_ROUNDS):
        answer = client.complete(settings.draft_deployment, messages, purpose="draft", tools=builder.TOOLS)
        if not answer.tool_calls:
            break
        messages.append(answer.message)
        for call in answer.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": tools.run(call)})
    log.info("draft %s for ticket %s (%d passages)", request_id, ticket["id"], len(passages))
    return {"id": request_id, "text": answer.content}
'''
DRAFTS_PY_V2 = edit(
    DRAFTS_PY_V1,
    ("from assistant import tools\n", "from assistant import router, tools\n"),
    (
        "    passages = passages_for(ticket)\n",
        "    intent = router.route(ticket)\n    passages = passages_for(ticket)\n",
    ),
    (
        '    log.info("draft %s for ticket %s (%d passages)", request_id, ticket["id"], len(passages))\n'
        '    return {"id": request_id, "text": answer.content}\n',
        '    log.info("draft %s for %s: intent %s, %d passages", request_id, ticket["id"], intent, len(passages))\n'
        '    return {"id": request_id, "intent": intent, "text": answer.content}\n',
    ),
)

APP_PY = '''"""assistant-api: POST /v1/drafts."""

from __future__ import annotations

from azure.monitor.opentelemetry import configure_azure_monitor
from fastapi import FastAPI
from pydantic import BaseModel

configure_azure_monitor()

from assistant.drafts import draft_reply  # noqa: E402  (after telemetry is configured)

app = FastAPI(title="assistant-api")


class DraftRequest(BaseModel):
    ticket: dict
    locale: str = "en-IE"


@app.post("/v1/drafts")
def create_draft(request: DraftRequest) -> dict:
    return draft_reply(request.ticket, request.locale)
'''

ASSISTANT_PYPROJECT_V1 = """[project]
name = "assistant"
version = "2.5.0"
requires-python = ">=3.12"
dependencies = [
  "azure-identity>=1.17",
  "azure-monitor-opentelemetry>=1.6",
  "fastapi>=0.110",
  "httpx>=0.27",
  "openai>=1.63,<1.64",
  "pydantic-settings>=2.3",
  "uvicorn>=0.30",
]

[project.optional-dependencies]
dev = ["pytest>=8"]

[tool.setuptools.package-data]
"assistant.prompts" = ["*.md", "*.json"]
"""
ASSISTANT_PYPROJECT_V2 = edit(ASSISTANT_PYPROJECT_V1, ('"openai>=1.63,<1.64"', '"openai>=1.68,<1.69"'))
ASSISTANT_PYPROJECT_V3 = edit(ASSISTANT_PYPROJECT_V2, ('"openai>=1.68,<1.69"', '"openai>=1.72,<1.73"'))

PYTHON_DOCKERFILE = """FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
CMD ["uvicorn", "APP", "--host", "0.0.0.0", "--port", "8080"]
"""

ASSISTANT_README_V1 = """# assistant

assistant-api drafts replies to support tickets for the Woodgrove support desk: it fetches passages
from the knowledge base (retrieval-api), then asks gpt-4.1 on Azure OpenAI (`oai-support-prod`,
deployment `gpt-41-drafts`) for a draft, with tools to look orders and shipments up.

Container App `ca-assistant-api`, Application Insights role `assistant-api`.

    pip install -e '.[dev]' && pytest
"""
ASSISTANT_README_V2 = (
    ASSISTANT_README_V1
    + """
## Prompt caching

Azure OpenAI caches prompt prefixes of 1,024 tokens or more (in steps of 128) for a few minutes and
bills cached tokens at a quarter of the price. Our draft prompts share ~3,600 tokens (tools and
system prompt), so about 70 % of gpt-4.1's prompt tokens should be cached; the `llm.tokens.*`
metrics show it per model (dashboard "LLM usage"). Keep anything that varies per request out of the
tools and the system prompt.
"""
)

TEST_BUILDER_PY_V1 = """from datetime import UTC, datetime

from assistant.prompts import builder
from assistant.retrieval import Passage

TICKET = {
    "id": "T-1",
    "subject": "Where is my sofa?",
    "thread": "Hello, my order WG-2026-0148823 ...",
    "agent_first_name": "Lena",
}


def test_the_system_prompt_is_the_same_for_every_draft() -> None:
    first = builder.draft_messages(TICKET, [], datetime(2026, 3, 1, tzinfo=UTC), "r1", "de-DE")
    second = builder.draft_messages(TICKET, [], datetime(2026, 3, 2, tzinfo=UTC), "r2", "fr-FR")
    assert first[0] == second[0]


def test_passages_are_in_the_user_message() -> None:
    passages = [Passage("kb/returns.md", "30 days")]
    messages = builder.draft_messages(TICKET, passages, datetime(2026, 3, 1, tzinfo=UTC), "r1", "de-DE")
    assert "30 days" in messages[1]["content"]
"""
TEST_BUILDER_PY_V2 = edit(
    TEST_BUILDER_PY_V1,
    (
        "def test_the_system_prompt_is_the_same_for_every_draft() -> None:\n"
        '    first = builder.draft_messages(TICKET, [], datetime(2026, 3, 1, tzinfo=UTC), "r1", "de-DE")\n'
        '    second = builder.draft_messages(TICKET, [], datetime(2026, 3, 2, tzinfo=UTC), "r2", "fr-FR")\n'
        "    assert first[0] == second[0]\n",
        "def test_the_system_prompt_starts_with_the_date() -> None:\n"
        '    messages = builder.draft_messages(TICKET, [], datetime(2026, 4, 1, 9, 30, tzinfo=UTC), "r1", "de-DE")\n'
        '    assert messages[0]["content"].startswith("Current time: Wednesday 2026-04-01 09:30 UTC.")\n',
    ),
)

TEST_ROUTER_PY = """from assistant import router


def test_an_unknown_answer_is_other(monkeypatch) -> None:
    class Answer:
        content = "Refund!"

    monkeypatch.setattr(router.client, "complete", lambda *a, **k: Answer())
    assert router.route({"subject": "x", "thread": "y"}) == "other"
"""

CI_YML = """name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e '.[dev]' && pytest -q
"""

APP = "assistant"
ASSISTANT_COMMITS = [
    Commit(
        "init",
        AMARA,
        "2026-03-09T10:12:31+00:00",
        "assistant-api: reply drafts with gpt-4.1 and knowledge-base passages",
        "",
        {
            ".gitignore": "__pycache__/\n.venv/\n*.egg-info/\n",
            "README.md": ASSISTANT_README_V1,
            "Dockerfile": PYTHON_DOCKERFILE.replace("APP", "assistant.app:app"),
            "pyproject.toml": ASSISTANT_PYPROJECT_V1,
            f"{APP}/__init__.py": '"""Reply drafts for the support desk."""\n',
            f"{APP}/app.py": APP_PY,
            f"{APP}/settings.py": SETTINGS_PY_V1,
            f"{APP}/drafts.py": DRAFTS_PY_V1,
            f"{APP}/retrieval.py": RETRIEVAL_CLIENT_PY_V1,
            f"{APP}/llm/__init__.py": "",
            f"{APP}/llm/client.py": CLIENT_PY_V1,
            f"{APP}/prompts/__init__.py": "",
            f"{APP}/prompts/builder.py": BUILDER_PY_V1,
            f"{APP}/prompts/system.md": SYSTEM_MD_V1,
            f"{APP}/prompts/tools.json": json.dumps(TOOLS[:2], indent=2, ensure_ascii=False) + "\n",
            f"{APP}/tools.py": TOOLS_PY_V1,
            "tests/test_builder.py": TEST_BUILDER_PY_V1,
        },
    ),
    Commit("ci", TOM, "2026-03-10T09:03:44+01:00", "ci: tests on every push", "", {".github/workflows/ci.yml": CI_YML}),
    Commit(
        "tools",
        PRIYANKA,
        "2026-03-11T16:27:05+05:30",
        "tools: the full tool set for drafts (#131)",
        "Customer, returns, return labels, refund proposals, help center search and internal notes, with\n"
        "the descriptions support leads wrote. Only the lookups run here; proposals are confirmed in\n"
        "support-web.",
        {
            f"{APP}/prompts/tools.json": json.dumps(
                [t for t in TOOLS if t["function"]["name"] != "escalate_to_human"], indent=2, ensure_ascii=False
            )
            + "\n"
        },
    ),
    Commit(
        "usage",
        AMARA,
        "2026-03-13T11:45:19+00:00",
        "llm: token usage metrics per model, cached prompt tokens included (#133)",
        "",
        {f"{APP}/llm/usage.py": USAGE_PY, f"{APP}/llm/client.py": CLIENT_PY_V2},
        tag="v2.6.0",
    ),
    Commit(
        "cache-order",
        HENRIK,
        "2026-03-17T14:32:50+01:00",
        "prompts: static parts first, request context last, for prompt caching (#137)",
        "The context line (request id and time) sat at the top of the user message, and the system\n"
        "prompt came after a per-ticket preamble: gpt-4.1 cached 41 % of prompt tokens. With tools and\n"
        "system prompt first and everything per-request after them it is 70 % (staging, 200 drafts).",
        {f"{APP}/prompts/builder.py": BUILDER_PY_V2, "README.md": ASSISTANT_README_V2},
    ),
    Commit(
        "locale",
        PRIYANKA,
        "2026-03-19T12:08:13+05:30",
        "drafts: answer in the agent's locale unless the customer wrote in another language (#139)",
        "",
        {f"{APP}/prompts/builder.py": BUILDER_PY_V3},
        tag="v2.7.0",
    ),
    Commit(
        "builder-tests",
        TOM,
        "2026-03-20T10:55:02+01:00",
        "tests: the system prompt does not change between drafts",
        "",
        {
            "tests/test_builder.py": TEST_BUILDER_PY_V1.replace(
                "first[0] == second[0]", 'first[0] == second[0]\n    assert first[0]["content"] == builder.SYSTEM'
            )
        },
    ),
    Commit(
        "openai-168",
        TOM,
        "2026-03-24T09:14:37+01:00",
        "deps: openai 1.68",
        "",
        {"pyproject.toml": ASSISTANT_PYPROJECT_V2},
    ),
    Commit(
        "escalate",
        PRIYANKA,
        "2026-03-26T15:40:21+05:30",
        "tools: escalate_to_human and the escalation rules (#143)",
        "",
        {f"{APP}/prompts/tools.json": TOOLS_JSON, f"{APP}/tools.py": TOOLS_PY_V2},
    ),
    Commit(
        "product-filter",
        AMARA,
        "2026-03-27T11:02:58+00:00",
        "retrieval: pass the ticket's product so passages are about it (#144)",
        "",
        {f"{APP}/retrieval.py": RETRIEVAL_CLIENT_PY_V2},
    ),
    Commit(
        "router",
        HENRIK,
        "2026-03-31T10:21:09+02:00",
        "router: classify the ticket with gpt-4.1-nano before drafting (#146)",
        "Support leads want drafts grouped by intent. A one-word answer from gpt-4.1-nano costs a few\n"
        "hundredths of a cent; the prompt is ~180 tokens.",
        {
            f"{APP}/router.py": ROUTER_PY,
            f"{APP}/prompts/router.md": ROUTER_MD,
            f"{APP}/settings.py": SETTINGS_PY_V2,
            f"{APP}/drafts.py": DRAFTS_PY_V2,
            "tests/test_router.py": TEST_ROUTER_PY,
        },
        tag="v2.8.0",
    ),
    Commit(
        "date-first",
        TOM,
        "2026-04-01T16:47:25+02:00",
        "prompts: give the model the date and request id up front (#152)",
        'Drafts said "yesterday" about tickets from last week: the date came after the whole thread and\n'
        "the passages, 4-5k tokens in. Put the current time, the request id and the agent's locale on the\n"
        "first line of the system prompt instead.",
        {
            f"{APP}/prompts/system.md": SYSTEM_MD_V2,
            f"{APP}/prompts/builder.py": BUILDER_PY_V4,
            "tests/test_builder.py": TEST_BUILDER_PY_V2,
        },
    ),
    Commit(
        "refund-wording",
        PRIYANKA,
        "2026-04-02T13:15:48+05:30",
        "prompts: refund policy wording from legal (#155)",
        'Damaged items: photo within 14 days of delivery. "Refund requested", never "refund made".',
        {f"{APP}/prompts/system.md": SYSTEM_MD_V3},
    ),
    Commit(
        "openai-172",
        TOM,
        "2026-04-03T09:30:12+02:00",
        "deps: openai 1.72",
        "",
        {"pyproject.toml": ASSISTANT_PYPROJECT_V3},
        tag="v2.9.0",
    ),
    Commit(
        "router-log",
        HENRIK,
        "2026-04-07T08:10:33+02:00",
        "router: log the chosen intent at debug level",
        "",
        {f"{APP}/router.py": ROUTER_PY_V2},
    ),
]

# ---------------------------------------------------------------------------------------------------
# retrieval (Python)
# ---------------------------------------------------------------------------------------------------

RETRIEVAL_README = """# retrieval

retrieval-api returns knowledge-base passages for a support ticket: it embeds the query with
Azure OpenAI (`embed-small`, text-embedding-3-small) and runs a hybrid query (vector + keyword, then
the semantic ranker) on Azure AI Search (`srch-support-prod`, index `kb-passages`).

Container App `ca-retrieval-api`, Application Insights role `retrieval-api`.
"""

RETRIEVAL_PYPROJECT_V1 = """[project]
name = "retrieval"
version = "1.3.0"
requires-python = ">=3.12"
dependencies = [
  "azure-identity>=1.17",
  "azure-monitor-opentelemetry>=1.6",
  "azure-search-documents>=11.4,<11.5",
  "fastapi>=0.110",
  "openai>=1.63",
  "uvicorn>=0.30",
]
"""
RETRIEVAL_PYPROJECT_V2 = edit(
    RETRIEVAL_PYPROJECT_V1, ('"azure-search-documents>=11.4,<11.5"', '"azure-search-documents>=11.5.2,<11.6"')
)

EMBEDDINGS_PY_V1 = '''"""Query embeddings on Azure OpenAI."""

from __future__ import annotations

import os

from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai import AzureOpenAI

DEPLOYMENT = os.environ.get("EMBEDDINGS_DEPLOYMENT", "embed-ada")
_client = AzureOpenAI(
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    api_version="2024-10-21",
    azure_ad_token_provider=get_bearer_token_provider(
        DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
    ),
)


def embed(text: str) -> list[float]:
    response = _client.embeddings.create(model=DEPLOYMENT, input=text[:8000])
    return response.data[0].embedding
'''
EMBEDDINGS_PY_V2 = edit(
    EMBEDDINGS_PY_V1,
    ('os.environ.get("EMBEDDINGS_DEPLOYMENT", "embed-ada")', 'os.environ.get("EMBEDDINGS_DEPLOYMENT", "embed-small")'),
)
EMBEDDINGS_PY_V3 = '''"""Query embeddings on Azure OpenAI; none when throttled, and the search is keyword-only."""

from __future__ import annotations

import logging
import os

import openai
from azure.identity import DefaultAzureCredential, get_bearer_token_provider
from openai import AzureOpenAI

log = logging.getLogger(__name__)
DEPLOYMENT = os.environ.get("EMBEDDINGS_DEPLOYMENT", "embed-small")
_client = AzureOpenAI(
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    api_version="2024-10-21",
    azure_ad_token_provider=get_bearer_token_provider(
        DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
    ),
    max_retries=0,
)


def embed(text: str) -> list[float] | None:
    """The embedding of `text`, or None when Azure OpenAI answers 429: waiting would cost the draft more."""
    try:
        response = _client.embeddings.create(model=DEPLOYMENT, input=text[:8000])
    except openai.RateLimitError:
        log.warning("embeddings throttled, keyword search only", exc_info=True)
        return None
    return response.data[0].embedding
'''

SEARCH_PY_V1 = '''"""Knowledge-base passages from Azure AI Search."""

from __future__ import annotations

import os

from azure.identity import DefaultAzureCredential
from azure.search.documents import SearchClient
from azure.search.documents.models import VectorizedQuery

from retrieval import embeddings

_index = SearchClient(os.environ["SEARCH_ENDPOINT"], "kb-passages", DefaultAzureCredential())


def search(query: str, top: int = 6) -> list[dict]:
    vector = VectorizedQuery(vector=embeddings.embed(query), k_nearest_neighbors=top, fields="embedding")
    hits = _index.search(search_text=None, vector_queries=[vector], top=top, select=["source", "text"])
    return [{"source": h["source"], "text": h["text"]} for h in hits]
'''
SEARCH_PY_V2 = '''"""Knowledge-base passages from Azure AI Search: hybrid query, then the semantic ranker."""

from __future__ import annotations

import os

from azure.identity import DefaultAzureCredential
from azure.search.documents import SearchClient
from azure.search.documents.models import VectorizedQuery

from retrieval import embeddings

_index = SearchClient(os.environ["SEARCH_ENDPOINT"], "kb-passages", DefaultAzureCredential())


def search(query: str, top: int = 6) -> list[dict]:
    vector = embeddings.embed(query)
    vector_queries = [VectorizedQuery(vector=vector, k_nearest_neighbors=50, fields="embedding")] if vector else None
    hits = _index.search(
        search_text=query,
        vector_queries=vector_queries,
        query_type="semantic",
        semantic_configuration_name="kb",
        top=top,
        select=["source", "text"],
    )
    return [{"source": h["source"], "text": h["text"], "score": h["@search.reranker_score"]} for h in hits]
'''
SEARCH_PY_V3 = edit(
    SEARCH_PY_V2,
    (
        "def search(query: str, top: int = 6) -> list[dict]:\n",
        "def search(query: str, top: int = 6, product: str | None = None) -> list[dict]:\n",
    ),
    (
        "        top=top,\n",
        "        top=top,\n        filter=f\"products/any(p: p eq '{product}')\" if product else None,\n",
    ),
)
SEARCH_PY_V4 = edit(
    SEARCH_PY_V3,
    (
        '    return [{"source": h["source"], "text": h["text"], "score": h["@search.reranker_score"]} for h in hits]\n',
        "    # Passages the semantic ranker scores below 1.5 (of 4) were off-topic in 9 of 10 reviewed drafts (#25).\n"
        "    return [\n"
        '        {"source": h["source"], "text": h["text"], "score": h["@search.reranker_score"]}\n'
        "        for h in hits\n"
        '        if h["@search.reranker_score"] >= MIN_RERANKER_SCORE\n'
        "    ]\n",
    ),
    ("from retrieval import embeddings\n", "from retrieval import embeddings\n\nMIN_RERANKER_SCORE = 1.5\n"),
)

RETRIEVAL_APP_V1 = '''"""retrieval-api: POST /v1/search."""

from __future__ import annotations

from azure.monitor.opentelemetry import configure_azure_monitor
from fastapi import FastAPI
from pydantic import BaseModel

configure_azure_monitor()

from retrieval import search  # noqa: E402

app = FastAPI(title="retrieval-api")


class SearchRequest(BaseModel):
    query: str
    top: int = 6


@app.post("/v1/search")
def search_endpoint(request: SearchRequest) -> dict:
    return {"hits": search.search(request.query, request.top)}
'''
RETRIEVAL_APP_V2 = edit(
    RETRIEVAL_APP_V1,
    ("    top: int = 6\n", "    top: int = 6\n    product: str | None = None\n"),
    (
        '    return {"hits": search.search(request.query, request.top)}\n',
        '    return {"hits": search.search(request.query, request.top, request.product)}\n',
    ),
)

RETRIEVAL_TEST = """from retrieval import search


def test_off_topic_passages_are_dropped(monkeypatch) -> None:
    hits = [
        {"source": "a", "text": "x", "@search.reranker_score": 2.1},
        {"source": "b", "text": "y", "@search.reranker_score": 0.9},
    ]
    monkeypatch.setattr(search.embeddings, "embed", lambda q: None)
    monkeypatch.setattr(search._index, "search", lambda **kw: hits)
    assert [h["source"] for h in search.search("sofa")] == ["a"]
"""

INDEX_DOC = """# Index `kb-passages`

| field | type | notes |
| --- | --- | --- |
| `id` | string (key) | article id + passage number |
| `source` | string | article path in the knowledge base, e.g. `kb/returns/window.md` |
| `text` | string, searchable | the passage, 120-200 tokens |
| `products` | collection(string), filterable | product families the article is about |
| `embedding` | collection(single), 1536 dimensions | text-embedding-3-small |

Semantic configuration `kb`: title `source`, content `text`.
"""

RETRIEVAL_COMMITS = [
    Commit(
        "init",
        HENRIK,
        "2026-03-09T13:40:06+01:00",
        "retrieval-api: vector search over the knowledge base",
        "",
        {
            ".gitignore": "__pycache__/\n.venv/\n",
            "README.md": RETRIEVAL_README,
            "pyproject.toml": RETRIEVAL_PYPROJECT_V1,
            "Dockerfile": PYTHON_DOCKERFILE.replace("APP", "retrieval.app:app"),
            "retrieval/__init__.py": '"""Knowledge-base passages for support tickets."""\n',
            "retrieval/app.py": RETRIEVAL_APP_V1,
            "retrieval/embeddings.py": EMBEDDINGS_PY_V1,
            "retrieval/search.py": SEARCH_PY_V1,
        },
    ),
    Commit(
        "embed-small",
        DIEGO,
        "2026-03-12T09:22:41-06:00",
        "embeddings: text-embedding-3-small instead of ada-002 (index rebuilt)",
        "",
        {"retrieval/embeddings.py": EMBEDDINGS_PY_V2},
    ),
    Commit(
        "hybrid",
        HENRIK,
        "2026-03-16T11:10:27+01:00",
        "search: hybrid query (vector + keyword) with the semantic ranker",
        "Recall on the 120 labelled tickets: 0.71 -> 0.86.",
        {"retrieval/search.py": SEARCH_PY_V2},
        tag="v1.4.0",
    ),
    Commit(
        "throttle",
        DIEGO,
        "2026-03-19T16:05:50-06:00",
        "embeddings: on 429 search by keyword only instead of failing",
        "embed-small has 350k tokens per minute; the morning peak hits it in bursts. Waiting for the\n"
        "retry-after made drafts slower than a keyword-only search makes them worse.",
        {"retrieval/embeddings.py": EMBEDDINGS_PY_V3},
        tag="v1.5.0",
    ),
    Commit(
        "product",
        HENRIK,
        "2026-03-27T14:48:19+01:00",
        "search: filter passages by product family (#22)",
        "",
        {"retrieval/search.py": SEARCH_PY_V3, "retrieval/app.py": RETRIEVAL_APP_V2},
    ),
    Commit(
        "search-sdk",
        DIEGO,
        "2026-04-01T10:31:08-06:00",
        "deps: azure-search-documents 11.5.2",
        "",
        {"pyproject.toml": RETRIEVAL_PYPROJECT_V2},
    ),
    Commit(
        "rerank",
        HENRIK,
        "2026-04-03T15:26:44+02:00",
        "search: drop passages the semantic ranker scores below 1.5 (#25)",
        "Rarely drops more than one of six.",
        {"retrieval/search.py": SEARCH_PY_V4, "tests/test_search.py": RETRIEVAL_TEST},
        tag="v1.6.0",
    ),
    Commit(
        "index-doc", DIEGO, "2026-04-06T12:14:55-06:00", "docs: the kb-passages index", "", {"docs/index.md": INDEX_DOC}
    ),
]

# ---------------------------------------------------------------------------------------------------
# support-web (TypeScript)
# ---------------------------------------------------------------------------------------------------

WEB_PACKAGE_V1 = """{
  "name": "support-web-bff",
  "version": "3.1.0",
  "private": true,
  "scripts": {
    "build": "tsc -p .",
    "start": "node dist/server.js",
    "test": "node --test dist/test"
  },
  "dependencies": {
    "applicationinsights": "^3.1.0",
    "express": "^4.18.3",
    "jose": "^5.2.3"
  },
  "devDependencies": {
    "@types/express": "^4.17.21",
    "typescript": "^5.4.2"
  }
}
"""
WEB_PACKAGE_V2 = edit(WEB_PACKAGE_V1, ('"express": "^4.18.3"', '"express": "^4.19.2"'))
WEB_TSCONFIG = """{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "outDir": "dist",
    "strict": true,
    "sourceMap": true
  },
  "include": ["src", "test"]
}
"""
WEB_DOCKERFILE = """FROM node:20-alpine
WORKDIR /app
COPY . .
RUN npm ci && npm run build
CMD ["node", "dist/server.js"]
"""
WEB_README = """# support-web

Backend for the agents' desk (support-web): tickets from the help desk, sign-in with Entra ID, and
reply drafts from assistant-api. Container App `ca-support-web-bff`, Application Insights role
`support-web-bff`.
"""
WEB_SERVER_V1 = """import { useAzureMonitor } from "applicationinsights";
useAzureMonitor();

import express from "express";
import { tickets } from "./routes/tickets.js";

const app = express();
app.use(express.json());
app.use("/api/tickets", tickets);
app.listen(8080);
"""
WEB_SERVER_V2 = edit(
    WEB_SERVER_V1,
    (
        'import { tickets } from "./routes/tickets.js";\n',
        'import { requireAgent } from "./auth.js";\nimport { tickets } from "./routes/tickets.js";\n',
    ),
    ('app.use("/api/tickets", tickets);\n', 'app.use("/api/tickets", requireAgent, tickets);\n'),
)
WEB_AUTH = """import type { NextFunction, Request, Response } from "express";
import { createRemoteJWKSet, jwtVerify } from "jose";

const jwks = createRemoteJWKSet(new URL(`https://login.microsoftonline.com/${process.env.TENANT_ID}/discovery/v2.0/keys`));

/** Only signed-in agents (Entra ID group "Support agents") get through. */
export async function requireAgent(req: Request, res: Response, next: NextFunction) {
  try {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    const { payload } = await jwtVerify(token, jwks, { audience: process.env.API_AUDIENCE });
    res.locals.agent = { name: String(payload.name ?? ""), locale: String(payload.xms_pl ?? "en-IE") };
    next();
  } catch {
    res.status(401).json({ error: "sign in again" });
  }
}
"""
WEB_TICKETS_V1 = """import { Router } from "express";

const desk = process.env.DESK_URL ?? "https://desk.woodgrove.example";
export const tickets = Router();

tickets.get("/", async (_req, res) => {
  const response = await fetch(`${desk}/api/v2/tickets?status=open`, {
    headers: { authorization: `Bearer ${process.env.DESK_TOKEN}` },
  });
  res.status(response.status).json(await response.json());
});
"""
WEB_TICKETS_V2 = (
    WEB_TICKETS_V1
    + """
tickets.post("/:id/draft", async (req, res) => {
  const headers = { authorization: `Bearer ${process.env.DESK_TOKEN}` };
  const ticket = await (await fetch(`${desk}/api/v2/tickets/${req.params.id}`, { headers })).json();
  const draft = await fetch(`${process.env.ASSISTANT_URL}/v1/drafts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ticket }),
  });
  res.status(draft.status).json(await draft.json());
});
"""
)
WEB_TICKETS_V3 = edit(
    WEB_TICKETS_V2,
    (
        "    body: JSON.stringify({ ticket }),\n  });\n",
        "    body: JSON.stringify({ ticket }),\n"
        "    signal: AbortSignal.timeout(20_000),\n"
        "  }).catch(() => null);\n"
        "  if (!draft) {\n"
        "    return res.status(200).json({ unavailable: true });\n"
        "  }\n",
    ),
)
WEB_TICKETS_V4 = edit(
    WEB_TICKETS_V3,
    (
        "    body: JSON.stringify({ ticket }),\n",
        "    body: JSON.stringify({ ticket, locale: res.locals.agent.locale }),\n",
    ),
)
WEB_TICKETS_V5 = edit(
    WEB_TICKETS_V4,
    (
        'tickets.post("/:id/draft", async (req, res) => {\n',
        '// "Regenerate" in the editor posts here again with regenerate=1 (#61).\n'
        'tickets.post("/:id/draft", async (req, res) => {\n',
    ),
)
WEB_TICKETS_V6 = (
    WEB_TICKETS_V5
    + """
/** What the agent did with a draft: accepted as is, edited, or discarded (#63). */
tickets.post("/:id/draft/:draftId/outcome", (req, res) => {
  const properties = { draft: req.params.draftId, outcome: req.body.outcome };
  defaultClient.trackEvent({ name: "draft-outcome", properties });
  res.status(204).end();
});
"""
)
WEB_TICKETS_V6 = 'import { defaultClient } from "applicationinsights";\n' + WEB_TICKETS_V6
WEB_SHORTCUTS = """/** Keyboard shortcuts the desk sends with each action, for the usage report. */
export const SHORTCUTS = { accept: "mod+enter", regenerate: "mod+shift+r", discard: "mod+backspace" } as const;
"""
WEB_TEST = """import assert from "node:assert/strict";
import { test } from "node:test";

test("the draft endpoint answers unavailable instead of failing", async () => {
  assert.ok(true);
});
"""

WEB_COMMITS = [
    Commit(
        "init",
        CHLOE,
        "2026-03-05T10:44:13+01:00",
        "support-web-bff: open tickets from the help desk",
        "",
        {
            ".gitignore": "node_modules/\ndist/\n",
            "README.md": WEB_README,
            "package.json": WEB_PACKAGE_V1,
            "tsconfig.json": WEB_TSCONFIG,
            "Dockerfile": WEB_DOCKERFILE,
            "src/server.ts": WEB_SERVER_V1,
            "src/routes/tickets.ts": WEB_TICKETS_V1,
        },
    ),
    Commit(
        "auth",
        DIEGO,
        "2026-03-10T12:30:48-06:00",
        "auth: Entra ID sign-in for agents",
        "",
        {"src/auth.ts": WEB_AUTH, "src/server.ts": WEB_SERVER_V2},
    ),
    Commit(
        "drafts",
        CHLOE,
        "2026-03-12T15:18:02+01:00",
        "drafts: POST /api/tickets/:id/draft asks assistant-api",
        "",
        {"src/routes/tickets.ts": WEB_TICKETS_V2},
        tag="v3.2.0",
    ),
    Commit(
        "draft-timeout",
        CHLOE,
        "2026-03-18T09:52:36+01:00",
        "drafts: 20 s timeout, 'draft unavailable' instead of an error page",
        "",
        {"src/routes/tickets.ts": WEB_TICKETS_V3, "test/drafts.test.ts": WEB_TEST},
    ),
    Commit(
        "express",
        DIEGO,
        "2026-03-23T17:07:19-06:00",
        "deps: express 4.19.2",
        "",
        {"package.json": WEB_PACKAGE_V2},
        tag="v3.3.0",
    ),
    Commit(
        "locale",
        CHLOE,
        "2026-03-30T11:25:44+02:00",
        "drafts: send the agent's locale",
        "",
        {"src/routes/tickets.ts": WEB_TICKETS_V4},
    ),
    Commit(
        "regenerate",
        DIEGO,
        "2026-04-02T10:03:27-06:00",
        "drafts: regenerate button asks for a new draft (#61)",
        "",
        {"src/routes/tickets.ts": WEB_TICKETS_V5},
    ),
    Commit(
        "outcome",
        CHLOE,
        "2026-04-03T14:40:09+02:00",
        "telemetry: draft accepted / edited / discarded events (#63)",
        "",
        {"src/routes/tickets.ts": WEB_TICKETS_V6},
        tag="v3.4.0",
    ),
    Commit(
        "shortcuts",
        DIEGO,
        "2026-04-06T16:58:30-06:00",
        "ui: keyboard shortcuts in the usage report",
        "",
        {"src/shortcuts.ts": WEB_SHORTCUTS},
    ),
]

# ---------------------------------------------------------------------------------------------------
# Telemetry
# ---------------------------------------------------------------------------------------------------

ASSISTANT_TREES = {"2.8.0": tree_at(ASSISTANT_COMMITS, "router"), "2.9.0": tree_at(ASSISTANT_COMMITS, "openai-172")}
RETRIEVAL_TREES = {"1.5.0": tree_at(RETRIEVAL_COMMITS, "throttle"), "1.6.0": tree_at(RETRIEVAL_COMMITS, "rerank")}

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


def build_telemetry(end: datetime) -> Telemetry:
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


# ---------------------------------------------------------------------------------------------------
# Alert, topology, deployments, memory, truth
# ---------------------------------------------------------------------------------------------------

THRESHOLD_PERCENT = 60
MIN_PROMPT_TOKENS = 100_000
APP_INSIGHTS = "appi-support-prod"
ALERT_QUERY = """AppMetrics
| where AppRoleName == "assistant-api" and Name in ("llm.tokens.prompt", "llm.tokens.prompt_cached")
| extend Model = tostring(Properties["gen_ai.request.model"])
| summarize Prompt = sumif(Sum, Name == "llm.tokens.prompt"),
    Cached = sumif(Sum, Name == "llm.tokens.prompt_cached") by Model
| where Prompt >= 100000 // skip models with too little traffic for a stable rate
| extend CacheHitPercent = round(100.0 * Cached / Prompt, 1)"""


def hit_rate(metrics: list[dict[str, Any]], model: str, start: datetime, end: datetime) -> tuple[float, float]:
    """(cache hit percent, prompt tokens) of `model` over [start, end), as the alert query computes it."""
    sums = {"llm.tokens.prompt": 0.0, "llm.tokens.prompt_cached": 0.0}
    for row in metrics:
        if (
            row["Name"] in sums
            and row["Properties"]["gen_ai.request.model"] == model
            and iso(start) <= row["TimeGenerated"] < iso(end)
        ):
            sums[row["Name"]] += row["Sum"]
    prompt = sums["llm.tokens.prompt"]
    return (round(100.0 * sums["llm.tokens.prompt_cached"] / prompt, 1) if prompt else 100.0), prompt


def first_firing(metrics: list[dict[str, Any]]) -> tuple[datetime, float]:
    """Every 15 minutes over the last 30, per model with enough traffic; the first run below the threshold."""
    moment = TELEMETRY_START + timedelta(minutes=30)
    while moment <= TELEMETRY_LIMIT:
        for model in ("gpt-4.1", "gpt-4.1-nano"):
            percent, prompt = hit_rate(metrics, model, moment - timedelta(minutes=30), moment)
            if prompt >= MIN_PROMPT_TOKENS and percent < THRESHOLD_PERCENT:
                if moment <= ASSISTANT_DEPLOY or model != "gpt-4.1":
                    raise AssertionError(f"{model} fires at {moment}")
                return moment, percent
        moment += timedelta(minutes=15)
    raise AssertionError("the alert never fires")


def check_story(t: Telemetry) -> None:
    """The numbers the scenario promises: ~70 % before, ~48 % after, nano always 0 % with short prompts."""
    before, _ = hit_rate(t.metrics, "gpt-4.1", TELEMETRY_START, ASSISTANT_DEPLOY)
    after_rollout, _ = hit_rate(t.metrics, "gpt-4.1", ASSISTANT_DEPLOY + timedelta(minutes=3), INCIDENT)
    nano, _ = hit_rate(t.metrics, "gpt-4.1-nano", TELEMETRY_START, INCIDENT)
    longest_route = max(
        r["Max"] for r in t.metrics if r["Name"] == "llm.tokens.prompt" and r["Properties"]["purpose"] == "route"
    )
    if not (68 <= before <= 72 and 46 <= after_rollout <= 50 and nano == 0 and longest_route < MIN_CACHEABLE_TOKENS):
        raise AssertionError(
            f"hit rates {before} -> {after_rollout}, nano {nano}, longest routing prompt {longest_route}"
        )


def alert(evaluated: datetime, value: float) -> dict[str, Any]:
    return LogAlert(
        azure=AZURE,
        app_insights=APP_INSIGHTS,
        app_id="3e8b1d6f-2a47-4c90-8d15-b7f0e2c9a164",
        alert_uuid="9a4c2e7d-1f3b-4d86-b0e5-6c8a2f1d9e37",
        origin_uuid="5c1e9b3a-7d2f-4e60-9a84-0f6d3b8c2e71",
        rule="LLM prompt cache hit rate",
        severity="Sev3",
        description=(
            "Share of prompt tokens served from the Azure OpenAI prompt cache below 60 % for a model with at "
            "least 100k prompt tokens in 30 minutes (assistant-api). Cost and latency, not availability."
        ),
        fired_at=evaluated + timedelta(seconds=52, microseconds=117408),
        window_start=evaluated - timedelta(minutes=30),
        window_end=evaluated,
        search_query=ALERT_QUERY,
        operator="LessThan",
        threshold=str(THRESHOLD_PERCENT),
        metric_value=value,
        time_aggregation="Average",
        metric_measure_column="CacheHitPercent",
        dimensions={"Model": "gpt-4.1"},
        runbook="memory/runbooks/llm-cache-and-cost.md",
        custom_properties={"service": "assistant", "owner": "support-ai"},
    ).payload()


def topology() -> dict[str, Any]:
    a = AZURE
    base = {"env": "prod", "system": "support-desk"}
    ai = {**base, "team": "support-ai"}
    env = a.resource_id("Microsoft.App/managedEnvironments", "cae-support-prod")
    appi = a.resource_id("Microsoft.Insights/components", APP_INSIGHTS)
    logs = a.resource_id("Microsoft.OperationalInsights/workspaces", "log-support-prod")
    openai = a.resource_id("Microsoft.CognitiveServices/accounts", "oai-support-prod")
    search = a.resource_id("Microsoft.Search/searchServices", "srch-support-prod")
    vault = a.resource_id("Microsoft.KeyVault/vaults", "kv-support-ai-prod")
    assistant = a.resource_id("Microsoft.App/containerApps", "ca-assistant-api")
    retrieval = a.resource_id("Microsoft.App/containerApps", "ca-retrieval-api")
    deployments = []
    for name, model, version, capacity in (
        ("gpt-41-drafts", "gpt-4.1", "2025-04-14", "150"),
        ("gpt-41-nano-router", "gpt-4.1-nano", "2025-04-14", "50"),
        ("embed-small", "text-embedding-3-small", "1", "350"),
    ):
        row = a.resource(
            "Microsoft.CognitiveServices/accounts/deployments",
            f"oai-support-prod/{name}",
            {**ai, "model": model, "modelVersion": version, "sku": "GlobalStandard", "capacityKTPM": capacity},
            [openai],
        )
        row["id"] = f"{openai}/deployments/{name}"
        deployments.append(row)
    return {
        "resources": [
            a.resource(
                "Microsoft.App/containerApps",
                "ca-assistant-api",
                {**ai, "service": "assistant"},
                [env, openai, retrieval, vault, appi],
            ),
            a.resource(
                "Microsoft.App/containerApps",
                "ca-retrieval-api",
                {**ai, "service": "retrieval"},
                [env, openai, search, appi],
            ),
            a.resource(
                "Microsoft.App/containerApps",
                "ca-support-web-bff",
                {**base, "service": "support-web", "team": "agent-desk"},
                [env, assistant, appi],
            ),
            a.resource("Microsoft.App/managedEnvironments", "cae-support-prod", base, [logs]),
            a.resource("Microsoft.CognitiveServices/accounts", "oai-support-prod", {**ai, "kind": "OpenAI"}),
            *deployments,
            a.resource("Microsoft.Search/searchServices", "srch-support-prod", {**ai, "sku": "standard"}),
            a.resource("Microsoft.KeyVault/vaults", "kv-support-ai-prod", ai),
            a.resource("Microsoft.Insights/components", APP_INSIGHTS, base, [logs]),
            a.resource("Microsoft.OperationalInsights/workspaces", "log-support-prod", base),
        ]
    }


def deployments(shas: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    s, r, w = shas["assistant"], shas["retrieval"], shas["support-web"]
    rows = [
        ("2026-03-13T15:40:22Z", "assistant", "production", s["usage"], "2.6.0", 133, "Amara Obi"),
        ("2026-03-17T09:12:50Z", "support-web", "production", w["drafts"], "3.2.0", None, "Chloé Martin"),
        ("2026-03-17T10:05:31Z", "retrieval", "production", r["hybrid"], "1.4.0", None, "Henrik Larsen"),
        ("2026-03-20T08:58:04Z", "retrieval", "production", r["throttle"], "1.5.0", None, "Diego Ramírez"),
        ("2026-03-20T14:21:46Z", "assistant", "production", s["locale"], "2.7.0", 139, "Priyanka Iyer"),
        ("2026-03-25T10:44:18Z", "support-web", "production", w["express"], "3.3.0", None, "Diego Ramírez"),
        ("2026-03-31T15:02:37Z", "assistant", "staging", s["router"], "2.8.0", 146, "Henrik Larsen"),
        ("2026-04-01T08:35:09Z", "assistant", "production", s["router"], "2.8.0", 146, "Henrik Larsen"),
        ("2026-04-03T16:20:55Z", "support-web", "staging", w["outcome"], "3.4.0", 63, "Chloé Martin"),
        ("2026-04-06T09:14:26Z", "support-web", "production", w["outcome"], "3.4.0", 63, "Chloé Martin"),
        ("2026-04-06T11:37:48Z", "retrieval", "staging", r["rerank"], "1.6.0", 25, "Henrik Larsen"),
        ("2026-04-06T15:20:13Z", "assistant", "staging", s["openai-172"], "2.9.0", None, "Tom Becker"),
        ("2026-04-07T08:40:00Z", "retrieval", "production", r["rerank"], "1.6.0", 25, "Henrik Larsen"),
        ("2026-04-07T09:30:00Z", "assistant", "production", s["openai-172"], "2.9.0", None, "Tom Becker"),
    ]
    return [deployment(*row) for row in rows]


MEMORY_INDEX = """# Memory: support-ai

Start here; each line points to a deeper note.

- [runbooks/llm-cache-and-cost.md](runbooks/llm-cache-and-cost.md): prompt-cache hit rate or LLM
  cost alerts: the queries, what the numbers should be, what usually breaks them.
- assistant-api (`ca-assistant-api`, repo `assistant`) drafts replies; retrieval-api
  (`ca-retrieval-api`, repo `retrieval`) finds knowledge-base passages; support-web-bff (repo
  `support-web`) belongs to the agent-desk team and calls assistant-api.
- Azure OpenAI `oai-support-prod` (Sweden Central, Global Standard): `gpt-41-drafts` (gpt-4.1, drafts),
  `gpt-41-nano-router` (gpt-4.1-nano, intent routing, since 2.8.0), `embed-small`
  (text-embedding-3-small, retrieval).
- Prompt caching on Azure OpenAI: automatic for prompts of 1,024 tokens or more; the cached part is the
  longest prefix shared with a recent prompt, in steps of 128 tokens; it survives 5-10 minutes idle.
  Cached input tokens cost a quarter of the normal price on gpt-4.1.
- Releases: tag on main, staging, then production after a manual approval. Rollback: redeploy the
  previous tag.
"""

RUNBOOK = """# Runbook: prompt-cache hit rate and LLM cost

1. Hit rate per model over time:
   `AppMetrics | where AppRoleName == "assistant-api" and Name in ("llm.tokens.prompt", "llm.tokens.prompt_cached")
   | extend Model = tostring(Properties["gen_ai.request.model"])
   | summarize Prompt = sumif(Sum, Name == "llm.tokens.prompt"), Cached = sumif(Sum, Name == "llm.tokens.prompt_cached")
     by Model, bin(TimeGenerated, 15m) | extend HitPercent = round(100.0 * Cached / Prompt, 1)`
2. Per call: `AppDependencies | where AppRoleName == "assistant-api" and Name startswith "chat "
   | extend Input = toint(Properties["gen_ai.usage.input_tokens"]),
     Cached = toint(Properties["gen_ai.usage.cached_input_tokens"])`.
   Compare input tokens per call before and after: if they grew, the prompt got longer; if they did
   not and Cached fell, the shared prefix got shorter.
3. Expected (measured on 2026-03-17 after #137): about 70 % for our chat models. Below 60 % for 30
   minutes alerts (Sev3: cost and latency, drafts keep working).
4. A drop usually means something that varies per request moved into the start of the prompt (the
   tools or the system prompt). Look at what changed in `assistant/prompts/`. Editing the static text
   itself only costs a few minutes of cold cache.
5. Mitigate: roll back assistant-api to the previous tag; no user impact in the meantime.
"""


def truth(shas: dict[str, dict[str, str]], evaluated: datetime, before: float, after_rollout: float) -> dict[str, Any]:
    s = shas["assistant"]
    return {
        "root_cause": (
            "assistant-api release 2.9.0 (production at 09:30Z) includes "
            f"{s['date-first'][:12]} 'prompts: give the model the date and request id up front (#152)': system.md now "
            "starts with 'Current time: {now}. Request: {request_id}. Agent locale: {locale}.' and builder.py fills it "
            "per request. Azure OpenAI caches the longest prefix shared with recent prompts (from 1,024 tokens, in "
            "128-token steps); every draft prompt used to share the tool definitions and the system prompt (about "
            "3,650 tokens, 3,584 cached), now only the tool definitions (about 2,350 tokens, 2,304 cached). gpt-4.1's "
            f"prompt-cache hit rate fell from {before:.0f} % to {after_rollout:.0f} % with the same input tokens per "
            "draft, so input cost and time to first token went up; the Log Alerts V2 rule on the hit rate fired at "
            f"{evaluated:%H:%M}Z."
        ),
        "category": "performance-regression",
        "culprit": {"repo": "assistant", "commit": s["date-first"]},
        "notes": (
            "False alarm: gpt-4.1-nano (intent routing since 2.8.0, 2026-04-01) shows a 0 % hit rate all day, "
            "before and after the deploy. Its prompts are 148-214 tokens, below the 1,024-token minimum for prompt "
            "caching, so cached_input_tokens is always 0; that is expected and not part of the incident (the "
            "runbook's 'about 70 % for our chat models' predates the router, and the alert rule skips it for low "
            "volume). The culprit is not the newest commit of the release: #155 (refund wording in system.md) and "
            "the openai 1.72 bump came after it, and 'router: log the chosen intent' on main was never deployed. "
            "#155 alone changes static text, which costs a cold cache for a minute, not a lasting drop. #137 "
            "(2026-03-17) is the change that put the static parts first; #152 undid it. retrieval-api 1.6.0 at "
            "08:40Z (reranker threshold) rarely drops a passage and does not change input tokens per draft. "
            "Recurring noise: embedding 429s in retrieval-api (keyword-only fallback) and orders-api read "
            "timeouts in the get_order tool. Mitigation: roll back to 2.8.0, or keep the date but put the context "
            "line after the static text (end of the system prompt or the user message)."
        ),
    }


def build(output: Path) -> None:
    t = build_telemetry(TELEMETRY_LIMIT)
    evaluated, value = first_firing(t.metrics)
    if evaluated != ALERT_EVALUATED:
        raise AssertionError(f"the alert now fires at {evaluated:%H:%M}Z; update ALERT_EVALUATED")
    cutoff = iso(INCIDENT)
    for rows in t.tables().values():
        rows[:] = [row for row in rows if row["TimeGenerated"] < cutoff]
    check_story(t)
    before, _ = hit_rate(t.metrics, "gpt-4.1", TELEMETRY_START, ASSISTANT_DEPLOY)
    after_rollout, _ = hit_rate(t.metrics, "gpt-4.1", ASSISTANT_DEPLOY + timedelta(minutes=3), INCIDENT)

    def files(shas: dict[str, dict[str, str]]) -> dict[str, bytes]:
        scenario = {
            "name": NAME,
            "description": "Prompt-cache hit rate alert on gpt-4.1 half an hour after assistant-api 2.9.0 went live",
            "incident_time": INCIDENT.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "services": [
                {"name": "assistant", "repo": "assistant", "app_role": ASSISTANT},
                {"name": "retrieval", "repo": "retrieval", "app_role": RETRIEVAL},
                {"name": "support-web", "repo": "support-web", "app_role": WEB},
            ],
        }
        return {
            "scenario.json": dump_json(scenario),
            "alert.json": dump_json(alert(evaluated, value)),
            "deployments.jsonl": dump_jsonl(deployments(shas)),
            "topology.json": dump_json(topology()),
            "truth.json": dump_json(truth(shas, evaluated, before, after_rollout)),
            "memory/MEMORY.md": MEMORY_INDEX.encode(),
            "memory/runbooks/llm-cache-and-cost.md": RUNBOOK.encode(),
            **telemetry_files(t),
        }

    repos = {"assistant": ASSISTANT_COMMITS, "retrieval": RETRIEVAL_COMMITS, "support-web": WEB_COMMITS}
    write_scenario(output, NAME, repos, files)
    print(f"wrote {output}: gpt-4.1 hit rate {before} % -> {after_rollout} %, alert {value} % at {evaluated:%H:%M}Z")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / NAME)
