"""End-to-end ingest at scale, against raw pyoxigraph's bulk_load and rdflib on the same quads, same run.

    python bench/ingest.py [--claims 10000] [--no-validate] [--seed 1]

Generates a corpus of CLAIMS claims (``bench/corpus.py``), then runs each of these in a process of its own and
reports its wall time, its rate, its peak resident memory (the process's own high-water mark, or the sum
over it and the processes it starts, sampled, whichever is larger) and the size on disk of what it wrote:

1. ``claimgraph ingest`` of the corpus into a fresh on-disk store — parse, extract, map, SHACL (left out with
   ``--no-validate``), write, conflicts — as a user runs it;
2. ``claimgraph dump`` of that store (N-Quads): the quads claimgraph produced;
3. raw pyoxigraph ``Store.bulk_load`` of those N-Quads into a fresh on-disk store (the engine's fastest path);
4. rdflib parsing the same N-Quads into an in-memory ``Dataset``.

Ratios are claimgraph's quads per second over each baseline's, on the same quads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus import write_corpus  # noqa: E402
from endpoint import TreePeak  # noqa: E402

BULK_LOAD = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[2])
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
store.flush()
print(len(store))
"""
RDFLIB = """
import sys, rdflib
dataset = rdflib.Dataset()
dataset.parse(sys.argv[1], format="nquads")
print(sum(1 for _ in dataset.quads((None, None, None, None))))
"""


def run_measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``command``: (seconds, peak resident MiB, its standard output). The peak is the larger of the
    process's own, read from ``wait4`` (RUSAGE_CHILDREN would give the largest of all children so far), and the
    sum over it and the processes it starts (the ingest's mapping processes), sampled every 50 ms."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        with TreePeak(process.pid) as tree:
            _, status, usage = os.wait4(process.pid, 0)
        took = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"{' '.join(command[:4])}… failed ({process.returncode}):\n"
                             f"{err.read().decode(errors='replace')[-2000:]}")
        return took, max(usage.ru_maxrss * 1024, tree.peak) / 2**20, out.read().decode()


def size_mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--validate", action=argparse.BooleanOptionalAction, default=True,
                        help="run SHACL, as `claimgraph ingest` does unless told --no-validate (default: on)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-rdflib", action="store_true", help="leave rdflib out (it needs ~1.9 KB a quad)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="claimgraph-bench-ingest-"))
    try:
        corpus = work / "corpus"
        files = write_corpus(corpus, args.claims, seed=args.seed)
        env = {**os.environ, "CLAIMGRAPH_STORE": str(work / "store")}
        cli = [sys.executable, "-m", "claimgraph"]
        ingest = cli + ["ingest", "-q", str(corpus)] + ([] if args.validate else ["--no-validate"])
        took, peak, _ = run_measured(ingest, env)
        store_mib = size_mib(work / "store")
        shutil.rmtree(corpus)
        dump = work / "claimgraph.nq"
        export_took, export_peak, _ = run_measured(cli + ["dump", "-o", str(dump)], env)
        shutil.rmtree(work / "store")  # at 1M claims two stores and the dump would not fit on many disks
        raw_took, raw_peak, raw_out = run_measured([sys.executable, "-c", BULK_LOAD, str(dump), str(work / "raw")])
        quads = int(raw_out.strip())
        if not args.skip_rdflib:
            rdflib_took, rdflib_peak, rdflib_out = run_measured([sys.executable, "-c", RDFLIB, str(dump)])
        print(f"# {args.claims} claims in {len(files)} dossiers (bench/corpus.py, seed {args.seed}); {quads} quads; "
              f"SHACL {'on' if args.validate else 'off'}; {os.cpu_count()} CPUs")
        print(f"{'step':<42}{'seconds':>9}{'claims/s':>10}{'quads/s':>10}{'peak MiB':>10}{'disk MiB':>10}"
              f"{'ratio':>7}")
        rows = [
            ("claimgraph ingest (end to end)", took, peak, store_mib, None),
            ("claimgraph dump (N-Quads)", export_took, export_peak, size_mib(dump), None),
            ("raw pyoxigraph bulk_load of those quads", raw_took, raw_peak, size_mib(work / "raw"), took / raw_took),
        ]
        if not args.skip_rdflib:
            rows.append(("rdflib Dataset.parse (memory)", rdflib_took, rdflib_peak, float("nan"), took / rdflib_took))
        for name, seconds, mib, disk, ratio in rows:
            print(f"{name:<42}{seconds:9.2f}{args.claims / seconds:10.0f}{quads / seconds:10.0f}{mib:10.0f}"
                  f"{disk:10.1f}" + (f"{ratio:6.2f}x" if ratio else ""))
        print(f"# claimgraph's quads/s are {raw_took / took:.0%} of raw bulk_load's on the same quads"
              + ("" if args.skip_rdflib else f" and {rdflib_took / took:.0%} of rdflib's")
              + " ('ratio' = claimgraph's time over theirs)")
        if not args.skip_rdflib and int(rdflib_out.strip()) != quads:
            print(f"# rdflib read {rdflib_out.strip()} quads, pyoxigraph {quads}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
