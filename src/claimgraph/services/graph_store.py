"""The Graph Store HTTP Protocol's operations over a store, without the HTTP: read a graph, replace it,
merge into it, drop it; and the payloads it accepts (RDF documents, multipart/form-data of them)."""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Iterable

import pyoxigraph as ox
from pyoxigraph import DefaultGraph, NamedNode, Quad

from claimgraph.errors import InputError, UnsupportedMediaType
from claimgraph.services.protocol import RDF_PAYLOAD_TYPES
from claimgraph.store import Store
from claimgraph.store.base import GraphName

__all__ = ["parse_payload", "put_graph", "post_graph", "delete_graph", "graph_triples"]

_BY_EXTENSION = {"ttl": "text/turtle", "nt": "application/n-triples", "rdf": "application/rdf+xml",
                 "owl": "application/rdf+xml", "jsonld": "application/ld+json", "n3": "text/n3"}


def _media(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        raise UnsupportedMediaType("the payload has no Content-Type")
    media, _, rest = content_type.partition(";")
    params = {}
    for part in rest.split(";"):
        key, _, value = part.partition("=")
        if key.strip():
            params[key.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), params


def parse_payload(body: bytes, content_type: str | None, graph: GraphName, base_iri: str | None) -> list[Quad]:
    """The triples of an RDF payload (or of each part of a multipart/form-data payload), as quads of ``graph``."""
    media, params = _media(content_type)
    if media == "multipart/form-data":
        return _multipart(body, content_type or "", graph, base_iri)
    if media not in RDF_PAYLOAD_TYPES:
        raise UnsupportedMediaType(f"cannot read {media}; send one of {', '.join(sorted(RDF_PAYLOAD_TYPES))}")
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"RDF payloads must be UTF-8, not {charset}")
    fmt = RDF_PAYLOAD_TYPES[media]
    if fmt.supports_datasets:
        raise UnsupportedMediaType(f"{media} holds named graphs; a single graph is sent as Turtle, N-Triples, "
                                   "RDF/XML or JSON-LD")
    try:
        triples = ox.parse(body, format=fmt, base_iri=base_iri, rename_blank_nodes=True)
        return [Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    except SyntaxError as exc:
        raise InputError(f"the {media} payload does not parse: {' '.join(str(exc).split())}") from None
    except ValueError as exc:
        raise InputError(f"the {media} payload is not valid: {exc}") from None


def _multipart(body: bytes, content_type: str, graph: GraphName, base_iri: str | None) -> list[Quad]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise InputError("the multipart/form-data payload has no parts")
    quads: list[Quad] = []
    for part in message.iter_parts():
        data = part.get_payload(decode=True) or b""
        part_type = part.get("Content-Type")
        if not part_type or part_type.lower().startswith("application/octet-stream"):
            extension = (part.get_filename() or "").rsplit(".", 1)[-1].lower()
            part_type = _BY_EXTENSION.get(extension)
        quads.extend(parse_payload(data, part_type, graph, base_iri))
    return quads


def graph_triples(store: Store, graph: GraphName) -> Iterable[ox.Triple]:
    return (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph))  # type: ignore[arg-type]


def put_graph(store: Store, graph: GraphName, quads: list[Quad]) -> bool:
    """Replace ``graph`` with ``quads`` in one transaction. Returns True if the graph was created."""
    with store.write_lock:
        created = not store.has_graph(graph)
        store.replace_graphs([graph], quads)
        if isinstance(graph, NamedNode) and not quads:
            store.create_graph(graph)
    return created


def post_graph(store: Store, graph: GraphName, quads: list[Quad]) -> bool:
    """Merge ``quads`` into ``graph`` in one transaction. Returns True if the graph was created."""
    with store.write_lock:
        created = not store.has_graph(graph)
        store.add_quads(quads)
        if isinstance(graph, NamedNode) and not quads and created:
            store.create_graph(graph)
    return created


def delete_graph(store: Store, graph: GraphName) -> bool:
    """Drop ``graph`` (clear the default graph). Returns False if there was no such graph."""
    with store.write_lock:
        if not isinstance(graph, DefaultGraph) and not store.has_graph(graph):
            return False
        store.drop_graph(graph)
    return True


