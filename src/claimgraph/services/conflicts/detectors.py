"""All detectors, run together over one set of facts."""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Quad

from claimgraph.namespaces import CG, RDF
from claimgraph.services.conflicts import (comparison_contradicted, comparison_cycle, proposition_contradicted,
                                           rank_inconsistent, score_disagreement, stale_dependence,
                                           superlative_contradicted)
from claimgraph.services.conflicts.comparability import Tolerance
from claimgraph.services.conflicts.conflict import TYPES, Conflict
from claimgraph.services.conflicts.facts import FactSet

__all__ = ["DETECTORS", "detect", "scopes_of_quads"]

DETECTORS = (score_disagreement, comparison_contradicted, comparison_cycle, rank_inconsistent,
             superlative_contradicted, proposition_contradicted, stale_dependence)


def detect(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict among ``facts``, each once, ordered by type and IRI; with ``focus`` (claim IRIs), only
    those that involve one of these claims (the detectors then skip what cannot involve them)."""
    found: dict[str, Conflict] = {}
    for detector in DETECTORS:
        for conflict in detector.detect(facts, tolerance, focus):
            if focus is not None and not focus.intersection(conflict.claims):
                continue
            found.setdefault(conflict.iri.value, conflict)
    return sorted(found.values(), key=lambda c: (TYPES.index(c.type), c.iri.value))


def scopes_of_quads(quads: Iterable[Quad]) -> set[str]:
    """The conflict scopes that statements among ``quads`` belong to: a change to these quads can only change
    the conflicts of these scopes (and of 'dependence', always included: retracting a claim stales others;
    and of 'trends' whenever a score changes, since the trends are checked against the scores)."""
    scopes = {"dependence"}
    benchmark, domain, about, kind, trend = CG.benchmark, CG.domain, CG.about, RDF.type, CG.Trend
    for q in quads:
        predicate = q.predicate
        if predicate == benchmark:
            scopes.add(f"benchmark {q.object.value}")
            scopes.add("trends")
        elif predicate == domain:
            scopes.add(f"domain {q.object.value}")
        elif predicate == about:
            scopes.add(f"proposition {q.object.value}")
        elif predicate == kind and q.object == trend:
            scopes.add("trends")
    return scopes
