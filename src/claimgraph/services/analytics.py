"""The claims graph for graph tools: claims, models, methods, benchmarks, organisations and events as typed,
labelled nodes; what links them (mentions, depends on, trained with, presented at …) and the conflicts between
claims as labelled edges. Built with networkx, exported as GraphML, GEXF, node-link JSON, Cytoscape JSON or DOT,
and analysed: which entities carry the most claims, and which claims fall if something is withdrawn.

A whole graph is built only up to ``MAX_NODES`` nodes; beyond that, ask for the neighbourhood of an entity
(``around`` + ``depth``), which is read by following links out from it, never by reading everything.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any, BinaryIO

import networkx as nx
from pyoxigraph import NamedNode

from claimgraph.errors import InputError, UsageError
from claimgraph.model.extraction import FACT_RELATIONS
from claimgraph.namespaces import CG, PREFIXES, RDF, RDFS
from claimgraph.services import graph_formats
from claimgraph.services.catalog import local_path
from claimgraph.services.citations import claims_depending_on
from claimgraph.services.export import GRAPH_FORMATS
from claimgraph.services.graph_formats import cytoscape_elements
from claimgraph.services.sparql import named_query
from claimgraph.store import Store

__all__ = ["GraphFilter", "build_graph", "GRAPH_FORMATS", "write_graph", "write_whole_graph", "is_whole",
           "cytoscape_elements", "centrality", "impact", "MAX_NODES", "KINDS"]

MAX_NODES = 5000
KINDS = ("Claim", "Model", "Method", "Benchmark", "Organization", "Event", "Metric")
_LINKS = ("mentions", "dependsOn") + FACT_RELATIONS


@dataclass(frozen=True)
class GraphFilter:
    around: str | None = None  # an entity or claim IRI: its neighbourhood only
    depth: int = 1
    kinds: frozenset[str] | None = None  # node kinds to keep (claims are kept when they link kept nodes)
    stance: str | None = None
    dossier: str | None = None  # IRI
    benchmark: str | None = None  # IRI: only claims that mention or depend on it, and what they link


def _rows(store: Store, name: str, **bound: object) -> list[Any]:
    return list(store.query(named_query(name), substitutions=bound or None, prefixes=PREFIXES))  # type: ignore[arg-type]


def _kind(types: Iterable[str]) -> str | None:
    for kind in KINDS:
        if CG.iri + kind in types:
            return kind
    return None


class _Builder:
    def __init__(self, store: Store, limit: int | None = None) -> None:
        self.store = store
        self.limit = limit
        self.graph = nx.MultiDiGraph()
        # every node's attributes, read at once (read_all): kind, label, stance, dossier, review status
        self.drawn: dict[str, tuple[str, str, str | None, str | None, str | None]] | None = None

    def read_all(self) -> None:
        """Read the attributes of every node of a drawn kind at once, a scan for each (what :meth:`node` reads
        one node at a time with ``graph-node.rq``: a query a node took 30-40 s of a whole graph at 100k claims).
        Each node's are held as a tuple (see :func:`_attrs`), its equal values shared: a million nodes."""
        kinds: dict[str, int] = {}  # a node's kind, as its place in KINDS
        rank = {CG.iri + kind: i for i, kind in enumerate(KINDS)}
        types = " ".join("cg:" + kind for kind in KINDS)
        for r in self.store.query(f"SELECT ?node ?type WHERE {{ VALUES ?type {{ {types} }} ?node a ?type "
                                  "FILTER(isIRI(?node)) }", prefixes=PREFIXES):  # type: ignore[union-attr]
            node, kind = r["node"].value, rank[r["type"].value]  # type: ignore[index]
            if kind < kinds.get(node, len(KINDS)):
                kinds[node] = kind
        labels = self._least(RDFS.label, kinds)
        claims: dict[str, tuple[str, str, str]] = {}
        claim = KINDS.index("Claim")
        for r in self.store.query("SELECT ?node ?text ?stance ?dossier WHERE { ?node a cg:Claim ; cg:text ?text ; "
                                  "cg:stance ?stance ; cg:inDossier ?dossier }", prefixes=PREFIXES):  # type: ignore[union-attr]
            iri, held = r["node"].value, (r["text"].value, r["stance"].value, r["dossier"].value)  # type: ignore[index]
            if kinds.get(iri) == claim and (iri not in claims or held < claims[iri]):
                claims[iri] = held
        reviews = self._least(CG.reviewStatus, kinds)
        shared: dict[str, str] = {}  # one object for each stance, dossier and review status
        drawn: dict[str, tuple[str, str, str | None, str | None, str | None]] = {}
        for iri, kind in kinds.items():
            label = labels.get(iri, iri.rsplit("/", 1)[-1])
            stance = dossier = None
            if kind == claim:
                text, stance, dossier = claims.pop(iri, (label, "", ""))
                label = _short(text)
                stance, dossier = shared.setdefault(stance, stance), shared.setdefault(dossier, dossier)
            review = reviews.get(iri)
            if review is not None:
                review = shared.setdefault(review, review)
            drawn[iri] = (KINDS[kind], label, stance, dossier, review)
        self.drawn = drawn

    def _least(self, predicate: NamedNode, among: Mapping[str, object]) -> dict[str, str]:
        """The least value of ``predicate`` of each node in ``among`` that has one."""
        least: dict[str, str] = {}
        for q in self.store.match(None, predicate, None):
            iri = q.subject.value
            if iri in among and (iri not in least or q.object.value < least[iri]):
                least[iri] = q.object.value
        return least

    def _drawn(self, iri: str) -> bool:
        """Whether ``iri`` is of a kind drawn (what ``node`` would add), by its types alone."""
        try:
            node = NamedNode(iri)
        except ValueError:
            return False
        return _kind({q.object.value for q in self.store.match(node, RDF.type, None)}) is not None

    def node(self, iri: str) -> bool:
        """Add ``iri`` with its kind and label; False if it is none of the kinds drawn."""
        if iri in self.graph:
            return True
        if self.drawn is not None:
            held = self.drawn.get(iri)
            if held is not None:
                self.graph.add_node(iri, **_attrs(iri, held))
            return held is not None
        rows = _rows(self.store, "graph-node", node=NamedNode(iri))
        kind = _kind({r["type"].value for r in rows if r["type"] is not None})
        if kind is None:
            return False
        # where a node has several labels (texts, reviews), the least: the same whichever way it is read
        label = min((r["label"].value for r in rows if r["label"] is not None), default=iri.rsplit("/", 1)[-1])
        attrs: dict[str, Any] = {"kind": kind, "label": label, "iri": iri, "path": local_path(iri) or iri}
        if kind == "Claim":
            text, stance, dossier = min(((r["text"].value, r["stance"].value, r["dossier"].value) for r in rows
                                         if r["text"] is not None), default=(label, "", ""))
            attrs.update(stance=stance, dossier=dossier, label=_short(text))
        review = min((r["review"].value for r in rows if r["review"] is not None), default=None)
        if review is not None:
            attrs["review"] = review
        self.graph.add_node(iri, **attrs)
        return True

    def neighbours(self, iri: str, room: int | None = None) -> list[str]:
        """Add the links of ``iri`` (both ways) to nodes of a drawn kind; returns those nodes. With ``room``,
        raise UsageError before adding anything if they would add more nodes than that (counted by their types
        alone: a benchmark that 12,000 claims name is refused in a tenth of a second, not after reading each)."""
        found = []
        rows = [r for r in _rows(self.store, "graph-links", node=NamedNode(iri))
                if r["relation"].value.rsplit("#", 1)[-1] in _LINKS]
        if room is not None:
            new = {r["target"].value if r["source"].value == iri else r["source"].value for r in rows}
            new.difference_update(self.graph)
            if len(new) > room and sum(1 for other in new if self._drawn(other)) > room:
                raise UsageError(f"the neighbourhood has more than {self.limit} nodes; ask for less depth")
        for r in rows:
            relation = r["relation"].value.rsplit("#", 1)[-1]
            source, target = r["source"].value, r["target"].value
            other = target if source == iri else source
            if self.node(other):
                self.graph.add_edge(source, target, key=relation, label=relation)
                found.append(other)
        return found


