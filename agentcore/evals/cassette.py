"""Recorded-model replay: a cassette of request digests and responses, so a real model's run is re-scored offline.

`RecordingModelClient` wraps any ModelClient and appends one JSON line per call to the cassette:
`{"digest", "preview", "response"}`, the response redacted (`agentcore.redaction`) and the request kept only as
a digest of its redacted form. `ReplayModelClient` answers from a cassette, and fails loudly (ModelError,
not retryable) on a request it has no answer for. Digests ignore what varies between two runs of the same
case: investigation ids (in the task, in workspace paths) and the ledger's routing fields.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import defaultdict, deque
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from agentcore.errors import ModelError, UserInputError
from agentcore.models import ModelClient, ModelRequest, ModelResponse
from agentcore.redaction import Redactor

_INVESTIGATION_ID = re.compile(r"inv-\d{8}-\d{6}-[0-9a-f]{6}")
_PREVIEW_CHARS = 200


class CassetteEntry(BaseModel):
    """One recorded call."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    digest: str
    preview: str
    """The start of the request's last message, redacted: enough to tell which call it was."""
    response: ModelResponse


def request_digest(request: ModelRequest) -> str:
    """A digest of the request's redacted content, with investigation ids and routing fields left out."""
    data = request.model_dump(mode="json", exclude={"investigation_id", "cache_key"})
    text = json.dumps(Redactor().redact_json(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(_INVESTIGATION_ID.sub("inv-<id>", text).encode()).hexdigest()


def _preview(request: ModelRequest) -> str:
    last = request.messages[-1].content if request.messages else ""
    return Redactor().redact(_INVESTIGATION_ID.sub("inv-<id>", last[:_PREVIEW_CHARS]))


class RecordingModelClient:
    """A ModelClient that answers through `inner` and records every exchange to `cassette` (JSONL, appended)."""

    def __init__(self, inner: ModelClient, cassette: Path) -> None:
        self._inner = inner
        self._cassette = cassette
        self._lock = threading.Lock()
        cassette.parent.mkdir(parents=True, exist_ok=True)

    @property
    def provider(self) -> str:
        return self._inner.provider

    @property
    def model(self) -> str:
        return self._inner.model

    def complete(self, request: ModelRequest) -> ModelResponse:
        response = self._inner.complete(request)
        redacted = ModelResponse.model_validate(Redactor().redact_json(response.model_dump(mode="json")))
        entry = CassetteEntry(digest=request_digest(request), preview=_preview(request), response=redacted)
        with self._lock, self._cassette.open("a", encoding="utf-8") as out:
            out.write(entry.model_dump_json() + "\n")
        return response


class ReplayModelClient:
    """A ModelClient that answers from a cassette; the same request asked twice gets the recorded answers in order."""

    def __init__(self, cassette: Path, *, provider: str = "replay", model: str | None = None) -> None:
        self._answers: dict[str, deque[ModelResponse]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.provider = provider
        self.model = model or cassette.stem
        self.calls = 0
        for entry in read_cassette(cassette):
            self._answers[entry.digest].append(entry.response)

    def complete(self, request: ModelRequest) -> ModelResponse:
        digest = request_digest(request)
        with self._lock:
            self.calls += 1
            answers = self._answers.get(digest)
            if not answers:
                raise ModelError(
                    f"the cassette has no answer for call {self.calls} (request {digest[:12]}: "
                    f"{_preview(request)[:80]!r}); record the run again",
                    retryable=False,
                )
            return answers.popleft()


def read_cassette(path: Path) -> list[CassetteEntry]:
    """The entries of a cassette file; a malformed line is a UserInputError naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise UserInputError(f"cassette {path}: {e.strerror or e}") from e
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entries.append(CassetteEntry.model_validate_json(line))
        except ValidationError as e:
            problem = f"not a recorded call ({e.error_count()} errors)"
            raise UserInputError(f"cassette {path} line {number}: {problem}") from e
    return entries


__all__ = ["CassetteEntry", "RecordingModelClient", "ReplayModelClient", "read_cassette", "request_digest"]
