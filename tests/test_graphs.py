"""The claims graph for graph tools and the analytics over it: exports networkx (and Gephi, Cytoscape) read back,
neighbourhoods, filters, centrality, impact; and the query editor's examples are the README's."""

from __future__ import annotations

import io
import json
import re
from itertools import chain
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from claimgraph.config import Settings
from claimgraph.errors import UsageError
from claimgraph.interfaces.core import Claimgraph
from claimgraph.interfaces.http.app import create_app
from claimgraph.interfaces.http.web import examples
from claimgraph.services import analytics

from .conftest import DOSSIERS, REAL, ROOT, SEED, run_cli

AA = "https://w3id.org/claimgraph/id/benchmark/aa-omniscience"
MMLU = "https://w3id.org/claimgraph/id/benchmark/mmlu"


@pytest.fixture(scope="module")
def graph() -> Claimgraph:
    g = Claimgraph(Settings(store="memory:"))
    g.ingest([SEED, REAL])
    return g


def test_graphml_export_opens_in_networkx_with_typed_labelled_nodes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli("ingest", str(SEED), store=store).returncode == 0
    out = tmp_path / "g.graphml"
    done = run_cli("export", "--format", "graphml", "-o", str(out), store=store)
    assert done.returncode == 0, done.stderr
    g = nx.read_graphml(out)
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert {"Claim", "Model", "Method", "Benchmark", "Organization", "Event"} <= kinds
    assert all(d.get("label") for _, d in g.nodes(data=True))
    assert g.nodes[AA]["label"] == "AA-Omniscience"
    assert any(d["label"] == "dependsOn" for _, _, d in g.edges(data=True))
    bad = run_cli("export", "--format", "graphml", "--dossier", "x", store=store)
    assert bad.returncode == 2 and "--around" in bad.stderr