def _attrs(iri: str, held: tuple[str, str, str | None, str | None, str | None]) -> dict[str, Any]:
    """A node's attributes, from what ``_Builder.read_all`` holds of it: as ``_Builder.node`` makes them."""
    kind, label, stance, dossier, review = held
    attrs: dict[str, Any] = {"kind": kind, "label": label, "iri": iri, "path": local_path(iri) or iri}
    if kind == "Claim":
        attrs.update(stance=stance, dossier=dossier)
    if review is not None:
        attrs["review"] = review
    return attrs


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _checked(where: GraphFilter | None) -> GraphFilter:
    """``where`` (everything by default), its depth checked."""
    where = where or GraphFilter()
    if where.depth < 0 or where.depth > 4:
        raise UsageError("depth must be between 0 and 4")
    return where


def is_whole(where: GraphFilter | None) -> bool:
    """Whether ``where`` selects the whole graph (UsageError for a depth out of bounds, as ``build_graph``)."""
    where = _checked(where)
    return where.around is None and where.kinds is None and not (where.stance or where.dossier or where.benchmark)


def build_graph(store: Store, where: GraphFilter | None = None, *,
                max_nodes: int | None = MAX_NODES) -> nx.MultiDiGraph:
    """The graph of claims and entities that ``where`` selects (everything by default), with conflicts between
    its claims as ``conflict`` edges. Raises UsageError past ``max_nodes`` nodes (ask for a neighbourhood): what
    a browser can draw; a file for a graph tool has no such bound (``max_nodes=None``)."""
    where = _checked(where)
    builder = _Builder(store, max_nodes)
    if where.around is not None:
        if not builder.node(where.around):
            raise InputError(f"nothing to draw around {where.around}: not a claim, model, method, benchmark, "
                             "organisation, event or metric the graph holds")
        frontier = [where.around]
        for _ in range(where.depth):
            step = []
            for node in frontier:
                room = None if max_nodes is None else max_nodes - builder.graph.number_of_nodes()
                step += builder.neighbours(node, room)
            frontier = list(dict.fromkeys(step))
    else:
        total = sum(int(r["n"].value) for r in _rows(store, "graph-size"))
        if max_nodes is not None and total > max_nodes:
            raise UsageError(f"the whole graph has {total} nodes, more than {max_nodes}: draw the neighbourhood of "
                             "an entity instead (around + depth)")
        builder.read_all()
        for source, target, relation in _all_links(store, builder.node):  # each node added as it is met
            builder.graph.add_edge(source, target, key=relation, label=relation)
        for r in _rows(store, "graph-entities"):
            builder.node(r["node"].value)
    graph = builder.graph
    _add_conflicts(store, graph)
    _filter(graph, where)
    return graph


