"""assistant-api: POST /v1/drafts."""

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
