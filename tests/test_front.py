"""`claimgraph serve` with front processes (claimgraph.interfaces.http.front): what a front answers itself,
that it never answers from before a write, that snapshots do not pile up, and that the processes look after
each other. A real server on loopback; the store's query workers are paused (SIGSTOP) to tell which process
answered."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimgraph.interfaces.http.front import INLINE_BYTES, Answers, Front, _steady
from claimgraph.interfaces.http.lane import CONNECTIONS
from tests.conftest import SEED, TOKEN, LiveServer, child_processes, run_cli

GRAPH = "http://example.org/front-test"
COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"


def _workers(server: LiveServer) -> list[int]:
    return child_processes(server.process.pid, "claimgraph.services.query_worker")


def _whole_pool(server: LiveServer) -> list[int]:
    """The two query workers, once a worker stopped at the time limit has been replaced (it starts a moment
    after: one paused before it is there would leave the new one free to answer)."""
    deadline = time.monotonic() + 15
    while len(workers := _workers(server)) != 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(workers) == 2, workers
    return workers


def _fronts(server: LiveServer) -> list[int]:
    return child_processes(server.process.pid, "claimgraph.interfaces.http.front")


def _ask(conn: http.client.HTTPConnection, query: str) -> tuple[int, bytes]:
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                 headers={"Accept": "application/sparql-results+json"})
    response = conn.getresponse()
    return response.status, response.read()


def _count(conn: http.client.HTTPConnection) -> int:
    status, body = _ask(conn, COUNT)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _write(server: LiveServer, triple: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://example.org/s> <http://example.org/p> {triple} }} }}"
    conn.request("POST", "/update", body=update.encode(), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    response = conn.getresponse()
    assert response.status == 204, response.read()
    conn.close()


def _paused(pids: list[int]) -> None:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)


def _resumed(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:  # killed meanwhile for running past the time limit
            pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("front")
    assert run_cli("ingest", str(SEED), store=base / "store").returncode == 0
    live = LiveServer(base / "store", {"CLAIMGRAPH_TOKEN": TOKEN, "CLAIMGRAPH_QUERY_TIMEOUT": "3",
                                       "CLAIMGRAPH_WRITE_RATE": "1000"}, args=("--processes", "2"))
    try:
        yield live
    finally:
        live.stop()


def test_a_repeated_query_is_answered_by_a_front_and_never_from_before_a_write(server: LiveServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)  # one connection: one front
    assert len(_whole_pool(server)) == 2 and len(_fronts(server)) == 2
    for written in range(4):
        for _ in range(3):  # the first answer comes from a query worker; the front learns it and its snapshot
            assert _count(conn) == written
        time.sleep(0.3)
        workers = _whole_pool(server)
        _paused(workers)
        try:
            assert _count(conn) == written  # no query worker can answer now: the front did
            status, body = _ask(conn, COUNT + f" # not asked before {written}")  # evaluated by the front too
            assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == str(written)
        finally:
            _resumed(workers)
        _write(server, written)
        assert _count(conn) == written + 1  # asked right after the write: never the front's stale snapshot
    conn.close()


def test_a_streamed_answer_is_learnt_too(server: LiveServer) -> None:
    """An answer over 64 KiB comes from its worker in chunks, streamed (no Content-Length): the front times it
    itself, and answers it again whole."""
    query = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s ?p ?o LIMIT 1500"
    _write(server, 3000)  # no front holds the snapshot now: the first answer comes from a worker
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                 headers={"Accept": "application/sparql-results+json"})
    first = conn.getresponse()
    streamed = first.read()
    assert first.status == 200 and first.getheader("content-length") is None and len(streamed) > 64 * 1024
    for _ in range(2):
        assert _ask(conn, query) == (200, streamed)
    time.sleep(0.3)
    workers = _whole_pool(server)
    _paused(workers)
    try:
        assert _ask(conn, query) == (200, streamed)
    finally:
        _resumed(workers)
    conn.close()


def test_a_large_answer_is_kept_whole_until_a_write(server: LiveServer) -> None:
    """A front keeps an answer of megabytes as it relays it and sends it again while no write has happened;
    asked right after a write, it is read anew; asked with no-cache, it is not taken from what was kept."""
    query = (f"SELECT ?n ?s ?o WHERE {{ {{ SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?a ?b ?c }} }} }} "
             "?s ?p ?o . ?x ?q ?y } LIMIT 20000")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for round_ in range(2):
        status, first = _ask(conn, query)
        assert status == 200 and len(first) > 1024 * 1024
        written = int(json.loads(first)["results"]["bindings"][0]["n"]["value"])
        time.sleep(0.3)
        workers = _whole_pool(server)
        _paused(workers)
        try:
            assert _ask(conn, query) == (200, first)  # no query worker can answer now: the front did
        finally:
            _resumed(workers)
        if round_ == 0:  # asked for an answer read now (RFC 9111): the front evaluates it again, streamed
            for header in ({"Cache-Control": "no-cache"}, {"Cache-Control": "max-age=0"}, {"Pragma": "no-cache"}):
                workers = _whole_pool(server)
                _paused(workers)
                try:
                    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                                 headers={"Accept": "application/sparql-results+json", **header})
                    response = conn.getresponse()
                    assert response.getheader("content-length") is None, header  # streamed: not the kept one
                    assert (response.status, response.read()) == (200, first), header
                finally:
                    _resumed(workers)
        _write(server, 1000 + round_)
        status, after = _ask(conn, query)
        assert status == 200 and json.loads(after)["results"]["bindings"][0]["n"]["value"] == str(written + 1)
    conn.close()


@pytest.mark.parametrize("cache", ["0", str(128 * 1024 * 1024)])
def test_serve_answer_cache_sets_what_a_front_keeps(tmp_path: Path, cache: str) -> None:
    """An answer of 19 MB asked twice is kept by a front allowed 128 MiB, and by none allowed nothing: asked
    again with the query workers paused, it is sent whole, as kept (with its Content-Length), or evaluated
    again, streamed."""
    assert run_cli("ingest", str(SEED), store=tmp_path / "store").returncode == 0
    if cache == "0":
        refused = run_cli("serve", "--port", "1", "--answer-cache", "-1", store=tmp_path / "store")
        assert refused.returncode == 2 and "--answer-cache must be 0 or more" in refused.stderr
    live = LiveServer(tmp_path / "store", {"CLAIMGRAPH_QUERY_TIMEOUT": "2"},
                      args=("--processes", "2", "--answer-cache", cache))
    try:
        query = "SELECT ?s ?o WHERE { ?s ?p ?o . ?x ?q ?y } LIMIT 100000"
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
        status, first = _ask(conn, query)
        assert status == 200 and len(first) > INLINE_BYTES
        time.sleep(0.3)
        assert _ask(conn, query) == (200, first)  # asked again: now kept
        workers = _whole_pool(live)
        _paused(workers)
        try:
            conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                         headers={"Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, first)
            assert (response.getheader("content-length") is None) == (cache == "0")
        finally:
            _resumed(workers)
        conn.close()
    finally:
        live.stop()


def test_a_slower_known_query_is_evaluated_by_a_front_in_a_thread(server: LiveServer) -> None:
    """A query that took its worker tens of milliseconds is evaluated again by the front (in a thread of its
    own, the front's loop serving other requests meanwhile), asked with no-cache, with the workers paused."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?x ?q ?o }"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

    def fresh() -> tuple[int, bytes]:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                     headers={"Accept": "application/sparql-results+json", "Cache-Control": "no-cache"})
        response = conn.getresponse()
        return response.status, response.read()

    expected = fresh()
    assert expected[0] == 200 and int(json.loads(expected[1])["results"]["bindings"][0]["n"]["value"]) > 10_000
    time.sleep(0.3)
    workers = _whole_pool(server)
    _paused(workers)
    try:
        for _ in range(3):
            assert fresh() == expected
    finally:
        _resumed(workers)
    conn.close()


