"""The JSON API, linked data, and self-description, in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode

from claimgraph.config import Settings
from claimgraph.interfaces.core import Claimgraph
from claimgraph.interfaces.http.app import create_app
from claimgraph.namespaces import DATA, PREFIXES
from tests.conftest import DOSSIERS, REAL, ROOT, SEED, SEEDS, TOKEN

CLAIM3 = "/api/claims/training-methodology-frontier-shift/3"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with Claimgraph(Settings(store="memory:", token=TOKEN)) as graph:
        graph.ingest([SEEDS, DOSSIERS / "variants", REAL])
        with TestClient(create_app(graph)) as c:
            yield c


def test_claims_paging(client: TestClient) -> None:
    first = client.get("/api/claims", params={"limit": 3}).json()
    assert first["total"] == 32 and len(first["items"]) == 3 and first["next"]
    second = client.get(first["next"]).json()
    assert second["offset"] == 3 and {i["iri"] for i in first["items"]}.isdisjoint(i["iri"] for i in second["items"])
    everything = client.get("/api/claims", params={"limit": 500}).json()
    assert len(everything["items"]) == 32 and everything["next"] is None


def test_claims_filters(client: TestClient) -> None:
    caveats = client.get("/api/claims", params={"stance": "caveat"}).json()
    assert caveats["total"] == 11 and {i["stance"] for i in caveats["items"]} == {"caveat"}
    seed = client.get("/api/claims", params={"dossier": "training-methodology-frontier-shift"}).json()
    assert [i["position"] for i in seed["items"]] == [1, 2, 3]
    aa = client.get("/api/claims", params={"entity": "benchmark/aa-omniscience"}).json()
    assert [i["path"] for i in aa["items"]] == ["/id/dossier/training-methodology-frontier-shift/claim/3"]
    by_iri = client.get("/api/claims", params={"entity": DATA.iri + "benchmark/aa-omniscience"}).json()
    assert by_iri["items"] == aa["items"]


@pytest.mark.parametrize("hostile", ["caveat' } ; DROP ALL #", '"}\nDELETE WHERE { ?s ?p ?o }', "> } ; DROP ALL"])
def test_hostile_filters_change_nothing(client: TestClient, hostile: str) -> None:
    before = client.get("/index.json").json()["quads"]
    response = client.get("/api/claims", params={"stance": hostile})
    assert response.status_code == 200 and response.json()["total"] == 0
    response = client.get("/api/claims", params={"entity": "model/" + hostile})
    assert response.status_code in (200, 400)
    assert client.get("/index.json").json()["quads"] == before


def test_limits_are_enforced(client: TestClient) -> None:
    r = client.get("/api/claims", params={"limit": 100000})
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"


def test_one_claim_with_assertions_and_provenance(client: TestClient) -> None:
    claim = client.get(CLAIM3).json()
    assert claim["stance"] == "caveat" and claim["position"] == 3
    assert {m["path"] for m in claim["mentions"]} >= {"/id/benchmark/aa-omniscience", "/id/model/gemini-3-1-pro"}
    assert claim["provenance"] == [{"iri": claim["iri"] + "/event/1", "sequence": 1, "date": "2026-06-04",
                                    "action": "asserted", "label": "asserted as caveat", "stance": "caveat",
                                    "note": "First asserted."}]
    assert any(a["predicate"].endswith("#text") for a in claim["assertions"])
    assert client.get("/api/claims/training-methodology-frontier-shift/9").status_code == 404


def test_entity_and_benchmark_claims(client: TestClient) -> None:
    model = client.get("/api/entities/model/gpt-4o").json()
    assert model["label"] == "GPT-4o" and "GPT4o" in model["altLabels"]
    assert [c["path"] for c in model["claims"]] == ["/id/dossier/training-methodology-frontier-shift/claim/1"]
    for path in ("/api/benchmarks/aa-omniscience/claims", "/benchmarks/aa-omniscience/claims"):
        body = client.get(path).json()
        assert body["benchmark"]["label"] == "AA-Omniscience"
        assert [c["relations"] for c in body["claims"]] == [["dependsOn", "mentions"]]
    assert client.get("/api/entities/model/no-such-model").status_code == 404
    assert client.get("/api/entities/spaceship/x").status_code == 404


def test_an_entitys_claims_come_in_pages(client: TestClient) -> None:
    """Every way an entity's claims are listed pages them: in the order of their IRIs, each once, with the total
    and a link to the next page; the page of HTML links to the next too."""
    whole = client.get("/api/entities/benchmark/mmlu", params={"limit": 500}).json()
    everything = [c["iri"] for c in whole["claims"]]
    assert len(everything) == whole["claimsTotal"] >= 5 and everything == sorted(everything) and whole["next"] is None
    for path in ("/api/entities/benchmark/mmlu", "/api/benchmarks/mmlu/claims", "/id/benchmark/mmlu.json"):
        seen: list[str] = []
        url: str | None = path
        params: dict[str, int] | None = {"limit": 2}
        while url:
            body = client.get(url, params=params).json()
            params = None  # the next link says it all
            page = body["claims"]
            assert 1 <= len(page) <= 2
            seen += [c["iri"] for c in page]
            total = body.get("total", body.get("claimsTotal"))
            assert total == len(everything)
            if path.endswith(".json"):  # the twin's page view lists the same page
                assert [c["iri"] for c in body["page"]["claims"]] == [c["iri"] for c in page]
                following = body["page"]["next_offset"]
                url = f"{path}?limit=2&offset={following}" if following is not None else None
            else:
                url = body["next"]
        assert seen == everything, path
    html = client.get("/id/benchmark/mmlu", params={"limit": 2}, headers={"Accept": "text/html"}).text
    assert f"1–2 of {len(everything)}" in html and 'rel="next" href="?offset=2#claims"' in html
    second = client.get("/id/benchmark/mmlu", params={"limit": 2, "offset": 2}, headers={"Accept": "text/html"}).text
    assert 'rel="prev" href="?offset=0#claims"' in second and f"3–4 of {len(everything)}" in second
    for bad in ({"offset": -1}, {"limit": 0}, {"limit": 501}, {"offset": "x"}):
        for page_path in ("/id/benchmark/mmlu", "/id/benchmark/mmlu.json", "/api/entities/benchmark/mmlu"):
            answer = client.get(page_path, params=bad, headers={"Accept": "text/html"})
            assert answer.status_code in (400, 422) and "problem+json" in answer.headers["content-type"], (page_path, bad)


def test_an_entitys_scores_come_in_pages(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entity's scores are listed in pages, in the order of their IRIs, each score with every value it holds
    (the rows a query joining each property gives); the entity and its twin hold the first page, its total and
    a link to the next."""
    from claimgraph.services import catalog

    whole = client.get("/api/entities/benchmark/mmlu/scores", params={"limit": 500}).json()
    everything = whole["scores"]
    iris = [row["score"]["value"] for row in everything]
    assert whole["total"] == len(set(iris)) >= 3 and iris == sorted(iris) and whole["next"] is None
    store = client.app.state.graph.store  # type: ignore[attr-defined]
    fields = ("score", "model", "benchmark", "metric", "value", "unit", "rank", "setting", "claim")
    mmlu = f"<{DATA.iri}benchmark/mmlu>"
    queried = [{name: catalog.term_json(row[name]) for name in fields} for row in store.query(
        f"SELECT * WHERE {{ {{ ?score cg:benchmark {mmlu} }} UNION {{ ?score cg:model {mmlu} }}"
        " ?score a cg:Score OPTIONAL { ?score cg:model ?model } OPTIONAL { ?score cg:benchmark ?benchmark }"
        " OPTIONAL { ?score cg:metric ?metric } OPTIONAL { ?score cg:value ?value } OPTIONAL { ?score cg:unit ?unit }"
        " OPTIONAL { ?score cg:rank ?rank } OPTIONAL { ?score cg:setting ?setting }"
        " OPTIONAL { ?score cg:assertedBy ?claim } }", prefixes=PREFIXES)]
    key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
    assert sorted(everything, key=key) == sorted(queried, key=key)
    found: list[object] = []
    scores_of = catalog._scores_of
    monkeypatch.setattr(catalog, "_scores_of", lambda store, entity: found.append(entity) or scores_of(store, entity))
    seen: list[dict[str, object]] = []
    url: str | None = "/api/entities/benchmark/mmlu/scores?limit=2"
    while url:
        body = client.get(url).json()
        assert body["total"] == whole["total"] and body["entity"]["path"] == "/id/benchmark/mmlu"
        seen += body["scores"]
        url = body["next"]
    assert seen == everything
    assert found == []  # every page took the scores found for the first (nothing written since)
    monkeypatch.setattr(catalog, "SCORES_PAGE", 2)
    for path in ("/api/entities/benchmark/mmlu", "/id/benchmark/mmlu.json"):
        entity = client.get(path).json()
        assert entity["scores"] == [row for row in everything if row["score"]["value"] in iris[:2]]
        assert entity["scoresTotal"] == whole["total"] and entity["scoresOffset"] == 0
        following = client.get(entity["scoresNext"]).json()
        assert following["offset"] == 2 and following["scores"][0]["score"]["value"] == sorted(set(iris))[2]
    assert client.get("/api/entities/model/gpt-4o").json()["scoresNext"] is None  # all its scores on one page
    assert client.get("/api/entities/benchmark/no-such/scores").status_code == 404
    assert client.get("/api/entities/spaceship/x/scores").status_code == 404
    for bad in ({"offset": -1}, {"limit": 0}, {"limit": 501}):
        assert client.get("/api/entities/benchmark/mmlu/scores", params=bad).status_code in (400, 422)


