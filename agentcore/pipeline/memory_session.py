"""Memory around an investigation: a snapshot into the workspace at intake, merged back at the report.

Intake seeds the store from a scenario's own `memory/` (a file the store lacks; the team's memory is never
overwritten), replaces the workspace's `memory/` with a copy of the store, and records the base of that copy
(names, ETags, text) in a blob the state names. The report stage merges what the session changed, writes the
insight note and links it from the service's `debugging.md`, and records the outcome under the step it ran
at: a redelivered report message finds the record and writes nothing again.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from agentcore.errors import AgentCoreError, BlobNotFoundError, StorageError
from agentcore.memory import INDEX_NAME, FrontMatter, MemoryDocument, MemoryFormatError, MemoryStore, parse_document
from agentcore.memory.content_cache import ContentCache
from agentcore.memory.insight import incident_name, insight_note, with_link
from agentcore.memory.store import BaseEntry
from agentcore.pipeline.state import InvestigationState
from agentcore.reports import Report, ReportedError
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)

_JSON = "application/json; charset=utf-8"
TEAM_INDEX_SEED = "overview.md"
"""Where a scenario's hand-written MEMORY.md goes in the store (the store writes its own index)."""


@dataclass(frozen=True)
class MemoryRecord:
    """What one report stage did to memory: the files written, conflicted and refused (with why)."""

    written: list[str] = field(default_factory=list)
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def errors(self) -> tuple[ReportedError, ...]:
        """Conflicts and refusals as the report's `errors` (stage `memory`): what a reader should look at."""
        found = [ReportedError(stage="memory", error_class="MemoryConflict",
                               message=f"{name}: sections {', '.join(sections)} changed by two sessions; needs review")
                 for name, sections in sorted(self.conflicts.items())]  # fmt: skip
        found += [ReportedError(stage="memory", error_class="MemoryRefused", message=why[:2000])
                  for _name, why in sorted(self.refused.items())]  # fmt: skip
        return tuple(found)


def seed_from_folder(store: MemoryStore, folder: Path, *, by: str, now: datetime) -> list[str]:
    """Write each Markdown file under `folder` the store does not have (front matter added when missing)."""
    seeded = []
    for path in sorted(folder.rglob("*.md")):
        if not path.is_file() or path.is_symlink():
            continue
        relative = path.relative_to(folder).as_posix()
        name = TEAM_INDEX_SEED if relative == INDEX_NAME else relative
        if store.read(name) is not None:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            store.write(name, with_front_matter(text, name=name, by=by, now=now), now=now, update_index=False)
        except MemoryFormatError as e:
            logger.warning("memory seed skipped: %s", e)
            continue
        seeded.append(name)
    return seeded


