"""SHACL validation of claimgraph data with pyshacl.

rdflib is used here and nowhere else in the model: the data arrives as pyoxigraph quads (or N-Quads
bytes), is merged into one rdflib graph (the union of its named graphs, as queries see it) and checked
against ``ontology/shapes.ttl``, with the ontology available for class hierarchy lookups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import rdflib
from pyoxigraph import Quad, RdfFormat, serialize

from claimgraph.namespaces import compact
from claimgraph.resources import ONTOLOGY_FILE, SHAPES_FILE, ontology_dir

__all__ = ["Violation", "ValidationReport", "Validator"]

_SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True, slots=True)
class Violation:
    focus: str
    path: str | None
    message: str
    severity: str  # "Violation", "Warning" or "Info"
    value: str | None
    shape: str | None

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.severity}: {self.focus}{where}: {self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    violations: tuple[Violation, ...]
    triples: int

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "Violation" for v in self.violations)


class Validator:
    """Validates data against the shipped shapes. Build once and reuse: the shapes are parsed once."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or ontology_dir()

    @cached_property
    def shapes(self) -> rdflib.Graph:
        return rdflib.Graph().parse(self.folder / SHAPES_FILE, format="turtle")

    @cached_property
    def ontology(self) -> rdflib.Graph:
        return rdflib.Graph().parse(self.folder / ONTOLOGY_FILE, format="turtle")

    def validate_quads(self, quads: Iterable[Quad]) -> ValidationReport:
        data = serialize([Quad(q.subject, q.predicate, q.object) for q in quads], format=RdfFormat.N_TRIPLES)
        return self.validate_ntriples(data or b"")

    def validate_ntriples(self, data: bytes) -> ValidationReport:
        graph = rdflib.Graph()
        graph.parse(data=data.decode("utf-8"), format="nt")
        return self.validate_graph(graph)

    def validate_graph(self, graph: rdflib.Graph) -> ValidationReport:
        from pyshacl import validate  # imported late: it is slow to import and only validation needs it

        _conforms, results, _text = validate(
            graph, shacl_graph=self.shapes, ont_graph=self.ontology, inference="none",
            advanced=True, allow_warnings=True,
        )
        return ValidationReport(tuple(_violations(results)), len(graph))


def _violations(results: rdflib.Graph) -> list[Violation]:
    out = []
    for result in results.subjects(rdflib.RDF.type, _SH.ValidationResult):
        def one(p: rdflib.URIRef) -> str | None:
            value = results.value(result, p)
            return None if value is None else _show(value)
        severity = results.value(result, _SH.resultSeverity)
        out.append(Violation(
            focus=one(_SH.focusNode) or "?",
            path=one(_SH.resultPath),
            message=str(results.value(result, _SH.resultMessage) or "does not conform"),
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            value=one(_SH.value),
            shape=one(_SH.sourceShape),
        ))
    # two constraints of one property shape share its message: report each failure once
    return sorted(set(out), key=lambda v: (v.focus, v.path or "", v.message, v.value or ""))


def _show(term: rdflib.term.Node) -> str:
    if isinstance(term, rdflib.URIRef):
        return compact(str(term))
    if isinstance(term, rdflib.Literal):
        return term.n3()
    return str(term)
