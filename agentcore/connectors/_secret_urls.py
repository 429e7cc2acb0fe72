"""Keep URLs that carry a secret (webhook keys, signed download links) out of httpx's own log lines.

httpx logs every request at INFO with its full URL (`HTTP Request: POST https://...`). While a
`hidden_from_http_logs(secret)` block runs, a filter on the `httpx` logger replaces `secret` with
`<redacted>` in those lines. Blocks may nest and overlap across threads.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

REDACTED = "<redacted>"


class _SecretFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: Counter[str] = Counter()

    def add(self, secrets: list[str]) -> None:
        with self._lock:
            self._secrets.update(secrets)

    def remove(self, secrets: list[str]) -> None:
        with self._lock:
            self._secrets.subtract(secrets)
            self._secrets = +self._secrets

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        if not secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in secrets:
            redacted = redacted.replace(secret, REDACTED)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER = _SecretFilter()
logging.getLogger("httpx").addFilter(_FILTER)


@contextmanager
def hidden_from_http_logs(*secrets: str) -> Iterator[None]:
    """Redact each of `secrets` (non-empty strings) from httpx's log lines while the block runs."""
    kept = [secret for secret in secrets if secret]
    _FILTER.add(kept)
    try:
        yield
    finally:
        _FILTER.remove(kept)
