"""Running users' SPARQL queries with a time limit that really stops them.

Design, and why it is safe:

* pyoxigraph cannot interrupt a query (oxigraph issues #1336, #1926), and its on-disk store is locked
  to one process, which must also take every write. So the serving process keeps the store and does
  the writes, and users' queries run in a small pool of **worker processes**, each reading a
  **snapshot**: a RocksDB checkpoint of the store (hard links, ~10 ms) opened read-only. A checkpoint is
  an independent, immutable database, so reading it from another process is well defined, unlike
  opening the live store read-only while it is written.
* A snapshot is taken lazily: the first query after a write (the store's ``generation`` moved) makes a
  new one, so a query always sees every write that finished before it was sent. A snapshot is deleted
  once it is neither current nor read by a query in flight.
* A query that has not finished within the limit is stopped by killing its worker (SIGKILL) — nothing
  of the store lives in the worker, so nothing is lost — and a fresh worker takes its place. Other
  queries run in other workers meanwhile.
* Results are serialised by pyoxigraph inside the worker. A small answer comes back in one message; a
  large one streams in 64 KiB chunks, so memory stays flat however large it is. The limit covers the
  whole answer; an answer larger than ``max_result_bytes`` is cut off.

The executor is asynchronous (it lives in the server's event loop): talking to a worker costs no
thread hop, which keeps the fixed cost of a query well under a millisecond.
"""

from __future__ import annotations

import asyncio
import fcntl
import io
import json
import mmap
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimgraph.errors import ClaimgraphError, QueryError, StoreTimeout
from claimgraph.services.engine import ABORTED
from claimgraph.services.protocol import Dataset, NotAcceptable, answer_format
from claimgraph.store import Store

__all__ = ["QueryExecutor", "RemoteQueryExecutor", "executor_for", "QueryAnswer", "QueryTimeout", "QueryRefused",
           "ExecutorBusy", "worker_request", "lease", "GENERATION_FILE"]

_HEADER = struct.Struct("!i")  # multiprocessing.connection's framing, which the worker speaks


class QueryTimeout(ClaimgraphError):
    """The query ran past the time limit and was stopped."""


class QueryRefused(ClaimgraphError):
    """The query cannot be answered as asked (syntax, evaluation error, no acceptable format)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ExecutorBusy(ClaimgraphError):
    """Every worker stayed busy for longer than the time limit."""


@dataclass
class QueryAnswer:
    """A query's answer: its media type, and either its whole ``body`` (small answers) or ``chunks`` to be
    iterated once (large answers, streamed)."""

    media_type: str
    body: bytes | None = None
    chunks: AsyncIterator[bytes] | None = None
    #: for an answer from a snapshot: the snapshot's folder and generation, and the seconds the worker took to
    #: answer whole (-1 for a streamed answer: not known when it starts)
    snapshot: str | None = None
    generation: int = -1
    seconds: float = 0.0


class _Connection(asyncio.Protocol):
    """The executor's end of a worker's socket: frames (multiprocessing.connection's) read as they arrive.

    A protocol rather than a stream: taking a message costs no task and no copy of a whole answer, and a
    query's deadline is one timer. Reading pauses while more than ``_BUFFERED`` bytes wait to be taken, so a
    slow client slows its worker instead of filling the server's memory."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.messages: deque[bytes] = deque()
        self.held = 0  # bytes in ``messages``
        self.paused = False
        self.lost = False
        self.waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        start = 0
        while len(buffer) - start >= 4:
            size = int.from_bytes(buffer[start:start + 4], "big", signed=True)
            head = 4
            if size == -1:  # multiprocessing's header for messages over 2 GiB
                if len(buffer) - start < 12:
                    break
                size, head = int.from_bytes(buffer[start + 4:start + 12], "big"), 12
            if len(buffer) - start < head + size:
                break
            self.messages.append(bytes(buffer[start + head:start + head + size]))
            self.held += size
            start += head + size
        if start:
            del buffer[:start]
        if self.held > _BUFFERED and not self.paused and self.transport is not None:
            self.transport.pause_reading()
            self.paused = True
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def receive(self) -> bytes:
        while not self.messages:
            if self.lost:
                raise ConnectionError("the query worker closed its connection")
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        message = self.messages.popleft()
        self.held -= len(message)
        if self.paused and self.held <= _BUFFERED // 2 and self.transport is not None:
            self.transport.resume_reading()
            self.paused = False
        return message


_BUFFERED = 1 << 20


class _Worker:
    """One worker process, started as ``python -m claimgraph.services.query_worker FD`` (a plain
    subprocess: no fork of a process that holds RocksDB, no re-import of the caller's main module)."""

    def __init__(self, connection: _Connection, process: subprocess.Popen[bytes]) -> None:
        self.connection, self.process = connection, process

    @classmethod
    async def start(cls) -> "_Worker":
        parent, child = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "claimgraph.services.query_worker", str(child.fileno())],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, close_fds=True,
                start_new_session=True,  # a terminal's Ctrl-C is the server's to handle: it stops its workers
            )
        finally:
            child.close()
        _, connection = await asyncio.get_running_loop().create_connection(_Connection, sock=parent)
        return cls(connection, process)

    def send(self, request: dict[str, Any]) -> None:
        """A request is small and the worker is waiting for it: written without waiting for the socket."""
        payload = json.dumps(request).encode("utf-8")
        assert self.connection.transport is not None
        self.connection.transport.write(_HEADER.pack(len(payload)) + payload)

    async def receive(self) -> bytes:
        return await self.connection.receive()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        if self.connection.transport is not None:
            self.connection.transport.close()


