"""SHACL evaluated over pyoxigraph terms (model/shacl.py) gives what pyshacl gives, on clean and on broken data."""

from __future__ import annotations

import random
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse

from claimgraph.errors import InputError
from claimgraph.extract import read_dossier
from claimgraph.model import ValidationReport, Validator, load_vocabulary, map_dossier, revision_quads
from claimgraph.model.shacl import compile_shapes
from claimgraph.namespaces import CG, RDF, RDFS, XSD
from claimgraph.resources import SHAPES_FILE, ontology_dir
from claimgraph.services.ingest import dossier_files
from tests.conftest import DOSSIERS, SEEDS

FAST, REFERENCE = Validator(), Validator(engine="pyshacl")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
#: the predicates the shapes read
PATHS = {NamedNode(str(p)) for p in REFERENCE.shapes.objects(None, SH.path) if isinstance(p, rdflib.URIRef)}
PATHS.add(RDF.type)


def _dossiers() -> tuple[list[Quad], list[list[Quad]]]:
    """The vocabulary, and each dossier of the seed and the tests as ingest writes it (with its revision)."""
    vocabulary = load_vocabulary()
    out = []
    for path in dossier_files([SEEDS, DOSSIERS / "variants"]):
        record = read_dossier(path)
        revision = NamedNode(map_dossier(record, vocabulary.lexicon).iri.value + "/revision/1")
        mapped = map_dossier(record, vocabulary.lexicon, revision, None)
        out.append(list(mapped.quads + mapped.shared)
                   + revision_quads(record, mapped.iri, revision, None, datetime(2026, 11, 28, tzinfo=timezone.utc)))
    return list(vocabulary.vocabulary_quads), out


VOCABULARY, DOSSIER_QUADS = _dossiers()
DATA = VOCABULARY + [q for quads in DOSSIER_QUADS for q in quads]


def _seen(report: ValidationReport, messages: set[str]) -> list[tuple[str | None, ...]]:
    """What a report says, with blank nodes named alike (each engine names them its own way), and only the
    messages that the shapes state (each engine words its own)."""
    def name(text: str | None) -> str:
        return "_:b" if text is not None and _is_blank(text) else text or ""
    return sorted((name(v.focus), v.path or "", name(v.value), v.severity, v.message if v.message in messages else "")
                  for v in report.violations)


def _is_blank(text: str) -> bool:
    return not text.startswith(("<", '"')) and ":" not in text


def _same(data: list[Quad], fast: Validator = FAST, reference: Validator = REFERENCE) -> ValidationReport:
    mine = fast.validate_quads(data)
    with warnings.catch_warnings():  # rdflib warns of the ill-typed literals the tests write on purpose
        warnings.simplefilter("ignore")
        theirs = reference.validate_quads(data)
    messages = {str(m) for m in reference.shapes.objects(None, SH.message)}
    assert _seen(mine, messages) == _seen(theirs, messages)
    assert mine.conforms == theirs.conforms
    return mine


def test_the_shipped_shapes_are_evaluated_without_pyshacl() -> None:
    assert FAST.compiled is not None and len(FAST.compiled) == 10
    assert REFERENCE.compiled is None


def test_clean_data_conforms_for_both() -> None:
    report = _same(DATA)
    assert report.conforms and report.violations == ()


