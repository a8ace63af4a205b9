"""Dossier records → RDF quads.

Layout (nanopublication style):

* ``<dossier>/graph`` — the dossier: title, status, importance, dates, canonical path, its claims, and
  its authorship as PROV-O (the authoring agent, its operator and accountable person, the authoring
  activity);
* ``<dossier>/claim/<n>/assertion`` — one graph per claim: its words, stance, position, dossier, the
  entities it mentions, and its provenance events;
* ``<dossier>/revisions`` — every ingested revision with its full source text; added to, never replaced;
* ``…/id/graph/extracted-entities`` — names the extractor found that the vocabulary lacks, flagged for
  review; shared and only added to, like the agents graph;
* ``…/id/graph/agents`` — the agents, people and organisations that write dossiers, shared by all
  dossiers and only added to. Keeping them in one graph, instead of repeating them in each dossier's,
  matters: the union default graph does not merge equal triples of different graphs, so a description
  repeated in N graphs would multiply every join through it by N.

Mapping is pure: the same record always gives the same quads, so re-ingesting changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.extract.mentions import Lexicon
from claimgraph.extract.records import Authorship, ClaimRecord, DossierRecord
from claimgraph.extract.claim_text import extract_claim
from claimgraph.model import iris
from claimgraph.model.explicit import block_quads
from claimgraph.model.extraction import extraction_quads
from claimgraph.namespaces import CG, DCTERMS, PROV, RDF, RDFS, SCHEMA, SKOS, XSD

__all__ = ["MappedDossier", "map_dossier", "revision_quads"]


@dataclass(frozen=True)
class MappedDossier:
    """The quads of one dossier: ``quads`` fill the dossier's own graphs (which an ingest replaces);
    ``shared`` describe its authors in the shared agents graph (which an ingest only adds to)."""

    iri: NamedNode
    graph: NamedNode
    claims: tuple[NamedNode, ...]
    quads: tuple[Quad, ...]
    shared: tuple[Quad, ...] = ()

    @property
    def graphs(self) -> frozenset[NamedNode]:
        return frozenset(q.graph_name for q in self.quads)  # type: ignore[misc]


def _string(value: str) -> Literal:
    return Literal(value)


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


def _date(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


class _Quads:
    """Collects quads of one graph, skipping duplicates while keeping their order."""

    def __init__(self, graph: NamedNode) -> None:
        self.graph = graph
        self.items: dict[Quad, None] = {}

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal | None) -> None:
        if o is not None:
            self.items[Quad(s, p, o, self.graph)] = None


def map_dossier(record: DossierRecord, lexicon: Lexicon, revision: NamedNode | None = None,
                previous: NamedNode | None = None) -> MappedDossier:
    """Map a parsed dossier to quads.

    ``revision`` (the IRI of the revision these quads hold) and ``previous`` (the revision it replaced)
    are linked from the dossier when given.
    """
    dossier = iris.dossier_iri(record.canonical_path, record.title)
    graph = iris.dossier_graph(dossier)
    meta = _Quads(graph)
    meta.add(dossier, RDF.type, CG.Dossier)
    meta.add(dossier, RDF.type, PROV.Entity)
    meta.add(dossier, DCTERMS.title, _string(record.title))
    meta.add(dossier, RDFS.label, _string(record.title))
    meta.add(dossier, CG.status, _string(record.status) if record.status else None)
    meta.add(dossier, CG.importance, _integer(record.importance) if record.importance is not None else None)
    meta.add(dossier, CG.importanceScale,
             _integer(record.importance_scale) if record.importance_scale is not None else None)
    meta.add(dossier, DCTERMS.created, _date(record.created) if record.created else None)
    meta.add(dossier, CG.lastTended, _date(record.last_tended) if record.last_tended else None)
    meta.add(dossier, CG.canonicalPath, _string(record.canonical_path) if record.canonical_path else None)
    meta.add(dossier, CG.currentRevision, revision)
    for key, value in record.extra_metadata:
        meta.add(dossier, CG.metadata, _string(f"{key}: {value}"))
    for line in record.extra_lines:
        meta.add(dossier, CG.extraText, _string(line))
    for heading, body in record.extra_sections:
        meta.add(dossier, CG.section, _string(f"## {heading}\n{body}".rstrip()))
    meta.add(dossier, PROV.wasRevisionOf, previous)
    shared = _Quads(iris.AGENTS_GRAPH)
    agent = _authorship(meta, shared, dossier, record, lexicon) if record.authorship else None
    claims: list[NamedNode] = []
    claim_quads: list[Quad] = []
    names: dict[str, str] = {}  # names the vocabulary lacks, as earlier claims of this dossier read them
    for claim in record.claims:
        claim_node = iris.claim_iri(dossier, claim.position)
        claims.append(claim_node)
        meta.add(dossier, CG.hasClaim, claim_node)
        own, extracted = _claim(claim, claim_node, dossier, agent, lexicon, record.source, names, record.created)
        claim_quads.extend(own)
        for q in extracted:
            shared.items[q] = None
    return MappedDossier(dossier, graph, tuple(claims), tuple(meta.items) + tuple(claim_quads), tuple(shared.items))


def _authorship(meta: _Quads, shared: _Quads, dossier: NamedNode, record: DossierRecord,
                lexicon: Lexicon) -> NamedNode:
    who: Authorship = record.authorship  # type: ignore[assignment]
    meta.add(dossier, CG.authorshipStatement, _string(who.statement))
    name = who.agent or "unknown author"
    agent = iris.entity_iri("agent", name)
    meta.add(dossier, CG.authoredBy, agent)
    meta.add(dossier, PROV.wasAttributedTo, agent)
    meta.add(dossier, DCTERMS.creator, agent)
    shared.add(agent, RDF.type, PROV.Agent)
    shared.add(agent, RDF.type, PROV.SoftwareAgent if who.is_ai_agent else PROV.Person)
    shared.add(agent, RDFS.label, _string(name))
    shared.add(agent, CG.agentKind, _string(who.agent_kind) if who.agent_kind else None)
    shared.add(agent, CG.oversightMode, _string(who.oversight) if who.oversight else None)
    for detail in who.details:
        shared.add(agent, CG.extraText, _string(detail))
    if who.underlying_model:
        known_model = _known(lexicon, who.underlying_model)
        model = known_model or iris.entity_iri("model", who.underlying_model)
        shared.add(agent, CG.underlyingModel, model)
        if known_model is None:  # a known model is described by the vocabulary already
            shared.add(model, RDF.type, CG.Model)
            shared.add(model, RDFS.label, _string(who.underlying_model))
    if who.operator:
        known_operator = _known(lexicon, who.operator)
        operator = known_operator or iris.entity_iri("organization", who.operator)
        shared.add(agent, CG.operator, operator)
        shared.add(agent, PROV.actedOnBehalfOf, operator)
        meta.add(dossier, PROV.wasAttributedTo, operator)
        shared.add(operator, RDF.type, PROV.Organization)
        if known_operator is None:
            shared.add(operator, RDF.type, CG.Organization)
            shared.add(operator, RDFS.label, _string(who.operator))
    if who.accountable:
        person = iris.entity_iri("person", who.accountable_handle or who.accountable)
        shared.add(agent, CG.accountablePerson, person)
        shared.add(agent, PROV.actedOnBehalfOf, person)
        meta.add(dossier, PROV.wasAttributedTo, person)
        shared.add(person, RDF.type, PROV.Person)
        shared.add(person, RDF.type, SCHEMA.Person)
        shared.add(person, RDFS.label, _string(who.accountable))
        shared.add(person, SCHEMA.alternateName, _string(who.accountable_handle) if who.accountable_handle else None)
    activity = NamedNode(dossier.value + "/authoring")
    meta.add(dossier, PROV.wasGeneratedBy, activity)
    meta.add(activity, RDF.type, PROV.Activity)
    meta.add(activity, RDFS.label, _string(f"authoring of '{record.title}'"))
    meta.add(activity, PROV.wasAssociatedWith, agent)
    meta.add(activity, DCTERMS.date, _date(record.created) if record.created else None)
    return agent


def _known(lexicon: Lexicon, name: str) -> NamedNode | None:
    mentions = lexicon.find(name)
    if len(mentions) == 1 and not mentions[0].ambiguous and mentions[0].surface.casefold() == name.strip().casefold():
        return NamedNode(mentions[0].keys[0])
    return None


def _claim(claim: ClaimRecord, node: NamedNode, dossier: NamedNode, agent: NamedNode | None,
           lexicon: Lexicon, source: str, names: dict[str, str], created: date | None) -> tuple[list[Quad], list[Quad]]:
    out = _Quads(iris.claim_graph(node))
    out.add(node, RDF.type, CG.Claim)
    out.add(node, CG.text, _string(claim.text))
    out.add(node, CG.stance, _string(claim.stance))
    out.add(node, CG.inDossier, dossier)
    out.add(node, CG.position, _integer(claim.position))
    out.add(node, CG.assertionGraph, out.graph)
    out.add(node, PROV.wasAttributedTo, agent)
    for line in claim.extra:
        out.add(node, CG.extraText, _string(line))
    # when the claim was first asserted, and what its latest provenance event did: kept on the claim itself so
    # that a query (and the conflict detectors) need not aggregate its history
    first = min((entry.date for entry in claim.history), default=created)
    out.add(node, DCTERMS.created, _date(first) if first else None)
    if claim.history:
        latest = max(enumerate(claim.history), key=lambda e: (e[1].date, e[0]))[1]
        out.add(node, CG.latestAction, _string(latest.action.lower()))
    for sequence, entry in enumerate(claim.history, start=1):
        event = iris.event_iri(node, sequence)
        out.add(node, CG.provenanceEvent, event)
        out.add(event, RDF.type, CG.ProvenanceEvent)
        out.add(event, DCTERMS.date, _date(entry.date))
        out.add(event, CG.action, _string(entry.action))
        out.add(event, CG.eventLabel, _string(entry.label))
        out.add(event, CG.stance, _string(entry.stance) if entry.stance else None)
        out.add(event, SKOS.note, _string(entry.note) if entry.note else None)
        out.add(event, CG.sequence, _integer(sequence))
        out.add(event, PROV.wasAssociatedWith, agent)
    if claim.given is not None:  # statements given with the claim (an import, a JSON claim) are taken as they are
        extracted, shared = extraction_quads(node, out.graph, claim.given)
        depends = [Quad(node, CG.dependsOn, NamedNode(iri), out.graph) for iri in claim.depends_on]
        depends += [Quad(NamedNode(iri), DCTERMS.isReplacedBy, node, out.graph) for iri in claim.replaces]
        return list(out.items) + extracted + depends, shared
    if claim.blocks:  # the author's explicit statements replace the extractor's guesses
        for mention in extract_claim(claim.text, lexicon).entities:
            if mention.status == "known" and mention.key:
                out.add(node, CG.mentions, NamedNode(mention.key))
        return list(out.items) + block_quads(node, out.graph, claim.blocks, source), []
    extracted, shared = extraction_quads(node, out.graph, extract_claim(claim.text, lexicon, names))
    return list(out.items) + extracted, shared


def revision_quads(record: DossierRecord, dossier: NamedNode, revision: NamedNode, previous: NamedNode | None,
                   ingested_at: datetime) -> list[Quad]:
    """The quads that record one ingested revision of a dossier, for its revisions graph."""
    out = _Quads(iris.revisions_graph(dossier))
    out.add(revision, RDF.type, CG.DossierRevision)
    out.add(revision, RDF.type, PROV.Entity)
    out.add(revision, PROV.specializationOf, dossier)
    out.add(revision, DCTERMS.title, _string(record.title))
    out.add(revision, CG.contentHash, _string(record.sha256))
    out.add(revision, CG.sourceText, _string(record.text))
    out.add(revision, CG.sourceFile, _string(PurePath(record.source).name))
    out.add(revision, PROV.generatedAtTime, Literal(ingested_at.isoformat(timespec="seconds"),
                                                    datatype=XSD.dateTime))
    out.add(revision, PROV.wasRevisionOf, previous)
    return list(out.items)
