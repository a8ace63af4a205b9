"""The same claimgraph on three stores: embedded pyoxigraph, Oxigraph server and Virtuoso (real servers on
loopback, started by scripts/remote-stores; .ci/run starts them and passes their URLs in CLAIMGRAPH_TEST_*).

Every test here runs on each store, and the answers are compared by value with the embedded store's.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from claimgraph.config import RemoteSettings, Settings
from claimgraph.errors import ClaimgraphError, QueryError, StoreError
from claimgraph.interfaces.core import Claimgraph
from claimgraph.interfaces.http.app import create_app
from claimgraph.interfaces.http.web import examples
from claimgraph.model import Validator
from claimgraph.namespaces import PREFIXES, XSD
from claimgraph.store.remote import DEFAULT_GRAPH, RemoteStore

from .conftest import DOSSIERS, ROOT, SEED, SEEDS

BACKENDS = ("embedded", "oxigraph", "virtuoso")
_VARS = {"oxigraph": ("CLAIMGRAPH_TEST_OXIGRAPH_URL",), "virtuoso": ("CLAIMGRAPH_TEST_VIRTUOSO_URL",)}


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The servers' settings: from the environment when .ci/run started them, else started here."""
    if all(os.environ.get(v[0]) for v in _VARS.values()):
        yield dict(os.environ)
        return
    root = tmp_path_factory.mktemp("remote-stores")
    script = ROOT / "scripts" / "remote-stores"
    started = subprocess.run([str(script), "up", str(root)], capture_output=True, text=True, timeout=600)
    if started.returncode:
        pytest.skip(f"the remote stores could not be started here (scripts/remote-stores up): "
                    f"{started.stderr.strip()[-400:]}")
    env = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
    try:
        yield {k: v.strip("'") for k, v in env.items()}
    finally:
        subprocess.run([str(script), "down", str(root)], timeout=120)


def settings_for(backend: str, servers: dict[str, str], tmp_path: Path) -> Settings:
    if backend == "embedded":
        return Settings(store=str(tmp_path / "store"), token="t")
    if backend == "oxigraph":
        return Settings(store=servers["CLAIMGRAPH_TEST_OXIGRAPH_URL"], token="t")
    return Settings(store=servers["CLAIMGRAPH_TEST_VIRTUOSO_URL"], token="t", remote=RemoteSettings(
        update_url=servers["CLAIMGRAPH_TEST_VIRTUOSO_UPDATE_URL"], auth="digest",
        graph_store_url=servers["CLAIMGRAPH_TEST_VIRTUOSO_GSP_URL"],
        user=servers["CLAIMGRAPH_TEST_VIRTUOSO_USER"], password=servers["CLAIMGRAPH_TEST_VIRTUOSO_PASSWORD"]))


def wipe(store: object) -> None:
    """An empty store to start from: every graph claimgraph can see, dropped."""
    if isinstance(store, RemoteStore):
        for g in list(store.named_graphs()):
            store.drop_graph(g)
        store.drop_graph(ox.DefaultGraph())
        assert store.count() == 0


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    servers = request.getfixturevalue("servers") if request.param != "embedded" else {}
    settings = settings_for(request.param, servers, tmp_path)
    with Claimgraph(settings) as g:
        wipe(g.store)
    yield request.param, settings
    with Claimgraph(settings) as g:
        wipe(g.store)


def value(term: object) -> object:
    """A term compared by value: numbers as numbers, strings and IRIs as text, language tags lower-cased,
    the times of ingest (the only xsd:dateTime values) not at all."""
    if isinstance(term, ox.Literal):
        kind = term.datatype.value.rsplit("#", 1)[-1]
        if kind in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger"):
            return ("number", Decimal(term.value).normalize())
        if kind == "boolean":
            return ("boolean", term.value in ("true", "1"))
        if kind == "dateTime":  # the times of ingest: different in every run
            return ("dateTime",)
        return ("literal", term.value, (term.language or "").lower(), kind if kind not in ("string", "langString")
                else "")
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    return ("iri", getattr(term, "value", term))


