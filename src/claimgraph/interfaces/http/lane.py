"""A front process's connections, each served by a thread of its own: the **lane**.

A front (:mod:`claimgraph.interfaces.http.front`) accepts its connections here, not in its event loop. Each
gets a thread (up to ``CONNECTIONS`` a front; the event loop takes any past that), which reads its requests one
after the other:

* a GET query the front can evaluate (it holds the current snapshot and has a free evaluation slot) is answered
  by this thread there and then: a kept answer at once, any other evaluated here and written to the socket by
  this thread, whole with its length up to 1 MiB, else in chunks. Nothing is handed between threads, which
  costs a front's event loop two wake-ups and the evaluating thread one a query (``bench/endpoint.py``);
* any other GET (a page, a query the front cannot evaluate now, one that fails, whose error the store process
  words) is answered by the front's app, run in the event loop as uvicorn runs it, and written by this thread;
* anything else (a request with a body, HEAD, HTTP/1.0, an upgrade, a head it cannot read or over
  ``_HEAD`` bytes) hands the connection to the event loop for good, with what was read of it: uvicorn serves
  it from then on, as it serves every connection of a front without a lane.

The time limit: a watch thread answers 503 to a query still evaluating at the limit and closes its connection;
one still evaluating ``_GRACE`` later makes the front retire, as a query in the front's own threads does.
When the server stops, the lane takes no more connections, closes those waiting for a request, and answers
those it is answering with ``connection: close``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import queue
import select
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from claimgraph.interfaces.http.deps import query_pairs, url_of
from claimgraph.interfaces.http.front import _GRACE, LOOKED_UP, REFUSED, _Gathered, _Stopped, _volatile, response_head
from claimgraph.namespaces import PREFIXES
from claimgraph.services.executor import worker_request
from claimgraph.services.protocol import answer_format
from claimgraph.services.query_worker import evaluate

if TYPE_CHECKING:
    from claimgraph.interfaces.http.front import Front, _Snapshot

__all__ = ["Lane", "CONNECTIONS"]

#: connections a front's lane serves at once; the event loop serves any past these
CONNECTIONS = 64
#: a request head longer than this is the event loop's to read (and to refuse)
_HEAD = 64 * 1024
#: seconds a front waits, for each connection it serves, before it takes a new one (see ``Lane._accept``)
_LATER = 0.0005
#: seconds a write may wait for a client that does not read what it is sent
_SEND = 60.0

_log = logging.getLogger("claimgraph.front")
_CLOSED, _ON, _APP, _REFUSED = 0, 1, 2, 3  # what became of a request: see ``Lane._query``


class _Head:
    """The parser's callbacks: the request head being read."""

    __slots__ = ("url", "headers", "complete", "expect")

    def __init__(self) -> None:
        self.on_message_begin()

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.complete = self.expect = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        self.expect = self.expect or name == b"expect"
        self.headers.append((name, value))

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    """A connection the lane serves: its socket, and what its thread and the watch share about its answer."""

    def __init__(self, sock: socket.socket, client: Any) -> None:
        self.sock = sock
        self.server = _address(sock.getsockname())
        self.client = _address(client)
        self.lock = threading.Lock()  # one writer at a time: its thread, or the watch
        self.started = False  # the head of the answer being written has been sent
        self.stopped = False  # the watch answered 503 or cut the answer: nothing more is written
        self.idle = False  # waiting for a request, none begun
        self.adopted = False  # handed to the event loop, which owns the socket now
        self.deadline = 0.0  # when the query it evaluates passes the time limit (0: it evaluates none)
        # since when it waits for its client, to read a request or to write (0: it does not), and how long it may:
        # the watch closes it past that (the socket blocks: a timeout of its own would cost every read a poll)
        self.waiting, self.patience = 0.0, 0.0

    def send(self, data: bytes, head: bool = False) -> bool:
        """Write ``data``, unless the watch stopped the answer; False if it did or the client is gone."""
        with self.lock:
            if self.stopped:
                return False
            self.waiting, self.patience = time.monotonic(), _SEND
            try:
                self.sock.sendall(data)
            except OSError:
                return False
            finally:
                self.waiting = 0.0
            self.started = self.started or head
            return True

    def expire(self, problem: bytes) -> None:
        """The time limit passed: answer ``problem`` (a whole 503) unless the answer has begun, and close."""
        with self.lock:
            if self.stopped:
                return
            self.stopped = True
            try:
                if not self.started:
                    self.sock.send(problem, socket.MSG_DONTWAIT)  # a client that reads nothing gets nothing
            except OSError:
                pass
        self.shut()

    def shut(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _scope(conn: _Connection, head: _Head, path: str, raw_path: bytes, query_string: bytes) -> dict[str, Any]:
    """The ASGI scope of a GET request the lane read."""
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "server": conn.server, "client": conn.client, "scheme": "http", "root_path": "", "headers": head.headers,
        "state": {}, "method": "GET", "path": path, "raw_path": raw_path, "query_string": query_string,
    }


