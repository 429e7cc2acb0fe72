"""respx in front of the SDKs' httpx2 transport.

The anthropic and openai SDKs speak `httpx2`; respx mocks `httpx`. `RespxBridge` is an httpx2
transport that hands each request to an `httpx.Client` (which respx intercepts) and hands the answer
back, streaming, translating httpx exceptions into their httpx2 twins so the SDKs see what they would
see on a real wire.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import httpx2


def _to_httpx2(error: httpx.HTTPError, request: httpx2.Request) -> httpx2.HTTPError:
    twin = getattr(httpx2, type(error).__name__, httpx2.TransportError)
    result: httpx2.HTTPError = twin(str(error), request=request)
    return result


class _BridgedStream(httpx2.SyncByteStream):
    def __init__(self, response: httpx.Response, request: httpx2.Request) -> None:
        self._response = response
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._response.iter_raw()
        except httpx.HTTPError as e:
            raise _to_httpx2(e, self._request) from e

    def close(self) -> None:
        self._response.close()


class RespxBridge(httpx2.BaseTransport):
    """An httpx2 transport that sends through respx-mocked httpx."""

    def __init__(self) -> None:
        self._client = httpx.Client()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        legacy = httpx.Request(
            request.method, str(request.url), headers=list(request.headers.multi_items()), content=request.read()
        )
        try:
            response = self._client.send(legacy, stream=True)
        except httpx.HTTPError as e:
            raise _to_httpx2(e, request) from e
        return httpx2.Response(
            response.status_code,
            headers=list(response.headers.multi_items()),
            stream=_BridgedStream(response, request),
            request=request,
        )

    def close(self) -> None:
        self._client.close()


class BrokenStream(httpx.SyncByteStream):
    """A response body that sends `head` and then loses the connection."""

    def __init__(self, head: bytes) -> None:
        self._head = head

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")
