"""The conflict detectors that index their groups (so that a million claims do not cost a million times a
group) find exactly what scanning every score of the group finds: the scanning versions they replaced are kept
here as oracles and run on random fact sets (models, values at several roundings and units, ranks,
superlatives, dates, lower-is-better metrics, comparisons, scores repeated by other claims)."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from claimgraph.services.conflicts import comparison_contradicted, rank_inconsistent, superlative_contradicted
from claimgraph.services.conflicts.comparability import ComparableKey, Tolerance, gap, groups, normalised
from claimgraph.services.conflicts.conflict import Conflict, phrase_score
from claimgraph.services.conflicts.facts import ClaimInfo, ComparisonFact, FactSet, ScoreFact

MODELS = [f"https://w3id.org/claimgraph/id/model/m{i}" for i in range(12)]
BENCHMARKS = [f"https://w3id.org/claimgraph/id/benchmark/b{i}" for i in range(2)]
SUPERLATIVES = [None] * 8 + ["highest ever recorded", "lowest", "the best 7B model", "state of the art"]


def random_facts(seed: int) -> FactSet:
    rng = random.Random(seed)
    facts = FactSet(labels={m: f"Model {i} {rng.choice(['7B', '13B', '70B'])}" for i, m in enumerate(MODELS)})
    for n in range(rng.randint(20, 120)):
        claim = f"https://w3id.org/claimgraph/id/claim/c{n}"
        facts.claims[claim] = ClaimInfo(claim, None, "evidence", date(2026, 1, 1) + timedelta(days=rng.randint(0, 90))
                                        if rng.random() > 0.05 else None, "retracted" if rng.random() < 0.05 else None)
        unit = rng.choice(["percent", "percent", None, "fraction"])
        raw = rng.uniform(0, 1) if unit in (None, "fraction") and rng.random() < 0.7 else rng.uniform(20, 90)
        value = Decimal(f"{raw:.{rng.choice([0, 1, 2])}f}")
        facts.scores.append(ScoreFact(
            f"{claim}/s", claim, rng.choice(MODELS), rng.choice(BENCHMARKS), "", value, unit,
            rng.randint(1, 5) if rng.random() < 0.3 else None, rng.choice(["", "5-shot"]), rng.choice(SUPERLATIVES),
            None, rng.random() < 0.2))
        if rng.random() < 0.3:  # the same score again, from another claim (dossiers that repeat a source)
            again = rng.choice(facts.scores)
            facts.scores.append(ScoreFact(f"{claim}/again", claim, again.model, again.benchmark, "", again.value,
                                          again.unit, None, again.setting, None, None, again.lower_is_better))
        if rng.random() < 0.5:
            a, b = rng.sample(MODELS, 2)
            facts.comparisons.append(ComparisonFact(f"{claim}/c", claim, a, b, rng.choice(["better", "worse", "equal"]),
                                                    rng.choice(BENCHMARKS), None, None))
    return facts


def described(conflicts: list[Conflict]) -> list[tuple[object, ...]]:
    return sorted((c.type, c.claims, c.evidence, c.explanation, c.severity, c.scope) for c in conflicts)


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("tolerance", [Tolerance(Decimal(0), Decimal(0)), Tolerance(Decimal("0.5"), Decimal("0.01"))])
def test_indexed_detectors_find_what_scanning_every_score_finds(seed: int, tolerance: Tolerance) -> None:
    facts = random_facts(seed)
    some = frozenset(c for i, c in enumerate(sorted(facts.claims)) if i % 7 == 0)
    for focus in (None, some):
        for module, oracle in ((rank_inconsistent, oracle_rank), (superlative_contradicted, oracle_superlative),
                               (comparison_contradicted, oracle_comparison)):
            assert described(module.detect(facts, tolerance, focus)) == described(oracle(facts, tolerance, focus)), \
                (module.__name__, seed)


# -- the scanning versions, as they were -----------------------------------------------------------------

def oracle_rank(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
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
        timelines = {model: rank_inconsistent._Timeline(items, lower) for model, items in per_model.items()}
        focused = [(values[s.iri][0], facts.date_of(s.claim) or date.min) for s in scores
                   if focus is not None and s.claim in focus]
        for ranked in ranked_scores:
            stated = facts.date_of(ranked.claim) or date.max
            value, half = values[ranked.iri]
            if focus is not None and ranked.claim not in focus and \
                    not any((v > value) != lower and v != value and day <= stated for v, day in focused):
                continue  # nothing proposed can push this rank down (a rank is stated "at the time")
            above: dict[str, ScoreFact] = {}
            for model, timeline in timelines.items():
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
            shown = shown[:rank_inconsistent._SHOWN]
            names = ", ".join(phrase_score(s, facts) for s in shown) + (" …" if len(above) > rank_inconsistent._SHOWN else "")
            out.append(Conflict.of(
                rank_inconsistent.TYPE, [ranked] + shown,
                f"{facts.label(ranked.model)} is said to rank {rank_inconsistent.ordinal(ranked.rank)} on "
                f"{key.describe(facts.label(key.benchmark))} at {value.normalize():f}, but {len(above)} other "
                f"model{'s' if len(above) != 1 else ''} scored higher by then ({names}): it can rank "
                f"{rank_inconsistent.ordinal(len(above) + 1)} at best.",
                "high", f"benchmark {key.benchmark}"))
    return out


def oracle_superlative(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict in ``facts`` (with ``focus``: at least those involving one of these claims)."""
    out = []
    for key, scores in sorted(groups(s for s in facts.scores if facts.standing(s.claim)).items()):
        if focus is not None and not any(s.claim in focus for s in scores):
            continue
        for best in sorted((s for s in scores if s.superlative), key=lambda s: s.iri):
            stated = facts.date_of(best.claim)
            if stated is None:
                continue
            size = superlative_contradicted._SIZE.search(best.superlative or "")
            value, half = normalised(best, scores)
            larger = superlative_contradicted._wants_larger(best)
            beaten_by = []
            for other in scores:
                when = facts.date_of(other.claim)
                if other.model == best.model or other.claim == best.claim or when is None or when > stated:
                    continue
                if size and not re.search(rf"\b{re.escape(size.group(1))}\b", facts.label(other.model), re.IGNORECASE):
                    continue
                theirs, their_half = normalised(other, scores)
                if (theirs > value) == larger and theirs != value and gap(value, theirs, tolerance, half, their_half) > 0:
                    beaten_by.append(other)
            if not beaten_by:
                continue
            beaten_by.sort(key=lambda s: (normalised(s, scores)[0], s.iri), reverse=larger)
            top = beaten_by[0]
            out.append(Conflict.of(
                superlative_contradicted.TYPE, [best, top],
                f"{phrase_score(best, facts)} on {key.describe(facts.label(key.benchmark))} is called "
                f"\"{best.superlative}\", but {phrase_score(top, facts)} was recorded earlier under the same setting.",
                "medium", f"benchmark {key.benchmark}"))
    return out