def _address(address: Any) -> tuple[str, int] | None:
    return (str(address[0]), int(address[1])) if isinstance(address, tuple) and len(address) >= 2 else None


class _Answer(_Gathered):
    """Where a query's answer is serialised, in the connection's thread: kept whole up to ``_WHOLE`` bytes,
    past that written in chunks of ``_STREAMED`` as they come (``Transfer-Encoding: chunked``), cut past
    the size limit. ``kept`` collects a streamed answer the front may keep, while it fits."""

    def __init__(self, lane: Lane, conn: _Connection, keep_alive: bool, keep: bool) -> None:
        self.lane, self.conn, self.keep_alive = lane, conn, keep_alive
        self.media = ""
        self.buffer = bytearray()
        self.size = 0
        self.started = False  # chunked: its head and first chunk went
        self.kept: list[bytes] | None = [] if keep and lane.front.answers.budget > 0 else None

    def halted(self) -> bool:
        return self.conn.stopped

    def end(self) -> None:
        """Write what is left of a chunked answer, and its end."""
        self._chunk(last=True)

    def _chunk(self, last: bool = False) -> None:
        data = bytes(self.buffer)
        self.buffer.clear()
        self.size += len(data)
        if self.size > self.lane.front.max_result_bytes:
            raise _Stopped  # cut at the limit, as the store process cuts it
        if self.kept is not None:
            if self.size <= self.lane.front.answers.largest:
                self.kept.append(data)
            else:
                self.kept = None
        out = b"%x\r\n%b\r\n" % (len(data), data) if data else b""
        head = not self.started
        if head:
            headers = [*self.lane.front.answer_headers(self.media), (b"transfer-encoding", b"chunked")]
            out = self.lane.head(200, headers, self.keep_alive) + out
            self.started = True
        if last:
            out += b"0\r\n\r\n"
        if not self.conn.send(out, head):
            raise _Stopped


