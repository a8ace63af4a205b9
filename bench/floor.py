"""How close a Python server over pyoxigraph can come to Oxigraph server, against claimgraph's endpoint.

    python bench/floor.py [--claims 10000] [--store STORE] [--clients 4] [--seconds 6] [--runs 3] [--preload LIB]
                          [--hand-over SECONDS]

Five servers over copies of one store, each under the same load: CLIENTS lean clients (``endpoint.LeanClient``),
each request a small SELECT never asked before (so nothing kept can answer it): Oxigraph server
(``oxigraph serve-read-only``), a **bare Python server** (a thread per connection, one process per CPU, httptools
and pyoxigraph and nothing else: no answer kept, no time limit, no checks; started from this file), the same bare
server with **one thread a process** serving all its connections from a selector (no thread waits for another's
GIL, but a long query would hold up every connection of its process: a shape claimgraph does not take), the
same again with **a leader and followers** (one thread a process serves every connection while its queries are
quick; one that takes longer than ``--hand-over`` seconds, 2 ms by default, hands the others to another thread:
a shape that claimgraph could take), and ``claimgraph serve``. For each it prints requests per second and the
CPU its processes spent a request, counted over the middle half of each run (clients start and stop outside
it), and the ratio of its median to Oxigraph server's, measured in the same run. The bare server is the floor of
the approach: what is left between it and claimgraph is what claimgraph's own code costs a request. Everything
runs on loopback and stops by itself.

The servers are measured in rounds, each started once a round, in turn (every other round in the reverse order):
on this kind of machine a server's rate moves by a fifth from one minute to the next, and a round puts them all
in the same minutes. ``claimgraph serve`` runs as it does by default (on jemalloc where the system has it:
``CLAIMGRAPH_MALLOC``). ``--preload LIB`` (the path of a ``malloc`` library, such as Debian's
``libjemalloc.so.2``) runs the five servers on the system's ``malloc`` and again on LIB (``LD_PRELOAD``;
``CLAIMGRAPH_MALLOC`` for claimgraph): how much of each one's cost is its allocator's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from endpoint import SMALL, UNION, cpu_seconds, http_load, settle, wait  # noqa: E402

from claimgraph.namespaces import PREFIXES  # noqa: E402

PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


def serve_bare(port: int, store_path: str, processes: int, shape: str = "threads") -> None:
    """The bare server: GET ?query=… answered as SPARQL JSON, nothing else (a bench's reference, not a server).
    ``shape``: "threads" (a thread per connection), "one-thread" (one thread a process serving all its
    connections from a selector: no thread ever waits for another's GIL, and a long query holds up every
    connection of its process), or "leader:SECONDS" (``lead_by_turns``)."""
    import selectors

    import httptools

    listener = socket.create_server(("127.0.0.1", port), backlog=1024)
    for _ in range(processes - 1):
        if os.fork() == 0:
            break
    store = ox.Store.read_only(store_path)

    class Connection:
        def __init__(self, sock: socket.socket) -> None:
            self.sock, self.url, self.done = sock, b"", []  # type: ignore[var-annotated]
            self.parser = httptools.HttpRequestParser(self)

        def on_url(self, url: bytes) -> None:
            self.url += url

        def on_message_complete(self) -> None:
            self.done.append(self.url)
            self.url = b""

        def received(self, data: bytes) -> None:
            self.parser.feed_data(data)
            while self.done:
                query = urllib.parse.parse_qs(httptools.parse_url(self.done.pop(0)).query.decode())["query"][0]
                body = store.query(PROLOGUE + query, use_default_graph_as_union=True).serialize(
                    format=ox.QueryResultsFormat.JSON)
                self.sock.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/sparql-results+json\r\n"
                                  b"content-length: %d\r\n\r\n" % len(body) + body)

        def serve(self) -> None:
            while data := self.sock.recv(65536):
                self.received(data)

    def run(sock: socket.socket) -> None:
        try:
            Connection(sock).serve()
        except OSError:
            pass
        finally:
            sock.close()

    def accept() -> socket.socket:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    if shape == "threads":
        while True:
            threading.Thread(target=run, args=(accept(),), daemon=True).start()
    if shape.startswith("leader:"):
        lead_by_turns(listener, accept, Connection, float(shape.partition(":")[2]))
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.data is None:  # the listener: another process may have taken the connection
                listener.setblocking(False)
                try:
                    selector.register(sock := accept(), selectors.EVENT_READ, Connection(sock))
                    sock.setblocking(True)
                except BlockingIOError:
                    pass
                continue
            connection = key.data
            try:
                data = connection.sock.recv(65536)
                if data:
                    connection.received(data)
                    continue
            except OSError:
                pass
            selector.unregister(connection.sock)
            connection.sock.close()


def lead_by_turns(listener: socket.socket, accept: Callable[[], socket.socket], connection: Callable,
                  long: float) -> None:
    """Serve every connection of this process from one thread at a time: the **leader** waits for the next
    connection with a request (``epoll``, each connection armed once) and answers it itself. A watch hands the
    lead to another thread (a follower, or a new one) when the leader has been on one request for more than
    ``long`` seconds; the old leader finishes its answer and then waits to lead again. So quick queries are
    served as by one thread a process, and a long one holds up no other connection past ``long``."""
    import select

    armed = select.EPOLLIN | select.EPOLLONESHOT
    poll = select.epoll()
    poll.register(listener.fileno(), select.EPOLLIN)
    connections: dict[int, Any] = {}
    turn = threading.Condition()
    lead: list[Any] = [None, 0.0]  # the leading thread's token, and since when it is on a request (0: none)
    followers = [0]

    def follow() -> None:
        me = object()
        while True:
            with turn:
                followers[0] += 1
                while lead[0] is not None:
                    turn.wait()
                followers[0] -= 1
                lead[0] = me
            while lead[0] is me:
                for fd, _ in poll.poll(-1, 1):
                    if fd == listener.fileno():
                        try:
                            sock = accept()
                        except BlockingIOError:
                            continue
                        sock.setblocking(True)
                        connections[sock.fileno()] = connection(sock)
                        poll.register(sock.fileno(), armed)
                        continue
                    conn = connections[fd]
                    lead[1] = time.monotonic()
                    try:
                        data = conn.sock.recv(65536)
                        if data:
                            conn.received(data)
                    except OSError:
                        data = b""
                    lead[1] = 0.0
                    if data:
                        poll.modify(fd, armed)
                    else:
                        poll.unregister(fd)
                        del connections[fd]
                        conn.sock.close()

    listener.setblocking(False)
    threading.Thread(target=follow, daemon=True).start()
    while True:  # the watch
        time.sleep(long / 2)
        since = lead[1]
        if since and time.monotonic() - since > long:
            with turn:
                if lead[1] == since:
                    lead[0], lead[1] = None, 0.0
                    if followers[0]:
                        turn.notify()
                    else:
                        threading.Thread(target=follow, daemon=True).start()


def measure(pid: int, port: int, path: str, query: str, extra: str, clients: int,
            seconds: float) -> tuple[float, float]:
    """(requests a second, CPU µs a request of ``pid`` and its descendants) over the middle half of one run."""
    done: list[tuple[int, float]] = []
    load = threading.Thread(target=lambda: done.append(http_load(port, query, clients, seconds, path, extra, "new")))
    load.start()
    time.sleep(seconds / 4)
    before, start = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds / 2)
    after, took = cpu_seconds(pid), time.monotonic() - start
    load.join()
    answered, elapsed = done[0]
    rate = answered / elapsed
    cpu = sum(after.get(p, c) - c for p, c in before.items())
    return rate, cpu / (rate * took) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--store", type=Path, help="an existing claimgraph store to copy (instead of generating one)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preload", type=Path, help="a malloc library: each server again with it in LD_PRELOAD")
    parser.add_argument("--hand-over", type=float, default=0.002, metavar="SECONDS",
                        help="how long the leader and followers server's leader may be on one request before "
                             "another thread leads (default 0.002)")
    parser.add_argument("--serve-bare", nargs=4, metavar=("PORT", "STORE", "PROCESSES", "SHAPE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(int(args.serve_bare[0]), args.serve_bare[1], int(args.serve_bare[2]),
                   shape=args.serve_bare[3])
        return 0
    work = Path(tempfile.mkdtemp(prefix="claimgraph-floor-"))
    env = {**os.environ, "CLAIMGRAPH_STORE": str(work / "store")}
    try:
        if args.store:
            ox.Store.read_only(str(args.store)).backup(str(work / "store"))
        else:
            from corpus import write_corpus

            write_corpus(work / "corpus", args.claims)
            subprocess.run([sys.executable, "-m", "claimgraph", "ingest", "-q", "--no-validate", str(work / "corpus"),
                            str(ROOT / "seeds")], env=env, check=True)
        source = ox.Store.read_only(str(work / "store"))
        for copy in ("oxigraph", "bare", "bare1", "bare2"):
            source.backup(str(work / copy))
        quads = len(source)
        del source
        port = 19000 + os.getpid() % 1000
        processes = str(min(os.cpu_count() or 1, 4))

        def servers_at(first: int, malloc: str | None) -> dict[str, tuple]:
            """The five servers on ports from ``first``: as they run by default (``malloc`` None), on the
            system's malloc ("system") or on the library ``malloc`` names."""
            preload = {} if malloc in (None, "system") else {"LD_PRELOAD": malloc}
            suffix = "" if malloc is None else f", {'system malloc' if malloc == 'system' else Path(malloc).name}"
            return {
                f"Oxigraph server{suffix}": (
                    [shutil.which("oxigraph") or "oxigraph", "serve-read-only", "--location", str(work / "oxigraph"),
                     "--bind", f"127.0.0.1:{first}"], first, "/query", PROLOGUE + SMALL, UNION, preload),
                f"bare Python server{suffix}": (
                    [sys.executable, __file__, "--serve-bare", str(first + 1), str(work / "bare"), processes,
                     "threads"], first + 1, "/sparql", SMALL, "", preload),
                f"bare, one thread a process{suffix}": (
                    [sys.executable, __file__, "--serve-bare", str(first + 3), str(work / "bare1"), processes,
                     "one-thread"], first + 3, "/sparql", SMALL, "", preload),
                f"bare, leader and followers{suffix}": (
                    [sys.executable, __file__, "--serve-bare", str(first + 4), str(work / "bare2"), processes,
                     f"leader:{args.hand_over}"], first + 4, "/sparql", SMALL, "", preload),
                f"claimgraph serve{suffix}": (
                    [sys.executable, "-m", "claimgraph", "serve", "--port", str(first + 2)], first + 2, "/sparql",
                    SMALL, "", {} if malloc is None else {"CLAIMGRAPH_MALLOC": malloc}),
            }

        if args.preload:  # each server on the system's malloc, and again on the library
            servers = {**servers_at(port, "system"), **servers_at(port + 5, str(args.preload.resolve()))}
        else:
            servers = servers_at(port, None)
        print(f"# {quads} quads; {args.clients} clients, a small SELECT never asked before each request; "
              f"{args.runs} rounds (each server started once a round, in turn; every other round in the reverse "
              f"order), a run of {args.seconds:g} s each; pyoxigraph {ox.__version__}; {os.cpu_count()} CPUs")
        width = max(map(len, servers))
        print(f"{'server':<{width}} {'round':>6} {'req/s':>9} {'CPU µs/req':>11} {'vs Oxigraph':>12}")
        rates: dict[str, list[float]] = {name: [] for name in servers}
        cpus: dict[str, list[float]] = {name: [] for name in servers}
        for run in range(args.runs):
            order = list(servers.items()) if run % 2 == 0 else list(servers.items())[::-1]
            for name, (command, at, path, query, extra, preload) in order:
                process = subprocess.Popen(command, env={**env, **preload}, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, start_new_session=True)
                try:
                    wait(at, path, extra)
                    settle(process.pid, at if name.startswith("claimgraph") else None)
                    http_load(at, query, args.clients, 2.0, path, extra, "new")  # warm
                    rate, cpu = measure(process.pid, at, path, query, extra, args.clients, args.seconds)
                    rates[name].append(rate)
                    cpus[name].append(cpu)
                    print(f"{name:<{width}} {run + 1:>6} {rate:9.0f} {cpu:11.0f}", flush=True)
                finally:
                    os.killpg(process.pid, 15)
                    process.wait(timeout=30)
        reference = statistics.median(next(iter(rates.values())))
        for name in servers:
            rate = statistics.median(rates[name])
            print(f"{name:<{width}} {'median':>6} {rate:9.0f} {statistics.median(cpus[name]):11.0f} "
                  f"{rate / reference:11.2f}×", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
