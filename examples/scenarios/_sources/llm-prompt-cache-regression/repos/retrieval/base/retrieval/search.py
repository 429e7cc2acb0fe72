"""Knowledge-base passages from Azure AI Search."""

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
