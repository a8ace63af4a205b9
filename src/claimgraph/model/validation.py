"""SHACL validation of claimgraph data against ``ontology/shapes.ttl``, the ontology mixed in for its classes.

The data is the union of its named graphs, as queries see it. Shapes that :mod:`claimgraph.model.shacl` can
evaluate (the shipped ones) are evaluated there, over pyoxigraph terms; any other shapes graph goes to pyshacl,
which holds the data in rdflib. rdflib is used here and nowhere else in the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse, serialize

from claimgraph.errors import InputError
from claimgraph.model import shacl
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
    size: int | Callable[[], int]  # how many statements the data held, or how to count them when asked
    counted: str = "triples"  # what ``triples`` counts: "quads" for a store (a triple in two graphs counts twice)

    @cached_property
    def triples(self) -> int:
        """How many statements the data held (counted when first asked: an ingest never asks)."""
        return self.size if isinstance(self.size, int) else self.size()

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "Violation" for v in self.violations)


class Validator:
    """Validates data against the shipped shapes. Build once and reuse: the shapes are parsed once.

    ``engine``: "auto" evaluates the shapes with :mod:`claimgraph.model.shacl` where it can and with pyshacl
    otherwise; "pyshacl" always with pyshacl (the reference the tests compare with)."""

    def __init__(self, folder: Path | None = None, engine: str = "auto") -> None:
        self.folder = folder or ontology_dir()
        self.engine = engine

    @cached_property
    def shapes(self) -> rdflib.Graph:
        return rdflib.Graph().parse(self.folder / SHAPES_FILE, format="turtle")

    @cached_property
    def ontology(self) -> rdflib.Graph:
        return rdflib.Graph().parse(self.folder / ONTOLOGY_FILE, format="turtle")

    @cached_property
    def ontology_quads(self) -> list[Quad]:
        return list(parse(path=str(self.folder / ONTOLOGY_FILE), format=RdfFormat.TURTLE))

    @cached_property
    def compiled(self) -> list[shacl.Shape] | None:
        """The shapes as :mod:`claimgraph.model.shacl` evaluates them; None where only pyshacl can."""
        if self.engine == "pyshacl":
            return None
        return shacl.compile_shapes(parse(path=str(self.folder / SHAPES_FILE), format=RdfFormat.TURTLE))

    @cached_property
    def _ontology_source(self) -> shacl.QuadSource:
        return shacl.QuadSource(self.ontology_quads)

    def validate_quads(self, quads: Iterable[Quad]) -> ValidationReport:
        if self.compiled is not None:
            source = shacl.QuadSource(quads, shacl.predicates_read(self.compiled))
            return self.validate_source(source, lambda: source.triples)
        data = serialize([Quad(q.subject, q.predicate, q.object) for q in quads], format=RdfFormat.N_TRIPLES)
        return self.validate_ntriples(data or b"")

    def validate_source(self, source: shacl.Source, size: int | Callable[[], int],
                        counted: str = "triples") -> ValidationReport:
        """Validate what ``source`` reads (the ontology mixed in); only for shapes that :attr:`compiled` holds.
        ``size`` and ``counted``: how many statements the data holds, and of what kind (see ValidationReport)."""
        assert self.compiled is not None
        mixed = _Mixed(source, self._ontology_source)
        results = shacl.evaluate(self.compiled, mixed)
        out = {Violation(focus=_show_term(r.focus), path=_show_term(r.path), message=r.message,
                         severity=r.severity, value=_show_term(r.value), shape=_show_term(r.shape)) for r in results}
        return ValidationReport(tuple(sorted(out, key=_order)), size, counted)

    def validate_ntriples(self, data: bytes) -> ValidationReport:
        """Validate N-Triples with pyshacl."""
        graph = rdflib.Graph()
        graph.parse(data=data.decode("utf-8"), format="nt")
        return self.validate_graph(graph)

    def validate_graph(self, graph: rdflib.Graph) -> ValidationReport:
        from pyshacl import validate  # imported late: it is slow to import and only validation needs it
        from pyshacl.errors import ReportableRuntimeError, ShapeLoadError

        try:
            _conforms, results, _text = validate(
                graph, shacl_graph=self.shapes, ont_graph=self.ontology, inference="none",
                advanced=True, allow_warnings=True,
            )
        except (ReportableRuntimeError, ShapeLoadError) as exc:  # shapes that cannot be evaluated, a recursive one
            raise InputError(f"{self.folder / SHAPES_FILE}: the shapes cannot be evaluated: "
                             f"{str(exc).splitlines()[0][:300]}") from None
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
    return sorted(set(out), key=_order)


def _order(v: Violation) -> tuple[str, str, str, str]:
    return (v.focus, v.path or "", v.message, v.value or "")


class _Mixed:
    """Two sources read as one: the data and the ontology (pyshacl's ``ont_graph``, mixed into the data)."""

    def __init__(self, *sources: shacl.Source) -> None:
        self.sources = sources

    def pairs(self, predicate: NamedNode) -> Iterable[tuple[shacl.Term, shacl.Term]]:
        for source in self.sources:
            yield from source.pairs(predicate)

    def typed(self, classes: set[shacl.Term]) -> Iterable[tuple[shacl.Term, shacl.Term]]:
        for source in self.sources:
            yield from source.typed(classes)


def _show_term(term: NamedNode | BlankNode | Literal | None) -> str | None:
    """A term as :func:`_show` writes rdflib's."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return compact(term.value)
    if isinstance(term, Literal):
        return str(term)
    return term.value


def _show(term: rdflib.term.Node) -> str:
    if isinstance(term, rdflib.URIRef):
        return compact(str(term))
    if isinstance(term, rdflib.Literal):
        return term.n3()
    return str(term)
