"""Knowledge-base passages from retrieval-api."""

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
    query = ticket["subject"] + "\n" + ticket["thread"][:1500]
    response = _client.post("/v1/search", json={"query": query, "top": top})
    response.raise_for_status()
    return [Passage(hit["source"], hit["text"]) for hit in response.json()["hits"]]
