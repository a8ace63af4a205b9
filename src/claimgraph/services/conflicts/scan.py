"""Every statement the detectors read, for the whole store, a statement's properties read together.

The named queries ``conflict-scores``, ``conflict-comparisons``, ``conflict-comparisons-domain``,
``conflict-propositions`` and ``conflict-trends`` join each statement to its claim and to each of a score's twenty
optional properties. Bound to one benchmark they read what it holds; over the whole store (what ``serve`` and
``mcp`` read as they start) the engine looks each of those properties up on its own, statement by statement: at
1M claims that took 325–680 s in three runs (323–418 s of it CPU).

:class:`StatementRows` gives the same rows with a few queries: the dossier, stance, dates and standing of every
claim (one query, held by claim), then for each kind of statement every property the detectors read, as
``?s ?p ?o`` (one seek per statement, its properties read in a row), turned into rows here: 322–439 s at 1M
(286–305 s of CPU: the engine's reads are most of it), 0.70 of the queries' time at 10k (``bench/conflicts.py``).
The rows are those the queries give: a dictionary each, ``None`` for what is unbound, the first value kept where a
statement has several (as the queries' first row is). A test holds them to the queries' on a generated store and
on odd data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

from pyoxigraph import NamedNode

from claimgraph.namespaces import CG, DCTERMS, OA, PREFIXES
from claimgraph.store import Store
from claimgraph.store.base import Term

__all__ = ["Row", "StatementRows", "Scattered"]

#: The properties of a claim the queries read, by the variable each binds.
_CLAIM = {CG.inDossier: "dossier", CG.stance: "stance", DCTERMS.created: "created", CG.latestAction: "action",
          DCTERMS.isReplacedBy: "replaced"}


@dataclass(frozen=True)
class _Kind:
    """A kind of statement: its class, the variable its query binds the statement to, its properties by the
    variable each binds, and which of those must be bound."""

    kind: NamedNode
    key: str
    properties: dict[NamedNode, str]
    required: tuple[str, ...]


_SCORE = _Kind(CG.Score, "score", {
    CG.benchmark: "benchmark", CG.assertedBy: "claim", CG.model: "model", CG.metric: "metric",
    CG.metricLabel: "metricLabel", CG.value: "value", CG.unit: "unit", CG.rank: "rank", CG.setting: "setting",
    CG.shots: "shots", CG.chainOfThought: "cot", CG.judge: "judge", CG.benchmarkVersion: "version",
    CG.harness: "harness", CG.subset: "subset", CG.aggregation: "aggregation", CG.toolUse: "tools",
    CG.superlative: "superlative"}, ("benchmark", "claim", "model"))
_COMPARISON = _Kind(CG.Comparison, "comparison", {
    CG.benchmark: "benchmark", CG.domain: "domain", CG.assertedBy: "claim", CG.model: "model",
    CG.comparedWith: "other", CG.direction: "direction"}, ("claim", "model", "other", "direction"))
_PROPOSITION = _Kind(CG.Proposition, "statement", {
    CG.about: "about", CG.propertyText: "property", CG.polarity: "polarity", CG.assertedBy: "claim"},
    ("about", "property", "polarity", "claim"))
_TREND = _Kind(CG.Trend, "statement", {
    CG.xQuantity: "x", CG.yQuantity: "y", CG.sign: "sign", CG.assertedBy: "claim"}, ("x", "y", "sign", "claim"))


class Row(dict[str, Term | None]):
    """A row as a query's solution reads: ``row[name]``, ``None`` when unbound."""

    def __missing__(self, name: str) -> None:
        return None


class Scattered(Exception):
    """The engine did not give each statement's properties together: the rows cannot be made this way."""


