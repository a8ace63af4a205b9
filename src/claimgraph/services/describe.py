"""Self-description: the SPARQL 1.1 Service Description of the endpoint and a VoID description of the dataset."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from claimgraph import __version__
from claimgraph.model import iris
from claimgraph.namespaces import CG, DATA, DCTERMS, Namespace, ONTOLOGY_IRI, RDF, VOID, XSD
from claimgraph.services.protocol import GRAPH_TYPES, RESULT_TYPES
from claimgraph.services.stats import Stats

__all__ = ["service_description", "void_description", "SD"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
_FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON-LD",
    "application/n-quads": "N-Quads",
    "application/trig": "TriG",
}


def _integer(n: int) -> Literal:
    return Literal(str(n), datatype=XSD.integer)


def service_description(endpoint: str, stats: Stats, *, writable: bool) -> list[Triple]:
    """The sd:Service at ``endpoint``: languages, result formats, features, and its default dataset."""
    service = NamedNode(endpoint)
    dataset, default_graph = BlankNode(), BlankNode()
    out = [
        Triple(service, RDF.type, SD.Service),
        Triple(service, SD.endpoint, service),
        Triple(service, SD.supportedLanguage, SD.SPARQL11Query),
        # the default graph is the union of all named graphs (sd:UnionDefaultGraph)
        Triple(service, SD.feature, SD.UnionDefaultGraph),
        Triple(service, SD.feature, SD.EmptyGraphs),
        Triple(service, DCTERMS.description, Literal(
            "claimgraph SPARQL endpoint. The default graph of a query is the union of all named graphs unless the "
            "request names a dataset (default-graph-uri, named-graph-uri, FROM, FROM NAMED). Each query runs "
            "under a time limit." + (" Updates need a bearer token." if writable else " Updates are disabled."))),
        Triple(service, DCTERMS.hasVersion, Literal(f"claimgraph {__version__}")),
        Triple(service, SD.defaultDataset, dataset),
        Triple(dataset, RDF.type, SD.Dataset),
        Triple(dataset, SD.defaultGraph, default_graph),
        Triple(default_graph, RDF.type, SD.Graph),
        Triple(default_graph, VOID.triples, _integer(stats.quads)),
    ]
    if writable:
        out.append(Triple(service, SD.supportedLanguage, SD.SPARQL11Update))
    for media in list(RESULT_TYPES) + list(GRAPH_TYPES):
        if media in _FORMAT_IRIS:
            triple = Triple(service, SD.resultFormat, FORMATS[_FORMAT_IRIS[media]])
            if triple not in out:
                out.append(triple)
    return out


def void_description(base_url: str, stats: Stats) -> list[Triple]:
    """A void:Dataset for the whole store, with class partitions, the endpoint and the dump."""
    dataset = NamedNode(base_url.rstrip("/") + "/.well-known/void#dataset")
    out = [
        Triple(dataset, RDF.type, VOID.Dataset),
        Triple(dataset, DCTERMS.title, Literal("claimgraph: AI capability claims")),
        Triple(dataset, DCTERMS.description, Literal(
            "Claims about AI models, methods, benchmarks and scores from analysts' and agents' dossiers, "
            "with their stances, provenance and the entities they mention.")),
        Triple(dataset, VOID.sparqlEndpoint, NamedNode(base_url.rstrip("/") + "/sparql")),
        Triple(dataset, VOID.dataDump, NamedNode(base_url.rstrip("/") + "/store")),
        Triple(dataset, VOID.uriSpace, Literal(DATA.iri)),
        Triple(dataset, VOID.vocabulary, NamedNode(CG.iri)),
        Triple(dataset, VOID.vocabulary, NamedNode(ONTOLOGY_IRI)),
        Triple(dataset, VOID.triples, _integer(stats.quads)),
        Triple(dataset, VOID.exampleResource, iris.VOCABULARY_GRAPH),
    ]
    for name, count in stats.classes.items():
        partition = NamedNode(f"{dataset.value}-{name}")
        out += [Triple(dataset, VOID.classPartition, partition),
                Triple(partition, VOID["class"], CG[name]),
                Triple(partition, VOID.entities, _integer(count))]
    return out