def with_front_matter(text: str, *, name: str, by: str, now: datetime) -> MemoryDocument:
    """`text` parsed; when it has no front matter at all, the same text under a new one (active, by `by`)."""
    if text.startswith("---"):
        return parse_document(text, name=name)
    heading = next((line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")), "")
    return MemoryDocument(front=FrontMatter(created=now, updated=now, by=by, summary=heading), body=text)


def open_memory(
    blobs: BlobStore,
    workspace: Path,
    investigation_id: str,
    *,
    seed: Path | None,
    seed_by: str,
    now: datetime,
    for_session: bool = True,
    content_cache: ContentCache | None = None,
) -> str | None:
    """Seed, copy the store into `workspace/memory`, store the base; return the base blob's name.

    Without `for_session` (an evidence-only run: no session reads or changes memory) only the seeding is done,
    and None returned: copying every note into a workspace nobody reads cost more with every note memory kept.
    Files unchanged since this machine read them come from `content_cache`.
    """
    store = MemoryStore(blobs, content_cache=content_cache)
    seeded = seed_from_folder(store, seed, by=seed_by, now=now) if seed is not None and seed.is_dir() else []
    if seeded or (store.read(INDEX_NAME) is None and store.names()):
        store.rebuild_index()
    if not for_session:
        return None
    folder = workspace / "memory"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    base = store.copy_into(folder)
    name = f"investigations/{investigation_id}/memory-base/{uuid.uuid4().hex}.json"
    payload = {n: asdict(entry) for n, entry in sorted(base.items())}
    blobs.put(name, json.dumps(payload).encode(), content_type=_JSON)
    return name


def _load_base(blobs: BlobStore, name: str | None) -> dict[str, BaseEntry]:
    if name is None:
        return {}
    data = json.loads(blobs.get(name).data)
    return {n: BaseEntry(**entry) for n, entry in data.items()}


def record_blob(investigation_id: str, step: int) -> str:
    return f"investigations/{investigation_id}/memory-merged/{step}.json"


def latest_record(blobs: BlobStore, investigation_id: str) -> MemoryRecord | None:
    """What the investigation's last report stage did to memory, if one ran."""
    names = list(blobs.list(f"investigations/{investigation_id}/memory-merged/"))
    if not names:
        return None
    last = max(names, key=lambda n: int(n.rsplit("/", 1)[-1].removesuffix(".json")))
    return MemoryRecord(**json.loads(blobs.get(last).data))


@dataclass(frozen=True)
class Closing:
    """What the report stage hands over: where the session's memory is, and what it knew when it began."""

    investigation_id: str
    step: int
    base_blob: str | None
    folder: Path | None
    """The workspace's `memory/`; None when the session could not change memory (evidence-only)."""
    service: str
    repos: tuple[str, ...]
    title: str
    """What was asked (the investigation's title): names the insight note, whatever the report concludes."""


def close_memory(blobs: BlobStore, closing: Closing, report: Report, *, now: datetime) -> MemoryRecord:
    """Merge the session's memory back and write its insight note, once per step (the record says so)."""
    marker = record_blob(closing.investigation_id, closing.step)
    try:
        return MemoryRecord(**json.loads(blobs.get(marker).data))
    except BlobNotFoundError:
        pass
    store = MemoryStore(blobs)
    record = MemoryRecord()
    if closing.folder is not None and closing.folder.is_dir():
        outcome = store.merge_back(closing.folder, _load_base(blobs, closing.base_blob), by=closing.investigation_id,
                                   now=now)  # fmt: skip
        record.written.extend(outcome.written)
        record.conflicts.update({n: list(s) for n, s in outcome.conflicts.items()})
        record.refused.update(outcome.refused)
    _learn(store, closing, report, record, now=now)
    blobs.put(marker, json.dumps(asdict(record)).encode(), content_type=_JSON)
    logger.info("investigation=%s memory: %d written, %d conflicted, %d refused", closing.investigation_id,
                len(record.written), len(record.conflicts), len(record.refused))  # fmt: skip
    return record


def _learn(store: MemoryStore, closing: Closing, report: Report, record: MemoryRecord, *, now: datetime) -> None:
    """The insight note under `incidents/`, and its line in `services/<service>/debugging.md`."""
    name = incident_name(closing.investigation_id, report.started_at, closing.title)
    note = insight_note(report, service=closing.service, repos=closing.repos, now=now)
    debugging_name = f"services/{closing.service}/debugging.md"
    try:
        _write(store, name, note, None, record, now=now)
        current = store.read(debugging_name)
        document = parse_document(current.text, name=debugging_name) if current else None
        linked = with_link(document, name, note.front.summary, service=closing.service, by=closing.investigation_id,
                           now=now)  # fmt: skip
        if linked is not None:
            _write(store, debugging_name, linked, current, record, now=now)
    except MemoryFormatError as e:
        record.refused[name] = str(e)


def _write(store: MemoryStore, name: str, document: MemoryDocument, base: BaseEntry | None, record: MemoryRecord,
           *, now: datetime) -> None:  # fmt: skip
    conflicts = store.write(name, document, now=now, base=base)
    record.written.append(name)
    if conflicts:
        record.conflicts[name] = conflicts


def service_of(report: Report, repos: tuple[str, ...]) -> str:
    """The service a note is about: the top suspect's repository, else the workspace's first, as a safe name."""
    name = report.suspects[0].repo if report.suspects else (repos[0] if repos else "unknown")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "unknown"


def remember_report(
    blobs: BlobStore, state: InvestigationState, root: Path, report: Report, *, now: datetime
) -> Report:
    """Close the investigation's memory (agent mode merges the workspace's `memory/`); the report gains the
    conflicts and refusals as `errors` of stage `memory`."""
    repos = tuple(PurePosixPath(r.path).name for r in state.repos)
    folder = root / "memory" if state.mode == "agent" else None
    service = service_of(report, repos)
    closing = Closing(state.id, state.step, state.memory_base_blob, folder, service, repos, state.title)
    try:
        errors = close_memory(blobs, closing, report, now=now).errors()
    except StorageError:
        raise  # the store may answer on redelivery: the stage runs again, and memory writes are merges
    except AgentCoreError as e:
        logger.warning("investigation=%s memory not updated: %s", state.id, e)
        errors = (ReportedError(stage="memory", error_class=type(e).__name__, message=str(e)[:2000]),)
    return report.model_copy(update={"errors": (*report.errors, *errors)}) if errors else report


__all__ = [
    "Closing",
    "MemoryRecord",
    "close_memory",
    "latest_record",
    "open_memory",
    "remember_report",
    "seed_from_folder",
    "with_front_matter",
]
