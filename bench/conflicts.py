"""Conflict detection at scale: a full recomputation, and checks of single proposed claims.

``python bench/conflicts.py --claims 10000 [--store memory|disk] [--checks 40] [--keep PATH] [--read-only]``

Generates a corpus (bench/corpus.py), ingests it without SHACL (that cost is measured by the ingest bench), then
prints: the full recomputation (median of 3); the read of every fact at once that ``serve`` and ``mcp`` do as they
start (``ConflictIndex.warm``: each statement's properties read together, see ``services/conflicts/scan.py``)
against the same facts read by the statement queries, in turn, in the same run; the median and 90th percentile of
``check`` on one proposed claim (scores with ranks, comparisons, plain text); and — measured in the same run on the
same store — what raw pyoxigraph takes for the naive approach, a SPARQL self-join of scores on (model, benchmark),
against grouping the scores by key first (one scan). ``--read-only`` with ``--keep`` on a store built before (at 1M
a recomputation takes longer than the rest together) prints the read of every fact alone, with the CPU and the
bytes read from disk of each way. Both print what keeping those facts in a file costs, and reading them back (what
a server does when it stops and the next one starts on the same store).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import BENCHMARKS, MODELS, write_corpus_counted  # noqa: E402

from claimgraph.config import Settings  # noqa: E402
from claimgraph.interfaces.core import Claimgraph  # noqa: E402
from claimgraph.namespaces import PREFIXES  # noqa: E402
from claimgraph.services.conflicts.facts import FactSet  # noqa: E402

NAIVE = """SELECT ?a ?b WHERE {
  ?a a cg:Score ; cg:model ?m ; cg:benchmark ?x ; cg:value ?va .
  ?b a cg:Score ; cg:model ?m ; cg:benchmark ?x ; cg:value ?vb .
  FILTER(STR(?a) < STR(?b) && ?va != ?vb)
}"""
GROUPED = "SELECT ?m ?x ?v WHERE { ?s a cg:Score ; cg:model ?m ; cg:benchmark ?x ; cg:value ?v }"


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def proposals(n: int, seed: int = 7) -> list[object]:
    rng = random.Random(seed)
    out: list[object] = []
    for i in range(n):
        a, b = rng.sample(MODELS, 2)
        bench = rng.choice(BENCHMARKS)
        kind = i % 3
        if kind == 0:
            out.append({"text": f"{a} ranks {rng.randint(1, 5)}th on the {bench} leaderboard at {rng.randint(20, 70)}."})
        elif kind == 1:
            out.append(f"{a} beats {b} on {bench}.")
        else:
            out.append({"assertions": {"scores": [{"model": a, "benchmark": bench, "value": round(rng.uniform(20, 95), 1),
                                                   "unit": "percent", "shots": 5}]}})
    return out


def read_every_fact(graph: Claimgraph) -> None:
    """Every fact read at once, as a server's start-up reads them, and by the statement queries, in turn (each
    way run once from a store that the other has just read: at 1M the first to run waits on the disk more)."""
    from claimgraph.services.conflicts.facts import Scope, _load_facts, load_facts

    def disk_read() -> int:
        """Bytes this process has read from disk (0 where the system does not say)."""
        io = Path("/proc/self/io")
        return int(dict(line.split(": ") for line in io.read_text().splitlines())["read_bytes"]) if io.exists() else 0

    def measured(read) -> tuple[float, float, float, int]:  # type: ignore[no-untyped-def]
        wall, cpu, before = time.perf_counter(), time.process_time(), disk_read()
        facts = read()
        kept.append(facts)
        return time.perf_counter() - wall, time.process_time() - cpu, (disk_read() - before) / 1e9, len(facts.scores)

    kept: list[FactSet] = []

    ways = {"each statement's properties together (as serve starts)": lambda: load_facts(graph.store),
            "by the statement queries": lambda: _load_facts(graph.store, Scope.everything(), None, None)}
    took = {}
    for name, read in ways.items():
        wall, cpu, disk, scores = took[name] = measured(read)
        print(f"every fact read at once, {name}: {wall:.2f} s (CPU {cpu:.2f} s, {disk:.2f} GB read from disk; "
              f"{scores} scores)", flush=True)
    together, queries = (took[name][0] for name in ways)
    print(f"ratio: {together / queries:.2f} of the statement queries' time")
    kept_between_runs(kept[0], together)


def kept_between_runs(facts: FactSet, read: float) -> None:
    """The same facts kept in a file as a server keeps them when it stops, and read back as the next one starts
    when nothing has written the store in between (``services/conflicts/kept.py``), against reading the store."""
    from claimgraph.services.conflicts import kept
    from claimgraph.services.conflicts.facts import FactCache

    cache = FactCache(facts)
    with tempfile.TemporaryDirectory() as folder:
        wall, cpu = time.perf_counter(), time.process_time()
        path = kept.write(Path(folder), "stamp", cache)
        wrote, wrote_cpu, size = time.perf_counter() - wall, time.process_time() - cpu, path.stat().st_size
        wall, cpu = time.perf_counter(), time.process_time()
        again = kept.read(Path(folder), "stamp")
        took, took_cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert again is not None and len(again.scores) == len(facts.scores)
    print(f"the same facts kept in a file (as a server stops): written in {wrote:.2f} s (CPU {wrote_cpu:.2f} s), "
          f"{size / 1e6:.1f} MB; read back (as the next one starts) in {took:.2f} s (CPU {took_cpu:.2f} s): "
          f"{took / read:.3f} of reading the store")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--store", choices=("memory", "disk"), default="disk")
    parser.add_argument("--checks", type=int, default=40)
    parser.add_argument("--keep", metavar="PATH", help="build the store here and keep it; reuse it if it exists")
    parser.add_argument("--read-only", action="store_true", help="only the read of every fact, both ways")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = "memory:" if args.store == "memory" else (args.keep or str(Path(tmp) / "store"))
        reuse = args.keep is not None and Path(args.keep).exists()
        corpus = Path(tmp) / "corpus"
        planted = ""
        if not reuse:
            _, truth = write_corpus_counted(corpus, args.claims)
            planted = (f" (planted: {truth.planted_scores} score disagreements, {truth.planted_comparisons} "
                       "contradicted comparisons)")
        with Claimgraph(Settings(store=store)) as graph:
            took = 0.0 if reuse else timed(lambda: graph.ingest([corpus], validate=False))
            held = graph.conflicts.conflicts()
            print(f"claims: {args.claims}  store: {args.store}  ingest (no SHACL, conflicts included): "
                  + ("reused" if reuse else f"{took:.1f} s"))
            by_type = Counter(c.type for c in held)
            print(f"conflicts held: {len(held)} ({', '.join(f'{n} {t}' for t, n in sorted(by_type.items()))})"
                  + planted)
            if args.read_only:
                read_every_fact(graph)
                return

            def recompute() -> None:
                with graph.store.write_lock:
                    graph.conflicts.recompute()

            full = [timed(recompute) for _ in range(3)]
            print(f"full recomputation: median {statistics.median(full):.2f} s ({', '.join(f'{t:.2f}' for t in full)})")
            read_every_fact(graph)
            for how in ("after the recomputations", "warm (as `serve` and `mcp` run)"):
                if how.startswith("warm"):
                    graph.conflicts.warm()
                checks = []
                flagged = 0
                for proposal in proposals(args.checks):
                    start = time.perf_counter()
                    found, _ = graph.check(proposal)
                    checks.append(time.perf_counter() - start)
                    flagged += bool(found)
                checks.sort()
                p90 = checks[int(0.9 * (len(checks) - 1))]
                print(f"check one proposed claim, {how}: median {statistics.median(checks) * 1000:.1f} ms, "
                      f"p90 {p90 * 1000:.1f} ms over {len(checks)} proposals ({flagged} with conflicts)")
            naive = timed(lambda: sum(1 for _ in graph.store.query(NAIVE, prefixes=PREFIXES)))  # type: ignore[union-attr]
            grouped = timed(lambda: sum(1 for _ in graph.store.query(GROUPED, prefixes=PREFIXES)))  # type: ignore[union-attr]
            print(f"raw pyoxigraph, same store: naive self-join of scores {naive:.2f} s; one scan to group by key "
                  f"{grouped:.3f} s (ratio {naive / grouped:.0f}x)")


if __name__ == "__main__":
    main()
