"""Size caps and the secret check every memory write passes, with errors that tell the writer what to do."""

from __future__ import annotations

from dataclasses import dataclass

from agentcore.memory.document import MemoryFormatError
from agentcore.redaction import Redactor


@dataclass(frozen=True)
class MemoryLimits:
    file_chars: int = 24_000
    """Largest memory file; a bigger one must be split into files the index links."""
    index_chars: int = 6_000
    """MEMORY.md, under 2k tokens: it sits in every session's prompt, and the knowledge-map hook shows at most
    6,000 characters of it (`agentcore.context._hook_knowledge.INDEX_CHARS`)."""


def check_document(name: str, text: str, limits: MemoryLimits) -> None:
    """Refuse a file over its cap or holding a secret (memory is read by every later session)."""
    if len(text) > limits.file_chars:
        raise MemoryFormatError(
            f"{name}: {len(text):,} characters, over the {limits.file_chars:,} a memory file may hold; split it into "
            "smaller files (one topic each) and link them from the service's overview"
        )
    redactor = Redactor()
    if redactor.redact(text) != text:
        kinds = ", ".join(sorted(redactor.state.counts)) or "secret"
        raise MemoryFormatError(f"{name}: holds what looks like a secret ({kinds}); memory never stores secrets")


__all__ = ["MemoryLimits", "check_document"]
