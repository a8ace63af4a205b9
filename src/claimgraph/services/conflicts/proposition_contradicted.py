"""``proposition-contradicted``: the same proposition asserted with opposite polarity, or a trend reversed.

Examples: the seed's "objectives based on reverse KL … fail to guarantee monotonic policy improvement"
(subject reverse KL, property "guarantee monotonic policy improvement", negative) conflicts with a claim that
"reverse KL objectives guarantee monotonic policy improvement" (positive); it does not conflict with a claim
that reverse KL "guarantees convergence" (another property). "smarter models hallucinate more" (intelligence
vs hallucination, positive) conflicts with "smarter models hallucinate less" (negative), and with "more
intelligent models are more honest" only if the vocabulary of quantities says honesty is the opposite of
hallucination, which it does below.

Properties are compared after folding case, articles and punctuation; quantities after folding the few
opposites listed in :data:`~claimgraph.services.conflicts.quantities.OPPOSITES` (a trend in an opposite
quantity has the opposite sign).

A trend is also checked against the scores the graph holds. Each quantity is looked for among the metrics
and benchmarks (see :mod:`~claimgraph.services.conflicts.quantities`): "intelligence" is measured by the
Intelligence Index, "hallucination" inversely by a non-hallucination rate. For every pair of comparable
series (same benchmark, metric and setting) measuring the trend's two quantities, the models scored in both
(each by its latest standing score) are ranked on each; when at least ``MIN_MODELS`` models are and
Spearman's rank correlation is at least ``MIN_RHO`` in size with the sign opposite to the trend's, the
trend is contradicted. Example: "smarter models hallucinate more" (intelligence vs hallucination,
positive) against Intelligence Index 57, 53, 48, 40 and non-hallucination 50%, 60%, 70%, 80% for the same
four models: the smarter hallucinate more (ρ = -1 against a measure of *non*-hallucination, so +1 for
hallucination): no conflict. With non-hallucination 80%, 70%, 60%, 50% it is one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

from claimgraph.services.conflicts.comparability import ComparableKey, ScoreGroup, Tolerance, comparable_key, normalised
from claimgraph.services.conflicts.conflict import Conflict, Statement
from claimgraph.services.conflicts.facts import FactSet, PropositionFact, ScoreFact, TrendFact
from claimgraph.services.conflicts.quantities import quantity

__all__ = ["detect", "TYPE", "property_key", "trend_key", "spearman", "MIN_MODELS", "MIN_RHO"]

TYPE = "proposition-contradicted"
#: Fewest models scored on both quantities before the scores can contradict a trend.
MIN_MODELS = 4
#: Smallest size of the rank correlation (the other way) that contradicts a trend.
MIN_RHO = 0.6


_VERBS = ("guarantee", "guarantees", "ensure", "ensures", "provide", "provides", "give", "gives")


def property_key(text: str) -> str:
    """'guarantee monotonic policy improvement' and 'monotonic policy improvement' (read after 'guarantees')
    are one property."""
    words = [w for w in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower()) if w not in ("a", "an", "the", "any")]
    while words and words[0] in _VERBS + ("to",):
        words = words[1:]
    return " ".join(words)


def trend_key(trend: TrendFact) -> tuple[tuple[str, str], int]:
    """((x, y) in a canonical order, sign as +1 / -1)."""
    (x, sx), (y, sy) = quantity(trend.x), quantity(trend.y)
    sign = (1 if trend.sign == "positive" else -1) * sx * sy
    return (min(x, y), max(x, y)), sign


def detect(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict in ``facts`` (with ``focus``: at least those involving one of these claims)."""
    out = []
    by_property: dict[tuple[str, str], dict[str, list[PropositionFact]]] = defaultdict(lambda: defaultdict(list))
    for p in facts.propositions:
        if facts.standing(p.claim):
            by_property[(p.about, property_key(p.property))][p.polarity].append(p)
    for (about, prop), sides in sorted(by_property.items()):
        positive, negative = sides.get("positive", []), sides.get("negative", [])
        if positive and negative and {p.claim for p in positive} != {p.claim for p in negative}:
            involved = sorted(positive + negative, key=lambda p: p.iri)
            out.append(Conflict.of(
                TYPE, involved,
                f"One claim says {facts.label(about)} does {prop}; another says it does not.",
                "high", f"proposition {about}"))
    by_pair: dict[tuple[str, str], dict[int, list[TrendFact]]] = defaultdict(lambda: defaultdict(list))
    for t in facts.trends:
        if facts.standing(t.claim):
            pair, sign = trend_key(t)
            by_pair[pair][sign].append(t)
    for (x, y), sides in sorted(by_pair.items()):
        up, down = sides.get(1, []), sides.get(-1, [])
        if up and down and {t.claim for t in up} != {t.claim for t in down}:
            involved = sorted(up + down, key=lambda t: t.iri)
            out.append(Conflict.of(
                TYPE, involved,
                f"Claims disagree on the trend between {x} and {y} across models: one says they rise together, "
                f"another that one falls as the other rises.",
                "medium", "trends"))
    out += _against_scores(facts, by_pair, focus)
    return out