def _fetch(conn: http.client.HTTPConnection, query: str, **headers: str) -> tuple[int, list[tuple[str, str]], bytes]:
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                 headers={"Accept": "application/sparql-results+json", **headers})
    response = conn.getresponse()
    body = response.read()
    return response.status, sorted((k.lower(), v) for k, v in response.getheaders() if k.lower() != "date"), body


def test_a_query_never_asked_is_answered_by_a_front_as_the_store_process_answers_it(server: LiveServer) -> None:
    """Right after a write a front forwards a query (it does not hold the new snapshot yet); then, with the
    query workers paused, it evaluates queries it never saw itself: the same headers and bytes. The store
    process streams an answer past 64 KiB; a front sends it whole, with its length, up to 1 MiB."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    small = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
    medium = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3000"
    large = "SELECT ?s ?o ?x WHERE { ?s ?p ?o . ?x ?q ?y } LIMIT 20000"  # over 1 MiB
    framing = {"content-length", "transfer-encoding"}
    for query, accept, whole in ((small, "application/sparql-results+json", True), (medium, "text/csv", True),
                                 (large, "application/sparql-results+json", False),
                                 ("CONSTRUCT WHERE { ?s a ?t } LIMIT 5", "*/*", True)):
        _write(server, 2000 + len(query))
        # the store process's worker answers
        status, headers, body = _fetch(conn, query, **{"Cache-Control": "no-cache", "Accept": accept})
        assert status == 200
        workers = _whole_pool(server)
        _paused(workers)
        try:
            for again in range(2):
                here = _fetch(conn, query + f"\n# never asked {again}", **{"Cache-Control": "no-cache",
                                                                          "Accept": accept})
                assert (here[0], here[2]) == (200, body)
                assert [h for h in here[1] if h[0] not in framing] == [h for h in headers if h[0] not in framing]
                assert (("content-length", str(len(body))) in here[1]) == whole, (len(body), here[1])
        finally:
            _resumed(workers)
    conn.close()


def test_a_front_reads_a_query_request_as_the_store_process_reads_it(server: LiveServer) -> None:
    """What a request's URL and headers say of a query (its base IRI from the Host header, no Accept header at
    all, a dataset in the URL, another parameter): a front that evaluates the query itself, with the query
    workers paused, gives the answer the store process gave."""
    rows = "SELECT ?o WHERE { ?s ?p ?o }"
    cases = (
        ("SELECT (<relative#x> AS ?x) {}", {}, {"Host": "example.org:8080"}),
        ("SELECT (<relative#x> AS ?x) {}", {}, {"Host": ""}),
        ("ASK { ?s ?p ?o }", {}, {}),  # no Accept: the first offer
        (rows, {"default-graph-uri": GRAPH}, {"Accept": "text/csv"}),
        (rows, {"named-graph-uri": GRAPH}, {"Accept": "text/csv"}),
        (rows, {"unknown": "ignored"}, {"Accept": "text/csv"}),
    )

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)  # one front answers each time

    def fetch(query: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, list[Any], bytes]:
        conn.putrequest("GET", "/sparql?" + urllib.parse.urlencode({"query": query, **params}), skip_host=True,
                        skip_accept_encoding=True)
        for name, value in {"Host": f"127.0.0.1:{server.port}", "Cache-Control": "no-cache", **headers}.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return (response.status, sorted((k.lower(), v) for k, v in response.getheaders()
                                        if k.lower() not in ("date", "content-length", "transfer-encoding")), body)

    _write(server, 42)
    for number, (query, params, headers) in enumerate(cases):
        _write(server, 3000 + number)  # the fronts do not hold this snapshot yet: the store process answers
        status, answered, body = fetch(query, params, headers)
        assert status == 200, (query, params, headers, body)
        workers = _whole_pool(server)
        _paused(workers)
        try:
            assert fetch(query + "\n# never asked", params, headers) == (status, answered, body), (query, params)
        finally:
            _resumed(workers)
    assert b"example.org:8080/relative#x" in fetch(*cases[0])[2]
    conn.close()


def test_a_query_that_sorts_is_left_to_the_query_workers(server: LiveServer) -> None:
    """pyoxigraph 0.5.13 aborts the process that evaluates some ORDER BY over values of mixed types: a front never
    evaluates a query with the word ORDER itself, even where a comment parts ORDER from BY. With the workers
    paused, such a query is not answered until the time limit (3 s here); the same query without it is. A sorted query
    asked again is sent from what the front kept, as any other."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    _fetch(conn, "ASK {}", **{"Cache-Control": "no-cache"})  # this connection's front holds the snapshot
    for number, sorted_ in enumerate(("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?o LIMIT 3",
                                      "SELECT ?s { ?s ?p ?o } order # c\n by ?s")):
        workers = _whole_pool(server)  # again: the worker stopped at the time limit has been replaced
        _paused(workers)
        try:
            unsorted = f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT 3 # {number}"
            assert _fetch(conn, unsorted, **{"Cache-Control": "no-cache"})[0] == 200
            began = time.monotonic()
            status, _, body = _fetch(conn, sorted_, **{"Cache-Control": "no-cache"})
            assert status == 503 and b"time limit" in body, (status, body)
            assert time.monotonic() - began > 2.5
        finally:
            _resumed(workers)
    once, again = _fetch(conn, sorted_), _fetch(conn, sorted_)  # a sorted query asked again: its answer is kept
    workers = _whole_pool(server)
    _paused(workers)
    try:
        kept = _fetch(conn, sorted_)  # whole, with its length, where the store process streamed it
        assert (kept[0], kept[2]) == (again[0], again[2]) == (once[0], once[2]) and once[0] == 200
    finally:
        _resumed(workers)
    conn.close()


