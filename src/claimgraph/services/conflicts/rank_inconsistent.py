"""``rank-inconsistent``: a stated rank that the comparable scores in the graph make impossible.

Example: the seed says "Grok 4.20 ranks 8th on the Intelligence Index at 48, trailing Gemini 3.1 Pro (57)
and Claude Opus 4.6 (53)": two models above, rank 8 — consistent. A claim that it "ranks 1st on the
Intelligence Index at 48" is not: 57 and 53 are higher, so it can rank 3rd at best.

A rank r is inconsistent when more than r - 1 other models hold a comparable score, dated no later than the
rank's claim (a rank is stated "at the time"), that is higher beyond the tolerance (lower, where lower is
better). Models the graph does not hold can only push a rank down, so a rank lower than the graph implies
is never flagged.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date
from decimal import Decimal

from claimgraph.services.conflicts.comparability import Tolerance, gap, groups, normalised
from claimgraph.services.conflicts.conflict import Conflict, phrase_score
from claimgraph.services.conflicts.facts import FactSet, ScoreFact

__all__ = ["detect", "TYPE", "ordinal"]

TYPE = "rank-inconsistent"
_SHOWN = 10  # higher scores named as evidence at most


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class _Timeline:
    """One model's scores in a group, by date, with the best value so far at each date: "its best score as of
    day D" is one binary search."""

    def __init__(self, scored: list[tuple[date, Decimal, Decimal, ScoreFact]], lower: bool) -> None:
        scored.sort(key=lambda t: (t[0], t[3].iri))
        self.dates = [t[0] for t in scored]
        self.best: list[tuple[Decimal, Decimal, ScoreFact]] = []
        for _, value, half, score in scored:
            if not self.best or ((value < self.best[-1][0]) if lower else (value > self.best[-1][0])):
                self.best.append((value, half, score))
            else:
                self.best.append(self.best[-1])

    def as_of(self, day: date) -> tuple[Decimal, Decimal, ScoreFact] | None:
        at = bisect.bisect_right(self.dates, day)
        return self.best[at - 1] if at else None


def detect(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict in ``facts`` (with ``focus``: at least those involving one of these claims)."""
    out = []
    for key, scores in sorted(groups(s for s in facts.scores if facts.standing(s.claim)).items()):
        if focus is not None and not any(s.claim in focus for s in scores):
            continue
        ranked_scores = sorted((s for s in scores if s.rank is not None and s.rank >= 1), key=lambda s: s.iri)
        if not ranked_scores:
            continue
        lower = any(s.lower_is_better for s in scores)
        values = {s.iri: normalised(s, scores) for s in scores}
        per_model: dict[str, list[tuple[date, Decimal, Decimal, ScoreFact]]] = defaultdict(list)
        for s in scores:
            per_model[s.model].append((facts.date_of(s.claim) or date.min, *values[s.iri], s))
        timelines = {model: _Timeline(items, lower) for model, items in per_model.items()}
        # models by their best score ever, best first: only those whose best ever beats a ranked score can have
        # beaten it by its date, so the scan stops at the first that cannot (not every model of the group)
        by_best = sorted(timelines.items(), key=lambda item: item[1].best[-1][0], reverse=not lower)
        focused = [(values[s.iri][0], facts.date_of(s.claim) or date.min) for s in scores
                   if focus is not None and s.claim in focus]
        for ranked in ranked_scores:
            stated = facts.date_of(ranked.claim) or date.max
            value, half = values[ranked.iri]
            if focus is not None and ranked.claim not in focus and \
                    not any((v > value) != lower and v != value and day <= stated for v, day in focused):
                continue  # nothing proposed can push this rank down (a rank is stated "at the time")
            above: dict[str, ScoreFact] = {}
            for model, timeline in by_best:
                ever = timeline.best[-1][0]
                if (ever >= value) if lower else (ever <= value):
                    break
                best = timeline.as_of(stated) if model != ranked.model else None
                if best is None:
                    continue
                theirs, their_half, score = best
                if ((theirs < value) if lower else (theirs > value)) and gap(value, theirs, tolerance, half, their_half):
                    above[model] = score
            assert ranked.rank is not None
            if len(above) <= ranked.rank - 1:
                continue
            if focus is not None and ranked.claim not in focus and \
                    sum(1 for s in above.values() if s.claim not in focus) > ranked.rank - 1:
                continue  # inconsistent already: not a conflict the focused claims create
            shown = sorted(above.values(), key=lambda s: (-values[s.iri][0], s.iri))
            if lower:
                shown.reverse()
            shown = shown[:_SHOWN]
            names = ", ".join(phrase_score(s, facts) for s in shown) + (" …" if len(above) > _SHOWN else "")
            out.append(Conflict.of(
                TYPE, [ranked] + shown,
                f"{facts.label(ranked.model)} is said to rank {ordinal(ranked.rank)} on "
                f"{key.describe(facts.label(key.benchmark))} at {value.normalize():f}, but {len(above)} other "
                f"model{'s' if len(above) != 1 else ''} scored higher by then ({names}): it can rank "
                f"{ordinal(len(above) + 1)} at best.",
                "high", f"benchmark {key.benchmark}"))
    return out