class Lane:
    """The connection threads of ``front``'s process, on ``listener`` (see the module). ``loop`` runs the
    front's ASGI ``app`` (uvicorn's, with its middleware) and takes the connections handed over to it, served
    by the protocols ``protocol`` makes; ``state`` is uvicorn's server state (the headers every response has);
    ``keep_alive``: seconds a connection may wait for its next request."""

    def __init__(self, front: Front, listener: socket.socket, loop: asyncio.AbstractEventLoop, app: Any,
                 state: Any, protocol: Callable[[], asyncio.Protocol], keep_alive: float) -> None:
        self.front, self.listener, self.loop, self.app, self.state = front, listener, loop, app, state
        self.protocol, self.keep_alive = protocol, keep_alive
        self.connections: set[_Connection] = set()
        self.lock = threading.Lock()
        self.ended = threading.Condition(self.lock)
        self.closing = False
        self._wake = os.pipe()
        self._adopting: set[asyncio.Task[Any]] = set()
        self._defaults: tuple[Any, bytes] = (None, b"")  # uvicorn's default headers, and those written
        from claimgraph.interfaces.http.problems import problem_response

        limit = front.time_limit
        late = problem_response(503, f"the query ran longer than the time limit of {limit:g} s and was stopped",
                                title="Query stopped")
        self._late = (late.status_code, late.raw_headers, bytes(late.body))
        self._period = min(0.1, limit / 20)

    def start(self) -> None:
        self.listener.setblocking(False)
        threading.Thread(target=self._accept, name="claimgraph-lane", daemon=True).start()
        threading.Thread(target=self._watch, name="claimgraph-lane-watch", daemon=True).start()

    def stop(self, timeout: float) -> None:
        """Take no more connections, close those waiting for a request, and wait up to ``timeout`` s for the
        others to be answered (each then closed)."""
        with self.lock:
            self.closing = True
            idle = [conn for conn in self.connections if conn.idle]
        os.write(self._wake[1], b"x")
        for conn in idle:
            conn.shut()
        deadline = time.monotonic() + timeout
        with self.ended:
            while self.connections and (left := deadline - time.monotonic()) > 0:
                self.ended.wait(left)

    # -- connections -------------------------------------------------------------------------------------

    def _accept(self) -> None:
        ready = select.poll()  # not select(): a front with RocksDB's files open may hold fds past 1024
        for fd in (self.listener.fileno(), self._wake[0]):
            ready.register(fd, select.POLLIN)
        while True:
            ready.poll()
            if self.closing:
                return
            if self.connections:  # every front wakes for a connection: the one serving fewest takes it first
                time.sleep(min(_LATER * len(self.connections), 10 * _LATER))
            try:
                sock, client = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                continue  # another front took it
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    _log.warning("a front process cannot take a connection: %s", exc)
                    time.sleep(0.1)
                continue
            try:
                self._take(sock, client)
            except OSError:  # reset before it could be read
                sock.close()

    def _take(self, sock: socket.socket, client: Any) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.lock:
            closing, room = self.closing, len(self.connections) < CONNECTIONS
            conn = _Connection(sock, client) if room and not closing else None
            if conn is not None:
                self.connections.add(conn)
        if closing:
            sock.close()
            return
        if conn is not None:
            try:
                threading.Thread(target=self._serve, args=(conn,), name="claimgraph-connection", daemon=True).start()
                return
            except RuntimeError:  # no thread to be had: the event loop serves it
                with self.lock:
                    self.connections.discard(conn)
        self.loop.call_soon_threadsafe(self._adopt, sock, b"")

    def _serve(self, conn: _Connection) -> None:
        try:
            self._read(conn)
        except Exception:  # noqa: BLE001 - one connection's failure is logged, the others go on
            _log.warning("a front process's connection failed", exc_info=True)
        finally:
            with self.lock:
                self.connections.discard(conn)
                self.ended.notify_all()
            if not conn.adopted:
                conn.sock.close()

    def _read(self, conn: _Connection) -> None:
        """Read and answer ``conn``'s requests until it closes, or is handed to the event loop."""
        sock, buffer = conn.sock, bytearray()
        head = _Head()
        parser = httptools.HttpRequestParser(head)  # fed one whole head at a time
        room = memoryview(bytearray(1 << 14))  # read into: a fresh 64 KiB object a read costs malloc a lot
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _HEAD:
                    self._hand_over(conn, buffer)
                    return
                with self.lock:
                    if self.closing and not buffer:
                        return
                    conn.idle = not buffer
                conn.waiting, conn.patience = time.monotonic(), self.keep_alive
                try:
                    size = sock.recv_into(room)
                except OSError:  # the client is gone
                    return
                conn.idle, conn.waiting = False, 0.0
                if not size:
                    return
                buffer += room[:size]
                continue
            try:
                parser.feed_data(bytes(buffer[:end + 4]))
                read = head.complete and not head.expect
            except (httptools.HttpParserError, httptools.HttpParserUpgrade):
                read = False
            if not read or parser.get_method() != b"GET" or parser.get_http_version() != "1.1":
                self._hand_over(conn, buffer)  # uvicorn reads it (a body, HEAD, HTTP/1.0...), or refuses it
                return
            del buffer[:end + 4]
            if not self._request(conn, head, parser.should_keep_alive()):
                return

    def _hand_over(self, conn: _Connection, data: bytearray) -> None:
        conn.adopted = True
        self.loop.call_soon_threadsafe(self._adopt, conn.sock, bytes(data))

    def _adopt(self, sock: socket.socket, data: bytes) -> None:
        """Serve ``sock`` in the event loop from now on (in the loop), ``data`` being what was read of it."""
        closing = self.closing

        def protocol() -> asyncio.Protocol:
            made: Any = self.protocol()
            connection_made = made.connection_made

            def made_with(transport: asyncio.BaseTransport) -> None:
                connection_made(transport)
                if data:
                    made.data_received(data)  # before the transport reads more
                if closing:
                    made.shutdown()

            made.connection_made = made_with
            return made

        task = self.loop.create_task(self.loop.connect_accepted_socket(protocol, sock))
        self._adopting.add(task)
        task.add_done_callback(self._adopted)

    def _adopted(self, task: asyncio.Task[Any]) -> None:
        self._adopting.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.warning("a front process could not take over a connection: %s", task.exception())

    def head(self, status: int, headers: list[tuple[bytes, bytes]], keep_alive: bool) -> bytes:
        defaults, written = self._defaults
        if defaults is not self.state.default_headers:  # uvicorn sets a new list each second (its Date)
            defaults = self.state.default_headers
            written = response_head(b"", defaults, True)[:-2]
            self._defaults = defaults, written
        return response_head(STATUS_LINE[status] + written, headers, keep_alive)  # uvicorn's, 0 to 999

    def _whole(self, conn: _Connection, status: int, headers: list[tuple[bytes, bytes]], body: bytes,
               keep_alive: bool) -> bool:
        """Write a whole response; whether the connection goes on."""
        keep_alive = keep_alive and not self.closing
        return conn.send(self.head(status, headers, keep_alive) + body, True) and keep_alive

    # -- requests ----------------------------------------------------------------------------------------

    def _request(self, conn: _Connection, head: _Head, keep_alive: bool) -> bool:
        """Answer one GET request; whether the connection goes on."""
        url = httptools.parse_url(head.url)
        raw_path = url.path
        path = raw_path.decode("ascii", "replace")
        if "%" in path:
            path = urllib.parse.unquote(path)
        query_string = url.query or b""
        key = self.front.key_of("GET", path, query_string, b"", head.headers)
        conn.started = False
        # key[-2]: a proxy's X-Forwarded-Proto, which the app's middleware reads (into the base IRI)
        here = key is not None and not key[-2]
        outcome = self._query(conn, key, head, path, raw_path, keep_alive) if here else _APP
        if outcome == _CLOSED:
            return False
        if outcome == _ON:
            return keep_alive and not self.closing
        scope = _scope(conn, head, path, raw_path, query_string)
        if outcome == _REFUSED:
            scope[REFUSED] = True
        elif here:
            scope[LOOKED_UP] = True  # the app does not count this request as asked again (``Answers``)
        return self._bridge(conn, scope, keep_alive)

    def _query(self, conn: _Connection, key: tuple[Any, ...], head: _Head, path: str, raw_path: bytes,
               keep_alive: bool) -> int:
        """Answer a query request here if the front can (``_ON``, or ``_CLOSED`` if the connection ended);
        else ``_APP`` (the app answers it) or ``_REFUSED`` (it failed before its first byte: the store process
        answers it, and words what was wrong)."""
        front = self.front
        if not key[-1]:  # key[-1]: a fresh answer was asked
            kept = front.answers.get(key, front.published())
            if kept is not None:
                return _ON if self._whole(conn, 200, *kept, keep_alive) else _CLOSED
        snapshot = front.take()
        if snapshot is None:
            return _APP
        try:
            known = front.known.get(key)  # read before: what it asks is known
            asked = known.request if known is not None and known.generation == snapshot.generation else (
                self._asked(conn, key, head, path, raw_path))
            return _APP if asked is None else self._evaluate(conn, key, asked, snapshot, keep_alive)
        finally:
            front.give_back(snapshot)

    def _asked(self, conn: _Connection, key: tuple[Any, ...], head: _Head, path: str,
               raw_path: bytes) -> dict[str, Any] | None:
        """``Front.asked_get`` of the request ``key``, read from the key where its URL has one parameter, the
        query, as nearly all have (without a scope to read it from: ~16 µs less a new query)."""
        pairs = query_pairs(key[2])
        if len(pairs) != 1 or pairs[0][0] != "query":
            return self.front.asked_get(_scope(conn, head, path, raw_path, key[2]))
        query = pairs[0][1]
        if not self.front.askable(query):
            return None
        accept = key[5]  # key[4], key[5]: its Host and Accept headers (None if not given; each given once)
        return worker_request(query, accept=None if accept is None else accept.decode("latin-1"), dataset=None,
                              prefixes=PREFIXES, base_iri=url_of("http", key[4], conn.server, "", path))

    def _evaluate(self, conn: _Connection, key: tuple[Any, ...], asked: dict[str, Any], snapshot: _Snapshot,
                  keep_alive: bool) -> int:
        keep_alive = keep_alive and not self.closing
        steady = not _volatile(asked["query"])
        answer = _Answer(self, conn, keep_alive, steady and not key[-1])
        began = time.monotonic()
        conn.deadline = began + self.front.time_limit  # watched from now on
        try:
            result = evaluate(snapshot.store, asked)
            answer.media, fmt = answer_format(result, asked.get("accept"))
            result.serialize(answer, fmt)
            if answer.started:
                answer.end()
            failed = False
        except Exception:  # noqa: BLE001 - a syntax error, an evaluation error, a client gone, a limit passed
            failed = True
        finally:
            conn.deadline = 0.0
        if conn.stopped or (failed and answer.started):
            return _CLOSED  # answered 503 at the time limit, or cut (the client sees it unfinished)
        if failed:
            return _REFUSED
        if answer.started:
            if answer.kept is not None:
                front = self.front
                front.answers.put(key, snapshot.generation, front.answer_headers(answer.media), b"".join(answer.kept))
            return _ON
        response = self.front.respond(key, snapshot.generation, asked, time.monotonic() - began, steady,
                                      answer.media, bytes(answer.buffer))
        if response is None:
            return _REFUSED
        return _ON if self._whole(conn, 200, *response, keep_alive) else _CLOSED

    def _watch(self) -> None:
        """Answer 503 to queries past the time limit, retire the front for one still evaluating after, and
        close connections that waited too long (see ``_Connection.waiting``)."""
        status, headers, body = self._late
        headers = [*headers, (b"content-length", str(len(body)).encode("ascii"))]
        while True:
            time.sleep(self._period)
            now = time.monotonic()
            with self.lock:
                connections = list(self.connections)
            for conn in connections:
                if conn.waiting and now - conn.waiting > conn.patience:
                    conn.shut()  # it kept its client waiting too long, or its client kept it waiting: closed
                deadline = conn.deadline
                if not deadline or deadline > now:
                    continue
                if not conn.stopped:
                    conn.expire(self.head(status, headers, False) + body)  # with this second's Date
                elif now >= deadline + _GRACE and not self.front.retiring:
                    self.loop.call_soon_threadsafe(self.front.retire)

    # -- the app, for what the lane does not answer itself ------------------------------------------------

    def _bridge(self, conn: _Connection, scope: dict[str, Any], keep_alive: bool) -> bool:
        """Answer a GET request by the front's app, run in the event loop; whether the connection goes on."""
        keep_alive = keep_alive and not self.closing
        messages: queue.SimpleQueue[tuple[MutableMapping[str, Any], asyncio.Future[None] | None] | None] = (
            queue.SimpleQueue())
        gone: list[asyncio.Future[None]] = []  # made in the loop when the app first waits for the client to go
        asked = [False]

        def leave() -> None:  # in the loop
            if not gone:
                gone.append(self.loop.create_future())
            if not gone[0].done():
                gone[0].set_result(None)

        async def receive() -> MutableMapping[str, Any]:
            if not asked[0]:
                asked[0] = True
                return {"type": "http.request", "body": b"", "more_body": False}
            if not gone:
                gone.append(self.loop.create_future())
            await gone[0]
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            waiter = None
            if message["type"] == "http.response.body" and message.get("more_body", False):
                waiter = self.loop.create_future()  # a streamed answer goes as fast as the client reads it
            messages.put((message, waiter))
            if waiter is not None:
                await waiter

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            finally:
                messages.put(None)

        done = asyncio.run_coroutine_threadsafe(run(), self.loop)
        status, headers, chunked, complete, ok = 0, [], False, False, True
        while (item := messages.get()) is not None:
            message, waiter = item
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body" and ok and status and not complete:
                body, more = message.get("body", b""), message.get("more_body", False)
                out = b""
                if not conn.started:
                    if not any(name.lower() == b"content-length" for name, _ in headers):
                        if more:
                            chunked = True
                            headers.append((b"transfer-encoding", b"chunked"))
                        elif status >= 200 and status not in (204, 304):
                            headers.append((b"content-length", str(len(body)).encode("ascii")))
                    out = self.head(status, headers, keep_alive)
                out += (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") if chunked else body
                complete = not more
                if complete and chunked:
                    out += b"0\r\n\r\n"
                ok = conn.send(out, True)
                if not ok:
                    self.loop.call_soon_threadsafe(leave)
            if waiter is not None:
                self.loop.call_soon_threadsafe(_resolve, waiter)
        self.loop.call_soon_threadsafe(leave)  # a receive still waiting ends
        try:
            done.result()
        except Exception:  # noqa: BLE001 - answered 500 below if nothing was sent, as uvicorn does
            _log.warning("a front process's app failed on a request", exc_info=True)
        if not conn.started and ok:
            body = b"Internal Server Error"
            self._whole(conn, 500, [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode("ascii"))], body, False)
            return False
        return ok and complete and keep_alive and not self.closing


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
