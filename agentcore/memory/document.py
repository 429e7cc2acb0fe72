"""A memory file: YAML front matter (who wrote it, when, whether it still holds, and the evidence it rests on)
and a Markdown body in sections. The format the agent reads and edits with its ordinary tools."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentcore.errors import UserInputError


class MemoryFormatError(UserInputError):
    """A memory file's front matter is missing or invalid; the message names the file and the field."""


class MemoryStatus(StrEnum):
    ACTIVE = "active"
    STALE = "stale"
    NEEDS_REVIEW = "needs-review"
    DEPRECATED = "deprecated"


class Citation(BaseModel):
    """What a fact rests on: code `{repo, path, symbol?}`, a resource `{resource_id}`, a log schema
    `{table, column?}`, or a query `{query, window}`. Gardening re-checks each against what runs today."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repo: str | None = None
    path: str | None = None
    symbol: str | None = None
    resource_id: str | None = None
    table: str | None = None
    column: str | None = None
    query: str | None = None
    window: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Citation:
        kinds = [
            self.repo is not None and self.path is not None,
            self.resource_id is not None,
            self.table is not None,
            self.query is not None and self.window is not None,
        ]
        if sum(kinds) != 1:
            raise ValueError(
                "a citation is one of {repo, path, symbol?}, {resource_id}, {table, column?}, {query, window}"
            )
        return self

    @property
    def kind(self) -> str:
        if self.repo is not None:
            return "code"
        if self.resource_id is not None:
            return "resource"
        return "table" if self.table is not None else "query"


class FrontMatter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    created: datetime
    updated: datetime
    by: Annotated[str, Field(min_length=1)]
    """An investigation id or a person."""
    status: MemoryStatus = MemoryStatus.ACTIVE
    verified_at: datetime | None = None
    evidence: tuple[Citation, ...] = ()
    summary: str = ""
    """One line for the index (MEMORY.md); the first heading when empty."""
    stale_reason: str | None = None


class MemoryDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    front: FrontMatter
    body: str

    @property
    def title(self) -> str:
        for line in self.body.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
        return ""


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml when the wheel has it: gardening parses every file, and the pure-Python parser is ~10x slower."""

_FRONT = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n?", re.DOTALL)


def parse_document(text: str, *, name: str) -> MemoryDocument:
    """The document in `text`; MemoryFormatError naming `name` when its front matter is missing or invalid."""
    match = _FRONT.match(text)
    if match is None:
        raise MemoryFormatError(f"{name}: no front matter (a `---` block with created, updated, by, status)")
    try:
        data = yaml.load(match.group(1), Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
    except yaml.YAMLError as e:
        raise MemoryFormatError(f"{name}: front matter is not YAML: {str(e).splitlines()[0]}") from e
    if not isinstance(data, dict):
        raise MemoryFormatError(f"{name}: front matter must be a mapping")
    try:
        front = FrontMatter.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "front matter"
        raise MemoryFormatError(f"{name}: {where}: {first['msg']}") from e
    return MemoryDocument(front=front, body=text[match.end() :])


def render_document(document: MemoryDocument) -> str:
    data: dict[str, Any] = document.front.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    data["evidence"] = [c.model_dump(exclude_none=True) for c in document.front.evidence]
    front = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=1000).strip()
    return f"---\n{front}\n---\n{document.body}"


__all__ = [
    "Citation",
    "FrontMatter",
    "MemoryDocument",
    "MemoryFormatError",
    "MemoryStatus",
    "parse_document",
    "render_document",
]