def write_whole_graph(store: Store, fmt: str, output: BinaryIO) -> None:
    """The whole graph (what ``build_graph`` builds without a filter), written to ``output`` as its links are read:
    what is held is every node's attributes, not its links (networkx held 855 MB at 100k claims, where the
    nodes alone are a fraction of that). The links are read once, as they are written."""
    builder = _Builder(store)
    builder.read_all()
    drawn = builder.drawn or {}
    for iri in [iri for iri, held in drawn.items() if held[0] == "Metric" and not _linked(store, iri, drawn)]:
        del drawn[iri]  # a metric is drawn only when linked
    conflicted, conflicts = _conflicts(store, {n for n, held in drawn.items() if held[0] == "Claim"})

    def nodes() -> Iterator[tuple[str, dict[str, Any]]]:
        for iri, held in drawn.items():
            attrs = _attrs(iri, held)
            if iri in conflicted:
                attrs["conflicted"] = True
            yield iri, attrs

    edge_attrs = [{"label": ""}] + [attrs for _, _, _, attrs in conflicts]  # every attribute an edge has
    graph_formats.write_parts(fmt, output, nodes, lambda: chain(
        ((source, target, relation, {"label": relation})
         for source, target, relation in _all_links(store, drawn.__contains__)),
        conflicts), edge_attrs)


def _all_links(store: Store, drawn: Callable[[str], bool]) -> Iterator[tuple[str, str, str]]:
    """Every link of ``graph-all-links.rq`` between two nodes ``drawn`` says are drawn (source, target, relation),
    as it is read."""
    for r in store.query(named_query("graph-all-links"), prefixes=PREFIXES):  # type: ignore[union-attr]
        source, target = r["source"].value, r["target"].value  # type: ignore[index]
        if drawn(source) and drawn(target):
            yield source, target, r["relation"].value.rsplit("#", 1)[-1]  # type: ignore[index]


