"""Query embeddings on Azure OpenAI."""

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
