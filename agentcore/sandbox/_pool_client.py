"""HTTP to one session of an Azure Container Apps dynamic-sessions pool (custom containers).

The pool forwards `<pool management endpoint>/<path>?identifier=<session id>` to the session's container (it
allocates a session for an identifier it has not seen), and needs a Microsoft Entra token for the
dynamic-sessions audience (`https://dynamicsessions.io`) whose identity holds the pool's
`Azure ContainerApps Session Executor` role.

Transient failures (connection errors, timeouts, 408, 429 and 5xx) are retried under the model layer's
`RetryPolicy` (full-jitter backoff, `retry-after` honoured). Every route the sandbox server has is safe to
repeat: uploads and writes replace, a command is started once per client-chosen id. A 409 is not transient
here: it is the server saying it lacks the workspace, which the sandbox answers by uploading it again.
Nothing of the host's environment is sent: only the request's own body and headers.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from typing import Protocol

import httpx

from agentcore.errors import SandboxError
from agentcore.models._retry import DEFAULT_RETRY_POLICY, RetryPolicy, retry_after_s, transport_failure

logger = logging.getLogger(__name__)

DYNAMIC_SESSIONS_AUDIENCE = "https://dynamicsessions.io"
_TOKEN_MARGIN_S = 300.0
"""A cached token is renewed this long before it expires."""
_IDENTIFIER = re.compile(r"[^A-Za-z0-9_-]")

Body = bytes | Callable[[], Iterator[bytes]]
"""A request body: bytes, or a function that gives a fresh stream of it for each attempt."""


class AccessToken(Protocol):
    @property
    def token(self) -> str: ...

    @property
    def expires_on(self) -> int: ...


class TokenCredential(Protocol):
    """azure-core's credential shape: `get_token(scope)` -> an object with `token` and `expires_on`."""

    def get_token(self, *scopes: str) -> AccessToken: ...


def session_identifier(name: str) -> str:
    """A session identifier from a workspace's name: letters, digits, `-` and `_`, at most 128 characters."""
    cleaned = _IDENTIFIER.sub("-", name).strip("-") or "workspace"
    return f"sre-agent-{cleaned}"[:128]


class SessionPoolClient:
    """Requests to the session `identifier` of the pool at `endpoint`, authenticated with `credential`."""

    def __init__(
        self,
        endpoint: str,
        credential: TokenCredential,
        *,
        identifier: str,
        audience: str = DYNAMIC_SESSIONS_AUDIENCE,
        timeout_s: float = 60.0,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.identifier = identifier
        self._credential = credential
        self._scope = f"{audience.rstrip('/')}/.default"
        self._policy = retry_policy
        self._sleep = sleep
        self._http = http or httpx.Client(timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)))
        self._token: tuple[str, float] | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Body | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request to the session, retried while it fails transiently. Raises SandboxError when it gives up."""
        url = f"{self.endpoint}{path}"
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send(method, url, body, headers or {}, params or {})
            except httpx.HTTPError as e:
                failure = transport_failure(e)
                if failure is None or attempt >= self._policy.max_attempts:
                    raise SandboxError(f"the sandbox session did not answer {method} {path}: {e}") from e
                wait = self._policy.backoff_s(attempt)
                logger.info("sandbox session: %s, retrying %s %s in %.1fs", failure.message, method, path, wait)
            else:
                if not _transient(response.status_code):
                    return response
                if attempt >= self._policy.max_attempts:
                    raise SandboxError(f"the sandbox session answered {method} {path} with {response.status_code}")
                asked = retry_after_s(response.headers, time.time())
                wait = min(self._policy.max_delay_s, asked if asked is not None else self._policy.backoff_s(attempt))
                logger.info("sandbox session: %d, retrying %s %s in %.1fs", response.status_code, method, path, wait)
            self._sleep(wait)

    def _send(
        self, method: str, url: str, body: Body | None, headers: dict[str, str], params: dict[str, str]
    ) -> httpx.Response:
        content = body() if callable(body) else body
        auth = {"authorization": f"Bearer {self._bearer()}"}
        return self._http.request(
            method, url, params=params | {"identifier": self.identifier}, content=content, headers=headers | auth
        )

    def _bearer(self) -> str:
        now = time.time()
        if self._token is None or self._token[1] - _TOKEN_MARGIN_S <= now:
            token = self._credential.get_token(self._scope)
            self._token = (token.token, float(token.expires_on))
        return self._token[0]

    def close(self) -> None:
        self._http.close()


def _transient(status: int) -> bool:
    return status in (408, 429) or status >= 500


__all__ = ["DYNAMIC_SESSIONS_AUDIENCE", "SessionPoolClient", "TokenCredential", "session_identifier"]
