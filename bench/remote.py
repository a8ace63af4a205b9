"""Remote stores against the embedded one: ingest and the README's example queries, same data, same run.

    python bench/remote.py [--claims 2000] [--requests 50] [--stores embedded,oxigraph,virtuoso]

Starts Oxigraph server and Virtuoso on loopback with ``scripts/remote-stores`` (or uses the ones named by the
``CLAIMGRAPH_TEST_*`` variables that script prints), then, on each store in turn, from empty:

* ingests the seeds plus a generated corpus of CLAIMS claims (``bench/corpus.py``; SHACL off: it costs the same
  on every store) and prints the time, claims/s and quads/s, and the ratio to the embedded store;
* recomputes every conflict (read every fact, detect, write the conflicts graph);
* runs each of the README's example queries through claimgraph's Python API (``Claimgraph.store.query``, answers
  read to the end) and prints median and p95 latency; for the remote stores also the same query sent straight
  to the server over HTTP (form POST, JSON or N-Triples answer read to the end), so that what claimgraph adds on
  top of the server (substitution, dataset, normalising the answers) is a ratio of its own;
* serves a few pages and JSON answers from that store (the app in-process, once its start-up work is done) and
  prints the median server time of each: what a store answering lookups one query at a time costs a page.

Every store is emptied again at the end; the servers started here are stopped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from corpus import write_corpus  # noqa: E402
from endpoint import percentile, timed  # noqa: E402

from claimgraph.config import RemoteSettings, Settings  # noqa: E402
from claimgraph.interfaces.core import Claimgraph  # noqa: E402
from claimgraph.interfaces.http.web import examples  # noqa: E402
from claimgraph.namespaces import PREFIXES  # noqa: E402
from claimgraph.store.remote import RemoteStore  # noqa: E402
from claimgraph.store.sparql_text import expand_escaped_names  # noqa: E402

STORES = ("embedded", "oxigraph", "virtuoso")
#: pages served from each store
PAGES = ("/id/benchmark/mmlu.json", "/api/entities/benchmark/mmlu/scores", "/id/model/gpt-4o", "/api/claims")
NEEDED = ("CLAIMGRAPH_TEST_OXIGRAPH_URL", "CLAIMGRAPH_TEST_VIRTUOSO_URL")


def settings_for(name: str, env: dict[str, str], work: Path) -> Settings:
    if name == "embedded":
        return Settings(store=str(work / "embedded"))
    if name == "oxigraph":
        return Settings(store=env["CLAIMGRAPH_TEST_OXIGRAPH_URL"])
    return Settings(store=env["CLAIMGRAPH_TEST_VIRTUOSO_URL"], remote=RemoteSettings(
        update_url=env["CLAIMGRAPH_TEST_VIRTUOSO_UPDATE_URL"], auth="digest",
        graph_store_url=env["CLAIMGRAPH_TEST_VIRTUOSO_GSP_URL"], user=env["CLAIMGRAPH_TEST_VIRTUOSO_USER"],
        password=env["CLAIMGRAPH_TEST_VIRTUOSO_PASSWORD"]))


def wipe(graph: Claimgraph) -> None:
    store = graph.store
    if isinstance(store, RemoteStore):
        for g in list(store.named_graphs()):
            store.drop_graph(g)
        store.drop_graph(ox.DefaultGraph())


def read_all(result: object) -> int:
    """Read an answer to its end; the number of rows or triples (1 for ASK)."""
    if isinstance(result, ox.QueryBoolean):
        return 1
    return sum(1 for _ in result)  # type: ignore[attr-defined]


def server_url(settings: Settings) -> str:
    return settings.store.removeprefix("sparql+")


def raw_http(client: httpx.Client, url: str, query: str, construct: bool, union: bool) -> int:
    """The query as a plain SPARQL client sends it: form POST, the answer read whole (with ``union``, Oxigraph
    server's parameter that makes the default graph the union of all graphs, as the other stores have it)."""
    prologue = "".join(f"PREFIX {p}: <{i}>\n" for p, i in PREFIXES.items() if f"PREFIX {p}:" not in query)
    data = {"query": prologue + expand_escaped_names(query, PREFIXES)} | ({"union-default-graph": ""} if union else {})
    response = client.post(url, data=data, headers={
        "Accept": "application/n-triples" if construct else "application/sparql-results+json"})
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code} to\n{query}\n{response.text[:400]}")
    return len(response.content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--stores", default=",".join(STORES))
    args = parser.parse_args()
    wanted = [s for s in args.stores.split(",") if s]
    if unknown := set(wanted) - set(STORES):
        parser.error(f"unknown store(s) {', '.join(sorted(unknown))}; expected some of {', '.join(STORES)}")
    work = Path(tempfile.mkdtemp(prefix="claimgraph-bench-remote-"))
    script = ROOT / "scripts" / "remote-stores"
    env = {k: v for k, v in os.environ.items() if k.startswith("CLAIMGRAPH_TEST_")}
    started = False
    if set(wanted) - {"embedded"} and not all(env.get(v) for v in NEEDED):
        up = subprocess.run([str(script), "up", str(work / "servers")], capture_output=True, text=True, check=False)
        if up.returncode:
            print(up.stderr, file=sys.stderr)
            return 1
        started = True
        env = {k: v.strip("'") for k, v in (line.split("=", 1) for line in up.stdout.splitlines() if "=" in line)}
    try:
        return run(args, wanted, env, work)
    finally:
        if started:
            subprocess.run([str(script), "down", str(work / "servers")], check=False)
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, wanted: list[str], env: dict[str, str], work: Path) -> int:
    corpus = work / "corpus"
    write_corpus(corpus, args.claims)
    queries = [(e["title"], e["query"]) for e in examples()]
    print(f"# {args.claims} generated claims + the seed; {args.requests} runs per query; "
          f"pyoxigraph {ox.__version__}")
    ingest: dict[str, float] = {}
    latency: dict[str, dict[str, tuple[float, float, int, float | None]]] = {}
    pages: dict[str, dict[str, float]] = {}
    for name in wanted:
        settings = settings_for(name, env, work)
        with Claimgraph(settings) as graph:
            wipe(graph)
            start = time.perf_counter()
            results, errors = graph.ingest([corpus, ROOT / "seeds"], validate=False)
            took = time.perf_counter() - start
            if errors:
                raise SystemExit(f"{name}: {errors[0]}")
            claims = sum(r.claims for r in results)
            quads = graph.store.count()
            ingest[name] = took
            start = time.perf_counter()
            conflicts = len(graph.list_conflicts(recompute=True)[0])
            recompute = time.perf_counter() - start
            base = ingest.get("embedded")
            print(f"{name:<9} ingest {len(results)} dossiers, {claims} claims, {quads} quads: {took:7.2f} s = "
                  f"{claims / took:6.0f} claims/s, {quads / took:7.0f} quads/s"
                  + (f"; {took / base:.1f}x embedded" if base and name != "embedded" else "")
                  + f"; full conflict recompute {recompute:.2f} s ({conflicts} conflicts)")
            latency[name] = {}
            client = httpx.Client(timeout=120) if name != "embedded" else None
            for title, query in queries:
                construct = "CONSTRUCT" in query or "DESCRIBE" in query
                rows = read_all(graph.store.query(query, prefixes=PREFIXES))  # warm
                api = timed(lambda q=query: read_all(graph.store.query(q, prefixes=PREFIXES)), args.requests)
                raw = None
                if client is not None:
                    union, url = name == "oxigraph", server_url(settings)
                    raw_http(client, url, query, construct, union)
                    raw = statistics.median(timed(lambda q=query, c=construct, h=client, u=url, n=union: raw_http(
                        h, u, q, c, n), args.requests))
                latency[name][title] = (statistics.median(api), percentile(api, 95), rows, raw)
            if client is not None:
                client.close()
            pages[name] = page_times(graph, args.requests)
            wipe(graph)
    print()
    header = f"{'example query (ms, Python API)':<44}{'rows':>6}"
    for name in wanted:
        header += f" {name + ' p50':>14} {'p95':>7}" + (f" {'/emb':>5} {'raw':>7}" if name != "embedded" else "")
    print(header)
    for title, _ in queries:
        line = f"{title[:43]:<44}{latency[wanted[0]][title][2]:>6}"
        for name in wanted:
            p50, p95, _, raw = latency[name][title]
            line += f" {p50:14.2f} {p95:7.2f}"
            if name != "embedded":
                ratio = p50 / latency["embedded"][title][0] if "embedded" in latency else float("nan")
                line += f" {ratio:5.1f} {raw if raw is not None else float('nan'):7.2f}"
        print(line)
    print("\n'/emb' is the store's median over the embedded store's; 'raw' is the median of the same query sent "
          "straight to that server over HTTP, without claimgraph.")
    print()
    print(f"{'page (ms, server time)':<44}" + "".join(f" {name + ' p50':>14}" for name in wanted))
    for path in PAGES:
        print(f"{path:<44}" + "".join(f" {pages[name][path]:14.1f}" for name in wanted))
    return 0


def page_times(graph: Claimgraph, runs: int) -> dict[str, float]:
    """The median milliseconds of each of ``PAGES``, served by the app in-process from ``graph``'s store."""
    from fastapi.testclient import TestClient

    from claimgraph.interfaces.http.app import create_app

    with TestClient(create_app(graph)) as client:
        deadline = time.monotonic() + 600
        while not client.get("/health").json().get("warm"):
            if time.monotonic() > deadline:
                raise SystemExit("the server's start-up work took more than 10 minutes")
            time.sleep(0.1)
        out = {}
        for path in PAGES:
            if (status := client.get(path).status_code) != 200:
                raise SystemExit(f"{path} answered {status}")
            out[path] = statistics.median(timed(lambda p=path: client.get(p), runs))
        return out


if __name__ == "__main__":
    raise SystemExit(main())
