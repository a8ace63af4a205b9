"""A lean HTTP/1.1 client for one thing: a front process forwarding requests to the store process over its
Unix socket (see :mod:`claimgraph.interfaces.http.front`).

Why not httpx: a front spent about 1.1 ms of CPU forwarding one small query through ``httpx.AsyncClient``
(h11's parser and httpcore's pool, in Python), where the store process answered it in 0.3 ms. Here a
request is one write, and the answer is parsed by ``httptools`` (llhttp, in C), the parser uvicorn itself
uses: the connection is an ``asyncio.Protocol``, so reading costs no task.

What it does and does not do. Keep-alive connections, one request at a time each, kept in a pool; a body
in memory (the front has read it whole); the answer's head awaited, then its body read chunk by chunk,
de-chunked, with reading paused while more than ``BUFFERED`` bytes wait (a slow client slows the store
process's side instead of filling the front's memory). A connection is reused only after an answer read to
its end that did not ask to close; any other is closed, which is also how the store process learns that a
client left (it stops the query feeding the answer). A request that finds its reused connection closed
before any byte of the answer came back is sent once more on a new one: the store process closed an idle
connection as it was being reused, and read none of it. No redirects, no proxies, no TLS, no ``Expect``.
"""

from __future__ import annotations

import asyncio
from collections import deque

import httptools

__all__ = ["Upstream", "Exchange", "UpstreamError", "BUFFERED"]

#: bytes of an answer held before reading from the store process pauses
BUFFERED = 1 << 20


class UpstreamError(ConnectionError):
    """The store process could not be reached, or closed the connection before its answer was whole."""


class Exchange(asyncio.Protocol):
    """One connection to the store process, and the request and answer going over it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self._reset(False)

    def _reset(self, head_only: bool) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.head_only = head_only  # a HEAD request: the answer has a length, but no body follows
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: deque[bytes] = deque()
        self.held = 0
        self.paused = False
        self.headed = False
        self.complete = False
        self.received = False
        self.keep_alive = False
        self.waiter: asyncio.Future[None] | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.close()
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._wake()

    # -- httptools callbacks ----------------------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()
        self.headed = True
        if self.head_only:  # llhttp would wait for the body the Content-Length announces
            self.complete, self.keep_alive = True, False

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.held += len(body)
        if self.held > BUFFERED and not self.paused and self.transport is not None:
            self.transport.pause_reading()
            self.paused = True

    def on_message_complete(self) -> None:
        self.complete = True

    # -- the caller's side ------------------------------------------------------------------------------------
    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def _wait(self) -> None:
        self.waiter = asyncio.get_running_loop().create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None

    def send(self, data: bytes, head_only: bool) -> None:
        self._reset(head_only)
        assert self.transport is not None
        self.transport.write(data)

    async def head(self) -> None:
        """Wait for the answer's status line and headers."""
        while not self.headed:
            if self.lost:
                raise UpstreamError("the store process closed the connection before answering")
            await self._wait()

    async def chunk(self) -> bytes | None:
        """The next piece of the answer's body, or None at its end."""
        while not self.chunks:
            if self.complete:
                return None
            if self.lost:
                raise UpstreamError("the store process closed the connection in the middle of an answer")
            await self._wait()
        data = self.chunks.popleft()
        self.held -= len(data)
        if self.paused and self.held <= BUFFERED // 2 and self.transport is not None:
            self.transport.resume_reading()
            self.paused = False
        return data

    async def body(self) -> bytes:
        """The rest of the answer's body, whole."""
        parts = []
        while (data := await self.chunk()) is not None:
            parts.append(data)
        return b"".join(parts)

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    @property
    def reusable(self) -> bool:
        return self.complete and self.keep_alive and not self.lost and not self.chunks

    def close(self) -> None:
        if self.transport is not None and not self.lost:
            self.transport.close()


class Upstream:
    """Keep-alive connections to the HTTP server on the Unix socket ``path`` (at most ``idle`` kept idle)."""

    def __init__(self, path: str, idle: int = 64) -> None:
        self.path, self.idle_limit = path, idle
        self._idle: list[Exchange] = []

    async def _connect(self) -> Exchange:
        try:
            _, exchange = await asyncio.get_running_loop().create_unix_connection(Exchange, self.path)
        except OSError as exc:
            raise UpstreamError(f"cannot connect to the store process: {exc.strerror or exc}") from None
        return exchange

    async def request(self, method: str, target: bytes, headers: list[tuple[bytes, bytes]],
                      body: bytes) -> Exchange:
        """Send a request; returns its exchange once the answer's head has come (read its body with
        ``chunk``/``body``, then hand it back with ``release``). ``headers`` must not say the body's length."""
        out = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
        for name, value in headers:
            out += [name, b": ", value, b"\r\n"]
        if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            out += [b"content-length: ", str(len(body)).encode("ascii"), b"\r\n"]
        out += [b"\r\n", body]
        data = b"".join(out)
        while self._idle:
            exchange = self._idle.pop()
            if exchange.lost:
                continue
            exchange.send(data, method == "HEAD")
            try:
                await exchange.head()
                return exchange
            except UpstreamError:
                if exchange.received:  # it had begun to answer: not a connection closed while idle
                    raise
        exchange = await self._connect()
        exchange.send(data, method == "HEAD")
        await exchange.head()
        return exchange

    def release(self, exchange: Exchange) -> None:
        """Keep the connection for another request if its answer was read to the end, else close it."""
        if exchange.reusable and len(self._idle) < self.idle_limit:
            self._idle.append(exchange)
        else:
            exchange.close()

    def close(self) -> None:
        for exchange in self._idle:
            exchange.close()
        self._idle.clear()