def _mutants(data: list[Quad], seed: int) -> list[Quad]:
    """``data`` with one to three things broken at random: a triple dropped or doubled with another value, a
    literal retyped, made ill-typed, emptied or tagged with a language, an IRI put where a literal belongs and the
    other way round, a blank node as a value or as a subject, a type dropped, a class made a subclass."""
    rng = random.Random(seed)
    out = list(data)
    for _ in range(rng.randint(1, 3)):
        # mostly a triple that a shape reads
        watched = [i for i, q in enumerate(out) if q.predicate in PATHS]
        i = rng.choice(watched) if watched and rng.random() < 0.8 else rng.randrange(len(out))
        quad = out[i]
        s, p, o, g = quad.subject, quad.predicate, quad.object, quad.graph_name
        kind = rng.choice([0, 1, 2, 3, 3, 3, 4, 5, 6, 11] if isinstance(o, Literal) else [0, 1, 5, 6, 7, 8, 9, 10, 11])
        if kind == 0:
            del out[i]
        elif kind == 1:
            out.append(Quad(s, p, Literal("another"), g))
        elif kind == 2 and isinstance(o, Literal):
            out[i] = Quad(s, p, Literal(o.value, datatype=rng.choice([XSD.integer, XSD.date, XSD.decimal,
                                                                         XSD.dateTime, XSD.boolean])), g)
        elif kind == 3 and isinstance(o, Literal):
            out[i] = Quad(s, p, Literal(rng.choice(["", "-1", "0", "2024-02-30", "x" * 70, "1.5", "better", "1e3",
                                                    "2026-11-28T25:00:00"]), datatype=o.datatype), g)
        elif kind == 4 and isinstance(o, Literal):
            out[i] = Quad(s, p, Literal(o.value, language="en"), g)
        elif kind == 5:
            out[i] = Quad(s, p, NamedNode("https://example.org/thing") if isinstance(o, Literal) else
                          Literal(getattr(o, "value", "x")), g)
        elif kind == 6:
            out[i] = Quad(s, p, BlankNode("b1"), g)
        elif kind == 7:
            del out[i]
        elif kind == 8:
            out.append(Quad(NamedNode("https://example.org/Sub"), RDFS.subClassOf, o if isinstance(o, NamedNode)
                            else CG.Model, g))
            out.append(Quad(NamedNode("https://example.org/odd"), RDF.type, NamedNode("https://example.org/Sub"), g))
        elif kind == 9:
            out.append(Quad(BlankNode("b2"), RDF.type, rng.choice([CG.Claim, CG.Score, CG.Model, CG.Comparison]), g))
        elif kind == 10:
            out.append(Quad(s, RDF.type, rng.choice([CG.Score, CG.Trend, CG.Proposition, CG.Conflict]), g))
        elif kind == 11:
            out.append(Quad(s, p, o, NamedNode("https://example.org/another-graph")))  # the same triple twice
    return out


@pytest.mark.parametrize("seed", range(120))
def test_broken_data_gets_the_same_results(seed: int) -> None:
    # one dossier's worth of data at a time keeps pyshacl quick
    part = VOCABULARY + DOSSIER_QUADS[seed % len(DOSSIER_QUADS)]
    assert FAST.validate_quads(part).conforms
    _same(_mutants(part, seed))


def test_the_broken_file_reports_the_same() -> None:
    data = DATA + list(parse(path=str(Path(__file__).parent / "data" / "rdf" / "broken.ttl"),
                             format=RdfFormat.TURTLE))
    report = _same(data)
    assert len(report.violations) == 5


SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:A a sh:NodeShape ; sh:targetClass ex:Thing ; sh:nodeKind sh:IRI ;
  sh:or ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ] ) ;
  sh:property [ sh:path ex:code ; sh:pattern "^ab" ; sh:flags "i" ; sh:maxLength 4 ; sh:severity sh:Warning ] ;
  sh:property [ sh:path ex:kind ; sh:hasValue "x" ; sh:in ( "x" "y" ) ] ;
  sh:property [ sh:path ex:n ; sh:maxExclusive 10 ; sh:minExclusive 0 ; sh:maxInclusive 5 ;
                sh:datatype xsd:integer ] ;
  sh:property [ sh:path ex:m ; sh:nodeKind sh:BlankNodeOrIRI ; sh:deactivated true ] .