def answers(graph: Claimgraph, query: str) -> object:
    result = graph.store.query(query, prefixes=PREFIXES)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = [tuple(value(row[n]) if row[n] is not None else None for n in names) for row in result]
        return sorted(rows, key=repr)  # as a multiset: rows tied on ORDER BY keys come in any order
    return sorted(repr((value(t.subject), value(t.predicate), value(t.object))) for t in result)


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The embedded store's answers to the README's example queries and its conflict list, after the seeds."""
    with Claimgraph(Settings(store=str(tmp_path_factory.mktemp("expected") / "store"))) as g:
        g.ingest([SEEDS])
        found, _ = g.list_conflicts()
        out: dict[str, object] = {e["title"]: answers(g, e["query"]) for e in examples()}
        out["conflicts"] = sorted((c.type, c.severity, tuple(sorted(c.claims))) for c in found)
        out["count"] = g.store.count()
        return out


def test_seeds_give_the_same_answers_on_every_store(backend: tuple[str, Settings], expected: dict[str, object]) -> None:
    name, settings = backend
    with Claimgraph(settings) as g:
        results, _ = g.ingest([SEEDS])
        assert {r.status for r in results} == {"added"}
        assert g.store.count() == expected["count"]
        for example in examples():
            assert answers(g, example["query"]) == expected[example["title"]], f"{name}: {example['title']}"
        found, _ = g.list_conflicts()
        assert sorted((c.type, c.severity, tuple(sorted(c.claims))) for c in found) == expected["conflicts"]
        assert found, "the seeds hold conflicts: an empty list would compare equal too easily"
        again, _ = g.ingest([SEEDS])
        assert {r.status for r in again} == {"unchanged"}


def test_validation_reads_the_store_and_agrees_with_pyshacl(backend: tuple[str, Settings]) -> None:
    # the shapes are evaluated a predicate at a time by queries to the store, on every store
    name, settings = backend
    broken = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode("urn:x:broken")) for t in ox.parse(
        path=str(Path(__file__).parent / "data" / "rdf" / "broken.ttl"), format=ox.RdfFormat.TURTLE)]
    with Claimgraph(settings) as g:
        g.ingest([SEEDS])
        seeds = g.validate().violations
        g.store.replace_graphs([ox.NamedNode("urn:x:broken")], broken)
        report = g.validate()
        reference = Validator(engine="pyshacl").validate_quads(g.store.quads())
    assert report.counted == "quads"
    assert [str(v) for v in report.violations] == [str(v) for v in reference.violations], name
    if name == "virtuoso":  # it holds a decimal of no fraction as an xsd:integer (docs/remote-stores.md)
        assert seeds and {(v.path, v.value.rsplit("^^", 1)[-1]) for v in seeds} == {("cg:value", f"<{XSD.iri}integer>")}
    else:
        assert seeds == ()
    assert len(report.violations) == 5 + len(seeds)


def test_a_revised_dossier_replaces_its_graphs_and_keeps_its_history(backend: tuple[str, Settings],
                                                                     tmp_path: Path) -> None:
    name, settings = backend
    dossier = tmp_path / "seed.txt"
    text = SEED.read_text(encoding="utf-8")
    dossier.write_text(text, encoding="utf-8")
    with Claimgraph(settings) as g:
        g.ingest([dossier])
        before = g.store.count()
        claims = answers(g, "SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim }")
        first = text.index("\n### ")
        cut = text.index("\n### ", first + 1)  # drop the first claim
        dossier.write_text(text[:first] + text[cut:], encoding="utf-8")
        results, _ = g.ingest([dossier])
        assert [r.status for r in results] == ["revised"], name
        after = answers(g, "SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim }")
        assert after[0][0][1] == claims[0][0][1] - 1  # type: ignore[index]
        revisions = answers(g, "SELECT (COUNT(?r) AS ?n) WHERE { ?r a cg:DossierRevision }")
        assert revisions[0][0][1] == 2  # type: ignore[index]
        assert g.store.count() != before


def test_the_qlever_dialect_empties_graphs_by_delete_where(servers: dict[str, str], tmp_path: Path) -> None:
    """QLever has no DROP; its dialect empties a graph with DELETE WHERE. QLever does not run here, so the
    dialect runs on Oxigraph server (the statements are plain SPARQL 1.1 Update): a revision and a wipe give
    what the default dialect gives."""
    dossier = tmp_path / "seed.txt"
    text = SEED.read_text(encoding="utf-8")
    first = text.index("\n### ")
    revised = text[:first] + text[text.index("\n### ", first + 1):]
    held = {}
    for dialect in ("oxigraph", "qlever"):
        settings = Settings(store=servers["CLAIMGRAPH_TEST_OXIGRAPH_URL"], remote=RemoteSettings(dialect=dialect))
        with Claimgraph(settings) as g:
            assert g.store.dialect.name == dialect  # type: ignore[attr-defined]
            wipe(g.store)
            dossier.write_text(text, encoding="utf-8")
            g.ingest([dossier])
            dossier.write_text(revised, encoding="utf-8")
            assert [r.status for r in g.ingest([dossier])[0]] == ["revised"]
            held[dialect] = sorted(answers(g, "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"), key=repr)
            wipe(g.store)
            assert g.store.count() == 0
    assert held["qlever"] == held["oxigraph"]


def test_a_malformed_dossier_writes_nothing(backend: tuple[str, Settings]) -> None:
    """A batch of a good dossier and a malformed one: the error names the file and line, nothing is written."""
    _, settings = backend
    good = sorted((SEEDS / "real").glob("*.md"))[0]
    with Claimgraph(settings) as g:
        g.ingest([SEED])
        held = set(g.store.quads())
        with pytest.raises(ClaimgraphError, match=r"bad-date\.md:\d+"):
            g.ingest([good, DOSSIERS / "malformed" / "bad-date.md"])
        assert set(g.store.quads()) == held


def test_exports_hold_the_same_quads(backend: tuple[str, Settings], tmp_path: Path) -> None:
    _, settings = backend
    with Claimgraph(settings) as g:
        g.ingest([SEED])
        out = io.BytesIO()
        g.store.dump(out, ox.RdfFormat.N_QUADS)
        quads = set(ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS))
        assert quads == set(g.store.quads())
        assert len(quads) == g.store.count()
        assert not any(q.graph_name == DEFAULT_GRAPH for q in quads)


def test_the_endpoint_and_pages_in_front_of_the_store(backend: tuple[str, Settings]) -> None:
    name, settings = backend
    with Claimgraph(settings) as g:
        g.ingest([SEED])
    with TestClient(create_app(settings)) as client:
        query = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim }"
        answer = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200, answer.text
        assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) > 0
        bad = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
        update = client.post("/update", content="INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> true } }",
                             headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer t"})
        assert update.status_code in (200, 204), update.text
        ask = client.get("/sparql", params={"query": "ASK { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> true } }"},
                         headers={"Accept": "application/sparql-results+json"})
        assert ask.json()["boolean"] is True, name
        for page in ("/", "/conflicts", "/graph", "/api/claims"):
            assert client.get(page, headers={"Accept": "text/html"}).status_code == 200, page


def test_pages_list_claims_and_events_in_order(backend: tuple[str, Settings], tmp_path: Path) -> None:
    """Claims by position and events by sequence, in numeric order past 9 (the pages sort on ``xsd:integer()``
    of the values, which every store must read as pyoxigraph does), and the dossier and claim pages answer."""
    name, settings = backend
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import write_corpus

    dossier = write_corpus(tmp_path / "corpus", 12, per_dossier=12, seed=3)[0]
    with Claimgraph(settings) as g:
        g.ingest([dossier])
    with TestClient(create_app(settings)) as client:
        mine = client.get("/api/claims", params={"dossier": "synthetic-0", "limit": 50}).json()["items"]
        assert [c["position"] for c in mine] == list(range(1, 13)), name
        page = client.get(mine[0]["dossier"]["path"], headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.text.index("/claim/9\"") < page.text.index("/claim/10\""), name
        claim = client.get(mine[0]["path"] + ".json").json()
        sequences = [e["sequence"] for e in claim["provenance"]]
        assert sequences == sorted(sequences) and sequences, name


def test_terms_survive_the_round_trip(backend: tuple[str, Settings]) -> None:
    """Plain and xsd:string literals, booleans, language tags, blank nodes, and a write of more triples than one
    request carries (Virtuoso refuses INSERT DATA near 5,000): a Graph Store POST per graph on both servers
    (their graph-store URLs are known), then INSERT DATA batches with the graph store switched off."""
    name, settings = backend
    g = ox.NamedNode("urn:x:terms")
    s, p = ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p")
    terms = [ox.Literal("plain"), ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
             ox.Literal("colour", language="en-gb"), ox.Literal("a \"quoted\" line\nand ' > } text")]
    bulk = [ox.Quad(ox.NamedNode(f"urn:x:n{i}"), p, ox.Literal(str(i), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")), g) for i in range(6000)]
    node = ox.BlankNode("b1")
    with Claimgraph(settings) as cg:
        cg.store.add_quads([ox.Quad(s, p, t, g) for t in terms] + [ox.Quad(s, p, node, g), ox.Quad(node, p, s, g)]
                           + bulk)
        held = {q.object for q in cg.store.match(s, p, None, g)}
        assert set(terms) <= held, name
        blanks = [t for t in held if isinstance(t, ox.BlankNode)]
        assert len(blanks) == 1 and list(cg.store.match(blanks[0], p, s, g)), name
        assert sum(1 for _ in cg.store.quads(g)) == len(terms) + 2 + len(bulk)
        rows = list(cg.store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", substitutions={"s": s, "p": p}))
        assert {r["o"] for r in rows} >= set(terms)
        if isinstance(cg.store, RemoteStore):
            assert cg.store.graph_store_url is not None
            cg.store.graph_store_url = None  # now the same write as INSERT DATA requests
            cg.store.drop_graph(g)
            cg.store.add_quads(bulk)
            assert sum(1 for _ in cg.store.quads(g)) == len(bulk)


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_a_graph_read_in_pages_gives_each_quad_once_and_sorts_no_values(
        name: str, servers: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph larger than a page is read in pages of a stable order: every quad once, as one answer gives them.
    One graph holds numbers and dates as the objects of one subject and predicate: a sort that meets them, as
    ``ORDER BY ?s ?p ?o`` did here, ends Oxigraph server 0.5.13 (a Rust panic). Another holds objects that share
    a text (an IRI and literals, plain, tagged and typed) and blank nodes, under several subjects."""
    import claimgraph.store.remote as remote

    from .test_odd_data import ODD

    xsd = "http://www.w3.org/2001/XMLSchema#"
    p = ox.NamedNode("urn:x:p")
    mixed, alike = ox.NamedNode("urn:x:mixed"), ox.NamedNode("urn:x:alike")
    values = [ox.Literal(v, datatype=ox.NamedNode(xsd + ("date" if "-" in v else "integer"))) for v in ODD]
    texts = [ox.NamedNode("urn:x:1"), ox.Literal("urn:x:1"), ox.Literal("1"), ox.Literal("1", language="en"),
             ox.Literal("1", language="fr"), ox.Literal("1", datatype=ox.NamedNode(xsd + "integer")),
             ox.BlankNode("b1"), ox.BlankNode("b2"), ox.BlankNode("b3")]
    quads = [ox.Quad(ox.NamedNode("urn:x:s"), p, o, mixed) for o in values]
    quads += [ox.Quad(ox.NamedNode(f"urn:x:s{k}"), p, o, alike) for k in range(3) for o in texts]  # 27
    with Claimgraph(settings_for(name, servers, tmp_path)) as cg:
        wipe(cg.store)
        cg.store.add_quads(quads)
        for graph in (mixed, alike):
            whole = list(cg.store.quads(graph))  # one answer
            monkeypatch.setattr(remote, "_PAGE", 7)
            paged = list(cg.store.quads(graph))
            monkeypatch.undo()
            assert len(paged) == len(set(paged)) == len(whole) > 7, (name, graph)
            unblank = {q for q in paged if not isinstance(q.object, ox.BlankNode)}
            assert unblank == {q for q in whole if not isinstance(q.object, ox.BlankNode)}, (name, graph)
            if name == "oxigraph":  # Virtuoso merges some literals as it stores them (docs/remote-stores.md)
                assert unblank == {q for q in quads if q.graph_name == graph and not isinstance(q.object,
                                                                                               ox.BlankNode)}
        assert cg.store.count() == len(set(cg.store.quads())), name  # the server is still up


