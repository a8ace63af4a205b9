"""``score-disagreement``: comparable scores for the same model differ beyond their rounding and the tolerance.

Example: one claim says "Falcon-40B scores 57.0 on MMLU (5-shot)" and another "Falcon-40B reaches 52.7 on
MMLU (5-shot)": same model, same benchmark, same setting, 4.3 points apart → a conflict. "MMLU (0-shot) 52.7"
against "MMLU (5-shot) 57.0" is not one (two settings), nor is 0.57 against 57% (one scale), nor 82.46
against 82.5 (one rounding).

One conflict per model and comparable setting, naming the lowest and the highest value; it involves every
score of that group. Two values in one claim can conflict too: "62.5% in the Mixtral paper and 56.6% on
the HELM leaderboard, both 5-shot" reports a genuine disagreement between sources, which is what a reader
of the graph wants to find; it is explained as such.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from claimgraph.services.conflicts.comparability import Tolerance, gap, groups, normalised
from claimgraph.services.conflicts.conflict import Conflict, phrase_value, when
from claimgraph.services.conflicts.facts import FactSet, ScoreFact

__all__ = ["detect", "TYPE"]

TYPE = "score-disagreement"
_HIGH = Decimal(5)  # points apart beyond which a disagreement is 'high'


def detect(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict in ``facts`` (with ``focus``: at least those involving one of these claims)."""
    out = []
    for key, scores in sorted(groups(s for s in facts.scores if facts.standing(s.claim)).items()):
        by_model: dict[str, list[ScoreFact]] = defaultdict(list)
        for score in scores:
            by_model[score.model].append(score)
        for model, items in sorted(by_model.items()):
            if len(items) < 2 or (focus is not None and not any(s.claim in focus for s in items)):
                continue
            values = sorted(((*normalised(s, scores), s) for s in items), key=lambda t: (t[0], t[2].iri))
            (low, low_half, lowest), (high, high_half, highest) = values[0], values[-1]
            if gap(low, high, tolerance, low_half, high_half) == 0:
                continue
            difference = high - low
            where = "in one claim" if lowest.claim == highest.claim else "in two claims"
            out.append(Conflict.of(
                TYPE, [v[2] for v in values],
                f"{facts.label(model)} on {key.describe(facts.label(key.benchmark))} is given as "
                f"{phrase_value(lowest)} and {phrase_value(highest)} {where}{_dates(lowest, highest, facts)}: "
                f"{format(difference.normalize(), 'f')} points apart under the same setting.",
                "high" if difference > _HIGH else "medium", f"benchmark {key.benchmark}"))
    return out


def _dates(a: ScoreFact, b: ScoreFact, facts: FactSet) -> str:
    if a.claim == b.claim:
        return when(a.claim, facts)
    first, second = when(a.claim, facts).strip(" ()"), when(b.claim, facts).strip(" ()")
    if first == second:
        return f" (both {first})" if first else ""
    return f" ({first or 'undated'} and {second or 'undated'})"