def spearman(xs: list[Decimal], ys: list[Decimal]) -> float | None:
    """Spearman's rank correlation of two equally long lists (ties get their mean rank); None when either list
    has a single value throughout."""
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(rx)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx, syy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return None if sxx == 0 or syy == 0 else sxy / (sxx * syy) ** 0.5


def _ranks(values: list[Decimal]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _series(facts: FactSet, keys: frozenset[str]) -> dict[str, dict[ComparableKey, tuple[int, dict[str, ScoreFact]]]]:
    """For each quantity, its comparable series: orientation and each model's latest standing score."""
    seen: dict[str, ScoreFact] = {}
    for s in facts.scores + facts.series:
        if s.value is not None and facts.standing(s.claim):
            seen.setdefault(s.iri, s)
    out: dict[str, dict[ComparableKey, tuple[int, dict[str, ScoreFact]]]] = defaultdict(dict)
    latest = lambda s: (facts.date_of(s.claim) or date.min, s.iri)  # noqa: E731
    for s in sorted(seen.values(), key=latest):
        for key, orientation in facts.measured(s, keys).items():
            _, models = out[key].setdefault(comparable_key(s), (orientation, {}))
            models[s.model] = s  # later ones replace earlier ones
    return out


def _against_scores(facts: FactSet, by_pair: dict[tuple[str, str], dict[int, list[TrendFact]]],
                    focus: frozenset[str] | None) -> list[Conflict]:
    if not by_pair:
        return []
    series = _series(facts, frozenset(q for pair in by_pair for q in pair))
    out = []
    for (x, y), sides in sorted(by_pair.items()):
        for kx, (ox, xs) in sorted(series.get(x, {}).items()):
            for ky, (oy, ys) in sorted(series.get(y, {}).items()):
                models = sorted(set(xs) & set(ys))
                if kx == ky or len(models) < MIN_MODELS:
                    continue
                xg, yg = ScoreGroup(xs.values()), ScoreGroup(ys.values())  # peers, worked out once
                xv = [normalised(xs[m], xg)[0] for m in models]
                yv = [normalised(ys[m], yg)[0] for m in models]
                rho = spearman(xv, yv)
                if rho is None or abs(rho) < MIN_RHO:
                    continue
                observed = (1 if rho > 0 else -1) * ox * oy
                contradicted = sides.get(-observed, [])
                scores: list[Statement] = [s for m in models for s in (xs[m], ys[m])]
                if not contradicted or (focus is not None and not focus.intersection(
                        s.claim for s in contradicted + scores)):
                    continue
                stated = sorted(contradicted, key=lambda t: t.iri)
                first = stated[0]
                named = [(kx, ox, x), (ky, oy, y)]
                if quantity(first.x)[0] != x:
                    named.reverse()
                shown = " and ".join(_describe(k, o, q, facts) for k, o, q in named)
                out.append(Conflict.of(
                    TYPE, stated + scores,
                    f"A claim says {first.x} and {first.y} "
                    f"{'rise together' if first.sign == 'positive' else 'move apart'} across models, but the "
                    f"scores in the graph say otherwise: over the {len(models)} models scored on both {shown}, "
                    f"Spearman's rank correlation is {rho:+.2f}.",
                    "medium" if abs(rho) >= 0.8 else "low", "trends"))
    return out


def _describe(key: ComparableKey, orientation: int, name: str, facts: FactSet) -> str:
    said = key.describe(facts.label(key.benchmark))
    return f"{said} (which measures {name} inversely)" if orientation < 0 else said
