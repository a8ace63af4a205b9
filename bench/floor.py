"""How close a Python server over pyoxigraph can come to Oxigraph server, against claimgraph's endpoint.

    python bench/floor.py [--claims 10000] [--store STORE] [--clients 4] [--seconds 6] [--runs 2]

Three servers over copies of one store, each under the same load: CLIENTS lean clients (``endpoint.LeanClient``),
each request a small SELECT never asked before (so nothing kept can answer it): Oxigraph server
(``oxigraph serve-read-only``), a **bare Python server** (a thread per connection, one process per CPU, httptools
and pyoxigraph and nothing else: no answer kept, no time limit, no checks; started from this file), and
``claimgraph serve``. For each it prints requests per second and the CPU its processes spent a request, counted
over the middle half of each run (clients start and stop outside it), and the ratio of its median to Oxigraph
server's, measured in the same run. The bare server is the floor of the approach: what is left between it and
claimgraph is what claimgraph's own code costs a request. Everything runs on loopback and stops by itself.
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
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from endpoint import SMALL, UNION, cpu_seconds, http_load, settle, wait  # noqa: E402

from claimgraph.namespaces import PREFIXES  # noqa: E402

PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


def serve_bare(port: int, store_path: str, processes: int) -> None:
    """The bare server: GET ?query=… answered as SPARQL JSON, nothing else (a bench's reference, not a server)."""
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

        def serve(self) -> None:
            while data := self.sock.recv(65536):
                self.parser.feed_data(data)
                while self.done:
                    query = urllib.parse.parse_qs(httptools.parse_url(self.done.pop(0)).query.decode())["query"][0]
                    body = store.query(PROLOGUE + query, use_default_graph_as_union=True).serialize(
                        format=ox.QueryResultsFormat.JSON)
                    self.sock.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/sparql-results+json\r\n"
                                      b"content-length: %d\r\n\r\n" % len(body) + body)

    def run(sock: socket.socket) -> None:
        try:
            Connection(sock).serve()
        except OSError:
            pass
        finally:
            sock.close()

    while True:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=run, args=(sock,), daemon=True).start()


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
    parser.add_argument("--serve-bare", nargs=3, metavar=("PORT", "STORE", "PROCESSES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(int(args.serve_bare[0]), args.serve_bare[1], int(args.serve_bare[2]))
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
        for copy in ("oxigraph", "bare"):
            source.backup(str(work / copy))
        quads = len(source)
        del source
        port = 19000 + os.getpid() % 1000
        processes = str(min(os.cpu_count() or 1, 4))
        servers = {
            "Oxigraph server": ([shutil.which("oxigraph") or "oxigraph", "serve-read-only", "--location",
                                 str(work / "oxigraph"), "--bind", f"127.0.0.1:{port}"], "/query", PROLOGUE + SMALL,
                                UNION),
            "bare Python server": ([sys.executable, __file__, "--serve-bare", str(port + 1), str(work / "bare"),
                                    processes], "/sparql", SMALL, ""),
            "claimgraph serve": ([sys.executable, "-m", "claimgraph", "serve", "--port", str(port + 2)], "/sparql",
                                 SMALL, ""),
        }
        print(f"# {quads} quads; {args.clients} clients, a small SELECT never asked before each request; "
              f"{args.runs} runs of {args.seconds:g} s each; pyoxigraph {ox.__version__}; {os.cpu_count()} CPUs")
        print(f"{'server':<22} {'run':>6} {'req/s':>9} {'CPU µs/req':>11} {'vs Oxigraph':>12}")
        reference = float("nan")
        for offset, (name, (command, path, query, extra)) in enumerate(servers.items()):
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)
            try:
                wait(port + offset, path, extra)
                settle(process.pid)
                http_load(port + offset, query, args.clients, 2.0, path, extra, "new")  # warm
                rates, cpus = [], []
                for run in range(args.runs):
                    rate, cpu = measure(process.pid, port + offset, path, query, extra, args.clients, args.seconds)
                    rates.append(rate)
                    cpus.append(cpu)
                    print(f"{name:<22} {run + 1:>6} {rate:9.0f} {cpu:11.0f}", flush=True)
                if offset == 0:
                    reference = statistics.median(rates)
                print(f"{name:<22} {'median':>6} {statistics.median(rates):9.0f} {statistics.median(cpus):11.0f} "
                      f"{statistics.median(rates) / reference:11.2f}×", flush=True)
            finally:
                os.killpg(process.pid, 15)
                process.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