def test_a_score_without_an_iri_is_listed_too() -> None:
    """A score written as a blank node (SPARQL Update, the Graph Store Protocol) cannot be named in a query: it is
    read by lookups, and listed with the others."""
    from claimgraph.services import catalog

    with Claimgraph(Settings(store="memory:", token=TOKEN)) as graph:
        graph.ingest([SEEDS])
        bench = NamedNode(DATA.iri + "benchmark/aa-omniscience")
        before, rows = catalog.entity_scores(graph.store, bench)
        graph.store.update(f"PREFIX cg: <{PREFIXES['cg']}> INSERT DATA {{ GRAPH <urn:x:odd> {{ _:s a cg:Score ; "
                           f"cg:benchmark <{bench.value}> ; cg:value 12.5, 13.5 ; cg:setting 'shots=0' }} }}")
        total, after = catalog.entity_scores(graph.store, bench)
        assert total == before + 1 and after[len(after) - len(rows):] == rows  # blank nodes come first
        odd = after[:len(after) - len(rows)]
        assert [(row["value"]["value"], row["setting"]["value"], row["model"]) for row in odd] == [
            ("12.5", "shots=0", None), ("13.5", "shots=0", None)]
        assert catalog.entity_scores(graph.store, bench, 1, 0)[1] == odd  # one score: both its rows


