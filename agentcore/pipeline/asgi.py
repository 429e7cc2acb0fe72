"""The HTTP API as an ASGI app (starlette): every route of the Functions app, answered by `api.dispatch`.

`sre-agent serve` runs it on uvicorn (`agentcore.pipeline.http_server`). The app reads a request's
body as it streams in, with a Content-Length or chunked, and never holds more than the body limit:
a declared length over the limit is refused before a byte is read, a streamed one as soon as it
passes the limit (413). A body that has not fully arrived within the read timeout is cut (408). Both
answers close the connection, so the rest of an unwanted body is never read. The routes themselves
are the same functions the Functions app's HTTP triggers call, run on a worker thread (they block on
storage).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from agentcore.pipeline._stage_io import StageContext
from agentcore.pipeline.api import ApiResponse, dispatch, json_response

logger = logging.getLogger(__name__)

_CLOSE = (("Connection", "close"),)
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass(frozen=True)
class BodyLimits:
    """How much of a request body the app accepts, and how long it waits for it."""

    max_bytes: int
    read_timeout_s: float


def api_app(context: StageContext, limits: BodyLimits) -> Starlette:
    """The ASGI app: any method on any path goes to `dispatch`, which answers 404/405 for the unknown."""

    async def answer(request: Request) -> Response:
        body = await read_body(request, limits)
        if isinstance(body, ApiResponse):
            return _to_response(body)
        method, path = request.method, request.url.path
        try:
            response = await run_in_threadpool(
                dispatch, context, method, path, body=body, accept=request.headers.get("accept", ""),
                query=request.url.query, content_type=request.headers.get("content-type", ""),
                fetch_site=request.headers.get("sec-fetch-site", ""),
            )  # fmt: skip
        except Exception:
            logger.exception("%s %s failed", method, path)
            response = json_response(500, {"error": "internal error; see the server log"})
        return _to_response(response)

    return Starlette(routes=[Route("/{path:path}", answer, methods=_METHODS)])


async def read_body(request: Request, limits: BodyLimits) -> bytes | ApiResponse:
    """The whole body, or the answer that refuses it (413 too big, 408 too slow, 400 malformed)."""
    too_big = json_response(413, {"error": f"the body is over {limits.max_bytes} bytes"}, headers=_CLOSE)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_bytes:
        return too_big
    received = bytearray()
    try:
        async with asyncio.timeout(limits.read_timeout_s):
            async for chunk in request.stream():
                if len(received) + len(chunk) > limits.max_bytes:
                    return too_big
                received += chunk
    except TimeoutError:
        message = f"the body did not arrive within {limits.read_timeout_s:g} s"
        return json_response(408, {"error": message}, headers=_CLOSE)
    except ClientDisconnect:
        return json_response(400, {"error": "the client closed the connection before the body ended"}, headers=_CLOSE)
    return bytes(received)


def _to_response(answer: ApiResponse) -> Response:
    return Response(
        answer.body, status_code=answer.status, headers=dict(answer.headers), media_type=answer.content_type
    )