def test_an_entitys_scores_and_claims_are_the_same_on_every_store(backend: tuple[str, Settings],
                                                                    tmp_path: Path) -> None:
    """The pages of an entity list the same scores and claims, in the same order, from every store (a remote one
    is asked to find the scores in one query; the embedded one looks them up)."""
    from claimgraph.services import catalog

    name, settings = backend
    with Claimgraph(Settings(store=str(tmp_path / "reference"))) as reference:
        reference.ingest([SEEDS])
        entities = [ox.NamedNode(f"https://w3id.org/claimgraph/id/{path}")
                    for path in ("benchmark/mmlu", "model/falcon-40b")]
        wanted = [(catalog.entity_scores(reference.store, e, 3, 1), catalog.entity_claims(reference.store, e, 2, 1))
                  for e in entities]
    with Claimgraph(settings) as cg:
        cg.ingest([SEEDS])
        for entity, (scores, claims) in zip(entities, wanted, strict=True):
            total, rows = catalog.entity_scores(cg.store, entity, 3, 1)
            assert (total, [r["score"]["value"] for r in rows]) == (scores[0], [r["score"]["value"] for r in scores[1]])
            assert catalog.entity_claims(cg.store, entity, 2, 1) == claims, name
        assert wanted[0][0][0] > 3 and wanted[0][1][0] > 2  # pages of the lists, not the whole of them


