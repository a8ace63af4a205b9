"""Exporting the store, or one dossier, as N-Quads, TriG, Turtle or N-Triples (streamed to a file)."""

from __future__ import annotations

from typing import BinaryIO

from pyoxigraph import NamedNode, RdfFormat, Triple, serialize

from claimgraph.errors import InputError, UsageError
from claimgraph.model import iris
from claimgraph.namespaces import CG, PREFIXES, PROV, SERIALIZATION_PREFIXES
from claimgraph.services.sparql import named_query
from claimgraph.store import Store

__all__ = ["EXPORT_FORMATS", "GRAPH_FORMATS", "export", "resolve_dossier"]

EXPORT_FORMATS = {
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
}
#: the formats of graph tools (Gephi, Cytoscape, Graphviz) that ``analytics.write_graph`` writes
GRAPH_FORMATS = ("graphml", "gexf", "cytoscape", "nodelink", "dot")


def resolve_dossier(store: Store, name: str) -> NamedNode:
    """A dossier named by its IRI, its canonical path or its slug."""
    candidates = [name] if "://" in name else [
        iris.dossier_iri(name, name).value,
        iris.dossier_iri("/dossier/" + name.strip("/"), name).value,
    ]
    for candidate in candidates:
        node = NamedNode(candidate)
        if store.query("ASK { GRAPH ?g { ?d a cg:Dossier } }", substitutions={"d": node},
                       prefixes=PREFIXES, union=False):
            return node
    raise InputError(f"no dossier {name!r} in the store (give its IRI, canonical path or slug)")


def export(store: Store, output: BinaryIO, fmt: str = "nquads", dossier: str | None = None) -> None:
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    rdf_format = EXPORT_FORMATS[fmt]
    prefixes = SERIALIZATION_PREFIXES if rdf_format in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
    if dossier is None:
        store.dump(output, rdf_format, prefixes=prefixes)
        return
    node = resolve_dossier(store, dossier)
    graphs = [row["g"] for row in store.query(named_query("dossier-graphs"), substitutions={"d": node},
                                              union=False)]  # type: ignore[union-attr, index]
    quads = [q for g in graphs for q in store.quads(g)]
    quads += _authors(store, quads)
    if not rdf_format.supports_datasets:
        quads = list(dict.fromkeys(Triple(q.subject, q.predicate, q.object) for q in quads))  # type: ignore[misc]
    serialize(quads, output, rdf_format, prefixes=prefixes)



def _authors(store: Store, quads: list) -> list:  # type: ignore[type-arg]
    """The shared agents graph's statements about the dossier's authors (and what they point at, one hop)."""
    authors = {q.object for q in quads if q.predicate in (CG.authoredBy, PROV.wasAttributedTo)}
    found = [q for a in authors for q in store.match(a, None, None, iris.AGENTS_GRAPH)]
    linked = {q.object for q in found if isinstance(q.object, NamedNode)} - authors
    return found + [q for o in linked for q in store.match(o, None, None, iris.AGENTS_GRAPH)]
