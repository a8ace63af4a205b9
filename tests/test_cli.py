"""The `claimgraph` command, run in fresh processes as a user would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import DATA, DOSSIERS, REAL, SEED, SEEDS, run_cli

COUNT = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim }"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "store"
    done = run_cli("ingest", str(SEED), store=path)
    assert done.returncode == 0, done.stderr
    assert "ingested 1 dossier (3 claims): 1 added" in done.stdout
    return path


def test_count_of_claims_is_3(store: Path) -> None:
    done = run_cli("query", COUNT, store=store)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "-", "3", "(1", "row)"]
    done = run_cli("query", "--format", "csv", COUNT, store=store)
    assert done.stdout.splitlines() == ["n", "3"]


def test_store_flag_and_env_agree(store: Path) -> None:
    assert run_cli("--store", str(store), "query", "--format", "tsv", COUNT).stdout.splitlines()[1] == "3"
    assert run_cli("query", "--store", str(store), "--format", "tsv", COUNT).stdout.splitlines()[1] == "3"


def test_stance_and_date_as_json(store: Path) -> None:
    done = run_cli("query", "--format", "json", store=store, stdin="""
        SELECT ?stance ?date WHERE { ?c a cg:Claim ; cg:stance ?stance ; cg:provenanceEvent/dcterms:date ?date }""")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]["bindings"]
    assert len(rows) == 3
    assert {(r["stance"]["value"], r["date"]["value"], r["date"]["datatype"]) for r in rows} == {
        ("caveat", "2026-06-04", "http://www.w3.org/2001/XMLSchema#date")}


def test_query_from_file_and_graph_formats(store: Path, tmp_path: Path) -> None:
    q = tmp_path / "q.rq"
    q.write_text("CONSTRUCT { ?c cg:stance ?s } WHERE { ?c cg:stance ?s ; a cg:Claim }", encoding="utf-8")
    for fmt, parse_as in (("turtle", ox.RdfFormat.TURTLE), ("ntriples", ox.RdfFormat.N_TRIPLES),
                          ("jsonld", ox.RdfFormat.JSON_LD), ("rdfxml", ox.RdfFormat.RDF_XML)):
        done = run_cli("query", "-f", str(q), "--format", fmt, store=store)
        assert done.returncode == 0, done.stderr
        assert len(list(ox.parse(done.stdout.encode(), format=parse_as))) == 3
    done = run_cli("query", "-f", str(q), "--format", "csv", store=store)
    assert done.returncode == 2 and "SELECT" in done.stderr


def test_ask_answers(store: Path) -> None:
    assert run_cli("query", "ASK { ?c cg:stance 'caveat' }", store=store).stdout == "true\n"


@pytest.mark.parametrize("query", ["SELEC ?x WHERE {}", "SELECT ?x WHERE { ?x nope:y ?z }"])
def test_bad_query_is_one_line_exit_1(store: Path, query: str) -> None:
    done = run_cli("query", query, store=store)
    assert done.returncode == 1
    assert done.stderr.startswith("claimgraph: error:") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_bad_query_names_line_and_column(store: Path) -> None:
    done = run_cli("query", "SELECT ?x\nWHERE { ?x ?y }", store=store)
    assert done.returncode == 1 and "2:" in done.stderr


def test_malformed_dossier_exit_1_file_line_store_untouched(store: Path, tmp_path: Path) -> None:
    before = run_cli("export", "--format", "nquads", store=store).stdout
    bad = tmp_path / "bad.md"
    shutil.copy(DOSSIERS / "malformed" / "bad-history-entry.md", bad)
    done = run_cli("ingest", str(bad), str(DOSSIERS / "variants" / "minimal.md"), store=store)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"claimgraph: error: {bad}:9: expected a provenance entry "
                                   "'- `YYYY-MM-DD` **action** — note'")
    assert run_cli("export", "--format", "nquads", store=store).stdout == before


def test_ingest_twice_same_triple_count(store: Path) -> None:
    before = json.loads(run_cli("stats", "--format", "json", store=store).stdout)
    done = run_cli("ingest", str(SEED), store=store)
    assert done.returncode == 0 and "1 unchanged" in done.stdout
    assert json.loads(run_cli("stats", "--format", "json", store=store).stdout) == before
    assert before["classes"]["Claim"] == 3 and before["stances"] == {"caveat": 3}


def test_validate(store: Path) -> None:
    done = run_cli("validate", store=store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("0 violations in ")
    done = run_cli("validate", str(DATA / "rdf" / "broken.ttl"), store=store)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert ("Violation: <https://example.org/dossier/d/claim/1> cg:text: A claim has exactly one non-empty text."
            in lines)
    assert lines[-1].startswith("5 violations in ")


def test_export_formats(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.nq"
    assert run_cli("export", "-o", str(out), store=store).returncode == 0
    whole = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    assert len({q.graph_name for q in whole}) == 9  # 3 claims, dossier, revisions, agents, vocabulary, ontology, conflicts
    done = run_cli("export", "--format", "trig", "--dossier", "training-methodology-frontier-shift", store=store)
    one = list(ox.parse(done.stdout.encode(), format=ox.RdfFormat.TRIG))
    assert {q.graph_name.value.rsplit("/", 1)[-1] for q in one} == {"graph", "assertion", "revisions", "agents"}
    assert not any("vocabulary" in q.graph_name.value for q in one)
    def named(triples: set[ox.Triple]) -> set[ox.Triple]:  # blank nodes are new ones in each file read
        return {t for t in triples
                if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)}

    union = {ox.Triple(q.subject, q.predicate, q.object) for q in whole}
    for fmt, parse_as in (("turtle", ox.RdfFormat.TURTLE), ("ntriples", ox.RdfFormat.N_TRIPLES)):
        done = run_cli("export", "--format", fmt, store=store)
        triples = [ox.Triple(t.subject, t.predicate, t.object) for t in ox.parse(done.stdout.encode(), format=parse_as)]
        assert len(triples) == len(union) and named(set(triples)) == named(union), fmt  # the union, once each
    done = run_cli("export", "--dossier", "no-such-dossier", store=store)
    assert done.returncode == 1 and "no dossier 'no-such-dossier'" in done.stderr


def test_locked_store_exit_3(store: Path) -> None:
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", "import pyoxigraph, sys, time; s = pyoxigraph.Store(sys.argv[1]);"
                               " print('ready', flush=True); time.sleep(60)", str(store)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        done = run_cli("query", COUNT, store=store)
        assert done.returncode == 3
        assert "in use by another process" in done.stderr and "Traceback" not in done.stderr
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]


def test_usage_errors_exit_2() -> None:
    assert run_cli("query", "--format", "yaml", "ASK {}").returncode == 2
    assert run_cli("frobnicate").returncode == 2
    done = run_cli("ingest", "no/such/path", store="memory:")
    assert done.returncode == 1 and "no such file or folder" in done.stderr


def test_store_urls_that_cannot_be_used_are_said_clearly() -> None:
    done = run_cli("query", COUNT, store="http://127.0.0.1:9/sparql")  # no sparql+: not a store URL
    assert done.returncode == 2 and "sparql+http://" in done.stderr
    done = run_cli("query", COUNT, store="sparql+http://127.0.0.1:9/sparql")  # nothing listens there
    assert done.returncode == 3 and "cannot reach the store" in done.stderr and "Traceback" not in done.stderr


def test_read_commands_do_not_create_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    for args in (("query", COUNT), ("stats",), ("export",), ("validate",)):
        done = run_cli(*args, store=missing)
        assert done.returncode == 3 and "no store at" in done.stderr, args
    assert not missing.exists()


def test_unreadable_token_file_is_a_usage_error(store: Path, tmp_path: Path) -> None:
    done = run_cli("stats", store=store, env={"CLAIMGRAPH_TOKEN_FILE": str(tmp_path / "none")})
    assert done.returncode == 2 and "CLAIMGRAPH_TOKEN_FILE" in done.stderr


def test_ingest_seeds_and_real_dossiers(tmp_path: Path) -> None:
    store = tmp_path / "store"
    done = run_cli("ingest", str(SEEDS), str(REAL), store=store)
    assert done.returncode == 0 and "ingested 7 dossiers (27 claims)" in done.stdout
    assert run_cli("validate", store=store).returncode == 0
    rows = run_cli("query", "--format", "csv", "SELECT ?v WHERE { ?s a cg:Score ; cg:model/rdfs:label 'LLaMA-65B' ; "
                   "cg:setting ?k ; cg:value ?v FILTER(CONTAINS(?k, 'helm')) }", store=store).stdout.split()
    assert sorted(set(rows[1:])) == ["63.7"]


@pytest.mark.parametrize("suffix", [".nq", ".trig"])
def test_dump_and_restore_round_trip(tmp_path: Path, suffix: str) -> None:
    source, target, dump = tmp_path / "a", tmp_path / "b", tmp_path / f"backup{suffix}"
    assert run_cli("ingest", str(SEED), str(DOSSIERS / "variants"), store=source).returncode == 0
    fmt = "nquads" if suffix == ".nq" else "trig"
    assert run_cli("dump", "--format", fmt, "-o", str(dump), store=source).returncode == 0
    done = run_cli("restore", str(dump), store=target)
    assert done.returncode == 0, done.stderr
    a = run_cli("export", "--format", "nquads", store=source).stdout.splitlines()
    b = run_cli("export", "--format", "nquads", store=target).stdout.splitlines()
    assert sorted(a) == sorted(b) and len(a) > 500
    again = run_cli("restore", str(dump), store=target)
    assert again.returncode == 3 and "not empty" in again.stderr


def test_restore_of_a_broken_dump_restores_nothing(tmp_path: Path) -> None:
    dump = tmp_path / "broken.nq"
    dump.write_text("<http://a> <http://b> <http://c> <http://g> .\n<http://a> <http://b> \"unterminated .\n",
                    encoding="utf-8")
    done = run_cli("restore", str(dump), store=tmp_path / "s")
    assert done.returncode == 1 and "nothing was restored" in done.stderr
    assert json.loads(run_cli("stats", "--format", "json", store=tmp_path / "s").stdout)["quads"] == 0
