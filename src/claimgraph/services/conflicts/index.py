"""The conflicts graph: detected conflicts kept as data, updated scope by scope, listed with filters.

The graph ``…/id/graph/conflicts`` holds every current conflict and one ``cg:ConflictReport`` node that
records the tolerances they were computed with. An ingest recomputes only the scopes its dossiers touch
(before and after the write); :meth:`ConflictIndex.recompute` with no scopes recomputes everything, and
both give the same graph (a test holds them to it). Every rewrite of the graph is one atomic
``replace_graphs``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.errors import UsageError
from claimgraph.model import iris
from claimgraph.namespaces import CG, DATA, PREFIXES, RDF, XSD
from claimgraph.services.conflicts.comparability import Tolerance
from claimgraph.services.conflicts.conflict import SEVERITIES, TYPES, Conflict
from claimgraph.services.conflicts.detectors import detect
from claimgraph.services.conflicts.facts import FactCache, FactSet, Scope, graphs_copy, labelled, load_facts
from claimgraph.store import Store

__all__ = ["ConflictIndex", "ConflictFilter", "Change", "REPORT"]

#: Benchmark statements a recomputation reads at once, at most (a benchmark with more is read alone).
PART_STATEMENTS = 50_000

#: The node that describes the conflicts graph as a whole.
REPORT = NamedNode(DATA.iri + "conflicts")


@dataclass(frozen=True)
class Change:
    """What an ingest wrote: the claims whose graphs it replaced, the graphs it wrote, and the claims that the
    new ones say they supersede; and, when they are known already, the facts of what it wrote (else they are
    read from the graphs it wrote)."""

    removed: set[str]
    graphs: list[NamedNode]
    superseded: set[str]
    facts: FactSet | None = None


@dataclass(frozen=True)
class ConflictFilter:
    type: str | None = None
    severity: str | None = None
    claim: str | None = None  # IRI of a claim the conflict involves
    entity: str | None = None  # IRI of an entity an involved claim mentions or depends on

    def check(self) -> None:
        if self.type is not None and self.type not in TYPES:
            raise UsageError(f"unknown conflict type {self.type!r}; expected one of {', '.join(TYPES)}")
        if self.severity is not None and self.severity not in SEVERITIES:
            raise UsageError(f"unknown severity {self.severity!r}; expected one of {', '.join(SEVERITIES)}")


class ConflictIndex:
    """The conflicts of one store. Writers must hold the store's write lock."""

    def __init__(self, store: Store, tolerance: Tolerance | None = None) -> None:
        self.store = store
        self.tolerance = tolerance or Tolerance()
        # every fact of the store as of one generation, kept up to date by the recomputations; None until
        # the first full one, or after a write that did not go through them
        self._cache: FactCache | None = None
        self._cache_generation = -1
        self._cache_follows = False  # whether an ingest in progress started from a valid cache
        self._listed: tuple[int, list[Conflict]] = (-1, [])  # the conflicts held, as of a generation
        self._started_empty = False  # whether the store held no fact when the write in progress began

    # -- writing ------------------------------------------------------------------------------------

    def recompute(self, scopes: Iterable[str] | None = None, *, changed: Change | None = None) -> list[Conflict]:
        """Recompute the conflicts of ``scopes`` (every scope when None) and store them; returns the
        conflicts now held in those scopes. ``changed`` (from an ingest) says which claims were taken out and
        which graphs were written: with a cache that follows the store, only those graphs are read."""
        wanted = None if scopes is None else set(scopes)
        follows = self._cache is not None and (self._cache_follows or self._cache_generation == self.store.generation)
        if not follows and self._started_empty and changed is not None:
            # the store held no fact before this ingest: the facts of what it wrote are all there are (not when it
            # wrote too much to follow: then they are read back a part at a time, memory holding one part)
            self._cache, follows = FactCache(FactSet()), True
        self._started_empty = False
        if wanted is not None and changed is not None and follows:
            assert self._cache is not None
            scope = Scope.of(wanted)
            if changed.facts is not None:
                added = labelled(changed.facts, self.store)
            else:
                written = graphs_copy(self.store, changed.graphs + [iris.VOCABULARY_GRAPH])
                try:
                    added = load_facts(written, replace(scope, benchmarks=None, domains=None, subjects=None,
                                                        dependence=False), label_store=self.store)
                finally:
                    written.close()
            self._cache.swap(scope, changed.removed, added, changed.superseded)
            facts = self._cache.facts(replace(scope, dependence=False))
            if scope.dependence:
                held = load_facts(self.store, Scope(frozenset(), frozenset(), frozenset(), False, True))
                facts.dependences, self._cache.dependences = held.dependences, list(held.dependences)
                facts.claims.update(held.claims)
            fresh = [c for c in detect(facts, self.tolerance) if c.scope in wanted]
        else:
            # read and detected a part at a time: memory holds one part's facts, not all of them, unless a
            # cache of them all is kept: a full recomputation keeps one for a store read in one part, and
            # rebuilds one that existed (a server's, see warm)
            parts = self._parts(wanted)
            cache = FactCache(FactSet()) if wanted is None and (self._cache is not None or len(parts) == 1) else \
                self._cache if follows else None
            fresh = []
            for part in parts:
                part_facts = load_facts(self.store, Scope.of(part))
                fresh += [c for c in detect(part_facts, self.tolerance) if c.scope in part]
                if cache is not None:
                    cache.replace(Scope.of(part), part_facts)
                del part_facts
        held = set(self.store.quads(iris.CONFLICTS_GRAPH))
        kept = {q for q in held if q.subject != REPORT} if wanted is not None else set()
        if wanted is not None:
            gone = {q.subject for q in kept if q.predicate == CG.conflictScope and q.object.value in wanted}
            kept = {q for q in kept if q.subject not in gone}
        target = kept | self.store.held_form([q for c in fresh for q in c.quads()] + self._report_quads())
        self.store.change_quads(held - target, target - held)  # only what changed: most of it rarely does
        if wanted is None or not follows:
            self._cache = cache
        # else: swapped or replaced above
        self._cache_follows = False
        self._cache_generation = self.store.generation
        # the list pages read, made now rather than by the first request after this write
        self._all()
        return fresh

    def _parts(self, scopes: set[str] | None) -> list[set[str]]:
        """``scopes`` (every scope of the store when None) in the parts a recomputation reads one at a time:
        benchmarks together up to about :data:`PART_STATEMENTS` statements (a leaderboard's hundreds of
        thousands of scores are the bulk of what there is to read), the other scopes with the last part. A
        conflict of a scope depends only on the facts of that scope, so the parts give what the whole would;
        a small store is one part."""
        count = "SELECT ?b (COUNT(*) AS ?n) WHERE { ?s cg:benchmark ?b } GROUP BY ?b"
        if scopes is None:
            sizes = {f"benchmark {r['b'].value}": int(r["n"].value)  # type: ignore[index]
                     for r in self.store.query(count, prefixes=PREFIXES)}  # type: ignore[union-attr]
            rest = {"trends", "dependence"}
            rest |= {f"domain {r['d'].value}" for r in self.store.query(  # type: ignore[index, union-attr]
                "SELECT DISTINCT ?d WHERE { ?s cg:domain ?d }", prefixes=PREFIXES)}
            rest |= {f"proposition {r['a'].value}" for r in self.store.query(  # type: ignore[index, union-attr]
                "SELECT DISTINCT ?a WHERE { ?s cg:about ?a }", prefixes=PREFIXES)}
        else:
            benchmarks = sorted(s for s in scopes if s.startswith("benchmark "))
            sizes = {b: 0 for b in benchmarks}
            if len(benchmarks) > 1:
                for b in benchmarks:
                    for r in self.store.query(count, substitutions={"b": NamedNode(b.partition(" ")[2])},
                                              prefixes=PREFIXES):  # type: ignore[union-attr]
                        sizes[b] = int(r["n"].value)  # type: ignore[index]
            rest = scopes.difference(benchmarks)
        parts: list[set[str]] = []
        part: set[str] = set()
        size = 0
        for scope in sorted(sizes):
            if part and size + sizes[scope] > PART_STATEMENTS:
                parts.append(part)
                part, size = set(), 0
            part.add(scope)
            size += sizes[scope]
        parts.append(part | rest)
        return [p for p in parts if p]

    def held_facts(self, scope: Scope) -> FactSet:
        """The facts the store holds in ``scope``: from the cache when it is as new as the store, else read (a
        one-off check reads its scopes only; long-running servers :meth:`warm` the cache once)."""
        if self._cache is not None and self._cache_generation == self.store.generation:
            return self._cache.facts(scope)
        return load_facts(self.store, scope)

    def warm(self, facts: FactSet | None = None) -> None:
        """Read every fact into the cache (the HTTP and MCP servers do it once at start; after that the
        recomputations keep it up to date), or take ``facts``, every fact of the store as it is now (kept from a
        server's last run: see :mod:`.kept`)."""
        generation = self.store.generation
        facts = facts if facts is not None else load_facts(self.store)
        if self.store.generation == generation:
            self._cache, self._cache_generation = FactCache(facts), generation

    def whole_cache(self) -> FactCache | None:
        """The cache of every fact, if it is as new as the store (what a server keeps as it stops)."""
        return self._cache if self._cache is not None and self._cache_generation == self.store.generation else None

    def current(self) -> bool:
        """Whether the conflicts graph exists and was computed with these tolerances."""
        held = set(self.store.match(REPORT, None, None, iris.CONFLICTS_GRAPH))
        return held == self.store.held_form(self._report_quads())

    def invalidate(self) -> bool:
        """Mark the conflicts graph as not current before a write that will change what it is computed from,
        so that a crash between that write and :meth:`recompute` leaves a graph that the next reader recomputes
        instead of trusting. Returns whether it was current. The caller holds the write lock.

        A store that holds no statement and no dependence has no conflict, whatever its conflicts graph says:
        its graph is emptied (report included, so still not current) and its facts known to be none, so that
        the first ingest into it that follows what it writes takes the facts of that as all there are instead of
        reading everything back; that counts as current."""
        if not any(True for p in (CG.assertedBy, CG.dependsOn) for _ in self.store.match(None, p, None)):
            self.store.change_quads(list(self.store.quads(iris.CONFLICTS_GRAPH)), [])
            self._started_empty = True
            return True
        self._started_empty = False
        was = self.current()
        self._cache_follows = was and self._cache is not None and self._cache_generation == self.store.generation
        if was:
            self.store.change_quads(list(self.store.match(REPORT, None, None, iris.CONFLICTS_GRAPH)), [])
        return was

    def ensure_current(self) -> bool:
        """Recompute everything if the conflicts graph is missing or was computed with other tolerances
        (a store from an older claimgraph, or a changed setting). Returns whether it recomputed."""
        if self.current():
            return False
        with self.store.write_lock:
            if not self.current():
                self.recompute()
        return True

    def _report_quads(self) -> list[Quad]:
        g = iris.CONFLICTS_GRAPH
        return [Quad(REPORT, RDF.type, CG.ConflictReport, g),
                Quad(REPORT, CG.absoluteTolerance, _decimal(self.tolerance.absolute), g),
                Quad(REPORT, CG.relativeTolerance, _decimal(self.tolerance.relative), g)]

    def _held(self) -> dict[NamedNode, list[Quad]]:
        held: dict[NamedNode, list[Quad]] = {}
        for q in self.store.quads(iris.CONFLICTS_GRAPH):
            held.setdefault(q.subject, []).append(q)  # type: ignore[arg-type]
        return held

    # -- reading ------------------------------------------------------------------------------------

    def conflicts(self, where: ConflictFilter | None = None) -> list[Conflict]:
        """The conflicts held, filtered, ordered by type, severity and IRI."""
        where = where or ConflictFilter()
        where.check()
        entity_claims: set[str] | None = None
        if where.entity is not None:
            rows = self.store.query("SELECT ?claim ?e WHERE { ?claim cg:mentions|cg:dependsOn ?e }",
                                    substitutions={"e": NamedNode(where.entity)}, prefixes=PREFIXES)
            entity_claims = {row["claim"].value for row in rows}  # type: ignore[union-attr,index]
        out = []
        for conflict in self._all():
            if where.type and conflict.type != where.type or where.severity and conflict.severity != where.severity:
                continue
            if where.claim and where.claim not in conflict.claims:
                continue
            if entity_claims is not None and not entity_claims.intersection(conflict.claims):
                continue
            out.append(conflict)
        return out

    def _all(self) -> list[Conflict]:
        """Every conflict held, ordered by type, severity and IRI (read once per store generation)."""
        generation, listed = self._listed
        if generation == self.store.generation:
            return listed
        generation = self.store.generation
        found = [c for node, quads in self._held().items() if node != REPORT for c in [_conflict(quads)] if c]
        found.sort(key=lambda c: (TYPES.index(c.type) if c.type in TYPES else len(TYPES),
                                  SEVERITIES.index(c.severity) if c.severity in SEVERITIES else 3, c.iri.value))
        self._listed = (generation, found)
        return found

    def evidence_facts(self, conflicts: list[Conflict]) -> FactSet:
        """The facts behind ``conflicts``, to show their evidence with values, labels and dates."""
        if not conflicts:
            return FactSet()
        return self.held_facts(Scope.of({c.scope for c in conflicts}))


def _decimal(value: Decimal) -> Literal:
    return Literal(format(value.normalize(), "f"), datatype=XSD.decimal)


def _conflict(quads: list[Quad]) -> Conflict | None:
    one: dict[NamedNode, str] = {}
    claims, evidence = [], []
    for q in quads:
        if q.predicate == CG.involves:
            claims.append(q.object.value)
        elif q.predicate == CG.evidence:
            evidence.append(q.object.value)
        elif q.predicate in (CG.conflictType, CG.severity, CG.explanation, CG.conflictScope):
            one[q.predicate] = q.object.value
    if CG.conflictType not in one:
        return None
    return Conflict(one[CG.conflictType], tuple(sorted(claims)), tuple(sorted(evidence)),
                    one.get(CG.explanation, ""), one.get(CG.severity, "medium"), one.get(CG.conflictScope, ""))