def test_an_entitys_claims_are_each_listed_once_with_one_text() -> None:
    """A claim whose text or stance is held twice (in two graphs, or two different ones) is listed once, with the
    least of each; something that is not a claim (a blank node, a node with no text) naming the entity is not."""
    from claimgraph.services import catalog

    with Claimgraph(Settings(store="memory:", token=TOKEN)) as graph:
        graph.ingest([SEEDS])
        bench = NamedNode(DATA.iri + "benchmark/aa-omniscience")
        total, claims = catalog.entity_claims(graph.store, bench)
        first = claims[0]
        graph.store.update(
            f"PREFIX cg: <{PREFIXES['cg']}> INSERT DATA {{ GRAPH <urn:x:odd> {{ "
            f"<{first['iri']}> cg:text {json.dumps(first['text'])}, 'A text that sorts first' ; "
            f"cg:stance {json.dumps(first['stance'])} . "
            f"_:b cg:mentions <{bench.value}> ; cg:text 'a blank node' ; cg:stance 'caveat' . "
            f"<urn:x:no-text> cg:mentions <{bench.value}> ; cg:stance 'caveat' }} }}")
        again_total, again = catalog.entity_claims(graph.store, bench)
        assert again_total == total + 2  # the two that name it are counted, and not listed
        assert [c["iri"] for c in again] == [c["iri"] for c in claims]
        assert again[0] == {**first, "text": "A text that sorts first"} and again[1:] == claims[1:]