class StatementRows:
    """The rows of the statement queries over the whole store. The claims are read when first needed and held
    until this is let go; each kind's rows are read as they are taken."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._claims: dict[Term, dict[str, Term]] | None = None
        self._lower: dict[Term, Term] | None = None

    def release(self) -> None:
        """Let go of the claims' columns (read again if rows are asked for after this)."""
        self._claims = self._lower = None

    def scores(self) -> Iterator[Row]:
        """The rows of ``conflict-scores``."""
        if self._lower is None:
            self._lower = {}
            for r in self.store.query("SELECT ?s ?o WHERE { ?s cg:lowerIsBetter ?o }", prefixes=PREFIXES):  # type: ignore[union-attr]
                self._lower.setdefault(r[0], r[1])  # type: ignore[index]
        for row in self._rows(_SCORE):
            metric = row["metric"]
            lower = self._lower.get(metric) if metric is not None else None
            if lower is None:
                lower = self._lower.get(row["benchmark"])
            if lower is not None:
                row["lower"] = lower
            yield row

    def comparisons(self) -> Iterator[Row]:
        """The rows of ``conflict-comparisons`` and ``conflict-comparisons-domain`` (each comparison in one of
        them: with a benchmark, its domain unbound; else with a domain)."""
        for row in self._rows(_COMPARISON):
            if row["benchmark"] is not None:
                row.pop("domain", None)
                yield row
            elif row["domain"] is not None:
                yield row

    def propositions(self) -> Iterator[Row]:
        return self._rows(_PROPOSITION)

    def trends(self) -> Iterator[Row]:
        return self._rows(_TREND)

    def _claim_columns(self) -> dict[Term, dict[str, Term]]:
        """Each claim's columns (a claim with no dossier has none). Equal values are one object, and claims with
        the same columns share one dictionary: a million claims have a few thousand dossiers, stances and dates."""
        if self._claims is None:
            shared: dict[object, object] = {}
            found: dict[Term, tuple[Term, ...]] = {}  # a claim's predicates and values, in turn
            predicates = ", ".join(f"<{p.value}>" for p in _CLAIM)
            query = f"SELECT ?s ?p ?o WHERE {{ ?s cg:inDossier ?d ; ?p ?o FILTER(?p IN ({predicates})) }}"
            for claim, predicate, value in self.store.query(query, prefixes=PREFIXES):  # type: ignore[union-attr, misc]
                held = found.get(claim, ())
                if predicate not in held[::2]:  # the first value of each
                    found[claim] = held + (shared.setdefault(predicate, predicate), shared.setdefault(value, value))
            for claim, held in found.items():  # in place: a second dictionary of a million claims is memory
                columns = {_CLAIM[p]: v for p, v in zip(held[::2], held[1::2], strict=True)}  # type: ignore[index]
                found[claim] = shared.setdefault(held, columns)  # type: ignore[assignment]
            self._claims = found  # type: ignore[assignment]
        return self._claims

    def _rows(self, kind: _Kind) -> Iterator[Row]:
        """Each statement of ``kind`` with its properties, its text (``exact``) and its claim's columns, when
        it has what the query requires."""
        claims = self._claim_columns()
        names = {**kind.properties, OA.exact: "exact"}
        predicates = ", ".join(f"<{p.value}>" for p in kind.properties)
        # a statement's rows come together: for each statement of the kind, both sides of the union in turn
        query = (f"SELECT ?s ?p ?o WHERE {{ ?s a <{kind.kind.value}> . "
                 f"{{ ?s ?p ?o FILTER(?p IN ({predicates})) }} UNION "
                 f"{{ ?s oa:hasSelector/oa:exact ?o BIND(oa:exact AS ?p) }} }}")
        done: set[int] = set()  # the hashes of the statements read: a collision only costs reading by query
        for subject, solutions in groupby(self.store.query(query, prefixes=PREFIXES), key=lambda r: r[0]):  # type: ignore[arg-type, index]
            if hash(subject) in done:
                raise Scattered(f"the properties of {subject} came in two runs")
            done.add(hash(subject))
            held: dict[str, Term] = {}
            for r in solutions:
                held.setdefault(names[r[1]], r[2])  # type: ignore[index]
            row = self._row(kind, subject, held, claims)
            if row is not None:
                yield row

    @staticmethod
    def _row(kind: _Kind, subject: Term, held: dict[str, Term], claims: dict[Term, dict[str, Term]],
             ) -> Row | None:
        if any(name not in held for name in kind.required):
            return None
        claim = claims.get(held["claim"])
        if claim is None:  # ?claim cg:inDossier ?dossier
            return None
        row = Row(held)
        row[kind.key] = subject
        row.update(claim)
        return row
