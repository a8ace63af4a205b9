"""``comparison-cycle``: comparisons that order models in a circle on the same benchmark or domain.

Example: claim 1 says "A beats B on GSM8K", claim 2 "B outperforms C on GSM8K", claim 3 "C beats A on GSM8K":
A > B > C > A, which no set of scores can make true → one conflict involving the three claims. Two claims
that say "A beats B" and "B beats A" form a cycle of two. "A matches B" adds no order and closes no cycle;
comparisons on different benchmarks (or domains) are never chained.

Cycles are found with networkx on each strongly connected component, at most ``MAX_CYCLES`` per benchmark,
each of at most ``MAX_LENGTH`` models, so that a dense tangle cannot make the detector run away.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable

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
        return f"domain {comparison.domain}"
    return None


def detect(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict in ``facts`` (with ``focus``: at least those involving one of these claims)."""
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
        graph = nx.DiGraph(sorted(scope_edges))  # sorted: the same cycles are found, however facts were read
        found = 0
        if focus is not None:
            # only the cycles through a focused comparison: the paths back from its loser to its winner
            steps = sorted(step for step, items in scope_edges.items() if any(c.claim in focus for c in items))
            cycles = [[u] + path[:-1] for u, v in steps
                      for path in _bounded(nx.all_simple_paths(graph, v, u, cutoff=MAX_LENGTH - 1), MAX_CYCLES)]
        else:
            cycles = [c for component in sorted(nx.strongly_connected_components(graph), key=lambda c: sorted(c))
                      if len(component) >= 2
                      for c in _bounded(nx.simple_cycles(graph.subgraph(component), length_bound=MAX_LENGTH),
                                        MAX_CYCLES)]
        seen: set[tuple[str, ...]] = set()
        for cycle in cycles:
            if found >= MAX_CYCLES or tuple(_rotate(cycle)) in seen:
                continue
            seen.add(tuple(_rotate(cycle)))
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


def _bounded(items: Iterable[list[str]], limit: int) -> list[list[str]]:
    return list(itertools.islice(items, limit))


def _rotate(cycle: list[str]) -> list[str]:
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]
