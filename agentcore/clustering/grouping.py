"""Which cluster a record belongs to: the strongest grouping evidence it carries.

1. an explicit fingerprint: someone decided these are one problem;
2. the exception type plus the top in-app frames (module and function, never line numbers, which
   move with every unrelated edit; framework and standard-library frames skipped, since they say
   how the code was called, not where it failed), and the record's `error.type` when it has one:
   one call site that wraps every failure of a dependency in one exception class (a model client's
   ModelError for 429s, timeouts and 400s alike) fails in different ways that need different fixes
   (capacity, a deadline, a malformed payload), and OpenTelemetry's `error.type` is the attribute
   that says which; a record without it keeps the key it always had;
3. the logging statement's location;
4. a message template mined from the text, over the whole batch.
The cluster id hashes the evidence kind and key, so the same errors get the same id every day.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from agentcore.clustering.records import ErrorRecord, StackFrame
from agentcore.clustering.templates import MinerConfig, mask_line, mine_templates

TOP_IN_APP_FRAMES = 3
"""Frames of the app's own code that identify a failure site: the thrower and two callers."""

_FRAMEWORK_PATH = re.compile(
    r"(?:site-packages|dist-packages|node_modules|/usr/lib/python|/lib/python3\.\d+/|<frozen |\.nuget/packages)"
)
_FRAMEWORK_METHOD = re.compile(
    r"^(?:System\.|Microsoft\.|java\.|javax\.|jdk\.|sun\.|kotlin\.|org\.springframework\.|org\.apache\.|"
    r"io\.netty\.|com\.fasterxml\.|asyncio\.|concurrent\.futures\.|threading\.|starlette\.|uvicorn\.|httpx\.)"
)


class Evidence(StrEnum):
    FINGERPRINT = "fingerprint"
    STACK = "stack"
    LOGGING_LOCATION = "logging-location"
    TEMPLATE = "template"


@dataclass(frozen=True)
class GroupKey:
    evidence: Evidence
    key: str

    @property
    def cluster_id(self) -> str:
        digest = hashlib.sha256(f"{self.evidence}\0{self.key}".encode()).hexdigest()
        return f"c-{digest[:12]}"


def is_in_app(frame: StackFrame) -> bool:
    """False for framework, runtime and standard-library frames."""
    return not (_FRAMEWORK_PATH.search(frame.file) or _FRAMEWORK_METHOD.match(frame.method))


def frame_identity(frame: StackFrame) -> str:
    """`module:function`: the file's stem and the method, without the line number."""
    module = frame.file.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0] if frame.file else ""
    return f"{module}:{frame.method}" if module else frame.method


def group_keys(records: Sequence[ErrorRecord], config: MinerConfig | None = None) -> list[GroupKey]:
    """The group of each record, in order. Templates are mined over the records that need them, as one batch."""
    keys: list[GroupKey | None] = [_explicit_key(record) for record in records]
    needing = [i for i, key in enumerate(keys) if key is None]
    templates = mine_templates([_message_line(records[i]) for i in needing], config)
    for index, template in zip(needing, templates, strict=True):
        record = records[index]
        prefix = f"{record.exception_type}: " if record.exception_type else ""
        keys[index] = GroupKey(Evidence.TEMPLATE, f"{record.service}|{prefix}{template}")
    return [key for key in keys if key is not None]


def _explicit_key(record: ErrorRecord) -> GroupKey | None:
    if record.fingerprint:
        return GroupKey(Evidence.FINGERPRINT, record.fingerprint)
    in_app = [frame_identity(f) for f in record.frames if is_in_app(f)][:TOP_IN_APP_FRAMES]
    if record.exception_type and in_app:
        kind = f"[{record.error_type}]" if record.error_type else ""
        return GroupKey(Evidence.STACK, f"{record.exception_type}{kind}@{'<'.join(in_app)}")
    if record.logging_location:
        return GroupKey(Evidence.LOGGING_LOCATION, f"{record.service}|{record.logging_location}")
    return None


def _message_line(record: ErrorRecord) -> str:
    return " ".join(record.message.split())  # one line, whatever the record held


def describe_key(key: GroupKey, record: ErrorRecord) -> str:
    """A human title for a cluster: its template or exception and site."""
    if key.evidence is Evidence.TEMPLATE:
        return key.key.split("|", 1)[1]
    if key.evidence is Evidence.STACK:
        return key.key.replace("@", " at ", 1)
    return f"{record.exception_type + ': ' if record.exception_type else ''}{mask_line(record.message)}"


__all__ = ["TOP_IN_APP_FRAMES", "Evidence", "GroupKey", "describe_key", "frame_identity", "group_keys", "is_in_app"]
