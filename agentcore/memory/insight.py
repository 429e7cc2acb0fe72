"""Learning: when an investigation ends, an insight note (symptoms, steps that worked, root cause, pitfalls,
with citations) for `incidents/`, and the line that links it from the service's `debugging.md`.

Built from the report alone, deterministically: a redelivered report stage builds the same note under the
same name, so the store's merge sees nothing new. Evidence-only reports make notes too (what triage found).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from pydantic import ValidationError

from agentcore.memory.document import Citation, FrontMatter, MemoryDocument
from agentcore.reports import Evidence, Report

_SLUG = re.compile(r"[^a-z0-9]+")
MAX_LINES_PER_SECTION = 8
INCIDENTS_HEADING = "## Past incidents"


def incident_name(investigation_id: str, started_at: datetime, title: str) -> str:
    """`incidents/<date>-<slug>.md`, one per investigation: from what was asked (which a follow-up does not
    change), its id's last token ending the slug."""
    words = _SLUG.sub("-", title.lower()).strip("-")[:48].strip("-") or "incident"
    token = investigation_id.rsplit("-", 1)[-1]
    return f"incidents/{started_at:%Y-%m-%d}-{words}-{token}.md"


def citation_of(evidence: Evidence, repos: Iterable[str]) -> Citation | None:
    """A file becomes `{repo, path}` (when its first segment names a known repo), a log query `{query, window}`."""
    ref = evidence.source.ref.strip()
    if evidence.source.kind == "log_query" and ref:
        return Citation(query=ref, window="the incident window")
    if evidence.source.kind != "file" or not ref:
        return None
    path = ref.removeprefix("repos/").split(":", 1)[0].strip("/")
    repo, _, rest = path.partition("/")
    if repo in set(repos) and rest:
        try:
            return Citation(repo=repo, path=rest)
        except ValidationError:
            return None
    return None


def insight_note(report: Report, *, service: str, repos: Iterable[str], now: datetime) -> MemoryDocument:
    """The note of what `report` found, citing its evidence; written by the investigation's id."""
    names = list(repos)
    citations = tuple(dict.fromkeys(c for e in report.evidence if (c := citation_of(e, names)) is not None))
    cause = report.root_cause.statement if report.root_cause else f"not established ({report.status})"
    front = FrontMatter(
        created=report.started_at, updated=now, by=report.id, evidence=citations,
        summary=f"{report.started_at:%Y-%m-%d} {service}: {report.title} — root cause: {cause}"[:200],
    )  # fmt: skip
    return MemoryDocument(front=front, body=_body(report, service, cause))


def _body(report: Report, service: str, cause: str) -> str:
    worked = [f"- {h.statement}" for h in report.hypotheses if h.status == "confirmed"]
    worked += [f"- {e.claim} (`{e.source.kind}`: `{_one_line(e.source.ref)}`)" for e in report.evidence]
    if report.signals is not None:
        worked.append(f"- {report.signals.what_worked}")
    pitfalls = [f"- refuted: {h.statement}" for h in report.hypotheses if h.status == "refuted"]
    if report.signals is not None and report.signals.what_was_hard:
        pitfalls.append(f"- {report.signals.what_was_hard}")
    suspects = [f"- {s.repo} {s.commit[:12]} {s.title}" for s in report.suspects[:3]]
    sections = [
        f"# {report.title}\n\nService `{service}`, investigation {report.id} ({report.mode}, {report.status}).\n",
        f"## Symptoms\n{_one_line(report.summary)}\n",
        f"## Root cause\n{_one_line(cause)}\n",
        "## Steps that worked\n" + _lines(worked),
        "## Pitfalls\n" + _lines(pitfalls),
        "## Suspects\n" + _lines(suspects),
    ]
    return "\n".join(sections)


def _lines(lines: list[str]) -> str:
    kept = [_one_line(line)[:300] for line in dict.fromkeys(lines)][:MAX_LINES_PER_SECTION]
    return "\n".join(kept or ["- (none recorded)"]) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def link_line(note_name: str, summary: str) -> str:
    return f"- [{note_name}](../../{note_name}): {summary}"


def with_link(debugging: MemoryDocument | None, note_name: str, summary: str, *, service: str, by: str,
              now: datetime) -> MemoryDocument | None:  # fmt: skip
    """`services/<service>/debugging.md` with a line linking the note under `## Past incidents` (created with
    front matter when missing); None when the link is there already."""
    if debugging is not None and f"]({'../../' + note_name})" in debugging.body:
        return None
    line = link_line(note_name, summary) + "\n"
    if debugging is None:
        front = FrontMatter(created=now, updated=now, by=by, summary=f"{service}: how past incidents were debugged")
        body = f"# Debugging {service}\n\n{INCIDENTS_HEADING}\n{line}"
        return MemoryDocument(front=front, body=body)
    body = debugging.body
    if INCIDENTS_HEADING in body:
        head, _, rest = body.partition(INCIDENTS_HEADING + "\n")
        next_heading = re.search(r"^#{1,6}\s", rest, re.MULTILINE)
        cut = next_heading.start() if next_heading else len(rest)
        section = rest[:cut].rstrip("\n") + "\n" + line
        body = head + INCIDENTS_HEADING + "\n" + section.lstrip("\n") + ("\n" + rest[cut:] if next_heading else "")
    else:
        body = body.rstrip("\n") + f"\n\n{INCIDENTS_HEADING}\n{line}"
    front = debugging.front.model_copy(update={"updated": now, "by": by})
    return MemoryDocument(front=front, body=body)


__all__ = ["INCIDENTS_HEADING", "citation_of", "incident_name", "insight_note", "link_line", "with_link"]