def test_a_runaway_query_in_a_front_is_answered_503_and_the_front_retires(server: LiveServer) -> None:
    """pyoxigraph cannot stop a query: a front whose thread goes on past the time limit (3 s here) answers
    503 at the limit, takes no more connections, answers those it has, and ends; another takes its place (had
    a query worker run the query, the worker would have been replaced, and no front). Other clients are
    answered all along."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    assert _count(conn) >= 0  # this connection's front now holds the current snapshot
    before = _fronts(server)
    workers = _whole_pool(server)
    outcome: dict[str, Any] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["answer"] = _ask(conn, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    answered = 0
    while thread.is_alive():
        other = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        assert _ask(other, COUNT)[0] == 200
        other.close()
        answered += 1
        time.sleep(0.05)
    thread.join()
    status, body = outcome["answer"]
    assert status == 503 and b"time limit of 3 s" in body and 2.5 < outcome["seconds"] < 10
    assert answered > 10
    deadline = time.monotonic() + 20
    while (len(now := _fronts(server)) != 2 or set(now) == set(before)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(now) == 2 and len(set(now) & set(before)) == 1, (before, now)  # one retired, one new
    assert sorted(_whole_pool(server)) == sorted(workers)  # no worker ran it
    conn.close()
    for _ in range(6):
        fresh = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        assert _ask(fresh, COUNT)[0] == 200
        fresh.close()


def test_a_retiring_front_is_replaced_at_once_and_forgotten_once_it_ends(tmp_path: Path) -> None:
    """A front that retires says so (a file beside the snapshots); the store process starts another at once,
    not once the retiring one has answered what it had taken, and does not start a third when it ends."""
    import subprocess

    from claimgraph.config import Settings
    from claimgraph.interfaces.http.front import Fronts, retiring_marker

    spawned: list[subprocess.Popen[bytes]] = []

    def spawn() -> subprocess.Popen[bytes]:  # stands for a front process: what is watched is the process
        spawned.append(subprocess.Popen(["sleep", "60"]))
        return spawned[-1]

    fronts = Fronts(socket.socket(), "unused", 2, Settings())
    fronts._spawn = spawn  # type: ignore[method-assign]
    fronts._root = tmp_path
    try:
        fronts.processes = [spawn(), spawn()]
        old = fronts.processes[0]
        fronts.check()
        assert len(spawned) == 2  # nothing to do
        retiring_marker(tmp_path, old.pid).touch()
        fronts.check()
        assert old not in fronts.processes and len(fronts.processes) == 2 and fronts.retiring == [old]
        fronts.check()
        assert len(spawned) == 3  # replaced once
        old.kill()
        old.wait()
        fronts.check()
        assert fronts.retiring == [] and not retiring_marker(tmp_path, old.pid).exists() and len(spawned) == 3
    finally:
        fronts.listener.close()
        for process in spawned:
            process.kill()
            process.wait()


def _cpu(pids: list[int]) -> float:
    """Seconds of CPU the processes ``pids`` have used (user and system)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def test_a_client_that_leaves_an_answer_a_front_streams_stops_its_query(tmp_path: Path) -> None:
    """The query behind an answer a front streams stops at its next write once the client is gone, long before
    the time limit (60 s here): the front is idle again and lets go of the snapshot it read, which is deleted
    after the next write; no worker was involved."""
    assert run_cli("ingest", str(SEED), store=tmp_path / "store").returncode == 0
    live = LiveServer(tmp_path / "store", {"CLAIMGRAPH_QUERY_TIMEOUT": "60", "CLAIMGRAPH_TOKEN": TOKEN},
                      args=("--processes", "2"))
    try:
        workers = _whole_pool(live)
        fronts = _fronts(live)
        with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
            sock.sendall(_raw_request("ASK { ?s ?p ?o }"))
            _responses(sock, 1)  # the front now holds the current snapshot
            _paused(workers)
            try:
                sock.sendall(_raw_request("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"))  # millions of rows
                received = 0
                while received < 256 * 1024:
                    received += len(sock.recv(65536))
            finally:
                _resumed(workers)
        time.sleep(1.0)
        used = _cpu(fronts)
        time.sleep(1.0)
        assert _cpu(fronts) - used < 0.3, "the front went on evaluating for a client that left"
        _write(live, 1)
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
        assert _count(conn) == 1  # a new snapshot; the old one goes once no process reads it
        conn.close()
        root = next(live.tmp.glob("claimgraph-snapshots-*"))
        deadline = time.monotonic() + 10
        while len(list(root.glob("snapshot-*[0-9]"))) > 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(list(root.glob("snapshot-*[0-9]"))) == 1, "the snapshot the stopped query read is still held"
        assert sorted(_fronts(live)) == sorted(fronts) and sorted(_workers(live)) == sorted(workers)
    finally:
        live.stop()


