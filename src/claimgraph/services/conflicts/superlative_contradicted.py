"""``superlative-contradicted``: "the highest ever recorded" while a higher comparable score is dated before.

Example: the seed's "Grok 4.20 Multi-Agent Beta achieved 78% non-hallucination on AA-Omniscience — the
highest ever recorded" (2026-06-04) would conflict with a claim dated 2026-03-01 that another model scored
81% non-hallucination on AA-Omniscience; a claim dated 2026-09-01 saying the same would not (the
superlative is scoped "at the time"), nor would an undated one, nor a higher score under another setting.

"lowest" asks for the smallest value, "highest" for the largest; "best", "top" and "strongest" for the
best (the smallest where the metric is ``cg:lowerIsBetter``). A superlative that names a size ("the best
7B model to date") is only compared with models whose name carries the same size.
"""

from __future__ import annotations

import re

from claimgraph.services.conflicts.comparability import Tolerance, gap, groups, normalised
from claimgraph.services.conflicts.conflict import Conflict, phrase_score
from claimgraph.services.conflicts.facts import FactSet, ScoreFact

__all__ = ["detect", "TYPE"]

TYPE = "superlative-contradicted"
_SIZE = re.compile(r"\b(\d+(?:\.\d+)?[bm])\b", re.IGNORECASE)


def _wants_larger(score: ScoreFact) -> bool:
    words = (score.superlative or "").lower()
    if "lowest" in words:
        return False
    if "highest" in words:
        return True
    return not score.lower_is_better


def detect(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict in ``facts`` (with ``focus``: at least those involving one of these claims)."""
    out = []
    for key, scores in sorted(groups(s for s in facts.scores if facts.standing(s.claim)).items()):
        if focus is not None and not any(s.claim in focus for s in scores):
            continue
        superlatives = sorted((s for s in scores if s.superlative), key=lambda s: s.iri)
        if not superlatives:
            continue
        # the group by value once: the score that beats a superlative most is the first in this order (from the
        # top, or from the bottom where lower is better) that passes, so that few are looked at, not all
        ordered = sorted(((*normalised(s, scores), s) for s in scores), key=lambda t: (t[0], t[2].iri))
        for best in superlatives:
            stated = facts.date_of(best.claim)
            if stated is None:
                continue
            size = _SIZE.search(best.superlative or "")
            value, half = normalised(best, scores)
            larger = _wants_larger(best)
            top = None
            for theirs, their_half, other in (reversed(ordered) if larger else ordered):
                if (theirs <= value) if larger else (theirs >= value):
                    break  # none further on beats it
                when = facts.date_of(other.claim)
                if other.model == best.model or other.claim == best.claim or when is None or when > stated:
                    continue
                if size and not re.search(rf"\b{re.escape(size.group(1))}\b", facts.label(other.model), re.IGNORECASE):
                    continue
                if gap(value, theirs, tolerance, half, their_half) > 0:
                    top = other
                    break
            if top is None:
                continue
            out.append(Conflict.of(
                TYPE, [best, top],
                f"{phrase_score(best, facts)} on {key.describe(facts.label(key.benchmark))} is called "
                f"\"{best.superlative}\", but {phrase_score(top, facts)} was recorded earlier under the same setting.",
                "medium", f"benchmark {key.benchmark}"))
    return out
