"""Claims as citations: what an agent or a page shows to say where a statement comes from — the claim's
IRI, its words (shortened), stance, dossier and the date it was first asserted."""

from __future__ import annotations

from typing import Any

from pyoxigraph import NamedNode

from claimgraph.namespaces import PREFIXES
from claimgraph.services.sparql import named_query
from claimgraph.store import Store

__all__ = ["cite_claims", "claims_depending_on", "MAX_TEXT"]

#: Characters of a claim's text a citation carries at most.
MAX_TEXT = 400


def cite_claims(store: Store, claims: list[str]) -> list[dict[str, Any]]:
    """A citation for each claim the store holds, in the order given."""
    out = []
    for claim in dict.fromkeys(claims):
        for row in store.query(named_query("claim-citation"), substitutions={"claim": NamedNode(claim)},
                               prefixes=PREFIXES):  # type: ignore[union-attr]
            text = row["text"].value  # type: ignore[index]
            out.append({"claim": claim, "text": text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…",
                        "stance": row["stance"].value, "dossier": row["dossier"].value,  # type: ignore[index]
                        "dossier_title": row["title"].value if row["title"] is not None else None,  # type: ignore[index]
                        "date": row["date"].value if row["date"] is not None else None})  # type: ignore[index]
    return out


def claims_depending_on(store: Store, target: str, *, transitive: bool = False) -> list[str]:
    """The claims that depend on ``target`` (an entity or a claim); with ``transitive``, also the claims that
    depend on those, and so on."""
    found: dict[str, None] = {}
    frontier = [target]
    while frontier:
        step = []
        for node in frontier:
            for row in store.query(named_query("claims-depending-on"), substitutions={"target": NamedNode(node)},
                                   prefixes=PREFIXES):  # type: ignore[union-attr]
                claim = row["claim"].value  # type: ignore[index]
                if claim not in found and claim != target:
                    found[claim] = None
                    step.append(claim)
        frontier = step if transitive else []
    return list(found)
