"""Running SPARQL for people and scripts: predeclared prefixes, result formats, a readable table.

Results are serialised in the same call (and thread) that ran the query: pyoxigraph results are bound
to the thread that made them, and ``serialize`` runs without the GIL.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from importlib import resources
from typing import BinaryIO

from pyoxigraph import (BlankNode, Literal, NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions,
                        QueryTriples, RdfFormat, Triple)

from claimgraph.errors import UsageError
from claimgraph.namespaces import PREFIXES, compact
from claimgraph.store import Store
from claimgraph.store.base import Term

__all__ = ["FORMATS", "run_query", "write_results", "named_query", "show_term"]

_SOLUTION_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "rdfxml": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
    "json": RdfFormat.JSON_LD,  # --format json of a CONSTRUCT gives JSON-LD
}
#: Every value ``claimgraph query --format`` accepts.
FORMATS = ("table", "json", "csv", "tsv", "xml", "turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld")


def named_query(name: str) -> str:
    """The text of ``services/queries/<name>.rq``."""
    return resources.files("claimgraph.services").joinpath("queries", f"{name}.rq").read_text(encoding="utf-8")


def run_query(store: Store, sparql: str, output: BinaryIO, fmt: str = "table", *,
              substitutions: Mapping[str, Term] | None = None) -> None:
    """Run ``sparql`` on ``store`` (union default graph, prefixes predeclared) and write it as ``fmt``."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    result = store.query(sparql, substitutions=substitutions, prefixes=PREFIXES)
    write_results(result, output, fmt)


def write_results(result: QuerySolutions | QueryBoolean | QueryTriples, output: BinaryIO, fmt: str) -> None:
    if isinstance(result, QueryBoolean):
        if fmt == "table":
            output.write(b"true\n" if bool(result) else b"false\n")
        elif fmt in _SOLUTION_FORMATS:
            result.serialize(output, _SOLUTION_FORMATS[fmt])
        else:
            raise UsageError(f"--format {fmt} is for graphs; an ASK answer is table, json, xml, csv or tsv")
    elif isinstance(result, QuerySolutions):
        if fmt == "table":
            variables = [v.value for v in result.variables]
            rows = [[show_term(row[v]) for v in variables] for row in result]
            output.write(_table(variables, rows).encode("utf-8"))
        elif fmt in _SOLUTION_FORMATS:
            result.serialize(output, _SOLUTION_FORMATS[fmt])
        else:
            raise UsageError(f"--format {fmt} is for graphs; SELECT results are table, json, xml, csv or tsv")
    else:
        if fmt == "table":
            rows = [[show_term(t.subject), show_term(t.predicate), show_term(t.object)] for t in result]
            output.write(_table(["subject", "predicate", "object"], rows).encode("utf-8"))
        elif fmt in _GRAPH_FORMATS:
            result.serialize(output, _GRAPH_FORMATS[fmt])
        else:
            raise UsageError(f"--format {fmt} is for SELECT results; a graph is table, turtle, ntriples, "
                             "nquads, trig, rdfxml or jsonld")


def show_term(term: object) -> str:
    """A term as a person reads it: prefixed IRIs, bare literal values."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return compact(term.value)
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        if term.language:
            return f"{term.value}@{term.language}"
        return term.value
    if isinstance(term, Triple):
        return f"<< {show_term(term.subject)} {show_term(term.predicate)} {show_term(term.object)} >>"
    return str(term)


_MAX_CELL = 80


def _table(header: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"

    body = [[cell(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    buf = io.StringIO()
    buf.write("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip() + "\n")
    buf.write("  ".join("-" * w for w in widths) + "\n")
    for row in body:
        buf.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
    buf.write(f"({len(body)} row{'s' if len(body) != 1 else ''})\n")
    return buf.getvalue()