def test_an_answer_that_differs_each_time_is_evaluated_each_time(server: LiveServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for query in ("SELECT (RAND() AS ?r) WHERE {}", "SELECT (STRUUID() AS ?r) WHERE {}",
                  "SELECT ?r WHERE { BIND(now  () AS ?r) FILTER(?r > '2000-01-01T00:00:00Z'^^xsd:dateTime) }"):
        seen = []
        for _ in range(4):
            status, body = _ask(conn, query)
            assert status == 200
            seen.append(json.loads(body)["results"]["bindings"][0]["r"]["value"])
            if "now" in query:
                time.sleep(0.01)
        assert len(set(seen)) == 4, (query, seen)
    conn.close()


def test_what_may_be_kept_is_read_on_the_request_as_sent() -> None:
    def key(method: str, query: str, body: bytes = b"", form: bool = False) -> tuple[object, ...]:
        if form:
            body = urllib.parse.urlencode({"query": query}).encode()
            return (method, "/sparql", b"", body, b"h", b"", b"application/x-www-form-urlencoded")
        if method == "GET":
            return (method, "/sparql", urllib.parse.urlencode({"query": query}).encode(), b"", b"h", b"", b"")
        return (method, "/sparql", b"", query.encode(), b"h", b"", b"application/sparql-query")

    for method, form in (("GET", False), ("POST", False), ("POST", True)):
        assert _steady(key(method, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", form=form))
        for volatile in ("SELECT (RAND() AS ?r) {}", "SELECT ?r { BIND(struuid ( ) AS ?r) }",
                         "SELECT (NOW() AS ?r) {}", "CONSTRUCT { ?s <p> ?b } WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }",
                         "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"):
            assert not _steady(key(method, volatile, form=form)), (method, form, volatile)


def test_what_keys_an_answer_is_what_it_depends_on() -> None:
    """The same query by another host, another media type, or through a proxy that says the URL is https
    (which the base IRI follows) is another answer; a header the answer does not depend on is not."""
    query = b"query=SELECT%20%2A%20%7B%7D"

    def key(*headers: tuple[bytes, bytes]) -> object:
        return Front.key_of("GET", "/sparql", query, b"", [(b"host", b"h"), *headers])

    assert key() == key((b"user-agent", b"curl")) == key((b"x-forwarded-for", b"10.0.0.1"))
    assert len({key(), key((b"x-forwarded-proto", b"https")), key((b"accept", b"text/csv")),
                Front.key_of("GET", "/sparql", query, b"", [(b"host", b"other")])}) == 4
    assert key((b"origin", b"http://example.org")) is None  # answered by the store process (CORS)
    assert key((b"host", b"again")) is None  # the same, which reads the first
    assert key((b"accept", b"")) != key()  # an empty Accept is not none
    assert key((b"cache-control", b"no-cache"))[-1] is True  # evaluated, not sent as kept


def test_an_answer_is_kept_once_it_is_asked_again() -> None:
    answers = Answers(1 << 20)
    assert answers.get(("q",), 7) is None
    answers.put(("q",), 7, [], b"once")
    assert answers.get(("q",), 7) is None and len(answers) == 0  # asked once: not kept
    answers.put(("q",), 7, [], b"twice")
    assert answers.get(("q",), 7) == ([(b"content-length", b"5")], b"twice")
    answers.put(("other",), 7, [], b"never looked up")
    assert len(answers) == 1


def test_a_request_looked_up_by_its_connection_thread_is_not_counted_again(tmp_path: Path) -> None:
    """A request a front's connection thread passes to the app (after looking for a kept answer) is one
    request: asked once, its answer is not kept."""
    from claimgraph.services.executor import GENERATION_FILE

    (tmp_path / GENERATION_FILE).write_bytes(struct.pack("q", 1))
    front = Front(str(tmp_path / "store.sock"), tmp_path, 1024)
    key = Front.key_of("GET", "/sparql", b"query=ASK%7B%7D", b"", [(b"host", b"h")])
    assert key is not None
    assert front.answers.get(key, 1) is None  # the connection thread's lookup
    assert front.answer_known(key, looked_up=True) is None  # the app's, for the same request
    front.answers.put(key, 1, [], b"answer")
    assert len(front.answers) == 0
    assert front.answer_known(key) is None  # asked again
    front.answers.put(key, 1, [], b"answer")
    assert front.answer_known(key) == ([(b"content-length", b"6")], b"answer")


def test_a_query_through_a_proxy_is_kept_once_asked_again(server: LiveServer) -> None:
    """A request that names its scheme (``X-Forwarded-Proto``, from a proxy) goes from the connection's thread to
    the app, which looks for a kept answer itself: asked a third time, a 2 MB answer is sent whole, as kept."""
    query = f"SELECT ?s ?o WHERE {{ ?s ?p ?o . ?x ?q ?y }} LIMIT 10000 # {time.monotonic_ns()}"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    lengths = []
    for _ in range(3):
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                     headers={"Accept": "application/sparql-results+json", "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        assert response.status == 200 and len(response.read()) > 1 << 20
        lengths.append(response.getheader("content-length"))
    conn.close()
    assert lengths[0] is None and lengths[2] is not None, lengths  # streamed as evaluated; then sent as kept


def _asked_twice(answers: Answers, key: tuple[Any, ...], generation: int) -> None:
    for _ in range(2):
        answers.get(key, generation)


def test_kept_answers_stay_within_their_budget() -> None:
    each = Answers.cost(("q", 0), bytes(100))
    assert each > 100  # what holding an answer costs is counted too
    answers = Answers(4 * each)
    assert answers.largest == each and not answers.fits(each + 1) and answers.fits(each)
    for i in range(5):
        _asked_twice(answers, ("q", i), 7)
        answers.put(("q", i), 7, [(b"content-type", b"text/plain"), (b"Content-Length", b"1")], bytes(100))
    assert len(answers) == 4 and answers.held == 4 * each
    assert answers.get(("q", 0), 7) is None  # the least recently asked went first
    assert answers.get(("q", 1), 7) is not None  # asked: now the most recent
    _asked_twice(answers, ("q", 5), 7)
    answers.put(("q", 5), 7, [], bytes(100))
    assert answers.get(("q", 2), 7) is None and answers.get(("q", 1), 7) is not None
    headers, body = answers.get(("q", 1), 7)  # type: ignore[misc]
    assert headers == [(b"content-type", b"text/plain"), (b"content-length", b"100")] and body == bytes(100)
    _asked_twice(answers, ("big",), 7)
    answers.put(("big",), 7, [], bytes(each + 1))
    assert answers.get(("big",), 7) is None and answers.held == 4 * each
    answers.put(("q", 6), 6, [], b"x")  # read before a write this one has seen: not kept
    assert answers.get(("q", 6), 7) is None
    assert answers.get(("q", 1), 8) is None and len(answers) == 0 and answers.held == 0  # a write: none kept
    answers.put(("q", 1), 8, [], b"y")
    assert answers.get(("q", 1), 8) == ([(b"content-length", b"1")], b"y")
    many = Answers(1 << 20)
    for i in range(100_000):  # tiny answers: bounded by what they cost, not by their bodies
        _asked_twice(many, ("q", str(i)), 1)
        many.put(("q", str(i)), 1, [], b"{}")
    assert many.held <= 1 << 20 and 1000 < len(many) < (1 << 20) // 512
    assert not Answers(0).fits(0)


def _raw_request(query: str, version: str = "1.1") -> bytes:
    return (f"GET /sparql?{urllib.parse.urlencode({'query': query})} HTTP/{version}\r\nHost: 127.0.0.1\r\n"
            "Accept: application/sparql-results+json\r\n\r\n").encode("ascii")


def _responses(sock: socket.socket, count: int) -> list[bytes]:
    """Read ``count`` responses (each a 200) off a socket, in order: their bodies."""
    answers = _answers(sock, count)
    assert all(status == 200 for status, _ in answers), answers
    return [body for _, body in answers]


def _answers(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """Read ``count`` responses (with a Content-Length, or chunked) off a socket, in order: status and body."""
    buffer, answers = b"", []

    def more() -> None:
        nonlocal buffer
        data = sock.recv(65536)
        assert data, "the connection closed early"
        buffer += data

    def line() -> bytes:
        nonlocal buffer
        while b"\r\n" not in buffer:
            more()
        first, buffer = buffer.split(b"\r\n", 1)
        return first

    def take(size: int) -> bytes:
        nonlocal buffer
        while len(buffer) < size:
            more()
        taken, buffer = buffer[:size], buffer[size:]
        return taken

    while len(answers) < count:
        while b"\r\n\r\n" not in buffer:
            more()
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        fields = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:])
        if b"content-length" in fields:
            body = take(int(fields[b"content-length"]))
        else:
            assert fields.get(b"transfer-encoding") == b"chunked", head
            body = b""
            while size := int(line(), 16):
                body += take(size)
                assert take(2) == b"\r\n"
            assert line() == b""
        answers.append((int(head.split(b" ", 2)[1]), body))
    return answers


def test_pipelined_requests_are_answered_in_order(server: LiveServer) -> None:
    """Known queries are answered as soon as they are read; one that goes to the store process between them
    must not be overtaken."""
    known = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }"
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        for _ in range(3):
            sock.sendall(_raw_request(known))
            expected = _responses(sock, 1)[0]
        time.sleep(0.3)
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?o ?q ?r } # pipelined"
        sock.sendall(_raw_request(known) + _raw_request(slow) + _raw_request(known) + _raw_request(COUNT))
        first, second, third, fourth = _responses(sock, 4)
    assert first == third == expected
    assert int(json.loads(second)["results"]["bindings"][0]["n"]["value"]) > 1000
    assert "n" in json.loads(fourth)["head"]["vars"]


def test_pipelined_queries_a_front_evaluates_are_answered_in_order(server: LiveServer) -> None:
    """Queries never asked before, each evaluated by a front as it is read, pipelined on one connection with
    others: each is answered in its turn, whether its answer comes whole, is streamed (over 1 MiB), or is an
    error the store process words."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(_raw_request(COUNT))
        _responses(sock, 1)
        time.sleep(0.5)  # this connection's front holds the current snapshot: it evaluates what follows
        tag = time.monotonic_ns()
        queries = [f"SELECT ?s WHERE {{ ?s a ?t }} ORDER BY ?s LIMIT 3 # {tag}",
                   f"SELECT ?s WHERE {{ ?s a ?t  # {tag}",  # a syntax error
                   f"SELECT ?s ?o ?x WHERE {{ ?s ?p ?o . ?x ?q ?y }} LIMIT 20000 # {tag}",  # streamed
                   f"ASK {{ ?s ?p ?o }} # {tag}",
                   f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {tag}"]
        sock.sendall(b"".join(_raw_request(query) for query in queries))
        answers = _answers(sock, len(queries))
    assert [status for status, _ in answers] == [200, 400, 200, 200, 200]
    assert len(json.loads(answers[0][1])["results"]["bindings"]) == 3
    assert b"syntax" in answers[1][1].lower()
    assert len(answers[2][1]) > 1 << 20 and len(json.loads(answers[2][1])["results"]["bindings"]) == 20000
    assert json.loads(answers[3][1])["boolean"] is True
    assert int(json.loads(answers[4][1])["results"]["bindings"][0]["n"]["value"]) > 1000


def _raw(method: str, target: str, body: bytes = b"", content_type: str = "", accept: str = "*/*") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n"
    if body or method == "POST":
        head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode("ascii") + body


def test_a_connection_goes_on_through_every_kind_of_request(server: LiveServer) -> None:
    """A front's connection thread answers GET queries itself, passes other GETs (a page, a graph) to the app,
    and hands the connection to the event loop at the first request it does not read (here a POST): on one
    connection, pipelined or one by one, every request is answered, in order."""
    tag = time.monotonic_ns()
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a cg:Claim }} # {tag}"  # the page may bring conflicts up to date
    form = urllib.parse.urlencode({"query": f"ASK {{ ?s ?p ?o }} # {tag}"}).encode("ascii")
    requests = [_raw_request(query), _raw("GET", "/"), _raw("GET", "/store", accept="application/n-quads"),
                _raw_request(query + " 2"),
                _raw("POST", "/sparql", form, "application/x-www-form-urlencoded"), _raw_request(query + " 3")]
    for pipelined in (False, True):
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            if pipelined:
                sock.sendall(b"".join(requests))
                answers = _answers(sock, len(requests))
            else:
                answers = []
                for request in requests:
                    sock.sendall(request)
                    answers += _answers(sock, 1)
        assert [status for status, _ in answers] == [200] * len(requests), answers
        counts = [int(json.loads(answers[i][1])["results"]["bindings"][0]["n"]["value"]) for i in (0, 3, 5)]
        assert counts[0] > 0 and counts == [counts[0]] * 3
        assert b"<html" in answers[1][1].lower() and answers[2][1].count(b" .\n") > 100
        assert json.loads(answers[4][1])["boolean"] is True


def test_a_connection_that_sends_nothing_is_closed_after_the_keep_alive_time(server: LiveServer) -> None:
    """As uvicorn does after 5 s, whether the connection never asked anything or asked and then fell idle."""
    for ask in (False, True):
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            if ask:
                sock.sendall(_raw_request(COUNT))
                _responses(sock, 1)
            opened = time.monotonic()
            assert sock.recv(1) == b""  # closed by the server
            assert 3 < time.monotonic() - opened < 20


def test_more_connections_than_a_front_has_threads_for_are_all_answered(server: LiveServer) -> None:
    """Past ``CONNECTIONS`` a front, a connection is served by the front's event loop: many connections open
    at once each get their answers."""
    count = 2 * CONNECTIONS + 8  # two fronts
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=60) for _ in range(count)]
    try:
        for i, sock in enumerate(socks):
            sock.sendall(_raw_request(f"ASK {{ ?s ?p ?o }} # {i % 3}"))
        for sock in socks:
            assert json.loads(_responses(sock, 1)[0])["boolean"] is True
        for sock in socks:  # and they go on
            sock.sendall(_raw_request(COUNT))
        assert len({_responses(sock, 1)[0] for sock in socks}) == 1
    finally:
        for sock in socks:
            sock.close()


def test_an_http_1_0_client_gets_its_answer_and_the_connection_closed(server: LiveServer) -> None:
    query = "ASK { ?s ?p ?o }"
    for _ in range(4):  # learnt by the front that takes the connections, then answered by it
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(_raw_request(query, "1.0"))
            received = b""
            while data := sock.recv(65536):  # the server closes the connection after the answer
                received += data
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")) and json.loads(body)["boolean"] is True


def test_snapshots_are_deleted_once_no_process_reads_them(server: LiveServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for i in range(5):
        _write(server, 100 + i)
        for _ in range(3):
            _count(conn)
    conn.close()
    roots = list(server.tmp.glob("claimgraph-snapshots-*"))
    assert len(roots) == 1
    deadline = time.monotonic() + 15
    # a snapshot is renamed deleted-* and then removed: both steps are waited for
    while (len(list(roots[0].glob("snapshot-*[0-9]"))) > 1 or list(roots[0].glob("deleted-*"))) and (
            time.monotonic() < deadline):
        time.sleep(0.2)
    assert len(list(roots[0].glob("snapshot-*[0-9]"))) == 1
    assert not list(roots[0].glob("deleted-*"))


def test_a_front_that_dies_is_replaced(server: LiveServer) -> None:
    before = _fronts(server)
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 20
    while (len(now := _fronts(server)) != 2 or before[0] in now) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(now) == 2 and before[0] not in now
    for _ in range(10):  # new connections, spread over both fronts
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        assert _ask(conn, COUNT)[0] == 200
        conn.close()


def test_fronts_end_with_the_store_process(tmp_path: Path) -> None:
    assert run_cli("ingest", str(SEED), store=tmp_path / "store").returncode == 0
    live = LiveServer(tmp_path / "store", {}, args=("--processes", "2"))
    fronts = _fronts(live)
    assert len(fronts) == 2
    os.kill(live.process.pid, signal.SIGKILL)  # no chance to stop them
    live.process.wait()
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in fronts):
        assert time.monotonic() < deadline, "a front outlived the store process"
        time.sleep(0.1)
    live.stop()


def test_a_query_a_front_is_evaluating_is_answered_when_the_server_stops(tmp_path: Path) -> None:
    """Stopped (SIGTERM) while a front evaluates a query, the server answers it in full before it ends, and
    says the connection is closed; it then ends cleanly."""
    assert run_cli("ingest", str(SEED), store=tmp_path / "store").returncode == 0
    live = LiveServer(tmp_path / "store", {}, args=("--processes", "2"))
    # three seconds or so here: past the moment the front is told to stop, well within the time it is given
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) != STR(?f)) }"
    try:
        with socket.create_connection(("127.0.0.1", live.port), timeout=60) as sock:
            sock.sendall(_raw_request(COUNT))
            _responses(sock, 1)
            time.sleep(0.5)  # this connection's front holds the current snapshot: it evaluates what follows
            started = time.monotonic()
            sock.sendall(_raw_request(slow))
            time.sleep(0.3)
            live.process.terminate()
            received = b""
            while data := sock.recv(65536):  # to the end: the server closes the connection after the answer
                received += data
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and b"connection: close" in head.lower(), received[:300]
        assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 10**6
        assert time.monotonic() - started > 1
        assert live.process.wait(timeout=30) == 0
    finally:
        live.stop()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_client_cannot_pass_for_another_address(tmp_path: Path, processes: str) -> None:
    """The write rate limit is per client address. As uvicorn does by default, a forwarded address is believed
    from a proxy on 127.0.0.1 only; a front passes on the address it believed, and drops whatever the client
    said, so that a client elsewhere (here 127.0.0.2) cannot name itself anew to escape the limit."""
    assert run_cli("ingest", str(SEED), store=tmp_path / "store").returncode == 0
    live = LiveServer(tmp_path / "store", {"CLAIMGRAPH_TOKEN": TOKEN, "CLAIMGRAPH_WRITE_RATE": "0.001",
                                           "CLAIMGRAPH_WRITE_BURST": "2"}, args=("--processes", processes))
    try:
        statuses = []
        for i in range(3):
            conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30, source_address=("127.0.0.2", 0))
            conn.request("POST", "/update", body=b"CLEAR SILENT GRAPH <http://example.org/none>", headers={
                "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}",
                "X-Forwarded-For": f"192.0.2.{i + 1}", "Forwarded": f"for=192.0.2.{i + 1}"})
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
            conn.close()
        assert statuses == [204, 204, 429]
    finally:
        live.stop()


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_client_that_leaves_a_streamed_answer_frees_its_worker(tmp_path: Path, processes: str) -> None:
    """With fronts or without: when the client goes, the query that feeds its answer is stopped (its worker
    killed) long before the time limit, and another worker takes its place, however often it happens."""
    assert run_cli("ingest", str(SEED), store=tmp_path / "store").returncode == 0
    live = LiveServer(tmp_path / "store", {"CLAIMGRAPH_QUERY_TIMEOUT": "60"}, args=("--processes", processes))
    try:
        endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # millions of rows, streamed
        for attempt in range(3):
            before = set(_workers(live))
            with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
                sock.sendall(_raw_request(endless + f" # {attempt}"))
                received = 0
                while received < 256 * 1024:
                    received += len(sock.recv(65536))
            deadline = time.monotonic() + 15
            while ((now := set(_workers(live))) == before or len(now) != 2) and time.monotonic() < deadline:
                time.sleep(0.1)  # the worker is killed, then another started
            assert len(now) == 2 and now != before, f"after the client left ({attempt + 1}): workers {now}"
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
        assert _ask(conn, "ASK { ?s ?p ?o }")[0] == 200
        conn.close()
    finally:
        live.stop()


@pytest.mark.parametrize("processes", ["1", "2"])
def test_an_answer_cut_off_at_the_size_limit_reaches_the_client_cut(tmp_path: Path, processes: str) -> None:
    """An answer that passes the result size limit while it streams ends without its last chunk, so that the
    client knows it is incomplete; the server answers the next request as usual."""
    assert run_cli("ingest", str(SEED), store=tmp_path / "store").returncode == 0
    live = LiveServer(tmp_path / "store", {"CLAIMGRAPH_MAX_RESULT_BYTES": "300000"}, args=("--processes", processes))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"}),
                     headers={"Accept": "application/sparql-results+json"})
        response = conn.getresponse()
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
        assert _ask(conn, "ASK { ?s ?p ?o }") == (200, b'{"head":{},"boolean":true}')
        conn.close()
    finally:
        live.stop()


@pytest.mark.parametrize("processes", ["1", "2"])
def test_head_requests_get_headers_only(tmp_path: Path, processes: str) -> None:
    assert run_cli("ingest", str(SEED), store=tmp_path / "store").returncode == 0
    server = LiveServer(tmp_path / "store", {}, args=("--processes", processes))
    try:
        _heads(server)
    finally:
        server.stop()


def _heads(server: LiveServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for path in ("/health", "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}), "/"):
        for method in ("HEAD", "GET", "HEAD"):  # one connection: the answer to HEAD has no body to wait for
            conn.request(method, path, headers={"Accept": "application/sparql-results+json, text/html"})
            response = conn.getresponse()
            body = response.read()
            assert response.status == 200, (method, path, body)
            assert (body == b"") == (method == "HEAD"), (method, path)
    conn.close()


def test_a_connection_the_store_process_closed_while_idle_is_not_an_error(tmp_path: Path) -> None:
    """The forwarding client keeps connections open between requests; one the server closed meanwhile (here:
    after every answer, without saying so) is replaced, and the request sent again, since none of it was read.
    An answer cut short after it began is an error, not sent twice."""
    import asyncio

    from claimgraph.interfaces.http.upstream import Upstream, UpstreamError

    path = str(tmp_path / "s.sock")
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head.split(b" ", 2)[1])
        if head.startswith(b"GET /cut"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    async def main() -> None:
        server = await asyncio.start_unix_server(handle, path)
        upstream = Upstream(path)
        try:
            for i in range(3):
                answer = await upstream.request("GET", f"/{i}".encode(), [(b"host", b"x")], b"")
                assert answer.status == 200 and await answer.body() == b"ok"
                upstream.release(answer)
                await asyncio.sleep(0.05)  # the server has closed it by now
            answer = await upstream.request("GET", b"/cut", [(b"host", b"x")], b"")
            with pytest.raises(UpstreamError):
                await answer.body()
            upstream.release(answer)
        finally:
            upstream.close()
            server.close()
            await server.wait_closed()

    asyncio.run(main())
    assert seen == [b"/0", b"/1", b"/2", b"/cut"]
