"""The RDF mapping as a round trip: parse → RDF → SPARQL gives back the seed's claims, stances, dates, authors."""

from __future__ import annotations

from claimgraph.extract import read_dossier
from claimgraph.interfaces.core import Claimgraph
from claimgraph.model import map_dossier
from tests.conftest import DOSSIERS, SEED, select

D = "https://w3id.org/claimgraph/id/dossier/training-methodology-frontier-shift"


def test_claims_round_trip(seeded: Claimgraph) -> None:
    rows = select(seeded, """
        SELECT ?pos ?stance ?text ?date ?action WHERE {
          ?c a cg:Claim ; cg:inDossier ?d ; cg:position ?pos ; cg:stance ?stance ; cg:text ?text ;
             cg:provenanceEvent ?e .
          ?e dcterms:date ?date ; cg:action ?action .
        } ORDER BY ?pos""")
    record = read_dossier(SEED)
    assert [r["text"] for r in rows] == [c.text for c in record.claims]
    assert [int(r["pos"]) for r in rows] == [1, 2, 3]
    assert {(r["stance"], r["date"], r["action"]) for r in rows} == {("caveat", "2026-06-04", "asserted")}


def test_claims_live_in_their_own_named_graphs(seeded: Claimgraph) -> None:
    rows = select(seeded, "SELECT ?g ?c WHERE { GRAPH ?g { ?c a cg:Claim } } ORDER BY ?g")
    assert [(r["c"], r["g"]) for r in rows] == [(f"{D}/claim/{n}", f"{D}/claim/{n}/assertion") for n in (1, 2, 3)]
    rows = select(seeded, "SELECT ?g WHERE { GRAPH ?g { ?d a cg:Dossier } }")
    assert rows == [{"g": f"{D}/graph"}]


def test_dossier_metadata_and_authors(seeded: Claimgraph) -> None:
    (row,) = select(seeded, """
        SELECT ?title ?status ?importance ?created ?tended ?path ?agent ?model ?operator ?person ?handle ?oversight
        WHERE {
          ?d a cg:Dossier ; dcterms:title ?title ; cg:status ?status ; cg:importance ?importance ;
             dcterms:created ?created ; cg:lastTended ?tended ; cg:canonicalPath ?path ; cg:authoredBy ?a .
          ?a a prov:SoftwareAgent ; rdfs:label ?agent ; cg:underlyingModel/rdfs:label ?model ;
             cg:operator/rdfs:label ?operator ; cg:accountablePerson ?p ; cg:oversightMode ?oversight .
          ?p a prov:Person ; rdfs:label ?person ; schema:alternateName ?handle .
          ?d prov:wasAttributedTo ?a, ?p .
        }""")
    assert row["title"].startswith("The capability frontier is shifting")
    assert (row["status"], row["importance"], row["created"], row["tended"]) == ("seedling", "5", "2026-06-04",
                                                                                "2026-06-04")
    assert row["path"] == "/dossier/training-methodology-frontier-shift"
    assert (row["agent"], row["model"], row["operator"]) == ("Juno", "claude-opus-4-8", "Collagen (Lyra Forge)")
    assert (row["person"], row["handle"], row["oversight"]) == ("Marc", "@lavallee", "human-on-loop")


def test_mapping_is_deterministic() -> None:
    record = read_dossier(SEED)
    from claimgraph.model import load_vocabulary

    lexicon = load_vocabulary().lexicon
    assert map_dossier(record, lexicon).quads == map_dossier(read_dossier(SEED), lexicon).quads


def test_unknown_parts_are_kept(graph: Claimgraph) -> None:
    graph.ingest([DOSSIERS / "variants" / "other-tags.md"])
    rows = select(graph, "SELECT ?m WHERE { ?d cg:metadata ?m } ORDER BY ?m")
    assert [r["m"] for r in rows] == ["reviewer: nobody yet", "tags: alignment, preference"]
    (section,) = select(graph, "SELECT ?s WHERE { ?d cg:section ?s }")
    assert section["s"].startswith("## Sources\n")
    rows = select(graph, "SELECT ?stance WHERE { ?c cg:stance ?stance ; a cg:Claim } ORDER BY ?stance")
    assert [r["stance"] for r in rows] == ["counter-evidence", "evidence", "hunch"]
    rows = select(graph, """SELECT ?label ?stance ?note WHERE { ?c cg:position 1 ; cg:provenanceEvent ?e .
                             ?e cg:sequence ?n ; cg:eventLabel ?label . OPTIONAL { ?e cg:stance ?stance }
                             OPTIONAL { ?e skos:note ?note } } ORDER BY ?n""")
    assert [r["label"] for r in rows] == ["asserted as speculation", "upgraded to evidence", "revised"]
    assert "stance" not in rows[2]
    (agent,) = select(graph, "SELECT ?x WHERE { ?a cg:extraText ?x ; a prov:Agent }")
    assert agent["x"] == "weekly review"
    # a known model named as the agent's underlying model is linked to the vocabulary entity
    (model,) = select(graph, "SELECT ?m WHERE { ?a cg:underlyingModel ?m }")
    assert model["m"] == "https://w3id.org/claimgraph/id/model/gpt-4o"


def test_human_author_is_a_person(graph: Claimgraph) -> None:
    graph.ingest([DOSSIERS / "variants" / "human-author.md"])
    rows = select(graph, "SELECT ?type WHERE { ?d cg:authoredBy ?a . ?a a ?type } ORDER BY ?type")
    assert [r["type"] for r in rows] == ["http://www.w3.org/ns/prov#Agent", "http://www.w3.org/ns/prov#Person"]
