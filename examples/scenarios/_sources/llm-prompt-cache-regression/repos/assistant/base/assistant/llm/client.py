"""Chat completions on Azure OpenAI, each in a GenAI client span with its token usage."""

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
