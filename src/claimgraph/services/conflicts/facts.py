"""What the detectors read: the scores, comparisons, propositions, trends and claim dates of the graph,
loaded by scope (one benchmark, one domain, one subject) so that a check or an ingest reads only what it
touches, never the whole store.

A claim that was retracted or superseded (its latest provenance event says so, or ``dcterms:isReplacedBy``
names its successor) no longer asserts anything: its statements are left out of the comparisons and
only matter to the claims that depend on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import chain
from sys import intern

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.namespaces import PREFIXES, RDF, RDFS
from claimgraph.services.conflicts.quantities import quantity, score_measures
from claimgraph.services.conflicts.scan import Scattered, StatementRows
from claimgraph.services.sparql import named_query
from claimgraph.store import OxigraphStore, Store

__all__ = ["ClaimInfo", "ScoreFact", "ComparisonFact", "PropositionFact", "TrendFact", "Dependence", "FactSet",
           "load_facts", "claim_infos", "Scope", "FactCache", "graphs_copy", "WITHDRAWN_ACTIONS", "facts_of_quads"]

#: The rows of the whole store's statements (see :mod:`.scan`), or None: read them by query.
Read = StatementRows | None

#: Provenance actions (and stances) after which a claim no longer asserts what it says.
WITHDRAWN_ACTIONS = frozenset({"retracted", "retract", "withdrawn", "withdraw", "superseded", "refuted"})


@dataclass(frozen=True)
class Scope:
    """Which part of the graph to read: ``None`` fields mean everything of that kind."""

    benchmarks: frozenset[str] | None = None
    domains: frozenset[str] | None = None
    subjects: frozenset[str] | None = None  # subjects of propositions
    trends: bool = True
    dependence: bool = True
    series: bool = True  # with the trends, the scores that measure their quantities
    comparisons: bool = True  # the comparisons on the benchmarks and domains in scope

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


@dataclass(frozen=True, slots=True)
class ClaimInfo:
    iri: str
    dossier: str | None
    stance: str | None
    date: date | None  # when the claim was first asserted (else the dossier's creation date)
    withdrawn: str | None  # 'retracted', 'superseded', … or None while the claim stands


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ComparisonFact:
    iri: str
    claim: str
    model: str
    other: str
    direction: str  # better | worse | equal: the model relative to the other
    benchmark: str | None
    domain: str | None
    text: str | None


@dataclass(frozen=True, slots=True)
class PropositionFact:
    iri: str
    claim: str
    about: str
    property: str
    polarity: str
    text: str | None


@dataclass(frozen=True, slots=True)
class TrendFact:
    iri: str
    claim: str
    x: str
    y: str
    sign: str
    text: str | None


@dataclass(frozen=True, slots=True)
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
    # scores outside the scope's benchmarks that measure a quantity one of the trends names: what the trends
    # are checked against (when every benchmark is in scope they are all in ``scores`` already)
    series: list[ScoreFact] = field(default_factory=list)

    def merge(self, other: "FactSet", *, replacing: Iterable[str] = ()) -> "FactSet":
        """This set plus ``other``, without the statements of the claims in ``replacing``."""
        gone = set(replacing)
        keep = lambda items: [i for i in items if i.claim not in gone]  # noqa: E731
        return FactSet(keep(self.scores) + other.scores, keep(self.comparisons) + other.comparisons,
                       keep(self.propositions) + other.propositions, keep(self.trends) + other.trends,
                       keep(self.dependences) + other.dependences,
                       {**{k: v for k, v in self.claims.items() if k not in gone}, **other.claims},
                       {**self.labels, **other.labels}, keep(self.series) + other.series)

    def add(self, other: "FactSet", *, leaving: Iterable[str] = ()) -> None:
        """Add ``other``'s facts to these, in place, but the statements of the claims of the dossiers in
        ``leaving``."""
        dossiers = set(leaving)
        gone = {c for c, info in other.claims.items() if info.dossier in dossiers}
        keep = lambda items: [i for i in items if i.claim not in gone] if gone else items  # noqa: E731
        self.scores += keep(other.scores)
        self.comparisons += keep(other.comparisons)
        self.propositions += keep(other.propositions)
        self.trends += keep(other.trends)
        self.dependences += keep(other.dependences)
        self.series += keep(other.series)
        self.claims.update((c, info) for c, info in other.claims.items() if c not in gone)
        self.labels.update(other.labels)

    def statements(self) -> int:
        """How many statements these facts hold (scores, comparisons, propositions, trends, dependences, and the
        scores the trends are checked against)."""
        return (len(self.scores) + len(self.comparisons) + len(self.propositions) + len(self.trends)
                + len(self.dependences) + len(self.series))

    def entities(self) -> set[str]:
        """The models, benchmarks, metrics (those with an IRI) and subjects the facts name: what they need
        labels for."""
        scores = self.scores + self.series
        return {s.model for s in scores} | {s.benchmark for s in scores} | \
               {s.metric for s in scores if s.metric.startswith(("http://", "https://"))} | \
               {c.model for c in self.comparisons} | {c.other for c in self.comparisons} | \
               {c.benchmark for c in self.comparisons if c.benchmark} | {p.about for p in self.propositions}

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

    def measured(self, score: ScoreFact, keys: frozenset[str]) -> dict[str, int]:
        """Which of the quantity ``keys`` ``score`` measures, each with its orientation."""
        return measured(score, keys, self.labels)


def trend_quantities(trends: Iterable[TrendFact]) -> frozenset[str]:
    return frozenset(quantity(name)[0] for t in trends for name in (t.x, t.y))


def _metric_words(metric: str, labels: dict[str, str]) -> str:
    """A metric's words: its label when it is an IRI (its IRI's last segment, whole, when it has none)."""
    if metric.startswith(("http://", "https://")):
        return labels.get(metric) or metric.rsplit("/", 1)[-1]
    return metric


def measured(score: ScoreFact, keys: frozenset[str], labels: dict[str, str]) -> dict[str, int]:
    return score_measures(_metric_words(score.metric, labels), labels.get(score.benchmark, ""), keys)


def _shared(text: str | None) -> str | None:
    return None if text is None else intern(text)


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
    return list(_rows(store, name, **bound))


def _rows(store: Store, name: str, **bound: object) -> Iterator[object]:
    return iter(store.query(named_query(name), substitutions=bound or None, prefixes=PREFIXES))  # type: ignore[arg-type]


def _claim_of(row: object, claims: dict[str, ClaimInfo]) -> str:
    """The claim of a statement row; its dossier, stance, date and standing (columns every statement query
    carries) are noted in ``claims``."""
    r = row  # type: ignore[assignment]
    claim = r["claim"].value  # type: ignore[index]
    held = claims.get(claim)
    if held is not None:
        claim = held.iri  # one string for every statement of the claim
    if held is None or r["replaced"] is not None:  # type: ignore[index]
        stance, action = _text(r["stance"]), (_text(r["action"]) or "").lower()  # type: ignore[index]
        withdrawn = None
        if action in WITHDRAWN_ACTIONS:
            withdrawn = action
        elif stance and stance.lower() in WITHDRAWN_ACTIONS:
            withdrawn = stance.lower()
        elif r["replaced"] is not None:  # type: ignore[index]
            withdrawn = "superseded"
        claims[claim] = ClaimInfo(claim, _shared(_text(r["dossier"])), _shared(stance), _date(r["created"]), withdrawn)  # type: ignore[index]
    return claim


def _scoped(store: Store, name: str, variable: str, values: frozenset[str] | None,
            term: Callable[[str], object]) -> Iterator[object]:
    """The rows of a named query, as they come: all of them (``values`` None), or those for each value bound to
    ``variable``."""
    if values is None:
        yield from _rows(store, name)
        return
    for value in sorted(values):
        yield from _rows(store, name, **{variable: term(value)})


def _scores(store: Store, scope: Scope, claims: dict[str, ClaimInfo], read: Read = None) -> list[ScoreFact]:
    rows = read.scores() if read else _scoped(store, "conflict-scores", "benchmark", scope.benchmarks, NamedNode)
    found: dict[str, ScoreFact] = {}
    for r in rows:
        iri = r["score"].value  # type: ignore[index]
        if iri in found:
            continue
        lower = _text(r["lower"]) in ("true", "1")  # type: ignore[index]
        # the IRIs and keys many scores share are kept once (a long import holds hundreds of thousands)
        found[iri] = ScoreFact(iri, _claim_of(r, claims), intern(r["model"].value), intern(r["benchmark"].value),  # type: ignore[index]
                               intern(_metric(r)), _decimal(r["value"]), _shared(_text(r["unit"])), _int(r["rank"]),  # type: ignore[index]
                               intern(setting_key(r)), _shared(_text(r["superlative"])), _text(r["exact"]), lower)  # type: ignore[index]
    return list(found.values())


def _comparisons(store: Store, scope: Scope, claims: dict[str, ClaimInfo], read: Read = None,
                 ) -> list[ComparisonFact]:
    rows = read.comparisons() if read else \
        chain(_scoped(store, "conflict-comparisons", "benchmark", scope.benchmarks, NamedNode),
              _scoped(store, "conflict-comparisons-domain", "domain", scope.domains, Literal))
    found: dict[str, ComparisonFact] = {}
    for r in rows:
        iri = r["comparison"].value  # type: ignore[index]
        if iri not in found:
            found[iri] = ComparisonFact(iri, _claim_of(r, claims), r["model"].value, r["other"].value,  # type: ignore[index]
                                        r["direction"].value, _text(r["benchmark"]), _text(r["domain"]),  # type: ignore[index]
                                        _text(r["exact"]))  # type: ignore[index]
    return list(found.values())


def _propositions(store: Store, scope: Scope, claims: dict[str, ClaimInfo], read: Read = None,
                  ) -> list[PropositionFact]:
    rows = read.propositions() if read else _scoped(store, "conflict-propositions", "about", scope.subjects,
                                                    NamedNode)
    found: dict[str, PropositionFact] = {}
    for r in rows:
        iri = r["statement"].value  # type: ignore[index]
        if iri not in found:
            found[iri] = PropositionFact(iri, _claim_of(r, claims), r["about"].value, r["property"].value,  # type: ignore[index]
                                         r["polarity"].value, _text(r["exact"]))  # type: ignore[index]
    return list(found.values())


def _trends(store: Store, claims: dict[str, ClaimInfo], read: Read = None) -> list[TrendFact]:
    found: dict[str, TrendFact] = {}
    for r in read.trends() if read else _query(store, "conflict-trends"):
        iri = r["statement"].value  # type: ignore[index]
        if iri not in found:
            found[iri] = TrendFact(iri, _claim_of(r, claims), r["x"].value, r["y"].value, r["sign"].value,  # type: ignore[index]
                                   _text(r["exact"]))  # type: ignore[index]
    return list(found.values())


def _dependences(store: Store) -> list[Dependence]:
    found: dict[tuple[str, str], Dependence] = {}
    for r in _query(store, "conflict-dependence"):
        claim, target = r["claim"].value, r["target"].value  # type: ignore[index]
        kind = _text(r["targetType"])  # type: ignore[index]
        target_claim = _text(r["targetClaim"]) or (target if kind and kind.endswith("#Claim") else None)  # type: ignore[index]
        found[(claim, target)] = Dependence(claim, target, target_claim, kind is not None)
    return list(found.values())


def claim_infos(store: Store, wanted: Iterable[str]) -> dict[str, ClaimInfo]:
    """The dossier, stance, date and standing of each claim in ``wanted`` that the store holds."""
    out: dict[str, ClaimInfo] = {}
    for claim in sorted(set(wanted)):
        for r in _query(store, "conflict-claims", claim=NamedNode(claim)):
            _claim_of(r, out)
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


def graphs_copy(store: Store, graphs: Iterable[NamedNode]) -> OxigraphStore:
    """Some named graphs of a store copied into a store in memory: what an ingest reads of the graphs it has just
    written. (Querying the store itself with those graphs as the default graph costs, in pyoxigraph, time that
    grows with their number times the store's size: an import of 3,000 rows spent 13 minutes there.)"""
    copy = OxigraphStore(None)
    copy.add_quads(q for g in dict.fromkeys(graphs) for q in store.quads(g))
    return copy


def load_facts(store: Store, scope: Scope | None = None, *, label_store: Store | None = None) -> FactSet:
    """Everything the detectors need within ``scope`` (everything when None), with the dates and standing
    of every claim involved and the labels of every entity named (looked up in ``label_store`` too when
    ``store`` lacks one)."""
    scope = scope or Scope.everything()
    if scope.benchmarks is None and scope.domains is None and scope.subjects is None:
        # the whole store's statements: each read with its properties together (see scan)
        try:
            return _load_facts(store, scope, label_store, StatementRows(store))
        except Scattered:
            pass  # read by the queries instead
    return _load_facts(store, scope, label_store, None)


def _load_facts(store: Store, scope: Scope, label_store: Store | None, read: Read) -> FactSet:
    claims: dict[str, ClaimInfo] = {}
    scores = _scores(store, scope, claims, read) if scope.benchmarks is None or scope.benchmarks else []
    comparisons = _comparisons(store, scope, claims, read) if scope.comparisons and (
        scope.benchmarks is None or scope.benchmarks or scope.domains is None or scope.domains) else []
    propositions = _propositions(store, scope, claims, read) if scope.subjects is None or scope.subjects else []
    trends = _trends(store, claims, read) if scope.trends else []
    if read is not None:
        read.release()
    series: list[ScoreFact] = []
    if trends and scope.series and scope.benchmarks is not None:
        series = [s for s in _series(store, trend_quantities(trends), claims) if s.benchmark not in scope.benchmarks]
    dependences = _dependences(store) if scope.dependence else []
    missing = {d.claim for d in dependences} | {d.target_claim for d in dependences if d.target_claim}
    claims.update(claim_infos(store, missing - set(claims)))
    facts = FactSet(scores, comparisons, propositions, trends, dependences, claims, {}, series)
    facts.labels = _labels(store, facts.entities())
    return facts if label_store is None else labelled(facts, label_store)


def labelled(facts: FactSet, store: Store) -> FactSet:
    """``facts`` with the labels ``store`` holds for the entities they name but have no label for."""
    facts.labels = {**_labels(store, facts.entities() - set(facts.labels)), **facts.labels}
    return facts


#: The named queries that :func:`load_facts` reads a store's statements and claims with (besides labels).
FACT_QUERIES = ("conflict-scores", "conflict-comparisons", "conflict-comparisons-domain", "conflict-propositions",
                "conflict-trends", "conflict-claims")


@cache
def fact_terms() -> frozenset[NamedNode]:
    """Every IRI the fact queries name (so every predicate they read), ``rdf:type`` (their ``a``) and
    ``rdfs:label`` (the entities' labels): a quad with another predicate changes nothing that
    :func:`load_facts` finds."""
    names = {RDF.type, RDFS.label}
    for query in FACT_QUERIES:
        text = "\n".join(line for line in named_query(query).splitlines() if not line.lstrip().startswith("#"))
        names |= {NamedNode(iri) for iri in re.findall(r"<([^<>\s]+)>", text)}
        names |= {NamedNode(PREFIXES[prefix] + local)
                  for prefix, local in re.findall(r"(?<![\w?$<])([A-Za-z][\w-]*):([A-Za-z_][\w-]*)", text)
                  if prefix in PREFIXES}
    return frozenset(names)


def facts_of_quads(quads: Iterable[Quad], context: Iterable[Quad] = ()) -> FactSet:
    """What :func:`load_facts` finds, dependences aside, in a store that holds just ``quads`` and ``context``
    (the vocabulary, for the metrics that are lower-is-better and the labels): the facts of dossiers just
    mapped, read where they were mapped instead of from the store they are written to. Only the quads whose
    predicate the fact queries read are copied into the scratch store (about two in five of a dossier's)."""
    terms = fact_terms()
    scratch = OxigraphStore(None)
    try:
        scratch.add_quads([q for q in chain(context, quads) if q.predicate in terms])
        return load_facts(scratch, replace(Scope.everything(), dependence=False))
    finally:
        scratch.close()


def _series(store: Store, keys: frozenset[str], claims: dict[str, ClaimInfo]) -> list[ScoreFact]:
    """Every score that measures one of the quantities ``keys``: those whose metric's words name one, and those
    with no metric on a benchmark whose name names one."""
    benchmarks = {r["b"].value: r["label"].value for r in _query(store, "conflict-benchmark-labels")}  # type: ignore[index]
    metrics = {r["m"].value: r["label"].value for r in _query(store, "conflict-metric-labels")}  # type: ignore[index]
    candidates = {b for b, label in benchmarks.items() if score_measures("", label, keys)}
    for r in _query(store, "conflict-metric-benchmarks"):
        if score_measures(_metric_words(_metric(r), metrics), "", keys):
            candidates.add(r["benchmark"].value)  # type: ignore[index]
    labels = {**benchmarks, **metrics}
    if not candidates:
        return []
    return [s for s in _scores(store, Scope(frozenset(candidates)), claims) if measured(s, keys, labels)]


class FactCache:
    """Every fact of the store, indexed by scope, as of one store generation: what a check reads instead of
    querying the store, so that checking a claim costs what its scopes hold, not a scan."""

    def __init__(self, facts: FactSet) -> None:
        self.claims = dict(facts.claims)
        self.labels = dict(facts.labels)
        self.scores: dict[str, list[ScoreFact]] = {}
        self.comparisons: dict[str, list[ComparisonFact]] = {}
        self.propositions: dict[str, list[PropositionFact]] = {}
        self.trends = list(facts.trends)
        self.dependences = list(facts.dependences)
        self._metrics: dict[str, set[str]] = {}  # the metrics each benchmark has had scores in (a superset)
        self._add(facts)

    def _add(self, facts: FactSet) -> None:
        for s in facts.scores:
            self.scores.setdefault(s.benchmark, []).append(s)
            self._metrics.setdefault(s.benchmark, set()).add(s.metric)
        for c in facts.comparisons:
            key = f"benchmark {c.benchmark}" if c.benchmark else f"domain {c.domain}"
            self.comparisons.setdefault(key, []).append(c)
        for p in facts.propositions:
            self.propositions.setdefault(p.about, []).append(p)

    def replace(self, scope: Scope, facts: FactSet) -> None:
        """Put ``facts`` (everything the store holds in ``scope``, freshly read) in place of what the cache held
        in that scope."""
        for benchmark in scope.benchmarks or ():
            self.scores.pop(benchmark, None)
            self.comparisons.pop(f"benchmark {benchmark}", None)
        for domain in scope.domains or ():
            self.comparisons.pop(f"domain {domain}", None)
        for subject in scope.subjects or ():
            self.propositions.pop(subject, None)
        if scope.trends:
            self.trends = list(facts.trends)
        if scope.dependence:
            self.dependences = list(facts.dependences)
        self._add(facts)
        # new dicts, not updated ones: a check may be reading the old ones (FactSet.merge iterates them)
        self.claims = {**self.claims, **facts.claims}
        self.labels = {**self.labels, **facts.labels}

    def swap(self, scope: Scope, removed: set[str], added: FactSet, superseded: Iterable[str] = ()) -> None:
        """Take out the statements of the claims in ``removed`` (all within ``scope``), put in ``added``, and mark
        the claims in ``superseded`` as no longer standing: what an ingest changed, without reading the rest."""
        if removed:
            for benchmark in scope.benchmarks or ():
                if benchmark in self.scores:
                    self.scores[benchmark] = [s for s in self.scores[benchmark] if s.claim not in removed]
                key = f"benchmark {benchmark}"
                if key in self.comparisons:
                    self.comparisons[key] = [c for c in self.comparisons[key] if c.claim not in removed]
            for domain in scope.domains or ():
                key = f"domain {domain}"
                if key in self.comparisons:
                    self.comparisons[key] = [c for c in self.comparisons[key] if c.claim not in removed]
            for subject in scope.subjects or ():
                if subject in self.propositions:
                    self.propositions[subject] = [p for p in self.propositions[subject] if p.claim not in removed]
            self.trends = [t for t in self.trends if t.claim not in removed]
            for claim in removed:
                self.claims.pop(claim, None)
        self._add(added)
        self.trends += added.trends
        self.claims.update(added.claims)
        self.labels.update(added.labels)
        for claim in superseded:
            info = self.claims.get(claim)
            if info is not None and info.withdrawn is None:
                self.claims[claim] = ClaimInfo(info.iri, info.dossier, info.stance, info.date, "superseded")

    def facts(self, scope: Scope) -> FactSet:
        """The facts of ``scope`` (which must name its benchmarks, domains and subjects)."""
        scores = [s for b in sorted(scope.benchmarks or ()) for s in self.scores.get(b, [])]
        comparisons = [c for b in sorted(scope.benchmarks or ()) for c in self.comparisons.get(f"benchmark {b}", [])]
        comparisons += [c for d in sorted(scope.domains or ()) for c in self.comparisons.get(f"domain {d}", [])]
        propositions = [p for a in sorted(scope.subjects or ()) for p in self.propositions.get(a, [])]
        trends = self.trends if scope.trends else []
        series = self.series(trend_quantities(trends), scope.benchmarks or frozenset()) \
            if trends and scope.series else []
        dependences = self.dependences if scope.dependence else []
        claims = {s.claim for items in (scores, comparisons, propositions, trends, series) for s in items}
        claims |= {d.claim for d in dependences} | {d.target_claim for d in dependences if d.target_claim}
        return FactSet(scores, comparisons, propositions, trends, dependences,
                       {c: self.claims[c] for c in claims if c in self.claims}, self.labels, series)

    def series(self, keys: frozenset[str], besides: frozenset[str] = frozenset()) -> list[ScoreFact]:
        """The scores, on benchmarks other than ``besides``, that measure one of the quantities ``keys``."""
        out = []
        for benchmark, metrics in sorted(self._metrics.items()):
            if benchmark in besides or not any(score_measures(_metric_words(m, self.labels),
                                                              self.labels.get(benchmark, ""), keys) for m in metrics):
                continue
            out += [s for s in self.scores.get(benchmark, []) if measured(s, keys, self.labels)]
        return out
