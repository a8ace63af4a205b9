"""How fast the extractor reads claims, on a deterministic generated corpus.

    python bench/extraction.py [--claims 10000] [--repeat 3]

Prints claims per second (median of the repeats) for reading the claim texts alone (entities, scores,
comparisons, facts), and for the whole mapping of the same dossiers to RDF, against parsing only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from corpus import write_corpus  # noqa: E402

from claimgraph.extract import read_dossier  # noqa: E402
from claimgraph.extract.claim_text import extract_claim  # noqa: E402
from claimgraph.model import load_vocabulary, map_dossier  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="claimgraph-extraction-"))
    paths = write_corpus(folder, args.claims)
    lexicon = load_vocabulary().lexicon

    def rate(fn) -> float:  # type: ignore[no-untyped-def]
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn()
            runs.append(args.claims / (time.perf_counter() - start))
        return statistics.median(runs)

    records = [read_dossier(p) for p in paths]
    texts = [c.text for r in records for c in r.claims]
    parse = rate(lambda: [read_dossier(p) for p in paths])
    extract = rate(lambda: [extract_claim(t, lexicon) for t in texts])
    mapping = rate(lambda: [map_dossier(r, lexicon) for r in records])
    found = [extract_claim(t, lexicon) for t in texts]
    print(f"# {len(texts)} generated claims in {len(paths)} dossiers; median of {args.repeat} runs")
    print(f"parse dossiers:                 {parse:10.0f} claims/s")
    print(f"extract from claim text:        {extract:10.0f} claims/s")
    print(f"map to RDF (incl. extraction):  {mapping:10.0f} claims/s")
    print(f"found: {sum(len(x.scores) for x in found)} scores, {sum(len(x.comparisons) for x in found)} comparisons, "
          f"{sum(len(x.facts) for x in found)} facts, "
          f"{sum(1 for x in found for e in x.entities if e.status == 'new')} new names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
