"""The HTTP app: the SPARQL query endpoint in-process, and `claimgraph serve` as a real server."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from claimgraph.interfaces.core import Claimgraph
from claimgraph.interfaces.http.app import create_app
from claimgraph.services.negotiation import best_match
from tests.conftest import ROOT, SEED, LiveServer, child_processes, run_cli

COUNT = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim }"


@pytest.fixture
def client(seeded: Claimgraph) -> Iterator[TestClient]:
    with TestClient(create_app(seeded)) as c:
        yield c


def count_of(response) -> int:  # type: ignore[no-untyped-def]
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_get_form_and_direct_post(client: TestClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    assert count_of(client.get("/sparql", params={"query": COUNT}, headers=accept)) == 3
    assert count_of(client.post("/sparql", data={"query": COUNT}, headers=accept)) == 3
    r = client.post("/query", content=COUNT.encode(), headers={**accept, "Content-Type": "application/sparql-query"})
    assert count_of(r) == 3 and r.headers["content-type"] == "application/sparql-results+json"


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_negotiation(client: TestClient, accept: str, expected: str) -> None:
    r = client.get("/sparql", params={"query": COUNT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"] == expected


def test_construct_negotiation(client: TestClient) -> None:
    q = "CONSTRUCT { ?c cg:stance ?s } WHERE { ?c a cg:Claim ; cg:stance ?s }"
    r = client.get("/sparql", params={"query": q}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 3
    r = client.get("/sparql", params={"query": q}, headers={"Accept": "text/turtle"})
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    r = client.get("/sparql", params={"query": q}, headers={"Accept": "text/csv"})
    assert r.status_code == 406 and r.headers["content-type"] == "application/problem+json"


def test_syntax_error_is_400_problem_with_position(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x\nWHERE { ?x ?y }"})
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 400 and "2:" in body["detail"]


def test_missing_query_and_wrong_media_type(client: TestClient) -> None:
    assert client.post("/sparql", data={"other": "x"}).status_code == 400
    r = client.post("/sparql", content=b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and r.headers["content-type"] == "application/problem+json"


def test_health_and_home(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    page = client.get("/")
    assert page.status_code == 200 and "Claim: 3" in page.text


def test_health_says_when_the_start_up_work_is_done(seeded: Claimgraph, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimgraph.interfaces.http import web

    release = threading.Event()

    def warm(graph: Claimgraph) -> None:  # the server's start-up work, held until the test lets it go
        release.wait(30)
        raise RuntimeError("a failure of the start-up work still ends it")

    monkeypatch.setattr(web, "warm", warm)
    with TestClient(create_app(seeded)) as c:
        health = c.get("/health").json()
        assert health["status"] == "ok" and health["warm"] is False
        assert c.get("/sparql", params={"query": COUNT}).status_code == 200  # it answers meanwhile
        release.set()
        deadline = time.monotonic() + 10
        while not c.get("/health").json()["warm"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert c.get("/health").json()["warm"] is True


def test_accept_parsing() -> None:
    offers = ["application/sparql-results+json", "text/csv"]
    assert best_match(None, offers) == offers[0]
    assert best_match("text/*", offers) == "text/csv"
    assert best_match("text/csv;q=0, */*;q=0.1", offers) == offers[0]
    assert best_match("image/png", offers) is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _maps_jemalloc(pid: int) -> bool:
    return "libjemalloc" in Path(f"/proc/{pid}/maps").read_text(errors="replace")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the allocator is chosen on Linux only")
@pytest.mark.parametrize("choice", ["jemalloc", "system"])
def test_serve_runs_on_the_malloc_it_is_told(tmp_path: Path, choice: str) -> None:
    """`claimgraph serve` starts again in place (the same process id) with jemalloc preloaded, when the system
    has it: the store's process, its fronts and its query workers all run on it, and it says so; told
    ``CLAIMGRAPH_MALLOC=system``, none of them does."""
    from claimgraph.interfaces import malloc

    if choice == "jemalloc" and malloc.library("jemalloc") is None:
        pytest.skip("jemalloc is not installed here (Debian: apt-get install libjemalloc2; .ci/run installs it)")
    store = tmp_path / "store"
    assert run_cli("ingest", str(SEED), store=store).returncode == 0
    server = LiveServer(store, {"CLAIMGRAPH_MALLOC": choice}, ("--processes", "2", "--workers", "1"))
    try:
        assert server.process.stdout is not None
        said = server.process.stdout.readline()
        assert said.startswith("claimgraph: serving") and said.rstrip().endswith(
            "malloc: jemalloc)" if choice == "jemalloc" else "malloc: the system's)"), said
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            fronts = child_processes(server.process.pid, "claimgraph.interfaces.http.front")
            workers = child_processes(server.process.pid, "claimgraph.services.query_worker")
            if len(fronts) == 2 and len(workers) == 1:
                break
            time.sleep(0.1)
        assert (len(fronts), len(workers)) == (2, 1), (fronts, workers)
        processes = [*fronts, *workers]
        for pid in (server.process.pid, *processes):
            assert _maps_jemalloc(pid) is (choice == "jemalloc"), (pid, Path(f"/proc/{pid}/cmdline").read_bytes())
        with urllib.request.urlopen(f"{server.url}/sparql?" + urllib.parse.urlencode({"query": COUNT}),
                                    timeout=10) as answer:
            assert answer.status == 200
    finally:
        server.stop()


def test_a_malloc_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "CLAIMGRAPH_MALLOC": str(tmp_path / "libnone.so")}
    done = subprocess.run([sys.executable, "-m", "claimgraph", "serve", "--store", str(tmp_path / "store")], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2 and "CLAIMGRAPH_MALLOC must be jemalloc, system or the path" in done.stderr
    assert "(no such file)" in done.stderr and "Traceback" not in done.stderr and not (tmp_path / "store").exists()


@pytest.mark.parametrize("processes", ["1", "3"])
@pytest.mark.parametrize("stop", ["SIGTERM", "Ctrl-C"])
def test_serve_answers_sparql_over_real_http(tmp_path: Path, processes: str, stop: str) -> None:
    """`claimgraph serve` answers over real HTTP, in one process or with fronts; stopped as a service manager
    stops it (SIGTERM) or from its terminal (SIGINT to its whole process group), it ends without a traceback,
    leaving no temporary folder behind (its socket's, its snapshots') and the store closed."""
    store = tmp_path / "store"
    assert run_cli("ingest", str(SEED), store=store).returncode == 0
    port = _free_port()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    server = subprocess.Popen([sys.executable, "-m", "claimgraph", "serve", "--store", str(store), "--port", str(port),
                               "--processes", processes], env={**os.environ, "TMPDIR": str(scratch)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              start_new_session=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line and f"{processes} serving process" in line
        url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": COUNT})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    body = json.load(response)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        assert body["results"]["bindings"][0]["n"]["value"] == "3"
        assert any(scratch.iterdir())  # the snapshots' folder, and with fronts the socket's
        # the conflicts' facts read, so that they are kept when it stops
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
                if json.load(response)["warm"]:
                    break
            assert time.monotonic() < deadline + 30
            time.sleep(0.1)
        if stop == "SIGTERM":
            server.terminate()
        else:
            os.killpg(server.pid, signal.SIGINT)
        _, errors = server.communicate(timeout=30)
        assert server.returncode == 0 if stop == "SIGTERM" else server.returncode in (0, 130), errors
        assert "Traceback" not in errors, errors
        assert list(scratch.iterdir()) == []
        assert (store / "claimgraph-facts.json").exists()  # kept for the next start (tests/test_conflicts.py)
        assert run_cli("query", COUNT, store=store).returncode == 0  # the store was closed: it opens again
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        for stream in (server.stdout, server.stderr):
            if stream:
                stream.close()


def test_cors_is_off_by_default_and_covers_the_protocol_routes_when_configured(seeded: Claimgraph) -> None:
    origin = {"Origin": "https://yasgui.example"}
    with TestClient(create_app(seeded)) as client:
        r = client.get("/sparql", params={"query": COUNT}, headers=origin)
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    settings = dataclasses.replace(seeded.settings, cors_origins=("https://yasgui.example",))
    with Claimgraph(settings) as allowed, TestClient(create_app(allowed)) as client:
        allowed.ingest([SEED])
        r = client.get("/sparql", params={"query": COUNT}, headers=origin)
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://yasgui.example"
        bad = client.get("/sparql", params={"query": "SELECT WHERE"}, headers=origin)  # errors readable too
        assert bad.status_code == 400 and bad.headers["access-control-allow-origin"] == "https://yasgui.example"
        preflight = client.options("/sparql", headers={**origin, "Access-Control-Request-Method": "POST",
                                                       "Access-Control-Request-Headers": "Content-Type"})
        assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]
        other = client.get("/sparql", params={"query": COUNT}, headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


def test_protocol_routes_refuse_other_methods_and_never_answer_with_a_traceback(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    for method, path in (("PUT", "/sparql"), ("DELETE", "/query"), ("GET", "/update")):
        r = client.request(method, path)
        assert r.status_code == 405 and r.headers["content-type"] == "application/problem+json", (method, path)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(client.app.state.executor, "run", broken)  # type: ignore[attr-defined]
    r = client.get("/sparql", params={"query": COUNT})
    assert r.status_code == 500 and r.json()["detail"].startswith("an unexpected error (RuntimeError)")


def test_query_parameters_are_read_as_parse_qsl_reads_them() -> None:
    """``deps.query_pairs`` decodes percent-escapes its own way (in C): on any query string, it must give what
    ``parse_qsl`` gives, invalid escapes, bytes past ASCII, backslashes, ``+`` and empty pairs included."""
    import random
    from urllib.parse import parse_qsl

    from claimgraph.interfaces.http.deps import query_pairs

    pieces = [b"%", b"A", b"f", b"0", b"9", b"G", b"z", b"+", b"=", b"&", b";", b"\\", b"\xe9", b" ", b"%2", b"%41",
              b"%C3%A9", b"%FF", b"%0A", b"x", b"%%", b"==", b"%5C"]
    rng = random.Random(7)
    for _ in range(20_000):
        raw = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert query_pairs(raw) == parse_qsl(raw.decode("latin-1"), keep_blank_values=True), raw
    assert query_pairs(b"query=SELECT+%3Fs+%7B%7D%0A%23+%C3%A9&x&=y&&default-graph-uri=") == [
        ("query", "SELECT ?s {}\n# é"), ("x", ""), ("", "y"), ("default-graph-uri", "")]


def test_a_server_keeps_its_home_page_for_its_next_start_until_a_write(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """What a server made of the store for its home page is kept in the store's folder when it stops (with the
    conflicts' facts: tests/test_conflicts.py); the next server sends it without making it again, until a write."""
    from claimgraph.config import Settings
    from claimgraph.services import analytics, views

    from tests.conftest import DOSSIERS, TOKEN

    settings = Settings(store=str(tmp_path / "store"), token=TOKEN)
    with Claimgraph(settings) as graph:
        graph.ingest([SEED])

    def started(client: TestClient) -> None:
        deadline = time.monotonic() + 30
        while not client.get("/health").json()["warm"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)

    with TestClient(create_app(settings)) as client:
        started(client)
        made_at_start = set(client.app.state.graph._memo)  # type: ignore[attr-defined]
        home = client.get("/index.json").json()
        explorer = client.get("/graph").text
    assert made_at_start == {"home", "graph-options", "benchmarks"}  # the graph explorer's choices too
    assert home["counts"]["quads"] > 0 and home["dossiers"]
    assert (tmp_path / "store" / "claimgraph-views.json").exists()

    made: list[object] = []
    home_view = views.home_view
    monkeypatch.setattr(views, "home_view", lambda *a: (made.append(a), home_view(*a))[1])
    with TestClient(create_app(settings)) as client, monkeypatch.context() as patched:
        patched.setattr(analytics, "centrality", lambda *a: pytest.fail("the graph explorer's choices made again"))
        started(client)
        assert client.get("/index.json").json() == home and made == []
        assert client.get("/graph").text == explorer
        patched.undo()
        written = client.post("/api/dossiers", params={"name": "v1.md"},
                              content=(DOSSIERS / "revision" / "v1.md").read_bytes(),
                              headers={"Content-Type": "text/markdown", "Authorization": f"Bearer {TOKEN}"})
        assert written.status_code == 201
        after = client.get("/index.json").json()
        assert len(made) == 1 and after["counts"]["quads"] > home["counts"]["quads"]
    views = tmp_path / "store" / "claimgraph-views.json"
    views.write_text(views.read_text(encoding="utf-8")[:-40], encoding="utf-8")  # cut short: made again
    with TestClient(create_app(settings)) as client:
        started(client)
        assert client.get("/index.json").json() == after and len(made) == 2


