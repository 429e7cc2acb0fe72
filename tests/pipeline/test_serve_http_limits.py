"""`sre-agent serve` under load and abuse: every request answered, slow clients cut, bodies bounded.

The real server (uvicorn on 127.0.0.1, a free port) with raw sockets as clients, so a reset, a
half-sent request or a chunked body is exactly what the test says it is. The runner is not started:
accepted investigations wait on its queue, which is all these tests need.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from agentcore.pipeline.http_server import ApiServer
from tests.pipeline.pipeline_harness import quick_runner

GENEROUS_S = 30.0
QUESTION = json.dumps({"question": "why is checkout failing?"}).encode()


@contextmanager
def serving(tmp_path: Path, **settings: Any) -> Iterator[ApiServer]:
    runner = quick_runner(tmp_path, **settings)
    api = ApiServer(runner.context, "127.0.0.1", 0)
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ApiServer]:
    with serving(tmp_path, http_read_timeout_s=1.0, http_max_body_bytes=1024) as api:
        yield api


def post(path: str, body: bytes, *, extra: str = "") -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


def chunked(path: str, *chunks: bytes, last: bool = True) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    return head + body + (b"0\r\n\r\n" if last else b"")


async def exchange(api: ApiServer, data: bytes) -> tuple[int, bytes]:
    """Send `data` (and keep the connection open); return the status and body of the answer."""
    reader, writer = await asyncio.open_connection(*api.address)
    try:
        writer.write(data)
        await writer.drain()
        return await read_answer(reader)
    finally:
        await close(writer)


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with suppress(OSError):
        await writer.wait_closed()


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    async with asyncio.timeout(GENEROUS_S):
        status_line = await reader.readline()
        headers = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
        length = int(headers.split("content-length:")[1].split("\r\n")[0]) if "content-length:" in headers else 0
        body = await reader.readexactly(length)
    return int(status_line.split()[1]), body


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    async with asyncio.timeout(GENEROUS_S):
        return await reader.read() == b""


def burst(api: ApiServer, count: int) -> list[int | str]:
    """`count` POSTs at once, each on its own connection: the status of each, or the error it met."""

    async def one() -> int | str:
        try:
            return (await exchange(api, post("/api/investigations", QUESTION)))[0]
        except OSError as e:
            return type(e).__name__

    async def all_at_once() -> list[int | str]:
        return list(await asyncio.gather(*(one() for _ in range(count))))

    return asyncio.run(all_at_once())


def test_500_concurrent_requests_are_all_accepted_within_the_concurrency_limit(tmp_path: Path) -> None:
    with serving(tmp_path, http_max_concurrency=1000) as api:
        statuses = burst(api, 500)
    assert statuses == [202] * 500, sorted(map(str, set(statuses)))


def test_500_concurrent_requests_over_the_concurrency_limit_are_all_answered(tmp_path: Path) -> None:
    with serving(tmp_path, http_max_concurrency=50) as api:
        statuses = burst(api, 500)
    assert len(statuses) == 500
    assert set(statuses) <= {202, 503}, sorted(map(str, set(statuses)))


def test_a_request_beyond_the_concurrency_limit_is_answered_503(tmp_path: Path) -> None:
    with serving(tmp_path, http_max_concurrency=3, http_read_timeout_s=10.0) as api:

        async def third_while_two_are_open() -> int:
            holders = []
            for _ in range(2):  # each waits in the app for a body, which the 100-continue proves;
                # with them, and the third, the server has 3 connections: its limit
                reader, writer = await asyncio.open_connection(*api.address)
                writer.write(post("/api/investigations", b"", extra="Expect: 100-continue\r\n").replace(
                    b"Content-Length: 0", b"Content-Length: 10"))  # fmt: skip
                async with asyncio.timeout(GENEROUS_S):
                    assert (await reader.readline()).startswith(b"HTTP/1.1 100")
                holders.append(writer)
            status, _ = await exchange(api, post("/api/investigations", QUESTION))
            for writer in holders:
                await close(writer)
            return status

        assert asyncio.run(third_while_two_are_open()) == 503


def test_a_client_that_never_sends_its_headers_is_cut(server: ApiServer) -> None:
    async def silent() -> tuple[tuple[int, bytes], bool]:
        reader, writer = await asyncio.open_connection(*server.address)
        try:
            return await read_answer(reader), await closed_by_server(reader)
        finally:
            await close(writer)

    (status, _), closed = asyncio.run(silent())
    assert (status, closed) == (408, True)


def test_a_client_that_dribbles_its_headers_is_cut(server: ApiServer) -> None:
    # one byte every 50 ms would take 12 s to finish the headers; the read timeout is 1 s
    async def dribble() -> str:
        reader, writer = await asyncio.open_connection(*server.address)
        try:
            for byte in b"POST /api/investigations HTTP/1.1\r\nHost: test\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n":
                writer.write(bytes([byte]))
                await writer.drain()
                with suppress(TimeoutError):
                    async with asyncio.timeout(0.05):
                        answer = (await reader.readline()).decode().strip()
                        return "cut" if answer == "HTTP/1.1 408 Request Timeout" else answer
            return "never cut"
        except ConnectionError:  # the server closed first and our next byte met a reset
            return "cut"
        finally:
            await close(writer)

    assert asyncio.run(dribble()) == "cut"


def test_clients_that_never_send_their_body_are_cut_and_the_server_still_answers(server: ApiServer) -> None:
    async def stalled_then_normal() -> tuple[list[int], int]:
        half = post("/api/investigations", QUESTION)[: -len(QUESTION) + 5]
        stalled = await asyncio.gather(*(exchange(server, half) for _ in range(50)))
        after = await exchange(server, post("/api/investigations", QUESTION))
        return [status for status, _ in stalled], after[0]

    stalled, after = asyncio.run(stalled_then_normal())
    assert stalled == [408] * 50
    assert after == 202


def test_a_chunked_body_is_read_whole(server: ApiServer) -> None:
    status, body = asyncio.run(exchange(server, chunked("/api/investigations", QUESTION[:10], QUESTION[10:25],
                                                        QUESTION[25:])))  # fmt: skip
    assert status == 202
    assert json.loads(body)["id"].startswith("inv-")


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(server: ApiServer) -> None:
    head = b"POST /api/investigations HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000\r\n\r\n"
    status, body = asyncio.run(exchange(server, head))
    assert status == 413
    assert b"1024 bytes" in body


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(server: ApiServer) -> None:
    # the body never ends: only refusing it as it passes the limit answers at all
    status, _ = asyncio.run(exchange(server, chunked("/api/investigations", b"x" * 800, b"y" * 800, last=False)))
    assert status == 413


def test_a_refused_body_closes_the_connection(server: ApiServer) -> None:
    async def refused() -> bool:
        reader, writer = await asyncio.open_connection(*server.address)
        try:
            writer.write(chunked("/api/investigations", b"x" * 2000, last=False))
            assert (await read_answer(reader))[0] == 413
            return await closed_by_server(reader)
        finally:
            await close(writer)

    assert asyncio.run(refused())
