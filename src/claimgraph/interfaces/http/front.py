"""Serving processes: several processes accept the HTTP connections, so that the endpoint uses every core.

``claimgraph serve`` on an on-disk store runs as one **store process** and N **front processes**
(``--processes``, one per core by default):

* The store process owns the store (RocksDB locks it to one process, which must take every write), runs
  the whole app (:func:`~claimgraph.interfaces.http.app.create_app`) on a Unix socket in a private folder,
  and runs users' queries in its killable query workers, over snapshots (see
  :mod:`claimgraph.services.executor`). It publishes the store's generation in a file the fronts map,
  updated after every write and before the write is answered.
* Each front process accepts connections on the shared listening socket and forwards every request to the
  store process as it came, streaming the answer back (``Front.forward``), with one exception: a query
  the store process has already answered from the current snapshot, quickly (under ``INLINE_SECONDS`` and a
  quarter of the time limit) and briefly (under ``INLINE_BYTES``), is answered by the front itself, from that
  same snapshot, which it holds a lease on (``flock``; the store process deletes a snapshot only when no front
  leases it): at once if it took under ``FAST_SECONDS``, else in one of its threads.
* A front also keeps whole answers it relayed or evaluated (``Answers``, up to ``ANSWER_CACHE_BYTES``) and
  sends one again to the same request while the published generation is the one it was read at: the answer
  is a function of the query and the snapshot, unless the query asks for something new each time
  (``RAND()``, ``NOW()``, ...: evaluated again) or reaches another server (``SERVICE``: never here).

Why that is safe. A time limit needs a query that can be killed, and pyoxigraph cannot interrupt one: so
a query runs in a front only if the very same query (text, dataset, base IRI, media type) already ran to
completion on the very same immutable snapshot in well under the limit. Evaluating it again reads the same
data the same way, so it takes about as long again: it cannot run away. Anything else (a query not seen on
this snapshot, one that was slow or large, one calling ``SERVICE``, every write, every page) goes to the
store process, where the limit holds as before. A query sent after a write was answered sees that write:
the front answers by itself only while the published generation equals its snapshot's.

The front is a plain ASGI app (no framework) under uvicorn, whose HTTP protocol it extends
(``protocol_for``) to answer a known GET query as soon as its headers are read, with no hop to another
process and no ASGI task: that is what lets the endpoint keep up with raw pyoxigraph under load
(``bench/endpoint.py``).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import mmap
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claimgraph.interfaces.core import Claimgraph

__all__ = ["Front", "Fronts", "Answers", "INLINE_SECONDS", "INLINE_BYTES", "ANSWER_CACHE_BYTES", "main",
           "serve_with_fronts"]

#: a query is evaluated in a front only if the store process's worker answered it in less than this (and in
#: less than a quarter of the time limit): evaluated again on the same snapshot it takes about as long
INLINE_SECONDS = 1.0
#: ... with an answer no larger than this (held whole in memory)
INLINE_BYTES = 16 * 1024 * 1024
#: a known query measured under this is evaluated in the event loop, as its request is read; a longer one in
#: one of ``THREADS`` threads, so that the front goes on reading and answering other requests meanwhile
#: (pyoxigraph lets go of the GIL while it evaluates and serialises)
FAST_SECONDS = 0.005
THREADS = 2
#: queries remembered as answerable in a front, per front
_REMEMBERED = 10_000
#: bytes of answers a front keeps, by default (``CLAIMGRAPH_ANSWER_CACHE_BYTES``); one answer may take a quarter
ANSWER_CACHE_BYTES = 64 * 1024 * 1024
#: what makes two evaluations of one query on one snapshot differ: such an answer is evaluated again, never kept
_VOLATILE = re.compile(r"\b(?:rand|now|uuid|struuid|bnode|current-date(?:time)?|current-time)\s*\(", re.IGNORECASE)
_SERVICE = re.compile(r"\bservice\b", re.IGNORECASE)
#: a request that asks for an answer read now, not one kept (RFC 9111, 5.2.1: no-cache, no-store, max-age=0;
#: Pragma: no-cache): the front evaluates it, or the store process does
_FRESH = re.compile(rb"no-cache|no-store|max-age\s*=\s*0\b", re.IGNORECASE)
#: headers that concern one connection, not the message (RFC 9110 section 7.6.1), and those the front's
#: own server writes
_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding",
                  b"upgrade", b"proxy-authorization", b"proxy-authenticate", b"date", b"server", b"expect"})
#: what a client may not say about itself: the front says it (the store process trusts these from a front only)
_FORWARDING = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"forwarded"})
_INTERNAL = b"claimgraph-"  # what the store process says to fronts only (``sparql.INTERNAL_SNAPSHOT``)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_log = logging.getLogger("claimgraph.front")


class _Snapshot:
    """A snapshot this front reads, opened read-only, with its lease held."""

    def __init__(self, generation: int, path: str, store: Any, lease_fd: int) -> None:
        self.generation, self.path, self.store, self.lease_fd = generation, path, store, lease_fd
        self.readers = 0  # evaluations in threads still reading it (counted in the event loop's thread)
        self.closing = False

    @classmethod
    def open(cls, generation: int, path: str) -> "_Snapshot | None":
        """Lease and open the snapshot at ``path``; None if the store process is deleting it."""
        import pyoxigraph as ox

        from claimgraph.services.executor import lease

        try:
            fd = os.open(lease(Path(path)), os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            if not os.path.isdir(path):  # renamed away while unlocked: being deleted
                raise FileNotFoundError(path)
            return cls(generation, path, ox.Store.read_only(path), fd)
        except (BlockingIOError, OSError):
            os.close(fd)
            return None

    def close(self) -> None:
        """Let it go, once no evaluation in a thread reads it any more."""
        self.closing = True
        if self.readers == 0 and self.lease_fd >= 0:
            self.store = None  # RocksDB closes with the last reference, before the lease is let go
            os.close(self.lease_fd)
            self.lease_fd = -1

    def done_reading(self) -> None:
        self.readers -= 1
        if self.closing:
            self.close()


class _Known:
    """A query a front may answer itself: the generation it was measured on, the worker request, the
    answer's headers as the store process gave them, whether two evaluations give the same answer
    (``steady``), and (once known) its serialisation format."""

    __slots__ = ("generation", "request", "headers", "steady", "seconds", "format")

    def __init__(self, generation: int, request: dict[str, Any], headers: list[tuple[bytes, bytes]],
                 steady: bool, seconds: float) -> None:
        self.generation, self.request, self.headers, self.steady = generation, request, headers, steady
        self.seconds = seconds
        self.format: Any = None


Answer = tuple[list[tuple[bytes, bytes]], bytes]  # headers (Content-Length included) and body


class Answers:
    """Answers a front keeps, whole, for the generation of the store they were read from: at most ``budget``
    bytes (bodies, and what holding each costs: see ``cost``), a body at most a quarter of it, the least
    recently asked let go first. Every answer kept is of the current generation: the first lookup after a
    write lets go of them all."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.largest = budget // 4
        self.generation = -1
        self.held = 0
        self._answers: OrderedDict[tuple[Any, ...], tuple[Answer, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    @staticmethod
    def cost(key: tuple[Any, ...], body: bytes) -> int:
        """Bytes an answer is counted for: its body, the request that keys it, and a share for the objects
        around them (a million tiny answers must not pass for their bodies' size)."""
        return len(body) + sum(len(part) for part in key if isinstance(part, (bytes, str))) + 512

    def get(self, key: tuple[Any, ...], generation: int) -> Answer | None:
        if generation != self.generation:
            self._answers.clear()
            self.held, self.generation = 0, generation
            return None
        kept = self._answers.get(key)
        if kept is None:
            return None
        self._answers.move_to_end(key)
        return kept[0]

    def fits(self, size: int) -> bool:
        return self.budget > 0 and 0 <= size <= self.largest

    def put(self, key: tuple[Any, ...], generation: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        """Keep ``body`` (with ``headers``, less any Content-Length) as the answer to ``key`` at ``generation``."""
        if not self.fits(len(body)) or generation < self.generation:
            return
        if generation > self.generation:
            self._answers.clear()
            self.held, self.generation = 0, generation
        old = self._answers.pop(key, None)
        if old is not None:
            self.held -= old[1]
        length = str(len(body)).encode("ascii")
        cost = self.cost(key, body)
        self._answers[key] = (([h for h in headers if h[0].lower() != b"content-length"]
                               + [(b"content-length", length)], body), cost)
        self.held += cost
        while self.held > self.budget:
            _, (_, dropped) = self._answers.popitem(last=False)
            self.held -= dropped


def _steady(key: tuple[Any, ...]) -> bool:
    """Whether the request ``key`` (see ``Front.key_of``) asks a query whose answer on one snapshot is the same
    each time: no function that gives something new at each call, no ``SERVICE``. Read on the request's URL
    and body as sent and percent-decoded, without parsing them: a word in a literal or a comment counts too,
    which only ever keeps fewer answers."""
    sent = key[2].decode("latin-1") + "\n" + key[3].decode("latin-1")
    text = sent + "\n" + urllib.parse.unquote_plus(sent)
    return _VOLATILE.search(text) is None and _SERVICE.search(text) is None


def _evaluate(known: _Known, store: Any) -> tuple[bytes, Any] | None:
    """A known query's answer on ``store`` (a snapshot), serialised as the store process did, and its format;
    None if it failed (the store process answers instead). Runs in the event loop's thread or in another."""
    from claimgraph.services.protocol import answer_format
    from claimgraph.services.query_worker import evaluate

    try:
        result = evaluate(store, known.request)
        fmt = known.format or answer_format(result, known.request["accept"])[1]
        return result.serialize(format=fmt) or b"", fmt
    except Exception:  # noqa: BLE001 - whatever went wrong, the store process answers instead
        _log.warning("a known query failed in a front process; forwarded", exc_info=True)
        return None


async def _problem(send: Send, status: int, detail: str) -> None:
    from claimgraph.interfaces.http.problems import problem_response

    response = problem_response(status, detail)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


class Front:
    """The ASGI app of a front process: answer known queries from the snapshot, forward everything else
    to the store process at the Unix socket ``upstream``. ``root`` is the snapshot folder (with the
    published generation); ``max_body_bytes`` the request body limit, as the store process applies it;
    ``answer_cache_bytes`` the bytes of answers it keeps whole (0: none, each is evaluated again);
    ``time_limit`` the store process's query time limit (a query evaluated here takes a small part of it)."""

    def __init__(self, upstream: str, root: Path, max_body_bytes: int,
                 answer_cache_bytes: int = ANSWER_CACHE_BYTES, time_limit: float = 30.0) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from claimgraph.interfaces.http.upstream import Upstream

        self.upstream, self.limit, self.time_limit = Upstream(upstream), max_body_bytes, time_limit
        self.answers = Answers(answer_cache_bytes)
        self._threads = ThreadPoolExecutor(THREADS, thread_name_prefix="claimgraph-front")
        from claimgraph.services.executor import GENERATION_FILE

        with open(root / GENERATION_FILE, "rb") as file:
            self._published = mmap.mmap(file.fileno(), 8, access=mmap.ACCESS_READ)
        self.snapshot: _Snapshot | None = None
        self._opening = -1  # generation of a snapshot being opened
        self._switching: asyncio.Task[None] | None = None
        self.known: dict[tuple[Any, ...], _Known] = {}

    def published(self) -> int:
        return int(struct.unpack_from("q", self._published, 0)[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                await _problem(send, 413, f"the request body is larger than the limit of {self.limit} bytes")
                return
            if not message.get("more_body", False):
                break
        key = self.key_of(scope["method"], scope["path"], scope["query_string"], body, scope["headers"])
        answered = self.answer_known(key)
        if answered is None and key is not None and (found := self._evaluable(key)) is not None:
            known, snapshot = found  # a slower known query: evaluated in a thread, this loop serving others
            snapshot.readers += 1
            try:
                evaluated = await asyncio.get_running_loop().run_in_executor(self._threads, _evaluate, known,
                                                                             snapshot.store)
            finally:
                snapshot.done_reading()
            answered = self._answered(key, known, snapshot, evaluated)
        if answered is not None:
            headers, content = answered
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": content})
            return
        await self.forward(scope, bytes(body), receive, send, key)

    def _let_go(self) -> None:
        """Close a snapshot a write has made stale, so that the store process can delete it."""
        if self.snapshot is not None and self.snapshot.generation != self.published():
            old, self.snapshot = self.snapshot, None
            old.close()

    async def _watch_generation(self) -> None:
        """Let go of a stale snapshot also when no query comes to notice it."""
        while True:
            await asyncio.sleep(1.0)
            self._let_go()

    @staticmethod
    def key_of(method: str, path: str, query_string: bytes, body: bytes | bytearray,
             headers: list[tuple[bytes, bytes]]) -> tuple[Any, ...] | None:
        """What determines a query's answer on a given snapshot, for the protocol's query requests;
        None for any other request (and for those that carry CORS, which the store process answers)."""
        if path not in ("/sparql", "/query") or method not in ("GET", "POST"):
            return None
        host = accept = content_type = b""
        fresh = False
        for name, value in headers:
            if name == b"host":
                host = value
            elif name == b"accept":
                if accept:
                    return None  # given twice: answered by the store process, which reads the first
                accept = value
            elif name == b"content-type":
                content_type = value
            elif name in (b"origin", b"authorization"):
                return None
            elif name in (b"cache-control", b"pragma"):
                fresh = fresh or _FRESH.search(value) is not None
        return (method, path, query_string, bytes(body), host, accept, content_type, fresh)

    def answer_known(self, key: tuple[Any, ...] | None) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        """The answer (headers, body) to a known query that can be given at once: one kept, or a quick one
        evaluated on the snapshot it was measured on; None otherwise (evaluated in a thread, or forwarded)."""
        if key is None:
            return None
        kept = None if key[-1] else self.answers.get(key, self.published())  # key[-1]: a fresh answer was asked
        if kept is not None:
            return kept
        found = self._evaluable(key)
        if found is None or found[0].seconds >= FAST_SECONDS:
            return None
        known, snapshot = found
        return self._answered(key, known, snapshot, _evaluate(known, snapshot.store))

    def _evaluable(self, key: tuple[Any, ...]) -> tuple[_Known, _Snapshot] | None:
        """The known query and the snapshot to evaluate it on, if it was measured on the current one."""
        if (known := self.known.get(key)) is None or (snapshot := self.snapshot) is None:
            return None
        if snapshot.generation != self.published():
            self._let_go()
            return None
        if known.generation != snapshot.generation:
            return None
        return known, snapshot

    def _answered(self, key: tuple[Any, ...], known: _Known, snapshot: _Snapshot,
                  evaluated: tuple[bytes, Any] | None) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        if evaluated is None:
            return None
        body, known.format = evaluated
        if known.steady and not key[-1]:
            self.answers.put(key, snapshot.generation, known.headers, body)
        return known.headers + [(b"content-length", str(len(body)).encode("ascii"))], body

    async def forward(self, scope: Scope, body: bytes, receive: Receive, send: Send,
                      key: tuple[Any, ...] | None) -> None:
        """Send the request to the store process and its answer back, streamed."""
        from claimgraph.interfaces.http.sparql import INTERNAL_SNAPSHOT
        from claimgraph.interfaces.http.upstream import UpstreamError

        headers = [(name, value) for name, value in scope["headers"]
                   if name not in _HOP and name not in _FORWARDING and name != b"content-length"]
        if not any(name == b"host" for name, _ in headers) and scope.get("server"):
            host, port = scope["server"]  # an HTTP/1.0 client: the URLs the store process makes name this server
            headers.append((b"host", f"{host}:{port}".encode("ascii")))
        client = scope.get("client")
        if client:
            headers.append((b"x-forwarded-for", client[0].encode("ascii")))
        headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode("ascii")))
        target = scope.get("raw_path") or scope["path"].encode("utf-8")
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        started = time.monotonic()
        try:
            answer = await self.upstream.request(scope["method"], target, headers, body)
        except UpstreamError as exc:
            await _problem(send, 503, f"the store's process is not answering ({exc}); try again")
            return
        try:
            internal = answer.header(INTERNAL_SNAPSHOT.encode("ascii"))
            out = [(name.lower(), value) for name, value in answer.headers
                   if name.lower() not in _HOP and not name.lower().startswith(_INTERNAL)]
            learn = internal is not None and key is not None and answer.status == 200
            content: bytes | None
            if answer.header(b"content-length") is not None:
                try:
                    content = await answer.body()
                except UpstreamError as exc:
                    await _problem(send, 502, f"the store's process did not finish its answer ({exc}); try again")
                    return
                await send({"type": "http.response.start", "status": answer.status, "headers": out})
                await send({"type": "http.response.body", "body": content})
                size = len(content)
            else:  # streamed: how long it took is known at its end, as the front saw it (an upper bound)
                await send({"type": "http.response.start", "status": answer.status, "headers": out})
                kept: list[bytes] | None = [] if learn else None
                try:
                    size = await self._stream(answer, receive, send, kept, self.answers.largest)
                except UpstreamError:
                    # cut short by the store process (a time or size limit passed): returning without the
                    # answer's end makes the server close the connection, which tells the client it is cut
                    return
                content = b"".join(kept) if kept is not None and self.answers.fits(size) else None
            if learn and size >= 0:
                generation, seconds, path = internal.decode("ascii").split(" ", 2)
                if float(seconds) < 0:
                    seconds = str(time.monotonic() - started)
                await self._remember(scope, body, key, int(generation), float(seconds), path, out, size, content)
        finally:
            self.upstream.release(answer)

    @staticmethod
    async def _stream(answer: Any, receive: Receive, send: Send, kept: list[bytes] | None, largest: int) -> int:
        """Relay a streamed answer; if the client leaves, close the upstream answer, so that the store
        process stops the query that produces it. Returns the bytes relayed, or -1 if the client left.
        ``kept`` (if given) collects the chunks while they come to no more than ``largest`` bytes."""
        gone = asyncio.ensure_future(receive())
        size = 0
        try:
            while (chunk := await answer.chunk()) is not None:
                if gone.done():
                    return -1
                size += len(chunk)
                if kept is not None:
                    if size <= largest:
                        kept.append(chunk)
                    elif kept:
                        kept.clear()
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return size
        finally:
            gone.cancel()

    async def _remember(self, scope: Scope, body: bytes, key: tuple[Any, ...], generation: int, seconds: float,
                        path: str, headers: list[tuple[bytes, bytes]], size: int, content: bytes | None) -> None:
        """Note a query the store process answered from a snapshot: keep its answer (``content``, if whole and
        small enough), note it as one to evaluate here if it was quick, and move to its snapshot when it is
        newer."""
        if generation != self.published():
            return
        if self.snapshot is None or self.snapshot.generation < generation:
            if self._opening != generation:
                self._opening = generation
                # held here: the event loop keeps only a weak reference to a task
                self._switching = asyncio.get_running_loop().create_task(self._switch(generation, path))
        headers = [h for h in headers if h[0].lower() != b"content-length"]
        if content is not None and not key[-1] and self.answers.fits(len(content)) and _steady(key):
            self.answers.put(key, generation, headers, content)
            return  # kept: sent again as it is, never evaluated here
        if seconds >= min(INLINE_SECONDS, self.time_limit / 4) or size > INLINE_BYTES:
            return
        from starlette.requests import Request

        from claimgraph.interfaces.http.deps import endpoint_url
        from claimgraph.interfaces.http.problems import Problem
        from claimgraph.interfaces.http.sparql import dataset_of, operation
        from claimgraph.namespaces import PREFIXES
        from claimgraph.services.executor import worker_request

        replayed = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay() -> MutableMapping[str, Any]:
            return replayed.pop() if replayed else {"type": "http.disconnect"}

        request = Request(scope, replay)
        try:
            query, _, params = await operation(request, self.limit)
            dataset = dataset_of(params)
        except Problem:
            return
        if query is None or "service" in query.lower():  # SERVICE reaches out to another server: never here
            return
        if len(self.known) >= _REMEMBERED:
            current = self.published()
            self.known = {k: v for k, v in self.known.items() if v.generation == current}
            if len(self.known) >= _REMEMBERED:
                self.known.clear()
        accept = request.headers.get("accept")
        asked = worker_request(query, accept=accept, dataset=dataset, prefixes=PREFIXES, base_iri=endpoint_url(request))
        self.known[key] = _Known(generation, asked, headers, _VOLATILE.search(query) is None, seconds)

    async def _switch(self, generation: int, path: str) -> None:
        opened = await asyncio.get_running_loop().run_in_executor(None, _Snapshot.open, generation, path)
        if self._opening == generation:
            self._opening = -1
        if opened is None:
            return
        if self.snapshot is not None and self.snapshot.generation >= generation:
            opened.close()
            return
        old, self.snapshot = self.snapshot, opened
        if old is not None:
            old.close()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                watcher = asyncio.get_running_loop().create_task(self._watch_generation())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                watcher.cancel()
                self.upstream.close()
                self._threads.shutdown(wait=True, cancel_futures=True)
                if self.snapshot is not None:
                    self.snapshot.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


class Fronts:
    """The store process's side: starts ``count`` front processes on ``listener``, starts again any that
    dies, stops them all at the end."""

    def __init__(self, listener: socket.socket, upstream: str, count: int, max_body_bytes: int,
                 answer_cache_bytes: int = ANSWER_CACHE_BYTES, time_limit: float = 30.0) -> None:
        self.listener, self.upstream, self.count, self.max_body_bytes = listener, upstream, count, max_body_bytes
        self.answer_cache_bytes, self.time_limit = answer_cache_bytes, time_limit
        self.processes: list[subprocess.Popen[bytes]] = []
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._root: Path | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        assert self._root is not None
        fd = self.listener.fileno()
        return subprocess.Popen([sys.executable, "-m", "claimgraph.interfaces.http.front", str(fd), self.upstream,
                                 str(self._root), str(self.max_body_bytes), str(self.answer_cache_bytes),
                                 repr(self.time_limit)],
                                pass_fds=(fd,), stdin=subprocess.DEVNULL, close_fds=True,
                                start_new_session=True)  # a terminal's Ctrl-C is the store process's to handle

    def start(self, root: Path) -> None:
        self._root = root
        self.processes = [self._spawn() for _ in range(self.count)]
        self._watcher = threading.Thread(target=self._watch, name="claimgraph-fronts", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            for i, process in enumerate(self.processes):
                if process.poll() is not None and not self._stopping.is_set():
                    _log.warning("front process %d ended (code %s); starting another", process.pid,
                                 process.returncode)
                    self.processes[i] = self._spawn()

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def serve_with_fronts(graph: Claimgraph, host: str, port: int, processes: int,
                      announce: Callable[[], None]) -> None:
    """Serve ``graph`` on ``host:port`` until stopped: this process runs the app on a Unix socket in a
    private folder, ``processes`` fronts accept the connections. ``announce`` is called once listening."""
    import shutil
    import tempfile

    import uvicorn

    from claimgraph.errors import UsageError
    from claimgraph.interfaces.http.app import create_app

    class StoreServer(uvicorn.Server):
        """At shutdown the fronts stop first, so that none forwards a request to a socket that no longer
        answers."""

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            await asyncio.get_running_loop().run_in_executor(None, fronts.stop)
            await super().shutdown(sockets)

    try:
        listener = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET,
                                        backlog=2048)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    private = Path(tempfile.mkdtemp(prefix="claimgraph-serve-"))  # mode 0700: the store's socket is private
    try:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.bind(str(private / "store.sock"))
        upstream.listen(2048)
        fronts = Fronts(listener, str(private / "store.sock"), processes, graph.settings.max_body_bytes,
                        graph.settings.answer_cache_bytes, graph.settings.query_timeout)
        # only the fronts reach this socket: the client addresses they pass on are trusted, and their idle
        # connections are kept (closed after uvicorn's default 5 s, one could close just as a front reuses it)
        config = uvicorn.Config(create_app(graph, fronts), log_level="warning", proxy_headers=True,
                                forwarded_allow_ips="*", timeout_keep_alive=24 * 3600)
        announce()
        StoreServer(config).run(sockets=[upstream])
    finally:
        listener.close()
        shutil.rmtree(private, ignore_errors=True)


def protocol_for(front: Front) -> type[asyncio.Protocol] | str:
    """uvicorn's httptools protocol, answering a known GET query as soon as its headers are read, without
    the ASGI machinery (a task, a request cycle, two writes: ~40 µs of a front's CPU a request); anything
    else goes on through the app as usual. "httptools" (uvicorn's own) if this uvicorn is not the one
    this was written against."""
    try:
        import httptools
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    except ImportError:
        return "auto"
    needed = ("parser", "url", "headers", "cycle", "pipeline", "expect_100_continue", "transport", "server_state",
              "flow", "on_response_complete")
    probe = set(dir(HttpToolsProtocol))
    for member in vars(HttpToolsProtocol).values():
        probe.update(getattr(getattr(member, "__code__", None), "co_names", ()))
    if not all(name in probe for name in needed):
        return "httptools"

    class FrontProtocol(HttpToolsProtocol):  # type: ignore[misc]
        answered = False

        def on_headers_complete(self) -> None:
            self.answered = False
            # in order (nothing before it still answering) and only while the client reads what it is sent
            if (self.parser.get_method() == b"GET" and not self.expect_100_continue and not self.pipeline
                    and (self.cycle is None or self.cycle.response_complete) and not self.flow.write_paused):
                url = httptools.parse_url(self.url)
                path = url.path.decode("ascii", "replace")
                answer = front.answer_known(front.key_of("GET", path, url.query or b"", b"", self.headers))
                if answer is not None:
                    self.answered = True
                    headers, body = answer
                    keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
                    out = [STATUS_LINE[200]]
                    for name, value in [*self.server_state.default_headers, *headers]:
                        out += [name, b": ", value, b"\r\n"]
                    if not keep_alive:
                        out.append(b"connection: close\r\n")
                    out += [b"\r\n", body]
                    self.transport.write(b"".join(out))
                    if keep_alive:
                        self.on_response_complete()
                    else:
                        self.transport.close()
                    return
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if not self.answered:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if not self.answered:
                super().on_message_complete()

    return FrontProtocol


def _orphaned(parent: int) -> None:
    """End this front when the store process is gone (killed without stopping its fronts)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def main(argv: list[str]) -> int:
    """``python -m claimgraph.interfaces.http.front FD UPSTREAM ROOT MAX_BODY_BYTES ANSWER_CACHE_BYTES TIME_LIMIT``:
    started by ``claimgraph serve``, on the listening socket FD it inherits."""
    if len(argv) != 6 or not all(argv[i].isdigit() for i in (0, 3, 4)):
        print("claimgraph's front processes are started by `claimgraph serve`, not by hand", file=sys.stderr)
        return 2
    import uvicorn

    threading.Thread(target=_orphaned, args=(os.getppid(),), daemon=True).start()
    listener = socket.socket(fileno=int(argv[0]))
    app = Front(argv[1], Path(argv[2]), int(argv[3]), int(argv[4]), float(argv[5]))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", ws="none",
                            http=protocol_for(app), timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[listener])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
