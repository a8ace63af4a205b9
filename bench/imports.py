"""Importing a large leaderboard table: rows per second and peak memory, against raw pyoxigraph.

``python bench/imports.py [--rows 100000] [--no-validate]``

Writes a wide table of generated rows (model, then six benchmark columns with their settings), imports it with
``claimgraph import`` semantics (parse pass, then parts of 500 rows written a few at a time, conflicts kept), and
prints rows per second and the process's peak resident memory. Then, in the same run, it dumps what the import
wrote as N-Quads and times raw pyoxigraph's bulk load of those quads into a fresh store: the ratio is what
claimgraph's parsing, mapping, validation and conflict keeping cost over storing the same quads.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import COLUMNS, write_table  # noqa: E402
from endpoint import TreePeak  # noqa: E402

from claimgraph.config import Settings  # noqa: E402
from claimgraph.interfaces.core import Claimgraph  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--validate", action=argparse.BooleanOptionalAction, default=True,
                        help="run SHACL on every part, as `claimgraph import` does unless told --no-validate "
                             "(default: on)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "board.csv"
        write_table(table, args.rows)
        print(f"table: {args.rows} rows x {len(COLUMNS)} scores, {table.stat().st_size / 1e6:.1f} MB; "
              f"peak memory before: {peak_mib():.0f} MiB")
        with Claimgraph(Settings(store=str(Path(tmp) / "store"))) as graph:
            with TreePeak(os.getpid()) as tree:  # the import maps its parts in processes of its own
                start = time.perf_counter()
                plan, results = graph.import_file(table, source="https://example.org/generated-board",
                                                  when=date(2026, 1, 1), validate=args.validate)
                took = time.perf_counter() - start
            print(f"import: {plan.rows} rows, {plan.results} results, {len(results)} parts in {took:.1f} s = "
                  f"{plan.rows / took:.0f} rows/s (SHACL {'on' if args.validate else 'off'}); "
                  f"peak memory {max(tree.peak / 2**20, peak_mib()):.0f} MiB (with the processes it starts)")
            dump = Path(tmp) / "import.nq"  # on disk: 20M quads are some 6 GB of N-Quads
            with dump.open("wb") as out:
                graph.store.dump(out, ox.RdfFormat.N_QUADS)
        raw = ox.Store(str(Path(tmp) / "raw"))
        start = time.perf_counter()
        raw.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        raw_took = time.perf_counter() - start
        count = len(raw)
        del raw  # closes it before its folder goes
        print(f"raw pyoxigraph bulk_load of the same {count} quads: {raw_took:.2f} s "
              f"({count / raw_took:.0f} quads/s); claimgraph / raw: {took / raw_took:.1f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