def test_a_lookup_across_graphs_is_one_query(backend: tuple[str, Settings], monkeypatch: pytest.MonkeyPatch) -> None:
    """A lookup with its subject or object given, in no graph in particular, finds the quads of every graph (the
    default graph's too) in one query, however many graphs the store holds; read in pages when it finds more
    than a page."""
    import claimgraph.store.remote as remote

    name, settings = backend
    p, q = ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:q")
    hub = ox.NamedNode("urn:x:hub")
    quads = [ox.Quad(hub, p, ox.Literal(f"v{k % 3}"), ox.NamedNode(f"urn:x:g{k}")) for k in range(12)]
    quads += [ox.Quad(ox.NamedNode(f"urn:x:s{k}"), q, hub, ox.NamedNode(f"urn:x:g{k}")) for k in range(12)]
    quads += [ox.Quad(hub, q, ox.Literal("in the default graph"), ox.DefaultGraph()),
              ox.Quad(ox.NamedNode("urn:x:other"), p, ox.Literal("v0"), ox.NamedNode("urn:x:g0"))]
    with Claimgraph(settings) as cg:
        cg.store.add_quads(quads)
        asked: list[str] = []
        if isinstance(cg.store, RemoteStore):
            query = cg.store.query
            monkeypatch.setattr(cg.store, "query", lambda text, **kw: (asked.append(text), query(text, **kw))[1])
        for lookup in ((hub, None, None), (None, None, hub), (hub, p, None), (None, q, hub)):
            asked.clear()
            found = list(cg.store.match(*lookup))
            wanted = {x for x in quads if all(
                t is None or t == v for t, v in zip(lookup, (x.subject, x.predicate, x.object), strict=True))}
            assert len(found) == len(set(found)) and set(found) == wanted, (name, lookup)
            assert len(asked) <= 1, (name, lookup, len(asked))
        monkeypatch.setattr(remote, "_PAGE", 5)
        assert set(cg.store.match(hub, None, None)) == {x for x in quads if x.subject == hub}, name


