"""The README's example queries every way claimgraph answers them, against raw pyoxigraph and Oxigraph server.

    python bench/queries.py [--claims 10000] [--requests 100] [--at-least 3] [--cli-runs 3] [--clients 4]
                            [--seconds 5] [--store PATH] [--throughput-only]

Builds a store from a generated corpus (``bench/corpus.py``) plus the seed, then times each example query of
the README, and a DESCRIBE of one claim, answered (SELECT/ASK as SPARQL JSON, graphs as N-Triples, read to the
end):

* ``api``   — ``Claimgraph.query`` in this process (the Python API: prefixes predeclared, union default graph);
* ``cli``   — ``claimgraph query --format json|ntriples`` as a user runs it (a process per query: start-up
  included, so fewer runs);
* ``http``  — ``claimgraph serve`` on loopback, one keep-alive connection, GET ``/sparql``;
* ``raw``   — pyoxigraph's ``Store.query`` + ``serialize`` in this process;
* ``oxsrv`` — Oxigraph server (``oxigraph serve``, PyPI) on another copy, same GET with
  ``union-default-graph``.

Each way runs a query ``--requests`` times, or as often as fits in 5 s but at least ``--at-least`` times
(the largest answers at 100k claims take seconds a run); HTTP requests ask for an answer read now
(``Cache-Control: no-cache``), not one a front kept. ``--store`` reuses a store a bench built before
(claimgraph's own, on disk) instead of generating and ingesting a corpus. Medians (and p95 for HTTP) in
milliseconds: the first ``raw`` is pyoxigraph on the very store object under the
API (the baseline of api/raw), the second on the read-only copy the servers are compared with (the baseline of
http−raw). Then CLIENTS concurrent
clients (processes, keep-alive) for SECONDS against claimgraph's endpoint and against Oxigraph server, on a small
SELECT and a larger one, each three ways (the same query again and again, whose answer a front keeps; the same
with ``Cache-Control: no-cache``; a query not asked before each time): requests per second and their ratio.
``--throughput-only`` skips the timing of each query. Everything runs on loopback and stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from corpus import write_corpus  # noqa: E402
from endpoint import (MEDIUM, MODES, SMALL, UNION, http_once, http_rate, percentile, raw_once, serve_malloc, settle,  # noqa: E402
                      timed, wait)

from claimgraph.config import Settings  # noqa: E402
from claimgraph.interfaces.core import Claimgraph  # noqa: E402
from claimgraph.interfaces.http.web import examples  # noqa: E402
from claimgraph.namespaces import PREFIXES  # noqa: E402

PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def is_graph(query: str) -> bool:
    words = query.upper().split()
    return "CONSTRUCT" in words or "DESCRIBE" in words


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--at-least", type=int, default=3, help="runs of each query each way, however long")
    parser.add_argument("--store", type=Path, help="an existing claimgraph store to read (left as it is)")
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--throughput-only", action="store_true", help="only the requests per second under load")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="claimgraph-bench-queries-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        return run(args, work, processes)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path, processes: list[subprocess.Popen[bytes]]) -> int:
    store = args.store or work / "store"
    env = {**os.environ, "CLAIMGRAPH_STORE": str(store)}
    cli = [sys.executable, "-m", "claimgraph"]
    if args.store is None:
        write_corpus(work / "corpus", args.claims)
        subprocess.run(cli + ["ingest", "-q", "--no-validate", str(work / "corpus"), str(ROOT / "seeds")], env=env,
                       check=True)
    queries = [("small SELECT", PROLOGUE + SMALL)] + [(e["title"], e["query"]) for e in examples()]
    with Claimgraph(Settings(store=str(store))) as graph:
        claim = next(iter(graph.store.query("SELECT ?c WHERE { ?c a cg:Claim ; cg:position 1 } LIMIT 1",
                                            prefixes=PREFIXES)))["c"]  # type: ignore[index, arg-type]
        queries.append(("DESCRIBE one claim", f"DESCRIBE <{claim.value}>"))
        quads = graph.store.count()
        claims = int(next(iter(graph.store.query("SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim }",
                                                 prefixes=PREFIXES)))["n"].value)  # type: ignore[index, union-attr]
        if args.throughput_only:
            queries = []
        api: dict[str, tuple[list[float], list[float]]] = {}
        engine = graph.store._store  # the very pyoxigraph Store under the API: the baseline for api/raw
        for title, query in queries:
            fmt = "ntriples" if is_graph(query) else "json"
            graph.query(query, io.BytesIO(), fmt), raw_once(engine, query)  # warm
            api[title] = (timed(lambda q=query, f=fmt: graph.query(q, io.BytesIO(), f), args.requests,
                                at_least=args.at_least),
                          timed(lambda q=query: raw_once(engine, q), args.requests, at_least=args.at_least))
        del engine  # the store's lock goes with its last reference: the CLI needs it next
    cli_ms: dict[str, float] = {}
    for title, query in queries:
        fmt = "ntriples" if is_graph(query) else "json"
        runs = timed(lambda q=query, f=fmt: subprocess.run(cli + ["query", "--format", f, q], env=env, check=True,
                                                           stdout=subprocess.DEVNULL), args.cli_runs, budget=0)
        cli_ms[title] = statistics.median(runs)
    # the baselines read copies of the very same store
    source = ox.Store(str(store))
    source.backup(str(work / "raw"))
    source.backup(str(work / "oxigraph"))
    del source
    raw = ox.Store.read_only(str(work / "raw"))
    ox_port, cg_port = free_port(), free_port()
    processes.append(subprocess.Popen(["oxigraph", "serve", "--location", str(work / "oxigraph"), "--bind",
                                       f"127.0.0.1:{ox_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    # the server's limits raised past the largest answers (at 1M claims they take minutes and reach 1 GB): what
    # is measured is the cost of answering, not the limits that guard a public endpoint
    limits = {"CLAIMGRAPH_QUERY_TIMEOUT": "3600", "CLAIMGRAPH_MAX_RESULT_BYTES": str(1 << 40)}
    processes.append(subprocess.Popen(cli + ["serve", "--port", str(cg_port)], env={**env, **limits},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    ox_conn, cg_conn = wait(ox_port, "/query", UNION), wait(cg_port, "/sparql")
    warmed = settle(processes[-1].pid, cg_port)  # its start-up work is not shared with what is measured
    print(f"# {claims} claims ({'generated + the seed' if args.store is None else args.store.name}); {quads} quads; "
          f"{args.requests} runs per query (at least {args.at_least}) "
          f"(cli: {args.cli_runs}); pyoxigraph {ox.__version__}; {os.cpu_count()} CPUs; {serve_malloc(env)}; "
          f"claimgraph serve measured once its start-up work was done, after {warmed:.0f} s")
    print(f"{'query (median ms)':<44}{'raw':>10}{'api':>10}{'api/raw':>8}{'cli':>8}{'raw':>10}{'http':>10}"
          f"{'http p95':>10}{'http-raw':>9}{'oxsrv':>10}{'oxsrv p95':>10}")
    failures: list[str] = []
    for title, query in queries:
        raw_once(raw, query), http_once(cg_conn, query)  # warm
        r = timed(lambda q=query: raw_once(raw, q), args.requests, at_least=args.at_least)
        h = timed(lambda q=query: http_once(cg_conn, q), args.requests, at_least=args.at_least)
        try:
            o = timed(lambda q=query: http_once(ox_conn, q, "/query", UNION), args.requests, at_least=args.at_least)
        except RuntimeError as exc:  # Oxigraph server 0.5.13 answered some large results with a 500 (EAGAIN)
            failures.append(f"{title}: Oxigraph server: {exc}")
            ox_conn = http.client.HTTPConnection("127.0.0.1", ox_port, timeout=1800)
            o = [float("nan")]
        ap, arp, rp, hp, op = (statistics.median(x) for x in (*api[title], r, h, o))
        print(f"{title[:43]:<44}{arp:10.2f}{ap:10.2f}{ap / arp:8.2f}{cli_ms[title]:8.0f}{rp:10.2f}{hp:10.2f}"
              f"{percentile(h, 95):10.2f}{hp - rp:9.2f}{op:10.2f}{percentile(o, 95):10.2f}")
    for failure in failures:
        print(f"# failed: {failure}")
    settle(processes[-1].pid, cg_port)
    print(f"# throughput: {args.clients} concurrent clients (processes, keep-alive) for {args.seconds:g} s each")
    for name, query in (("small SELECT", SMALL), ("claims naming a benchmark", MEDIUM)):
        query = PROLOGUE + query
        for mode, asked in MODES.items():
            cg_rps = http_rate(cg_port, query, args.clients, args.seconds, mode=mode)
            if mode != "fresh":  # Oxigraph server keeps no answer: with no-cache it is the same load
                ox_rps = http_rate(ox_port, query, args.clients, args.seconds, "/query", UNION, mode)
            print(f"{name + ', ' + asked:<70} claimgraph serve {cg_rps:8.0f} req/s   oxigraph serve {ox_rps:8.0f} "
                  f"req/s   ratio {cg_rps / ox_rps:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
