"""IRIs of the vocabularies claimgraph speaks, and the prefixes predeclared for queries."""

from __future__ import annotations

from pyoxigraph import NamedNode

__all__ = ["compact", "SERIALIZATION_PREFIXES", "CG", "DATA", "PREFIXES", "Namespace", "ONTOLOGY_IRI", "RDF", "RDFS", "XSD", "OWL", "SKOS",
           "PROV", "DCTERMS", "SCHEMA", "SH", "VOID", "OA"]


class Namespace:
    """A namespace IRI; ``NS.term`` and ``NS["term"]`` give pyoxigraph NamedNodes."""

    def __init__(self, iri: str) -> None:
        self.iri = iri
        self._terms: dict[str, NamedNode] = {}  # made once each: the mappers ask for the same terms a million times

    def __getattr__(self, name: str) -> NamedNode:
        # asked once per name: the term is then an attribute of its own, read without a call (the mapping of
        # 5,000 claims reads half a million of them)
        if name.startswith("_"):
            raise AttributeError(name)
        term = self[name]
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> NamedNode:
        term = self._terms.get(name)
        if term is None:
            term = self._terms[name] = NamedNode(self.iri + name)
        return term

    def __str__(self) -> str:
        return self.iri


ONTOLOGY_IRI = "https://w3id.org/claimgraph/ns"
CG = Namespace("https://w3id.org/claimgraph/ns#")
#: Base of every IRI claimgraph mints for data (dossiers, claims, entities, graphs).
DATA = Namespace("https://w3id.org/claimgraph/id/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
VOID = Namespace("http://rdfs.org/ns/void#")
OA = Namespace("http://www.w3.org/ns/oa#")

#: Prefixes every query may use without declaring them (CLI, Python API, HTTP endpoint).
PREFIXES: dict[str, str] = {
    "cg": CG.iri,
    "cgid": DATA.iri,
    "rdf": RDF.iri,
    "rdfs": RDFS.iri,
    "xsd": XSD.iri,
    "owl": OWL.iri,
    "skos": SKOS.iri,
    "prov": PROV.iri,
    "dcterms": DCTERMS.iri,
    "schema": SCHEMA.iri,
    "oa": OA.iri,
}

#: Prefixes written into Turtle and TriG output. The data namespace is left out: its local names hold
#: '/', which Turtle must escape, and full IRIs read better than cgid:dossier\/x\/claim\/1.
SERIALIZATION_PREFIXES: dict[str, str] = {k: v for k, v in PREFIXES.items() if k != "cgid"}


def compact(iri: str) -> str:
    """'https://w3id.org/claimgraph/ns#Claim' → 'cg:Claim'; other IRIs are written <…>."""
    best = ""
    for prefix, namespace in SERIALIZATION_PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(SERIALIZATION_PREFIXES.get(best, "")):
            local = iri[len(namespace):]
            if local and all(c.isalnum() or c in "-_." for c in local):
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else f"<{iri}>"