def test_substituted_values_cannot_change_a_query(backend: tuple[str, Settings]) -> None:
    _, settings = backend
    with Claimgraph(settings) as g:
        g.ingest([SEED])
        hostile = ox.Literal('x" } ; DROP ALL ; SELECT * WHERE { "')
        rows = list(g.store.query("SELECT ?t ?c WHERE { ?c cg:text ?t }", substitutions={"t": hostile},
                                  prefixes=PREFIXES))
        assert rows == []
        assert g.store.count() > 0


def test_remote_errors_are_clear(servers: dict[str, str]) -> None:
    with pytest.raises(StoreError, match="cannot reach"):
        RemoteStore("sparql+http://127.0.0.1:9/sparql", timeout=2)
    store = RemoteStore(servers["CLAIMGRAPH_TEST_VIRTUOSO_URL"])
    try:
        with pytest.raises(QueryError, match="SP030"):
            store.query("SELECT * WHERE { ?s <urn:nope ?o }")
        with pytest.raises(StoreError, match="refused|failed"):  # anonymous updates are refused by Virtuoso
            store.add_quads([ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"),
                                     ox.NamedNode("urn:x:g"))])
    finally:
        store.close()


@pytest.mark.parametrize("query", [
    "SELECT ?c ?t WHERE { ?c cg:text ?t }",
    "SELECT DISTINCT ?c (STRLEN(?t) AS ?n) WHERE { ?c cg:text ?t . FILTER(?c != <urn:x:none>) } ORDER BY ?c",
    "SELECT ?c (COUNT(*) AS ?n) WHERE { ?c ?p ?o } GROUP BY ?c ORDER BY DESC(?c) ?c",
    "SELECT ?c ?x WHERE { # a comment that says ?c\n ?c cg:text ?t . BIND(\"?c in a string\" AS ?x) }",
    "SELECT ?c ?k WHERE { { SELECT ?c (COUNT(?t) AS ?k) WHERE { ?c cg:text ?t } GROUP BY ?c } }",
    "ASK { ?c cg:text ?t }",
    "CONSTRUCT { ?c cg:text ?t } WHERE { ?c cg:text ?t }",
])
def test_substitution_written_into_the_text_means_what_pyoxigraph_does(query: str) -> None:
    """SEP-0007, as pyoxigraph implements it, and as text for remote stores: same answers."""
    from claimgraph.store.sparql_text import substitute

    with Claimgraph(Settings(store="memory:")) as g:
        g.ingest([SEED])
        claim = next(iter(g.store.query("SELECT ?c WHERE { ?c a cg:Claim } ORDER BY ?c LIMIT 1",
                                        prefixes=PREFIXES)))["c"]  # type: ignore[index]
        native = answers_with(g, query, {"c": claim})
        written = answers_with(g, substitute(query, {"c": claim}), None)
        assert native == written
        assert native not in ([], False), "the query must find something, or equality proves nothing"