def _linked(store: Store, iri: str, drawn: Mapping[str, object]) -> bool:
    """Whether a link of ``graph-all-links.rq`` joins ``iri`` to a drawn node (a metric is drawn only then)."""
    node = NamedNode(iri)
    for relation in _LINKS:
        if any(isinstance(q.object, NamedNode) and q.object.value in drawn
               for q in store.match(node, CG[relation], None)):
            return True
        if any(q.subject.value in drawn for q in store.match(None, CG[relation], node)):
            return True
    return False


def _conflicts(store: Store, claims: set[str]) -> tuple[set[str], list[tuple[str, str, str, dict[str, Any]]]]:
    """The ``claims`` that a conflict involves, and an edge between each two of a conflict's claims, in order."""
    conflicted, edges = set(), []
    for r in _rows(store, "graph-conflicts"):
        involved = sorted(c for c in r["claims"].value.split(" ") if c in claims)
        conflicted.update(involved)
        edges += [(a, b, f"conflict {r['conflict'].value}", {"label": r["type"].value, "conflict": True,
                                                            "explanation": r["explanation"].value})
                  for a, b in zip(involved, involved[1:])]  # noqa: B905 - one shorter by design
    return conflicted, edges


def _add_conflicts(store: Store, graph: nx.MultiDiGraph) -> None:
    conflicted, edges = _conflicts(store, {n for n, d in graph.nodes(data=True) if d["kind"] == "Claim"})
    for claim in conflicted:
        graph.nodes[claim]["conflicted"] = True
    for a, b, key, attrs in edges:
        graph.add_edge(a, b, key=key, **attrs)


def _filter(graph: nx.MultiDiGraph, where: GraphFilter) -> None:
    def claim_ok(data: dict[str, Any], node: str) -> bool:
        if where.stance and data.get("stance") != where.stance:
            return False
        if where.dossier and data.get("dossier") != where.dossier:
            return False
        if where.benchmark and not graph.has_edge(node, where.benchmark):
            return False
        return True

    drop = [n for n, d in graph.nodes(data=True) if d["kind"] == "Claim" and not claim_ok(d, n)]
    if where.kinds is not None:
        drop += [n for n, d in graph.nodes(data=True) if d["kind"] != "Claim" and d["kind"] not in where.kinds
                 and n != where.around]
    graph.remove_nodes_from(drop)
    if where.stance or where.dossier or where.benchmark:
        # entities no kept claim links any more go too (the centre stays)
        orphans = [n for n, d in graph.nodes(data=True) if d["kind"] != "Claim" and n != where.around
                   and not any(graph.nodes[m]["kind"] == "Claim" for m in nx.all_neighbors(graph, n))]
        graph.remove_nodes_from(orphans)


def write_graph(graph: nx.MultiDiGraph, fmt: str, output: BinaryIO | None = None) -> bytes | None:
    """The graph in an exchange format graph tools read (Gephi, Cytoscape, networkx, Graphviz): written to
    ``output`` as it goes, or returned (see :mod:`.graph_formats`)."""
    if output is not None:
        graph_formats.write(graph, fmt, output)
        return None
    held = io.BytesIO()
    graph_formats.write(graph, fmt, held)
    return held.getvalue()


def centrality(store: Store, kind: str = "Benchmark", limit: int = 20) -> list[dict[str, Any]]:
    """The entities of ``kind`` that carry the most claims (claims that depend on or mention them)."""
    if kind not in KINDS or kind == "Claim":
        raise UsageError(f"kind must be one of {', '.join(k for k in KINDS if k != 'Claim')}")
    counts: dict[str, dict[str, int]] = {}
    for r in _rows(store, "entity-claim-counts", type=NamedNode(CG.iri + kind)):
        counts.setdefault(r["entity"].value, {"dependsOn": 0, "mentions": 0})[
            r["relation"].value.rsplit("#", 1)[-1]] = int(r["n"].value)
    out = []
    for iri, n in counts.items():
        label = next((q.object.value for q in store.match(NamedNode(iri), RDFS.label, None)), iri.rsplit("/", 1)[-1])
        out.append({"iri": iri, "path": local_path(iri), "label": label, "depending": n["dependsOn"],
                    "mentioning": n["mentions"]})
    out.sort(key=lambda e: (-e["depending"], -e["mentioning"], e["label"]))
    return out[:limit]


def impact(store: Store, target: str) -> list[str]:
    """The claims that would have to be re-examined if ``target`` (a benchmark, method, model or claim) were
    withdrawn: those that depend on it, and, transitively, those that depend on them."""
    return claims_depending_on(store, target, transitive=True)
