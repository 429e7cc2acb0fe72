"""retrieval-api: POST /v1/search."""

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