def answers_with(graph: Claimgraph, query: str, substitutions: dict[str, object] | None) -> object:
    result = graph.store.query(query, prefixes=PREFIXES, substitutions=substitutions)  # type: ignore[arg-type]
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted(repr([row[n] for n in names]) for row in result)
    return sorted(repr(t) for t in result)


def test_a_runaway_query_on_a_remote_store_is_cut_off_while_others_are_answered(
        servers: dict[str, str], tmp_path: Path) -> None:
    """Through claimgraph's endpoint on Oxigraph server: a query of hours (a cross product of the seed's quads,
    cubed) ends at the time limit with the endpoint's timeout error; a small query sent meanwhile is answered."""
    import threading

    settings = Settings(store=servers["CLAIMGRAPH_TEST_OXIGRAPH_URL"], token="t", query_timeout=2.0)
    with Claimgraph(settings) as g:
        wipe(g.store)
        g.ingest([SEED])
    try:
        with TestClient(create_app(settings)) as client:
            slow: dict[str, object] = {}

            def runaway() -> None:
                slow["answer"] = client.get("/sparql", params={
                    "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})

            thread = threading.Thread(target=runaway)
            thread.start()
            small = client.get("/sparql", params={"query": "ASK { ?s a cg:Claim }"},
                               headers={"Accept": "application/sparql-results+json"})
            assert small.status_code == 200 and small.json()["boolean"] is True
            thread.join(timeout=60)
            answer = slow["answer"]
            assert answer.status_code == 503, answer.text  # type: ignore[attr-defined]
            assert "time limit of 2 s" in answer.text  # type: ignore[attr-defined]
    finally:
        with Claimgraph(settings) as g:
            wipe(g.store)
