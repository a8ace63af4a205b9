"""SPARQL 1.1 Protocol semantics that do not depend on HTTP machinery: the media types offered for each
result kind, the dataset a request names, and applying ``using-graph-uri`` / ``using-named-graph-uri``
to an update (pyoxigraph's Python API has no dataset argument for updates, so the protocol's graphs are
written into the update as USING / USING NAMED clauses, which is what the protocol says they mean).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

from claimgraph.errors import InputError
from claimgraph.services.negotiation import best_match

__all__ = ["RESULT_TYPES", "GRAPH_TYPES", "DATASET_TYPES", "RDF_PAYLOAD_TYPES", "Dataset", "negotiate",
           "answer_format", "NotAcceptable", "apply_using", "absolute_iri", "content_type_of"]

#: SELECT / ASK results, in order of preference when the client accepts several equally.
RESULT_TYPES: dict[str, QueryResultsFormat] = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
    "application/json": QueryResultsFormat.JSON,
    "application/xml": QueryResultsFormat.XML,
    "text/xml": QueryResultsFormat.XML,
}
#: CONSTRUCT / DESCRIBE results and graph documents.
GRAPH_TYPES: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
    "text/plain": RdfFormat.N_TRIPLES,
}
#: Whole datasets (named graphs kept).
DATASET_TYPES: dict[str, RdfFormat] = {
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
}
#: RDF payloads accepted by the Graph Store Protocol and other uploads.
RDF_PAYLOAD_TYPES: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
    "text/n3": RdfFormat.N3,
}
_TEXT = {"text/csv", "text/tab-separated-values", "text/turtle", "text/plain", "text/xml"}


def content_type_of(media: str) -> str:
    """The Content-Type header for a chosen media type (text types say their charset)."""
    return f"{media}; charset=utf-8" if media in _TEXT else media


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a request names: ``default-graph-uri`` and ``named-graph-uri`` parameters."""

    default_graphs: tuple[str, ...] = field(default=())
    named_graphs: tuple[str, ...] = field(default=())

    @property
    def given(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


@functools.lru_cache(maxsize=256)  # clients send a handful of Accept headers, again and again
def negotiate(kind: str, accept: str | None) -> str | None:
    """The media type to answer with: ``kind`` is 'solutions', 'boolean' or 'graph'."""
    offers = list(GRAPH_TYPES) if kind == "graph" else list(RESULT_TYPES)
    if kind == "graph":
        offers.remove("text/plain")  # offered only when asked for by name
        offers.append("text/plain")
    return best_match(accept, offers)


class NotAcceptable(InputError):
    """The client accepts none of the media types a query's results are offered in (HTTP 406)."""


def answer_format(result: object, accept: str | None) -> tuple[str, QueryResultsFormat | RdfFormat]:
    """The media type and the serialisation to answer a query ``result`` with, as ``accept`` asks;
    NotAcceptable, naming what is offered, if it asks for none of them."""
    kind = ("boolean" if isinstance(result, QueryBoolean)
            else "solutions" if isinstance(result, QuerySolutions) else "graph")
    media = negotiate(kind, accept)
    if media is None:
        offered = ", ".join(GRAPH_TYPES if kind == "graph" else RESULT_TYPES)
        raise NotAcceptable(f"this query's results are offered as {offered}")
    return media, GRAPH_TYPES[media] if kind == "graph" else RESULT_TYPES[media]


def absolute_iri(value: str, what: str) -> str:
    """``value`` if it is an absolute IRI; InputError otherwise."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", value):
        raise InputError(f"{what} must be an absolute IRI, got {value!r}")
    return value


# -- USING injection --------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<long_string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<semicolon>;)
  | (?P<other>\S)
""", re.VERBOSE | re.DOTALL)


def apply_using(update: str, using: tuple[str, ...], using_named: tuple[str, ...]) -> str:
    """Write the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` into each DELETE/INSERT …
    WHERE operation of ``update`` as USING / USING NAMED clauses.

    Raises InputError if an operation already says USING, USING NAMED or WITH: the protocol forbids
    combining them with these parameters (SPARQL 1.1 Protocol §2.2.3).
    """
    if not using and not using_named:
        return update
    clause = " ".join([f"USING <{absolute_iri(g, 'using-graph-uri')}>" for g in using]
                      + [f"USING NAMED <{absolute_iri(g, 'using-named-graph-uri')}>" for g in using_named])
    inserts: list[int] = []
    depth = 0
    previous = ""
    for match in _TOKEN.finditer(update):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "word" and depth == 0 and previous != ":" and update[match.end():match.end() + 1] != ":":
            word = match.group().upper()
            if word in ("USING", "WITH"):
                raise InputError("the update names its own dataset (USING/WITH) and the request gives "
                                 "using-graph-uri/using-named-graph-uri as well: give one or the other")
            if word == "WHERE" and previous != "DELETE":
                inserts.append(match.start())
        if kind != "comment":
            previous = match.group().upper() if kind in ("word", "other") else kind or ""
    for position in reversed(inserts):
        update = update[:position] + clause + " " + update[position:]
    return update
