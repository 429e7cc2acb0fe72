"""Settings from the environment (Container App settings)."""

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
