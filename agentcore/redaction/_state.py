"""What an investigation remembers of its redactions: numbers and counts, never a secret.

A secret is known by a keyed hash (HMAC-SHA256 under a random per-investigation salt, truncated), so
the same value gets the same placeholder number in every stage that resumes the investigation, while
the stored state cannot be matched against a guessed secret without the salt and gives nothing away
when it leaks alone. The state is plain data that serializes with the session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading

from pydantic import BaseModel, Field

_DIGEST_CHARS = 24
_NUMBERING = threading.Lock()
"""One lock for all states: a state may be shared by the loop and the connector broker's threads."""


def _new_salt() -> str:
    return secrets.token_hex(16)


class RedactionState(BaseModel):
    """Placeholder numbers by secret hash, and how many replacements of each kind were made."""

    salt: str = Field(default_factory=_new_salt)
    numbers: dict[str, int] = Field(default_factory=dict)
    """Keyed hash of a secret value -> its number within its kind."""
    kinds: dict[str, str] = Field(default_factory=dict)
    """Keyed hash of a secret value -> the kind it was first seen as."""
    distinct: dict[str, int] = Field(default_factory=dict)
    """Kind -> how many distinct values of that kind were seen (the last number given)."""
    counts: dict[str, int] = Field(default_factory=dict)
    """Kind -> how many replacements were made (each occurrence counts)."""

    def digest(self, value: str) -> str:
        mac = hmac.new(self.salt.encode(), value.encode("utf-8", errors="replace"), hashlib.sha256)
        return mac.hexdigest()[:_DIGEST_CHARS]

    def placeholder(self, kind: str, value: str) -> str:
        """The placeholder for `value` (numbered on first sight), counting this occurrence."""
        key = self.digest(value)
        with _NUMBERING:
            number = self.numbers.get(key)
            if number is None:
                number = self.distinct.get(kind, 0) + 1
                self.distinct[kind] = number
                self.numbers[key] = number
                self.kinds[key] = kind
            kind = self.kinds[key]
            self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"[REDACTED:{kind}#{number}]"

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def absorb(self, other: RedactionState) -> None:
        """Take in a subagent's state, seeded from this one with counts zeroed: add its counts, and learn the
        values it numbered that this state has not seen (siblings numbering at once may give one number twice)."""
        with _NUMBERING:
            for kind, count in other.counts.items():
                self.counts[kind] = self.counts.get(kind, 0) + count
            if other.salt != self.salt:
                return
            for key, number in other.numbers.items():
                if key in self.numbers:
                    continue
                kind = other.kinds[key]
                self.numbers[key] = number
                self.kinds[key] = kind
                self.distinct[kind] = max(self.distinct.get(kind, 0), number)