def test_the_whole_graph_read_at_once_is_the_graph_read_node_by_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole graph reads every node's attributes in a few scans (``_Builder.read_all``); a neighbourhood reads
    them a node at a time. Both give the same nodes, attributes and links, on odd data too: several labels, texts
    and kinds on one node, a claim without its text, a review status."""
    from pyoxigraph import NamedNode, Quad, RdfFormat, parse

    from tests.test_odd_data import GRAPH, odd_graph

    def whole(g: Claimgraph) -> tuple[dict[str, dict[str, object]], set[tuple[str, str, str, str]]]:
        built = analytics.build_graph(g.store, max_nodes=None)
        return (dict(built.nodes(data=True)),
                {(u, v, k, json.dumps(d, sort_keys=True)) for u, v, k, d in built.edges(keys=True, data=True)})

    with Claimgraph(Settings(store="memory:")) as g:
        g.ingest([SEED, REAL, DOSSIERS / "variants"])
        odd = NamedNode(GRAPH)
        g.store.add_quads([Quad(t.subject, t.predicate, t.object, odd) for t in parse(odd_graph(), RdfFormat.TURTLE)])
        # a node of two kinds, a review status, a claim without its text, a metric nothing links (not drawn)
        g.store.update(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}-0> a cg:Model , cg:Method ; "
                       f"cg:reviewStatus 'b', 'a' . <{GRAPH}/bare> a cg:Claim ; rdfs:label 'bare' ; "
                       f"cg:mentions <{GRAPH}-0> . <{GRAPH}/lonely> a cg:Metric }} }}",
                       prefixes={"cg": "https://w3id.org/claimgraph/ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"})
        at_once = whole(g)
        with monkeypatch.context() as patched:
            patched.setattr(analytics._Builder, "read_all", lambda self: None)
            one_by_one = whole(g)
        # a whole graph for a file is written as its links are read, never held: the same graph in every format
        built = analytics.build_graph(g.store, max_nodes=None)
        for fmt, read in (("graphml", lambda f: nx.read_graphml(f, force_multigraph=True)), ("gexf", nx.read_gexf),
                          ("nodelink", lambda f: nx.node_link_graph(json.load(f), edges="edges")),
                          ("cytoscape", lambda f: sorted(json.dumps(e, sort_keys=True) for e in chain(
                              *json.load(f)["elements"].values()))),
                          ("dot", lambda f: sorted(f.read().decode().splitlines()))):
            streamed, held = io.BytesIO(), io.BytesIO()
            analytics.write_whole_graph(g.store, fmt, streamed)
            analytics.write_graph(built, fmt, held)
            streamed.seek(0)
            held.seek(0)
            back, expected = read(streamed), read(held)
            if isinstance(back, nx.MultiDiGraph):
                back, expected = (({n: d for n, d in h.nodes(data=True)},
                                   sorted((u, v, k, json.dumps({a: b for a, b in d.items() if a != "id"},
                                                               sort_keys=True))
                                          for u, v, k, d in h.edges(keys=True, data=True))) for h in (back, expected))
            assert back == expected, fmt
    assert at_once == one_by_one
    nodes = at_once[0]
    assert len(nodes) > 100 and {d["kind"] for d in nodes.values()} >= {"Claim", "Model", "Benchmark", "Metric"}
    assert nodes[f"{GRAPH}-0"]["kind"] == "Model" and nodes[f"{GRAPH}-0"]["review"] == "a"
    assert (nodes[f"{GRAPH}/bare"]["label"], nodes[f"{GRAPH}/bare"]["stance"]) == ("bare", "")
    assert f"{GRAPH}/lonely" not in nodes
    assert len({d["label"] for iri, d in nodes.items() if iri.startswith(GRAPH + "/claim/")}) > 20


def test_every_format_reads_back(graph: Claimgraph, tmp_path: Path) -> None:
    """Each format, written as it goes, reads back into networkx as the graph it was written from: every node with
    its attributes, every edge with its key and attributes (text XML cannot hold is left out)."""
    g = analytics.build_graph(graph.store)
    odd = "urn:x:odd"
    g.add_node(odd, kind="Model", label='a <b> & "c"\x01 é\nand\ta line', conflicted=True)
    g.add_edge(odd, AA, key="mentions", label="mentions")

    def held(h: nx.MultiDiGraph, leave: str = "") -> tuple[dict[str, object], list[tuple[str, str, str, str]]]:
        return ({n: d for n, d in h.nodes(data=True)},
                sorted((u, v, k, json.dumps({a: b for a, b in d.items() if a != leave}, sort_keys=True))
                       for u, v, k, d in h.edges(keys=True, data=True)))

    nodes, edges = held(g)
    nodes[odd] = {**g.nodes[odd], "label": 'a <b> & "c" é\nand\ta line'}
    for fmt, read, leave in (("graphml", lambda f: nx.read_graphml(f, force_multigraph=True), ""),
                             ("gexf", nx.read_gexf, "id"),  # networkx reads a GEXF edge's id as an attribute
                             ("nodelink", lambda f: nx.node_link_graph(json.load(f), edges="edges"), "")):
        path = tmp_path / f"g.{fmt}"
        with path.open("wb") as out:
            assert analytics.write_graph(g, fmt, out) is None
        with path.open("rb") as written:
            back = held(read(written), leave)
        assert back == ((held(g)[0] if fmt == "nodelink" else nodes), edges), fmt
        assert path.read_bytes() == analytics.write_graph(g, fmt)
    cyto = json.loads(analytics.write_graph(g, "cytoscape"))  # type: ignore[arg-type]
    assert [e["data"] for e in cyto["elements"]["nodes"]] == [{"id": n, **d} for n, d in g.nodes(data=True)]
    assert len(cyto["elements"]["edges"]) == g.number_of_edges()
    assert {(e["data"]["source"], e["data"]["target"]) for e in cyto["elements"]["edges"]} == set(g.edges())
    dot = analytics.write_graph(g, "dot").decode()  # type: ignore[union-attr]
    assert dot.startswith("digraph claimgraph {") and 'label="AA-Omniscience"' in dot and "color=red" in dot
    assert dot.count(" -> ") == g.number_of_edges() and dot.rstrip().endswith("}")


def test_neighbourhood_and_filters(graph: Claimgraph) -> None:
    around = analytics.build_graph(graph.store, analytics.GraphFilter(around=AA, depth=1))
    assert {d["label"] for _, d in around.nodes(data=True) if d["kind"] != "Claim"} == {"AA-Omniscience"}
    assert [d["kind"] for _, d in around.nodes(data=True)].count("Claim") == 1
    deeper = analytics.build_graph(graph.store, analytics.GraphFilter(around=AA, depth=2))
    assert "Gemini 3.1 Pro" in {d["label"] for _, d in deeper.nodes(data=True)}
    caveats = analytics.build_graph(graph.store, analytics.GraphFilter(stance="caveat"))
    assert {d.get("stance") for _, d in caveats.nodes(data=True) if d["kind"] == "Claim"} == {"caveat"}
    on_mmlu = analytics.build_graph(graph.store, analytics.GraphFilter(benchmark=MMLU))
    claims = [n for n, d in on_mmlu.nodes(data=True) if d["kind"] == "Claim"]
    assert claims and all(on_mmlu.has_edge(c, MMLU) for c in claims)
    only = analytics.build_graph(graph.store, analytics.GraphFilter(kinds=frozenset({"Benchmark"})))
    assert {d["kind"] for _, d in only.nodes(data=True)} == {"Claim", "Benchmark"}
    conflicts = [d for _, _, d in analytics.build_graph(graph.store).edges(data=True) if d.get("conflict")]
    nodes = [d for _, d in analytics.build_graph(graph.store).nodes(data=True) if d.get("conflicted")]
    assert nodes and all(c["label"] for c in conflicts)
    with pytest.raises(UsageError, match="around"):
        analytics.build_graph(graph.store, max_nodes=10)


def test_a_neighbourhood_past_the_bound_is_refused_and_one_at_it_drawn(graph: Claimgraph) -> None:
    for depth in (1, 2):
        where = analytics.GraphFilter(around=MMLU, depth=depth)
        size = analytics.build_graph(graph.store, where, max_nodes=None).number_of_nodes()
        assert size > 3
        assert analytics.build_graph(graph.store, where, max_nodes=size).number_of_nodes() == size
        with pytest.raises(UsageError, match=f"more than {size - 1} nodes"):
            analytics.build_graph(graph.store, where, max_nodes=size - 1)


def test_centrality_and_impact(graph: Claimgraph) -> None:
    top = analytics.centrality(graph.store, "Benchmark")
    assert top[0]["label"] == "MMLU" and top[0]["depending"] >= 5
    assert analytics.impact(graph.store, AA) == ["https://w3id.org/claimgraph/id/dossier/training-methodology-frontier-shift/claim/3"]
    assert len(analytics.impact(graph.store, MMLU)) == top[0]["depending"]


def test_graph_json_over_http(graph: Claimgraph) -> None:
    with TestClient(create_app(graph)) as client:
        body = client.get("/graph.json", params={"around": "AA-Omniscience", "depth": 2}).json()
        assert body["around"] == AA and body["nodes"] == len([e for e in body["elements"] if "source" not in e["data"]])
        assert client.get("/graph.json", params={"around": "no such thing"}).status_code == 400
        assert client.get("/graph.json", params={"kind": "Spaceship"}).status_code == 400
        page = client.get("/id/benchmark/mmlu.json").json()
        boards = page["page"]["leaderboards"]
        assert {b["setting"] for b in boards} >= {"shots=5;harness=helm", "shots=5;harness=lm-eval-harness"}
        assert client.get("/conflicts", headers={"Accept": "text/html"}).headers["content-type"].startswith("text/html")
        assert client.get("/conflicts.json").json()["total"] >= 2


def test_a_benchmarks_leaderboards_come_from_the_facts_a_server_holds_while_they_are_current(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyoxigraph import NamedNode

    from claimgraph.services import views
    from claimgraph.services.conflicts import index

    def boards(g: Claimgraph, held: bool = False) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
        """The leaderboards on MMLU's page: read from the store, or (``held``) from the index's facts without
        reading the store."""
        def no_reading(*args: object, **kwargs: object) -> None:
            raise AssertionError("read from the store")

        with monkeypatch.context() as patched:
            if held:
                patched.setattr(views, "load_facts", no_reading)
                patched.setattr(index, "load_facts", no_reading)
            page = views.entity_view(g.store, NamedNode(MMLU), conflicts=g.conflicts if held else None)
        return [(b["metric"], b["setting"], [(r["model"]["label"], r["written"], r["claim"]["iri"]) for r in b["rows"]])
                for b in page["leaderboards"]]  # type: ignore[index]

    with Claimgraph(Settings(store="memory:")) as g:
        g.ingest([SEED, *sorted(REAL.glob("*.md"))])
        read = boards(g)
        assert sum(len(rows) for _, _, rows in read) > 15
        g.conflicts.warm()
        assert boards(g, held=True) == read
        # an ingest: the index follows it, and the page has its score without reading the store
        dossier = tmp_path / "one-more-mmlu-score.md"
        dossier.write_text("# One more MMLU score\n\n- **created:** 2026-11-28\n\n## Claims\n\n"
                           "### [evidence] Zephyr-7B-beta scores 61.4% on MMLU (5-shot).\n\n"
                           "**Provenance history**:\n- `2026-11-28` **asserted as evidence** — Source: a test.\n",
                           encoding="utf-8")
        g.ingest([dossier])
        grown = boards(g, held=True)
        assert grown == boards(g) and ("Zephyr-7B-beta", "61.4%") in [
            (m, w) for _, setting, rows in grown if setting == "shots=5" for m, w, _ in rows]
        # a write the index does not follow (SPARQL Update): the page is read from the store again
        g.store.update("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s a cg:Score ; cg:model ?m ; ?p ?o } "
                       "GRAPH ?h { ?m rdfs:label 'Falcon-7B' } }",
                       prefixes={"cg": "https://w3id.org/claimgraph/ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"})
        with pytest.raises(AssertionError, match="read from the store"):
            boards(g, held=True)
        after = views.entity_view(g.store, NamedNode(MMLU), conflicts=g.conflicts)["leaderboards"]  # type: ignore
        assert after == views.entity_view(g.store, NamedNode(MMLU))["leaderboards"]  # type: ignore[index]
        assert any(m == "Falcon-7B" for _, _, rows in read for m, _, _ in rows)
        assert not any(r["model"]["label"] == "Falcon-7B" for b in after for r in b["rows"])


def test_the_editor_offers_the_readmes_queries() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    written = [" ".join(q.split()) for q in re.findall(r"```sparql\n(.*?)```", readme, flags=re.S)]
    offered = [" ".join(line for line in e["query"].splitlines() if not line.startswith("PREFIX ")).split()
               for e in examples()]
    offered_text = [" ".join(words) for words in offered]
    assert all(q in offered_text for q in written)


def test_exports_and_analytics_over_http(graph: Claimgraph) -> None:
    with TestClient(create_app(graph)) as client:
        graphml = client.get("/api/graph", params={"format": "graphml", "around": "AA-Omniscience", "depth": 1})
        assert graphml.status_code == 200 and graphml.headers["content-type"].startswith("application/graphml+xml")
        g = nx.read_graphml(io.BytesIO(graphml.content))
        assert {d["label"] for _, d in g.nodes(data=True) if d["kind"] == "Benchmark"} == {"AA-Omniscience"}
        assert client.get("/api/graph", params={"format": "png"}).status_code == 400
        impacted = client.get("/api/impact", params={"target": "MMLU"}).json()
        assert impacted["target"] == MMLU and impacted["total"] == len(analytics.impact(graph.store, MMLU)) > 5
        top = client.get("/api/centrality", params={"kind": "Benchmark", "limit": 3}).json()["items"]
        assert top[0]["label"] == "MMLU" and len(top) == 3
        assert client.get("/api/centrality", params={"kind": "Spaceship"}).status_code == 400


def test_the_dossier_page_lists_its_claims_revisions_and_conflicts(graph: Claimgraph) -> None:
    with TestClient(create_app(graph)) as client:
        page = client.get("/id/dossier/mmlu-reported-by-papers", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "<h2 id=\"claims\">Claims (3)</h2>" in page.text
        assert "score-disagreement" in page.text and "ingested" in page.text


def test_a_file_export_holds_the_whole_graph_past_what_a_browser_draws(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The web's graph view stops at MAX_NODES (what a browser can draw); `claimgraph export` to a file for a graph
    tool does not (at 100k claims the whole graph has ~100k nodes)."""
    from claimgraph.interfaces import cli

    store = tmp_path / "store"
    assert run_cli("ingest", str(SEED), store=store).returncode == 0
    with Claimgraph(Settings(store=str(store))) as graph:
        nodes = nx.read_graphml(io.BytesIO(graph.export_graph("graphml", max_nodes=None))).number_of_nodes()
        monkeypatch.setattr(analytics.build_graph, "__kwdefaults__", {"max_nodes": 10})
        with pytest.raises(UsageError, match="more than 10"):
            analytics.build_graph(graph.store)
    out = tmp_path / "g.graphml"
    assert cli.main(["export", "--store", str(store), "--format", "graphml", "-o", str(out)]) == 0
    assert nx.read_graphml(out).number_of_nodes() == nodes