def oracle_comparison(facts: FactSet, tolerance: Tolerance, focus: frozenset[str] | None = None) -> list[Conflict]:
    """Every conflict in ``facts`` (with ``focus``: at least those involving one of these claims)."""
    by_benchmark: dict[str, dict[ComparableKey, list[ScoreFact]]] = defaultdict(dict)
    for key, scores in groups(s for s in facts.scores if facts.standing(s.claim)).items():
        by_benchmark[key.benchmark][key] = scores
    focused_models: dict[str, set[str]] = defaultdict(set)  # per benchmark, the models scored by focused claims
    for benchmark, keyed in by_benchmark.items():
        for scores in keyed.values():
            focused_models[benchmark] |= {s.model for s in scores if focus is not None and s.claim in focus}
    out = []
    for comparison in sorted(facts.comparisons, key=lambda c: c.iri):
        if comparison.benchmark is None or not facts.standing(comparison.claim) or comparison.direction not in comparison_contradicted._WORDS:
            continue
        if focus is not None and comparison.claim not in focus and \
                not focused_models.get(comparison.benchmark, set()) & {comparison.model, comparison.other}:
            continue
        verdicts, evidence = [], []
        for key, scores in sorted(by_benchmark.get(comparison.benchmark, {}).items()):
            mine = [s for s in scores if s.model == comparison.model]
            theirs = [s for s in scores if s.model == comparison.other]
            if not mine or not theirs:
                continue
            pairs = [(a, b) for a in mine for b in theirs]
            consistent = [comparison_contradicted.holds(
                comparison.direction, normalised(a, scores)[0], normalised(b, scores)[0], tolerance,
                (normalised(a, scores)[1], normalised(b, scores)[1]), a.lower_is_better or b.lower_is_better)
                for a, b in pairs]
            verdicts.append(any(consistent))
            if not any(consistent):
                evidence.append(max(pairs, key=lambda p: abs(p[0].value - p[1].value)))  # type: ignore[operator]
        if verdicts and not any(verdicts):
            out.append(comparison_contradicted._conflict(comparison, evidence, facts))
    return out
