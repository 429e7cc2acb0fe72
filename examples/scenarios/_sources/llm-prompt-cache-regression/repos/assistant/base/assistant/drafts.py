"""A reply draft: passages from the knowledge base, then gpt-4.1 with tools, at most three rounds."""

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
