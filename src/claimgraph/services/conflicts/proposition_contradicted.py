"""``proposition-contradicted``: the same proposition asserted with opposite polarity, or a trend reversed.

Examples: the seed's "objectives based on reverse KL … fail to guarantee monotonic policy improvement"
(subject reverse KL, property "guarantee monotonic policy improvement", negative) conflicts with a claim that
"reverse KL objectives guarantee monotonic policy improvement" (positive); it does not conflict with a claim
that reverse KL "guarantees convergence" (another property). "smarter models hallucinate more" (intelligence
vs hallucination, positive) conflicts with "smarter models hallucinate less" (negative), and with "more
intelligent models are more honest" only if the vocabulary of quantities says honesty is the opposite of
hallucination, which it does below.

Properties are compared after folding case, articles and punctuation; quantities after folding the few
opposites listed in ``OPPOSITES`` (a trend in an opposite quantity has the opposite sign).
"""

from __future__ import annotations

import re
from collections import defaultdict

from claimgraph.services.conflicts.comparability import Tolerance
from claimgraph.services.conflicts.conflict import Conflict
from claimgraph.services.conflicts.facts import FactSet, PropositionFact, TrendFact

__all__ = ["detect", "TYPE", "OPPOSITES", "property_key", "trend_key"]

TYPE = "proposition-contradicted"
#: Quantities that move against each other: a trend in one is the reversed trend in the other.
OPPOSITES = {"non-hallucination": "hallucination", "honest": "hallucination", "honesty": "hallucination",
             "factual": "hallucination", "accurate": "error rate", "accuracy": "error rate", "reliable": "failure rate",
             "compliant": "refusal rate"}


_VERBS = ("guarantee", "guarantees", "ensure", "ensures", "provide", "provides", "give", "gives")


def property_key(text: str) -> str:
    """'guarantee monotonic policy improvement' and 'monotonic policy improvement' (read after 'guarantees')
    are one property."""
    words = [w for w in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower()) if w not in ("a", "an", "the", "any")]
    while words and words[0] in _VERBS + ("to",):
        words = words[1:]
    return " ".join(words)


def _quantity(name: str) -> tuple[str, int]:
    key = " ".join(name.lower().split())
    return (OPPOSITES[key], -1) if key in OPPOSITES else (key, 1)


def trend_key(trend: TrendFact) -> tuple[tuple[str, str], int]:
    """((x, y) in a canonical order, sign as +1 / -1)."""
    (x, sx), (y, sy) = _quantity(trend.x), _quantity(trend.y)
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
    return out