def test_the_home_page_and_the_graph_explorer_read_the_busiest_benchmarks_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The busiest benchmarks are read once for the home page (its first ten) and the graph explorer (200), and
    once again after a write; a home page made again in the background after a write, once it calls itself
    current, shows them as they are now."""
    from claimgraph.config import Settings
    from claimgraph.interfaces import core as core_module
    from claimgraph.services import analytics, views

    from tests.conftest import TOKEN

    read: list[tuple[object, ...]] = []
    centrality = analytics.centrality
    for module in (analytics, views):
        monkeypatch.setattr(module, "centrality", lambda *a: (read.append(a[1:]), centrality(*a))[1])

    def warm(client: TestClient) -> None:
        deadline = time.monotonic() + 30
        while not client.get("/health").json()["warm"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)

    with Claimgraph(Settings(store="memory:", token=TOKEN)) as graph:
        graph.ingest([SEED])
        with TestClient(create_app(graph)) as client:
            warm(client)
            home = client.get("/index.json").json()
            assert client.get("/graph").status_code == 200
            assert read == [("Benchmark", 200)] and home["benchmarks"] == centrality(graph.store, "Benchmark", 10)
            monkeypatch.setattr(core_module, "SLOW_VIEW", 0.0)  # every view slow: sent as it was while made again
            dossier = tmp_path / "mmlu.md"
            dossier.write_text("# Scores on MMLU\n\n- **created:** 2026-11-28\n\n## Claims\n\n" + "".join(
                f"### [evidence] Model-{n} scores {60 + n}.0% on MMLU (5-shot).\n\n**Provenance history**:\n"
                f"- `2026-11-28` **asserted as evidence** — Source: a test.\n\n" for n in range(4)),
                encoding="utf-8")
            written = client.post("/api/dossiers", params={"name": "mmlu.md"}, content=dossier.read_bytes(),
                                  headers={"Content-Type": "text/markdown", "Authorization": f"Bearer {TOKEN}"})
            assert written.status_code == 201
            deadline = time.monotonic() + 30
            while not (fresh := client.get("/index.json").json())["current"]:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            now = centrality(graph.store, "Benchmark", 10)
            assert fresh["benchmarks"] == now != home["benchmarks"]
            assert "MMLU" in [b["label"] for b in now]
            assert client.get("/graph").status_code == 200
            while "graph-options" in graph._memo and graph._memo["graph-options"][0] != graph.store.generation:
                assert time.monotonic() < deadline  # the explorer's choices, made again in the background
                time.sleep(0.05)
            assert read == [("Benchmark", 200)] * 2  # once more for both, after the write


def test_a_home_page_slow_to_make_is_sent_as_it_was_while_it_is_made_again_after_a_write(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After a write, a home page whose making took long (a minute at 1M claims) is sent as it was, saying so,
    while one thread makes it again; then the new one is sent. A quick one is made before it is sent, once for
    all the requests that ask for it meanwhile."""
    from claimgraph.config import Settings
    from claimgraph.interfaces import core as core_module
    from claimgraph.interfaces.http import web
    from claimgraph.services import views

    from tests.conftest import DOSSIERS, TOKEN

    made: list[float] = []
    home_view = views.home_view

    def slow(*args: object) -> object:
        made.append(time.monotonic())
        time.sleep(0.3)
        return home_view(*args)

    monkeypatch.setattr(views, "home_view", slow)
    with Claimgraph(Settings(store="memory:", token=TOKEN)) as graph:
        graph.ingest([SEED])
        with TestClient(create_app(graph)) as client:
            deadline = time.monotonic() + 30
            while not client.get("/health").json()["warm"]:  # the home page made as the server starts
                assert time.monotonic() < deadline
                time.sleep(0.05)
            before = client.get("/index.json").json()
            assert before["current"] and len(made) == 1
            assert "before its last write" not in client.get("/").text
            monkeypatch.setattr(core_module, "SLOW_VIEW", 0.1)  # 0.3 s: slow
            written = client.post("/api/dossiers", params={"name": "v1.md"},
                                  content=(DOSSIERS / "revision" / "v1.md").read_bytes(),
                                  headers={"Content-Type": "text/markdown", "Authorization": f"Bearer {TOKEN}"})
            assert written.status_code == 201
            stale = client.get("/index.json").json()
            assert not stale["current"] and stale["counts"] == before["counts"]
            assert "before its last write" in client.get("/").text
            while not (fresh := client.get("/index.json").json())["current"]:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert fresh["counts"]["quads"] > before["counts"]["quads"] and len(made) == 2  # made once again

        monkeypatch.setattr(core_module, "SLOW_VIEW", 10.0)  # quick: made before it is sent
        graph.store.update('INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> "o" } }')
        answers: list[tuple[object, int]] = []
        threads = [threading.Thread(target=lambda: answers.append(web._home_view(graph))) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(made) == 3 and {generation for _, generation in answers} == {graph.store.generation}
        assert all(view is answers[0][0] for view, _ in answers)
