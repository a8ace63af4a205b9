"""``comparison-contradicted``: "A beats B on X" while comparable scores on X say otherwise.

Example: a claim says "Llama-2-70B outperforms Falcon-40B on MMLU", and the graph holds MMLU (5-shot)
scores of 68.9 for Llama-2-70B and 55.4 for Falcon-40B — no conflict; with the comparison the other way
round ("Falcon-40B beats Llama-2-70B on MMLU"), a conflict. "A matches B" is contradicted by scores that
differ beyond the tolerance; "A beats B" is not contradicted by a tie within it.

The comparison names no setting, so every comparable group of scores on X in which both models have a
value is consulted; it is contradicted only when at least one group holds both and every such group
contradicts it. A metric or benchmark marked ``cg:lowerIsBetter`` reverses the order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from claimgraph.services.conflicts.comparability import ComparableKey, ScoreGroup, Tolerance, gap, groups, normalised
from claimgraph.services.conflicts.conflict import Conflict, phrase_score
from claimgraph.services.conflicts.facts import ComparisonFact, FactSet, ScoreFact

__all__ = ["detect", "TYPE", "holds"]

TYPE = "comparison-contradicted"
_WORDS = {"better": "beats", "worse": "trails", "equal": "matches"}


def holds(direction: str, mine: Decimal, theirs: Decimal, tolerance: Tolerance, halves: tuple[Decimal, Decimal],
          lower_is_better: bool) -> bool:
    """Whether values ``mine`` and ``theirs`` are consistent with ``direction``."""
    apart = gap(mine, theirs, tolerance, *halves) > 0
    if direction == "equal":
        return not apart
    better = mine > theirs if not lower_is_better else mine < theirs
    return not apart or better == (direction == "better")


def detect(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict in ``facts`` (with ``focus``: at least those involving one of these claims)."""
    # per benchmark, its groups of comparable scores, each with its scores by model: a comparison looks up its
    # two models instead of scanning every score of its benchmark (quadratic at a million claims)
    by_benchmark: dict[str, list[tuple[ComparableKey, ScoreGroup, dict[str, list[ScoreFact]]]]] = defaultdict(list)
    for key, scores in sorted(groups(s for s in facts.scores if facts.standing(s.claim)).items()):
        by_model: dict[str, list[ScoreFact]] = defaultdict(list)
        for score in scores:
            by_model[score.model].append(score)
        by_benchmark[key.benchmark].append((key, scores, by_model))
    focused_models: dict[str, set[str]] = defaultdict(set)  # per benchmark, the models scored by focused claims
    for benchmark, keyed in by_benchmark.items():
        for _, scores, _ in keyed:
            focused_models[benchmark] |= {s.model for s in scores if focus is not None and s.claim in focus}
    out = []
    distinct = _distinct_values()
    for comparison in sorted(facts.comparisons, key=lambda c: c.iri):
        if comparison.benchmark is None or not facts.standing(comparison.claim) or comparison.direction not in _WORDS:
            continue
        if focus is not None and comparison.claim not in focus and \
                not focused_models.get(comparison.benchmark, set()) & {comparison.model, comparison.other}:
            continue
        verdicts, evidence = [], []
        for key, scores, by_model in by_benchmark.get(comparison.benchmark, ()):
            if comparison.model not in by_model or comparison.other not in by_model:
                continue
            mine, theirs = (distinct(key, model, scores, by_model) for model in (comparison.model, comparison.other))
            pairs = [(a, b) for a in mine for b in theirs]
            consistent = [holds(comparison.direction, a.value, b.value, tolerance, (a.half, b.half),
                                a.score.lower_is_better or b.score.lower_is_better) for a, b in pairs]
            verdicts.append(any(consistent))
            if not any(consistent):
                a, b = max(pairs, key=lambda p: abs(p[0].score.value - p[1].score.value))  # type: ignore[operator]
                evidence.append((a.score, b.score))
        if verdicts and not any(verdicts):
            out.append(_conflict(comparison, evidence, facts))
    return out


@dataclass(frozen=True, slots=True)
class _Value:
    score: ScoreFact  # the first of the model's scores in its group with this value
    value: Decimal  # on the percent scale
    half: Decimal  # half a unit of its last digit, on that scale


def _distinct_values() -> Callable[[ComparableKey, str, ScoreGroup, dict[str, list[ScoreFact]]], list[_Value]]:
    """Each model's scores in a group, one per value (normalised once): what a comparison's verdict and its
    evidence depend on. A hundred dossiers repeating two models' scores made each comparison of them weigh
    ten thousand equal pairs (a corpus of 300 copies of one dossier took minutes)."""
    made: dict[tuple[ComparableKey, str], list[_Value]] = {}

    def distinct(key: ComparableKey, model: str, peers: ScoreGroup,
                 by_model: dict[str, list[ScoreFact]]) -> list[_Value]:
        values = made.get((key, model))
        if values is None:
            seen: dict[tuple[object, ...], _Value] = {}
            for score in by_model[model]:
                value, half = normalised(score, peers)
                seen.setdefault((score.value, value, half, score.lower_is_better), _Value(score, value, half))
            values = made[(key, model)] = list(seen.values())
        return values

    return distinct


def _conflict(comparison: ComparisonFact, pairs: list[tuple[ScoreFact, ScoreFact]], facts: FactSet) -> Conflict:
    mine, theirs = pairs[0]
    said = (f"{facts.label(comparison.model)} {_WORDS[comparison.direction]} {facts.label(comparison.other)} on "
            f"{facts.label(comparison.benchmark)}")
    return Conflict.of(TYPE, [comparison] + [s for pair in pairs for s in pair],
                       f"A claim says {said}, but comparable scores say otherwise: "
                       f"{phrase_score(mine, facts)} against {phrase_score(theirs, facts)}.",
                       "high", f"benchmark {comparison.benchmark}")
