"""A detected conflict: its type, the claims and statements involved, how bad it is and why, in words.

As RDF (in the conflicts graph)::

    cgid:conflict/rank-inconsistent/… a cg:Conflict ;
        cg:conflictType "rank-inconsistent" ; cg:severity "high" ;
        cg:involves <…/claim/3> ; cg:evidence <…/claim/3/score/2>, <…/claim/3/score/3> ;
        cg:explanation "…" ; cg:conflictScope "benchmark https://w3id.org/claimgraph/id/benchmark/…" .

As JSON: ``{"id", "type", "claims", "explanation", "severity", "evidence": [...], "scope"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.model import iris
from claimgraph.namespaces import CG, RDF
from claimgraph.services.conflicts.facts import (ComparisonFact, FactSet, PropositionFact, ScoreFact, TrendFact,
                                                 Dependence)

__all__ = ["Conflict", "conflicts_json", "TYPES", "SEVERITIES", "evidence_json", "Statement", "when", "phrase_value", "phrase_score"]

#: Every conflict type, in the order they are reported.
TYPES = ("score-disagreement", "comparison-contradicted", "comparison-cycle", "rank-inconsistent",
         "superlative-contradicted", "proposition-contradicted", "stale-dependence")
SEVERITIES = ("high", "medium", "low")

Statement = ScoreFact | ComparisonFact | PropositionFact | TrendFact | Dependence


@dataclass(frozen=True)
class Conflict:
    type: str
    claims: tuple[str, ...]  # sorted claim IRIs
    evidence: tuple[str, ...]  # the statements it rests on, in the order the explanation names them
    explanation: str
    severity: str
    scope: str

    @classmethod
    def of(cls, kind: str, statements: list[Statement], explanation: str, severity: str, scope: str) -> "Conflict":
        claims = sorted({s.claim for s in statements} | {s.target_claim for s in statements
                                                         if isinstance(s, Dependence) and s.target_claim})
        evidence = tuple(dict.fromkeys(s.target if isinstance(s, Dependence) else s.iri for s in statements))
        return cls(kind, tuple(claims), evidence, explanation, severity, scope)

    @property
    def iri(self) -> NamedNode:
        return iris.conflict_iri(self.type, list(self.evidence) + list(self.claims))

    def quads(self) -> list[Quad]:
        g, node = iris.CONFLICTS_GRAPH, self.iri
        out = [Quad(node, RDF.type, CG.Conflict, g), Quad(node, CG.conflictType, Literal(self.type), g),
               Quad(node, CG.severity, Literal(self.severity), g), Quad(node, CG.explanation, Literal(self.explanation), g),
               Quad(node, CG.conflictScope, Literal(self.scope), g)]
        out += [Quad(node, CG.involves, NamedNode(c), g) for c in self.claims]
        out += [Quad(node, CG.evidence, NamedNode(e), g) for e in self.evidence]
        return out

    def to_json(self, facts: FactSet | None = None, index: dict[str, Statement] | None = None) -> dict[str, Any]:
        """As JSON, its evidence described from ``facts`` (``index``: those facts by statement IRI, when the caller
        shows many conflicts — :func:`conflicts_json` builds it once)."""
        if index is None:
            index = _index(facts) if facts is not None else {}
        return {"id": self.iri.value, "type": self.type, "severity": self.severity, "claims": list(self.claims),
                "explanation": self.explanation,
                "evidence": [evidence_json(index[e], facts) if e in index and facts is not None  # type: ignore[arg-type]
                             else {"statement": e} for e in self.evidence],
                "scope": self.scope}


def conflicts_json(conflicts: list[Conflict], facts: FactSet) -> list[dict[str, Any]]:
    """Many conflicts as JSON, looking their evidence up in one index of ``facts``."""
    index = _index(facts)
    return [c.to_json(facts, index) for c in conflicts]


def _index(facts: FactSet) -> dict[str, Statement]:
    out: dict[str, Statement] = {}
    for items in (facts.scores, facts.series, facts.comparisons, facts.propositions, facts.trends):
        for item in items:
            out[item.iri] = item
    for dependence in facts.dependences:
        out.setdefault(dependence.target, dependence)
    return out


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def evidence_json(statement: Statement, facts: FactSet) -> dict[str, Any]:
    """One piece of evidence as JSON: the statement, its claim and that claim's date and dossier, and the
    statement's own values with readable labels."""
    claim = statement.target_claim if isinstance(statement, Dependence) else statement.claim
    info = facts.claims.get(claim) if claim else None
    out: dict[str, Any] = {
        "statement": statement.target if isinstance(statement, Dependence) else statement.iri,
        "claim": claim, "date": info.date.isoformat() if info and info.date else None,
        "dossier": info.dossier if info else None,
    }
    if isinstance(statement, ScoreFact):
        out.update(kind="score", model=statement.model, model_label=facts.label(statement.model),
                   benchmark=statement.benchmark, benchmark_label=facts.label(statement.benchmark),
                   metric=statement.metric or None, value=_number(statement.value), unit=statement.unit,
                   rank=statement.rank, setting=statement.setting, superlative=statement.superlative,
                   text=statement.text)
    elif isinstance(statement, ComparisonFact):
        out.update(kind="comparison", model=statement.model, model_label=facts.label(statement.model),
                   other=statement.other, other_label=facts.label(statement.other), direction=statement.direction,
                   benchmark=statement.benchmark,
                   benchmark_label=facts.label(statement.benchmark) if statement.benchmark else None,
                   domain=statement.domain, text=statement.text)
    elif isinstance(statement, PropositionFact):
        out.update(kind="proposition", about=statement.about, about_label=facts.label(statement.about),
                   property=statement.property, polarity=statement.polarity, text=statement.text)
    elif isinstance(statement, TrendFact):
        out.update(kind="trend", x=statement.x, y=statement.y, sign=statement.sign, text=statement.text)
    else:
        out.update(kind="dependence", depending_claim=statement.claim, exists=statement.exists,
                   withdrawn=info.withdrawn if info else None)
    return out


def when(claim: str, facts: FactSet) -> str:
    info = facts.claims.get(claim)
    return f" ({info.date.isoformat()})" if info and info.date else ""


def phrase_value(score: ScoreFact) -> str:
    if score.value is None:
        return "no value"
    value = format(score.value.normalize(), "f") if score.value == score.value.to_integral_value() else str(score.value)
    return value + ("%" if score.unit == "percent" else "")


def phrase_score(score: ScoreFact, facts: FactSet) -> str:
    """'Gemini 3.1 Pro at 57 (2026-06-04)'."""
    return f"{facts.label(score.model)} at {phrase_value(score)}{when(score.claim, facts)}"
