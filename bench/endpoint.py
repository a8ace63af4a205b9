"""Endpoint latency and throughput, against raw pyoxigraph measured in the same run on the same data.

    python bench/endpoint.py [--claims 10000] [--requests 300] [--seconds 5] [--clients 4] [--workers 2]
                             [--processes N] [--answer-cache BYTES] [--throughput-only]

Builds a store from the seed plus a generated corpus, then for each of the README's example queries
prints the median and p95 latency of (a) raw pyoxigraph in this process (query + JSON serialisation,
on a read-only copy of the same store) and (b) `claimgraph serve` over HTTP on loopback (one keep-alive
connection), and their difference. Then it runs CLIENTS concurrent clients (separate processes,
keep-alive, on raw sockets: see ``LeanClient``) for SECONDS against the endpoint, and the same number of
threads against raw pyoxigraph, and prints requests per second, the ratio, and the CPU the server's processes
spent a request (the same query again and again, then each request a query never asked before, which no
front can have learnt nor kept); Oxigraph server (``oxigraph serve-read-only`` on a copy of the store, when
installed) under the same load gives a reference of what an HTTP server reaches. Everything runs on loopback
and stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
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

from corpus import write_corpus  # noqa: E402

from claimgraph.namespaces import PREFIXES  # noqa: E402

SMALL = "SELECT ?c WHERE { ?c cg:position 1 ; cg:stance 'caveat' } LIMIT 5"
#: A result-heavy lookup (hundreds of rows): the claims that name one benchmark.
MEDIUM = ("SELECT ?claim ?text WHERE { ?b a cg:Benchmark ; rdfs:label 'AA-Omniscience' . "
          "?claim cg:mentions ?b ; cg:text ?text }")


def readme_queries() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"\n([^\n]*)\n\n```sparql\n(.*?)```", text, flags=re.S)
    return [("small SELECT", SMALL)] + [(title.strip().rstrip(":")[:48], q) for title, q in found]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def raw_once(store: ox.Store, query: str) -> bytes:
    result = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
    return result.serialize(format=ox.QueryResultsFormat.JSON) or b""


def http_once(conn: http.client.HTTPConnection, query: str, path: str = "/sparql", extra: str = "") -> bytes:
    """One GET of ``query`` at ``path`` (``extra``: more URL parameters, already encoded), the answer read. It
    asks for an answer read now (``Cache-Control: no-cache``): a latency is that of answering the query, not of
    sending an answer a front kept."""
    for attempt in (1, 2):
        try:
            conn.request("GET", f"{path}?" + urllib.parse.urlencode({"query": query}) + extra,
                         headers={"Accept": "application/sparql-results+json, application/n-triples;q=0.9",
                                  "Cache-Control": "no-cache"})
            response = conn.getresponse()
            break
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()  # the server closed an idle keep-alive connection: reconnect once
            if attempt == 2:
                raise
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
    return body


def timed(fn, n: int, budget: float = 5.0, at_least: int = 5) -> list[float]:  # type: ignore[no-untyped-def]
    """Milliseconds of n calls, or of as many as fit in ``budget`` seconds (at least ``at_least``)."""
    out: list[float] = []
    end = time.monotonic() + budget
    while len(out) < n and (len(out) < at_least or time.monotonic() < end):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


class LeanClient:
    """A load generator that costs little: one keep-alive connection on a raw socket, the request bytes
    built once, the answer read by its Content-Length or its chunks. ``http.client`` spends about 100 µs
    of CPU a request here, on the same two cores as the server it loads; this spends about a fifth of it,
    so that a throughput figure is the server's, not the client's."""

    def __init__(self, port: int, query: str, path: str = "/sparql", extra: str = "", mode: str = "kept") -> None:
        """``mode``: "kept", the same request each time; "fresh", the same with ``Cache-Control: no-cache`` (an
        answer read now, not one a front kept); "new", each request a query never asked before (the query, then
        a comment with a number)."""
        self.head = f"GET {path}?{urllib.parse.urlencode({'query': query})}".encode("ascii")
        fresh = "Cache-Control: no-cache\r\n" if mode == "fresh" else ""
        self.tail = (f"{extra} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/sparql-results+json, "
                     f"application/n-triples;q=0.9\r\n{fresh}\r\n").encode("ascii")
        vary = mode == "new"
        self.request = self.head + self.tail
        self.vary = f"%0A%23+{os.getpid()}-".encode("ascii") if vary else None
        self.sent = 0
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _more(self) -> None:
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buffer += data

    def _line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._more()
        line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
        return line

    def _take(self, size: int) -> None:
        while len(self.buffer) < size:
            self._more()
        self.buffer = self.buffer[size:]

    def once(self) -> None:
        """Send the request, read the whole answer; raise unless it is a 200."""
        if self.vary is None:
            self.sock.sendall(self.request)
        else:
            self.sent += 1
            self.sock.sendall(self.head + self.vary + str(self.sent).encode("ascii") + self.tail)
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._more()
        head, self.buffer = self.buffer[:end].lower(), self.buffer[end + 4:]
        if not head.startswith((b"http/1.1 200", b"http/1.0 200")):
            raise RuntimeError(f"the server answered {head[:60]!r}")
        if (at := head.find(b"content-length:")) >= 0:
            self._take(int(head[at + 15:].split(b"\r\n", 1)[0]))
            return
        while size := int(self._line().split(b";", 1)[0], 16):  # chunked
            self._take(size + 2)
        while self._line():  # trailers, then the empty line
            pass


def _client(port: int, query: str, seconds: float, counter, path: str, extra: str,  # type: ignore[no-untyped-def]
            mode: str) -> None:
    client = LeanClient(port, query, path, extra, mode)
    done = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        client.once()
        done += 1
    with counter.get_lock():
        counter.value += done


def http_rate(port: int, query: str, clients: int, seconds: float, path: str = "/sparql", extra: str = "",
              mode: str = "kept") -> float:
    """Requests per second that ``clients`` processes, each on one keep-alive connection, get answered."""
    answered, took = http_load(port, query, clients, seconds, path, extra, mode)
    return answered / took


#: the ways a load asks (see ``LeanClient``), as the output names them
MODES = {"kept": "the same query", "fresh": "the same query, Cache-Control: no-cache",
         "new": "a query not asked before, each time"}


def http_load(port: int, query: str, clients: int, seconds: float, path: str = "/sparql",
              extra: str = "", mode: str = "kept") -> tuple[int, float]:
    """(requests answered, seconds taken) of ``clients`` processes sending ``query`` for ``seconds`` (``mode``:
    see ``LeanClient``)."""
    counter = multiprocessing.Value("i", 0)
    procs = [multiprocessing.Process(target=_client, args=(port, query, seconds, counter, path, extra, mode))
             for _ in range(clients)]
    start = time.monotonic()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return counter.value, time.monotonic() - start


def raw_rate(store: ox.Store, query: str, clients: int, seconds: float) -> float:
    counts = [0] * clients
    end = time.monotonic() + seconds

    def work(i: int) -> None:
        while time.monotonic() < end:
            raw_once(store, query)
            counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="claimgraph serve --workers")
    parser.add_argument("--processes", type=int, help="claimgraph serve --processes (default: its own)")
    parser.add_argument("--answer-cache", type=int, metavar="BYTES",
                        help="CLAIMGRAPH_ANSWER_CACHE_BYTES for the server (default: its own; 0: no answer kept)")
    parser.add_argument("--throughput-only", action="store_true", help="skip the latency of each README query")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="claimgraph-bench-"))
    # the whole store streamed as one answer takes minutes at 100k: past the server's default limits (30 s, 1 GiB)
    env = {**os.environ, "CLAIMGRAPH_STORE": str(work / "store"), "CLAIMGRAPH_QUERY_TIMEOUT": "3600",
           "CLAIMGRAPH_MAX_RESULT_BYTES": str(1 << 40)}
    if args.answer_cache is not None:
        env["CLAIMGRAPH_ANSWER_CACHE_BYTES"] = str(args.answer_cache)
    cli = [sys.executable, "-m", "claimgraph"]
    write_corpus(work / "corpus", args.claims)
    subprocess.run(cli + ["ingest", "-q", "--no-validate", str(work / "corpus"), str(ROOT / "seeds")],
                   env=env, check=True)
    # the raw baseline (and Oxigraph server, for reference) read copies of the very same store
    source = ox.Store(str(work / "store"))
    source.backup(str(work / "raw"))
    source.backup(str(work / "oxigraph"))
    del source
    raw = ox.Store.read_only(str(work / "raw"))
    port = 18000 + os.getpid() % 1000
    serve = cli + ["serve", "--port", str(port), "--workers", str(args.workers)]
    if args.processes:
        serve += ["--processes", str(args.processes)]
    server = subprocess.Popen(serve, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    oxigraph = None
    if shutil.which("oxigraph"):
        oxigraph = subprocess.Popen(["oxigraph", "serve-read-only", "--location", str(work / "oxigraph"), "--bind",
                                     f"127.0.0.1:{port + 1}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn = wait(port, "/sparql")
        warmed = settle(server.pid, port)  # latencies too: the server's alone, not shared with its start-up work
        print(f"# {args.claims} generated claims + the seed; {len(raw)} quads; "
              f"{args.requests} requests per query; pyoxigraph {ox.__version__}; {args.workers} query workers; "
              f"{serve_malloc()}; measured once its start-up work was done, after {warmed:.0f} s")
        print(f"{'query (ms)':<50} {'raw p50':>8} {'raw p95':>8} {'http p50':>9} {'http p95':>9} {'+p50 ms':>8} "
              f"{'ratio':>6} {'n':>5}")
        for title, query in ([] if args.throughput_only else readme_queries()):
            raw_once(raw, query), http_once(conn, query)  # warm both
            r = timed(lambda: raw_once(raw, query), args.requests)
            h = timed(lambda: http_once(conn, query), args.requests)
            rp, hp = statistics.median(r), statistics.median(h)
            print(f"{title:<50} {rp:8.3f} {percentile(r, 95):8.3f} {hp:9.3f} {percentile(h, 95):9.3f} "
                  f"{hp - rp:8.3f} {hp / rp:6.2f} {len(h):5d}")
        if oxigraph is not None:
            wait(port + 1, "/query", UNION)
        settle(server.pid, port)
        prologue = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
        for name, query in (("claims naming a benchmark", MEDIUM), ("small SELECT", SMALL)):
            print(f"# throughput, {args.clients} concurrent clients for {args.seconds:g} s: {name}")
            raw_rps = raw_rate(raw, query, args.clients, args.seconds)
            print(f"raw pyoxigraph ({args.clients} threads): {raw_rps:9.0f} req/s")
            for mode, asked in MODES.items():
                before = cpu_seconds(server.pid)
                served, took = http_load(port, query, args.clients, args.seconds, mode=mode)
                http_rps = served / took
                after = cpu_seconds(server.pid)
                spent: dict[str, float] = {}
                for pid, cpu in before.items():
                    role = "store process" if pid == server.pid else role_of(pid)
                    spent[role] = spent.get(role, 0.0) + after.get(pid, cpu) - cpu
                line = (f"claimgraph HTTP, {asked} ({args.clients} clients): {http_rps:9.0f} req/s   "
                        f"ratio {http_rps / raw_rps:.2f}")
                if oxigraph is not None:
                    if mode != "fresh":  # Oxigraph server keeps no answer: asking it with no-cache is the same load
                        ox_rps = http_rate(port + 1, prologue + query, args.clients, args.seconds, "/query", UNION,
                                           mode)
                    line += f"   oxigraph serve-read-only {ox_rps:9.0f} req/s (ratio {ox_rps / raw_rps:.2f})"
                    line += f"   claimgraph/oxigraph {http_rps / ox_rps:.2f}"
                print(line + "   CPU a request: " + ", ".join(f"{role} {cpu / served * 1e6:.0f} us"
                                                            for role, cpu in sorted(spent.items())))
        if not args.throughput_only:
            print("# memory while streaming large answers (every process of the server, peak RSS)")
        streams = (("GET /store (whole store, N-Quads)", "/store"),
                   ("SELECT * over every quad", "/sparql?" + urllib.parse.urlencode(
                       {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"})))
        for name, path in ([] if args.throughput_only else streams):
            size, before, peak, grown = streamed(port, path, server.pid)
            print(f"{name:<40} {size / 1e6:8.1f} MB sent; RSS {before / 1e6:7.1f} MB before, "
                  f"peak {peak / 1e6:7.1f} MB (+{(peak - before) / 1e6:.1f} MB: "
                  + ", ".join(f"{role} +{mb / 1e6:.1f}" for role, mb in sorted(grown.items())) + ")")
    finally:
        for process in (server, oxigraph):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


UNION = "&union-default-graph"


def wait(port: int, path: str, extra: str = "") -> http.client.HTTPConnection:
    """A keep-alive connection to a server that answers ``ASK {}`` at ``path``, once it does (60 s at most)."""
    deadline = time.monotonic() + 60
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)  # answers at 1M claims take minutes
        try:
            http_once(conn, "ASK {}", path, extra)
            return conn
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def serve_malloc(env: dict[str, str] | None = None) -> str:
    """The ``malloc`` ``claimgraph serve`` runs on here, as its settings choose it (``CLAIMGRAPH_MALLOC``)."""
    from claimgraph.config import Settings
    from claimgraph.interfaces.malloc import library

    lib = library(Settings.from_env(environ=dict(os.environ if env is None else env)).malloc)
    return f"claimgraph serve on {Path(lib).name if lib else 'the system malloc'}"


def settle(pid: int, port: int | None = None, limit: float = 7200.0) -> float:
    """Wait until the server is idle, and return the seconds waited. ``claimgraph serve`` (its ``port`` given)
    reads the conflicts' facts as it starts, in a thread (half a minute at 100k claims, many minutes at 1M, mostly
    waiting for the disk), which would share the cores and the disk with what is measured next: its ``/health``
    says when that is done (``warm``). Then any server: until its processes spend no CPU for a second."""
    began = time.monotonic()
    deadline = began + limit
    while port is not None and time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", "/health")
            if json.loads(conn.getresponse().read()).get("warm", True):
                break
        finally:
            conn.close()
        time.sleep(1.0)
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(pid).values())
        time.sleep(1.0)
        if sum(cpu_seconds(pid).values()) - before < 0.05:
            break
    return time.monotonic() - began


def cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of a process and of each of its children (Linux /proc)."""
    out = {}
    for p in [pid] + descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            out[p] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return out


