"""Serving processes: several processes accept the HTTP connections, so that the endpoint uses every core.

``claimgraph serve`` on an on-disk store runs as one **store process** and N **front processes**
(``--processes``, one per core by default):

* The store process owns the store (RocksDB locks it to one process, which must take every write), runs
  the whole app (:func:`~claimgraph.interfaces.http.app.create_app`) on a Unix socket in a private folder,
  and runs users' queries in its killable query workers, over snapshots (see
  :mod:`claimgraph.services.executor`). It publishes the store's generation in a file the fronts map,
  updated after every write and before the write is answered.
* Each front process accepts connections on the shared listening socket. It **evaluates a query itself**, in
  one of its ``THREADS`` threads, on the snapshot the store process last answered from, as long as that is
  the current one (the published generation has not moved) and a thread is free, and answers it as the store
  process would (same headers, the same time and size limits; whole with its length up to 1 MiB, else
  streamed, where the store process streams past 64 KiB). A query it answered (or saw answered) in under
  ``FAST_SECONDS`` is evaluated at once, in its event loop, when it comes again. Anything else (every write,
  every page, a query after a write until the front holds the new snapshot, a query it cannot read or that
  fails before its first byte, one calling ``SERVICE`` or with the word ORDER (``engine.may_sort``), and queries while
  all its threads are busy) it forwards to the store process as it came, streaming the answer back
  (``Front.forward``). A front leases the snapshot it reads (``flock``): the store process deletes a snapshot
  only when no front leases it.
* A front also keeps whole answers it relayed or evaluated, to requests it has seen more than once
  (``Answers``, up to ``ANSWER_CACHE_BYTES``), and sends one again to the same request while the published
  generation is the one it was read at: the answer is a function of the query and the snapshot, unless the
  query asks for something new each time (``RAND()``, ``NOW()``, ...: evaluated again) or reaches another
  server (``SERVICE``: never here).

The time limit. pyoxigraph cannot interrupt a query. A query that runs past the limit in a front is answered
503 at the limit, and its answer stopped at its next write (a streamed answer writes every 8 KiB or so); a
thread still evaluating a second later, inside one step of the query, can only be stopped by ending its
process. That front then **retires**: it takes no more connections (the other fronts take them), answers
every request it has taken, and ends, with the thread; the store process starts another in its place at
once (``retiring_marker``). A runaway query costs one core until then, at most the time limit again.

Consistency: a query sent after a write was answered sees that write, since a front evaluates only on the
snapshot of the published generation.

The front is a plain ASGI app (no framework) under uvicorn. Its connections are accepted by its **lane**
(:mod:`claimgraph.interfaces.http.lane`): each is served by a thread of its own, which evaluates a GET query
itself and writes its answer, with no hand-off between threads (which costs a query never asked before a
third of its CPU: ``docs/performance.md``). The lane passes any other GET to this
app, and hands a connection to uvicorn (in the event loop) at its first request of another kind. There, the
front extends uvicorn's HTTP protocol (``protocol_for``) to take a GET query as soon as its headers are read:
a known one is answered there and then, any other it can evaluate is handed to a thread, and its answer
written in one piece when it comes whole.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import mmap
import os
import queue
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

from claimgraph.services.engine import may_sort
from claimgraph.services.protocol import content_type_of

if TYPE_CHECKING:
    from claimgraph.config import Settings
    from claimgraph.interfaces.core import Claimgraph

__all__ = ["Front", "Fronts", "Answers", "FAST_SECONDS", "INLINE_BYTES", "THREADS", "ANSWER_CACHE_BYTES", "main",
           "serve_with_fronts"]

#: a query the store process or a front answered from the current snapshot in less than this, with an answer
#: of at most ``INLINE_BYTES``, is evaluated again in the event loop as its request is read (a query measured
#: fast on an immutable snapshot takes as long again); any other is evaluated in one of ``THREADS`` threads,
#: under the time limit (pyoxigraph lets go of the GIL while it evaluates), so that the loop serves others
FAST_SECONDS = 0.005
INLINE_BYTES = 16 * 1024 * 1024
THREADS = 4
#: an answer a front evaluates is sent whole (with its Content-Length, which clients read faster than chunks)
#: up to this size, else streamed in chunks of ``_STREAMED``, at most ``_AHEAD`` of them waiting to be sent
_WHOLE = 1024 * 1024
_STREAMED = 512 * 1024
_AHEAD = 4
#: a thread still evaluating this long after its query's time limit makes its front retire (see ``Front``)
_GRACE = 1.0
#: queries remembered as answerable in a front, per front
_REMEMBERED = 10_000
#: bytes of answers a front keeps, by default (``CLAIMGRAPH_ANSWER_CACHE_BYTES``); one answer may take a quarter
ANSWER_CACHE_BYTES = 64 * 1024 * 1024
#: requests a front remembers as asked, to keep the answers of those asked again (see ``Answers``)
_ASKED = 100_000
#: what makes two evaluations of one query on one snapshot differ: such an answer is evaluated again, never kept
_VOLATILE = re.compile(r"\b(?:rand|now|uuid|struuid|bnode|current-date(?:time)?|current-time)\s*\(", re.IGNORECASE)
_VOLATILE_WORDS = ("rand", "now", "uuid", "bnode", "current-")
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
#: in a request's scope: (relay, first item) of a query the protocol began evaluating (``Front.begin``), which
#: the app answers
BEGUN = "claimgraph.begun"
#: in a request's scope: a query a front's connection thread evaluated, which failed before its first byte (the
#: store process answers it, and words what was wrong)
REFUSED = "claimgraph.refused"
#: in a request's scope: the front's kept answers were looked up for it already (by a connection thread)
LOOKED_UP = "claimgraph.looked-up"


class _Snapshot:
    """A snapshot this front reads, opened read-only, with its lease held."""

    def __init__(self, generation: int, path: str, store: Any, lease_fd: int) -> None:
        self.generation, self.path, self.store, self.lease_fd = generation, path, store, lease_fd
        self.readers = 0  # evaluations still reading it, in any of the front's threads
        self.closing = False
        self._lock = threading.Lock()

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

    def enter(self) -> Any | None:
        """The store, counted as read until ``done_reading``; None once it is being closed."""
        with self._lock:
            if self.closing or self.store is None:
                return None
            self.readers += 1
            return self.store

    def close(self) -> None:
        """Let it go, once no evaluation reads it any more."""
        with self._lock:
            self.closing = True
            self._release()

    def done_reading(self) -> None:
        with self._lock:
            self.readers -= 1
            if self.closing:
                self._release()

    def _release(self) -> None:
        if self.readers == 0 and self.lease_fd >= 0:
            self.store = None  # RocksDB closes with the last reference, before the lease is let go
            os.close(self.lease_fd)
            self.lease_fd = -1


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
    write lets go of them all. An answer is kept only once its request has been looked up twice (``get``):
    a query asked once, as most are, does not push out answers asked again and again."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.largest = budget // 4
        self.generation = -1
        self.held = 0
        self._answers: OrderedDict[tuple[Any, ...], tuple[Answer, int]] = OrderedDict()
        self._lock = threading.Lock()  # a front's connection threads and its event loop share them
        self._asked: dict[int, bool] = {}  # requests looked up and not found (by hash): True from the second time

    def __len__(self) -> int:
        return len(self._answers)

    @staticmethod
    def cost(key: tuple[Any, ...], body: bytes) -> int:
        """Bytes an answer is counted for: its body, the request that keys it, and a share for the objects
        around them (a million tiny answers must not pass for their bodies' size)."""
        return len(body) + sum(len(part) for part in key if isinstance(part, (bytes, str))) + 512

    def get(self, key: tuple[Any, ...], generation: int) -> Answer | None:
        with self._lock:
            if generation != self.generation:
                self._answers.clear()
                self.held, self.generation = 0, generation
            kept = self._answers.get(key)
            if kept is None:
                asked = hash(key)
                if len(self._asked) >= _ASKED:
                    self._asked.clear()
                self._asked[asked] = asked in self._asked
                return None
            self._answers.move_to_end(key)
            return kept[0]

    def fits(self, size: int) -> bool:
        return self.budget > 0 and 0 <= size <= self.largest

    def put(self, key: tuple[Any, ...], generation: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        """Keep ``body`` (with ``headers``, less any Content-Length) as the answer to ``key`` at ``generation``."""
        if not self.fits(len(body)) or generation < self.generation or not self._asked.get(hash(key)):
            return
        length = str(len(body)).encode("ascii")
        answer = ([h for h in headers if h[0].lower() != b"content-length"] + [(b"content-length", length)], body)
        cost = self.cost(key, body)
        with self._lock:
            if generation < self.generation:
                return
            if generation > self.generation:
                self._answers.clear()
                self.held, self.generation = 0, generation
            old = self._answers.pop(key, None)
            if old is not None:
                self.held -= old[1]
            self._answers[key] = (answer, cost)
            self.held += cost
            while self.held > self.budget:
                _, (_, dropped) = self._answers.popitem(last=False)
                self.held -= dropped


def response_head(status_line: bytes, headers: list[tuple[bytes, bytes]], keep_alive: bool) -> bytes:
    """An HTTP/1.1 response's head: ``status_line`` (with its CRLF), ``headers``, and ``connection: close`` unless
    the connection is kept alive."""
    out = [status_line]
    for name, value in headers:
        out += [name, b": ", value, b"\r\n"]
    if not keep_alive:
        out.append(b"connection: close\r\n")
    out.append(b"\r\n")
    return b"".join(out)


def _volatile(text: str) -> bool:
    """Whether ``text`` calls a function that gives something new at each call (``_VOLATILE``); the words are
    looked for first, which costs a small query ~1 µs where the expression alone costs ~8."""
    lower = text.lower()
    return any(word in lower for word in _VOLATILE_WORDS) and _VOLATILE.search(text) is not None


def _steady(key: tuple[Any, ...]) -> bool:
    """Whether the request ``key`` (see ``Front.key_of``) asks a query whose answer on one snapshot is the same
    each time: no function that gives something new at each call, no ``SERVICE``. Read on the request's URL
    and body as sent and percent-decoded, without parsing them: a word in a literal or a comment counts too,
    which only ever keeps fewer answers."""
    sent = key[2].decode("latin-1") + "\n" + key[3].decode("latin-1")
    text = sent + "\n" + urllib.parse.unquote_plus(sent)
    return not _volatile(text) and ("service" not in text.lower() or _SERVICE.search(text) is None)


def _evaluate(known: _Known, store: Any) -> tuple[bytes, Any] | None:
    """A known quick query's answer on ``store`` (a snapshot), serialised as before, and its format; None if it
    failed (it is then evaluated as any other query)."""
    from claimgraph.services.protocol import answer_format
    from claimgraph.services.query_worker import evaluate

    try:
        result = evaluate(store, known.request)
        fmt = known.format or answer_format(result, known.request["accept"])[1]
        return result.serialize(format=fmt) or b"", fmt
    except Exception:  # noqa: BLE001 - whatever went wrong, it is asked again the long way
        _log.warning("a known query failed in a front process", exc_info=True)
        return None


class _Stopped(Exception):
    """Raised into a serialisation that is no longer wanted (the client left, a limit passed)."""


class _Gathered:
    """Where pyoxigraph serialises an answer, as into a file: the bytes are gathered whole up to ``_WHOLE``;
    past that they go on in chunks of ``_STREAMED`` (``_chunk``, which sets ``started``). A write raises
    ``_Stopped`` once the answer is no longer wanted (``halted``), which ends the serialisation."""

    buffer: bytearray
    started: bool

    def halted(self) -> bool:
        raise NotImplementedError

    def _chunk(self) -> None:
        raise NotImplementedError

    def write(self, data: bytes) -> int:
        if self.halted():
            raise _Stopped
        self.buffer += data
        if len(self.buffer) >= (_STREAMED if self.started else _WHOLE):
            self._chunk()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph may call this; chunks go on by size and at the end only."""


class _Relay(_Gathered):
    """A query evaluated in one of a front's threads (``run``), and what it hands to the event loop, in order:
    ``("whole", media, body)`` for an answer under ``_WHOLE`` bytes; else ``("head", media)``, ``("chunk",
    bytes)``... and ``("end",)`` or ``("cut",)``; or ``("refused",)`` when it failed before any byte of it (the
    store process then answers the request, and says what was wrong). The first item goes to ``first(relay,
    item)``, the others to ``next()``. At most ``_AHEAD`` chunks wait to be sent. ``stop()`` (from the loop)
    makes the serialisation's next write raise, which ends it; the loop itself delivers ``("late",)`` when the
    time limit passes. ``key``, ``asked`` and ``snapshot``: the request, what the thread is asked, and the
    snapshot it reads."""

    def __init__(self, loop: asyncio.AbstractEventLoop, key: tuple[Any, ...], asked: dict[str, Any],
                 snapshot: _Snapshot, first: Callable[[_Relay, tuple[Any, ...]], None],
                 finished: Callable[[], None]) -> None:
        self.loop, self.key, self.asked, self.snapshot = loop, key, asked, snapshot
        self.steady = not _volatile(asked["query"])  # the same answer each time (no SERVICE: see ``_asked``)
        self.first: Callable[[_Relay, tuple[Any, ...]], None] | None = first
        self.finished = finished
        self.began = loop.time()
        self.done = False  # set by the thread as it hands over its last item
        self.queue: asyncio.Queue[tuple[Any, ...]] | None = None  # the items after the first (in the loop)
        self.room: threading.Semaphore | None = None  # made by the thread before its first chunk
        self.stopped = False
        self.media = ""
        self.buffer = bytearray()
        self.started = False

    def stop(self) -> None:
        self.stopped = True
        if self.room is not None:
            self.room.release()  # a write waiting for room wakes, and raises

    def deliver(self, item: tuple[Any, ...]) -> None:
        """Hand ``item`` over (in the loop)."""
        if self.first is not None:
            first, self.first = self.first, None
            first(self, item)
            return
        if self.queue is None:
            self.queue = asyncio.Queue()
        self.queue.put_nowait(item)

    async def next(self) -> tuple[Any, ...]:
        if self.queue is None:
            self.queue = asyncio.Queue()
        return await self.queue.get()

    def put(self, *item: Any) -> None:
        self.loop.call_soon_threadsafe(self.deliver, item)

    def halted(self) -> bool:
        return self.stopped

    def _chunk(self) -> None:
        if self.room is None:
            # made here, not for every query: a stop() before it finds none, and the write after it raises
            self.room = threading.Semaphore(_AHEAD)
        if not self.started:
            self.put("head", self.media)
            self.started = True
        self.room.acquire()
        if self.stopped:
            raise _Stopped
        self.put("chunk", bytes(self.buffer))
        self.buffer.clear()

    def run(self, store: Any) -> None:
        """Evaluate and serialise the request on ``store`` (in a thread of the front), as a query worker does."""
        from claimgraph.services.protocol import answer_format
        from claimgraph.services.query_worker import evaluate

        try:
            result = evaluate(store, self.asked)
            self.media, fmt = answer_format(result, self.asked.get("accept"))
            result.serialize(self, fmt)
            if self.started:
                if self.buffer:
                    self._chunk()
                last: tuple[Any, ...] = ("end",)
            else:
                last = ("whole", self.media, bytes(self.buffer))
        except Exception:  # noqa: BLE001 - a syntax error, an evaluation error, a client gone: see ``put``
            last = ("cut",) if self.started or self.stopped else ("refused",)
        self.done = True
        self.loop.call_soon_threadsafe(self._last, last)  # one wake-up of the loop for a whole answer

    def _last(self, item: tuple[Any, ...]) -> None:
        try:
            self.deliver(item)
        finally:
            self.finished()  # the thread is free again, whatever became of its answer


class _Threads:
    """The threads a front evaluates queries in: daemon threads taking relays from a queue (a query costs one
    wake-up each way; a thread still evaluating when the process ends, ends with it)."""

    def __init__(self, count: int) -> None:
        self.jobs: queue.SimpleQueue[tuple[_Relay, Any]] = queue.SimpleQueue()
        for i in range(count):
            threading.Thread(target=self._serve, name=f"claimgraph-front-{i}", daemon=True).start()

    def submit(self, relay: _Relay, store: Any) -> None:
        self.jobs.put((relay, store))

    def _serve(self) -> None:
        while True:
            relay, store = self.jobs.get()
            relay.run(store)
            del relay, store  # a snapshot is let go only once no thread holds it


async def _problem(send: Send, status: int, detail: str, title: str | None = None) -> None:
    from claimgraph.interfaces.http.problems import problem_response

    response = problem_response(status, detail, title=title)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


class Front:
    """The ASGI app of a front process: answer queries from the snapshot, forward everything else to the store
    process at the Unix socket ``upstream``. ``root`` is the snapshot folder (with the published generation);
    ``max_body_bytes``, ``max_query_bytes`` and ``max_result_bytes`` the limits the store process applies;
    ``answer_cache_bytes`` the bytes of answers it keeps whole (0: none, each is evaluated again);
    ``time_limit`` the query time limit. ``on_retire`` is called once when a query has run past the time limit
    in one of its threads: the front must stop taking connections and end once it has answered what it has
    taken (``main`` does), since nothing else stops that thread."""

    def __init__(self, upstream: str, root: Path, max_body_bytes: int,
                 answer_cache_bytes: int = ANSWER_CACHE_BYTES, time_limit: float = 30.0,
                 max_query_bytes: int = 256 * 1024, max_result_bytes: int = 1 << 30) -> None:
        from claimgraph.interfaces.http.upstream import Upstream

        self.upstream, self.limit, self.time_limit = Upstream(upstream), max_body_bytes, time_limit
        self.max_query_bytes, self.max_result_bytes = max_query_bytes, max_result_bytes
        self.answers = Answers(answer_cache_bytes)
        self._threads = _Threads(THREADS)
        self._busy = 0  # queries being evaluated, in its threads or its connections' (``lane``)
        self._lock = threading.Lock()  # over ``_busy``, ``snapshot`` and ``known``, which threads share
        self.retiring = False
        self.on_retire: Callable[[], None] | None = None
        from claimgraph.services.executor import GENERATION_FILE

        self.root = root
        with open(root / GENERATION_FILE, "rb") as file:
            self._published = mmap.mmap(file.fileno(), 8, access=mmap.ACCESS_READ)
        self.snapshot: _Snapshot | None = None
        self._opening = -1  # generation of a snapshot being opened
        self._switching: asyncio.Task[None] | None = None
        self.known: dict[tuple[Any, ...], _Known] = {}
        self._media_headers: dict[str, list[tuple[bytes, bytes]]] = {}

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
        if scope.get(REFUSED):
            await self.forward(scope, bytes(body), receive, send, key)
            return
        begun = scope.get(BEGUN)
        if begun is not None:  # the protocol began evaluating it, and its answer did not come whole
            if await self._answer(*begun, receive, send):
                return
            await self.forward(scope, bytes(body), receive, send, key)
            return
        answered = self.answer_known(key, looked_up=bool(scope.get(LOOKED_UP)))
        if answered is not None:
            headers, content = answered
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": content})
            return
        if key is not None and (planned := await self._plan(scope, bytes(body), key)) is not None:
            if await self._evaluate_here(key, *planned, receive, send):
                return
        await self.forward(scope, bytes(body), receive, send, key)

    def _let_go(self) -> None:
        """Close a snapshot a write has made stale, so that the store process can delete it."""
        with self._lock:
            old = self.snapshot
            if old is None or old.generation == self.published():
                return
            self.snapshot = None
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
        host = accept = None  # not given: unlike given empty
        content_type = proto = b""
        fresh = False
        for name, value in headers:
            if name == b"host":
                if host is not None:
                    return None  # given twice: answered by the store process, which reads the first
                host = value
            elif name == b"accept":
                if accept is not None:
                    return None  # the same
                accept = value
            elif name == b"content-type":
                content_type = value
            elif name in (b"origin", b"authorization"):
                return None
            elif name in (b"cache-control", b"pragma"):
                fresh = fresh or _FRESH.search(value) is not None
            elif name == b"x-forwarded-proto":  # a proxy this server trusts says the URL's scheme: the base IRI
                proto = value
        return (method, path, query_string, bytes(body), host, accept, content_type, proto, fresh)

    def answer_known(self, key: tuple[Any, ...] | None,
                     looked_up: bool = False) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        """The answer (headers, body) to a known query that can be given at once: one kept (unless ``looked_up``
        already), or a quick one evaluated on the snapshot it was measured on; None otherwise (evaluated in a
        thread, or forwarded)."""
        if key is None:
            return None
        # key[-1]: a fresh answer was asked
        kept = None if key[-1] or looked_up else self.answers.get(key, self.published())
        if kept is not None:
            return kept
        found = self._evaluable(key)
        if found is None or found[0].seconds >= FAST_SECONDS:
            return None
        known, snapshot = found
        store = snapshot.enter()
        if store is None:
            return None
        try:
            evaluated = _evaluate(known, store)
        finally:
            snapshot.done_reading()
        return self._answered(key, known, snapshot, evaluated)

    def _evaluable(self, key: tuple[Any, ...]) -> tuple[_Known, _Snapshot] | None:
        """The known query and the snapshot to evaluate it on, if it was measured on the current one."""
        if (known := self.known.get(key)) is None or (snapshot := self._current()) is None:
            return None
        return (known, snapshot) if known.generation == snapshot.generation else None

    def _answered(self, key: tuple[Any, ...], known: _Known, snapshot: _Snapshot,
                  evaluated: tuple[bytes, Any] | None) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        if evaluated is None:
            return None
        body, known.format = evaluated
        if known.steady and not key[-1]:
            self.answers.put(key, snapshot.generation, known.headers, body)
        return known.headers + [(b"content-length", str(len(body)).encode("ascii"))], body

    async def _plan(self, scope: Scope, body: bytes, key: tuple[Any, ...]) -> tuple[dict[str, Any], _Snapshot] | None:
        """What to ask a snapshot (as a query worker is asked) and the snapshot, for a query this front evaluates
        itself: one of its threads is free, it holds the current snapshot, and the request is a query it can
        read. None otherwise, and for anything the store process answers with an error: that is forwarded."""
        if self.retiring or self._busy >= THREADS:
            return None
        switching = self._switching
        if switching is not None and not switching.done() and self._opening == self.published():
            await asyncio.shield(switching)  # the current snapshot is being opened: a matter of milliseconds
        snapshot = self._current()
        if snapshot is None:
            return None
        asked = await self._asked(scope, body)
        return None if asked is None else (asked, snapshot)

    def _current(self) -> _Snapshot | None:
        """The snapshot this front holds, if it is the current one."""
        snapshot = self.snapshot
        if snapshot is not None and snapshot.generation != self.published():
            self._let_go()
            return None
        return snapshot

    async def _asked(self, scope: Scope, body: bytes) -> dict[str, Any] | None:
        """The protocol request as a query worker is asked it (read as the store process reads it); None if it
        is not a query, is refused, or is not ``askable`` here (it calls another server, or may sort)."""
        if scope["method"] == "GET":
            return self.asked_get(scope)
        from starlette.requests import Request

        from claimgraph.interfaces.http.problems import Problem
        from claimgraph.interfaces.http.sparql import operation

        replayed = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay() -> MutableMapping[str, Any]:
            return replayed.pop() if replayed else {"type": "http.disconnect"}

        try:
            query, _, params = await operation(Request(scope, replay), self.limit)
        except Problem:
            return None
        return self._worker_request(scope, query, params)

    def asked_get(self, scope: Scope) -> dict[str, Any] | None:
        """``_asked`` for a GET, read as ``operation`` reads it, without a Request (a new query's ~20 µs)."""
        from claimgraph.interfaces.http.deps import scope_params
        from claimgraph.interfaces.http.problems import Problem
        from claimgraph.interfaces.http.sparql import get_query

        try:
            params = scope_params(scope)
            query = get_query(params)
        except Problem:
            return None
        return self._worker_request(scope, query, params)

    def _worker_request(self, scope: Scope, query: str | None, params: Any) -> dict[str, Any] | None:
        from claimgraph.interfaces.http.deps import scope_endpoint_url
        from claimgraph.interfaces.http.problems import Problem
        from claimgraph.interfaces.http.sparql import dataset_of
        from claimgraph.namespaces import PREFIXES
        from claimgraph.services.executor import worker_request

        if query is None or not self.askable(query):
            return None
        try:
            dataset = dataset_of(params)
        except Problem:
            return None
        accept = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"accept"), None)
        return worker_request(query, accept=accept, dataset=dataset, prefixes=PREFIXES,
                              base_iri=scope_endpoint_url(scope))

    def askable(self, query: str) -> bool:
        """Whether this front may evaluate ``query``: within the size limit, calling no other server
        (``SERVICE``), and sorting nothing (``engine.may_sort``): pyoxigraph 0.5.13 aborts the process it runs in on
        some sorts, which costs a query worker (replaced) but would cost a front every connection it holds."""
        lower = query.lower()  # once: the words are looked for before the expressions
        return len(query.encode("utf-8")) <= self.max_query_bytes and (
            "service" not in lower or _SERVICE.search(query) is None) and ("order" not in lower or not may_sort(query))

    def begin(self, key: tuple[Any, ...], scope: Scope, first: Callable[[_Relay, tuple[Any, ...]], None]) -> bool:
        """Begin evaluating a GET query in one of this front's threads, for the HTTP protocol (``protocol_for``)
        as its request is read: ``first`` is called in the event loop with the relay and its first item. False
        (nothing begun) where ``_plan`` would wait or say no: the request goes through the app."""
        if self.retiring or self._busy >= THREADS or (self._switching is not None and not self._switching.done()):
            return False
        snapshot = self._current()
        if snapshot is None:
            return False
        asked = self.asked_get(scope)
        return asked is not None and self._begin(key, asked, snapshot, first) is not None

    def _begin(self, key: tuple[Any, ...], asked: dict[str, Any], snapshot: _Snapshot,
               first: Callable[[_Relay, tuple[Any, ...]], None]) -> _Relay | None:
        """Hand ``asked`` to one of this front's threads, under the time limit: at the limit the answer is
        stopped and ``("late",)`` delivered; a thread still evaluating ``_GRACE`` later makes the front retire.
        None if no thread is free, or the snapshot is no longer the current one (a write was answered while the
        request was read, say)."""
        store = self._slot(snapshot)
        if store is None:
            return None
        loop = asyncio.get_running_loop()

        def finished() -> None:
            watchdog.cancel()
            self.give_back(snapshot)

        def expired() -> None:  # at the limit the answer is stopped (a thread waiting to write wakes and ends) ...
            nonlocal watchdog
            relay.stop()
            relay.deliver(("late",))
            watchdog = loop.call_later(_GRACE, self._overran, relay)  # ... and one still evaluating retires the front

        relay = _Relay(loop, key, asked, snapshot, first, finished)
        self._threads.submit(relay, store)
        watchdog = loop.call_at(relay.began + self.time_limit, expired)
        return relay

    def take(self) -> _Snapshot | None:
        """For a connection's thread (``lane``) about to evaluate a query itself: the current snapshot, with one
        of this front's evaluation slots taken and the snapshot counted as read (``give_back`` returns both);
        None where ``begin`` would say no."""
        if self.retiring or (self._switching is not None and not self._switching.done()):
            return None
        snapshot = self._current()
        return None if snapshot is None or self._slot(snapshot) is None else snapshot

    def _slot(self, snapshot: _Snapshot) -> Any | None:
        """Take an evaluation slot and count ``snapshot`` as read; its store, or None if no slot is free or the
        snapshot is no longer the current one (a write was answered while the request was read, say)."""
        with self._lock:
            if self.retiring or self._busy >= THREADS or snapshot.generation != self.published():
                return None
            store = snapshot.enter()
            if store is not None:
                self._busy += 1
            return store

    def give_back(self, snapshot: _Snapshot) -> None:
        with self._lock:
            self._busy -= 1
        snapshot.done_reading()

    async def _evaluate_here(self, key: tuple[Any, ...], asked: dict[str, Any], snapshot: _Snapshot,
                             receive: Receive, send: Send) -> bool:
        """Evaluate a query in one of this front's threads and answer it (``_answer``). False if that could not
        begin, or if it failed before any byte (nothing is sent: the request is forwarded)."""
        came: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()
        relay = self._begin(key, asked, snapshot, lambda _, item: came.done() or came.set_result(item))
        return relay is not None and await self._answer(relay, await came, receive, send)

    def answer_headers(self, media: str) -> list[tuple[bytes, bytes]]:
        """The headers of an answer in ``media`` (a list shared by all such answers: not to be changed)."""
        headers = self._media_headers.get(media)
        if headers is None:
            headers = [(b"vary", b"Accept"), (b"content-type", content_type_of(media).encode("ascii"))]
            self._media_headers[media] = headers
        return headers

    def whole(self, relay: _Relay, first: tuple[Any, ...]) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        """The response (headers with Content-Length, and body) to a query whose answer came whole (``first``
        is ``("whole", media, body)``), as ``respond`` makes it."""
        return self.respond(relay.key, relay.snapshot.generation, relay.asked, relay.loop.time() - relay.began,
                            relay.steady, first[1], first[2])

    def respond(self, key: tuple[Any, ...], generation: int, asked: dict[str, Any], seconds: float, steady: bool,
                media: str, content: bytes) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        """The response (headers with Content-Length, and body) to the query ``key``, whose answer ``content``
        (in ``media``) was evaluated whole at ``generation`` in ``seconds``, noted as ``_note`` says; None past
        the size limit (the store process says so)."""
        if len(content) > self.max_result_bytes:
            return None
        headers = self.answer_headers(media)
        self._note(key, generation, asked, headers, seconds, len(content), content, not key[-1] and steady, steady)
        return headers + [(b"content-length", str(len(content)).encode("ascii"))], content

    async def _answer(self, relay: _Relay, first: tuple[Any, ...], receive: Receive, send: Send) -> bool:
        """Answer a query evaluated in a thread as the store process would, given the first item its relay
        delivered: the same headers, whole under ``_WHOLE`` bytes, else streamed; 503 past the time limit, cut
        past the size limit. False if it failed before any byte (nothing is sent: the request is forwarded)."""
        if first[0] == "late":
            await _problem(send, 503, f"the query ran longer than the time limit of {self.time_limit:g} s and was "
                                      "stopped", title="Query stopped")
            return True
        if first[0] == "refused":
            return False
        if first[0] == "whole":
            answer = self.whole(relay, first)
            if answer is None:
                return False
            await send({"type": "http.response.start", "status": 200, "headers": answer[0]})
            await send({"type": "http.response.body", "body": answer[1]})
            return True
        headers = self.answer_headers(first[1])
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        keep = not relay.key[-1] and relay.steady
        kept: list[bytes] | None = [] if keep and self.answers.budget > 0 else None
        gone = asyncio.ensure_future(receive())
        size = 0
        try:
            while True:
                item = await relay.next()
                if item[0] == "late":
                    return True  # returning without the answer's end closes the connection: the client knows
                if item[0] != "chunk":
                    break
                assert relay.room is not None  # made before the first chunk
                relay.room.release()
                size += len(item[1])
                if gone.done() or size > self.max_result_bytes:
                    return True  # the client left, or the answer is cut at the limit (as the store process does)
                if kept is not None:
                    if size <= self.answers.largest:
                        kept.append(item[1])
                    else:
                        kept = None
                await send({"type": "http.response.body", "body": item[1], "more_body": True})
            if item[0] != "end":
                return True  # cut: the serialisation failed midway
            await send({"type": "http.response.body", "body": b""})
            if kept is not None:
                self.answers.put(relay.key, relay.snapshot.generation, headers, b"".join(kept))
            return True
        finally:
            gone.cancel()
            if not relay.done:
                relay.stop()

    def _overran(self, relay: _Relay) -> None:
        """A thread is still evaluating past the time limit, and nothing can stop it but the end of this
        process: take no more connections, answer those taken, end (``main``); the store process starts another
        front at once, told by the marker file."""
        if not relay.done:
            self.retire()

    def retire(self) -> None:
        """Take no more connections, answer those taken, end (see ``_overran``); in the event loop."""
        if self.retiring:
            return
        self.retiring = True
        try:  # the store process starts another front as soon as it sees this, not once this one has ended
            retiring_marker(self.root, os.getpid()).touch()
        except OSError:
            pass
        _log.warning("a query ran past the time limit in front process %d, which cannot stop it: this front "
                     "takes no more connections and ends once it has answered those it has", os.getpid())
        if self.on_retire is not None:
            self.on_retire()

    def _note(self, key: tuple[Any, ...], generation: int, asked: dict[str, Any], headers: list[tuple[bytes, bytes]],
              seconds: float, size: int, content: bytes | None, keep: bool, steady: bool) -> None:
        """Keep a whole answer (``content``) to ``key`` read at ``generation``; or else, if it was quick, note the
        query as one to evaluate at once, in the event loop, when it comes again."""
        if keep and content is not None and self.answers.fits(len(content)):
            self.answers.put(key, generation, headers, content)
            return
        if seconds >= FAST_SECONDS or size > INLINE_BYTES:
            return
        with self._lock:
            if len(self.known) >= _REMEMBERED:
                current = self.published()
                self.known = {k: v for k, v in self.known.items() if v.generation == current}
                if len(self.known) >= _REMEMBERED:
                    self.known.clear()
            self.known[key] = _Known(generation, asked, headers, steady, seconds)

    async def forward(self, scope: Scope, body: bytes, receive: Receive, send: Send,
                      key: tuple[Any, ...] | None) -> None:
        """Send the request to the store process and its answer back, streamed."""
        from claimgraph.interfaces.http.sparql import INTERNAL_SNAPSHOT
        from claimgraph.interfaces.http.upstream import UpstreamError

        headers = [(name, value) for name, value in scope["headers"]
                   if name not in _HOP and name not in _FORWARDING and name != b"content-length"]
        if not any(name == b"host" and value for name, value in headers) and scope.get("server"):
            # no Host (an HTTP/1.0 client), or an empty one: the URLs the store process makes name this server, as
            # a front's own do (not the store process's socket)
            headers = [(name, value) for name, value in headers if name != b"host"]
            host, port = scope["server"]
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
        keep = not key[-1] and _steady(key)
        if content is not None and keep and self.answers.fits(len(content)):
            self.answers.put(key, generation, headers, content)  # kept: sent again as it is
        elif seconds < FAST_SECONDS and size <= INLINE_BYTES and (asked := await self._asked(scope, body)):
            self._note(key, generation, asked, headers, seconds, size, None, keep, not _volatile(asked["query"]))

    async def _switch(self, generation: int, path: str) -> None:
        opened = await asyncio.get_running_loop().run_in_executor(None, _Snapshot.open, generation, path)
        if self._opening == generation:
            self._opening = -1
        if opened is None:
            return
        with self._lock:
            old = self.snapshot
            if old is not None and old.generation >= generation:
                old = opened  # not newer after all
            else:
                self.snapshot = opened
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
                if self.snapshot is not None:
                    self.snapshot.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def retiring_marker(root: Path, pid: int) -> Path:
    """The file by which front ``pid`` tells the store process that it retires (see ``Front._overran``)."""
    return root / f"retiring-{pid}"


class Fronts:
    """The store process's side: starts ``count`` front processes on ``listener``, starts again any that
    dies, starts another at once for one that retires (it ends once it has answered what it had taken), stops
    them all at the end."""

    def __init__(self, listener: socket.socket, upstream: str, count: int, settings: Settings) -> None:
        self.listener, self.upstream, self.count, self.settings = listener, upstream, count, settings
        self.processes: list[subprocess.Popen[bytes]] = []
        self.retiring: list[subprocess.Popen[bytes]] = []  # replaced already, answering what they had taken
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._root: Path | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        assert self._root is not None
        fd = self.listener.fileno()
        settings = self.settings
        return subprocess.Popen([sys.executable, "-m", "claimgraph.interfaces.http.front", str(fd), self.upstream,
                                 str(self._root), str(settings.max_body_bytes), str(settings.answer_cache_bytes),
                                 repr(settings.query_timeout), str(settings.max_query_bytes),
                                 str(settings.max_result_bytes)],
                                pass_fds=(fd,), stdin=subprocess.DEVNULL, close_fds=True,
                                start_new_session=True)  # a terminal's Ctrl-C is the store process's to handle

    def start(self, root: Path) -> None:
        self._root = root
        self.processes = [self._spawn() for _ in range(self.count)]
        self._watcher = threading.Thread(target=self._watch, name="claimgraph-fronts", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            self.check()

    def check(self) -> None:
        """Start a front in place of each that ended, and of each that retires; forget those that ended."""
        assert self._root is not None
        for i, process in enumerate(self.processes):
            if self._stopping.is_set():
                return
            if process.poll() is not None:
                _log.warning("front process %d ended (code %s); starting another", process.pid, process.returncode)
                self.processes[i] = self._spawn()
            elif retiring_marker(self._root, process.pid).exists():
                self.retiring.append(process)
                self.processes[i] = self._spawn()
        for process in list(self.retiring):
            if process.poll() is not None:
                self.retiring.remove(process)
                retiring_marker(self._root, process.pid).unlink(missing_ok=True)

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        every = list(self.processes) + list(self.retiring)
        for process in every:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in every:
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
        fronts = Fronts(listener, str(private / "store.sock"), processes, graph.settings)
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
    """uvicorn's httptools protocol, answering a GET query as soon as its headers are read, without the ASGI
    machinery (a task, a request cycle, two writes: ~40 µs of a front's CPU a request): a known one at once,
    any other this front can evaluate in one of its threads (``Front.begin``), written when it comes whole
    (the request's cycle is made, so that a request behind it on the connection waits its turn, but not run);
    anything else goes on through the app as usual, and so does an answer that did not come whole (``BEGUN``).
    "httptools" (uvicorn's own) if this uvicorn is not the one this was written against."""
    try:
        import httptools
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle
    except ImportError:
        return "auto"
    needed = ("parser", "url", "headers", "cycle", "pipeline", "expect_100_continue", "transport", "server_state",
              "flow", "on_response_complete", "_start_asgi_task", "app", "scope", "keep_alive", "response_started",
              "response_complete", "message_event", "on_response", "disconnected")
    probe: set[str] = set()
    for cls in (HttpToolsProtocol, RequestResponseCycle):
        probe.update(dir(cls))
        for member in vars(cls).values():
            probe.update(getattr(getattr(member, "__code__", None), "co_names", ()))
    if not all(name in probe for name in needed):
        return "httptools"

    class FrontProtocol(HttpToolsProtocol):  # type: ignore[misc]
        answered = False
        begin: tuple[Any, ...] | None = None  # the key of a query to begin as its cycle would start

        def on_headers_complete(self) -> None:
            self.answered = False
            # in order (nothing before it still answering) and only while the client reads what it is sent
            if (self.parser.get_method() == b"GET" and not self.expect_100_continue and not self.pipeline
                    and (self.cycle is None or self.cycle.response_complete) and not self.flow.write_paused):
                url = httptools.parse_url(self.url)
                path = url.path.decode("ascii", "replace")
                key = front.key_of("GET", path, url.query or b"", b"", self.headers)
                answer = front.answer_known(key)
                if answer is not None:
                    self.answered = True
                    keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
                    self._write(*answer, keep_alive)
                    if keep_alive:
                        self.on_response_complete()
                    else:
                        self.transport.close()
                    return
                self.begin = key
            try:
                super().on_headers_complete()  # makes the cycle; its task starts in ``_start_asgi_task``
            finally:
                self.begin = None

        def _write(self, headers: list[tuple[bytes, bytes]], body: bytes, keep_alive: bool) -> None:
            head = response_head(STATUS_LINE[200], [*self.server_state.default_headers, *headers], keep_alive)
            self.transport.write(head + body)  # one write

        def _start_asgi_task(self, cycle: Any, app: Any) -> None:
            key, self.begin = self.begin, None
            # key[-2]: a proxy's X-Forwarded-Proto, which the app's middleware reads (into the base IRI)
            if key is not None and not key[-2] and app is self.app:
                try:
                    if front.begin(key, cycle.scope, lambda relay, first: self._begun(cycle, app, relay, first)):
                        return
                except Exception:  # noqa: BLE001 - the app then answers it, as it answers what it cannot read
                    _log.warning("a front process could not begin a query", exc_info=True)
            super()._start_asgi_task(cycle, app)

        def _begun(self, cycle: Any, app: Any, relay: _Relay, first: tuple[Any, ...]) -> None:
            """The first of what a thread gave for ``cycle``'s query: a whole answer is written here, as
            ``cycle`` would write it, in one write; anything else is the app's (``BEGUN``)."""
            try:
                answer = front.whole(relay, first) if first[0] == "whole" else None
            except Exception:  # noqa: BLE001 - not left unanswered: the app evaluates it again
                _log.warning("a front process could not answer a query it evaluated", exc_info=True)
                super()._start_asgi_task(cycle, app)
                return
            if answer is None:
                cycle.scope[BEGUN] = (relay, first)
                super()._start_asgi_task(cycle, app)
                return
            cycle.response_started = cycle.response_complete = True
            cycle.message_event.set()
            if cycle.disconnected:
                return
            self._write(*answer, cycle.keep_alive)  # keep_alive: False once the server is shutting down
            if not cycle.keep_alive:
                self.transport.close()
            cycle.on_response()

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
    """``python -m claimgraph.interfaces.http.front FD UPSTREAM ROOT MAX_BODY_BYTES ANSWER_CACHE_BYTES TIME_LIMIT
    MAX_QUERY_BYTES MAX_RESULT_BYTES``: started by ``claimgraph serve``, on the listening socket FD it inherits."""
    if len(argv) != 8 or not all(argv[i].isdigit() for i in (0, 3, 4, 6, 7)):
        print("claimgraph's front processes are started by `claimgraph serve`, not by hand", file=sys.stderr)
        return 2
    import uvicorn

    threading.Thread(target=_orphaned, args=(os.getppid(),), daemon=True).start()
    listener = socket.socket(fileno=int(argv[0]))
    app = Front(argv[1], Path(argv[2]), int(argv[3]), int(argv[4]), float(argv[5]), int(argv[6]), int(argv[7]))
    # a retiring front waits for the queries it has taken for as long as they may run
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", ws="none",
                            http=protocol_for(app), timeout_graceful_shutdown=max(5, int(app.time_limit) + 1))

    class FrontServer(uvicorn.Server):
        """uvicorn's server, but the lane (``lane.Lane``) accepts the connections; uvicorn serves those the
        lane hands over."""

        lane: Any = None

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            from claimgraph.interfaces.http.lane import Lane

            await super().startup(sockets=[])
            loop = asyncio.get_running_loop()

            def protocol() -> asyncio.Protocol:
                return config.http_protocol_class(config=config, server_state=self.server_state,  # type: ignore
                                                  app_state=self.lifespan.state, _loop=loop)

            self.lane = Lane(app, listener, loop, config.loaded_app, self.server_state, protocol,
                             config.timeout_keep_alive)
            self.lane.start()

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            if self.lane is not None:
                await asyncio.get_running_loop().run_in_executor(None, self.lane.stop,
                                                                 config.timeout_graceful_shutdown)
            await super().shutdown(sockets)

    server = FrontServer(config)

    def retire() -> None:
        server.should_exit = True

    app.on_retire = retire
    server.run()
    if app.retiring:
        logging.shutdown()
        os._exit(0)  # a thread that passed the time limit is still evaluating: it ends with the process
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