ex:B a sh:NodeShape ; sh:targetNode ex:lonely ; sh:property [ sh:path ex:a ; sh:minCount 1 ; sh:message "needs a"@en ] .
ex:C a sh:NodeShape ; sh:targetClass ex:Gone ; sh:deactivated true ; sh:property [ sh:path ex:a ; sh:minCount 1 ] .
"""
DATA_FOR_SHAPES = """
@prefix ex: <https://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:t1 a ex:Thing ; ex:a 1 ; ex:code "ABcd" ; ex:kind "x" ; ex:n 3 ; ex:m "literal" .
ex:t2 a ex:Thing ; ex:code "zz", "abcdef" ; ex:kind "y", "z" ; ex:n 0, 7, 12, "3"^^xsd:decimal, "q"^^xsd:integer .
_:t3 a ex:Thing ; ex:b 2 ; ex:kind "x" .
ex:Gone ex:is "nothing" . ex:g a ex:Gone .
"""


def test_the_other_components_against_pyshacl(tmp_path: Path) -> None:
    (tmp_path / SHAPES_FILE).write_text(SHAPES)
    (tmp_path / "claimgraph.ttl").write_text((ontology_dir() / "claimgraph.ttl").read_text())
    fast, reference = Validator(tmp_path), Validator(tmp_path, engine="pyshacl")
    assert fast.compiled is not None
    data = list(parse(DATA_FOR_SHAPES.encode(), format=RdfFormat.TURTLE))
    report = _same(data, fast, reference)
    assert {v.severity for v in report.violations} == {"Violation", "Warning"}
    assert any(v.message == "needs a" for v in report.violations)
    assert not any("Gone" in v.focus or v.path == "<https://example.org/m>" for v in report.violations)


@pytest.mark.parametrize("extra", [
    "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ] .",
    "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:a ; sh:property [ sh:path ex:a ; sh:minCount 1 ] .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:a ; sh:qualifiedMinCount 1 ;"
    " sh:qualifiedValueShape [ sh:class ex:T ] ] .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:a ; sh:datatype ex:Odd ] .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:a ; sh:class ex:A, ex:B ] .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:closed true .",
])
def test_shapes_it_cannot_evaluate_go_to_pyshacl(extra: str, tmp_path: Path) -> None:
    text = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n" + extra
    assert compile_shapes(parse(text.encode(), format=RdfFormat.TURTLE)) is None
    (tmp_path / SHAPES_FILE).write_text(text)
    (tmp_path / "claimgraph.ttl").write_text((ontology_dir() / "claimgraph.ttl").read_text())
    validator = Validator(tmp_path)
    report = validator.validate_quads([Quad(NamedNode("https://example.org/x"), RDF.type,
                                            NamedNode("https://example.org/T"))])
    assert validator.compiled is None and isinstance(report, ValidationReport)


def test_a_triple_in_two_graphs_counts_once() -> None:
    claim = next(q.subject for q in DATA if q.predicate == RDF.type and q.object == CG.Claim)
    doubled = DATA + [Quad(q.subject, q.predicate, q.object, NamedNode("https://example.org/g"))
                      for q in DATA if q.subject == claim]
    assert _same(doubled).conforms


def test_an_instance_of_a_subclass_is_an_instance_of_its_class() -> None:
    # a score's model typed only by a subclass of cg:Model (said in the data) is a cg:Model, and is checked as one
    score = next(q.subject for q in DATA if q.predicate == RDF.type and q.object == CG.Score)
    model = next(q.object for q in DATA if q.subject == score and q.predicate == CG.model)
    lab = NamedNode("https://example.org/LabModel")
    data = [q for q in DATA if not (q.subject == model and q.predicate == RDF.type)]
    assert not FAST.validate_quads(data).conforms
    data += [Quad(lab, RDFS.subClassOf, CG.Model), Quad(model, RDF.type, lab)]
    assert _same(data).conforms
    data = [q for q in data if not (q.subject == model and q.predicate == RDFS.label)]
    assert [v.path for v in _same(data).violations] == ["rdfs:label"]


def test_a_shape_that_holds_itself_is_not_compiled_and_is_a_clear_error(tmp_path: Path) -> None:
    text = ("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
            "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:or ( ex:S ) .")
    assert compile_shapes(parse(text.encode(), format=RdfFormat.TURTLE)) is None
    (tmp_path / SHAPES_FILE).write_text(text)
    (tmp_path / "claimgraph.ttl").write_text((ontology_dir() / "claimgraph.ttl").read_text())
    with pytest.raises(InputError, match="shapes.ttl: the shapes cannot be evaluated: Validation path too deep"):
        Validator(tmp_path).validate_quads([Quad(NamedNode("https://example.org/x"), RDF.type,
                                                 NamedNode("https://example.org/T"))])
