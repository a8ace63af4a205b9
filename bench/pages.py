"""Server time of every page and its JSON twin on a store of generated claims.

``python bench/pages.py --claims 10000 [--repeat 5]`` (or ``--store PATH`` for a store already built) prints the
median server time of each page (the app answering in-process, no network), once the server's start-up work is
done (what ``/health`` calls warm), and, for reference, what raw pyoxigraph takes for one scan of the claims on the
same store in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_corpus  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from claimgraph.config import Settings  # noqa: E402
from claimgraph.interfaces.core import Claimgraph  # noqa: E402
from claimgraph.interfaces.http.app import create_app  # noqa: E402
from claimgraph.namespaces import PREFIXES  # noqa: E402

PAGES = ["/", "/index.json", "/editor", "/graph", "/graph.json?around=MMLU&depth=1", "/conflicts", "/conflicts.json",
         "/id/benchmark/mmlu", "/id/benchmark/mmlu.json", "/id/model/gpt-4o", "/id/method/dpo",
         "/api/claims", "/api/claims?offset=5000", "/api/claims?stance=claim", "/api/claims?entity=benchmark/mmlu",
         "/api/entities/benchmark/mmlu/scores?offset=5000"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--store", help="an existing store (skips generating and ingesting)")
    parser.add_argument("--repeat", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            corpus = Path(tmp) / "corpus"
            write_corpus(corpus, args.claims)
            store = str(Path(tmp) / "store")
            with Claimgraph(Settings(store=store)) as graph:
                graph.ingest([corpus], validate=False)
        with Claimgraph(Settings(store=store)) as graph, TestClient(create_app(graph)) as client:
            start = time.perf_counter()
            client.app.state.warm.wait()  # type: ignore[attr-defined]  # the server's start-up work, as `serve` does it
            print(f"the server's start-up work (conflicts current, their facts in memory): "
                  f"{time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            n = sum(1 for _ in graph.store.query("SELECT ?c ?t WHERE { ?c a cg:Claim ; cg:text ?t }", prefixes=PREFIXES))  # type: ignore[union-attr]
            raw = time.perf_counter() - start
            print(f"claims: {n}; raw pyoxigraph, one scan of every claim's text: {raw * 1000:.0f} ms")
            row = next(iter(graph.store.query("SELECT ?c ?d WHERE { ?c a cg:Claim ; cg:inDossier ?d } LIMIT 1",  # type: ignore[union-attr]
                                              prefixes=PREFIXES)))
            local = lambda iri: "/id/" + iri.split("/id/", 1)[1]  # noqa: E731
            pages = PAGES + [local(row["c"].value), local(row["c"].value) + ".json", local(row["d"].value)]  # type: ignore[index]
            print("first: the first request after the server starts (or after a write); median: the rest")
            for page in pages:
                times, status = [], 0
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    response = client.get(page, headers={"Accept": "text/html"})
                    times.append(time.perf_counter() - start)
                    status = response.status_code
                print(f"{page[:60]:<60} {status}  first {times[0] * 1000:7.1f} ms  median "
                      f"{statistics.median(times[1:] or times) * 1000:7.1f} ms  ({len(response.content) // 1024} KiB)")


if __name__ == "__main__":
    main()
