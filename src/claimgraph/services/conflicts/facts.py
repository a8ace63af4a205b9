"""What the detectors read: the scores, comparisons, propositions, trends and claim dates of the graph,
loaded by scope (one benchmark, one domain, one subject) so that a check or an ingest reads only what it
touches, never the whole store.

A claim that was retracted or superseded (its latest provenance event says so, or ``dcterms:isReplacedBy``
names its successor) no longer asserts anything: its statements are left out of the comparisons and
only matter to the claims that depend on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from pyoxigraph import Literal, NamedNode

from claimgraph.namespaces import PREFIXES
from claimgraph.services.sparql import named_query
from claimgraph.store import Store

__all__ = ["ClaimInfo", "ScoreFact", "ComparisonFact", "PropositionFact", "TrendFact", "Dependence", "FactSet",
           "load_facts", "Scope", "WITHDRAWN_ACTIONS"]

#: Provenance actions (and stances) after which a claim no longer asserts what it says.
WITHDRAWN_ACTIONS = frozenset({"retracted", "retract", "withdrawn", "withdraw", "superseded", "refuted"})

#: Above this many claims, their dates are read in one pass over all claims rather than one lookup each.
_CLAIMS_BY_LOOKUP = 300


@dataclass(frozen=True)
class Scope:
    """Which part of the graph to read: ``None`` fields mean everything of that kind."""

    benchmarks: frozenset[str] | None = None
    domains: frozenset[str] | None = None
    subjects: frozenset[str] | None = None  # subjects of propositions
    trends: bool = True
    dependence: bool = True

    @classmethod
    def everything(cls) -> "Scope":
        return cls()

    @classmethod
    def of(cls, names: Iterable[str]) -> "Scope":
        """The scope of conflict-scope names ('benchmark <IRI>', 'domain <name>', 'proposition <IRI>', 'trends',
        'dependence')."""
        benchmarks, domains, subjects = set(), set(), set()
        trends = dependence = False
        for name in names:
            kind, _, value = name.partition(" ")
            if kind == "benchmark":
                benchmarks.add(value)
            elif kind == "domain":
                domains.add(value)
            elif kind == "proposition":
                subjects.add(value)
            elif kind == "trends":
                trends = True
            elif kind == "dependence":
                dependence = True
        return cls(frozenset(benchmarks), frozenset(domains), frozenset(subjects), trends, dependence)


@dataclass(frozen=True)
class ClaimInfo:
    iri: str
    dossier: str | None
    stance: str | None
    date: date | None  # when the claim was first asserted (else the dossier's creation date)
    withdrawn: str | None  # 'retracted', 'superseded', … or None while the claim stands


@dataclass(frozen=True)
class ScoreFact:
    iri: str
    claim: str
    model: str
    benchmark: str
    metric: str  # the metric's IRI, or its words lower-cased, or '' when not stated
    value: Decimal | None
    unit: str | None
    rank: int | None
    setting: str  # canonical setting key: equal keys, comparable settings
    superlative: str | None
    text: str | None
    lower_is_better: bool = False


@dataclass(frozen=True)
class ComparisonFact:
    iri: str
    claim: str
    model: str
    other: str
    direction: str  # better | worse | equal: the model relative to the other
    benchmark: str | None
    domain: str | None
    text: str | None


@dataclass(frozen=True)
class PropositionFact:
    iri: str
    claim: str
    about: str
    property: str
    polarity: str
    text: str | None


@dataclass(frozen=True)
class TrendFact:
    iri: str
    claim: str
    x: str
    y: str
    sign: str
    text: str | None


@dataclass(frozen=True)
class Dependence:
    claim: str
    target: str  # the claim or statement depended on
    target_claim: str | None  # the claim that target belongs to (itself when it is a claim)
    exists: bool  # whether the target is still in the graph


@dataclass
class FactSet:
    scores: list[ScoreFact] = field(default_factory=list)
    comparisons: list[ComparisonFact] = field(default_factory=list)
    propositions: list[PropositionFact] = field(default_factory=list)
    trends: list[TrendFact] = field(default_factory=list)
    dependences: list[Dependence] = field(default_factory=list)
    claims: dict[str, ClaimInfo] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def merge(self, other: "FactSet", *, replacing: Iterable[str] = ()) -> "FactSet":
        """This set plus ``other``, without the statements of the claims in ``replacing``."""
        gone = set(replacing)
        keep = lambda items: [i for i in items if i.claim not in gone]  # noqa: E731
        return FactSet(keep(self.scores) + other.scores, keep(self.comparisons) + other.comparisons,
                       keep(self.propositions) + other.propositions, keep(self.trends) + other.trends,
                       keep(self.dependences) + other.dependences,
                       {**{k: v for k, v in self.claims.items() if k not in gone}, **other.claims},
                       {**self.labels, **other.labels})

    def standing(self, claim: str) -> bool:
        info = self.claims.get(claim)
        return info is not None and info.withdrawn is None

    def date_of(self, claim: str) -> date | None:
        info = self.claims.get(claim)
        return info.date if info else None

    def label(self, iri: str | None) -> str:
        if iri is None:
            return "?"
        return self.labels.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1]


def _text(term: object) -> str | None:
    return term.value if isinstance(term, (Literal, NamedNode)) else None


def _decimal(term: object) -> Decimal | None:
    try:
        return Decimal(term.value) if isinstance(term, Literal) else None
    except InvalidOperation:
        return None


def _int(term: object) -> int | None:
    try:
        return int(term.value) if isinstance(term, Literal) else None
    except ValueError:
        return None


def setting_key(row: object) -> str:
    """The canonical setting of a score row: the structured parts (shots, chain of thought, tool use, judge,
    version, subset, harness, aggregation), then any free notes the extractor kept."""
    get = lambda name: row[name]  # type: ignore[index]  # noqa: E731
    parts = []
    shots = _int(get("shots"))
    if shots is not None:
        parts.append(f"shots={shots}")
    for name, label in (("cot", "cot"), ("tools", "tools")):
        flag = _text(get(name))
        if flag is not None:
            parts.append(f"{label}={'yes' if flag in ('true', '1') else 'no'}")
    for name in ("judge", "version", "subset", "harness", "aggregation"):
        value = _text(get(name))
        if value:
            parts.append(f"{name}={' '.join(value.lower().split())}")
    written = _text(get("setting")) or ""
    parts += sorted(p for p in written.split(";") if p.startswith("note="))
    return ";".join(parts)


def _metric(row: object) -> str:
    metric = _text(row["metric"])  # type: ignore[index]
    if metric:
        return metric
    words = _text(row["metricLabel"])  # type: ignore[index]
    return " ".join(words.lower().split()) if words else ""


def _query(store: Store, name: str, **bound: object) -> list[object]:
    return list(store.query(named_query(name), substitutions=bound or None, prefixes=PREFIXES))  # type: ignore[arg-type]


def _scores(store: Store, scope: Scope) -> list[ScoreFact]:
    rows: list[object] = []
    if scope.benchmarks is None:
        rows = _query(store, "conflict-scores")
    else:
        for benchmark in sorted(scope.benchmarks):
            rows += _query(store, "conflict-scores", benchmark=NamedNode(benchmark))
    found: dict[str, ScoreFact] = {}
    for row in rows:
        r = row  # type: ignore[assignment]
        iri = r["score"].value  # type: ignore[index]
        lower = _text(r["lower"]) in ("true", "1")  # type: ignore[index]
        found[iri] = ScoreFact(iri, r["claim"].value, r["model"].value, r["benchmark"].value, _metric(r),  # type: ignore[index]
                               _decimal(r["value"]), _text(r["unit"]), _int(r["rank"]), setting_key(r),  # type: ignore[index]
                               _text(r["superlative"]), _text(r["exact"]), lower)  # type: ignore[index]
    return list(found.values())


def _comparisons(store: Store, scope: Scope) -> list[ComparisonFact]:
    rows = _query(store, "conflict-comparisons")
    found: dict[str, ComparisonFact] = {}
    for r in rows:
        benchmark, domain = _text(r["benchmark"]), _text(r["domain"])  # type: ignore[index]
        if scope.benchmarks is not None or scope.domains is not None:
            wanted = (benchmark is not None and scope.benchmarks is not None and benchmark in scope.benchmarks) or \
                     (benchmark is None and domain is not None and scope.domains is not None
                      and domain.lower() in scope.domains)
            if not wanted:
                continue
        iri = r["comparison"].value  # type: ignore[index]
        found[iri] = ComparisonFact(iri, r["claim"].value, r["model"].value, r["other"].value,  # type: ignore[index]
                                    r["direction"].value, benchmark, domain, _text(r["exact"]))  # type: ignore[index]
    return list(found.values())


def _statements(store: Store, scope: Scope) -> tuple[list[PropositionFact], list[TrendFact]]:
    propositions: dict[str, PropositionFact] = {}
    trends: dict[str, TrendFact] = {}
    if scope.subjects is not None and not scope.subjects and not scope.trends:
        return [], []
    for r in _query(store, "conflict-propositions"):
        iri, claim, exact = r["statement"].value, r["claim"].value, _text(r["exact"])  # type: ignore[index]
        if r["kind"].value == "proposition":  # type: ignore[index]
            about = r["about"].value  # type: ignore[index]
            if scope.subjects is None or about in scope.subjects:
                propositions[iri] = PropositionFact(iri, claim, about, r["property"].value,  # type: ignore[index]
                                                    r["polarity"].value, exact)  # type: ignore[index]
        elif scope.trends:
            trends[iri] = TrendFact(iri, claim, r["x"].value, r["y"].value, r["sign"].value, exact)  # type: ignore[index]
    return list(propositions.values()), list(trends.values())


def _dependences(store: Store) -> list[Dependence]:
    found: dict[tuple[str, str], Dependence] = {}
    for r in _query(store, "conflict-dependence"):
        claim, target = r["claim"].value, r["target"].value  # type: ignore[index]
        kind = _text(r["targetType"])  # type: ignore[index]
        target_claim = _text(r["targetClaim"]) or (target if kind and kind.endswith("#Claim") else None)  # type: ignore[index]
        found[(claim, target)] = Dependence(claim, target, target_claim, kind is not None)
    return list(found.values())


def _claims(store: Store, wanted: set[str]) -> dict[str, ClaimInfo]:
    rows: list[object] = []
    if len(wanted) > _CLAIMS_BY_LOOKUP:
        rows = [r for r in _query(store, "conflict-claims") if r["claim"].value in wanted]  # type: ignore[index]
    else:
        for claim in sorted(wanted):
            rows += _query(store, "conflict-claims", claim=NamedNode(claim))
    by_claim: dict[str, list[object]] = defaultdict(list)
    for r in rows:
        by_claim[r["claim"].value].append(r)  # type: ignore[index]
    out = {}
    for claim, claim_rows in by_claim.items():
        first = claim_rows[0]
        dates = [d for d in (_date(r["date"]) for r in claim_rows) if d]  # type: ignore[index]
        events = sorted(((_int(r["sequence"]) or 0, _date(r["date"]) or date.min, _text(r["action"]) or "")  # type: ignore[index]
                         for r in claim_rows if r["date"] is not None), key=lambda e: (e[1], e[0]))  # type: ignore[index]
        stance = _text(first["stance"])  # type: ignore[index]
        withdrawn = None
        if events and events[-1][2].lower() in WITHDRAWN_ACTIONS:
            withdrawn = events[-1][2].lower()
        elif stance and stance.lower() in WITHDRAWN_ACTIONS:
            withdrawn = stance.lower()
        elif any(r["replaced"] is not None for r in claim_rows):  # type: ignore[index]
            withdrawn = "superseded"
        out[claim] = ClaimInfo(claim, _text(first["dossier"]), stance,  # type: ignore[index]
                               min(dates) if dates else _date(first["created"]), withdrawn)  # type: ignore[index]
    return out


def _date(term: object) -> date | None:
    try:
        return date.fromisoformat(term.value[:10]) if isinstance(term, Literal) else None
    except ValueError:
        return None


def _labels(store: Store, iris: set[str]) -> dict[str, str]:
    out = {}
    for iri in iris:
        for row in store.query("SELECT ?s ?label WHERE { ?s rdfs:label ?label } LIMIT 1",
                               substitutions={"s": NamedNode(iri)}, prefixes=PREFIXES):  # type: ignore[union-attr]
            out[iri] = row["label"].value  # type: ignore[index]
    return out


def load_facts(store: Store, scope: Scope | None = None, *, label_store: Store | None = None) -> FactSet:
    """Everything the detectors need within ``scope`` (everything when None), with the dates and standing
    of every claim involved and the labels of every entity named (looked up in ``label_store`` too when
    ``store`` lacks one)."""
    scope = scope or Scope.everything()
    scores = _scores(store, scope) if scope.benchmarks is None or scope.benchmarks else []
    comparisons = _comparisons(store, scope) if (scope.benchmarks is None or scope.benchmarks
                                                 or scope.domains is None or scope.domains) else []
    propositions, trends = _statements(store, scope)
    dependences = _dependences(store) if scope.dependence else []
    claims = {s.claim for s in scores} | {c.claim for c in comparisons} | {p.claim for p in propositions} | \
             {t.claim for t in trends} | {d.claim for d in dependences} | \
             {d.target_claim for d in dependences if d.target_claim}
    entities = {s.model for s in scores} | {s.benchmark for s in scores} | {c.model for c in comparisons} | \
               {c.other for c in comparisons} | {c.benchmark for c in comparisons if c.benchmark} | \
               {p.about for p in propositions}
    labels = _labels(store, entities)
    if label_store is not None:
        labels = {**_labels(label_store, entities - set(labels)), **labels}
    return FactSet(scores, comparisons, propositions, trends, dependences, _claims(store, claims), labels)
