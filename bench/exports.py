"""Exports at scale: `claimgraph export` in every format, against raw pyoxigraph on the same store, same run.

    python bench/exports.py [--claims 10000] [--store PATH] [--formats nquads,trig,...]

Builds a store from a generated corpus (``bench/corpus.py``) plus the seed, or reads ``--store`` (left as it
is), then runs ``claimgraph export --format F -o FILE`` for each format, a process each as a user runs it, and
right after it, in a process of its own on the same store, what raw pyoxigraph does for the same output:

* N-Quads, TriG: ``Store.dump`` of the whole store;
* Turtle, N-Triples (no named graphs: the union of all graphs): a ``CONSTRUCT { ?s ?p ?o }`` over the union,
  serialised by pyoxigraph;
* graph formats (GraphML, GEXF, Cytoscape JSON, node-link JSON, DOT): there is no engine equivalent; the baseline
  is pyoxigraph reading the links those graphs are built from (claims to the entities they mention or depend on,
  and between entities), as TSV.

Each row: seconds, peak resident memory of that process (from ``wait4``), output size, and claimgraph's time
over the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus import write_corpus  # noqa: E402
from ingest import run_measured, size_mib  # noqa: E402

FORMATS = ("nquads", "trig", "turtle", "ntriples", "graphml", "gexf", "cytoscape", "nodelink", "dot")
RAW = """
import sys, pyoxigraph as ox
store, out, kind = ox.Store(sys.argv[1]), sys.argv[2], sys.argv[3]
CG = "PREFIX cg: <https://w3id.org/claimgraph/ns#> "
if kind in ("nquads", "trig"):
    store.dump(out, ox.RdfFormat.N_QUADS if kind == "nquads" else ox.RdfFormat.TRIG)
elif kind in ("turtle", "ntriples"):
    result = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    result.serialize(out, ox.RdfFormat.TURTLE if kind == "turtle" else ox.RdfFormat.N_TRIPLES)
else:
    result = store.query(CG + "SELECT ?a ?link ?b WHERE { ?a ?link ?b . ?b a ?type . "
                         "FILTER(?type IN (cg:Model, cg:Method, cg:Benchmark, cg:Organization)) }",
                         use_default_graph_as_union=True)
    result.serialize(out, ox.QueryResultsFormat.TSV)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--store", type=Path, help="an existing claimgraph store to read (left as it is)")
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="claimgraph-bench-exports-"))
    try:
        store = args.store or work / "store"
        env = {**os.environ, "CLAIMGRAPH_STORE": str(store)}
        cli = [sys.executable, "-m", "claimgraph"]
        if args.store is None:
            write_corpus(work / "corpus", args.claims)
            subprocess.run(cli + ["ingest", "-q", "--no-validate", str(work / "corpus"), str(ROOT / "seeds")],
                           env=env, check=True)
            shutil.rmtree(work / "corpus")
        _, _, stats = run_measured(cli + ["stats", "--format", "json"], env)
        counts = json.loads(stats)
        print(f"# {counts['classes'].get('Claim', 0)} claims, {counts['quads']} quads, {counts['named_graphs']} graphs; "
              f"store {size_mib(store):.0f} MiB on disk; {os.cpu_count()} CPUs")
        print(f"{'format':<11}{'claimgraph s':>13}{'peak MiB':>10}{'out MiB':>9}{'raw s':>8}{'raw peak':>10}"
              f"{'raw MiB':>9}{'ratio':>7}")
        for fmt in args.formats.split(","):
            out, raw_out = work / f"export.{fmt}", work / f"raw.{fmt}"
            took, peak, _ = run_measured(cli + ["export", "--format", fmt, "-o", str(out)], env)
            raw_took, raw_peak, _ = run_measured([sys.executable, "-c", RAW, str(store), str(raw_out), fmt])
            print(f"{fmt:<11}{took:13.2f}{peak:10.0f}{size_mib(out):9.1f}{raw_took:8.2f}{raw_peak:10.0f}"
                  f"{size_mib(raw_out):9.1f}{took / raw_took:6.2f}x")
            out.unlink()
            raw_out.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
