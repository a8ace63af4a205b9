"""``comparison-cycle``: comparisons that order models in a circle on the same benchmark or domain.

Example: claim 1 says "A beats B on GSM8K", claim 2 "B outperforms C on GSM8K", claim 3 "C beats A on GSM8K":
A > B > C > A, which no set of scores can make true → one conflict involving the three claims. Two claims
that say "A beats B" and "B beats A" form a cycle of two. "A matches B" adds no order and closes no cycle;
comparisons on different benchmarks (or domains) are never chained.

Cycles are found with networkx on each strongly connected component, at most ``MAX_CYCLES`` per benchmark,
each of at most ``MAX_LENGTH`` models, so that a dense tangle cannot make the detector run away.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from claimgraph.services.conflicts.comparability import Tolerance
from claimgraph.services.conflicts.conflict import Conflict
from claimgraph.services.conflicts.facts import ComparisonFact, FactSet

__all__ = ["detect", "TYPE", "MAX_CYCLES", "MAX_LENGTH"]

TYPE = "comparison-cycle"
MAX_CYCLES = 50
MAX_LENGTH = 6


def scope_of(comparison: ComparisonFact) -> str | None:
    if comparison.benchmark:
        return f"benchmark {comparison.benchmark}"
    if comparison.domain:
        return f"domain {comparison.domain.lower()}"
    return None


def detect(facts: FactSet, tolerance: Tolerance) -> list[Conflict]:
    edges: dict[str, dict[tuple[str, str], list[ComparisonFact]]] = defaultdict(lambda: defaultdict(list))
    for comparison in facts.comparisons:
        scope = scope_of(comparison)
        if scope is None or not facts.standing(comparison.claim) or comparison.model == comparison.other:
            continue
        if comparison.direction == "better":
            edges[scope][(comparison.model, comparison.other)].append(comparison)
        elif comparison.direction == "worse":
            edges[scope][(comparison.other, comparison.model)].append(comparison)
    out = []
    for scope, scope_edges in sorted(edges.items()):
        graph = nx.DiGraph(list(scope_edges))
        found = 0
        for component in sorted(nx.strongly_connected_components(graph), key=lambda c: sorted(c)):
            if len(component) < 2 or found >= MAX_CYCLES:
                continue
            for cycle in nx.simple_cycles(graph.subgraph(component), length_bound=MAX_LENGTH):
                order = _rotate(cycle)
                steps = list(zip(order, order[1:] + order[:1]))
                involved = [c for step in steps for c in sorted(scope_edges[step], key=lambda c: c.iri)]
                if len({c.claim for c in involved}) < 2:
                    continue
                where = scope.split(" ", 1)[1]
                where = facts.label(where) if scope.startswith("benchmark") else where
                chain = " > ".join(facts.label(m) for m in order + order[:1])
                out.append(Conflict.of(TYPE, involved,
                                       f"Comparisons on {where} go round in a circle ({chain}): they cannot all hold.",
                                       "medium", scope))
                found += 1
                if found >= MAX_CYCLES:
                    break
    return out


def _rotate(cycle: list[str]) -> list[str]:
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]
