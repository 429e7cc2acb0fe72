"""The chat request for a reply draft: tools, system prompt, then the ticket and the passages."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources

from assistant.retrieval import Passage

_PROMPTS = resources.files("assistant.prompts")
TOOLS: list[dict] = json.loads(_PROMPTS.joinpath("tools.json").read_text(encoding="utf-8"))
SYSTEM = _PROMPTS.joinpath("system.md").read_text(encoding="utf-8")


def draft_messages(ticket: dict, passages: list[Passage], now: datetime, request_id: str, locale: str) -> list[dict]:
    documents = "\n\n".join(f"<passage source=\"{p.source}\">\n{p.text}\n</passage>" for p in passages)
    user = (
        f"<context>request {request_id} at {now:%Y-%m-%d %H:%M} UTC, agent locale {locale}</context>\n"
        f"<ticket>\n{ticket['thread']}\n</ticket>\n<documents>\n{documents}\n</documents>\n"
        f"Draft the reply for {ticket['agent_first_name']}."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
