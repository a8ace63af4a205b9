"""The endpoint as clients see it: a real `claimgraph serve` on loopback, real clients, the W3C checker."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import SHARED_TOOLS, TOKEN, LiveServer

COUNT = "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# a huge property path: the closure of every link of the graph, twice over
PATH = "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x:none>)* ?b . ?c (!<urn:x:none>)+ ?d }"


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def get_query(live: LiveServer, query: str, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    status, _, body = http("GET", f"{live.url}/sparql?" + urllib.parse.urlencode({"query": query}),
                           headers={"Accept": accept})
    return status, body


@pytest.mark.parametrize("layout", ["split", "single"])
def test_w3c_protocol_checker_passes(live: LiveServer, layout: str) -> None:
    checker = SHARED_TOOLS / "sparql_protocol_check.py"
    if not checker.is_file():
        pytest.skip(f"the shared protocol checker is not beside this checkout ({checker.name} missing)")
    if layout == "split":
        args = ["--query-url", f"{live.url}/query", "--update-url", f"{live.url}/update", "--destructive"]
    else:
        args = [f"{live.url}/sparql"]
    done = subprocess.run([sys.executable, str(checker), *args, "--gsp-url", f"{live.url}/store", "--gsp-direct",
                           "--token", TOKEN], capture_output=True, text=True, timeout=600)
    failures = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert failures == [] and done.returncode == 0, done.stdout[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.endswith(" 0 failed") or " 0 failed," in summary, summary
    if layout == "split":
        assert "SKIP" not in done.stdout, "every check should run with the URLs, token and flags given"


def test_sparqlwrapper_reads_json_and_xml(live: LiveServer) -> None:
    from SPARQLWrapper import JSON, XML, SPARQLWrapper

    client = SPARQLWrapper(f"{live.url}/sparql")
    client.setQuery(COUNT)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    assert result["results"]["bindings"][0]["n"]["value"] == "3"  # type: ignore[index]
    client.setReturnFormat(XML)
    document = client.query().convert()
    values = [node.firstChild.data for node in document.getElementsByTagName("literal")]  # type: ignore[union-attr]
    assert values == ["3"]
    client.setQuery("PREFIX cg: <https://w3id.org/claimgraph/ns#> "
                    "ASK { ?c cg:stance 'caveat' }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True  # type: ignore[index]


def test_rdflib_sparqlstore_reads_and_updatestore_writes(live: LiveServer) -> None:
    from rdflib import Graph, Literal, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore

    reader = Graph(store=SPARQLStore(query_endpoint=f"{live.url}/query"))
    rows = list(reader.query("SELECT ?stance WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> ; "
                             "<https://w3id.org/claimgraph/ns#stance> ?stance }"))
    assert [str(r[0]) for r in rows] == ["caveat"] * 3  # type: ignore[index]

    store = SPARQLUpdateStore(query_endpoint=f"{live.url}/query", update_endpoint=f"{live.url}/update",
                              headers={"Authorization": f"Bearer {TOKEN}"})
    graph_iri = URIRef("http://example.org/rdflib-client-test")
    graph = Graph(store=store, identifier=graph_iri)
    graph.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal("written by rdflib")))
    try:
        status, body = get_query(live, "ASK { GRAPH <http://example.org/rdflib-client-test> "
                                       "{ ?s ?p 'written by rdflib' } }")
        assert json.loads(body)["boolean"] is True
    finally:
        http("POST", f"{live.url}/update", b"DROP SILENT GRAPH <http://example.org/rdflib-client-test>",
             {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})


@pytest.mark.parametrize("query", [RUNAWAY, PATH], ids=["cartesian-product", "property-path"])
def test_runaway_query_is_stopped_while_others_are_answered(live: LiveServer, query: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["status"], outcome["body"] = get_query(live, query)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)  # the runaway query is running in its worker now
    answered = 0
    while thread.is_alive() and answered < 200:
        status, body = get_query(live, COUNT)
        assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "3"
        answered += 1
    thread.join(timeout=60)
    assert answered > 0, "no small query was answered while the runaway query ran"
    assert outcome["status"] == 503
    problem = json.loads(outcome["body"])  # type: ignore[arg-type]
    assert "time limit of 3 s" in problem["detail"]
    assert 2.5 < outcome["seconds"] < 20  # type: ignore[operator]
    # and the server goes on answering
    assert get_query(live, COUNT)[0] == 200


def test_writes_need_the_token(live: LiveServer) -> None:
    update = b"INSERT DATA { GRAPH <http://example.org/auth-test> { <http://example.org/s> <http://example.org/p> 1 } }"
    plain = {"Content-Type": "application/sparql-update"}
    status, headers, body = http("POST", f"{live.url}/update", update, plain)
    assert status == 401 and headers["www-authenticate"].startswith("Bearer")
    wrong = http("POST", f"{live.url}/update", update, {**plain, "Authorization": "Bearer nope"})
    scheme = http("POST", f"{live.url}/update", update, {**plain, "Authorization": f"Basic {TOKEN}"})
    assert wrong[0] == scheme[0] == 403
    assert json.loads(wrong[2])["detail"] == json.loads(scheme[2])["detail"]  # no hint which part was wrong
    assert json.loads(get_query(live, "ASK { GRAPH <http://example.org/auth-test> { ?s ?p ?o } }")[1])["boolean"] is False
    assert http("PUT", f"{live.url}/store?graph=http://example.org/auth-test", b"<a:b> <a:c> <a:d> .",
                {"Content-Type": "application/n-triples"})[0] == 401


def test_read_your_writes_and_streamed_dump(live: LiveServer) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    graph = "http://example.org/ryw"
    status, _, _ = http("PUT", f"{live.url}/store?graph={graph}", b"<http://example.org/a> <http://example.org/b> \"42\" .",
                        {**auth, "Content-Type": "application/n-triples"})
    assert status == 201
    try:
        _, body = get_query(live, f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert json.loads(body)["results"]["bindings"][0]["o"]["value"] == "42"
        status, headers, dump = http("GET", f"{live.url}/store", headers={"Accept": "application/n-quads"})
        assert status == 200 and headers["content-type"] == "application/n-quads"
        assert f"<{graph}> ." in dump.decode()
        assert dump.count(b"\n") > 500
    finally:
        http("DELETE", f"{live.url}/store?graph={graph}", headers=auth)
    assert http("GET", f"{live.url}/store?graph={graph}")[0] == 404


def test_schemathesis_finds_no_server_error(live: LiveServer) -> None:
    """Generated requests for every operation of the OpenAPI schema: never a 5xx, and every answer matches the
    schema (its JSON shape, and a content type the operation documents)."""
    done = subprocess.run([sys.executable, "-m", "schemathesis.cli", "run", f"{live.url}/openapi.json",
                           "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
                           "--max-examples", "25",
                           "--seed", "20261126", "-H", f"Authorization: Bearer {TOKEN}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