async def _death(worker: _Worker) -> str:
    """Why ``worker`` stopped while answering, as far as its exit says (it is gone, or going)."""
    for _ in range(50):
        if (code := worker.process.poll()) is not None:
            break
        await asyncio.sleep(0.01)
    if code == -signal.SIGABRT:
        return f"{ABORTED} (the query worker it ran in was replaced, and nothing else was affected)"
    if code == -signal.SIGKILL:
        return "the query worker was killed while answering (out of memory?)"
    if code is None:
        return "the query worker stopped answering"
    return f"the query worker died while answering (exit status {code})"


def worker_request(query: str, *, accept: str | None, dataset: Dataset | None, prefixes: Mapping[str, str] | None,
                   base_iri: str | None) -> dict[str, Any]:
    """What a worker is asked (see ``query_worker.evaluate``), less the snapshot it reads."""
    return {
        "query": query, "accept": accept, "base_iri": base_iri, "prefixes": dict(prefixes) if prefixes else None,
        "default_graphs": list(dataset.default_graphs) if dataset and dataset.given else None,
        "named_graphs": list(dataset.named_graphs) if dataset and dataset.given else None,
    }


def lease(snapshot: Path) -> Path:
    """The file beside a snapshot that its readers in other processes hold a shared lock on (``flock``):
    the executor deletes a snapshot only once it can lock that file exclusively."""
    return snapshot.with_name(snapshot.name + ".lease")


GENERATION_FILE = "generation"  # in the snapshot folder: the store's generation, 8 bytes, for other processes


