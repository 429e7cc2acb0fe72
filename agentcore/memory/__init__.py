"""Memory: structured Markdown the agent reads and edits with its ordinary tools, kept true over time.

Files carry front matter (who, when, status, and the evidence each fact rests on). Sessions get a
snapshot and merge back section by section with ETag-conditional writes (`store`); gardening re-checks
the evidence against what runs now and marks what no longer holds as stale (`gardening`).
"""

from agentcore.memory.document import (
    Citation,
    FrontMatter,
    MemoryDocument,
    MemoryFormatError,
    MemoryStatus,
    parse_document,
    render_document,
)
from agentcore.memory.index import INDEX_NAME, render_index
from agentcore.memory.limits import MemoryLimits, check_document
from agentcore.memory.merge import merge_documents
from agentcore.memory.store import MemoryStore, MergeOutcome

__all__ = [
    "INDEX_NAME",
    "Citation",
    "FrontMatter",
    "MemoryDocument",
    "MemoryFormatError",
    "MemoryLimits",
    "MemoryStatus",
    "MemoryStore",
    "MergeOutcome",
    "check_document",
    "merge_documents",
    "parse_document",
    "render_document",
    "render_index",
]
