"""Measuring the extractor against gold annotations: precision and recall per kind of statement.

A gold file (JSON) names a dossier and, per claim position, what a careful reader finds in the claim:

    {"dossier": "../000_861b04c19a896451.txt",
     "source": "annotated by hand against the claim text",
     "claims": {"3": {
        "entities": ["xAI", "Grok 4.20 Multi-Agent Beta", …],
        "scores": [{"model": "Grok 4.20 Multi-Agent Beta", "benchmark": "AA-Omniscience", "value": "78",
                    "unit": "percent", "rank": null, "setting": ""}],
        "comparisons": [{"subject": "…", "object": "…", "direction": "worse", "on": "Intelligence Index"}],
        "facts": [{"subject": "…", "relation": "trainedWith", "object": "…"}],
        "dependsOn": ["AA-Omniscience", …]}}}

Entities are named by their preferred label in the vocabulary (a name the vocabulary lacks: as written,
without an "org/" prefix). Statements compare as tuples; each kind is scored on its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from claimgraph.errors import InputError
from claimgraph.extract import read_dossier
from claimgraph.extract.assertions import EntityRef, Extraction
from claimgraph.extract.claim_text import extract_claim
from claimgraph.extract.mentions import Lexicon

__all__ = ["KINDS", "Tally", "evaluate", "extraction_as_gold"]

KINDS = ("entities", "scores", "comparisons", "facts", "propositions", "trends", "dependsOn")


@dataclass
class Tally:
    gold: int = 0
    found: int = 0
    correct: int = 0
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0


def _name(ref: EntityRef | None, lexicon: Lexicon) -> str | None:
    if ref is None:
        return None
    if ref.status == "known" and ref.key:
        return lexicon.preferred(ref.key) or ref.surface
    surface = ref.surface
    return surface.split("/", 1)[1] if "/" in surface and not surface.startswith("/") else surface


def _number(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)


def extraction_as_gold(extraction: Extraction, lexicon: Lexicon) -> dict[str, list[Any]]:
    """An extraction in the gold file's shape (what ``eval-extraction --write`` would save)."""
    return {
        "entities": sorted({n for e in extraction.entities if e.status != "ambiguous"
                            for n in [_name(e, lexicon)] if n}),
        "scores": [{"model": _name(s.model, lexicon), "benchmark": _name(s.benchmark, lexicon),
                    "value": _number(s.value), "unit": s.unit, "rank": s.rank, "setting": s.setting.key()}
                   for s in extraction.scores],
        "comparisons": [{"subject": _name(c.subject, lexicon), "object": _name(c.object, lexicon),
                         "direction": c.direction, "on": _name(c.benchmark, lexicon) or c.domain}
                        for c in extraction.comparisons],
        "facts": [{"subject": _name(f.subject, lexicon), "relation": f.relation, "object": _name(f.object, lexicon)}
                  for f in extraction.facts],
        "propositions": [{"subject": _name(p.subject, lexicon), "property": p.property, "polarity": p.polarity}
                         for p in extraction.propositions],
        "trends": [{"x": t.x, "y": t.y, "sign": t.sign} for t in extraction.trends],
        "dependsOn": sorted({n for e in extraction.depends_on() for n in [_name(e, lexicon)] if n}),
    }


def _key(kind: str, item: Any) -> str:
    if kind in ("entities", "dependsOn"):
        return str(item)
    if kind == "scores":
        item = {**item, "value": _number(item.get("value")), "setting": item.get("setting") or ""}
        return json.dumps({k: item.get(k) for k in ("model", "benchmark", "value", "unit", "rank", "setting")},
                          sort_keys=True)
    fields = {"comparisons": ("subject", "object", "direction", "on"), "facts": ("subject", "relation", "object"),
              "propositions": ("subject", "property", "polarity"), "trends": ("x", "y", "sign")}[kind]
    return json.dumps({k: item.get(k) for k in fields}, sort_keys=True)


def evaluate(gold_files: list[Path], lexicon: Lexicon) -> dict[str, Tally]:
    """Tallies per kind over every claim of every gold file."""
    tallies = {kind: Tally() for kind in KINDS}
    for gold_file in gold_files:
        try:
            gold = json.loads(gold_file.read_text(encoding="utf-8"))
            dossier = read_dossier((gold_file.parent / gold["dossier"]).resolve())
            claims = gold["claims"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{gold_file}: not a usable gold file ({type(exc).__name__}: {exc})") from None
        names: dict[str, str] = {}  # as the mapping does: names learnt from earlier claims of the dossier
        for claim in dossier.claims:
            extraction = extract_claim(claim.text, lexicon, names)
            expected = claims.get(str(claim.position))
            if expected is None:
                continue
            got = extraction_as_gold(extraction, lexicon)
            for kind in KINDS:
                want = {_key(kind, x) for x in expected.get(kind, [])}
                have = {_key(kind, x) for x in got[kind]}
                tally = tallies[kind]
                tally.gold += len(want)
                tally.found += len(have)
                tally.correct += len(want & have)
                where = f"{gold_file.name} claim {claim.position}"
                tally.misses += [f"{where}: {x}" for x in sorted(want - have)]
                tally.false += [f"{where}: {x}" for x in sorted(have - want)]
    return tallies
