"""Plain records of what a claim's words assert: entity mentions, scores, comparisons, method facts.

Every record carries the character span of the claim text it was read from, the rule that read it and a
confidence, so that a page can highlight it and a reader can audit it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["Span", "EntityRef", "Setting", "ScoreAssertion", "ComparisonAssertion", "Fact", "Proposition", "Trend",
           "Extraction"]


@dataclass(frozen=True, slots=True)
class Span:
    start: int  # character offsets into the claim text, end exclusive
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A name in the text and what it was resolved to.

    ``status``: 'known' (one vocabulary entity: ``key``), 'new' (not in the vocabulary: to review),
    'ambiguous' (several candidates, none chosen).
    """

    surface: str
    kind: str  # Model, Method, Benchmark, Metric, Organization, Event, or Unknown
    status: str
    span: Span
    key: str | None = None
    candidates: tuple[str, ...] = ()
    qualifiers: tuple[tuple[str, str], ...] = ()  # e.g. (("size", "7B"), ("architecture", "MoE"))


@dataclass(frozen=True, slots=True)
class Setting:
    """The evaluation setting of a score: what decides whether two scores are comparable."""

    shots: int | None = None
    chain_of_thought: bool | None = None
    judge: str | None = None
    version: str | None = None
    harness: str | None = None
    other: tuple[str, ...] = ()

    def key(self) -> str:
        """A canonical key: equal keys, comparable settings ('' when nothing is known)."""
        parts = []
        if self.shots is not None:
            parts.append(f"shots={self.shots}")
        if self.chain_of_thought is not None:
            parts.append(f"cot={'yes' if self.chain_of_thought else 'no'}")
        for name in ("judge", "version", "harness"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}={value.lower()}")
        parts += [f"note={o.lower()}" for o in self.other]
        return ";".join(parts)


@dataclass(frozen=True, slots=True)
class ScoreAssertion:
    model: EntityRef
    benchmark: EntityRef | None
    span: Span
    rule: str
    confidence: float
    value: Decimal | None = None
    unit: str | None = None  # percent, fraction, points
    metric: str | None = None  # the metric's surface words, e.g. "non-hallucination"
    metric_ref: EntityRef | None = None
    rank: int | None = None
    setting: Setting = field(default_factory=Setting)
    superlative: str | None = None  # e.g. "highest ever recorded"


@dataclass(frozen=True, slots=True)
class ComparisonAssertion:
    subject: EntityRef
    object: EntityRef
    direction: str  # better | worse | equal (the subject relative to the object)
    span: Span
    rule: str
    confidence: float
    benchmark: EntityRef | None = None
    domain: str | None = None  # when the comparison is on a domain, not a named benchmark


@dataclass(frozen=True, slots=True)
class Fact:
    """A method fact: ``subject`` ``relation`` ``object`` (trainedWith, presentedAt, presentedBy, usesObjective,
    improvesOver, variantOf, proposedBy)."""

    subject: EntityRef
    relation: str
    object: EntityRef
    span: Span
    rule: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Proposition:
    """'X fails to guarantee Y' → subject X, property 'guarantee Y', polarity 'negative'."""

    subject: EntityRef
    property: str
    polarity: str  # positive | negative
    span: Span
    rule: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Trend:
    """'smarter models hallucinate more' → a correlation across models between two quantities, with its sign."""

    x: str  # "intelligence"
    y: str  # "hallucination"
    sign: str  # positive | negative
    span: Span
    rule: str
    confidence: float


@dataclass(frozen=True)
class Extraction:
    entities: tuple[EntityRef, ...] = ()
    scores: tuple[ScoreAssertion, ...] = ()
    comparisons: tuple[ComparisonAssertion, ...] = ()
    facts: tuple[Fact, ...] = ()
    propositions: tuple[Proposition, ...] = ()
    trends: tuple[Trend, ...] = ()

    def depends_on(self) -> list[EntityRef]:
        """The entities the claim's truth rests on: every model, benchmark and method its scores,
        comparisons and method facts are about, in order of first use."""
        refs: list[EntityRef] = []
        for score in self.scores:
            refs += [score.model] + ([score.benchmark] if score.benchmark else [])
        for comparison in self.comparisons:
            refs += [comparison.subject, comparison.object] + ([comparison.benchmark] if comparison.benchmark else [])
        for fact in self.facts:
            refs += [fact.subject, fact.object]
        for proposition in self.propositions:
            refs.append(proposition.subject)
        seen: dict[str, EntityRef] = {}
        for ref in refs:
            if ref.kind in ("Model", "Benchmark", "Method") and ref.status != "ambiguous":
                seen.setdefault(ref.key or ref.surface, ref)
        return list(seen.values())
