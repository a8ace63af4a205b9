"""The ontology is a contract: the promised terms exist, each is labelled, commented and aligned."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from claimgraph.resources import ontology_dir

CG = rdflib.Namespace("https://w3id.org/claimgraph/ns#")
CLASSES = ["Dossier", "Claim", "Model", "Method", "Benchmark", "Organization", "Score", "Comparison",
           "ProvenanceEvent", "Conflict"]
PROPERTIES = ["text", "stance", "inDossier", "position", "mentions", "dependsOn", "provenanceEvent", "status",
              "importance", "lastTended", "canonicalPath", "model", "benchmark", "metric", "value", "unit", "rank",
              "setting", "assertedBy"]
EXTERNAL = ("http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#",
            "https://schema.org/", "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/ns/oa#")


def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_dir() / "claimgraph.ttl", format="turtle")


def test_contract_terms_exist() -> None:
    g = ontology()
    for name in CLASSES:
        assert (CG[name], RDF.type, OWL.Class) in g, name
    for name in PROPERTIES:
        assert any((CG[name], RDF.type, t) in g for t in (OWL.ObjectProperty, OWL.DatatypeProperty)), name
    assert (CG.value, RDFS.range, rdflib.XSD.decimal) in g


def test_every_term_has_label_and_comment() -> None:
    g = ontology()
    terms = {s for s in g.subjects(RDF.type, None) if isinstance(s, rdflib.URIRef) and s.startswith(str(CG))}
    assert len(terms) >= len(CLASSES) + len(PROPERTIES)
    for term in terms:
        assert g.value(term, RDFS.label) is not None, term
        assert g.value(term, RDFS.comment) is not None, term


def test_classes_are_aligned_to_standard_vocabularies() -> None:
    g = ontology()
    for term in g.subjects(RDF.type, OWL.Class):
        parents = [str(p) for p in g.objects(term, RDFS.subClassOf)]
        assert any(p.startswith(EXTERNAL) for p in parents), f"{term} is not aligned"
    aligned = [p for p in PROPERTIES if any(str(o).startswith(EXTERNAL) for o in g.objects(CG[p], RDFS.subPropertyOf))]
    assert {"text", "inDossier", "position", "mentions", "dependsOn", "provenanceEvent", "lastTended", "value",
            "unit", "assertedBy"} <= set(aligned)


def test_shapes_and_vocabulary_parse() -> None:
    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
    targets = {str(o).rsplit("#", 1)[1] for o in shapes.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#targetClass"))}
    assert set(CLASSES) <= targets
    vocabulary = rdflib.Graph().parse(ontology_dir() / "vocabulary.ttl", format="turtle")
    assert len(set(vocabulary.subjects(rdflib.URIRef("http://www.w3.org/2004/02/skos/core#inScheme"), None))) >= 18