def role_of(pid: int) -> str:
    """What a process under `claimgraph serve` is, by its command line."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "gone"
    return ("front processes" if b"claimgraph.interfaces.http.front" in command
            else "query workers" if b"claimgraph.services.query_worker" in command else "other")


def children(pid: int) -> list[int]:
    """Children of every thread of ``pid`` (Linux /proc)."""
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


def descendants(pid: int) -> list[int]:
    out = children(pid)
    for child in list(out):
        out += descendants(child)
    return out


def rss_tree(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc; pages they share are
    counted once for each: an upper bound)."""
    total = 0
    for p in [pid] + descendants(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


class TreePeak:
    """The peak of the resident memory of process ``pid`` summed with that of the processes it starts (the
    ingest's and import's mapping processes), sampled every 50 ms while in the ``with`` block, in bytes."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self.peak = max(self.peak, rss_tree(self.pid))

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


def rss(pid: int) -> int:
    """Resident memory of one process, in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def streamed(port: int, path: str, pid: int) -> tuple[int, int, int, dict[str, int]]:
    """Download ``path``, sampling the server's memory: (bytes, RSS before, peak RSS, of the whole process tree;
    and the growth of each kind of process: the peak less the start of each, summed by kind)."""
    before = rss_tree(pid)
    peak = before
    processes = [pid] + descendants(pid)
    starts = {p: rss(p) for p in processes}
    peaks = dict(starts)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_tree(pid))
            for p in processes:
                peaks[p] = max(peaks[p], rss(p))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", path, headers={"Accept": "application/n-quads, application/sparql-results+json;q=0.9"})
    response = conn.getresponse()
    size = 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
    done.set()
    sampler.join()
    conn.close()
    grown: dict[str, int] = {}
    for p in processes:
        role = "store process" if p == pid else role_of(p)
        grown[role] = grown.get(role, 0) + peaks[p] - starts[p]
    return size, before, peak, grown


if __name__ == "__main__":
    raise SystemExit(main())
