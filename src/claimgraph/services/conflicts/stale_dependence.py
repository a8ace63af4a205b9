"""``stale-dependence``: a claim that rests on a claim or statement that was retracted, superseded or removed.

Example: claim A's statement block says ``<> cg:dependsOn <…/dossier/x/claim/2>``; when dossier x records
"`2026-07-01` **retracted** — the run was contaminated" as claim 2's latest provenance event, A depends on a
retracted claim → a conflict. While claim 2 stands there is none; a dependence on a model, method or
benchmark is never stale; a claim that is itself retracted is not reported.
"""

from __future__ import annotations

from claimgraph.services.conflicts.comparability import Tolerance
from claimgraph.services.conflicts.conflict import Conflict
from claimgraph.services.conflicts.facts import FactSet

__all__ = ["detect", "TYPE"]

TYPE = "stale-dependence"


def detect(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict in ``facts`` (with ``focus``: at least those involving one of these claims)."""
    out = []
    for dependence in sorted(facts.dependences, key=lambda d: (d.claim, d.target)):
        if not facts.standing(dependence.claim) or dependence.target_claim == dependence.claim:
            continue
        target_claim = dependence.target_claim
        info = facts.claims.get(target_claim) if target_claim else None
        if not dependence.exists:
            why = "is no longer in the graph (its dossier was revised or removed)"
        elif info is not None and info.withdrawn:
            why = f"was {info.withdrawn}"
        else:
            continue
        out.append(Conflict.of(TYPE, [dependence],
                               f"A claim depends on {dependence.target}, which {why}.",
                               "medium" if dependence.exists else "low", "dependence"))
    return out