class QueryExecutor:
    """A pool of query workers over snapshots of ``store``. Create it, then ``await start()`` in the
    event loop that will use it; ``await close()`` at the end.

    ``time_limit`` (seconds) bounds each query from the moment a worker takes it;
    ``max_result_bytes`` bounds the size of one serialised answer.
    """

    def __init__(self, store: Store, *, workers: int = 2, time_limit: float = 30.0,
                 max_result_bytes: int = 1 << 30, snapshot_root: Path | None = None) -> None:
        self.store = store
        self.time_limit = time_limit
        self.max_result_bytes = max_result_bytes
        self._size = max(1, workers)
        self._root = Path(tempfile.mkdtemp(prefix="claimgraph-snapshots-", dir=snapshot_root))
        self._lock = threading.Lock()  # writes happen on other threads
        self._snapshot: Path | None = None
        self._snapshot_generation = -1
        self._counter = 0
        self._in_use: dict[Path, int] = {}
        self._retired: set[Path] = set()  # no longer current nor read here, but leased by another process
        self._published: mmap.mmap | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._starting: set[asyncio.Task[None]] = set()  # workers being started in place of killed ones
        # last in, first out: under a light load one worker stays warm instead of each being woken in turn
        self._idle: asyncio.LifoQueue[_Worker] = asyncio.LifoQueue()
        self._closed = False

    async def start(self) -> None:
        for _ in range(self._size):
            self._idle.put_nowait(await _Worker.start())

    def publish(self) -> Path:
        """Keep the store's generation in a file other processes map (``GENERATION_FILE``: a signed 64-bit
        integer, native order), updated after every write, before the write is answered; and delete the
        snapshots they lease once they let go of them. Returns the snapshot folder."""
        path = self._root / GENERATION_FILE
        path.write_bytes(struct.pack("q", self.store.generation))
        with open(path, "r+b") as file:
            self._published = mmap.mmap(file.fileno(), 8)
        published = self._published

        def wrote(generation: int) -> None:
            struct.pack_into("q", published, 0, generation)

        self.store.on_write = wrote  # type: ignore[attr-defined]
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_retired())
        return self._root

    async def _sweep_retired(self) -> None:
        while True:
            await asyncio.sleep(2.0)
            if self._retired:
                with self._lock:
                    for path in list(self._retired):
                        self._discard(path)

    # -- snapshots -----------------------------------------------------------------------------------
    def _fresh(self) -> bool:
        return self._snapshot is not None and self.store.generation == self._snapshot_generation

    def _acquire_snapshot(self) -> tuple[Path, int]:
        """The snapshot that holds every write so far (and its generation), taken now if the store moved on;
        counted as in use."""
        with self._lock:
            if not self._fresh():
                self._counter += 1
                target = self._root / f"snapshot-{self._counter}"
                lease(target).touch()
                with self.store.write_lock:
                    generation = self.store.generation
                    self.store.snapshot(target)
                old, self._snapshot, self._snapshot_generation = self._snapshot, target, generation
                if old is not None and not self._in_use.get(old):
                    self._discard(old)
            assert self._snapshot is not None
            self._in_use[self._snapshot] = self._in_use.get(self._snapshot, 0) + 1
            return self._snapshot, self._snapshot_generation

    def _release_snapshot(self, path: Path) -> None:
        with self._lock:
            self._in_use[path] -= 1
            if not self._in_use[path]:
                del self._in_use[path]
                if path != self._snapshot:
                    self._discard(path)

    def _discard(self, path: Path) -> None:
        """Delete a snapshot no query here reads, unless another process still leases it (then later)."""
        try:
            held = os.open(lease(path), os.O_RDWR)
        except FileNotFoundError:
            held = None
        try:
            if held is not None:
                try:
                    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    self._retired.add(path)
                    return
            # renamed while locked: a process that takes the lease after this sees the snapshot gone
            trash = path.with_name("deleted-" + path.name)
            if path.exists():
                path.rename(trash)
            lease(path).unlink(missing_ok=True)
        finally:
            if held is not None:
                os.close(held)
        self._retired.discard(path)
        shutil.rmtree(trash, ignore_errors=True)

    # -- queries -------------------------------------------------------------------------------------
    async def run(self, query: str, *, accept: str | None = None, dataset: Dataset | None = None,
                  prefixes: Mapping[str, str] | None = None, base_iri: str | None = None) -> QueryAnswer:
        """Run ``query``; returns its answer (whole, or streaming), or raises QueryRefused / QueryTimeout."""
        if self._closed:
            raise QueryError("the query executor is closed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.time_limit
        if self._idle.empty():
            try:
                async with asyncio.timeout_at(deadline):
                    worker = await self._idle.get()
            except TimeoutError:
                raise ExecutorBusy(f"every query worker stayed busy for {self.time_limit:g} s; try again") from None
        else:
            worker = self._idle.get_nowait()
        try:
            if self._fresh():
                snapshot, generation = self._acquire_snapshot()
            else:  # a checkpoint takes milliseconds of disk work: not on the event loop
                snapshot, generation = await loop.run_in_executor(None, self._acquire_snapshot)
        except BaseException:
            self._idle.put_nowait(worker)
            raise
        request = worker_request(query, accept=accept, dataset=dataset, prefixes=prefixes, base_iri=base_iri)
        request["snapshot"] = str(snapshot)
        started = loop.time()
        try:
            worker.send(request)
            message = await self._receive(worker, deadline)
        except BaseException:
            await self._replace(worker)
            self._release_snapshot(snapshot)
            raise
        tag, payload = message[:1], message[1:]
        if tag == b"F":
            self._idle.put_nowait(worker)
            self._release_snapshot(snapshot)
            media, _, body = payload.partition(b"\n")
            if len(body) > self.max_result_bytes:
                raise QueryError(f"the result is larger than the limit of {self.max_result_bytes} bytes")
            return QueryAnswer(media.decode("ascii"), body=body, snapshot=str(snapshot), generation=generation,
                               seconds=loop.time() - started)
        if tag == b"X":
            self._idle.put_nowait(worker)
            self._release_snapshot(snapshot)
            error = json.loads(payload)
            raise QueryRefused(error["status"], error["message"])
        if tag != b"H":
            await self._replace(worker)
            self._release_snapshot(snapshot)
            raise QueryError("the query worker answered out of turn")
        return QueryAnswer(payload.decode("ascii"), chunks=self._stream(worker, deadline, snapshot),
                           snapshot=str(snapshot), generation=generation, seconds=-1.0)

    async def _stream(self, worker: _Worker, deadline: float, snapshot: Path) -> AsyncIterator[bytes]:
        sent = 0
        finished = False
        try:
            while True:
                message = await self._receive(worker, deadline)
                tag = message[:1]
                if tag == b"C":
                    sent += len(message) - 1
                    if sent > self.max_result_bytes:
                        raise QueryError(f"the result is larger than the limit of {self.max_result_bytes} bytes")
                    yield message[1:]
                elif tag == b"E":
                    finished = True
                    return
                else:
                    finished = tag == b"A"  # the worker survived a serialisation error
                    raise QueryError(message[1:].decode("utf-8", "replace") or "the result could not be written")
        finally:
            if finished:
                self._idle.put_nowait(worker)
            else:
                await self._replace(worker)  # abandoned, cut off or timed out: the worker may still be busy
            self._release_snapshot(snapshot)

    async def _receive(self, worker: _Worker, deadline: float) -> bytes:
        try:
            async with asyncio.timeout_at(deadline):
                return await worker.receive()
        except TimeoutError:
            raise QueryTimeout(f"the query ran longer than the time limit of {self.time_limit:g} s "
                               "and was stopped") from None
        except (asyncio.IncompleteReadError, ConnectionError):
            raise QueryError(await _death(worker)) from None

    async def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start another in a task of its own. Nothing here waits: this runs in ``finally``
        blocks of requests being cancelled (a client that left), where every wait would be cancelled too, and
        the pool would shrink by one worker each time."""
        worker.kill()
        if not self._closed:
            task = asyncio.get_running_loop().create_task(self._add_worker())
            self._starting.add(task)  # held: the event loop keeps only a weak reference to a task
            task.add_done_callback(self._starting.discard)

    async def _add_worker(self) -> None:
        worker = await _Worker.start()
        if self._closed:
            worker.kill()
        else:
            self._idle.put_nowait(worker)

    async def close(self) -> None:
        self._closed = True
        await asyncio.gather(*self._starting, return_exceptions=True)  # each kills what it starts, being closed
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._published is not None:
            self.store.on_write = None  # type: ignore[attr-defined]
            self._published.close()
        while not self._idle.empty():
            self._idle.get_nowait().kill()
        shutil.rmtree(self._root, ignore_errors=True)


class RemoteQueryExecutor:
    """Users' queries on a remote store: the server evaluates them, so there is no worker to kill. Each query
    runs in a thread with the time limit as its HTTP timeout; a query that runs past it is answered with the
    same error as on the embedded store, while other queries go on. The server may keep evaluating after the
    connection closes: give it a limit of its own too (Virtuoso: ``MaxQueryExecutionTime``; Oxigraph server:
    ``--timeout-s``). The answer is normalised (see :mod:`claimgraph.store.remote`) and serialised here in the
    format the client asked for; it is held in memory whole, bounded by ``max_result_bytes``."""

    def __init__(self, store: Store, *, workers: int = 2, time_limit: float = 30.0,
                 max_result_bytes: int = 1 << 30) -> None:
        self.store = store
        self.time_limit = time_limit
        self.max_result_bytes = max_result_bytes
        self._slots = asyncio.Semaphore(max(1, workers) * 4)  # requests in flight to the server at once

    async def start(self) -> None:
        """Nothing to start: the server is already running."""

    async def run(self, query: str, *, accept: str | None = None, dataset: Dataset | None = None,
                  prefixes: Mapping[str, str] | None = None, base_iri: str | None = None) -> QueryAnswer:
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self.time_limit)
        except asyncio.TimeoutError:
            raise ExecutorBusy(f"every query slot stayed busy for {self.time_limit:g} s; try again") from None
        try:
            return await asyncio.get_running_loop().run_in_executor(
                None, self._answer, query, accept, dataset, prefixes, base_iri)
        finally:
            self._slots.release()

    def _answer(self, query: str, accept: str | None, dataset: Dataset | None, prefixes: Mapping[str, str] | None,
                base_iri: str | None) -> QueryAnswer:
        import pyoxigraph as ox

        given = dataset is not None and dataset.given
        try:
            result = self.store.query(  # type: ignore[call-arg]
                query, prefixes=prefixes, timeout=self.time_limit, base_iri=base_iri,
                default_graph=[ox.NamedNode(g) for g in dataset.default_graphs] if given else None,  # type: ignore[union-attr]
                named_graphs=[ox.NamedNode(g) for g in dataset.named_graphs] if given else None)  # type: ignore[union-attr]
        except StoreTimeout:
            raise QueryTimeout(f"the query ran longer than the time limit of {self.time_limit:g} s "
                               "and was stopped") from None
        except QueryError as exc:
            raise QueryRefused(400, str(exc)) from None
        try:
            media, fmt = answer_format(result, accept)
        except NotAcceptable as exc:
            raise QueryRefused(406, str(exc)) from None
        body = io.BytesIO()
        result.serialize(body, fmt)  # type: ignore[arg-type]
        if body.tell() > self.max_result_bytes:
            raise QueryError(f"the result is larger than the limit of {self.max_result_bytes} bytes")
        return QueryAnswer(media, body=body.getvalue())

    async def close(self) -> None:
        """Nothing to stop."""


def executor_for(store: Store, *, workers: int = 2, time_limit: float = 30.0,
                 max_result_bytes: int = 1 << 30) -> QueryExecutor | RemoteQueryExecutor:
    """Worker processes over snapshots for the embedded store; the server itself for a remote one."""
    if store.location.startswith("sparql+"):
        return RemoteQueryExecutor(store, workers=workers, time_limit=time_limit, max_result_bytes=max_result_bytes)
    return QueryExecutor(store, workers=workers, time_limit=time_limit, max_result_bytes=max_result_bytes)
