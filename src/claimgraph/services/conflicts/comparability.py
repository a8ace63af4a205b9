"""When two scores are about the same thing, and when they differ by more than their rounding.

Two scores are comparable when their :func:`comparable_key` is equal: the same benchmark, the same metric
and the same canonical setting (shots, chain of thought, tool use, judge, benchmark version or subset,
harness, aggregation). MMLU 5-shot and MMLU 0-shot are two keys, so they never conflict.

Values are put on one scale before they are compared: a fraction (0.713) is the percentage 71.3; a value
written without a unit next to percentages, and between 0 and 1, is read as a fraction too.

A value written with d decimals stands for an interval of half a unit of its last digit either side:
82.5 is anything in [82.45, 82.55], so 82.46 and 82.5 agree. Two values conflict only when the gap between
their intervals is larger than the tolerance: ``absolute`` points, or ``relative`` of the larger value,
whichever is larger.

>>> tolerance = Tolerance(absolute=Decimal("0"), relative=Decimal("0"))
>>> gap(Decimal("82.46"), Decimal("82.5"), tolerance)
Decimal('0')
>>> gap(Decimal("71.3"), Decimal("86.4"), Tolerance())
Decimal('13.999')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from claimgraph.services.conflicts.facts import ScoreFact

__all__ = ["ComparableKey", "Tolerance", "comparable_key", "groups", "normalised", "gap", "half_unit"]


@dataclass(frozen=True, order=True)
class ComparableKey:
    benchmark: str
    metric: str
    setting: str

    def describe(self, label: str) -> str:
        parts = [label]
        if self.metric:
            parts.append(self.metric.rsplit("/", 1)[-1])
        if self.setting:
            parts.append(f"({self.setting.replace(';', ', ')})")
        return " ".join(parts)


@dataclass(frozen=True)
class Tolerance:
    absolute: Decimal = Decimal("0.5")
    relative: Decimal = Decimal("0.01")

    @classmethod
    def of(cls, absolute: float, relative: float) -> "Tolerance":
        return cls(Decimal(str(absolute)), Decimal(str(relative)))


def comparable_key(score: ScoreFact) -> ComparableKey:
    return ComparableKey(score.benchmark, score.metric, score.setting)


class ScoreGroup(list):  # type: ignore[type-arg]
    """The scores of one comparable key. It works out once, when first asked (after it is filled), what
    :func:`normalised` needs to know of all its scores, so that normalising each of n scores costs O(1), not
    O(n): at a million claims a group holds tens of thousands of scores."""

    _percents_above_one: bool | None = None

    def percents_above_one(self) -> bool:
        if self._percents_above_one is None:
            self._percents_above_one = _percents_above_one(self)
        return self._percents_above_one


def groups(scores: Iterable[ScoreFact]) -> dict[ComparableKey, ScoreGroup]:
    """Scores with a value grouped by comparable key: only scores in one group are ever compared."""
    out: dict[ComparableKey, ScoreGroup] = defaultdict(ScoreGroup)
    for score in scores:
        if score.value is not None:
            out[comparable_key(score)].append(score)
    return out


def _percents_above_one(peers: Iterable[ScoreFact]) -> bool:
    percents = [p.value for p in peers if p.unit == "percent" and p.value is not None]
    return bool(percents) and all(v > 1 for v in percents)


def half_unit(value: Decimal) -> Decimal:
    """Half a unit of the last digit written: 82.5 → 0.05, 48 → 0.5."""
    exponent = value.as_tuple().exponent
    return Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal(0)


def normalised(score: ScoreFact, peers: Iterable[ScoreFact] = ()) -> tuple[Decimal, Decimal]:
    """(value, half unit) on the percent scale. A fraction is multiplied by 100, and so is a unitless value in
    [0, 1] among peers that are percentages above 1."""
    assert score.value is not None
    value, half = score.value, half_unit(score.value)
    fraction = score.unit == "fraction"
    if score.unit is None and Decimal(0) <= value <= Decimal(1):
        fraction = peers.percents_above_one() if isinstance(peers, ScoreGroup) else _percents_above_one(peers)
    if fraction:
        return value * 100, half * 100
    return value, half


def gap(a: Decimal, b: Decimal, tolerance: Tolerance, half_a: Decimal | None = None,
        half_b: Decimal | None = None) -> Decimal:
    """How far apart two values are beyond their rounding and the tolerance (0 when they agree)."""
    half_a = half_unit(a) if half_a is None else half_a
    half_b = half_unit(b) if half_b is None else half_b
    apart = abs(a - b) - half_a - half_b
    allowed = max(tolerance.absolute, tolerance.relative * max(abs(a), abs(b)))
    return max(Decimal(0), apart - allowed) if apart > allowed else Decimal(0)