def test_a_page_looks_up_each_label_once(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model's page (its scores and comparisons) and a claim's page look up the label of each thing they link
    once (on a remote store each lookup is a request), and show what they showed looking each up every time."""
    from collections import Counter

    from claimgraph.services import views

    store = client.app.state.graph.store  # type: ignore[attr-defined]
    model = max((row["m"].value for row in store.query(
        "SELECT DISTINCT ?m WHERE { ?c a cg:Comparison ; cg:model ?m }", prefixes=PREFIXES)),
        key=lambda m: (len(list(store.match(None, NamedNode(PREFIXES["cg"] + "model"), NamedNode(m)))), m))
    path = model.replace(DATA.iri, "/id/") + ".json"
    claim = CLAIM3.replace("/api/claims/", "/id/dossier/").replace("/3", "/claim/3") + ".json"
    looked: Counter[str] = Counter()
    label = views._label
    monkeypatch.setattr(views, "_label", lambda store, iri: (looked.update([iri]), label(store, iri))[1])
    pages = {}
    for page in (path, claim):
        looked.clear()
        pages[page] = client.get(page).json()["page"]
        assert looked and max(looked.values()) == 1, (page, looked.most_common(3))
    assert pages[path]["comparisons"] and pages[path]["scores"]
    monkeypatch.setattr(views, "_linker", lambda store: lambda iri: views._link(store, iri))
    assert {p: client.get(p).json()["page"] for p in pages} == pages


def test_the_claims_lists_count_is_kept_until_the_store_is_written(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from claimgraph.services import catalog

    counted: list[catalog.ClaimFilter] = []
    count = catalog._count_claims

    def counting(store: object, flt: catalog.ClaimFilter) -> dict[object, int]:
        counted.append(flt)
        return count(store, flt)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog, "_count_claims", counting)
    monkeypatch.setattr(catalog, "COUNTS_KEPT", 2)
    with Claimgraph(Settings(store=str(tmp_path / "store"), token=TOKEN)) as graph, \
            TestClient(create_app(graph)) as client:
        graph.ingest([SEEDS, REAL])

        def pages(**filters: object) -> tuple[int, list[str]]:
            """The total and every claim, read three at a time."""
            seen, offset, total = [], 0, -1
            while offset == 0 or offset < total:
                body = client.get("/api/claims", params={**filters, "limit": 3, "offset": offset}).json()
                seen += [c["iri"] for c in body["items"]]
                offset, total = offset + 3, body["total"]
            return total, seen

        everything = client.get("/api/claims", params={"limit": 500}).json()
        assert counted == [catalog.ClaimFilter()]
        total, seen = pages()
        assert (total, seen) == (everything["total"], [c["iri"] for c in everything["items"]]) and total > 20
        assert counted == [catalog.ClaimFilter()]  # every page after the first took the count kept
        caveats = pages(stance="caveat")
        assert caveats[0] == len(caveats[1]) < total and len(counted) == 2
        # a write: counted again, and the new dossier's claims are in the list
        dossier = tmp_path / "three-more.md"
        dossier.write_text("# Three more claims\n\n- **created:** 2026-11-28\n\n## Claims\n\n" + "".join(
            f"### [caveat] Model-{n} scores {50 + n}.0% on MMLU (5-shot).\n\n**Provenance history**:\n"
            f"- `2026-11-28` **asserted as caveat** — Source: a test.\n\n" for n in range(3)), encoding="utf-8")
        graph.ingest([dossier])
        grown = pages()
        assert grown[0] == len(grown[1]) == total + 3 and set(seen) < set(grown[1])
        assert grown[1] == [c["iri"] for c in client.get("/api/claims", params={"limit": 500}).json()["items"]]
        assert pages(stance="caveat")[0] == caveats[0] + 3
        # a raw write (SPARQL Update) moves the generation too
        removed = caveats[1][0]
        graph.store.update(f"DELETE WHERE {{ GRAPH ?g {{ <{removed}> ?p ?o }} }}")
        after = pages(stance="caveat")
        assert after[0] == caveats[0] + 2 and removed not in after[1]
        # the last two filters are kept, the one before them counted again
        before = len(counted)
        pages(stance="evidence")
        pages(stance="caveat")
        pages()
        assert counted[before:] == [catalog.ClaimFilter(stance="evidence"), catalog.ClaimFilter()]


def test_a_leaderboard_on_a_page_lists_its_best_rows(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimgraph.services import views

    full = client.get("/id/benchmark/mmlu.json").json()["page"]["leaderboards"]
    board = max(full, key=lambda b: len(b["rows"]))
    assert len(board["rows"]) >= 3 and board["rows_total"] == len(board["rows"])
    monkeypatch.setattr(views, "BOARD_ROWS", 2)
    cut = {(b["metric"], b["setting"]): b for b in client.get("/id/benchmark/mmlu.json").json()["page"]["leaderboards"]}
    short = cut[(board["metric"], board["setting"])]
    assert short["rows"] == board["rows"][:2] and short["rows_total"] == len(board["rows"])
    html = client.get("/id/benchmark/mmlu", headers={"Accept": "text/html"}).text
    assert f"The best 2 of {len(board['rows'])} scores" in html


def test_every_minted_iri_resolves(client: TestClient) -> None:
    minted = set()
    for row in client.app.state.graph.store.match(None, None, None):  # type: ignore[attr-defined]
        for term in (row.subject, row.object, row.graph_name):
            if isinstance(term, NamedNode) and term.value.startswith(DATA.iri):
                minted.add(term.value)
    assert len(minted) > 60
    for iri in sorted(minted):
        path = "/id/" + iri[len(DATA.iri):]
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        assert f'href="{path}.json"' in page.text
        assert client.get(path + ".json").status_code == 200, path
        turtle = client.get(path, headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200 and turtle.headers["content-type"] == "text/turtle; charset=utf-8", path
        assert client.get(path, headers={"Accept": "application/ld+json"}).status_code == 200, path


def test_ontology_resolves(client: TestClient) -> None:
    assert "cg:Claim" in client.get("/ns", headers={"Accept": "text/html"}).text
    assert "cg:Claim" in client.get("/ns", headers={"Accept": "text/turtle"}).text
    assert "https://w3id.org/claimgraph/ns#Claim" in client.get("/ns.json").json()["terms"]


def test_unknown_resource_is_404(client: TestClient) -> None:
    r = client.get("/id/model/nothing-like-this")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_void_and_service_description(client: TestClient) -> None:
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert void.status_code == 200 and "void:Dataset" in void.text and "void:sparqlEndpoint" in void.text
    sd = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert "sd:UnionDefaultGraph" in sd.text and "sd:SPARQL11Update" in sd.text
    assert client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False).status_code == 303
    assert client.get("/openapi.json").json()["paths"]["/api/claims"]


def test_post_dossier(client: TestClient) -> None:
    text = (DOSSIERS / "revision" / "v1.md").read_bytes()
    headers = {"Content-Type": "text/markdown"}
    before = client.get("/index.json").json()["quads"]
    assert client.post("/api/dossiers", content=text, headers=headers).status_code == 401
    bad = client.post("/api/dossiers", params={"name": "broken.md"},
                      content=(DOSSIERS / "malformed" / "bad-date.md").read_bytes(),
                      headers={**headers, "Authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("broken.md:8: expected the provenance entry date")
    assert client.get("/index.json").json()["quads"] == before  # neither the refused nor the bad one wrote
    created = client.post("/api/dossiers", params={"name": "v1.md"}, content=text,
                          headers={**headers, "Authorization": f"Bearer {TOKEN}"})
    assert created.status_code == 201 and created.json()["status"] == "added"
    again = client.post("/api/dossiers", content=text, headers={**headers, "Authorization": f"Bearer {TOKEN}"})
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    # the new dossier is queryable at once
    r = client.get("/sparql", params={"query": "ASK { ?d cg:canonicalPath '/dossier/test-time-compute' }"},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.json()["boolean"] is True


def test_writes_refused_when_no_token_is_configured() -> None:
    with Claimgraph(Settings(store="memory:", token=None)) as graph, TestClient(create_app(graph)) as c:
        for token in ("", "anything"):
            r = c.post("/update", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update",
                                                                 "Authorization": f"Bearer {token}"})
            assert r.status_code == 403
        assert c.post("/api/dossiers", content=SEED.read_bytes(), headers={"Authorization": "Bearer x"}).status_code == 403


def test_body_and_query_size_limits() -> None:
    settings = Settings(store="memory:", token=TOKEN, max_query_bytes=100, max_body_bytes=1000)
    with Claimgraph(settings) as graph, TestClient(create_app(graph)) as c:
        long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200
        assert c.get("/sparql", params={"query": long_query}).status_code == 413
        r = c.post("/update", content=b"#" * 2000, headers={"Content-Type": "application/sparql-update",
                                                            "Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 413


def test_writes_are_rate_limited_per_address() -> None:
    settings = Settings(store="memory:", token=TOKEN, write_rate=1.0, write_burst=3)
    with Claimgraph(settings) as graph, TestClient(create_app(graph)) as c:
        update = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
        statuses = [c.post("/update", content=b"CLEAR SILENT GRAPH <http://example.org/g>", headers=update).status_code
                    for _ in range(5)]
        assert statuses[:3] == [204, 204, 204] and statuses[3:] == [429, 429]
        limited = c.post("/update", content=b"CLEAR SILENT GRAPH <http://example.org/g>", headers=update)
        assert limited.headers["retry-after"].isdigit() and "too many writes" in limited.json()["detail"]
        # guessing tokens is slowed down too, and reads are never limited
        assert c.post("/update", content=b"CLEAR ALL", headers={**update, "Authorization": "Bearer guess"}).status_code == 429
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_conflicts_over_http(client: TestClient) -> None:
    listed = client.get("/conflicts")
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == len(body["items"]) >= 2
    assert {c["type"] for c in body["items"]} == {"score-disagreement", "comparison-cycle"}
    assert client.get("/conflicts", params={"type": "rank-inconsistent"}).json()["items"] == []
    assert client.get("/conflicts", params={"entity": "Falcon-7B"}).json()["total"] == 1
    assert client.get("/conflicts", params={"type": "nonsense"}).status_code == 400
    assert client.get("/conflicts", params={"entity": "No Such Model"}).status_code == 400
    quads = client.app.state.graph.store.count()  # type: ignore[attr-defined]
    claim = {"text": "Grok 4.20 Multi-Agent Beta ranks 1st on the Intelligence Index at 48"}
    found = client.post("/conflicts/check", json=claim)
    assert found.status_code == 200
    (conflict,) = found.json()
    assert conflict["type"] == "rank-inconsistent"
    assert sorted(e["value"] for e in conflict["evidence"] if e["model_label"] != "Grok 4.20 Multi-Agent Beta") == [53, 57]
    third = client.post("/conflicts/check", content="### [evidence] Grok 4.20 Multi-Agent Beta ranks 3rd on the "
                        "Intelligence Index at 48", headers={"Content-Type": "text/markdown"})
    assert third.status_code == 200 and third.json() == []
    assert client.app.state.graph.store.count() == quads  # type: ignore[attr-defined]
    bad = client.post("/conflicts/check", content=b"{", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert client.post("/conflicts/check", content=b"x", headers={"Content-Type": "image/png"}).status_code == 415
    wrong = client.post("/conflicts/check", json={"assertions": {"scores": [{"model": "GPT-4o", "value": 3}]}})
    assert wrong.status_code == 400 and "benchmark" in wrong.json()["detail"]


def test_claims_pages_read_by_dossier_are_the_slices_of_one_sorted_query(tmp_path: Path) -> None:
    """``catalog.claims_page`` reads a page dossier by dossier; every page of every filter is the same slice of
    the page query sorted whole by the engine, its total that query's length."""
    import sys

    from claimgraph.services import catalog

    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import write_corpus

    write_corpus(tmp_path / "corpus", 45, per_dossier=7, seed=5)  # 7 dossiers: six of 7 claims, one of 3
    with Claimgraph(Settings(store="memory:")) as graph:
        graph.ingest([tmp_path / "corpus", SEED])
        named = next(iter(graph.store.query(
            "SELECT ?e (COUNT(?c) AS ?n) WHERE { ?c cg:mentions ?e } GROUP BY ?e ORDER BY DESC(?n) LIMIT 1",
            prefixes=PREFIXES)))["e"].value  # type: ignore[index, call-overload]
        dossier = DATA.iri + "dossier/synthetic-2"
        stance = graph.store.query("SELECT ?s WHERE { ?c cg:inDossier ?d ; cg:stance ?s } LIMIT 1", prefixes=PREFIXES,
                                   substitutions={"d": NamedNode(dossier)})
        mixed = catalog.ClaimFilter(stance=next(iter(stance))["s"].value, dossier=dossier)  # type: ignore[index, call-overload]
        for flt in (catalog.ClaimFilter(), catalog.ClaimFilter(stance="claim"), catalog.ClaimFilter(entity=named),
                    catalog.ClaimFilter(dossier=dossier), mixed):
            text, bindings = catalog._filtered("claims-page", flt)
            rows = graph.store.query(text, substitutions=bindings or None)
            whole = [r["claim"].value for r in rows]  # type: ignore[union-attr, index]
            assert whole, flt
            for limit in (1, 3, 7, 10, 500):
                for offset in range(0, len(whole) + 2):
                    page = catalog.claims_page(graph.store, flt, limit, offset)
                    assert [i["iri"] for i in page["items"]] == whole[offset:offset + limit], (flt, limit, offset)
                    assert page["total"] == len(whole)


def test_the_default_graph_matches_a_triple_once_for_each_graph_that_holds_it() -> None:
    """What the README tells researchers: the union default graph is the engine's, which matches a triple held in
    two graphs twice (SPARQL's union would hold it once): a count says DISTINCT."""
    with Claimgraph(Settings(store="memory:", token=TOKEN)) as graph:
        graph.store.update("INSERT DATA { GRAPH <urn:x:a> { <urn:x:m> <urn:x:trainedWith> <urn:x:dpo> } "
                           "GRAPH <urn:x:b> { <urn:x:m> <urn:x:trainedWith> <urn:x:dpo> } }")
        with TestClient(create_app(graph)) as client:
            def count(projection: str) -> int:
                query = f"SELECT (COUNT({projection}) AS ?n) WHERE {{ ?m <urn:x:trainedWith> ?x }}"
                answer = client.get("/sparql", params={"query": query},
                                    headers={"Accept": "application/sparql-results+json"}).json()
                return int(answer["results"]["bindings"][0]["n"]["value"])

            assert (count("*"), count("DISTINCT ?m")) == (2, 1)
